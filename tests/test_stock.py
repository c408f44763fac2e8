"""Stock versus print (SPEC section 8; footprint.stock, footprint.model.stock): hand-worked cases.

Every case here lists its lanes and transfers (no modes table), so every cost is typed in:

    plant M     country CN, status open, hosts IM: made to stock, printer 1000 a year,
                10,000 hours, 0.01 h a unit (one printer makes up to 1,000,000 units),
                variable cost 2 a unit
    product P   value 100, weight 1 kg
    stock cost  holding_rate 0.25, review_days 7, stock_service_level 0.95 (z = 1.6449),
                variance-to-mean 1, warehouses' replenishment_days 30:
                per unit shipped from stock 0.25·100·7/730 = 0.2397;
                safety stock k·√T with k = 0.25·100·z·√(37/365) = 13.093
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from footprint import solve_case
from footprint.case import load_case
from footprint.derive import derive
from footprint.errors import InputError
from footprint.stock import sqrt_tangents
from tinycase import tiny_case

VALUE = 100.0
LINEAR = 0.25 * VALUE * 7 / 730                                     # per unit from stock
K = 0.25 * VALUE * NormalDist().inv_cdf(0.95) * math.sqrt(37 / 365)  # safety stock cost per √unit

IM = dict(technology="IM", printer_cost=1000.0, hours_per_year=10_000.0, max_utilisation=1.0,
          make_to_stock=True)
PRINTER = dict(technology="F", printer_cost=500.0, hours_per_year=1000.0, max_utilisation=1.0,
               dispatch_days=1.0)
PLANT = dict(site="M", country="CN", lat=30.0, lon=120.0, fixed_cost=0.0, status="open")


def warehouse(name: str, fixed_cost: float, country: str = "DE", **kw) -> dict:
    return dict(site=name, country=country, lat=50.0, lon=10.0, fixed_cost=fixed_cost, warehouse=True,
                replenishment_days=30.0, **kw)


def lane(site: str, zone: str, cost: float, transit: float = 1.0) -> dict:
    return dict(site=site, zone=zone, mode="truck", cost_per_unit=cost, transit_days=transit)


def transfer(frm: str, to: str, cost: float) -> dict:
    return dict(from_site=frm, to_site=to, mode="sea", cost_per_unit=cost, transit_days=30.0)


def stock_case(sites, zones, demand, lanes, transfers, technologies=(IM,), processes=None, **more):
    """Only M hosts IM unless ``site_technologies`` says otherwise (else every site could mould)."""
    processes = processes or [dict(product="P", technology="IM", hours_per_unit=0.01, variable_cost=2.0)]
    more.setdefault("site_technologies", [dict(site="M", technology="IM")])
    return tiny_case(sites=list(sites), technologies=list(technologies), processes=processes,
                     products=[dict(product="P", weight_kg=1.0, value=VALUE)], zones=zones, demand=demand,
                     lanes=lanes, transfers=transfers, modes=None, **more)


def zone(name: str, country: str = "DE") -> dict:
    return dict(zone=name, country=country, lat=50.0, lon=10.0)


# ------------------------------------------------------------------ risk pooling


def pooling_case():
    """Zones Z1 and Z2 (10,000 units each). W1 (fixed 1000) reaches Z1 only, W2 (1000) Z2 only,
    W3 (2000) both; every lane 0.5, every transfer from M 1.0. Fixed costs, transport, cycle
    stock and production are the same either way: only pooling tells one warehouse from two."""
    return stock_case(
        sites=[PLANT, warehouse("W1", 1000.0), warehouse("W2", 1000.0), warehouse("W3", 2000.0)],
        zones=[zone("Z1"), zone("Z2")],
        demand=[dict(zone="Z1", product="P", quantity=10_000.0), dict(zone="Z2", product="P", quantity=10_000.0)],
        lanes=[lane("W1", "Z1", 0.5), lane("W2", "Z2", 0.5), lane("W3", "Z1", 0.5), lane("W3", "Z2", 0.5)],
        transfers=[transfer("M", w, 1.0) for w in ("W1", "W2", "W3")])


def test_one_warehouse_pools_the_risk_of_two():
    result = solve_case(pooling_case(), settings={"mip_gap": 0})
    assert result.status == "optimal"
    opened = result.tables["sites"].set_index("site")["open"]
    assert opened.to_dict() == {"M": True, "W1": False, "W2": False, "W3": True}
    # W3 ships its whole reach (20,000), a tangent point: the piecewise cost is exactly the law.
    pooled = K * math.sqrt(20_000)
    assert result.costs["inventory"] == pytest.approx(20_000 * LINEAR + pooled, rel=1e-9)
    expected = 2000 + 1000 + 20_000 * 2 + 20_000 * 1.0 + 20_000 * 0.5 + 20_000 * LINEAR + pooled
    assert result.objective == pytest.approx(expected, rel=1e-9)
    # Two warehouses would hold 2·K·√10,000 of safety stock: 767 a year more.
    assert 2 * K * 100 - pooled == pytest.approx(767.0, abs=1.0)
    stock = result.tables["stock"].set_index(["site", "product"])
    row = stock.loc[("W3", "P")]
    assert row["units_from_stock"] == pytest.approx(20_000)
    assert row["cycle_stock"] == pytest.approx(20_000 * 7 / 730)
    z = NormalDist().inv_cdf(0.95)
    assert row["safety_stock"] == pytest.approx(z * math.sqrt(20_000 * 37 / 365), rel=1e-9)
    assert row["holding_cost"] == pytest.approx(0.25 * VALUE * row["average_stock"], rel=1e-9)
    moved = result.tables["transfers"]
    assert moved[["from_site", "to_site", "units"]].values.tolist() == [["M", "W3", 20_000.0]]
    flows = result.tables["flows"]
    assert set(flows["source"]) == {"stock"} and set(flows["origin"]) == {"CN"}


def test_both_back_ends_agree_on_stock():
    case = pooling_case()
    arrays = solve_case(case, settings={"mip_gap": 0})
    pyomo = solve_case(case, settings={"mip_gap": 0}, backend="pyomo")
    assert pyomo.objective == pytest.approx(arrays.objective, rel=1e-9)
    assert pyomo.costs == pytest.approx(arrays.costs, rel=1e-9, abs=1e-6)


def test_cost_terms_and_site_rows_sum_to_the_objective_with_stock():
    result = solve_case(pooling_case(), settings={"mip_gap": 0})
    assert sum(result.costs.values()) == pytest.approx(result.objective, rel=1e-12)
    sites = result.tables["sites"]
    assert sites["total"].sum() == pytest.approx(result.objective, rel=1e-12)
    assert sites.set_index("site").loc["W3", "inventory"] == pytest.approx(result.costs["inventory"])


# ------------------------------------------------------------------ stock or print, by promise


def promise_case(target: float):
    """Zone Z (1,000 units, target ``target`` days). Print at L (fixed 1000; F: printer 500 for
    1,000 hours, 1 h a unit, variable 5, dispatch 1 day; lane 0.5 and 0.5 days, so 1.5 days in
    all): 1000 + 500 + 5000 + 500 = 7000. Or stock at W (fixed 1000) fed from M (one IM
    printer 1000, variable 2, transfer 1.0) by a lane of 0.5 and 3 days: 1000 + 1000 + 2000 +
    1000 + 500 + stock cost (1,000·0.2397 + K·√1000 = 653.7) = 6153.7. Stock wins where it is on
    time (a target of 3 days or more); at a 2-day promise only printing is."""
    return stock_case(
        sites=[PLANT, warehouse("W", 1000.0), dict(site="L", country="DE", lat=50.0, lon=10.0, fixed_cost=1000.0)],
        technologies=[IM, PRINTER],
        processes=[dict(product="P", technology="IM", hours_per_unit=0.01, variable_cost=2.0),
                   dict(product="P", technology="F", hours_per_unit=1.0, variable_cost=5.0)],
        site_technologies=[dict(site="M", technology="IM"), dict(site="L", technology="F")],
        zones=[zone("Z")], demand=[dict(zone="Z", product="P", quantity=1000.0, lead_time_target_days=target)],
        lanes=[lane("W", "Z", 0.5, transit=3.0), lane("L", "Z", 0.5, transit=0.5)],
        transfers=[transfer("M", "W", 1.0)])


STOCK_ROUTE = 1000 + 1000 + 2000 + 1000 + 500 + 1000 * LINEAR + K * math.sqrt(1000)
PRINT_ROUTE = 1000 + 500 + 5000 + 500


def test_a_warehouse_wins_when_the_promise_is_long():
    result = solve_case(promise_case(target=5.0), settings={"mip_gap": 0})
    assert result.objective == pytest.approx(STOCK_ROUTE, rel=1e-9)
    assert STOCK_ROUTE < PRINT_ROUTE
    flows = result.tables["flows"]
    assert flows[["site", "source", "units", "lead_time_days"]].values.tolist() == [["W", "stock", 1000.0, 3.0]]


def test_local_printing_wins_when_the_promise_is_short():
    result = solve_case(promise_case(target=2.0), settings={"mip_gap": 0})
    assert result.objective == pytest.approx(PRINT_ROUTE, rel=1e-9)
    flows = result.tables["flows"]
    # Printed to order: site lead 0 + dispatch 1 + transit 0.5 days.
    assert flows[["site", "source", "units", "lead_time_days"]].values.tolist() == [["L", "F", 1000.0, 1.5]]


def test_dispatch_days_make_a_printed_lane_late():
    # 1 day of dispatch + 0.5 in transit misses a 1.4-day promise: nothing is on time, so under
    # the hard policy the demand is left unmet (penalty 100 a unit).
    late = dict(settings={"mip_gap": 0, "unmet_penalty": 100.0})
    result = solve_case(promise_case(target=1.4), **late)
    assert result.tables["flows"].empty
    assert result.objective == pytest.approx(1000 * 100.0)
    # Without the dispatch days the same lane is on time (0.5 days) and printing serves it.
    case = promise_case(target=1.4)
    case["technologies"].loc[case["technologies"]["technology"] == "F", "dispatch_days"] = 0.0
    served = solve_case(case, **late)
    assert served.objective == pytest.approx(PRINT_ROUTE, rel=1e-9)
    assert served.tables["flows"]["lead_time_days"].tolist() == [0.5]


# ------------------------------------------------------------------ duty by origin and territory


def duty_case():
    """M (CN) → warehouse W (DE) → zones ZF (FR, in the EU customs union with DE) and ZG (GB):
    1,000 units each. Duties: 10 % into the EU, 0 inside it, 5 % into GB. Lanes 0.5,
    transfer 1.0. W is the only way to either zone."""
    return stock_case(
        sites=[PLANT, warehouse("W", 1000.0)],
        zones=[zone("ZF", "FR"), zone("ZG", "GB")],
        demand=[dict(zone="ZF", product="P", quantity=1000.0), dict(zone="ZG", product="P", quantity=1000.0)],
        lanes=[lane("W", "ZF", 0.5), lane("W", "ZG", 0.5)], transfers=[transfer("M", "W", 1.0)],
        country_groups=[dict(group="EU", country="DE", customs_union=True),
                        dict(group="EU", country="FR", customs_union=True)],
        duties=[dict(origin="*", destination="EU", rate=0.10), dict(origin="EU", destination="EU", rate=0.0),
                dict(origin="*", destination="GB", rate=0.05)])


def test_duty_on_entry_into_a_customs_union_and_again_only_outside_it():
    result = solve_case(duty_case(), settings={"mip_gap": 0})
    moved = result.tables["transfers"]
    # Both zones' units enter the EU at W: 10 % of 100 on 2,000 units.
    assert moved["duty"].sum() == pytest.approx(2000 * 10.0)
    duty = result.tables["flows"].set_index("zone")["duty_cost"]
    assert duty["ZF"] == 0.0                            # inside the union: paid on entry
    assert duty["ZG"] == pytest.approx(1000 * 5.0)      # out of it: CN → GB, the goods' origin
    assert result.costs["duties"] == pytest.approx(20_000 + 5_000)


def test_without_a_customs_union_each_country_is_its_own_territory():
    case = duty_case()
    case["country_groups"]["customs_union"] = False
    result = solve_case(case, settings={"mip_gap": 0})
    duty = result.tables["flows"].set_index("zone")["duty_cost"]
    # The EU group is a region only: W's goods pay again into FR as CN goods (10 %).
    assert duty["ZF"] == pytest.approx(1000 * 10.0)
    assert result.costs["duties"] == pytest.approx(20_000 + 10_000 + 5_000)


# ------------------------------------------------------------------ the square root, piecewise


def test_piecewise_stock_cost_is_never_below_the_law_and_within_one_percent():
    data = derive(load_case(pooling_case()))
    tangents, stock = data.tangents, data.stock
    assert len(stock) == 3 and len(tangents) == 3 * len(sqrt_tangents())
    for row, (reach, factor) in enumerate(zip(stock["reach"], stock["factor"])):
        assert factor == pytest.approx(K, rel=1e-12)
        mine = tangents[tangents["stock"] == row]
        throughput = np.r_[np.geomspace(1e-6, 1.0, 2000), np.linspace(0.01, 1.0, 2000)] * reach
        piecewise = (mine["intercept"].to_numpy()[None, :]
                     + mine["slope"].to_numpy()[None, :] * throughput[:, None]).min(axis=1)
        law = factor * np.sqrt(throughput)
        assert np.all(piecewise >= law * (1 - 1e-12))
        upper = throughput >= 0.01 * reach
        assert np.max(piecewise[upper] / law[upper]) <= 1.01 + 1e-12
        assert np.max(piecewise[upper] / law[upper]) > 1.009   # and no tighter than it needs to be
    assert len(sqrt_tangents()) == 9


def test_stock_cost_below_reach_is_the_cheapest_tangent():
    # Z2's demand also reachable from the plant's own stock? No: make Z1 alone use W3 by giving Z2
    # a far cheaper warehouse; W3's reach is then 20,000 but it ships 10,000.
    case = pooling_case()
    case["lanes"].loc[(case["lanes"]["site"] == "W2"), "cost_per_unit"] = 0.0
    case["sites"].loc[case["sites"]["site"] == "W2", "fixed_cost"] = 0.0
    case["sites"].loc[case["sites"]["site"] == "W1", "fixed_cost"] = 5000.0
    result = solve_case(case, settings={"mip_gap": 0})
    stock = result.tables["stock"].set_index("site")
    assert stock.loc["W3", "units_from_stock"] == pytest.approx(10_000)
    t = sqrt_tangents() * 20_000
    cheapest = np.min(K * np.sqrt(t) / 2 + K / (2 * np.sqrt(t)) * 10_000)
    assert stock.loc["W3", "holding_cost"] == pytest.approx(10_000 * LINEAR + cheapest, rel=1e-9)
    assert K * 100 <= cheapest <= 1.01 * K * 100


# ------------------------------------------------------------------ cases without stock


def test_a_case_without_section_8_writes_no_stock_tables():
    result = solve_case(tiny_case())
    assert "stock" not in result.tables and "transfers" not in result.tables
    assert result.costs["inventory"] == 0.0
    assert result.tables["flows"]["source"].tolist() == ["T"]


# ------------------------------------------------------------------ input checks


def problems_of(case) -> str:
    with pytest.raises(InputError) as err:
        load_case(case)
    return str(err.value)


def test_transfers_must_go_from_a_stock_maker_to_a_warehouse():
    case = pooling_case()
    case["transfers"] = pd.DataFrame([transfer("W1", "M", 1.0)])
    text = problems_of(case)
    assert "transfers row 2, column to_site: site M is not a warehouse" in text
    assert "transfers row 2, column from_site: site W1 hosts no make_to_stock technology" in text


def test_a_warehouse_that_can_never_be_supplied_is_named():
    case = pooling_case()
    case["technologies"]["make_to_stock"] = False
    text = problems_of(case)
    assert "sites row 3, column warehouse: warehouse W1 can never be supplied" in text
    case = pooling_case()
    case["transfers"] = case["transfers"][case["transfers"]["to_site"] != "W2"]
    assert "warehouse W2 can never be supplied: no transfers row reaches it" in problems_of(case)


def test_customs_unions_are_marked_alike_and_do_not_overlap():
    case = duty_case()
    case["country_groups"] = pd.DataFrame([dict(group="EU", country="DE", customs_union=True),
                                           dict(group="EU", country="FR", customs_union=False),
                                           dict(group="EEA", country="DE", customs_union=True)])
    text = problems_of(case)
    assert "column customs_union: group EU is marked customs_union true on some rows and false" in text
    assert "column country: country DE is in two customs unions (EU and EEA)" in text


def test_new_columns_are_checked_like_every_other():
    case = promise_case(target=2.0)
    case["technologies"].loc[1, "dispatch_days"] = -1.0
    case["sites"].loc[1, "warehouse"] = "maybe"
    text = problems_of(case)
    assert "technologies row 3, column dispatch_days: -1 is out of range: must be ≥ 0" in text
    assert "sites row 3, column warehouse: 'maybe' is not true or false" in text


def test_the_summary_splits_each_product_into_printed_and_stocked(tmp_path, capsys):
    from footprint.cli import print_summary

    result = solve_case(promise_case(target=5.0), settings={"mip_gap": 0})
    print_summary(result)
    text = capsys.readouterr().out
    assert "Stock or print (units/yr)" in text
    after = text[text.index("Stock or print"):].splitlines()
    line = next(row for row in after if row.strip("│ ").startswith("P "))
    assert [cell.strip() for cell in line.strip("│").split("│")] == ["P", "0", "1,000", "0"]


# ------------------------------------------------------------------ the Lagrangian stage with stock


@pytest.mark.parametrize("make", [pooling_case, lambda: promise_case(5.0), lambda: promise_case(2.0), duty_case])
def test_the_relaxation_with_warehouses_never_bounds_above_the_optimum(make):
    from footprint.lagrange_general import GeneralRelaxation, relaxation_for

    case = make()
    optimum = solve_case(case, settings={"mip_gap": 0}).objective
    data = derive(load_case(case))
    relax = relaxation_for(data)
    # With transfers the general relaxation (a warehouse buys its stock); at a 2-day promise no
    # stock lane is on time, so no transfer is left and each site hosts one technology.
    assert isinstance(relax, GeneralRelaxation) == (len(data.transfers) > 0)
    rng = np.random.default_rng(7)
    bounds = [relax.evaluate(lam).bound for lam in rng.uniform(0, 30, size=(300, len(relax.quantity)))]
    assert max(bounds) <= optimum * (1 + 1e-9)
    assert max(bounds) >= 0.5 * optimum   # and it says something
    if isinstance(relax, GeneralRelaxation):
        # Any price of the stock balance rows gives a bound too (a warehouse buys at π, its sender sells).
        n = len(relax.start_multipliers())
        prices = rng.uniform(0, 30, size=(300, n))
        prices[:, len(relax.quantity):] /= relax.pi_scale
        assert max(relax.evaluate(lam).bound for lam in prices) <= optimum * (1 + 1e-9)


def test_a_warehouse_leaves_the_slot_price_of_a_print_site_exact():
    """L (one printer slot) next to warehouse W, at λ = 20 a unit for Z's 1,500 units: L's items
    are worth 20 − 0.5 = 19.5, its option costs 5 + 500/1,000 = 5.5 a unit at 1/1,000 printer a
    unit, so one printer earns 1,000·14 = 14,000 and L is worth 1,000 − 14,000 = −13,000. The
    warehouse's option uses no printer; it once set the slot price's search range to 1e13 and
    left L's value off by about a million."""
    from footprint.lagrange_general import GeneralRelaxation

    case = promise_case(target=5.0)
    case["sites"].loc[case["sites"]["site"] == "L", "max_printers"] = 1
    case["demand"]["quantity"] = 1500.0
    data = derive(load_case(case))
    relax = GeneralRelaxation(data)
    ev = relax.evaluate(np.full(len(relax.quantity), 20.0))
    at = list(data.sites["site"]).index("L")
    assert ev.value[at] == pytest.approx(-13_000.0, abs=0.05)


