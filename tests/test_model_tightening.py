"""Valid inequalities (13) ProductPrinterLink, (14) ProductTierLink, (15)-(16) DemandCover, and the starting plan.

The rows must not change any optimum (every hand-worked test in test_model_*.py
solves with them); here their coefficients and the relaxation they tighten are
worked out by hand on the tiny base case (tests/tinycase.py): one site A
(fixed 1000), printers of 100 a year with 1000 usable hours, product P at
1 h per unit and variable cost 3, demand 100, road 0.5 per unit.
"""

import highspy
import numpy as np
import pandas as pd
import pytest

from footprint.case import load_case
from footprint.derive import derive
from footprint.model import FAMILIES, build_blocks, capacity
from footprint.model.highs_backend import to_highs_lp
from footprint.solve import new_highs
from footprint.start import find_start, round_sites
from footprint import solve_case
from footprint.synthetic import synthetic_tables
from tinycase import demand, site, tiny_case


def _data(case):
    return derive(load_case(case))


def _relaxation(case, without: tuple = ()) -> float:
    """The linear relaxation's optimum (currency/year), optionally without some families."""
    data = _data(case)
    blocks = build_blocks(data)
    blocks.rows = [r for r in blocks.rows if r.name not in without]
    highs = new_highs()
    highs.setOptionValue("output_flag", False)
    highs.passModel(to_highs_lp(blocks))
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return highs.getInfo().objective_function_value


def _terms(block, var):
    return {t.var: t for t in block.terms}[var]


def test_both_families_are_part_of_the_model():
    assert capacity.product_printer_link in FAMILIES
    assert capacity.product_tier_link in FAMILIES


def test_product_printer_link_coefficient_is_the_reachable_demand():
    # reach 100 units < 1000 units per printer: Make - 100 * Printers <= 0
    block = capacity.product_printer_link(_data(tiny_case()))
    assert block.size == 1
    assert _terms(block, "Make").coefs.tolist() == [1.0]
    assert _terms(block, "Printers").coefs.tolist() == [-100.0]
    assert block.upper.tolist() == [0.0]


def test_product_printer_link_is_left_out_where_capacity_implies_it():
    # reach 2500 units > 1000 units per printer: the capacity row already says it
    assert capacity.product_printer_link(_data(tiny_case(demand=[demand("Z", 2500)]))).size == 0


def test_product_tier_link_per_tier():
    # micro holds 1 printer (1000 units) > reach 800, plant is unlimited: both rows,
    # each Make[A,l,P,T] - 800 * Open[A,l] <= 0
    case = tiny_case(demand=[demand("Z", 800)], tiers=[
        dict(tier="micro", fixed_cost=0.0, max_printers=1, cost_multiplier=1.2),
        dict(tier="plant", fixed_cost=2000.0, cost_multiplier=1.0)])
    block = capacity.product_tier_link(_data(case))
    assert block.size == 2
    assert _terms(block, "Open").coefs.tolist() == [-800.0, -800.0]
    # 1800 units: micro's one printer makes 1000 < 1800, so micro's row is implied by (7)
    case["demand"] = pd.DataFrame([demand("Z", 1800)])
    assert capacity.product_tier_link(_data(case)).size == 1


def test_relaxation_of_the_base_case_by_hand():
    # Without (13) the relaxation buys 100 h / 1000 h = 0.1 printer:
    #   1000 + 0.1 * 100 + 100 * 3 + 100 * 0.5 = 1360
    # With (13) Printers >= Make / 100 = 1, which is the integer optimum 1450.
    assert _relaxation(tiny_case(), without=("ProductPrinterLink",)) == pytest.approx(1360)
    assert _relaxation(tiny_case()) == pytest.approx(1450)


def test_relaxation_with_tiers_by_hand():
    # Demand 800, micro (no fixed cost, x1.2, one printer) or plant (2000, x1.0).
    # Integer optimum: micro, 1000 + 100 + 800*3*1.2 + 400 = 4380 (test_model_capacity).
    # The relaxation can open the site "half at each tier" only in proportion to
    # what each tier makes, so with (13) and (14) it cannot do better than micro
    # with one whole printer: 4380.
    case = tiny_case(demand=[demand("Z", 800)], tiers=[
        dict(tier="micro", fixed_cost=0.0, max_printers=1, cost_multiplier=1.2),
        dict(tier="plant", fixed_cost=2000.0, cost_multiplier=1.0)])
    assert _relaxation(case) == pytest.approx(4380)
    # Without both rows it buys 0.8 of a printer: 1000 + 80 + 2880 + 400 = 4360.
    assert _relaxation(case, without=("ProductPrinterLink", "ProductTierLink")) == pytest.approx(4360)


def test_round_sites_opens_sites_at_half_or_more_at_their_strongest_tier():
    open_index = pd.DataFrame({"site": ["A", "A", "B", "B", "C"], "tier": ["m", "h", "m", "h", "m"]})
    # A: 0.3 + 0.3 = 0.6 -> open at m (first of the equal); B: 0.1 + 0.3 -> closed; C: 0.5 -> open
    fixed = round_sites(np.array([0.3, 0.3, 0.1, 0.3, 0.5]), open_index)
    assert fixed.tolist() == [1.0, 0.0, 0.0, 0.0, 1.0]


