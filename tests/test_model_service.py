"""Lead times (hard and soft), the service level and unmet demand, on tiny cases solved by hand.

Technology T (printer 100 per year, 1000 h), product P (1 h per unit, variable cost 3),
sites and zones at the same point; lane costs and transit days given in `lanes`.
"""

import pytest

from tinycase import (
    assert_optimum,
    cost,
    demand,
    is_open,
    lane,
    open_sites,
    shipped,
    site,
    solve,
    tiny_case,
    unmet,
    zone,
)


def _fast_slow_case(target=2.0, settings=None, quantity=1000):
    """A: lane 5 per unit, 1 transit day (on time for a 2-day target);
    B: lane 1 per unit, 5 transit days (3 days late). Fixed 100 each, demand 1000.

    Without a target B alone wins: 100 + 100 + 1000*1 + 1000*3 = 4200;
    A alone costs 100 + 100 + 1000*5 + 3000 = 8200.
    """
    row = demand("Z", quantity)
    if target is not None:
        row["lead_time_target_days"] = target
    return tiny_case(
        sites=[site("A", 100), site("B", 100)],
        demand=[row],
        lanes=[lane("A", "Z", 5, transit_days=1.0), lane("B", "Z", 1, transit_days=5.0)],
        settings=settings,
    )


def test_without_target_cheap_slow_site_serves():
    result = solve(_fast_slow_case(target=None))
    assert_optimum(result, 100 + 100 + 1000 * 1 + 1000 * 3)  # = 4200
    assert open_sites(result) == {"B"}


def test_hard_lead_time_removes_late_lanes():
    # default policy hard: B's lane is 3 days late and does not exist -> A (4200 without target)
    result = solve(_fast_slow_case())
    expected = 100 + 100 + 1000 * 5 + 1000 * 3  # = 8200
    assert_optimum(result, expected)
    assert open_sites(result) == {"A"}
    flow = result.tables["flows"]
    flow = flow[flow["units"] > 0].iloc[0]
    assert flow["lead_time_days"] == pytest.approx(1.0)
    assert flow["target_days"] == pytest.approx(2.0)
    assert bool(flow["on_time"])


def test_site_lead_time_days_adds_to_transit():
    # target 2. A: lane 1, 1 transit day but 1.5 days at the site -> 2.5 days, late;
    # B: lane 2, 1 transit day, no site time -> on time. Demand 300.
    # Ignoring the site lead time A serves: 100 + 100 + 300*1 + 900 = 1400.
    case = tiny_case(
        sites=[site("A", 100, lead_time_days=1.5), site("B", 100)],
        demand=[demand("Z", 300, lead_time_target_days=2.0)],
        lanes=[lane("A", "Z", 1, transit_days=1.0), lane("B", "Z", 2, transit_days=1.0)],
    )
    result = solve(case)
    expected = 100 + 100 + 300 * 2 + 300 * 3  # = 1700
    assert_optimum(result, expected)
    assert open_sites(result) == {"B"}


@pytest.mark.parametrize(
    "handling_days, expected, winner",
    [
        # A's lane: 1000 km / 500 km per day = 2.0 days = target 2 -> on time (boundary included)
        (0.0, 100 + 100 + 300 * 1 + 300 * 3, "A"),   # = 1400
        # with 0.5 handling days: 2.5 days > 2 -> late; B's lane (0 km, 0.5 days) serves
        (0.5, 100 + 100 + 300 * 2 + 300 * 3, "B"),   # = 1700
    ],
)
def test_computed_transit_days_and_target_boundary(handling_days, expected, winner):
    case = tiny_case(
        sites=[site("A", 100), site("B", 100)],
        demand=[demand("Z", 300, lead_time_target_days=2.0)],
        modes=[dict(mode="road", cost_per_unit=0.5, cost_per_kg_km=0.01, speed_km_per_day=500.0,
                    handling_days=handling_days)],
        lanes=[lane("A", "Z", 1, distance_km=1000.0), lane("B", "Z", 2, distance_km=0.0)],
    )
    result = solve(case)
    assert_optimum(result, expected)
    assert open_sites(result) == {winner}


@pytest.mark.parametrize(
    "penalty, expected, winner",
    [
        # 1 per unit per day late: B costs 1 + 3*1 = 4 per unit < 5 at A
        (1.0, 100 + 100 + 1000 * 1 + 1000 * 3 * 1.0 + 1000 * 3, "B"),  # = 7200
        # 2 per day: B costs 1 + 3*2 = 7 > 5 -> A
        (2.0, 100 + 100 + 1000 * 5 + 1000 * 3, "A"),  # = 8200
        # 0: lateness is free, B as without target
        (0.0, 100 + 100 + 1000 * 1 + 1000 * 3, "B"),  # = 4200
    ],
)
def test_soft_lead_time_lateness_penalty(penalty, expected, winner):
    # soft policy keeps B's late lane at lateness_penalty * 3 days per unit
    result = solve(_fast_slow_case(), lead_time_policy="soft", lateness_penalty=penalty)
    assert_optimum(result, expected)
    assert open_sites(result) == {winner}
    late_units = 1000 if winner == "B" else 0
    assert cost(result, "lateness") == pytest.approx(late_units * 3 * penalty)


