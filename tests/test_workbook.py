"""Case workbooks (issue 17, first part): the template from the schema, and export round trips."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from footprint import solve_case
from footprint.cli import app
from footprint.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example"
RUNNER = CliRunner()


def example_copy(tmp_path: Path) -> Path:
    """data/example's tables in a folder of the test's own, to break or edit."""
    import shutil

    folder = tmp_path / "case"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("*.md", "*.png"))
    return folder


def test_the_template_has_every_table_and_column_of_the_schema(tmp_path):
    done = RUNNER.invoke(app, ["template", str(tmp_path / "case.xlsx")])
    assert done.exit_code == 0, done.output
    book = load_workbook(tmp_path / "case.xlsx")
    assert [s for s in book.sheetnames if s not in ("README", "_lists")] == list(TABLES)
    for name, table in TABLES.items():
        sheet = book[name]
        assert [c.value for c in sheet[1]] == table.column_names
        assert sheet.freeze_panes == "A2"
    readme = pd.read_excel(tmp_path / "case.xlsx", sheet_name="README", header=2)
    assert len(readme) == sum(len(t.columns) for t in TABLES.values())
    row = readme[(readme["table"] == "sites") & (readme["column"] == "status")].iloc[0]
    assert row["allowed"] == "candidate, open, closed" and row["default"] == "candidate"
    # Drop-downs: the status list, and a lane's mode from the modes sheet.
    lists = {str(v.sqref): v.formula1 for v in book["sites"].data_validations.dataValidation}
    assert any('"candidate,open,closed"' == f for f in lists.values())
    modes = [v.formula1 for v in book["lanes"].data_validations.dataValidation]
    assert any("'modes'!$A$2" in f for f in modes)
    # An empty template is a case with no rows: every required table is named, nothing crashes.
    done = RUNNER.invoke(app, ["validate", str(tmp_path / "case.xlsx")])
    assert done.exit_code == 2 and "sheet sites: has no rows" in done.output


def test_the_template_refuses_to_overwrite(tmp_path):
    (tmp_path / "mine.xlsx").write_bytes(b"planner's work")
    done = RUNNER.invoke(app, ["template", str(tmp_path / "mine.xlsx")])
    assert done.exit_code == 2 and "exists" in done.output
    assert (tmp_path / "mine.xlsx").read_bytes() == b"planner's work"


def test_a_folder_exported_as_a_workbook_solves_to_the_same_optimum(tmp_path):
    done = RUNNER.invoke(app, ["export", str(EXAMPLE), str(tmp_path / "example.xlsx")])
    assert done.exit_code == 0, done.output
    folder = solve_case(EXAMPLE, settings={"mip_gap": 0})
    book = solve_case(tmp_path / "example.xlsx", settings={"mip_gap": 0})
    assert book.objective == pytest.approx(folder.objective, rel=1e-12)


def test_a_scenario_exported_carries_its_changes(tmp_path):
    scenario = tmp_path / "dear.toml"
    scenario.write_text(f'name = "dear"\ncase = "{EXAMPLE}"\n[settings]\nmip_gap = 0\n'
                        '[[change]]\ntable = "technologies"\nwhere = { technology = "SLS" }\n'
                        'multiply = { printer_cost = 2 }\n')
    RUNNER.invoke(app, ["export", str(scenario), str(tmp_path / "dear.xlsx")])
    direct = solve_case(scenario)
    exported = solve_case(tmp_path / "dear.xlsx")
    assert exported.settings["mip_gap"] == 0
    assert exported.objective == pytest.approx(direct.objective, rel=1e-12)
    assert direct.objective != pytest.approx(solve_case(EXAMPLE, settings={"mip_gap": 0}).objective)


def test_text_that_looks_like_a_formula_is_exported_as_text(tmp_path):
    folder = example_copy(tmp_path)
    sites = pd.read_csv(folder / "sites.csv", dtype=str, keep_default_na=False)
    sites.loc[sites["site"] == "LYS", "name"] = '=HYPERLINK("http://x")'
    sites.to_csv(folder / "sites.csv", index=False)
    RUNNER.invoke(app, ["export", str(folder), str(tmp_path / "case.xlsx")])
    cell = next(c for row in load_workbook(tmp_path / "case.xlsx")["sites"].iter_rows() for c in row
                if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'
    back = solve_case(tmp_path / "case.xlsx", settings={"mip_gap": 0})
    assert back.tables["sites"].set_index("site").loc["LYS", "name"] == '=HYPERLINK("http://x")'


def test_a_workbook_as_planners_save_it_is_read(tmp_path):
    """Sheet names in any letter case, a blank row and column before the table, numbers stored as
    text, Excel booleans, a Notes sheet: the same optimum; row numbers in messages stay the sheet's."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for csv in sorted(EXAMPLE.glob("*.csv")):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        sheet = book.create_sheet(csv.stem.capitalize())
        offset = 2 if csv.stem == "sites" else 1   # sites: one blank row and one blank column first
        for j, column in enumerate(frame.columns):
            sheet.cell(row=offset, column=offset + j - (offset - 1) + (1 if offset == 2 else 0), value=column)
        for i, row in enumerate(frame.itertuples(index=False), start=offset + 1):
            for j, value in enumerate(row):
                cell = sheet.cell(row=i, column=j + (2 if offset == 2 else 1))
                if csv.stem == "sites" and frame.columns[j] == "warehouse":
                    cell.value = value.lower() == "true"          # an Excel boolean
                else:
                    cell.value = value                             # every number as text
    book.create_sheet("Notes").cell(row=1, column=1, value="my notes")
    book.save(tmp_path / "saved.xlsx")
    result = solve_case(tmp_path / "saved.xlsx", settings={"mip_gap": 0})
    assert result.objective == pytest.approx(solve_case(EXAMPLE, settings={"mip_gap": 0}).objective, rel=1e-12)
    # A bad cell in the shifted sheet is named at the row the spreadsheet shows (header in row 2).
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "saved.xlsx")
    wb["Sites"]["G4"] = "-5"          # row 4 = Lyon (header in row 2), column G = fixed_cost
    wb.save(tmp_path / "saved.xlsx")
    done = RUNNER.invoke(app, ["validate", str(tmp_path / "saved.xlsx")])
    assert "saved.xlsx sheet Sites row 4, column fixed_cost: -5 is out of range" in done.output


