"""Every validation rule, through the real command line (SPEC sections 1, 4 and 7).

An invalid input exits with status 2 and prints on standard error one line per
problem, ``<file> row <n>, column <col>: <message>`` (row as the planner sees
it: header = row 1, first data row = 2), then ``invalid input: N problem(s)
found``, and never a Python traceback.

Most tests run the typer app in-process (``CliRunner``); a few run
``python cli.py`` in a subprocess to prove the real program's exit status and
its clean standard error.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casefiles import CaseFiles, file_row
from footprint.cli import app

ROOT = Path(__file__).resolve().parents[1]
RUNNER = CliRunner()
SUMMARY = re.compile(r"^invalid input: (\d+) problem\(s\) found$")


# ------------------------------------------------------------------ helpers


def run_cli(*args) -> "object":
    """Invoke the typer app in-process; returns click's Result (exit_code, stdout, stderr)."""
    return RUNNER.invoke(app, [str(a) for a in args])


def run_program(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python cli.py ARGS…`` as a real process."""
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd or ROOT, timeout=300)


def validate(case: CaseFiles, tmp_path: Path, name: str = "case"):
    folder = case.write(tmp_path / name)
    return run_cli("validate", folder)


def problem_lines(stderr: str) -> list[str]:
    """The problem lines (without the final count line) of an invalid-input report."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "nothing printed on standard error"
    match = SUMMARY.match(lines[-1])
    assert match, f"last line is not the problem count: {lines[-1]!r}"
    body = lines[:-1]
    # The count is of problems: a '… and N more' line stands for N of them (issue 15).
    told = sum(int(m.group(1)) if (m := re.search(r": … and (\d+) more ", line)) else 1 for line in body)
    assert int(match.group(1)) == told, f"count {match.group(1)} but {told} problems told:\n{stderr}"
    return body


def where(source: str, row: int | None = None, column: str | None = None) -> str:
    text = source
    if row is not None:
        text += f" row {row}"
    if column is not None:
        text += f", column {column}"
    return text


def find_line(lines: list[str], location: str, *words: str) -> str:
    """The problem line at ``location`` (``file row n, column c``) that holds every word."""
    for line in lines:
        if line.startswith(location + ": ") and all(w.lower() in line.lower() for w in words):
            return line
    raise AssertionError(f"no line at {location!r} with {words}; got:\n" + "\n".join(lines))


def assert_invalid(result, location: str, *words: str, count: int | None = 1) -> list[str]:
    """Exit 2, no traceback, and a problem line at ``location`` holding ``words``."""
    stderr = result.stderr
    assert result.exit_code == 2, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{stderr}"
    assert "Traceback" not in stderr and "Traceback" not in result.stdout
    lines = problem_lines(stderr)
    find_line(lines, location, *words)
    if count is not None:
        assert len(lines) == count, "\n".join(lines)
    return lines


# ------------------------------------------------------------------ the base case is valid


def test_base_case_is_valid(tmp_path):
    result = validate(CaseFiles(), tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "valid" in result.stdout
    assert result.stderr == ""


# ------------------------------------------------------------------ tables


def test_missing_required_table(tmp_path):
    result = validate(CaseFiles().drop_table("processes"), tmp_path)
    folder = str(tmp_path / "case")
    assert_invalid(result, folder, "missing required table", "processes")


@pytest.mark.parametrize("table", ["sites", "technologies", "products", "zones", "demand"])
def test_every_required_table_is_required(tmp_path, table):
    result = validate(CaseFiles().drop_table(table), tmp_path)
    assert_invalid(result, str(tmp_path / "case"), "missing required table", f"'{table}'")


def test_missing_modes_without_lanes(tmp_path):
    result = validate(CaseFiles().drop_table("modes"), tmp_path)
    assert_invalid(result, str(tmp_path / "case"), "modes", "lanes")


def test_unknown_table_typo(tmp_path):
    # site.csv instead of sites.csv: the typo is named, and sites is then missing
    result = validate(CaseFiles().rename_table("sites", "site"), tmp_path)
    lines = assert_invalid(result, "site.csv", "unknown table", "'site'", count=2)
    find_line(lines, str(tmp_path / "case"), "missing required table", "sites")


def test_unknown_optional_table_typo(tmp_path):
    case = CaseFiles().table("tier", ["tier", "fixed_cost"], [dict(tier="micro", fixed_cost="0")])
    assert_invalid(validate(case, tmp_path), "tier.csv", "unknown table", "tiers")


def test_required_table_with_no_rows(tmp_path):
    result = validate(CaseFiles().clear_rows("demand"), tmp_path)
    assert_invalid(result, "demand.csv", "no rows")


@pytest.mark.parametrize("table", ["sites", "technologies", "products", "processes", "zones"])
def test_every_required_table_needs_rows(tmp_path, table):
    # processes reference products/technologies: clearing those also breaks references,
    # so only the "no rows" line is asserted, not the count.
    result = validate(CaseFiles().clear_rows(table), tmp_path)
    assert_invalid(result, f"{table}.csv", "no rows", count=None)


def test_empty_modes_table_is_reported_not_a_traceback(tmp_path):
    folder = CaseFiles().clear_rows("modes").write(tmp_path / "case")
    proc = run_program("solve", folder, "--out", tmp_path / "out", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (1, 2)
    assert "modes" in proc.stderr


def test_unreadable_csv_is_reported(tmp_path):
    case = CaseFiles().file("tiers.csv", "")  # 0 bytes: no header row
    result = validate(case, tmp_path)
    assert result.exit_code == 2
    assert "tiers.csv" in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------ columns


def test_missing_required_column(tmp_path):
    result = validate(CaseFiles().drop_column("sites", "country"), tmp_path)
    assert_invalid(result, where("sites.csv", column="country"), "missing required column")


@pytest.mark.parametrize("table,column", [
    ("technologies", "printer_cost"), ("technologies", "hours_per_year"), ("products", "weight_kg"),
    ("processes", "hours_per_unit"), ("demand", "quantity"), ("modes", "speed_km_per_day"),
    ("sites", "site"), ("demand", "zone"), ("processes", "technology"), ("modes", "mode"),
])
def test_every_required_column_is_required(tmp_path, table, column):
    result = validate(CaseFiles().drop_column(table, column), tmp_path)
    lines = assert_invalid(result, where(f"{table}.csv", column=column), "missing required column", count=None)
    assert len(lines) >= 1


@pytest.mark.parametrize("table,column", [("zones", "zone"), ("products", "product"),
                                          ("technologies", "technology")])
def test_missing_referenced_id_column(tmp_path, table, column):
    result = validate(CaseFiles().drop_column(table, column), tmp_path)
    assert_invalid(result, where(f"{table}.csv", column=column), "missing required column", count=None)


def test_unknown_column(tmp_path):
    result = validate(CaseFiles().add_column("sites", "colour", "red"), tmp_path)
    assert_invalid(result, where("sites.csv", column="colour"), "unknown column")


def test_unknown_column_typo_of_a_known_one(tmp_path):
    # fixed_costs (typo) is unknown; the real column is then simply absent (it has a default)
    result = validate(CaseFiles().rename_column("sites", "fixed_cost", "fixed_costs"), tmp_path)
    assert_invalid(result, where("sites.csv", column="fixed_costs"), "unknown column", "fixed_cost")


# ------------------------------------------------------------------ cell types


def _lanes(allowed: str) -> CaseFiles:
    return CaseFiles().table("lanes", ["site", "zone", "mode", "allowed"],
                             [dict(site="A", zone="Z", mode="road", allowed=allowed)])


TYPE_CASES = [
    # id, edit, file, data row index, column, key words
    ("text-in-float", lambda c: c.set("sites", 1, "fixed_cost", "abc"), "sites.csv", 1, "fixed_cost",
     ("'abc'", "not a number")),
    ("text-in-required-float", lambda c: c.set("demand", 0, "quantity", "lots"), "demand.csv", 0, "quantity",
     ("'lots'", "not a number")),
    ("fraction-in-int", lambda c: c.set("sites", 0, "max_printers", "2.5"), "sites.csv", 0, "max_printers",
     ("'2.5'", "whole number")),
    ("fraction-in-int-site-tech", lambda c: c.table("site_technologies", ["site", "technology", "max_printers"],
                                                    [dict(site="A", technology="T", max_printers="1.5")]),
     "site_technologies.csv", 0, "max_printers", ("'1.5'", "whole number")),
    ("bad-bool", lambda c: c.table("lanes", ["site", "zone", "mode", "allowed"],
                                   [dict(site="A", zone="Z", mode="road", allowed="maybe")]),
     "lanes.csv", 0, "allowed", ("'maybe'", "true or false")),
    ("bad-enum", lambda c: c.set("sites", 0, "status", "shut"), "sites.csv", 0, "status",
     ("'shut'", "candidate", "open", "closed")),
]


@pytest.mark.parametrize("edit,source,row,column,words",
                         [pytest.param(*t[1:], id=t[0]) for t in TYPE_CASES])
def test_wrong_type(tmp_path, edit, source, row, column, words):
    case = CaseFiles()
    edit(case)
    result = validate(case, tmp_path)
    assert_invalid(result, where(source, file_row(row), column), *words)


@pytest.mark.parametrize("word", ["true", "FALSE", "yes", "no", "1", "0"])
def test_bool_words_are_accepted(tmp_path, word):
    result = validate(_lanes(word), tmp_path)
    assert result.exit_code == 0, result.stderr


# ------------------------------------------------------------------ ranges


RANGE_CASES = [
    ("negative-fixed-cost", "sites", 0, "fixed_cost", "-1", "≥ 0"),
    ("max-utilisation-0", "technologies", 0, "max_utilisation", "0", "(0, 1]"),
    ("max-utilisation-above-1", "technologies", 0, "max_utilisation", "1.5", "(0, 1]"),
    ("min-utilisation-1", "technologies", 0, "min_utilisation", "1", "[0, 1)"),
    ("circuity-below-1", "modes", 0, "circuity", "0.9", "≥ 1"),
    ("lat-above-90", "sites", 0, "lat", "91", "[-90, 90]"),
    ("lon-below-180", "zones", 0, "lon", "-181", "[-180, 180]"),
    ("hours-per-year-0", "technologies", 0, "hours_per_year", "0", "> 0"),
    ("negative-quantity", "demand", 0, "quantity", "-5", "≥ 0"),
    ("zero-speed", "modes", 0, "speed_km_per_day", "0", "> 0"),
    ("zero-lead-time-target", "demand", 0, "lead_time_target_days", "0", "> 0"),
    ("negative-max-printers", "sites", 1, "max_printers", "-1", "≥ 0"),
    ("zero-cost-multiplier", "sites", 1, "cost_multiplier", "0", "> 0"),
]


@pytest.mark.parametrize("table,row,column,value,bound",
                         [pytest.param(*t[1:], id=t[0]) for t in RANGE_CASES])
def test_out_of_range(tmp_path, table, row, column, value, bound):
    result = validate(CaseFiles().set(table, row, column, value), tmp_path)
    assert_invalid(result, where(f"{table}.csv", file_row(row), column), "out of range", value, bound)


@pytest.mark.parametrize("table,column,value", [
    ("sites", "fixed_cost", "inf"),
    ("sites", "max_printers", "inf"),  # unlimited is an empty cell, not inf
    ("products", "weight_kg", "-inf"),
    ("products", "weight_kg", "nan"),
    ("demand", "quantity", "NaN"),
])
def test_non_finite(tmp_path, table, column, value):
    result = validate(CaseFiles().set(table, 0, column, value), tmp_path)
    lines = assert_invalid(result, where(f"{table}.csv", 2, column), f"'{value}'")
    assert "finite" in lines[0] or "not a number" in lines[0]


def test_inf_message_says_leave_empty_for_unlimited(tmp_path):
    result = validate(CaseFiles().set("sites", 0, "max_printers", "inf"), tmp_path)
    assert_invalid(result, where("sites.csv", 2, "max_printers"), "not a finite number", "empty")


# ------------------------------------------------------------------ ids, keys and references


@pytest.mark.parametrize("table,row,column", [
    ("sites", 1, "site"),
    ("sites", 0, "country"),
    ("products", 0, "product"),
    ("demand", 0, "quantity"),
])
def test_empty_required_cell(tmp_path, table, row, column):
    # an empty product id also leaves processes and demand pointing at nothing: count not asserted
    result = validate(CaseFiles().set(table, row, column, ""), tmp_path)
    assert_invalid(result, where(f"{table}.csv", file_row(row), column), "missing value", "required",
                   count=None)


def test_empty_site_id(tmp_path):
    result = validate(CaseFiles().set("sites", 1, "site", ""), tmp_path)
    assert_invalid(result, where("sites.csv", 3, "site"), "missing value (required)")


def test_duplicate_id(tmp_path):
    result = validate(CaseFiles().set("sites", 1, "site", "A"), tmp_path)
    assert_invalid(result, where("sites.csv", 3, "site"), "duplicate id", "site=A", "first at row 2")


def test_duplicate_key_combination(tmp_path):
    case = CaseFiles().add_row("zones", zone="Z2", country="X", lat="0", lon="0")
    case.add_row("demand", zone="Z2", product="P", quantity="5")
    case.add_row("demand", zone="Z", product="P", quantity="7")  # row 4 repeats row 2
    result = validate(case, tmp_path)
    assert_invalid(result, where("demand.csv", 4, "product"), "duplicate combination", "zone=Z", "product=P",
                   "first at row 2")


def test_duplicate_setting_key(tmp_path):
    result = validate(CaseFiles().settings(carbon_price="1", currency="EUR").settings(carbon_price="2"),
                      tmp_path)
    assert_invalid(result, where("settings.csv", 4, "key"), "duplicate", "carbon_price", "first at row 2")


REFERENCE_CASES = [
    ("processes-product", lambda c: c.set("processes", 0, "product", "Q"), "processes.csv", 2, "product",
     ("'Q'", "not a product listed in products")),
    ("processes-technology", lambda c: c.set("processes", 0, "technology", "SLA"), "processes.csv", 2,
     "technology", ("'SLA'", "technologies")),
    ("demand-zone", lambda c: c.set("demand", 0, "zone", "ZZ"), "demand.csv", 2, "zone",
     ("'ZZ'", "not a zone listed in zones")),
    ("demand-product", lambda c: c.set("demand", 0, "product", "PP"), "demand.csv", 2, "product",
     ("'PP'", "products")),
    ("lanes-mode", lambda c: c.table("lanes", ["site", "zone", "mode"],
                                     [dict(site="A", zone="Z", mode="road"), dict(site="B", zone="Z", mode="air")]),
     "lanes.csv", 3, "mode", ("'air'", "not a mode listed in modes")),
    ("lanes-site", lambda c: c.table("lanes", ["site", "zone", "mode"], [dict(site="C", zone="Z", mode="road")]),
     "lanes.csv", 2, "site", ("'C'", "sites")),
    ("site-technologies-technology",
     lambda c: c.table("site_technologies", ["site", "technology"],
                       [dict(site="A", technology="T"), dict(site="B", technology="U")]),
     "site_technologies.csv", 3, "technology", ("'U'", "not a technology listed in technologies")),
    ("site-technologies-site",
     lambda c: c.table("site_technologies", ["site", "technology"], [dict(site="Q", technology="T")]),
     "site_technologies.csv", 2, "site", ("'Q'", "sites")),
]


@pytest.mark.parametrize("edit,source,row,column,words",
                         [pytest.param(*t[1:], id=t[0]) for t in REFERENCE_CASES])
def test_reference_to_unknown_id(tmp_path, edit, source, row, column, words):
    case = CaseFiles()
    edit(case)
    assert_invalid(validate(case, tmp_path), where(source, row, column), *words)


# ------------------------------------------------------------------ duties


def _tied_duties() -> CaseFiles:
    """Site B is in Y; Y is in two groups and a row for each group matches parts from Y to X."""
    return (CaseFiles()
            .table("country_groups", ["group", "country"],
                   [dict(group="G1", country="Y"), dict(group="G2", country="Y")])
            .table("duties", ["origin", "destination", "duty_class", "rate"],
                   [dict(origin="G1", destination="X", duty_class="parts", rate="0.1"),
                    dict(origin="G2", destination="X", duty_class="parts", rate="0.2")]))


def test_ambiguous_duty_rows(tmp_path):
    result = validate(_tied_duties(), tmp_path)
    lines = assert_invalid(result, "duties.csv row 3, column origin", "ambiguous duty", "rows 2, 3", "parts",
                           "from Y to X", count=None)
    assert len(lines) == 1


def test_ambiguous_duty_line_names_a_column(tmp_path):
    lines = problem_lines(validate(_tied_duties(), tmp_path).stderr)
    assert re.match(r"^duties\.csv row 3, column \w+: ambiguous duty", lines[0]), lines[0]


def test_more_specific_duty_row_resolves_the_tie(tmp_path):
    case = _tied_duties().add_row("duties", origin="Y", destination="X", duty_class="parts", rate="0.05")
    result = validate(case, tmp_path)
    assert result.exit_code == 0, result.stderr


def test_duty_tie_between_star_rows_of_different_columns_is_not_a_tie(tmp_path):
    # class exact beats origin specificity: (parts, *, X) wins over (*, Y, X) — no error
    case = CaseFiles().table("duties", ["origin", "destination", "duty_class", "rate"],
                             [dict(origin="*", destination="X", duty_class="parts", rate="0.1"),
                              dict(origin="Y", destination="X", duty_class="*", rate="0.2")])
    result = validate(case, tmp_path)
    assert result.exit_code == 0, result.stderr


# ------------------------------------------------------------------ settings


SETTING_CASES = [
    ("unknown-key", {"colour": "red"}, "key", ("unknown setting", "'colour'")),
    ("bool-not-bool", {"single_sourcing": "maybe"}, "value", ("'maybe'", "true or false")),
    ("int-not-number", {"max_open_sites": "two"}, "value", ("'two'", "not a number")),
    ("int-fraction", {"max_open_sites": "1.5"}, "value", ("'1.5'", "whole number")),
    ("enum-bad", {"lead_time_policy": "strict"}, "value", ("'strict'", "hard", "soft")),
    ("share-out-of-range", {"min_service_level": "1.5"}, "value", ("1.5", "out of range", "[0, 1]")),
    ("negative-gap", {"mip_gap": "-0.1"}, "value", ("-0.1", "out of range")),
    ("zero-time-limit", {"time_limit_s": "0"}, "value", ("out of range", "> 0")),
    ("non-finite", {"carbon_price": "inf"}, "value", ("'inf'", "finite")),
]


@pytest.mark.parametrize("values,column,words", [pytest.param(*t[1:], id=t[0]) for t in SETTING_CASES])
def test_bad_setting(tmp_path, values, column, words):
    case = CaseFiles().settings(currency="EUR", **values)  # the bad row is row 3
    assert_invalid(validate(case, tmp_path), where("settings.csv", 3, column), *words)


def test_min_open_sites_above_max_open_sites(tmp_path):
    case = CaseFiles().settings(min_open_sites="3", max_open_sites="1")
    result = validate(case, tmp_path)
    lines = assert_invalid(result, "settings.csv row 2, column value", "min_open_sites (3)", "exceeds",
                           "max_open_sites (1)", count=None)
    assert len(lines) == 1


def test_min_above_max_open_sites_names_row_and_column(tmp_path):
    case = CaseFiles().settings(min_open_sites="3", max_open_sites="1")
    lines = problem_lines(validate(case, tmp_path).stderr)
    assert re.match(r"^settings\.csv row [23], column \w+: ", lines[0]), lines[0]


def test_valid_settings_are_accepted(tmp_path):
    case = CaseFiles().settings(currency="USD", lead_time_policy="soft", lateness_penalty="2",
                                single_sourcing="yes", min_open_sites="1", max_open_sites="2",
                                min_service_level="0.5", mip_gap="0.01")
    result = validate(case, tmp_path)
    assert result.exit_code == 0, result.stderr


# ------------------------------------------------------------------ coordinates


def test_zone_without_coordinates_and_no_listed_lanes(tmp_path):
    case = CaseFiles().set("zones", 0, "lat", "").set("zones", 0, "lon", "")
    assert_invalid(validate(case, tmp_path), where("zones.csv", 2, "lat"), "no coordinates", "lanes")


def test_site_without_coordinates_and_no_listed_lanes(tmp_path):
    case = CaseFiles().set("sites", 1, "lat", "").set("sites", 1, "lon", "")
    assert_invalid(validate(case, tmp_path), where("sites.csv", 3, "lat"), "no coordinates", "site B")


def test_missing_coordinates_are_fine_when_every_lane_is_listed(tmp_path):
    case = (CaseFiles().set("sites", 1, "lat", "").set("sites", 1, "lon", "")
            .table("lanes", ["site", "zone", "mode", "distance_km"], [dict(site="B", zone="Z", mode="road",
                                                                          distance_km="120")]))
    result = validate(case, tmp_path)
    assert result.exit_code == 0, result.stderr


def test_closed_site_needs_no_coordinates(tmp_path):
    case = CaseFiles().set("sites", 1, "lat", "").set("sites", 1, "lon", "").set("sites", 1, "status", "closed")
    result = validate(case, tmp_path)
    assert result.exit_code == 0, result.stderr


def test_lat_without_lon(tmp_path):
    result = validate(CaseFiles().set("sites", 1, "lon", ""), tmp_path)
    assert_invalid(result, where("sites.csv", 3, "lon"), "both lat and lon", count=None)


def test_lon_without_lat_on_a_zone(tmp_path):
    result = validate(CaseFiles().set("zones", 0, "lat", ""), tmp_path)
    assert_invalid(result, where("zones.csv", 2, "lat"), "both lat and lon", count=None)


def test_lanes_without_modes_need_cost_and_transit(tmp_path):
    case = (CaseFiles().drop_table("modes")
            .table("lanes", ["site", "zone", "mode", "cost_per_unit", "transit_days"],
                   [dict(site="A", zone="Z", mode="van", cost_per_unit="1", transit_days="1"),
                    dict(site="B", zone="Z", mode="van", cost_per_unit="", transit_days="2")]))
    assert_invalid(validate(case, tmp_path), where("lanes.csv", 3, "cost_per_unit"), "missing value", "modes")


# ------------------------------------------------------------------ several problems at once


def test_several_problems_are_all_reported(tmp_path):
    case = (CaseFiles()
            .set("sites", 0, "fixed_cost", "-1")                 # range
            .set("technologies", 0, "printer_cost", "x")         # type
            .drop_column("zones", "country")                     # missing column
            .add_column("products", "colour", "red")             # unknown column
            .set("demand", 0, "zone", "ZZ")                      # reference
            .copy_row("sites", 1)                                # duplicate id (row 4)
            .settings(colour="red"))                             # unknown setting
    result = validate(case, tmp_path)
    lines = assert_invalid(result, where("sites.csv", 2, "fixed_cost"), "out of range", count=7)
    find_line(lines, where("technologies.csv", 2, "printer_cost"), "not a number")
    find_line(lines, where("zones.csv", column="country"), "missing required column")
    find_line(lines, where("products.csv", column="colour"), "unknown column")
    find_line(lines, where("demand.csv", 2, "zone"), "'ZZ'")
    find_line(lines, where("sites.csv", 4, "site"), "duplicate id")
    find_line(lines, where("settings.csv", 2, "key"), "unknown setting")
    assert result.stderr.splitlines()[-1] == "invalid input: 7 problem(s) found"


def test_many_bad_cells_in_one_column_are_summarised(tmp_path):
    case = CaseFiles()
    for i in range(25):
        case.add_row("zones", zone=f"K{i}", country="X", lat="100", lon="0")
    lines = problem_lines(validate(case, tmp_path).stderr)
    assert len(lines) == 21
    assert all("column lat" in line and "out of range" in line for line in lines[:20])
    assert lines[0].startswith("zones.csv row 3, column lat: ")
    assert "5 more rows" in lines[20]


# ------------------------------------------------------------------ row numbers


def test_row_numbers_count_blank_rows_in_csv(tmp_path):
    case = CaseFiles()
    case.rows("sites").insert(1, {})           # file row 3 is ",,,,,,,"
    case.set("sites", 2, "fixed_cost", "-5")   # site B, file row 4
    assert_invalid(validate(case, tmp_path), where("sites.csv", 4, "fixed_cost"), "out of range")


def test_row_numbers_count_blank_rows_in_workbook(tmp_path):
    case = CaseFiles()
    case.rows("sites").insert(1, {})
    case.set("sites", 2, "fixed_cost", "-5")
    book = case.write_xlsx(tmp_path / "case.xlsx")
    assert_invalid(run_cli("validate", book), where("case.xlsx sheet sites", 4, "fixed_cost"), "out of range")


# ------------------------------------------------------------------ workbooks


def test_workbook_valid(tmp_path):
    book = CaseFiles().write_xlsx(tmp_path / "case.xlsx")
    result = run_cli("validate", book)
    assert result.exit_code == 0, result.stderr


def test_workbook_bad_cell_names_sheet_and_row(tmp_path):
    book = CaseFiles().set("sites", 1, "fixed_cost", "abc").write_xlsx(tmp_path / "case.xlsx")
    result = run_cli("validate", book)
    assert_invalid(result, where("case.xlsx sheet sites", 3, "fixed_cost"), "'abc'", "not a number")


def test_workbook_several_sheets(tmp_path):
    book = (CaseFiles().set("technologies", 0, "max_utilisation", "1.2").set("demand", 0, "product", "Q")
            .add_column("zones", "colour", "red").write_xlsx(tmp_path / "case.xlsx"))
    lines = assert_invalid(run_cli("validate", book), where("case.xlsx sheet technologies", 2, "max_utilisation"),
                           "out of range", count=3)
    find_line(lines, where("case.xlsx sheet demand", 2, "product"), "'Q'")
    find_line(lines, where("case.xlsx sheet zones", column="colour"), "unknown column")


def test_workbook_unknown_sheet(tmp_path):
    book = CaseFiles().rename_table("zones", "zone").write_xlsx(tmp_path / "case.xlsx")
    lines = assert_invalid(run_cli("validate", book), "case.xlsx sheet zone", "unknown table", count=None)
    find_line(lines, str(tmp_path / "case.xlsx"), "missing required table", "zones")


# ------------------------------------------------------------------ command-line options and paths


def test_set_unknown_key(tmp_path):
    folder = CaseFiles().write(tmp_path / "case")
    result = run_cli("solve", folder, "--out", tmp_path / "out", "--set", "colour=red")
    assert_invalid(result, "--set colour", "unknown setting", "'colour'")
    assert not (tmp_path / "out").exists()


def test_set_bad_value(tmp_path):
    folder = CaseFiles().write(tmp_path / "case")
    result = run_cli("solve", folder, "--out", tmp_path / "out", "--set", "mip_gap=abc")
    assert_invalid(result, "--set mip_gap", "'abc'", "not a number")
    assert not (tmp_path / "out").exists()


def test_set_value_out_of_range(tmp_path):
    folder = CaseFiles().write(tmp_path / "case")
    result = run_cli("solve", folder, "--out", tmp_path / "out", "--set", "min_service_level=2")
    assert_invalid(result, "--set min_service_level", "out of range")


def test_set_without_equals(tmp_path):
    folder = CaseFiles().write(tmp_path / "case")
    result = run_cli("solve", folder, "--out", tmp_path / "out", "--set", "mip_gap")
    assert_invalid(result, "--set mip_gap", "KEY=VALUE")


def test_set_min_above_max_open_sites(tmp_path):
    folder = CaseFiles().write(tmp_path / "case")
    result = run_cli("solve", folder, "--out", tmp_path / "out",
                     "--set", "min_open_sites=2", "--set", "max_open_sites=1")
    assert_invalid(result, "--set min_open_sites", "min_open_sites", "exceeds")


def test_negative_gap_option(tmp_path):
    folder = CaseFiles().write(tmp_path / "case")
    result = run_cli("solve", folder, "--out", tmp_path / "out", "--gap", "-1")
    assert_invalid(result, "--gap", "out of range")  # the option the planner typed (was "--set mip_gap")


def test_set_bad_key_through_the_real_program(tmp_path):
    folder = CaseFiles().write(tmp_path / "case")
    proc = run_program("solve", folder, "--out", tmp_path / "out", "--set", "colour=red", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown setting 'colour'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_solve_nonexistent_path(tmp_path):
    result = run_cli("solve", tmp_path / "nope", "--out", tmp_path / "out")
    assert_invalid(result, str(tmp_path / "nope"), "no such case")


def test_validate_nonexistent_path_through_the_real_program(tmp_path):
    proc = run_program("validate", tmp_path / "nope", cwd=tmp_path)
    assert proc.returncode == 2
    assert str(tmp_path / "nope") in proc.stderr and "no such case" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_case_that_is_not_a_folder_or_workbook(tmp_path):
    path = tmp_path / "case.csv"
    path.write_text("site\nA\n")
    assert_invalid(run_cli("validate", path), str(path), "folder")


def test_invalid_case_through_the_real_program(tmp_path):
    case = (CaseFiles().set("sites", 0, "fixed_cost", "-1").set("technologies", 0, "max_utilisation", "0")
            .set("sites", 1, "status", "shut"))
    folder = case.write(tmp_path / "case")
    for command in (["validate", folder], ["solve", folder, "--out", tmp_path / "out"]):
        proc = run_program(*command, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        lines = problem_lines(proc.stderr)
        assert len(lines) == 3
        find_line(lines, where("sites.csv", 2, "fixed_cost"), "out of range")
        find_line(lines, where("technologies.csv", 2, "max_utilisation"), "out of range")
        find_line(lines, where("sites.csv", 3, "status"), "'shut'")
        assert proc.stdout.strip() == ""
    assert not (tmp_path / "out").exists()
