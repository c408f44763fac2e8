"""Freight as carriers price it and demand rows solved as one (docs/SPEC.md clarification 22).

The case: site A in country X at lon 0 (fixed 1,000; printer 100 a year for 1,000 hours, P takes
1 hour and costs 3 to make). Zones on the equator: Z1 at lon 1 (111.2 km), Z2 at lon 2
(222.4 km), both in X; Z3 at lon 1 in country Y. Road: 4.50 a parcel plus 0.40 a kg (P weighs
2 kg) whatever the distance, 5.00 more and one more day across a border, 500 km a day, whole
days. So Z1 and Z2 cost 5.30 a unit and arrive next day: no plan can tell them apart, and they
are solved as one row; Z3 costs 10.30 and takes two days.
"""

from __future__ import annotations

import pytest

from footprint import solve_case
from footprint.case import load_case
from footprint.derive import derive
from tinycase import KM_PER_DEGREE, tiny_case

ROAD = dict(mode="road", cost_per_unit=4.5, cost_per_kg=0.4, cross_border_cost=5.0, cross_border_days=1.0,
            speed_km_per_day=500.0, whole_days=True)
ZONES = [dict(zone="Z1", country="X", lat=0.0, lon=1.0), dict(zone="Z2", country="X", lat=0.0, lon=2.0),
         dict(zone="Z3", country="Y", lat=0.0, lon=1.0)]
DEMAND = [dict(zone="Z1", product="P", quantity=100.0), dict(zone="Z2", product="P", quantity=300.0),
          dict(zone="Z3", product="P", quantity=50.0)]


def freight_case(**kw):
    return tiny_case(modes=[kw.pop("road", ROAD)], zones=ZONES, demand=kw.pop("demand", DEMAND), **kw)


def test_parcel_tariffs_by_weight_with_a_border_premium_and_whole_days():
    lanes = derive(load_case(freight_case())).lanes.set_index("zone")
    assert lanes.loc["Z1", "cost_fixed"] == 4.5 and lanes.loc["Z3", "cost_fixed"] == 9.5
    assert (lanes["cost_per_kg"] == 0.4).all()
    assert lanes.loc["Z1", "transit_days"] == 1.0      # 111.2 km / 500 = 0.22 → day 1
    assert lanes.loc["Z2", "transit_days"] == 1.0
    assert lanes.loc["Z3", "transit_days"] == 2.0      # + a day across the border
    assert lanes.loc["Z2", "distance_km"] == pytest.approx(2 * KM_PER_DEGREE)


def test_a_mode_serves_no_lane_shorter_than_its_minimum():
    air = dict(mode="air", cost_per_unit=1.0, speed_km_per_day=8000.0, min_distance_km=150.0)
    lanes = derive(load_case(tiny_case(modes=[ROAD, air], zones=ZONES, demand=DEMAND))).lanes
    assert set(lanes.loc[lanes["mode"] == "air", "zone"]) == {"Z2"}


def test_zones_no_plan_can_tell_apart_are_solved_as_one_row_and_shared_back():
    """Z1 and Z2 become one row of 400 units on Z2 (the larger); the plan: 1,000 + 1 printer (450
    hours) 100 + 450 · 3 + 400 · 5.30 + 50 · 10.30 = 5,085, flows shared back 100 / 300."""
    case = freight_case()
    data = derive(load_case(case))
    assert list(zip(data.demand["zone"], data.demand["quantity"])) == [("Z2", 400.0), ("Z3", 50.0)]
    assert sorted(zip(data.members["zone"], data.members["share"])) == [("Z1", 0.25), ("Z2", 0.75), ("Z3", 1.0)]
    result = solve_case(case)
    assert result.objective == pytest.approx(1000 + 100 + 450 * 3 + 400 * 5.3 + 50 * 10.3)
    flows = result.tables["flows"].set_index("zone")
    assert flows["units"].to_dict() == pytest.approx({"Z1": 100.0, "Z2": 300.0, "Z3": 50.0})
    assert flows.loc["Z1", "distance_km"] == pytest.approx(KM_PER_DEGREE)        # each zone its own lane
    assert flows.loc["Z1", "transport_cost"] == pytest.approx(530.0)
    assert sum(result.costs.values()) == pytest.approx(result.objective)
    zones = result.geo["zones"].set_index("zone")
    assert zones.loc["Z1", "demand"] == 100.0 and zones.loc["Z2", "demand"] == 300.0


def test_merging_never_changes_the_optimum():
    """The same case with a planner's row (which turns merging off) solves to the same cost."""
    case = freight_case(demand=[*DEMAND, dict(zone="Z1", product="Q", quantity=40.0),
                                dict(zone="Z2", product="Q", quantity=10.0)],
                        products=[dict(product="P", weight_kg=2.0, value=50.0),
                                  dict(product="Q", weight_kg=1.0, value=20.0)],
                        processes=[dict(product="P", technology="T", hours_per_unit=1.0, variable_cost=3.0),
                                   dict(product="Q", technology="T", hours_per_unit=2.0, variable_cost=1.0)])
    merged = solve_case(case)
    whole = solve_case(case, extra_rows=lambda data, blocks: [])
    assert derive(load_case(case)).members is not None
    assert merged.objective == pytest.approx(whole.objective, rel=1e-9)
    pd_merged = merged.tables["flows"].groupby("zone")["units"].sum()
    pd_whole = whole.tables["flows"].groupby("zone")["units"].sum()
    assert pd_merged.to_dict() == pytest.approx(pd_whole.to_dict())


def test_rows_that_differ_in_cost_promise_or_setting_stay_apart():
    per_km = dict(ROAD, cost_per_kg_km=0.001)                 # the distance now costs
    assert derive(load_case(freight_case(road=per_km))).members is None
    late = [dict(d, lead_time_target_days=1.0) if d["zone"] == "Z1" else d for d in DEMAND]
    assert len(derive(load_case(freight_case(demand=late))).demand) == 3   # another promise
    single = freight_case(settings={"single_sourcing": True})
    assert derive(load_case(single)).members is None


def test_a_merged_zone_left_unserved_is_named_itself():
    """With the site too far for a 0.5-day promise, every zone is unmet at its own quantity."""
    demand = [dict(d, lead_time_target_days=0.5, unmet_penalty=50.0) for d in DEMAND]
    result = solve_case(freight_case(demand=demand))
    unmet = result.tables["unmet"].set_index("zone")["units"].to_dict()
    assert unmet == pytest.approx({"Z1": 100.0, "Z2": 300.0, "Z3": 50.0})
    assert any("zone Z1" in m for m in result.messages) and any("zone Z2" in m for m in result.messages)
