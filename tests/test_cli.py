"""The command line end to end (SPEC sections 6 and 7): solve, results folder, exit status.

Exit status 0: a plan was found (results written); 1: no feasible plan (the
message says ``infeasible`` and which demand cannot be served; nothing is
written); 2: invalid input, including an ``--out`` folder that is not a
results folder.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from casefiles import BASE_OBJECTIVE, CaseFiles
from footprint.cli import app

ROOT = Path(__file__).resolve().parents[1]
RUNNER = CliRunner()

COST_TERMS = ("site_fixed", "tier_fixed", "printers", "setup", "production", "transport", "duties",
              "lateness", "unmet", "carbon")
# SPEC section 8 adds the inventory term (zero in cases without stock)
ALL_COST_TERMS = COST_TERMS + ("inventory",)
RESULT_FILES = ("summary.json", "sites.csv", "printers.csv", "production.csv", "flows.csv", "unmet.csv")
KM_PER_DEGREE = 6371.0088 * math.radians(1.0)  # one degree of longitude on the equator


def run_cli(*args):
    return RUNNER.invoke(app, [str(a) for a in args])


def run_program(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def solve(case: CaseFiles, tmp_path: Path, *options, out: str = "out"):
    folder = case.write(tmp_path / "case")
    return run_cli("solve", folder, "--out", tmp_path / out, *options)


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def assert_plan(result) -> None:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}\n{result.exception!r}"
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------ a case with every cost term


def rich_case() -> CaseFiles:
    """Base case plus: zone Z2 in country Y (1° east, duty 10 %, late under the soft policy), zone Z3
    whose 30 units are cheaper to leave unmet (penalty 0.01), a hub tier (fixed 200), a setup cost,
    emissions and a carbon price, so that all ten cost terms are non-zero.

    By hand (site A opens at tier hub with one printer, d = 1° of longitude in km):
        site_fixed 1000, tier_fixed 200, printers 100, setup 20, production 150 × 3 = 450,
        transport 100 × 0.5 + 50 × (0.5 + 0.01 × 2 × d), duties 50 × 0.1 × 50 = 250,
        lateness 50 × (d / 500 − 0.1) × 1, unmet 30 × 0.01,
        carbon 10 / 1000 × (150 × 2 + 50 × 2 / 1000 × 100 × d).
    """
    return (CaseFiles()
            .add_row("zones", zone="Z2", name="Zone 2", lat="0", lon="1", country="Y")
            .add_row("zones", zone="Z3", name="Zone 3", lat="0", lon="0", country="X")
            .add_column("demand", "unmet_penalty", "")
            .add_row("demand", zone="Z2", product="P", quantity="50", lead_time_target_days="0.1",
                     unmet_penalty="100")
            .add_row("demand", zone="Z3", product="P", quantity="30", unmet_penalty="0.01")
            .table("duties", ["origin", "destination", "duty_class", "rate"],
                   [dict(origin="*", destination="Y", duty_class="*", rate="0.1")])
            .table("tiers", ["tier", "fixed_cost", "max_printers", "cost_multiplier"],
                   [dict(tier="hub", fixed_cost="200", max_printers="10", cost_multiplier="1")])
            .set("processes", 0, "setup_cost", "20")
            .set("processes", 0, "co2_kg_per_unit", "2")
            .set("modes", 0, "co2_kg_per_tonne_km", "100")
            .settings(carbon_price="10", lead_time_policy="soft", lateness_penalty="1"))


def rich_costs() -> dict[str, float]:
    d = KM_PER_DEGREE
    return {
        "site_fixed": 1000.0, "tier_fixed": 200.0, "printers": 100.0, "setup": 20.0, "production": 450.0,
        "transport": 100 * 0.5 + 50 * (0.5 + 0.01 * 2 * d), "duties": 250.0,
        "lateness": 50 * (d / 500 - 0.1), "unmet": 0.3,
        "carbon": 10 / 1000 * (150 * 2 + 50 * 2 / 1000 * 100 * d),
    }


def test_solve_writes_every_result_file(tmp_path):
    result = solve(rich_case(), tmp_path, "--gap", "0")
    assert_plan(result)
    out = tmp_path / "out"
    for name in RESULT_FILES:
        assert (out / name).is_file(), f"{name} missing; folder holds {sorted(p.name for p in out.iterdir())}"
    assert "results written" in result.stdout


def test_summary_json_content(tmp_path):
    assert_plan(solve(rich_case(), tmp_path, "--gap", "0"))
    s = summary(tmp_path / "out")
    for key in ("status", "objective", "best_bound", "mip_gap", "costs", "kpis", "timings", "model_size",
                "version", "input_hash"):
        assert key in s, f"summary.json lacks {key}: {sorted(s)}"
    assert s["status"] == "optimal"
    assert set(s["costs"]) == set(ALL_COST_TERMS)
    assert s["version"] == __import__("footprint").__version__
    assert isinstance(s["input_hash"], str) and s["input_hash"]
    assert s["best_bound"] <= s["objective"] + 1e-6
    assert 0 <= s["mip_gap"] <= 1e-6
    assert s["model_size"]
    assert s["timings"]
    k = s["kpis"]
    assert k["open_sites"] == 1
    assert k["units_demanded"] == pytest.approx(180)
    assert k["units_served"] == pytest.approx(150)
    assert k["units_unmet"] == pytest.approx(30)


def test_cost_terms_by_hand_and_sum_to_objective(tmp_path):
    assert_plan(solve(rich_case(), tmp_path, "--gap", "0"))
    s = summary(tmp_path / "out")
    expected = rich_costs()
    for term in COST_TERMS:
        assert s["costs"][term] == pytest.approx(expected[term], rel=1e-6, abs=1e-6), term
        assert s["costs"][term] > 0, f"{term} should be exercised by this case"
    assert sum(s["costs"].values()) == pytest.approx(s["objective"], rel=1e-9, abs=1e-6)
    assert s["objective"] == pytest.approx(sum(expected.values()), rel=1e-6)


def test_site_totals_plus_unmet_penalties_equal_objective(tmp_path):
    assert_plan(solve(rich_case(), tmp_path, "--gap", "0"))
    out = tmp_path / "out"
    sites = pd.read_csv(out / "sites.csv")
    unmet = pd.read_csv(out / "unmet.csv")
    objective = summary(out)["objective"]
    assert sites["total"].sum() + unmet["penalty_cost"].sum() == pytest.approx(objective, rel=1e-7, abs=1e-4)
    assert unmet["penalty_cost"].sum() == pytest.approx(0.3)
    assert set(sites["site"]) == {"A", "B"}


def test_result_tables_agree(tmp_path):
    assert_plan(solve(rich_case(), tmp_path, "--gap", "0"))
    out = tmp_path / "out"
    flows = pd.read_csv(out / "flows.csv")
    production = pd.read_csv(out / "production.csv")
    printers = pd.read_csv(out / "printers.csv")
    unmet = pd.read_csv(out / "unmet.csv", keep_default_na=False)
    assert flows["units"].sum() == pytest.approx(150)
    assert production["units"].sum() == pytest.approx(flows["units"].sum())
    assert printers["printers"].sum() == 1
    assert list(zip(unmet["zone"], unmet["product"])) == [("Z3", "P")]
    assert unmet["units"].sum() == pytest.approx(30)


def test_base_case_optimum_by_hand(tmp_path):
    assert_plan(solve(CaseFiles(), tmp_path))
    s = summary(tmp_path / "out")
    assert s["objective"] == pytest.approx(BASE_OBJECTIVE, rel=1e-9)
    sites = pd.read_csv(tmp_path / "out" / "sites.csv")
    assert sites.loc[sites["site"] == "A", "open"].item()
    assert not sites.loc[sites["site"] == "B", "open"].item()
    unmet = pd.read_csv(tmp_path / "out" / "unmet.csv")
    assert unmet.empty


def test_summary_timings_name_the_spec_stages(tmp_path):
    assert_plan(solve(CaseFiles(), tmp_path))
    timings = summary(tmp_path / "out")["timings"]
    for stage in ("load", "build", "solve", "write"):
        assert stage in timings, sorted(timings)


def test_solve_through_the_real_program(tmp_path):
    folder = CaseFiles().write(tmp_path / "case")
    proc = run_program("solve", folder, "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert summary(tmp_path / "out")["objective"] == pytest.approx(BASE_OBJECTIVE)


def test_validate_valid_case_through_python_cli_py(tmp_path):
    folder = CaseFiles().write(tmp_path / "case")
    proc = run_program("validate", folder, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout
    assert proc.stderr == ""


def test_solve_a_workbook(tmp_path):
    book = rich_case().write_xlsx(tmp_path / "case.xlsx")
    result = run_cli("solve", book, "--out", tmp_path / "out", "--gap", "0")
    assert_plan(result)
    assert summary(tmp_path / "out")["objective"] == pytest.approx(sum(rich_costs().values()), rel=1e-6)


# ------------------------------------------------------------------ options


def test_time_limit_gap_and_set_are_applied(tmp_path):
    result = solve(CaseFiles().settings(carbon_price="1", currency="EUR"), tmp_path,
                   "--time-limit", "7", "--gap", "0.05", "--set", "carbon_price=3", "--set", "currency=USD",
                   "--set", "seed=4")
    assert_plan(result)
    settings = summary(tmp_path / "out")["settings"]
    assert settings["time_limit_s"] == 7
    assert settings["mip_gap"] == 0.05
    assert settings["carbon_price"] == 3  # --set overrides the case's settings table
    assert settings["currency"] == "USD"
    assert settings["seed"] == 4
    assert "USD" in result.stdout


def test_case_settings_table_is_used_without_options(tmp_path):
    assert_plan(solve(CaseFiles().settings(time_limit_s="42", mip_gap="0.01"), tmp_path))
    settings = summary(tmp_path / "out")["settings"]
    assert settings["time_limit_s"] == 42
    assert settings["mip_gap"] == 0.01


def test_set_changes_the_model(tmp_path):
    # a carbon price of 1000 per tonne on 2 kg per unit made adds 100 × 2 × 1000 / 1000 = 200
    case = CaseFiles().set("processes", 0, "co2_kg_per_unit", "2")
    assert_plan(solve(case, tmp_path, "--set", "carbon_price=1000"))
    s = summary(tmp_path / "out")
    assert s["costs"]["carbon"] == pytest.approx(200)
    assert s["objective"] == pytest.approx(BASE_OBJECTIVE + 200)


# ------------------------------------------------------------------ infeasible cases


def _no_lane() -> CaseFiles:
    return CaseFiles().table("lanes", ["site", "zone", "mode", "allowed"],
                             [dict(site="A", zone="Z", mode="road", allowed="false"),
                              dict(site="B", zone="Z", mode="road", allowed="no")])


def _no_process() -> CaseFiles:
    return (CaseFiles().add_row("products", product="Q", weight_kg="1")
            .add_row("demand", zone="Z", product="Q", quantity="10"))


def _late() -> CaseFiles:
    return (CaseFiles().set("sites", 0, "lead_time_days", "1").set("sites", 1, "lead_time_days", "1")
            .set("demand", 0, "lead_time_target_days", "0.5"))


def _no_host() -> CaseFiles:
    return (CaseFiles().add_row("technologies", technology="U", printer_cost="1", hours_per_year="1000")
            .table("site_technologies", ["site", "technology"], [dict(site="A", technology="U"),
                                                                 dict(site="B", technology="U")]))


@pytest.mark.parametrize("make,zone,product,words", [
    pytest.param(_no_lane, "Z", "P", ("lane",), id="lanes-disallowed"),
    pytest.param(_no_process, "Z", "Q", ("processes",), id="no-process"),
    pytest.param(_late, "Z", "P", ("lead-time", "0.5"), id="lead-time-hard-policy"),
    pytest.param(_no_host, "Z", "P", ("hosts",), id="no-site-hosts-the-technology"),
])
def test_unreachable_demand_is_infeasible(tmp_path, make, zone, product, words):
    result = solve(make(), tmp_path)
    assert result.exit_code == 1, f"{result.stdout}\n{result.stderr}\n{result.exception!r}"
    assert "infeasible" in result.stderr
    assert f"zone {zone}" in result.stderr and f"product {product}" in result.stderr
    for word in words:
        assert word in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_soft_policy_serves_the_late_demand(tmp_path):
    result = solve(_late(), tmp_path, "--set", "lead_time_policy=soft", "--set", "lateness_penalty=2")
    assert_plan(result)
    s = summary(tmp_path / "out")
    # lane A→Z: lead time 1 day, target 0.5: 100 units × 0.5 days × 2
    assert s["costs"]["lateness"] == pytest.approx(100)
    assert s["objective"] == pytest.approx(BASE_OBJECTIVE + 100)


def test_unmet_penalty_makes_unreachable_demand_feasible(tmp_path):
    assert_plan(solve(_no_lane(), tmp_path, "--set", "unmet_penalty=7"))
    s = summary(tmp_path / "out")
    assert s["costs"]["unmet"] == pytest.approx(700)
    assert s["objective"] == pytest.approx(700)


def _over_capacity() -> CaseFiles:
    # 5000 units × 1 h; each site may hold one printer of 1000 h: at most 2000 units can be made
    return (CaseFiles().set("demand", 0, "quantity", "5000")
            .set("sites", 0, "max_printers", "1").set("sites", 1, "max_printers", "1"))


def test_infeasible_found_by_the_solver_names_the_demand(tmp_path):
    result = solve(_over_capacity(), tmp_path)
    assert result.exit_code == 1, f"{result.stdout}\n{result.stderr}\n{result.exception!r}"
    assert "infeasible" in result.stderr
    assert "zone Z, product P" in result.stderr
    assert "3000" in result.stderr  # units that cannot be served
    assert not (tmp_path / "out").exists()


def test_infeasible_through_the_real_program(tmp_path):
    folder = _over_capacity().write(tmp_path / "case")
    proc = run_program("solve", folder, "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "infeasible" in proc.stderr and "zone Z" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_infeasible_site_count_setting(tmp_path):
    result = solve(CaseFiles(), tmp_path, "--set", "min_open_sites=3")
    assert result.exit_code == 1
    assert "infeasible" in result.stderr and "min_open_sites" in result.stderr
    assert not (tmp_path / "out").exists()


def test_infeasible_run_leaves_earlier_results_alone(tmp_path):
    assert_plan(solve(CaseFiles(), tmp_path))
    before = (tmp_path / "out" / "summary.json").read_text()
    result = run_cli("solve", _over_capacity().write(tmp_path / "case2"), "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert (tmp_path / "out" / "summary.json").read_text() == before


# ------------------------------------------------------------------ the output folder


def test_solving_twice_replaces_the_results(tmp_path):
    out = tmp_path / "out"
    assert_plan(solve(CaseFiles(), tmp_path))
    assert summary(out)["objective"] == pytest.approx(BASE_OBJECTIVE)
    (out / "stale.txt").write_text("from the first run")
    first_hash = summary(out)["input_hash"]

    # 200 units instead of 100: + 100 × (3 + 0.5)
    bigger = CaseFiles().set("demand", 0, "quantity", "200")
    result = run_cli("solve", bigger.write(tmp_path / "case2"), "--out", out)
    assert_plan(result)
    s = summary(out)
    assert s["objective"] == pytest.approx(BASE_OBJECTIVE + 350)
    assert s["input_hash"] != first_hash
    assert pd.read_csv(out / "flows.csv")["units"].sum() == pytest.approx(200)
    assert not (out / "stale.txt").exists(), "the results folder was not replaced whole"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == [], f"temporary folders left behind: {leftovers}"


def test_out_existing_user_folder_is_refused_and_untouched(tmp_path):
    out = tmp_path / "mydocs"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"precious")
    (out / "notes.csv").write_text("a,b\n1,2\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    result = solve(CaseFiles(), tmp_path, out="mydocs")
    assert result.exit_code == 2, result.stdout
    assert str(out) in result.stderr
    assert "not a footprint results folder" in result.stderr
    assert "invalid input: 1 problem(s) found" in result.stderr
    assert "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_out_existing_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("not a folder")
    result = solve(CaseFiles(), tmp_path)
    assert result.exit_code == 2
    assert "not a footprint results folder" in result.stderr
    assert (tmp_path / "out").read_text() == "not a folder"


def test_out_existing_empty_folder_is_used(tmp_path):
    (tmp_path / "out").mkdir()
    assert_plan(solve(CaseFiles(), tmp_path))
    assert (tmp_path / "out" / "summary.json").is_file()


def test_out_user_folder_refused_through_the_real_program(tmp_path):
    out = tmp_path / "mydocs"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    folder = CaseFiles().write(tmp_path / "case")
    proc = run_program("solve", folder, "--out", out, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "mine"


def test_default_out_is_results_case_name(tmp_path):
    folder = CaseFiles().write(tmp_path / "mycase")
    proc = run_program("solve", folder, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "results" / "mycase" / "summary.json").is_file()
