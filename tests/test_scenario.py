"""Scenario files (SPEC section 5): every change operation, inheritance, settings precedence and
every input error, through the Python API and the command line.

The base case is the tiny case of ``casefiles.py``: sites A (lat 0, lon 0, fixed 1000) and B (lon 1,
fixed 1500), technology T (printer 100), product P, zone Z (100 units), mode road. Its optimum opens A
with one printer: 1000 + 100 + 100 × 3 + 100 × 0.5 = 1450.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casefiles import BASE_OBJECTIVE, CaseFiles
from footprint import InputError, load_case, solve_case
from footprint.cli import app

RUNNER = CliRunner()
KM_PER_DEGREE = 6371.0088 * math.radians(1.0)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    return CaseFiles().settings(carbon_price="1", time_limit_s="30").write(tmp_path / "case")


def scenario(tmp_path: Path, body: str, name: str = "s.toml", case: str = "case") -> Path:
    return write(tmp_path / name, f'case = "{case}"\n{body}')


def table(case, name: str):
    return case.tables[name].set_index(case.tables[name].columns[0])


def invalid(tmp_path: Path, body: str, *expected: str, name: str = "s.toml", case: str = "case") -> str:
    """Validate a scenario on the command line: exit 2, each expected text in the messages."""
    path = scenario(tmp_path, body, name, case)
    result = RUNNER.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, f"{text!r} not in:\n{result.stderr}"
    return result.stderr


# ------------------------------------------------------------------ operations


def test_set_changes_matching_rows_only(tmp_path, case_dir):
    path = scenario(tmp_path, '[[change]]\ntable = "sites"\nwhere = { site = "B" }\nset = { fixed_cost = 10, name = "Bee" }\n')
    case = load_case(path)
    sites = table(case, "sites")
    assert sites.loc["B", "fixed_cost"] == 10 and sites.loc["B", "name"] == "Bee"
    assert sites.loc["A", "fixed_cost"] == 1000
    # B is now cheaper than A despite transport over one degree of longitude
    expected = 10 + 100 + 100 * 3 + 100 * (0.5 + 0.01 * 2 * KM_PER_DEGREE)
    assert solve_case(case).objective == pytest.approx(expected, rel=1e-9)


def test_multiply_and_add(tmp_path, case_dir):
    path = scenario(tmp_path, '[[change]]\ntable = "technologies"\nmultiply = { printer_cost = 2.5 }\n'
                              '[[change]]\ntable = "processes"\nwhere = { product = "P", technology = "T" }\n'
                              'add = { variable_cost = 1 }\n')
    case = load_case(path)
    assert table(case, "technologies").loc["T", "printer_cost"] == 250
    assert case.tables["processes"]["variable_cost"].iloc[0] == 4
    assert solve_case(case).objective == pytest.approx(BASE_OBJECTIVE + 150 + 100, rel=1e-9)


def test_changes_apply_in_order(tmp_path, case_dir):
    path = scenario(tmp_path, '[[change]]\ntable = "sites"\nset = { fixed_cost = 10 }\n'
                              '[[change]]\ntable = "sites"\nmultiply = { fixed_cost = 3 }\n'
                              '[[change]]\ntable = "sites"\nwhere = { site = "A" }\nadd = { fixed_cost = 0.5 }\n')
    sites = table(load_case(path), "sites")
    assert list(sites["fixed_cost"]) == [30.5, 30]


def test_rows_appends_new_rows(tmp_path, case_dir):
    path = scenario(tmp_path, '[[change]]\ntable = "zones"\nrows = [{ zone = "Z2", lat = 0, lon = 0, country = "X" }]\n'
                              '[[change]]\ntable = "demand"\nrows = [{ zone = "Z2", product = "P", quantity = 50 }]\n')
    case = load_case(path)
    assert list(case.tables["zones"]["zone"]) == ["Z", "Z2"]
    assert case.tables["zones"]["name"].iloc[1] == "Z2"  # defaults apply to new rows
    assert solve_case(case).objective == pytest.approx(1000 + 100 + 150 * 3 + 150 * 0.5, rel=1e-9)


def test_rows_can_add_a_table_the_case_lacks(tmp_path, case_dir):
    path = scenario(tmp_path, '[[change]]\ntable = "lanes"\n'
                              'rows = [{ site = "A", zone = "Z", mode = "road", allowed = false }]\n')
    result = solve_case(load_case(path))
    assert result.tables["sites"].set_index("site").loc["B", "open"]


def test_drop_removes_matching_rows(tmp_path, case_dir):
    path = scenario(tmp_path, '[[change]]\ntable = "sites"\nwhere = { site = "A" }\ndrop = true\n')
    case = load_case(path)
    assert list(case.tables["sites"]["site"]) == ["B"]
    assert list(case.tables["sites"]["_row"]) == [3]  # rows keep the numbers of the file


def test_where_with_lists_and_several_columns(tmp_path, case_dir):
    path = scenario(tmp_path, '[[change]]\ntable = "sites"\nwhere = { site = ["A", "B"], country = "Y" }\n'
                              'set = { max_printers = 3 }\n'
                              '[[change]]\ntable = "sites"\nwhere = { site = ["A", "B"] }\nadd = { lead_time_days = 1 }\n')
    sites = table(load_case(path), "sites")
    assert list(sites["max_printers"]) == [10, 3]
    assert list(sites["lead_time_days"]) == [1, 1]


def test_where_compares_numbers_as_numbers_and_empty_cells_as_defaults(tmp_path):
    CaseFiles().drop_column("sites", "status").write(tmp_path / "case")
    path = scenario(tmp_path, '[[change]]\ntable = "sites"\nwhere = { fixed_cost = 1000.0, status = "candidate" }\n'
                              'set = { status = "closed" }\n')
    sites = table(load_case(path), "sites")
    assert list(sites["status"]) == ["closed", "candidate"]


def test_number_formats_and_empty_values(tmp_path, case_dir):
    path = scenario(tmp_path, '[[change]]\ntable = "sites"\nmultiply = { max_printers = 1.2 }\n'
                              '[[change]]\ntable = "demand"\nmultiply = { lead_time_target_days = 2 }\n'
                              '[[change]]\ntable = "sites"\nwhere = { site = "B" }\nset = { max_printers = "" }\n')
    case = load_case(path)
    sites = table(case, "sites")
    assert sites.loc["A", "max_printers"] == 12  # 10 × 1.2 is the whole number 12
    assert math.isnan(sites.loc["B", "max_printers"])  # "" restores the default: unlimited
    assert math.isnan(case.tables["demand"]["lead_time_target_days"].iloc[0])  # no target stays no target


def test_settings_table_can_be_changed(tmp_path, case_dir):
    path = scenario(tmp_path, '[[change]]\ntable = "settings"\nwhere = { key = "carbon_price" }\nset = { value = 7 }\n')
    assert load_case(path).settings["carbon_price"] == 7


# ------------------------------------------------------------------ inheritance and precedence


def test_a_scenario_inherits_the_changes_of_its_base_scenario(tmp_path, case_dir):
    scenario(tmp_path, 'name = "cheap-b"\n[[change]]\ntable = "sites"\nwhere = { site = "B" }\nset = { fixed_cost = 10 }\n',
             name="models/base.toml", case="../case")
    child = scenario(tmp_path, '[[change]]\ntable = "sites"\nwhere = { site = "B" }\nmultiply = { fixed_cost = 3 }\n',
                     name="models/child.toml", case="base.toml")
    case = load_case(child)
    assert table(case, "sites").loc["B", "fixed_cost"] == 30
    assert case.name == "child"  # the file stem when the file gives no name


def test_settings_precedence_case_then_scenario_chain_then_command_line(tmp_path, case_dir):
    parent = scenario(tmp_path, '[settings]\ncarbon_price = 2\nsingle_sourcing = true\n', name="parent.toml")
    child = scenario(tmp_path, '[settings]\ncarbon_price = 3\n', name="child.toml", case="parent.toml")
    assert load_case(case_dir).settings["carbon_price"] == 1
    assert load_case(parent).settings["carbon_price"] == 2
    settings = load_case(child).settings
    assert (settings["carbon_price"], settings["single_sourcing"], settings["time_limit_s"]) == (3, True, 30)
    assert load_case(child, settings={"carbon_price": "4"}).settings["carbon_price"] == 4

    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["solve", str(child), "--out", str(out), "--set", "carbon_price=5", "--quiet"])
    assert result.exit_code == 0, result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["carbon_price"] == 5 and summary["settings"]["single_sourcing"] is True
    assert summary["case"] == "child"


def test_solve_names_the_default_results_folder_after_the_scenario(tmp_path, case_dir, monkeypatch):
    path = scenario(tmp_path, 'name = "what-if"\n')
    monkeypatch.chdir(tmp_path)
    result = RUNNER.invoke(app, ["solve", str(path), "--quiet"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert json.loads((tmp_path / "results" / "what-if" / "summary.json").read_text())["case"] == "what-if"


# ------------------------------------------------------------------ input errors (exit 2, file and change named)


def test_where_that_matches_no_row(tmp_path, case_dir):
    invalid(tmp_path, '[[change]]\ntable = "sites"\nwhere = { site = "A" }\nset = { fixed_cost = 1 }\n'
                      '[[change]]\ntable = "sites"\nwhere = { site = "C" }\nset = { fixed_cost = 1 }\n',
            "s.toml change 2 (table sites): where matches no row (site = C)")


def test_where_with_one_unknown_value_in_a_list(tmp_path, case_dir):
    invalid(tmp_path, '[[change]]\ntable = "sites"\nwhere = { site = ["A", "AA"] }\ndrop = true\n',
            "s.toml change 1 (table sites): where matches no row (site = AA)")


def test_where_whose_columns_match_no_row_together(tmp_path, case_dir):
    invalid(tmp_path, '[[change]]\ntable = "sites"\nwhere = { site = "A", country = "Y" }\ndrop = true\n',
            "s.toml change 1 (table sites): where matches no row (site = A, country = Y)")


def test_unknown_table(tmp_path, case_dir):
    invalid(tmp_path, '[[change]]\ntable = "site"\nset = { fixed_cost = 1 }\n',
            "s.toml change 1 (table site): unknown table 'site' (known tables: sites,")


def test_unknown_columns(tmp_path, case_dir):
    invalid(tmp_path, '[[change]]\ntable = "sites"\nwhere = { sight = "A" }\nset = { fixd_cost = 1 }\n'
                      '[[change]]\ntable = "sites"\nrows = [{ site = "C", contry = "X" }]\n',
            "s.toml change 1 (table sites): where: unknown column 'sight'",
            "s.toml change 1 (table sites): set: unknown column 'fixd_cost'",
            "s.toml change 2 (table sites): new row 1: unknown column 'contry'")


def test_malformed_changes(tmp_path, case_dir):
    invalid(tmp_path, '[[change]]\ntable = "sites"\nset = { fixed_cost = 1 }\nmultiply = { fixed_cost = 2 }\n'
                      '[[change]]\ntable = "sites"\nmultiply = { status = 2 }\n'
                      '[[change]]\ntable = "sites"\nadd = { fixed_cost = "x" }\n'
                      '[[change]]\ntable = "sites"\nwhere = { site = "A" }\ndrop = false\n'
                      '[[change]]\ntable = "sites"\nwher = { site = "A" }\ndrop = true\n'
                      '[[chnage]]\n',
            "change 1 (table sites): give exactly one of set, multiply, add, rows, drop (it gives set, multiply)",
            "change 2 (table sites): multiply status: the column is not numeric (enum); use set",
            "change 3 (table sites): add fixed_cost: 'x' is not a number",
            "change 4 (table sites): drop takes true",
            "change 5 (table sites): unknown key 'wher'",
            "s.toml: unknown key 'chnage'")


def test_a_change_that_makes_the_case_invalid(tmp_path, case_dir):
    invalid(tmp_path, '[[change]]\ntable = "sites"\nwhere = { site = "B" }\nset = { fixed_cost = -5 }\n'
                      '[[change]]\ntable = "sites"\nrows = [{ site = "A", country = "X" }, { site = "C", country = "X", lat = 95 }]\n'
                      '[[change]]\ntable = "demand"\nrows = [{ zone = "Q", product = "P", quantity = 1 }]\n'
                      '[[change]]\ntable = "technologies"\nmultiply = { max_utilisation = 2 }\n',
            "s.toml change 1 (table sites): sites.csv row 3, column fixed_cost: -5 is out of range: must be ≥ 0",
            "s.toml change 2 (table sites): new row 1, column site: duplicate id (site=A), first at row 2",
            "s.toml change 2 (table sites): new row 2, column lat: 95 is out of range",
            "s.toml change 3 (table demand): new row 1, column zone: 'Q' is not a zone listed in zones",
            "s.toml change 4 (table technologies): technologies.csv row 2, column max_utilisation: 2 is out of range")


def test_dropping_what_others_refer_to_is_named(tmp_path, case_dir):
    invalid(tmp_path, '[[change]]\ntable = "zones"\ndrop = true\n',
            "s.toml change 1 (table zones): zones.csv: has no rows",
            "s.toml change 1 (table zones): demand.csv row 2, column zone: 'Z' is not a zone listed in zones")


def test_errors_in_an_inherited_scenario_name_that_file(tmp_path, case_dir):
    scenario(tmp_path, '[[change]]\ntable = "sites"\nwhere = { site = "X" }\ndrop = true\n', name="parent.toml")
    invalid(tmp_path, '[[change]]\ntable = "sites"\nwhere = { site = "A" }\ndrop = true\n',
            "parent.toml change 1 (table sites): where matches no row (site = X)", case="parent.toml")


def test_missing_base_case(tmp_path):
    invalid(tmp_path, "", "s.toml: case 'nowhere': no such case folder or workbook", case="nowhere")
    invalid(tmp_path, "", "s.toml: case 'other.toml': no such scenario file", case="other.toml")


def test_cycle_of_scenario_files(tmp_path, case_dir):
    scenario(tmp_path, "", name="a.toml", case="b.toml")
    scenario(tmp_path, "", name="b.toml", case="a.toml")
    result = RUNNER.invoke(app, ["validate", str(tmp_path / "a.toml")])
    assert result.exit_code == 2
    assert "the chain of scenario files loops: " in result.stderr
    assert "a.toml → " in result.stderr and "b.toml → " in result.stderr


def test_invalid_settings_name_the_scenario_file(tmp_path, case_dir):
    invalid(tmp_path, '[settings]\ncarbon_price = "lots"\ncarbon = 1\n',
            "s.toml [settings] carbon_price: 'lots' is not a number",
            "s.toml [settings] carbon: unknown setting 'carbon'")


def test_command_line_settings_are_checked_on_top_of_the_scenario(tmp_path, case_dir):
    path = scenario(tmp_path, '[settings]\nmin_open_sites = 2\n')
    result = RUNNER.invoke(app, ["solve", str(path), "--set", "max_open_sites=1", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "--set max_open_sites: min_open_sites (2) exceeds max_open_sites (1)" in result.stderr


def test_not_a_toml_file_and_bad_names(tmp_path, case_dir):
    invalid(tmp_path, "[[change]\n", "s.toml: not a valid TOML file")
    invalid(tmp_path, 'name = "a/b"\n', "s.toml: name 'a/b' cannot be a folder name")


def test_api_raises_input_error_with_every_problem(tmp_path, case_dir):
    path = scenario(tmp_path, '[[change]]\ntable = "sites"\nwhere = { site = "C" }\ndrop = true\n'
                              '[[change]]\ntable = "zones"\nwhere = { zone = "Q" }\ndrop = true\n')
    with pytest.raises(InputError) as error:
        load_case(path)
    assert len(error.value.problems) == 2
