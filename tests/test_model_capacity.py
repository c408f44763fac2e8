"""Printer capacity, utilisation limits, printer slots and tiers, on tiny cases solved by hand.

Base case (tests/tinycase.py): one site A (fixed 1000), technology T (printer 100 per year,
1000 h per year), product P (1 h per unit, variable cost 3, 2 kg), one zone Z at distance 0,
road 0.5 per unit + 0.01 per kg km.
"""

import math

import pytest

from tinycase import (
    BASE_OBJECTIVE,
    assert_optimum,
    cost,
    demand,
    is_open,
    lane,
    made,
    printers,
    shipped,
    site,
    site_row,
    solve,
    tiny_case,
    unmet,
)


def test_base_case_by_hand():
    result = solve(tiny_case())
    expected = 1000 + 1 * 100 + 100 * 3 + 100 * (0.5 + 0.01 * 2 * 0.0)  # = 1450
    assert expected == BASE_OBJECTIVE
    assert_optimum(result, expected)
    assert is_open(result, "A")
    assert printers(result, "A", "T") == pytest.approx(1)
    assert shipped(result, site="A", zone="Z", product="P", mode="road") == pytest.approx(100)
    assert made(result, site="A", product="P", technology="T") == pytest.approx(100)
    assert cost(result, "site_fixed") == pytest.approx(1000)
    assert cost(result, "printers") == pytest.approx(100)
    assert cost(result, "production") == pytest.approx(300)
    assert cost(result, "transport") == pytest.approx(50)
    # no tiers table: one implicit tier called "default"
    assert site_row(result, "A")["tier"] == "default"


def test_printers_are_integers():
    # 2500 h of work on 1000 h printers -> ceil(2.5) = 3 printers
    # (a continuous printer count would give 2.5 printers: 10000)
    result = solve(tiny_case(demand=[demand("Z", 2500)]))
    expected = 1000 + 3 * 100 + 2500 * 3 + 2500 * 0.5  # = 10050
    assert_optimum(result, expected)
    assert printers(result, "A", "T") == pytest.approx(3)


def test_hours_per_unit_scales_capacity_use():
    # 500 units * 2.5 h = 1250 h -> 2 printers (at 1 h per unit one printer would do: 2850)
    case = tiny_case(
        demand=[demand("Z", 500)],
        processes=[dict(product="P", technology="T", hours_per_unit=2.5, variable_cost=3.0)],
    )
    result = solve(case)
    expected = 1000 + 2 * 100 + 500 * 3 + 500 * 0.5  # = 2950
    assert_optimum(result, expected)
    assert printers(result, "A", "T") == pytest.approx(2)


def test_max_utilisation_limits_usable_hours():
    # 850 h with 80 % of 1000 h usable: 850 / 800 -> 2 printers (ignoring it: 1 printer, 4075)
    case = tiny_case(
        demand=[demand("Z", 850)],
        technologies=[
            dict(technology="T", printer_cost=100.0, hours_per_year=1000.0, max_utilisation=0.8)
        ],
    )
    result = solve(case)
    expected = 1000 + 2 * 100 + 850 * 3 + 850 * 0.5  # = 4175
    assert_optimum(result, expected)
    assert printers(result, "A", "T") == pytest.approx(2)


def test_max_utilisation_defaults_to_0_85():
    # max_utilisation left empty -> 0.85: 900 h / 850 h -> 2 printers (at 1.0 it would be 1: 4250)
    case = tiny_case(
        demand=[demand("Z", 900)],
        technologies=[dict(technology="T", printer_cost=100.0, hours_per_year=1000.0)],
    )
    result = solve(case)
    expected = 1000 + 2 * 100 + 900 * 3 + 900 * 0.5  # = 4350
    assert_optimum(result, expected)
    assert printers(result, "A", "T") == pytest.approx(2)


def _min_util_case(min_utilisation):
    # A (fixed 1000) is next to ZA (demand 1000), B (fixed 100) next to ZB (demand 200);
    # the cross lanes cost 5 per unit, the near lanes 1.
    tech = dict(technology="T", printer_cost=100.0, hours_per_year=1000.0, max_utilisation=1.0)
    if min_utilisation is not None:
        tech["min_utilisation"] = min_utilisation
    return tiny_case(
        sites=[site("A", 1000), site("B", 100)],
        zones=[dict(zone="ZA", country="X", lat=0.0, lon=0.0), dict(zone="ZB", country="X", lat=0.0, lon=0.0)],
        demand=[demand("ZA", 1000), demand("ZB", 200)],
        technologies=[tech],
        lanes=[lane("A", "ZA", 1), lane("A", "ZB", 5), lane("B", "ZA", 5), lane("B", "ZB", 1)],
    )


def test_without_min_utilisation_both_sites_open():
    # reference for the next test: A serves ZA with 1 printer, B serves ZB with 1 printer
    result = solve(_min_util_case(None))
    expected = (1000 + 100) + 2 * 100 + (1000 * 1 + 200 * 1) + 1200 * 3  # = 6100
    assert_optimum(result, expected)
    assert is_open(result, "B")


