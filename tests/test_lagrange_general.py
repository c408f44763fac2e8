"""The Lagrangian relaxation of the general model (footprint.lagrange_general; docs/SPEC.md
clarification 15): several technologies per site, tiers with slot limits.

Hand-worked case: site A (fixed 1000), product P demanded 3000 units a year at zone Z, road
0.5 per unit. Two technologies can make P: F (printer 100 a year, 1000 usable hours; 1 h per
unit, variable cost 3: 3.1 a unit with its printer share, 1/1000 printer a unit) and M (printer
1000 a year, 1000 hours; 0.1 h a unit, variable 5: 5.1 a unit, 1/10000 printer a unit). Tiers:
``small`` (no fixed cost, at most 2 printers) and ``big`` (fixed 500, at most 10).

At λ = 10 a unit is worth 9.5 at A.
- big: F is cheapest and its 3 printers fit: profit 3000·(9.5 − 3.1) = 19,200, value
  1000 + 500 − 19,200 = −17,700.
- small: F would need 3 printers, the limit is 2. The slot price μ where both options cost
  the same, 3.1 + μ/1000 = 5.1 + μ/10000, is μ = 2222.2; there the profit bound is
  3000·(9.5 − 5.3222) + 2·2222.2 = 16,977.8 — the linear programme's own optimum (1,888.9
  units on F, the rest on M, 2 printers). Value 1000 − 16,977.8 = −15,977.8.
The bound is 3000·10 − 17,700 = 12,300, which is the optimum (big tier, 3 F printers:
1500 + 300 + 9000 + 1500).
"""

import numpy as np
import pytest

from footprint import solve_case
from footprint.bounding import run_stage
from footprint.case import load_case
from footprint.derive import derive
from footprint.lagrange import Relaxation, applicable, one_technology
from footprint.lagrange_general import GeneralRelaxation, relaxation_for
from footprint.model import build_blocks
from footprint.solve import highs_options
from footprint.synthetic import synthetic_tables
from tinycase import site, tiny_case

TWO_TECHNOLOGIES = dict(
    technologies=[dict(technology="F", printer_cost=100.0, hours_per_year=1000.0, max_utilisation=1.0),
                  dict(technology="M", printer_cost=1000.0, hours_per_year=1000.0, max_utilisation=1.0)],
    processes=[dict(product="P", technology="F", hours_per_unit=1.0, variable_cost=3.0),
               dict(product="P", technology="M", hours_per_unit=0.1, variable_cost=5.0)],
    demand=[dict(zone="Z", product="P", quantity=3000.0)],
    modes=[dict(mode="road", cost_per_unit=0.5, speed_km_per_day=500.0)],
)
SMALL = dict(tier="small", fixed_cost=0.0, max_printers=2)
BIG = dict(tier="big", fixed_cost=500.0, max_printers=10)


def _relaxation(**tables) -> GeneralRelaxation:
    relax = relaxation_for(derive(load_case(tiny_case(**{**TWO_TECHNOLOGIES, **tables}))))
    assert isinstance(relax, GeneralRelaxation)
    return relax


def test_site_problem_with_two_technologies_and_two_tiers():
    relax = _relaxation(tiers=[SMALL, BIG])
    ev = relax.evaluate(np.array([10.0]))
    assert ev.bound == pytest.approx(12_300.0)
    assert ev.value.tolist() == pytest.approx([-17_700.0])
    assert list(relax.data.tiers["tier"])[ev.tier[0]] == "big"
    assert ev.supplied.tolist() == [3000.0]
    assert solve_case(tiny_case(**TWO_TECHNOLOGIES, tiers=[SMALL, BIG])).objective == pytest.approx(12_300.0)


def test_slot_limit_is_priced_where_it_binds():
    # only the small tier: the slot price makes M the cheaper option, as worked out above
    relax = _relaxation(tiers=[SMALL])
    ev = relax.evaluate(np.array([10.0]))
    assert ev.value.tolist() == pytest.approx([1000.0 - 16_977.78], abs=0.05)
    assert ev.bound == pytest.approx(30_000.0 - 15_977.78, abs=0.05)
    # the whole-number optimum pays for whole printers (1 F for 1000 units, 1 M for the rest):
    # 1000 + 100 + 1000 + 3000 + 10,000 + 1500 = 16,600, above the bound
    assert solve_case(tiny_case(**TWO_TECHNOLOGIES, tiers=[SMALL])).objective == pytest.approx(16_600.0)


