"""footprint sweep: one solve per factor, sweep.csv and a PNG chart, built on the batch runner.

The case: the tiny case of ``casefiles.py`` with site A an existing plant (status open) and a
second zone Z2 (300 units) at site B's location, one degree east of A. Serving Z2 from A costs
300 × (0.5 + 0.01 × 2 kg × d) in transport; opening B saves that down to 300 × 0.5 but costs B's
fixed cost (1500 × factor) and a printer (100). So B opens, and 75 % of the units are made locally,
exactly when 1500 × factor < 300 × 0.02 × d − 100 ≈ 567, i.e. below a factor of about 0.38.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from casefiles import BASE_OBJECTIVE, CaseFiles
from footprint.cli import app
from footprint.sweep import run_sweep

RUNNER = CliRunner()
D = 6371.0088 * math.radians(1.0)  # km from A (and Z) to B (and Z2)
A_ALONE = 1000 + 100 + 100 * 3 + 100 * 0.5  # A serving Z


def two_zone_case(folder: Path) -> Path:
    return (CaseFiles().set("sites", 0, "status", "open")
            .add_row("zones", zone="Z2", name="Zone 2", lat="0", lon="1", country="Y")
            .add_row("demand", zone="Z2", product="P", quantity="300")
            .write(folder))


def expected_objective(factor: float) -> float:
    with_b = A_ALONE + 1500 * factor + 100 + 300 * 3 + 300 * 0.5
    without_b = 1000 + 100 + 400 * 3 + 100 * 0.5 + 300 * (0.5 + 0.02 * D)
    return min(with_b, without_b)


def test_sweep_writes_sweep_csv_and_a_chart(tmp_path, monkeypatch):
    two_zone_case(tmp_path / "case")
    monkeypatch.chdir(tmp_path)
    result = RUNNER.invoke(app, ["sweep", "case", "--table", "sites", "--column", "fixed_cost", "--where", "site=B",
                                 "--factors", "0.1,0.2,1", "--jobs", "2"])
    assert result.exit_code == 0, result.stdout + result.stderr
    out = tmp_path / "results" / "case-sweep-fixed_cost"
    sweep = pd.read_csv(out / "sweep.csv")
    assert list(sweep["factor"]) == [0.1, 0.2, 1.0]
    assert list(sweep["status"]) == ["optimal"] * 3
    for factor, objective in zip(sweep["factor"], sweep["objective"]):
        assert objective == pytest.approx(expected_objective(factor), rel=1e-9)
    assert list(sweep["open_sites"]) == [2, 2, 1]
    assert list(sweep["printers"]) == [2, 2, 1]
    assert list(sweep["units_central"]) == [100, 100, 400]
    assert list(sweep["units_local"]) == [300, 300, 0]
    assert list(sweep["local_share"]) == [0.75, 0.75, 0.0]
    assert sweep[[c for c in sweep if c.startswith("cost_")]].sum(axis=1).tolist() == pytest.approx(
        sweep["objective"].tolist(), rel=1e-9)

    png = (out / "sweep.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert (out / "comparison.csv").exists() and (out / "case-fixed_cost-x0.1" / "summary.json").exists()


def test_a_factor_that_makes_the_case_invalid_is_reported_in_its_row(tmp_path):
    CaseFiles().write(tmp_path / "case")
    (tmp_path / "dear.toml").write_text('case = "case"\n[[change]]\ntable = "technologies"\n'
                                        'set = { printer_cost = 200 }\n', encoding="utf-8")
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["sweep", str(tmp_path / "dear.toml"), "--table", "technologies",
                                 "--column", "max_utilisation", "--factors", "0.5,2", "--out", str(out)])
    assert result.exit_code == 2, result.stdout + result.stderr
    message = ("sweep --table technologies --column max_utilisation × 2 (table technologies): "
               "technologies.csv row 2, column max_utilisation: 2 is out of range")
    assert message in result.stderr
    sweep = pd.read_csv(out / "sweep.csv")
    assert list(sweep["status"]) == ["optimal", "invalid"]
    # the scenario's own change (printer 200) stays under the sweep's
    assert sweep.loc[0, "objective"] == pytest.approx(BASE_OBJECTIVE + 100, rel=1e-9)
    assert message in sweep.loc[1, "reason"]


def test_sweep_input_errors_write_nothing(tmp_path):
    CaseFiles().write(tmp_path / "case")
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["sweep", str(tmp_path / "case"), "--table", "sites", "--column", "fixed_cost",
                                 "--where", "site=Q", "--factors", "1,2", "--out", str(out)])
    assert result.exit_code == 2
    assert "sweep --table sites --column fixed_cost (table sites): where matches no row (site = Q)" in result.stderr
    result = RUNNER.invoke(app, ["sweep", str(tmp_path / "case"), "--table", "sites", "--column", "status",
                                 "--where", "site", "--factors", "1,x,1", "--out", str(out)])
    assert result.exit_code == 2
    for text in ("--factors: 'x' is not a finite number", "--factors: 1 is given twice",
                 "--where site: expected COL=VALUE"):
        assert text in result.stderr
    result = RUNNER.invoke(app, ["sweep", str(tmp_path / "case"), "--table", "sites", "--column", "status",
                                 "--factors", "1", "--out", str(out)])
    assert result.exit_code == 2
    assert "multiply status: the column is not numeric (enum)" in result.stderr
    assert not out.exists()


def test_sweep_from_python_without_writing(tmp_path):
    two_zone_case(tmp_path / "case")
    outcome, frame = run_sweep(tmp_path / "case", "sites", "fixed_cost", [0.1, 1.0], where={"site": ["B"]}, jobs=1)
    assert outcome.exit_status == 0 and outcome.out is None
    assert list(frame["local_share"]) == [0.75, 0.0]