def test_starting_plan_is_feasible_and_the_solve_still_proves_the_optimum(monkeypatch):
    # A 12-site, 150-zone synthetic case solved to optimality twice: once as is
    # (too small for the rule), once with the rule's threshold lowered so that
    # it starts from the rounded relaxation. Same proven optimum; the start
    # is a real plan, no better than the optimum.
    case = synthetic_tables(12, 150, sites_in_reach=6, seed=3)
    plain = solve_case(case, settings={"mip_gap": 0.0, "time_limit_s": 60})
    assert plain.status == "optimal"
    assert plain.timings["start"] == 0.0

    monkeypatch.setattr("footprint.start.MIN_VARIABLES", 0)
    data = derive(load_case(case, settings={"mip_gap": 0.0}))
    blocks = build_blocks(data)
    start = find_start(blocks, data, {"random_seed": 0}, time_budget=30.0)
    assert start.values is not None
    assert start.objective >= plain.objective - 1e-6 * abs(plain.objective)
    x = blocks.stack(start.values)
    start_idx, index, value, lower, upper = blocks.matrix()
    activity = np.zeros(blocks.num_rows)
    for j in range(blocks.num_cols):
        activity[index[start_idx[j]:start_idx[j + 1]]] += value[start_idx[j]:start_idx[j + 1]] * x[j]
    assert (activity >= lower - 1e-6 * (1 + np.abs(lower))).all()
    assert (activity <= upper + 1e-6 * (1 + np.abs(upper))).all()
    assert float(blocks.objective_vector() @ x) == pytest.approx(start.objective, rel=1e-9)

    seeded = solve_case(case, settings={"mip_gap": 0.0, "time_limit_s": 60})
    assert seeded.status == "optimal"
    assert seeded.timings["start"] > 0.0
    assert seeded.objective == pytest.approx(plain.objective, rel=1e-9)


def test_close_sites_greedily_closes_what_the_relaxation_does_not_need():
    # Sites A and B (fixed 1000 each) at the zone; demand 100 has no penalty.
    # Both rounded open: 2000 + 100 + 300 + 50 = 2450 in the relaxation.
    # Closing either gives 1450 (tie: the first, A, goes); closing B too
    # leaves the demand unserved (infeasible), so B stays.
    from footprint.start import close_sites_greedily
    from tinycase import site

    case = tiny_case(sites=[site("A", fixed_cost=1000.0),
                            site("B", fixed_cost=1000.0)])
    data = _data(case)
    blocks = build_blocks(data)
    relaxed = new_highs()
    relaxed.setOptionValue("output_flag", False)
    relaxed.passModel(to_highs_lp(blocks))
    relaxed.run()
    cols = (np.arange(len(data.open_index)) + blocks.offsets()["Open"]).astype(np.int32)
    import time

    fixed = close_sites_greedily(relaxed, cols, np.ones(2), data, deadline=time.perf_counter() + 30)
    assert data.open_index["site"].tolist() == ["A", "B"]
    assert fixed.tolist() == [0.0, 1.0]
    relaxed.changeColsBounds(2, cols, fixed, fixed)
    relaxed.run()
    assert relaxed.getInfo().objective_function_value == pytest.approx(1450)


def _two_one_printer_sites(quantity: float, **tables):
    return tiny_case(sites=[site("A", 1000.0, max_printers=1), site("B", 1000.0, max_printers=1)],
                     demand=[demand("Z", quantity)], **tables)


def test_demand_cover_rows_by_hand():
    # 1500 units at 1 h need 1500 h; each site holds one printer of 1000 h:
    # (15) 1000·Open[A] + 1000·Open[B] >= 1500, (16) Open[A] + Open[B] >= ceil(1.5) = 2
    hours, count = capacity.demand_cover(_data(_two_one_printer_sites(1500.0)))
    assert (hours.lower.tolist(), _terms(hours, "Open").coefs.tolist()) == ([1500.0], [1000.0, 1000.0])
    assert (count.lower.tolist(), _terms(count, "Open").coefs.tolist()) == ([2.0], [1.0, 1.0])
    # 900 units fit one site: (16) asks for one site only
    assert capacity.demand_cover(_data(_two_one_printer_sites(900.0)))[1].lower.tolist() == [1.0]
    # a site that must open and holds the hours makes both rows redundant: not written
    case = _two_one_printer_sites(900.0)
    case["sites"]["status"] = ["open", None]
    assert capacity.demand_cover(_data(case)) is None
    # demand with an unmet penalty need not be served: nothing to cover
    case = _two_one_printer_sites(1500.0)
    case["demand"]["unmet_penalty"] = 50.0
    assert capacity.demand_cover(_data(case)) is None


def test_demand_cover_lifts_the_relaxation_to_two_whole_sites():
    # Integer optimum: both sites, 2000 + 2 printers (200) + 1500 * 3.5 = 7450. Without the cover
    # rows the relaxation opens 1.5 sites and 1.5 printers: 1500 + 150 + 5250 = 6900; with (16)
    # it pays for two whole sites: 2000 + 150 + 5250 = 7400
    assert capacity.demand_cover in FAMILIES
    case = _two_one_printer_sites(1500.0)
    assert _relaxation(case, without=("DemandCoverHours", "DemandCoverSites")) == pytest.approx(6900)
    assert _relaxation(case) == pytest.approx(7400)
    assert solve_case(case).objective == pytest.approx(7450)