def test_min_utilisation_closes_underused_site():
    # min_utilisation 0.5: B's printer would have to make >= 500 units, but ZB only needs 200.
    #  - both open: B makes 500 (200 to ZB, 300 to ZA at 5), A makes 700 on 1 printer:
    #      1100 + 200 + (700*1 + 300*5 + 200*1) + 3600 = 7300
    #  - A alone: 1200 h on 2 printers (60 % >= 50 %): 1000 + 200 + (1000*1 + 200*5) + 3600 = 6800
    # Without the feature the optimum is 6100 (previous test).
    result = solve(_min_util_case(0.5))
    expected = 1000 + 2 * 100 + (1000 * 1 + 200 * 5) + 1200 * 3  # = 6800
    assert_optimum(result, expected)
    assert not is_open(result, "B")
    assert printers(result, "A", "T") == pytest.approx(2)
    assert shipped(result, site="A", zone="ZB") == pytest.approx(200)


def test_min_utilisation_with_unmet_penalty_leaves_small_demand_unserved():
    # One site, demand 100 (100 h), min_utilisation 0.5: a printer must run >= 500 h but
    # only 100 units can be shipped, so nothing can be made; all 100 units go unmet at 20.
    # Without the feature: 1000 + 100 + 300 + 50 = 1450 < 100 * 20.
    case = tiny_case(
        technologies=[
            dict(technology="T", printer_cost=100.0, hours_per_year=1000.0,
                 max_utilisation=1.0, min_utilisation=0.5)
        ],
        demand=[demand("Z", 100, unmet_penalty=20.0)],
    )
    result = solve(case)
    expected = 100 * 20  # = 2000
    assert_optimum(result, expected)
    assert unmet(result, zone="Z") == pytest.approx(100)


def _two_site_capacity_case(**site_a):
    # A (lane 1 per unit) and B (lane 2 per unit), fixed 100 each, demand 1500
    return tiny_case(
        sites=[site("A", 100, **site_a), site("B", 100)],
        demand=[demand("Z", 1500)],
        lanes=[lane("A", "Z", 1), lane("B", "Z", 2)],
    )


def test_site_max_printers():
    # A may hold 1 printer: A makes 1000, B makes 500.
    # Without the limit A makes all 1500 on 2 printers: 100 + 200 + 1500 + 4500 = 6300
    result = solve(_two_site_capacity_case(max_printers=1))
    expected = 2 * 100 + 2 * 100 + (1000 * 1 + 500 * 2) + 1500 * 3  # = 6900
    assert_optimum(result, expected)
    assert printers(result, "A") == pytest.approx(1)
    assert shipped(result, site="A") == pytest.approx(1000)
    assert shipped(result, site="B") == pytest.approx(500)


def test_site_max_printers_counts_all_technologies():
    # P1 on T1 (demand 1500 -> 2 printers), P2 on T2 (demand 800 -> 1 printer).
    # A (lane 1) holds at most 2 printers in total; B (lane 2) has no limit.
    #  - A: 1 T1 + 1 T2 (1000 P1 + 800 P2), B: 500 P1 on 1 T1  -> transport 1800*1 + 500*2
    #  - A: 2 T1 (1500 P1), B: 800 P2 on 1 T2                   -> transport 1500*1 + 800*2 (worse)
    # A per-technology limit of 2 would let A make everything: 100 + 300 + 2300 + 6900 = 9600
    tech = dict(printer_cost=100.0, hours_per_year=1000.0, max_utilisation=1.0)
    case = tiny_case(
        sites=[site("A", 100, max_printers=2), site("B", 100)],
        technologies=[dict(technology="T1", **tech), dict(technology="T2", **tech)],
        products=[dict(product="P1", weight_kg=2.0, value=50.0), dict(product="P2", weight_kg=2.0, value=50.0)],
        processes=[
            dict(product="P1", technology="T1", hours_per_unit=1.0, variable_cost=3.0),
            dict(product="P2", technology="T2", hours_per_unit=1.0, variable_cost=3.0),
        ],
        demand=[demand("Z", 1500, product="P1"), demand("Z", 800, product="P2")],
        lanes=[lane("A", "Z", 1), lane("B", "Z", 2)],
    )
    result = solve(case)
    expected = 2 * 100 + 3 * 100 + (1800 * 1 + 500 * 2) + 2300 * 3  # = 10200
    assert_optimum(result, expected)
    assert printers(result, "A") == pytest.approx(2)
    assert printers(result, "A", "T1") == pytest.approx(1)
    assert printers(result, "A", "T2") == pytest.approx(1)
    assert shipped(result, site="B", product="P1") == pytest.approx(500)


def test_capacity_shortfall_is_infeasible_without_penalty():
    # A holds 1 printer (1000 h) but 1500 units must be served in full: no plan exists.
    case = tiny_case(sites=[site("A", 1000, max_printers=1)], demand=[demand("Z", 1500)])
    result = solve(case)
    assert result.status == "infeasible"
    assert result.messages


