"""The Lagrangian stage (footprint.lagrange, footprint.bounding; docs/SPEC.md clarification 14).

Hand-worked on the tiny base case (tests/tinycase.py): site A (fixed 1000),
printers of 100 a year with 1000 usable hours, product P at 1 h per unit and
variable cost 3, demand 100, road 0.5 per unit; optimum 1450. At a price λ
per unit of demand, the unit's value at A is λ − 0.5 − 3 and a printer costs
0.1 per hour, so the site is worth 100·(λ − 3.5) − 100 (one printer) against
its fixed cost of 1000, and the bound is 100·λ + min over A's decision.
"""

import numpy as np
import pytest

from footprint import solve_case
from footprint.bounding import combined_bound, run_stage
from footprint.case import load_case
from footprint.derive import derive
from footprint.lagrange import Relaxation, _knapsacks, applicable, local_search, open_values, restrict
from footprint.model import build_blocks
from footprint.solve import highs_options
from footprint.strategy import solve_blocks
from footprint.synthetic import synthetic_tables
from tinycase import BASE_OBJECTIVE, site, tiny_case


def _relaxation(case) -> Relaxation:
    return Relaxation(derive(load_case(case)))


def test_knapsack_fills_by_value_per_hour():
    # one site, capacity 10 h: item 1 (value 6, 2 h, 3 units) first (3/h), item 0 (value 4, 2 h) next (2/h),
    # item 2 (value -1) never: 3 units of item 1 use 6 h, then 2 units of item 0 fill the last 4 h
    profit, x = _knapsacks(np.array([4.0, 6.0, -1.0]), np.array([2.0, 2.0, 1.0]), np.array([5.0, 3.0, 9.0]),
                           np.zeros(3, dtype=int), np.array([10.0]), 1)
    assert x.tolist() == [2.0, 3.0, 0.0]
    assert profit.tolist() == [2 * 4.0 + 3 * 6.0]


def test_bound_at_a_price_that_opens_the_site():
    # λ = 20: A is worth 100·16.5 − 100 = 1550 > 1000, open; bound 2000 − 550 = 1450 (the optimum)
    ev = _relaxation(tiny_case()).evaluate(np.array([20.0]))
    assert ev.bound == pytest.approx(BASE_OBJECTIVE)
    assert ev.y.tolist() == [1.0]
    assert ev.supplied.tolist() == [100.0]


def test_whole_site_cover_beats_the_linear_one():
    # λ = 10: A nets 650 − 100 = 550 < 1000, so by sign it stays shut; but the 100 must-serve hours
    # need a site. The linear cover opens 100/1000 of A (0.1·450 = 45: bound 1045); whole sites
    # open all of it (450: bound 1450)
    ev = _relaxation(tiny_case()).evaluate(np.array([10.0]))
    assert ev.bound == pytest.approx(1000 + 450)
    assert ev.y.tolist() == [1.0]


def test_start_multipliers_are_the_cheapest_way_to_serve():
    # 0.5 road + 3 production = 3.5; there A makes no profit, so the bound is 350 + 1000
    relax = _relaxation(tiny_case())
    assert relax.start_multipliers().tolist() == [3.5]
    assert relax.evaluate(np.array([3.5])).bound == pytest.approx(1350.0)


def test_fixings_close_the_dear_site_and_open_the_cheap_one():
    # B like A but fixed 5000. At λ = 20 B is worth 5000 − 1550 = 3450: opening it lifts the bound to
    # 4900 > 1450, so B is closed; closing A forces B in to cover the demand (5450), so A is opened
    relax = _relaxation(tiny_case(sites=[site("A", 1000.0), site("B", 5000.0)]))
    closed, opened = relax.fixings(np.array([20.0]), upper_bound=BASE_OBJECTIVE)
    assert closed.tolist() == [1]
    assert opened.tolist() == [0]
    # with a plan costing 6000 nothing is proven
    closed, opened = relax.fixings(np.array([20.0]), upper_bound=6000.0)
    assert closed.tolist() == [] and opened.tolist() == []


def test_local_search_serves_from_the_cheapest_site_and_drops_the_idle_one():
    # both open at start; A and B tie at 3.6 per unit, A (first) serves, B carries nothing and is
    # dropped: 1000 + 1 printer (100) + 100·3.5 = 1450
    relax = _relaxation(tiny_case(sites=[site("A", 1000.0), site("B", 5000.0)]))
    cost, mask = local_search(relax, np.zeros(2, dtype=int), np.array([True, True]))
    assert cost == pytest.approx(BASE_OBJECTIVE)
    assert mask.tolist() == [True, False]


def test_combined_bound():
    assert combined_bound(90.0, 100.0, 95.0) == 95.0     # the reduced model's bound
    assert combined_bound(90.0, 100.0, 120.0) == 100.0   # nothing in the reduced model beats the plan
    assert combined_bound(98.0, 100.0, 95.0) == 98.0     # the stage's own bound holds regardless
    assert combined_bound(90.0, None, 95.0) == 90.0      # no plan, no fixing: only the stage's bound


def test_applies_from_thirty_sites():
    # several technologies per site are tests/test_lagrange_general.py's
    assert not applicable(derive(load_case(synthetic_tables(n_sites=29, n_zones=50))))
    assert applicable(derive(load_case(synthetic_tables(n_sites=30, n_zones=50))))