def test_the_stage_solves_a_network_with_warehouses():
    """40 candidate print sites and three warehouses fed from the plant (the stage's own path)."""
    from footprint.derive import derive as derive_data
    from footprint.model import build_blocks
    from footprint.bounding import solve_staged
    from footprint.solve import highs_options

    prints = [dict(site=f"L{i:02d}", country="DE", lat=50.0, lon=10.0, fixed_cost=900.0 + 37.0 * i)
              for i in range(40)]
    zones = [zone(f"Z{i}") for i in range(6)]
    lanes = ([lane(f"L{i:02d}", f"Z{k}", 0.2 + 0.05 * ((i + k) % 7), transit=0.5) for i in range(40) for k in range(6)]
             + [lane(w, f"Z{k}", 0.5 + 0.1 * ((k + j) % 3), transit=3.0)
                for j, w in enumerate(("W1", "W2", "W3")) for k in range(6)])
    case = stock_case(
        sites=[PLANT, warehouse("W1", 1500.0), warehouse("W2", 1200.0), warehouse("W3", 1800.0), *prints],
        technologies=[IM, PRINTER],
        processes=[dict(product="P", technology="IM", hours_per_unit=0.01, variable_cost=2.0),
                   dict(product="P", technology="F", hours_per_unit=1.0, variable_cost=5.0)],
        site_technologies=[dict(site="M", technology="IM")] + [dict(site=p["site"], technology="F") for p in prints],
        zones=zones, lanes=lanes, transfers=[transfer("M", w, 1.0) for w in ("W1", "W2", "W3")],
        demand=[dict(zone=f"Z{k}", product="P", quantity=400.0 + 100 * k,
                     lead_time_target_days=2.0 if k % 2 else 5.0) for k in range(6)])
    exact = solve_case(case, settings={"mip_gap": 0, "lagrangian_stage": False, "start_heuristic": False})
    data = derive_data(load_case(case))
    blocks = build_blocks(data)
    options = highs_options({**load_case(case).settings, "mip_gap": 0, "time_limit_s": 60})
    outcome = solve_staged(blocks, data, options, 0.0)
    assert outcome.objective == pytest.approx(exact.objective, rel=1e-6)
    assert outcome.best_bound <= exact.objective * (1 + 1e-9)


