"""The example case, pinned by objective, plan and model size.

A change of a pinned value needs a comment here saying why it changed
(Temoa's legacy-values habit): a silent drift means the model changed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from footprint import solve_case

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "data" / "example"

# Proven optimum at mip_gap 0 (EUR/year); the case README explains the plan.
EXAMPLE_OBJECTIVE = 2_523_034.7357781534
# Model size after lane dominance pruning (one cheapest lane per site × zone × product),
# with the valid inequalities (13) and (14): 37 rows of 2 nonzeros where a site's
# reachable demand for a product is less than one printer (or its tier's park) makes.
EXAMPLE_SIZE = {"variables": 148, "integer_variables": 24, "constraints": 209, "nonzeros": 738}


@pytest.fixture(scope="module")
def result():
    return solve_case(EXAMPLE, settings={"mip_gap": 0})


def test_example_objective_is_pinned(result):
    assert result.status == "optimal"
    assert result.objective == pytest.approx(EXAMPLE_OBJECTIVE, rel=1e-9)
    assert result.mip_gap == pytest.approx(0.0, abs=1e-9)
    assert sum(result.costs.values()) == pytest.approx(result.objective, rel=1e-9)


def test_example_model_size_is_pinned(result):
    assert result.model_size == EXAMPLE_SIZE


def test_example_plan(result):
    sites = result.tables["sites"].set_index("site")
    assert sites.loc[sites["open"], "tier"].to_dict() == {"LYS": "micro", "MAN": "micro", "NUE": "hub"}
    printers = result.tables["printers"].set_index(["site", "technology"])["printers"].to_dict()
    assert printers == {("LYS", "SLS"): 1, ("MAN", "FDM"): 6, ("NUE", "FDM"): 11, ("NUE", "SLS"): 2}
    spares = result.tables["production"].query("product == 'SPARE'")
    assert spares["site"].unique().tolist() == ["LYS"]
    assert spares["units"].sum() == pytest.approx(5300)
    # Table totals add up to the objective: sites carry every term but unmet.
    total = result.tables["sites"]["total"].sum() + result.tables["unmet"]["penalty_cost"].sum()
    assert total == pytest.approx(result.objective, rel=1e-9)


def test_example_solves_from_the_command_line(tmp_path):
    out = tmp_path / "plan"
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "solve", str(EXAMPLE), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Open sites" in done.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal"
    # Default gap 1e-4: the plan found is within 0.01 % of the pinned optimum.
    assert summary["objective"] == pytest.approx(EXAMPLE_OBJECTIVE, rel=1e-4)
    assert summary["best_bound"] <= EXAMPLE_OBJECTIVE + 1e-6
    for name in ("sites", "printers", "production", "flows", "unmet"):
        assert (out / f"{name}.csv").exists()
    import pandas as pd

    book = pd.read_excel(out / "plan.xlsx", sheet_name=None)
    assert set(book) == {"summary", "costs", "sites", "printers", "production", "flows", "unmet"}
    assert book["costs"]["cost"].sum() == pytest.approx(summary["objective"], rel=1e-9)
    assert book["sites"]["total"].sum() == pytest.approx(summary["objective"], rel=1e-9)
    assert len(book["flows"]) == len(pd.read_csv(out / "flows.csv"))