def test_an_unknown_column_or_table_gets_a_did_you_mean(tmp_path):
    folder = example_copy(tmp_path)
    sites = pd.read_csv(folder / "sites.csv", dtype=str, keep_default_na=False)
    sites.rename(columns={"fixed_cost": "fixed_costs"}).to_csv(folder / "sites.csv", index=False)
    (folder / "technologys.csv").write_text((folder / "technologies.csv").read_text())
    done = RUNNER.invoke(app, ["validate", str(folder)])
    assert "sites.csv, column fixed_costs: unknown column: did you mean fixed_cost?" in done.output
    assert "technologys.csv: unknown table 'technologys': did you mean technologies?" in done.output


def test_thousands_separators_and_percent_signs_are_read_where_unambiguous(tmp_path):
    folder = example_copy(tmp_path)
    sites = pd.read_csv(folder / "sites.csv", dtype=str, keep_default_na=False)
    sites.loc[sites["site"] == "NUE", "fixed_cost"] = "180,000"
    sites.to_csv(folder / "sites.csv", index=False)
    techs = pd.read_csv(folder / "technologies.csv", dtype=str, keep_default_na=False)
    techs.loc[techs["technology"] == "FDM", "max_utilisation"] = "85%"
    techs.loc[techs["technology"] == "SLS", "printer_cost"] = "85,000"
    techs.to_csv(folder / "technologies.csv", index=False)
    result = solve_case(folder, settings={"mip_gap": 0})
    assert result.objective == pytest.approx(solve_case(EXAMPLE, settings={"mip_gap": 0}).objective, rel=1e-12)


def test_the_plan_workbook_can_be_forwarded(tmp_path):
    done = RUNNER.invoke(app, ["solve", str(EXAMPLE), "--out", str(tmp_path / "out"), "--gap", "0", "--quiet"])
    assert done.exit_code == 0, done.output
    book = load_workbook(tmp_path / "out" / "plan.xlsx")
    summary = {row[0].value: row[1].value for row in book["summary"].iter_rows(min_row=4) if row[0].value}
    assert summary["status"] == "optimal"
    assert summary["printers SLS"] == 2 and summary["printers IM"] == 1      # one row per technology
    assert summary["total cost (EUR/year)"] == pytest.approx(1_574_943.3654856174)
    assert "profile mean_delivery_km" in summary
    assert not any(isinstance(v, str) and v.startswith("{") for v in summary.values())
    costs = book["costs"]
    assert costs._charts, "the cost breakdown has a chart"
    assert len(book["charts"]._images) == 2
    for picture in ("costs.png", "utilisation.png"):
        assert (tmp_path / "out" / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in ("sites", "printers", "production", "flows", "unmet", "stock", "transfers"):
        sheet = book[name]
        assert sheet.freeze_panes == "A2"
        if sheet.max_row > 1:
            assert sheet.auto_filter.ref
    flows = book["flows"]
    header = [c.value for c in flows[1]]
    assert flows.cell(row=2, column=header.index("transport_cost") + 1).number_format == "#,##0"
    assert flows.cell(row=2, column=header.index("lead_time_days") + 1).number_format == "0.00"
    printers = book["printers"]
    header = [c.value for c in printers[1]]
    assert printers.cell(row=2, column=header.index("utilisation") + 1).number_format == "0.0%"
    from footprint.report.plan_workbook import status_words
    from types import SimpleNamespace

    assert status_words(SimpleNamespace(status="time_limit", mip_gap=0.032)) == \
        "time limit: best plan found, proven within 3.20 % of the optimum"


def test_the_template_lists_every_setting_with_its_default_and_fixed_choices(tmp_path):
    from footprint.settings import SETTINGS

    RUNNER.invoke(app, ["template", str(tmp_path / "case.xlsx")])
    settings = pd.read_excel(tmp_path / "case.xlsx", sheet_name="settings", dtype=str)
    assert list(settings["key"]) == list(SETTINGS)
    values = dict(zip(settings["key"], settings["value"]))
    assert values["lead_time_policy"] == "hard" and values["min_service_level"] == "none"
    sheet = load_workbook(tmp_path / "case.xlsx")["settings"]
    row = list(SETTINGS).index("lead_time_policy") + 2
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists[f"B{row}"] == '"hard,soft"'


def test_the_summary_shows_the_gap_as_a_percentage(tmp_path):
    RUNNER.invoke(app, ["solve", str(EXAMPLE), "--out", str(tmp_path / "o"), "--quiet", "--no-maps"])
    sheet = load_workbook(tmp_path / "o" / "plan.xlsx")["summary"]
    gap = next(row[1] for row in sheet.iter_rows(min_row=4) if row[0].value == "proven gap")
    assert gap.number_format == "0.00%"
