"""A planner's habits and mistakes never give a wrong answer silently (issue 15).

Each test here is one of the traps found on the example case, worked out by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from footprint import InputError, solve_case
from footprint.case import load_case
from footprint.cli import app
from tinycase import demand, lane, site, tiny_case, zone

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example"
RUNNER = CliRunner()


def cli(*args):
    return RUNNER.invoke(app, [str(a) for a in args])


# ------------------------------------------------------------------ settings that cannot be meant


def test_a_gap_of_5_is_refused_and_5_percent_is_read_as_such(tmp_path):
    refused = cli("solve", EXAMPLE, "--gap", "5", "--out", tmp_path / "a")
    assert refused.exit_code == 2
    assert "--gap: 5 is out of range" in refused.output and "write 5% or 0.05" in refused.output
    assert not (tmp_path / "a").exists()
    done = cli("solve", EXAMPLE, "--gap", "5%", "--out", tmp_path / "b", "--quiet")
    assert done.exit_code == 0, done.output
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert summary["settings"]["mip_gap"] == pytest.approx(0.05)
    assert summary["mip_gap"] <= 0.05


def test_percentages_are_read_for_every_share_setting():
    case = load_case(EXAMPLE, settings={"mip_gap": "1%", "min_service_level": "95%", "holding_rate": "20 %"})
    assert case.settings["mip_gap"] == pytest.approx(0.01)
    assert case.settings["min_service_level"] == pytest.approx(0.95)
    assert case.settings["holding_rate"] == pytest.approx(0.20)
    with pytest.raises(InputError) as err:
        load_case(EXAMPLE, settings={"min_service_level": "95"})
    assert "for 95 % write 95% or 0.95" in str(err.value)


def test_the_status_line_says_how_close_to_optimal_in_words(tmp_path):
    done = cli("solve", EXAMPLE, "--out", tmp_path / "out", "--gap", "0")
    assert done.exit_code == 0
    assert "example: optimal, total cost 1,574,943 EUR/year, proven optimal" in done.output
    from footprint.cli import gap_words

    assert gap_words(0.04631) == "proven within 4.63 % of the optimum"
    assert gap_words(None) == "no proven bound"


def test_optimal_means_within_the_gap_asked_for():
    """A solver status 'optimal' whose proven gap is above mip_gap is reported as time_limit."""
    from footprint.api import status_within_gap

    assert status_within_gap("optimal", 0.02, 0.01) == "time_limit"
    assert status_within_gap("optimal", 0.01, 0.01) == "optimal"
    assert status_within_gap("optimal", 0.0, 0.0) == "optimal"
    assert status_within_gap("time_limit", 0.5, 0.01) == "time_limit"


def test_the_soft_policy_without_a_price_warns(tmp_path):
    result = solve_case(EXAMPLE, settings={"lead_time_policy": "soft"})
    (warning,) = [m for m in result.messages if m.startswith("warning")]
    assert "lateness_penalty is 0" in warning and "every delivery promise is ignored" in warning
    assert "15,300 units late" in warning
    done = cli("solve", EXAMPLE, "--set", "lead_time_policy=soft", "--out", tmp_path / "out")
    assert "every delivery promise is ignored" in " ".join(done.output.split())
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert any("lateness_penalty is 0" in m for m in summary["messages"])


def test_a_lateness_price_too_low_to_matter_warns_and_a_real_one_does_not():
    cheap = solve_case(EXAMPLE, settings={"lead_time_policy": "soft", "lateness_penalty": 0.5})
    (warning,) = [m for m in cheap.messages if m.startswith("warning")]
    assert "units are late at a lateness_penalty of 0.5" in warning
    dear = solve_case(EXAMPLE, settings={"lead_time_policy": "soft", "lateness_penalty": 1e6, "mip_gap": 0})
    assert not [m for m in dear.messages if m.startswith("warning")]
    assert dear.objective == pytest.approx(1_574_943.3654856174, rel=1e-6)  # every promise kept, as hard


# ------------------------------------------------------------------ lanes without transit days


def textbook_case(**demand_kw):
    """Classic plant-location data: listed lanes with costs only, no modes, no times.
    Two plants (A 1000, B 800) and one zone Z of 100 units; A's lane costs 1, B's 4.
    Serving from A: 1000 + 100 + 300 + 100 = 1500; from B: 800 + 100 + 300 + 400 = 1600."""
    return tiny_case(sites=[site("A", 1000.0), site("B", 800.0)], zones=[zone("Z")],
                     demand=[demand("Z", 100.0, **demand_kw)], modes=None,
                     lanes=[lane("A", "Z", 1.0), lane("B", "Z", 4.0)])


def test_lanes_without_transit_days_are_accepted_when_nothing_needs_them():
    result = solve_case(textbook_case(), settings={"mip_gap": 0})
    assert result.status == "optimal" and result.objective == pytest.approx(1500.0)
    assert result.kpis["mean_lead_time_days"] is None
    assert result.tables["flows"]["lead_time_days"].isna().all()


def test_lanes_without_transit_days_are_refused_where_a_target_needs_them():
    with pytest.raises(InputError) as err:
        load_case(textbook_case(lead_time_target_days=2.0))
    lines = err.value.problems
    assert lines == [
        "table lanes row 2, column transit_days: missing value: zone Z has a lead-time target (table demand "
        "row 2), which needs the lane's transit days",
        "table lanes row 3, column transit_days: missing value: zone Z has a lead-time target (table demand "
        "row 2), which needs the lane's transit days"]
    with pytest.raises(InputError) as err:
        load_case(textbook_case(), settings={"min_service_level": 0.9})
    assert "min_service_level = 0.9 counts on-time units" in str(err.value)


# ------------------------------------------------------------------ every problem at once, counted


def test_the_count_equals_the_problems_listed(tmp_path):
    folder = tmp_path / "case"
    import shutil

    shutil.copytree(EXAMPLE, folder)
    demand_csv = pd.read_csv(folder / "demand.csv", dtype=str, keep_default_na=False)
    demand_csv["quantity"] = ""  # 24 rows, every one missing its quantity
    demand_csv.to_csv(folder / "demand.csv", index=False)
    done = cli("validate", folder)
    assert done.exit_code == 2
    lines = done.output.strip().splitlines()
    assert lines[-1] == "invalid input: 24 problem(s) found"
    assert lines[-2] == "demand.csv, column quantity: … and 4 more rows with the same problem"
    assert len(lines) == 22  # 20 listed, one '… and 4 more', the count


def test_a_scenario_with_four_mistakes_reports_all_four(tmp_path):
    scenario = tmp_path / "four.toml"
    scenario.write_text(f"""name = "four"