def test_a_site_opened_for_nothing_is_shut_in_a_candidate_plan():
    """Candidate site sets are solved with their sites forced open; a site left with nothing to
    do is shut afterwards (its fixed cost saved), unless a row needs it open."""
    from footprint.bounding import _plan, _without_idle_sites
    from footprint.model import build_blocks
    from tinycase import site

    case = tiny_case(sites=[site("A", 1000.0), dict(site="B", country="X", lat=10.0, lon=0.0, fixed_cost=300.0)])
    data = derive(load_case(case))
    blocks = build_blocks(data)
    best = solve_case(case, settings={"mip_gap": 0})
    assert best.kpis["open_site_ids"] == ["A"]
    values = {k: v.copy() for k, v in best.values.items()}
    values["Open"][data.open_index["site"].to_numpy() == "B"] = 1.0
    padded = _plan(best.objective + 300.0, values, data)
    trimmed = _without_idle_sites(blocks, data, padded)
    assert trimmed.objective == pytest.approx(best.objective)
    assert trimmed.mask.tolist() == [True, False]
    # With at least two sites open by the settings, B stays.
    data2 = derive(load_case(case, settings={"min_open_sites": 2}))
    kept = _without_idle_sites(build_blocks(data2), data2, _plan(best.objective + 300.0, values, data2))
    assert kept.mask.tolist() == [True, True]
