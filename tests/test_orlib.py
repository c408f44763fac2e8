"""The model against published optima: Beasley's OR-Library capacitated
warehouse location instances (splittable and single-source).

The 37 small instances (cap41 … cap134) must solve to the published optimum;
single-source ones marked ``infeasible`` must be reported infeasible. Values
are compared with the tolerance the instances' README gives (published values
are rounded): relative 1e-8 or absolute 1e-3, whichever is looser.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from footprint import solve_case
from footprint.cli import app
from footprint.io.orlib import orlib_tables, parse_orlib

ORLIB = Path(__file__).resolve().parent.parent / "benchmarks" / "orlib"
ROWS = [r for r in csv.DictReader(open(ORLIB / "optima.csv")) if not r["capacity"]]
SINGLE = [r for r in ROWS if r["optimum_single_source"]]


def close(value: float, published: float) -> bool:
    return abs(value - published) <= max(1e-3, 1e-8 * abs(published))


def test_small_instance_list_is_complete():
    assert len(ROWS) == 37
    assert len([r for r in SINGLE if r["optimum_single_source"] != "infeasible"]) == 24


@pytest.mark.parametrize("row", ROWS, ids=[r["instance"] for r in ROWS])
def test_splittable_optimum(row):
    result = solve_case(orlib_tables(ORLIB / row["file"]))
    assert result.status == "optimal"
    assert close(result.objective, float(row["optimum_splittable"])), (result.objective, row)
    assert close(sum(result.costs.values()), float(row["optimum_splittable"]))


@pytest.mark.parametrize("row", SINGLE, ids=[r["instance"] for r in SINGLE])
def test_single_source_optimum(row):
    result = solve_case(orlib_tables(ORLIB / row["file"], single_source=True))
    if row["optimum_single_source"] == "infeasible":
        assert result.status == "infeasible"
        assert result.objective is None
        return
    assert result.status == "optimal"
    assert close(result.objective, float(row["optimum_single_source"])), (result.objective, row)
    flows = result.tables["flows"]
    assert not flows.duplicated(["zone", "product"]).any(), "a customer is served by two sites"


def test_parse_reads_beasley_numbers_and_capacity_word(tmp_path):
    text = " 2 2 \n capacity 10. \n capacity .5 \n 4 \n 8. 12 \n 2 \n 1 3.\n"
    path = tmp_path / "tiny.txt"
    path.write_text(text)
    inst = parse_orlib(path, capacity=7)
    assert inst["capacity"] == [7.0, 7.0]
    assert inst["fixed_cost"] == [10.0, 0.5]
    assert inst["demand"] == [4.0, 2.0]
    assert inst["cost"] == [[8.0, 12.0], [1.0, 3.0]]


def test_import_orlib_command_then_solve(tmp_path):
    runner = CliRunner()
    case = tmp_path / "cap61"
    done = runner.invoke(app, ["import-orlib", str(ORLIB / "cap61.txt"), str(case), "--single-source"])
    assert done.exit_code == 0, done.output
    assert (case / "lanes.csv").exists()
    out = tmp_path / "out"
    solved = runner.invoke(app, ["solve", str(case), "--out", str(out), "--quiet"])
    assert solved.exit_code == 0, solved.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["single_sourcing"] is True
    assert close(summary["objective"], 932615.75)


def test_import_orlib_needs_capacity_for_capa_style_files(tmp_path):
    path = tmp_path / "capx.txt"
    path.write_text("1 1\n capacity 5.\n 3\n 6.\n")
    runner = CliRunner()
    done = runner.invoke(app, ["import-orlib", str(path), str(tmp_path / "case")])
    assert done.exit_code == 2
    assert "--capacity" in done.output
    assert not (tmp_path / "case").exists()
