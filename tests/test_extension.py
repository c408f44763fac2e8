"""The extension hook: a planner's own rule added to the Pyomo model without forking."""

from __future__ import annotations

from pathlib import Path

import pyomo.environ as pyo
import pytest

from footprint import solve_case

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example"
EXAMPLE_OBJECTIVE = 1_574_943.3654856174  # see tests/test_example.py (issues 13 and 14: stock, bands)
#: the example with its Birmingham warehouse kept closed (the case README: +61,892 EUR/yr)
WITHOUT_WAREHOUSE = 1_636_834.901324626


def test_pyomo_backend_matches_array_backend_on_the_example():
    via_pyomo = solve_case(EXAMPLE, settings={"mip_gap": 0}, backend="pyomo")
    assert via_pyomo.objective == pytest.approx(EXAMPLE_OBJECTIVE, rel=1e-9)


def test_extra_constraint_keeps_the_warehouse_closed():
    """A rule "Birmingham warehouse stays closed" changes the plan to the README's what-if."""

    def keep_bhw_closed(model, data):
        rows = [i for i, site in enumerate(data.open_index["site"]) if site == "BHW"]
        model.NoWarehouse = pyo.Constraint(expr=sum(model.Open[i] for i in rows) == 0)

    result = solve_case(EXAMPLE, settings={"mip_gap": 0}, extra_constraints=keep_bhw_closed)
    assert result.status == "optimal"
    assert "BHW" not in result.kpis["open_site_ids"]
    assert result.objective == pytest.approx(WITHOUT_WAREHOUSE, rel=1e-9)
    assert result.objective == pytest.approx(EXAMPLE_OBJECTIVE + 61_892, abs=1.0)


def test_warm_start_from_a_previous_plan_keeps_the_optimum():
    """A plan from another what-if seeds HiGHS; the optimum found is the same."""
    base = solve_case(EXAMPLE, settings={"mip_gap": 0})
    from footprint.api import warm_start_values
    from footprint.case import load_case
    from footprint.derive import derive

    shocked = load_case(EXAMPLE, settings={"mip_gap": 0, "carbon_price": 100})
    values = warm_start_values(base, derive(shocked))
    assert values["Open"].sum() == 3  # NUE, LYS, BHW at their tiers
    assert values["Ship"].sum() == pytest.approx(206_300)
    warm = solve_case(shocked, warm_start=base)
    cold = solve_case(shocked)
    assert warm.status == cold.status == "optimal"
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)


def test_extra_rows_keep_the_warehouse_closed_in_the_array_model():
    """The same rule as rows on the model's arrays (no Pyomo): the same what-if optimum."""
    import numpy as np

    from footprint.model.blocks import row_block

    def no_warehouse(data, blocks):
        rows = np.flatnonzero(data.open_index["site"].to_numpy() == "BHW")
        return row_block("NoWarehouse", 1, 0.0, 0.0).add("Open", np.zeros(len(rows)), rows, 1.0)

    result = solve_case(EXAMPLE, settings={"mip_gap": 0}, extra_rows=no_warehouse)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(WITHOUT_WAREHOUSE, rel=1e-9)
    assert result.model_size["constraints"] == solve_case(EXAMPLE, settings={"mip_gap": 0}).model_size["constraints"] + 1


def test_extra_rows_hold_through_the_lagrangian_stage(monkeypatch):
    """On a 30-site case that goes through the stage, a row closing the base plan's busiest site
    holds in the plan reported, and the bound stays below the optimum HiGHS proves alone."""
    import numpy as np

    from footprint.model.blocks import row_block
    from footprint.synthetic import synthetic_tables

    tables = synthetic_tables(n_sites=30, n_zones=60, seed=0)
    base = solve_case(tables, settings={"mip_gap": 0.0, "lagrangian_stage": False, "start_heuristic": False})
    busiest = base.tables["sites"].sort_values("units_made").iloc[-1]["site"]

    def without_busiest(data, blocks):
        rows = np.flatnonzero(data.open_index["site"].to_numpy() == busiest)
        return row_block("Shut", 1, 0.0, 0.0).add("Open", np.zeros(len(rows)), rows, 1.0)

    exact = solve_case(tables, settings={"mip_gap": 0.0, "lagrangian_stage": False, "start_heuristic": False},
                       extra_rows=without_busiest)
    monkeypatch.setattr("footprint.start.MIN_VARIABLES", 0)
    staged = solve_case(tables, settings={"mip_gap": 0.0}, extra_rows=without_busiest)
    assert staged.timings["start"] > 0.0
    assert busiest not in staged.kpis["open_site_ids"]
    assert exact.objective > base.objective
    assert staged.objective == pytest.approx(exact.objective, rel=1e-7)
    assert staged.best_bound <= exact.objective * (1 + 1e-9)


def test_pyomo_extension_on_a_large_model_says_the_stages_are_off(monkeypatch):
    monkeypatch.setattr("footprint.start.MIN_VARIABLES", 0)
    result = solve_case(EXAMPLE, settings={"mip_gap": 0}, extra_constraints=lambda m, d: None)
    assert any("without the starting plan or the Lagrangian stage" in m for m in result.messages)


def test_extra_rows_may_use_lanes_the_model_would_drop():
    """A lane dearer than its unit's unmet penalty is dropped (test_model_flows), but a planner's
    row "ship at least 50 units to Z" needs it: with a hook the lane stays (found in review).
    1000 + 1 printer 100 + 50 · (3 + 0.5) + 50 · 3 unmet = 1425."""
    import sys

    import numpy as np

    from footprint.model.blocks import row_block

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from tinycase import tiny_case

    case = tiny_case(demand=[dict(zone="Z", product="P", quantity=100.0, unmet_penalty=3.0)])

    def at_least_fifty(data, blocks):
        rows = np.flatnonzero(data.ship["zone"].to_numpy() == "Z")
        return row_block("AtLeastFifty", 1, 50.0).add("Ship", np.zeros(len(rows)), rows, 1.0)

    result = solve_case(case, settings={"mip_gap": 0}, extra_rows=at_least_fifty)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(1425.0)
