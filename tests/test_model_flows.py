"""Lanes and modes: lane overrides (distance, cost, transit days, allowed), mode circuity
and max_distance_km, computed great-circle distances, on tiny cases solved by hand.

Base case (tests/tinycase.py): site A (fixed 1000), 1 printer at 100, product P (2 kg,
variable cost 3), zone Z demand 100, road 0.5 per unit + 0.01 per kg km at 500 km/day.
Base optimum 1000 + 100 + 300 + 100*0.5 = 1450.
"""

import pytest

from tinycase import (
    KM_PER_DEGREE,
    assert_optimum,
    cost,
    demand,
    lane,
    open_sites,
    shipped,
    site,
    solve,
    tiny_case,
    zone,
)


def _flow_row(result, **where):
    df = result.tables["flows"]
    for key, value in where.items():
        df = df[df[key] == value]
    df = df[df["units"] > 1e-9]
    assert len(df) == 1, df
    return df.iloc[0]


def test_lane_distance_override_drives_transport_cost():
    # site and zone share coordinates (computed distance 0) but the lane says 500 km:
    # 0.5 + 0.01 * 2 kg * 500 km = 10.5 per unit. Without the override: 1450.
    result = solve(tiny_case(lanes=[lane("A", "Z", distance_km=500.0)]))
    expected = 1000 + 100 + 100 * 3 + 100 * (0.5 + 0.01 * 2 * 500)  # = 2450
    assert_optimum(result, expected)
    assert cost(result, "transport") == pytest.approx(1050)
    assert _flow_row(result, site="A")["distance_km"] == pytest.approx(500)


def test_lane_cost_per_unit_and_per_kg_replace_mode_formula():
    # listed cost: 4 per unit + 1.5 per kg * 2 kg = 7 per unit; the mode formula on the
    # listed 500 km would give 10.5 (2450), and ignoring cost_per_kg 4 (1800).
    result = solve(tiny_case(lanes=[lane("A", "Z", 4.0, cost_per_kg=1.5, distance_km=500.0)]))
    expected = 1000 + 100 + 100 * 3 + 100 * (4.0 + 1.5 * 2)  # = 2100
    assert_optimum(result, expected)
    assert cost(result, "transport") == pytest.approx(700)


def test_lane_allowed_false_removes_lane():
    # A's lane (1 per unit) is disallowed, so B (2 per unit) serves. With it: A alone 1400.
    case = tiny_case(
        sites=[site("A", 100), site("B", 100)],
        demand=[demand("Z", 300)],
        lanes=[lane("A", "Z", 1, allowed=False), lane("B", "Z", 2, allowed=True)],
    )
    result = solve(case)
    expected = 100 + 100 + 300 * 2 + 300 * 3  # = 1700
    assert_optimum(result, expected)
    assert open_sites(result) == {"B"}


def test_lane_transit_days_override_under_hard_lead_time():
    # target 2 days. A's lane (1 per unit) is listed with 3 transit days (computed: 0 days) and
    # is late, so under the default hard policy B (2 per unit, 0 days) serves.
    # Without the override A serves: 1400.
    case = tiny_case(
        sites=[site("A", 100), site("B", 100)],
        demand=[demand("Z", 300, lead_time_target_days=2.0)],
        lanes=[lane("A", "Z", 1, transit_days=3.0), lane("B", "Z", 2)],
    )
    result = solve(case)
    expected = 100 + 100 + 300 * 2 + 300 * 3  # = 1700
    assert_optimum(result, expected)
    assert open_sites(result) == {"B"}


def test_only_listed_mode_lane_is_overridden():
    # Two modes; the override makes road expensive (listed 20 per unit), air costs 8.
    # Air's lane is computed: 8 + 0 * ... = 8 per unit at distance 0.
    case = tiny_case(
        modes=[
            dict(mode="road", cost_per_unit=0.5, cost_per_kg_km=0.01, speed_km_per_day=500.0),
            dict(mode="air", cost_per_unit=8.0, speed_km_per_day=5000.0),
        ],
        lanes=[lane("A", "Z", 20.0, mode="road")],
    )
    result = solve(case)
    expected = 1000 + 100 + 100 * 3 + 100 * 8.0  # = 2200 (road at 0.5 without the override: 1450)
    assert_optimum(result, expected)
    assert shipped(result, mode="air") == pytest.approx(100)