def test_start_multipliers_and_the_must_serve_cover():
    # Beasley's start: the cheapest way to serve a unit, 0.5 + 3.1 = 3.6. No site profits there
    # (value 1000 at the free small tier), but the demand has no unmet penalty: its 0.3 printers
    # (3000 units at 1/10000 printer on M) need a site, so the cover opens A: 3000·3.6 + 1000
    relax = _relaxation(tiers=[SMALL, BIG])
    lam = relax.start_multipliers()
    assert lam.tolist() == pytest.approx([3.6])
    ev = relax.evaluate(lam)
    assert relax.demand_hours == pytest.approx(0.3)
    assert ev.bound == pytest.approx(3000 * 3.6 + 1000)
    assert ev.y.tolist() == [1.0]


def test_general_relaxation_is_chosen_where_a_site_hosts_two_technologies():
    one = derive(load_case(synthetic_tables(n_sites=30, n_zones=50)))
    two = derive(load_case(synthetic_tables(n_sites=30, n_zones=50, n_technologies=2)))
    assert one_technology(one) and type(relaxation_for(one)) is Relaxation
    assert not one_technology(two) and type(relaxation_for(two)) is GeneralRelaxation
    assert applicable(two)


def _general_tables(seed: int, max_printers=None):
    tables = synthetic_tables(n_sites=15, n_zones=25, n_products=2, n_technologies=3, sites_in_reach=8, seed=seed)
    tables["tiers"] = __import__("pandas").DataFrame(
        [dict(tier="micro", fixed_cost=10_000, max_printers=2, cost_multiplier=1.2),
         dict(tier="hub", fixed_cost=60_000, max_printers=12, cost_multiplier=1.0)])
    if max_printers is not None:
        tables["sites"]["max_printers"] = max_printers
    return tables


@pytest.mark.parametrize("seed,max_printers", [(0, None), (1, None), (2, 3)])
def test_bound_never_above_the_optimum_and_fixings_keep_it(seed, max_printers):
    """On general cases solved exactly (15 sites, 3 technologies, 2 products, 2 tiers; seed 2
    with at most 3 printers a site): the stage's bound ≤ the optimum ≤ its plan, and the sites
    it fixes against a plan just above the optimum are those of the optimal plan."""
    tables = _general_tables(seed, max_printers)
    exact = solve_case(tables, settings={"mip_gap": 0.0, "lagrangian_stage": False, "start_heuristic": False})
    assert exact.status == "optimal"
    case = load_case(tables, settings={"mip_gap": 0.0})
    data = derive(case)
    blocks = build_blocks(data)
    relax = relaxation_for(data)
    assert isinstance(relax, GeneralRelaxation)
    stage = run_stage(blocks, data, highs_options({**case.settings, "time_limit_s": 30.0}), time_budget=2.0,
                      relax=relax)
    tolerance = 1e-6 * exact.objective
    assert stage.lower_bound <= exact.objective + tolerance
    assert stage.objective >= exact.objective - tolerance
    closed, opened = relax.fixings(stage.multipliers, exact.objective * (1 + 1e-7))
    open_in_optimum = set(exact.tables["sites"].loc[exact.tables["sites"]["open"], "site"])
    sites = list(data.sites["site"])
    assert not {sites[s] for s in closed} & open_in_optimum
    assert {sites[s] for s in opened} <= open_in_optimum


def test_a_general_model_above_the_size_rule_goes_through_the_stage(monkeypatch):
    """With the size rules at 0 a general model goes through the stage: a real plan no better than
    the optimum and a bound no higher, the gap between them reported."""
    tables = _general_tables(0)
    exact = solve_case(tables, settings={"mip_gap": 0.0, "lagrangian_stage": False, "start_heuristic": False})
    monkeypatch.setattr("footprint.start.MIN_VARIABLES", 0)
    monkeypatch.setattr("footprint.lagrange.MIN_SITES", 0)
    monkeypatch.setattr("footprint.bounding.MAX_HIGHS_COLUMNS_GENERAL", 0)
    staged = solve_case(tables, settings={"mip_gap": 0.0, "time_limit_s": 6.0})
    assert staged.has_plan
    assert staged.timings["start"] > 0.0 and staged.timings["handoff"] == 0.0  # the stage kept the time
    tolerance = 1e-6 * exact.objective
    assert staged.objective >= exact.objective - tolerance
    assert staged.best_bound <= exact.objective + tolerance
    assert staged.mip_gap == pytest.approx((staged.objective - staged.best_bound) / staged.objective)


def test_local_search_moves_an_overloaded_site_to_a_larger_tier():
    # two sites; A alone at its small tier cannot hold the demand (3 F printers needed, 2 allowed):
    # the estimate moves it to the big tier instead of giving up
    from footprint.lagrange import local_search

    relax = _relaxation(tiers=[SMALL, BIG], sites=[site("A", 1000.0), site("B", 50_000.0)])
    found = local_search(relax, np.zeros(2, dtype=int), np.array([True, False]))
    assert found is not None
    cost, mask = found
    assert mask.tolist() == [True, False]
    assert cost == pytest.approx(1000 + 500 + 3000 * (0.5 + 3.1), rel=1e-9)