case = "{EXAMPLE}"

[settings]
mip_gap = "abc"

[[change]]
table = "sites"
where = {{ site = "XXX" }}
set = {{ fixed_cost = 5 }}

[[change]]
table = "demand"
where = {{ product = "SPARE" }}
multiply = {{ quantity = "x" }}

[[change]]
table = "sites"
where = {{ site = "LYS" }}
set = {{ fixed_cost = -5 }}
""")
    done = cli("validate", scenario)
    assert done.exit_code == 2
    out = done.output
    assert "[settings] mip_gap: 'abc' is not a number" in out
    assert "change 1 (table sites): where matches no row (site = XXX)" in out
    assert "change 2 (table demand): multiply quantity: 'x' is not a number" in out
    assert "change 3 (table sites): sites.csv row 3, column fixed_cost: -5 is out of range" in out
    assert out.strip().splitlines()[-1] == "invalid input: 4 problem(s) found"


# ------------------------------------------------------------------ messy files


def messy_copy(tmp_path: Path) -> Path:
    import shutil

    folder = tmp_path / "case"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("*.md", "*.png"))
    return folder


def test_a_semicolon_or_tab_separated_csv_is_read(tmp_path):
    folder = messy_copy(tmp_path)
    techs = pd.read_csv(folder / "technologies.csv", dtype=str, keep_default_na=False)
    techs.to_csv(folder / "technologies.csv", sep=";", index=False)
    zones = pd.read_csv(folder / "zones.csv", dtype=str, keep_default_na=False)
    zones.to_csv(folder / "zones.csv", sep="\t", index=False)
    result = solve_case(folder, settings={"mip_gap": 0})
    assert result.objective == pytest.approx(1_574_943.3654856174, rel=1e-9)


def test_a_decimal_comma_is_named(tmp_path):
    folder = messy_copy(tmp_path)
    techs = pd.read_csv(folder / "technologies.csv", dtype=str, keep_default_na=False)
    techs["max_utilisation"] = techs["max_utilisation"].str.replace(".", ",", regex=False)
    techs.to_csv(folder / "technologies.csv", sep=";", index=False)
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert ("technologies.csv row 2, column max_utilisation: '0,85' is not a number (it has a decimal comma: "
            "write 0.85)") in err.value.problems


def test_a_latin1_file_names_its_row_and_encoding_with_the_other_problems(tmp_path):
    folder = messy_copy(tmp_path)
    sites = pd.read_csv(folder / "sites.csv", dtype=str, keep_default_na=False)
    sites.loc[1, "name"] = "Lyon usine à façon"
    sites.to_csv(folder / "sites.csv", index=False, encoding="latin-1")
    zones = pd.read_csv(folder / "zones.csv", dtype=str, keep_default_na=False)
    zones.loc[0, "lat"] = "north"
    zones.to_csv(folder / "zones.csv", index=False)
    with pytest.raises(InputError) as err:
        load_case(folder)
    problems = err.value.problems
    assert problems[0].startswith("sites.csv row 3: not UTF-8 text (byte 0xE0); the file looks like Latin-1")
    assert "zones.csv row 2, column lat: 'north' is not a number" in problems
    assert not any("missing required table 'sites'" in p for p in problems)


def test_an_empty_file_and_a_utf16_file_are_named(tmp_path):
    folder = messy_copy(tmp_path)
    (folder / "tiers.csv").write_bytes(b"")
    text = (folder / "zones.csv").read_text()
    (folder / "zones.csv").write_bytes(text.encode("utf-16"))
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert "tiers.csv: the file is empty: a table needs at least its header row" in err.value.problems
    assert "zones.csv: the file is UTF-16 text; save it as 'CSV UTF-8 (comma delimited)'" in err.value.problems


# ------------------------------------------------------------------ infeasibility in planner's words


def test_too_few_printer_hours_are_named_with_numbers():
    # One site, at most 2 printers of 1,000 h; the demand needs 2,500 h (1 h a unit).
    case = tiny_case(sites=[site("A", 100.0, max_printers=2)], demand=[demand("Z", 2500.0)])
    result = solve_case(case)
    assert result.status == "infeasible"
    assert result.messages[0] == (
        "the sites allowed to open can print 2,000 h a year (their printer limits in sites, tiers and "
        "site_technologies, at each technology's max_utilisation); the demand needs 2,500 h at the least: "
        "500 h short")
    assert "zone Z, product P: 500 units" in result.messages[-1]


def test_a_site_count_limit_is_named_with_the_zones_it_leaves():
    # Z1 is only in reach of A, Z2 only of B, both within their 2-day promise; one site may open.
    zones = [zone("Z1"), zone("Z2")]
    lanes = [lane("A", "Z1", 1.0, transit_days=1.0), lane("B", "Z2", 1.0, transit_days=1.0)]
    case = tiny_case(sites=[site("A", 100.0), site("B", 200.0)], zones=zones, modes=None, lanes=lanes,
                     demand=[demand("Z1", 100.0, lead_time_target_days=2.0),
                             demand("Z2", 50.0, lead_time_target_days=2.0)],
                     settings={"max_open_sites": 1})
    result = solve_case(case)
    assert result.status == "infeasible"
    assert result.messages[0] == ("max_open_sites = 1 leaves zones Z2 without a site that can serve them within "
                                  "2 days; without the limit every zone can be served")


def test_a_service_level_out_of_reach_is_named_with_the_most_that_can_be_on_time():
    # A is fast (1 day) but has one printer (1,000 units); B is slow (5 days) and unlimited.
    # 2,000 units with a 2-day promise under the soft policy: at most 1,000 on time; 80 % needs 1,600.
    lanes = [lane("A", "Z", 1.0, transit_days=1.0), lane("B", "Z", 1.0, transit_days=5.0)]
    case = tiny_case(sites=[site("A", 100.0, max_printers=1), site("B", 100.0)], modes=None, lanes=lanes,
                     demand=[demand("Z", 2000.0, lead_time_target_days=2.0)],
                     settings={"lead_time_policy": "soft", "lateness_penalty": 1.0, "min_service_level": 0.8})
    result = solve_case(case)
    assert result.status == "infeasible"
    assert result.messages == ["min_service_level = 0.8 needs 1,600 of 2,000 units on time; the limits let at "
                               "most 1,000 arrive on time (50.0%)"]


# ------------------------------------------------------------------ progress and safe runs


def test_progress_shows_stages_plan_bound_and_gap_on_a_terminal_only(tmp_path):
    import io

    from rich.console import Console

    from footprint.cli import SolveProgress

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    watch = SolveProgress(console, enabled=True)
    shown = []
    with watch:
        original = watch.status.update
        watch.status.update = lambda text: (shown.append(text), original(text))
        watch.stage("bound")
        watch.progress(None, 900.0)
        watch.progress(1000.0, None)
    assert shown[0].startswith("bound · 0 s")
    assert shown[-1].endswith("plan 1,000 · bound 900 · gap 10.00%")
    # Not a terminal (a log, a pipe, a batch worker): nothing is shown.
    quiet = SolveProgress(Console(file=io.StringIO(), force_terminal=False), enabled=False)
    with quiet:
        quiet.stage("search")
        assert quiet.status is None
    done = cli("solve", EXAMPLE, "--out", tmp_path / "out")
    assert "prepare ·" not in done.output and "search ·" not in done.output


def test_sigterm_during_a_solve_leaves_nothing_behind(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "runs" / "flagship"
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "solve", str(ROOT / "models" / "eu-spares-base.toml"),
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(8)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted: nothing was written" in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_an_interrupt_while_writing_leaves_no_folder_and_no_temporary_files(tmp_path, monkeypatch):
    from footprint.report import folder

    def interrupted(result, path, pictures=()):
        raise KeyboardInterrupt

    monkeypatch.setattr(folder, "write_workbook", interrupted)
    done = cli("solve", EXAMPLE, "--out", tmp_path / "out")
    assert done.exit_code == 130
    assert "interrupted: nothing was written" in done.output
    assert list(tmp_path.iterdir()) == []


def test_a_time_limit_without_a_plan_exits_1_and_says_so(tmp_path, monkeypatch):
    from footprint import api
    from footprint.solve import SolveOutcome

    def no_plan(*args, **kwargs):
        return SolveOutcome(status="time_limit", has_plan=False, objective=None, best_bound=None, mip_gap=None,
                            timings={"handoff": 0.0, "solver": 1.0})

    monkeypatch.setattr(api, "solve_blocks", no_plan)
    done = cli("solve", EXAMPLE, "--out", tmp_path / "out", "--time-limit", "1")
    assert done.exit_code == 1
    assert "time_limit: no feasible plan for example" in done.output
    assert "no feasible plan found within the time limit of 1 s" in done.output
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ untrusted workbooks and outputs


def example_workbook(path: Path) -> Path:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for csv in sorted(EXAMPLE.glob("*.csv")):
            pd.read_csv(csv, dtype=str, keep_default_na=False).to_excel(writer, sheet_name=csv.stem, index=False)
    return path


def test_a_formula_without_a_saved_value_is_named_not_read_as_a_default(tmp_path):
    from openpyxl import load_workbook

    book = example_workbook(tmp_path / "case.xlsx")
    wb = load_workbook(book)
    wb["sites"]["F3"] = "=30000+5000"  # Lyon's fixed_cost, as a program would write it: no saved value
    wb.save(book)
    with pytest.raises(InputError) as err:
        load_case(book)
    assert err.value.problems == [
        "case.xlsx sheet sites row 3, column fixed_cost: a formula without a saved value: footprint reads only "
        "values; open and save the workbook in a spreadsheet, or type the value"]


def test_text_that_a_spreadsheet_would_run_is_defused_in_result_csvs(tmp_path):
    folder = messy_copy(tmp_path)
    zones = pd.read_csv(folder / "zones.csv", dtype=str, keep_default_na=False)
    demand_csv = pd.read_csv(folder / "demand.csv", dtype=str, keep_default_na=False)
    zones.loc[zones["zone"] == "PAR", "zone"] = "=HYPERLINK(\"http://x\")"
    demand_csv.loc[demand_csv["zone"] == "PAR", "zone"] = "=HYPERLINK(\"http://x\")"
    zones.to_csv(folder / "zones.csv", index=False)
    demand_csv.to_csv(folder / "demand.csv", index=False)
    done = cli("solve", folder, "--out", tmp_path / "out", "--quiet")
    assert done.exit_code == 0, done.output
    flows = (tmp_path / "out" / "flows.csv").read_text()
    assert "'=HYPERLINK" in flows and ",=HYPERLINK" not in flows
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "out" / "plan.xlsx")["flows"]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)  # text, not a formula


def test_review_findings_on_input_stay_fixed(tmp_path):
    # A quoted value with a comma after a space is one cell, as pandas reads it.
    folder = messy_copy(tmp_path)
    zones = (folder / "zones.csv").read_text().splitlines()
    header, first = zones[0], zones[1].split(",")
    first[1] = ' "Paris, FR"'
    (folder / "zones.csv").write_text("\n".join([header, ",".join(first), *zones[2:]]) + "\n")
    assert load_case(folder).table("zones").set_index("zone").loc["PAR", "name"] == "Paris, FR"
    # holding_rate 25 is refused (25 % is 25% or 0.25), not read as 2,500 % a year.
    with pytest.raises(InputError) as err:
        load_case(EXAMPLE, settings={"holding_rate": 25})
    assert "for 25 % write 25% or 0.25" in str(err.value)
    # In a ';'-separated file a comma is the decimal mark: '1,500' is 1.5, and the hint says so.
    techs = pd.read_csv(folder / "technologies.csv", dtype=str, keep_default_na=False)
    techs.loc[0, "hours_per_year"] = "7000,500"
    techs.to_csv(folder / "technologies.csv", sep=";", index=False)
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert "'7000,500' is not a number (it has a decimal comma: write 7000.500)" in str(err.value)


def test_the_service_level_explanation_counts_every_on_time_lane():
    """Soft policy, B closed: A's express lane (1 day, 1.5) is on time but dearer than its road lane
    (3 days, 0.5). A's one printer makes 1,000 of the 1,200 units, all of which can go by express:
    the most on time is 1,000 (83.3 %), short of 90 %."""
    from test_insight import two_sites

    case = two_sites(lead_time_policy="soft", lateness_penalty=0.1, min_service_level=0.9)
    case["sites"].loc[case["sites"]["site"] == "B", "status"] = "closed"
    case["demand"]["unmet_penalty"] = 50.0
    result = solve_case(case)
    assert result.status == "infeasible"
    assert result.messages == ["min_service_level = 0.9 needs 1,080 of 1,200 units on time; the limits let at "
                               "most 1,000 arrive on time (83.3%)"]


def test_a_plan_within_a_loose_gap_is_not_called_the_optimum(tmp_path):
    done = cli("solve", EXAMPLE, "--gap", "5%", "--out", tmp_path / "out")
    first = " ".join(done.output.split("Open sites")[0].split())   # the status line, unwrapped
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    if summary["mip_gap"] > 5e-7:
        assert first.startswith("example: optimal within the 5.00% asked for, total cost")
        assert "proven within" in first
    else:
        assert "proven optimal" in first


def test_a_european_thousands_point_is_refused_not_read_small(tmp_path):
    folder = messy_copy(tmp_path)
    demand_csv = pd.read_csv(folder / "demand.csv", dtype=str, keep_default_na=False)
    demand_csv.loc[0, "quantity"] = "30.000"
    demand_csv.to_csv(folder / "demand.csv", sep=";", index=False)
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert ("demand.csv row 2, column quantity: '30.000' is not a number (in a file separated by ';' or tabs the "
            "point may group thousands: write 30000 if it does, 30,000 if it is a decimal mark)") in err.value.problems


def test_demand_left_unserved_at_its_penalty_says_why():
    from tinycase import site as a_site

    case = tiny_case(sites=[a_site("A", 1000.0, lead_time_days=1.0)],
                     demand=[demand("Z", 100.0, lead_time_target_days=0.5, unmet_penalty=5.0)])
    result = solve_case(case, settings={"mip_gap": 0})
    assert result.status == "optimal" and result.objective == pytest.approx(500.0)
    assert result.messages[0].startswith("100 units are left unserved at their unmet_penalty (unmet.csv)")
    assert result.messages[1].startswith("  zone Z, product P (100 units): lead-time target 0.5 days is out of reach")


def test_settings_take_thousands_separators_as_the_tables_do():
    case = load_case(EXAMPLE, settings={"carbon_price": "1,000", "time_limit_s": "1,200"})
    assert case.settings["carbon_price"] == 1000.0 and case.settings["time_limit_s"] == 1200.0