def test_soft_lateness_counts_site_lead_time():
    # single site A with 1 day at the site + 2 transit days = 3 days vs target 2: 1 day late
    # at 4 per day: 100 units * 4 = 400. (Ignoring the site time there is no lateness: 1450;
    # under the hard policy the case would be infeasible.)
    case = tiny_case(
        sites=[dict(site="A", country="X", lat=0.0, lon=0.0, fixed_cost=1000.0, lead_time_days=1.0)],
        demand=[demand("Z", 100, lead_time_target_days=2.0)],
        lanes=[lane("A", "Z", transit_days=2.0)],
    )
    result = solve(case, lead_time_policy="soft", lateness_penalty=4.0)
    expected = 1000 + 100 + 100 * 3 + 100 * 0.5 + 100 * (3.0 - 2.0) * 4.0  # = 1850
    assert_optimum(result, expected)


def test_min_service_level_under_soft_policy():
    # soft, lateness free, at least 60 % of 1000 units on time: A ships 600, B ships 400.
    #   A alone: 8200;  split: 200 + 2*100 + (600*5 + 400*1) + 3000 = 6800
    # Without the service level B alone: 4200.
    case = _fast_slow_case(settings={"lead_time_policy": "soft", "min_service_level": 0.6})
    result = solve(case)
    expected = (100 + 100) + 2 * 100 + (600 * 5 + 400 * 1) + 1000 * 3  # = 6800
    assert_optimum(result, expected)
    assert shipped(result, site="A") == pytest.approx(600)
    assert shipped(result, site="B") == pytest.approx(400)


def test_min_service_level_counts_demand_without_target_and_limits_unmet():
    # One site A (fixed 100, lane 20), demand 1000 without target, unmet_penalty 10.
    # Serving costs 20 + 3 per unit > 10, so without a service level nothing is served: 10000.
    # With min_service_level 0.5 at least 500 units must ship (no target -> always on time):
    case = tiny_case(
        sites=[site("A", 100)],
        demand=[demand("Z", 1000, unmet_penalty=10.0)],
        lanes=[lane("A", "Z", 20)],
    )
    assert_optimum(solve(case), 1000 * 10)
    result = solve(case, min_service_level=0.5)
    expected = 100 + 1 * 100 + 500 * (20 + 3) + 500 * 10  # = 16700
    assert_optimum(result, expected)
    assert shipped(result, site="A") == pytest.approx(500)
    assert unmet(result, zone="Z") == pytest.approx(500)


# ---------------------------------------------------------------- unmet demand


def test_unmet_penalty_per_demand_row():
    # serving the base case costs 1450 > 100 units * 5: all unmet, site closed
    result = solve(tiny_case(demand=[demand("Z", 100, unmet_penalty=5.0)]))
    expected = 100 * 5  # = 500 (without a penalty demand must be met: 1450)
    assert_optimum(result, expected)
    assert unmet(result, zone="Z", product="P") == pytest.approx(100)
    assert not is_open(result, "A")
    assert cost(result, "unmet") == pytest.approx(500)


def test_unmet_penalty_from_settings():
    result = solve(tiny_case(settings={"unmet_penalty": 5.0}))
    assert_optimum(result, 100 * 5)  # = 500 (1450 if the setting were ignored)
    assert unmet(result, zone="Z") == pytest.approx(100)


def test_unmet_penalty_row_overrides_settings():
    # Z1 has a row penalty 30, Z2 takes the settings default 2; 100 units each, site A fixed 1000.
    #   serve both: 1000 + 100 + 200*(3 + 0.5)          = 1800
    #   serve Z1:   1000 + 100 + 100*(3 + 0.5) + 100*2  = 1650
    #   serve none: 100*30 + 100*2                      = 3200
    # Row penalty ignored (2 for both): 400; settings ignored (Z2 must be served): 1800.
    case = tiny_case(
        zones=[zone("Z1"), zone("Z2")],
        demand=[demand("Z1", 100, unmet_penalty=30.0), demand("Z2", 100)],
        settings={"unmet_penalty": 2.0},
    )
    result = solve(case)
    expected = 1000 + 100 + 100 * (3 + 0.5) + 100 * 2  # = 1650
    assert_optimum(result, expected)
    assert shipped(result, zone="Z1") == pytest.approx(100)
    assert unmet(result, zone="Z2") == pytest.approx(100)