def test_capacity_shortfall_goes_unmet_with_penalty():
    # Same, with unmet_penalty 10: serve 1000 (cost 3.5 each + printer), leave 500 unmet.
    # (All unmet would cost 15000; without a penalty the case is infeasible, previous test.)
    case = tiny_case(
        sites=[site("A", 1000, max_printers=1)],
        demand=[demand("Z", 1500, unmet_penalty=10.0)],
    )
    result = solve(case)
    expected = 1000 + 100 + 1000 * 3 + 1000 * 0.5 + 500 * 10  # = 9600
    assert_optimum(result, expected)
    assert unmet(result, zone="Z", product="P") == pytest.approx(500)
    assert cost(result, "unmet") == pytest.approx(5000)


# ---------------------------------------------------------------- tiers


def test_tier_cost_multiplier_changes_the_tier():
    # micro: no fixed cost but variable cost x1.5; plant: 500 fixed, x1.0. Demand 800.
    #   micro: 1000 + 0   + 100 + 800*3*1.5 + 800*0.5 = 5100
    #   plant: 1000 + 500 + 100 + 800*3*1.0 + 800*0.5 = 4400
    # Ignoring the multiplier micro would win at 3900.
    case = tiny_case(
        demand=[demand("Z", 800)],
        tiers=[
            dict(tier="micro", fixed_cost=0.0, cost_multiplier=1.5),
            dict(tier="plant", fixed_cost=500.0, cost_multiplier=1.0),
        ],
    )
    result = solve(case)
    expected = 1000 + 500 + 100 + 800 * 3 * 1.0 + 800 * 0.5  # = 4400
    assert_optimum(result, expected)
    assert site_row(result, "A")["tier"] == "plant"
    assert cost(result, "tier_fixed") == pytest.approx(500)


def _tier_case(quantity):
    return tiny_case(
        demand=[demand("Z", quantity)],
        tiers=[
            dict(tier="micro", fixed_cost=0.0, max_printers=1, cost_multiplier=1.2),
            dict(tier="plant", fixed_cost=2000.0, cost_multiplier=1.0),
        ],
    )


def test_small_demand_opens_micro_tier():
    # 800 units fit one printer:
    #   micro: 1000 + 0    + 100 + 800*3*1.2 + 800*0.5 = 4380
    #   plant: 1000 + 2000 + 100 + 800*3     + 800*0.5 = 5900
    # Ignoring tier costs altogether it would be 3900.
    result = solve(_tier_case(800))
    expected = 1000 + 0 + 1 * 100 + 800 * 3 * 1.2 + 800 * 0.5  # = 4380
    assert_optimum(result, expected)
    assert site_row(result, "A")["tier"] == "micro"


def test_tier_max_printers_forces_bigger_tier():
    # 1800 units need 2 printers; micro holds 1, so plant:
    #   plant: 1000 + 2000 + 2*100 + 1800*3 + 1800*0.5 = 9500
    # Ignoring micro's printer limit: 1000 + 200 + 1800*3.6 + 900 = 8580
    result = solve(_tier_case(1800))
    expected = 1000 + 2000 + 2 * 100 + 1800 * 3 + 1800 * 0.5  # = 9500
    assert_optimum(result, expected)
    assert site_row(result, "A")["tier"] == "plant"
    assert printers(result, "A", "T") == pytest.approx(2)


def test_site_and_tier_cost_multipliers_multiply():
    # variable cost 3 x site 2 x tier 1.5 = 9 per unit (only one tier exists, fixed 0)
    # Without either multiplier: 1450; with only one of them 1750 or 1600.
    case = tiny_case(
        sites=[dict(site="A", country="X", lat=0.0, lon=0.0, fixed_cost=1000.0, cost_multiplier=2.0)],
        tiers=[dict(tier="hub", fixed_cost=0.0, cost_multiplier=1.5)],
    )
    result = solve(case)
    expected = 1000 + 100 + 100 * 3 * 2.0 * 1.5 + 100 * 0.5  # = 2050
    assert_optimum(result, expected)
    assert site_row(result, "A")["tier"] == "hub"
    assert cost(result, "production") == pytest.approx(900)


def test_tier_and_site_max_printers_take_the_smaller():
    # site A allows 3 printers, the only tier allows 2; demand 2500 needs 3 printers,
    # so 2000 are made and 500 go unmet at 50 each.
    # Using the site's limit alone: 1000 + 300 + 2500*3.5 = 10050
    case = tiny_case(
        sites=[site("A", 1000, max_printers=3)],
        tiers=[dict(tier="hub", fixed_cost=0.0, max_printers=2)],
        demand=[demand("Z", 2500, unmet_penalty=50.0)],
    )
    result = solve(case)
    expected = 1000 + 2 * 100 + 2000 * (3 + 0.5) + 500 * 50  # = 33200
    assert_optimum(result, expected)
    assert printers(result, "A", "T") == pytest.approx(2)
    assert unmet(result, zone="Z") == pytest.approx(500)
    assert math.isclose(made(result, site="A"), 2000, abs_tol=1e-6)