def test_a_warm_start_seeds_the_stage_with_its_sites(monkeypatch):
    """A what-if started from its base plan goes through the stage (it used to skip it), and the
    base plan's sites are solved first: with the optimum's own sites as the seed, the stage's
    plan is within the exact solves' 1 % of the optimum."""
    tables = _general_tables(1)
    exact = solve_case(tables, settings={"mip_gap": 0.0, "lagrangian_stage": False, "start_heuristic": False})
    case = load_case(tables, settings={"mip_gap": 0.0})
    data = derive(case)
    seed = data.sites["site"].isin(exact.kpis["open_site_ids"]).to_numpy()
    stage = run_stage(build_blocks(data), data, highs_options({**case.settings, "time_limit_s": 30.0}),
                      time_budget=2.0, seed=seed)
    assert exact.objective * (1 - 1e-9) <= stage.objective <= exact.objective * 1.01
    monkeypatch.setattr("footprint.start.MIN_VARIABLES", 0)
    monkeypatch.setattr("footprint.lagrange.MIN_SITES", 0)
    monkeypatch.setattr("footprint.bounding.MAX_HIGHS_COLUMNS_GENERAL", 0)
    warm = solve_case(tables, settings={"mip_gap": 0.0, "time_limit_s": 4.0}, warm_start=exact)
    assert warm.timings["start"] > 0.0 and warm.timings["handoff"] == 0.0
    assert exact.objective * (1 - 1e-9) <= warm.objective <= exact.objective * 1.01


@pytest.mark.parametrize("limits", [dict(max_open_sites=1), dict(min_open_sites=4)])
def test_site_count_limits_raise_the_bound_and_keep_it_valid(limits):
    """With every demand penalised (no cover), the count limits (11) are kept in the relaxation:
    the bound at the same prices rises (or stays) and stays below the optimum HiGHS proves."""
    tables = _general_tables(0)
    tables["demand"]["unmet_penalty"] = 200.0
    exact = solve_case(tables, settings={"mip_gap": 0.0, "lagrangian_stage": False, "start_heuristic": False,
                                         **limits})
    free = relaxation_for(derive(load_case(tables, settings={"mip_gap": 0.0})))
    limited = relaxation_for(derive(load_case(tables, settings={"mip_gap": 0.0, **limits})))
    stage = run_stage(build_blocks(limited.data), limited.data,
                      highs_options({**limited.data.settings, "time_limit_s": 30.0}), time_budget=2.0, relax=limited)
    assert stage.lower_bound <= exact.objective * (1 + 1e-9)
    lam = stage.multipliers
    ev = limited.evaluate(lam)
    count = ev.y.sum()
    assert count <= limits.get("max_open_sites", np.inf) and count >= limits.get("min_open_sites", 0)
    assert ev.bound >= free.evaluate(lam).bound - 1e-6


@pytest.mark.parametrize("seed", [0, 2])
def test_a_feasible_warm_start_is_never_lost(seed, monkeypatch):
    """Seeds where re-solving the warm start's sites guided by their relaxation misses their own
    optimum by 2-3 % (found in review): the warm plan itself is the stage's plan to beat."""
    tables = _general_tables(seed)
    exact = solve_case(tables, settings={"mip_gap": 0.0, "lagrangian_stage": False, "start_heuristic": False})
    monkeypatch.setattr("footprint.start.MIN_VARIABLES", 0)
    monkeypatch.setattr("footprint.lagrange.MIN_SITES", 0)
    monkeypatch.setattr("footprint.bounding.MAX_HIGHS_COLUMNS_GENERAL", 0)
    warm = solve_case(tables, settings={"mip_gap": 0.0, "time_limit_s": 4.0}, warm_start=exact)
    assert warm.objective == pytest.approx(exact.objective, rel=1e-9)


def test_is_feasible_checks_rows_bounds_and_whole_numbers():
    from footprint.bounding import is_feasible

    data = derive(load_case(tiny_case()))
    blocks = build_blocks(data)
    plan = solve_case(tiny_case(), settings={"mip_gap": 0.0}).values
    assert is_feasible(blocks, plan)
    assert not is_feasible(blocks, {**plan, "Printers": plan["Printers"] * 0.5})   # half a printer
    assert not is_feasible(blocks, {**plan, "Ship": plan["Ship"] * 0.9})           # demand short
