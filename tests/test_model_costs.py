"""Carbon price, transport cost formula and the cost breakdown, on tiny cases solved by hand.

Carbon cost = carbon_price / 1000 * kg CO2, where kg CO2 = production co2_kg_per_unit * units
+ co2_kg_per_tonne_km * weight_kg / 1000 * distance_km * units.
"""

import pytest

from tinycase import (
    assert_optimum,
    cost,
    demand,
    lane,
    open_sites,
    site,
    solve,
    tiny_case,
    zone,
)


def _carbon_case(settings=None):
    """A (fixed 1000) is 100 km from Z, B (fixed 500) 2000 km; transport itself is free.

    Emissions per unit: production 1 kg + 1 kg per t km * 2 kg / 1000 * distance:
      A: 1 + 0.002 * 100 = 1.2 kg;  B: 1 + 0.002 * 2000 = 5 kg.
    Without a carbon price B wins: 500 + 100 + 1000*3 = 3600 (A: 4100).
    """
    return tiny_case(
        sites=[site("A", 1000), site("B", 500)],
        demand=[demand("Z", 1000)],
        processes=[dict(product="P", technology="T", hours_per_unit=1.0, variable_cost=3.0,
                        co2_kg_per_unit=1.0)],
        modes=[dict(mode="road", speed_km_per_day=500.0, co2_kg_per_tonne_km=1.0)],
        lanes=[lane("A", "Z", distance_km=100.0), lane("B", "Z", distance_km=2000.0)],
        settings=settings,
    )


def test_no_carbon_price_by_default():
    result = solve(_carbon_case())
    assert_optimum(result, 500 + 100 + 1000 * 3)  # = 3600
    assert open_sites(result) == {"B"}
    assert cost(result, "carbon") == pytest.approx(0)


def test_carbon_price_shifts_production_to_near_site():
    # carbon_price 200 per tonne = 0.2 per kg:
    #   A: 1000 + 100 + 3000 + 0.2 * 1000 * 1.2 = 4340
    #   B:  500 + 100 + 3000 + 0.2 * 1000 * 5.0 = 4600
    # (Without the price: B at 3600; ignoring production CO2: A at 4140.)
    result = solve(_carbon_case(settings={"carbon_price": 200.0}))
    expected = 1000 + 100 + 1000 * 3 + 200.0 / 1000 * 1000 * (1.0 + 1.0 * 2.0 / 1000 * 100.0)  # = 4340
    assert_optimum(result, expected)
    assert open_sites(result) == {"A"}
    assert cost(result, "carbon") == pytest.approx(240)


def test_carbon_price_override_beats_settings_table():
    # table says 200, the solve_case override says 0: no carbon cost, B wins at 3600
    result = solve(_carbon_case(settings={"carbon_price": 200.0}), carbon_price=0.0)
    assert_optimum(result, 500 + 100 + 1000 * 3)
    assert open_sites(result) == {"B"}


def test_mode_cost_per_kg_km_and_carbon_single_site():
    # one site, lane of 1000 km: transport 0.5 + 0.01 * 2 kg * 1000 km = 20.5 per unit;
    # CO2 per unit: 2 kg production + 0.5 * 2 / 1000 * 1000 = 1 kg transport = 3 kg;
    # carbon price 100 per tonne -> 0.1 per kg -> 0.3 per unit.
    case = tiny_case(
        processes=[dict(product="P", technology="T", hours_per_unit=1.0, variable_cost=3.0,
                        co2_kg_per_unit=2.0)],
        modes=[dict(mode="road", cost_per_unit=0.5, cost_per_kg_km=0.01, speed_km_per_day=500.0,
                    co2_kg_per_tonne_km=0.5)],
        lanes=[lane("A", "Z", distance_km=1000.0)],
    )
    result = solve(case, carbon_price=100.0)
    expected = 1000 + 100 + 100 * 3 + 100 * (0.5 + 0.01 * 2 * 1000) + 100 / 1000 * 100 * (2.0 + 0.5 * 2 / 1000 * 1000)
    # = 1000 + 100 + 300 + 2050 + 30 = 3480
    assert_optimum(result, expected)
    assert cost(result, "transport") == pytest.approx(2050)
    assert cost(result, "carbon") == pytest.approx(30)


def test_site_table_costs_add_up_with_unmet():
    # Two sites, two zones, one zone's demand left unmet; site totals + unmet = objective.
    # A (fixed 100) serves ZA (300 units, lane 1); ZB (50 units) is only reachable from A at
    # lane 40 and carries unmet_penalty 10, so it is left unmet. B (fixed 5000) stays closed.
    case = tiny_case(
        sites=[site("A", 100), site("B", 5000)],
        zones=[zone("ZA"), zone("ZB")],
        demand=[demand("ZA", 300), demand("ZB", 50, unmet_penalty=10.0)],
        lanes=[lane("A", "ZA", 1), lane("A", "ZB", 40), lane("B", "ZA", 1), lane("B", "ZB", 1)],
    )
    result = solve(case)
    # B serving ZB would add 5000 + 100 + 50*4 = 5300 > 500
    expected = 100 + 100 + 300 * 1 + 300 * 3 + 50 * 10  # = 1900
    assert_optimum(result, expected)
    sites = result.tables["sites"]
    assert sites["total"].sum() + cost(result, "unmet") == pytest.approx(result.objective)
    assert result.tables["unmet"]["penalty_cost"].sum() == pytest.approx(500)