def _one_degree_case(**road):
    # zone Z one degree of longitude east of A on the equator: great circle = R * pi/180 km
    road_mode = dict(mode="road", cost_per_unit=0.5, cost_per_kg_km=0.01, speed_km_per_day=500.0, **road)
    return tiny_case(
        zones=[zone("Z", lat=0.0, lon=1.0)],
        modes=[road_mode, dict(mode="air", cost_per_unit=8.0, speed_km_per_day=5000.0)],
    )


def test_computed_great_circle_distance():
    # d = 6371.0088 * pi / 180 = 111.195 km; road 0.5 + 0.01 * 2 * d = 2.724 per unit (< air 8)
    d = KM_PER_DEGREE
    result = solve(_one_degree_case())
    expected = 1000 + 100 + 100 * 3 + 100 * (0.5 + 0.01 * 2 * d)  # = 1672.39...
    assert_optimum(result, expected)
    assert _flow_row(result, site="A")["distance_km"] == pytest.approx(d)


def test_circuity_scales_travelled_distance():
    # road circuity 1.3: travelled 1.3 * 111.195 km; without circuity 1672.39 (previous test)
    d = 1.3 * KM_PER_DEGREE
    result = solve(_one_degree_case(circuity=1.3))
    expected = 1000 + 100 + 100 * 3 + 100 * (0.5 + 0.01 * 2 * d)  # = 1739.11...
    assert_optimum(result, expected)
    assert _flow_row(result, site="A", mode="road")["distance_km"] == pytest.approx(d)


def test_max_distance_km_removes_long_lanes():
    # road may travel at most 100 km; the zone is 111.2 km away, so air (8 per unit) serves.
    # Without the limit road serves at 1672.39.
    result = solve(_one_degree_case(max_distance_km=100.0))
    expected = 1000 + 100 + 100 * 3 + 100 * 8.0  # = 2200
    assert_optimum(result, expected)
    assert shipped(result, mode="air") == pytest.approx(100)
    assert shipped(result, mode="road") == pytest.approx(0)


@pytest.mark.parametrize(
    "max_distance_km, expected",
    [
        # travelled 1.2 * 111.195 = 133.4 km > 120: road removed (great circle 111.2 would pass)
        (120.0, 1000 + 100 + 100 * 3 + 100 * 8.0),
        # 133.4 km <= 140: road stays
        (140.0, 1000 + 100 + 100 * 3 + 100 * (0.5 + 0.01 * 2 * 1.2 * KM_PER_DEGREE)),
    ],
)
def test_max_distance_km_applies_to_travelled_distance(max_distance_km, expected):
    result = solve(_one_degree_case(circuity=1.2, max_distance_km=max_distance_km))
    assert_optimum(result, expected)


def test_lane_dearer_than_unmet_demand_is_not_created():
    """Base case with an unmet penalty of 3: shipping and making a unit costs 0.5 + 3 = 3.5, so the
    lane is dropped and the optimum leaves the 100 units unmet (300). It stays where it could be
    needed: a minimum utilisation on T, or a service level."""
    import pandas as pd

    from footprint import solve_case
    from footprint.case import load_case
    from footprint.derive import derive

    dear = tiny_case(demand=[dict(zone="Z", product="P", quantity=100.0, unmet_penalty=3.0)])
    assert len(derive(load_case(dear)).ship) == 0
    assert solve_case(dear).objective == pytest.approx(300.0)
    busy = dict(dear, technologies=pd.DataFrame([dict(technology="T", printer_cost=100.0, hours_per_year=1000.0,
                                                      max_utilisation=1.0, min_utilisation=0.05)]))
    assert len(derive(load_case(busy)).ship) == 1
    served = tiny_case(demand=[dict(zone="Z", product="P", quantity=100.0, unmet_penalty=3.0)],
                       settings={"min_service_level": 0.5})
    assert len(derive(load_case(served)).ship) == 1
    assert solve_case(served).objective == pytest.approx(1000 + 100 + 50 * 3.5 + 50 * 3.0)