def test_open_values_and_restrict():
    # B closed: its columns and its now empty rows leave the model; A forced open. The reduced
    # model solves to the base optimum and its plan maps back with zeros for B
    data = derive(load_case(tiny_case(sites=[site("A", 1000.0), site("B", 5000.0)])))
    assert open_values(data, np.array([False, True]), np.zeros(2, dtype=int)).tolist() == [0.0, 1.0]
    full = build_blocks(data)
    reduced = restrict(full, data, closed=np.array([1]), opened=np.array([0]))
    assert reduced.variables["Open"].size == 1 and reduced.variables["Ship"].size == 1
    assert next(r for r in reduced.rows if r.name == "OneTier").lower.tolist() == [1.0]
    assert reduced.num_rows < full.num_rows
    outcome = solve_blocks(reduced, load_case(tiny_case()).settings)
    assert outcome.objective == pytest.approx(BASE_OBJECTIVE)
    plan = reduced.expand(outcome.values)
    assert plan["Open"].tolist() == [1.0, 0.0]
    assert plan["Ship"].tolist() == [100.0, 0.0]
    assert reduced.shrink(plan)["Ship"].tolist() == [100.0]


@pytest.mark.parametrize("seed,max_printers", [(0, None), (1, None), (3, 2)])
def test_stage_bounds_the_optimum_and_keeps_it(seed, max_printers, monkeypatch):
    """On synthetic 30-site cases (seed 3 with at most 2 printers a site, so capacities bind):
    the stage's bound ≤ the optimum ≤ its plan, and the solve with the stage (site fixings
    included) proves the same optimum as plain HiGHS."""
    tables = synthetic_tables(n_sites=30, n_zones=60, seed=seed)
    if max_printers is not None:
        tables["sites"]["max_printers"] = max_printers
    exact = solve_case(tables, settings={"mip_gap": 0.0, "lagrangian_stage": False, "start_heuristic": False})
    assert exact.status == "optimal"
    case = load_case(tables, settings={"mip_gap": 0.0})
    data = derive(case)
    blocks = build_blocks(data)
    stage = run_stage(blocks, data, highs_options({**case.settings, "time_limit_s": 30.0}), time_budget=2.0)
    tolerance = 1e-6 * exact.objective
    assert stage.lower_bound <= exact.objective + tolerance
    assert stage.objective >= exact.objective - tolerance
    monkeypatch.setattr("footprint.start.MIN_VARIABLES", 0)  # the case is below the size rule
    staged = solve_case(tables, settings={"mip_gap": 0.0})
    assert staged.status == "optimal"
    assert staged.timings["start"] > 0.0
    assert staged.objective == pytest.approx(exact.objective, rel=1e-7)
    assert staged.best_bound <= staged.objective + tolerance


def test_a_model_too_large_for_highs_stays_in_the_stage(monkeypatch):
    """Above MAX_HIGHS_COLUMNS (here 0) HiGHS never gets the model: the plan and bound are the
    stage's, still a real plan no better than the optimum and a bound no higher."""
    tables = synthetic_tables(n_sites=30, n_zones=60, seed=0)
    exact = solve_case(tables, settings={"mip_gap": 0.0, "lagrangian_stage": False, "start_heuristic": False})
    monkeypatch.setattr("footprint.start.MIN_VARIABLES", 0)
    monkeypatch.setattr("footprint.bounding.MAX_HIGHS_COLUMNS", 0)
    staged = solve_case(tables, settings={"mip_gap": 0.0, "time_limit_s": 4.0})
    assert staged.has_plan
    assert staged.timings["handoff"] == 0.0
    tolerance = 1e-6 * exact.objective
    assert staged.objective >= exact.objective - tolerance
    assert staged.best_bound <= exact.objective + tolerance
    assert staged.mip_gap == pytest.approx((staged.objective - staged.best_bound) / staged.objective)


def test_subgradient_steps_stop_once_the_bound_stalls(monkeypatch):
    """With the stall rule at 10 steps the steps end at a multiple of 10, well before the
    step-size rule would end them (no stall rule), and the bound stays a bound."""
    tables = synthetic_tables(n_sites=30, n_zones=60, seed=0)
    exact = solve_case(tables, settings={"mip_gap": 0.0, "lagrangian_stage": False, "start_heuristic": False})
    case = load_case(tables, settings={"mip_gap": 0.0})
    data = derive(case)
    blocks = build_blocks(data)
    options = highs_options({**case.settings, "time_limit_s": 30.0})
    monkeypatch.setattr("footprint.bounding.STALL_STEPS", 10**9)
    free = run_stage(blocks, data, options, time_budget=30.0)
    monkeypatch.setattr("footprint.bounding.STALL_STEPS", 10)
    stalled = run_stage(blocks, data, options, time_budget=30.0)
    assert stalled.iterations % 10 == 0
    assert stalled.iterations < free.iterations
    assert stalled.lower_bound <= free.lower_bound + 1e-9 * abs(free.lower_bound)
    assert stalled.lower_bound <= exact.objective * (1 + 1e-9)
    assert stalled.objective >= exact.objective * (1 - 1e-9)
