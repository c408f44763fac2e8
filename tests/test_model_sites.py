"""Site choice: fixed cost, status, site count limits, cost multiplier, site_technologies,
tooling setup, strong linking and single sourcing, on tiny cases solved by hand.

Unless said otherwise: technology T (printer 100 per year, 1000 h), product P (1 h per unit,
variable cost 3), sites and zones at the same point, lane costs given per unit in `lanes`.
"""

import pytest

from tinycase import (
    assert_optimum,
    cost,
    demand,
    is_open,
    lane,
    made,
    open_sites,
    printers,
    shipped,
    site,
    site_row,
    solve,
    tiny_case,
    unmet,
    zone,
)


def _choice_case(**site_kw):
    """A (lane 1) and B (lane 2), fixed 100 each, one zone Z with demand 300.

    Without any extra feature A alone wins: 100 + 100 + 300*1 + 300*3 = 1400 (B alone: 1700).
    ``site_kw`` maps a site name to extra columns for that site.
    """
    return tiny_case(
        sites=[site("A", 100, **site_kw.get("A", {})), site("B", 100, **site_kw.get("B", {}))],
        demand=[demand("Z", 300)],
        lanes=[lane("A", "Z", 1), lane("B", "Z", 2)],
    )


def test_reference_choice_case():
    result = solve(_choice_case())
    expected = 100 + 100 + 300 * 1 + 300 * 3  # = 1400
    assert_optimum(result, expected)
    assert open_sites(result) == {"A"}


def _location_case():
    """A (fixed 1000) near ZA, B (fixed 1200) near ZB; near lanes 1, cross lanes 3; 300 units each.

    A alone: 1000 + 100 + (300*1 + 300*3) + 600*3 = 4100
    B alone: 1200 + 100 + (300*3 + 300*1) + 1800  = 4300
    both:    2200 + 200 + (300*1 + 300*1) + 1800  = 4800
    """
    return tiny_case(
        sites=[site("A", 1000), site("B", 1200)],
        zones=[zone("ZA"), zone("ZB")],
        demand=[demand("ZA", 300), demand("ZB", 300)],
        lanes=[lane("A", "ZA", 1), lane("A", "ZB", 3), lane("B", "ZA", 3), lane("B", "ZB", 1)],
    )


def test_site_fixed_costs_pick_one_site():
    result = solve(_location_case())
    expected = 1000 + 100 + (300 * 1 + 300 * 3) + 600 * 3  # = 4100
    assert_optimum(result, expected)
    assert open_sites(result) == {"A"}
    assert cost(result, "site_fixed") == pytest.approx(1000)


def test_min_open_sites_forces_second_site():
    # min_open_sites 2: both sites open and each serves its near zone (B open but idle: 5300).
    # Without the limit: 4100.
    result = solve(_location_case(), min_open_sites=2)
    expected = (1000 + 1200) + 2 * 100 + (300 * 1 + 300 * 1) + 600 * 3  # = 4800
    assert_optimum(result, expected)
    assert open_sites(result) == {"A", "B"}
    assert shipped(result, site="B", zone="ZB") == pytest.approx(300)


def _two_zone_case(settings=None):
    """A and B, fixed 100 each; ZA demand 400, ZB demand 300; near lanes 1, cross lanes 5.

    both:    200 + 200 + (400*1 + 300*1) + 700*3 = 3200
    A alone: 100 + 100 + (400*1 + 300*5) + 2100  = 4200
    B alone: 100 + 100 + (400*5 + 300*1) + 2100  = 4600
    """
    return tiny_case(
        sites=[site("A", 100), site("B", 100)],
        zones=[zone("ZA"), zone("ZB")],
        demand=[demand("ZA", 400), demand("ZB", 300)],
        lanes=[lane("A", "ZA", 1), lane("A", "ZB", 5), lane("B", "ZA", 5), lane("B", "ZB", 1)],
        settings=settings,
    )


def test_max_open_sites_limits_sites():
    unlimited = solve(_two_zone_case())
    assert_optimum(unlimited, 200 + 200 + (400 * 1 + 300 * 1) + 700 * 3)  # = 3200
    result = solve(_two_zone_case(), max_open_sites=1)
    expected = 100 + 100 + (400 * 1 + 300 * 5) + 700 * 3  # = 4200
    assert_optimum(result, expected)
    assert open_sites(result) == {"A"}


def test_max_open_sites_from_settings_table():
    # the same limit given in the case's settings table instead of a solve_case override
    result = solve(_two_zone_case(settings={"max_open_sites": 1}))
    assert_optimum(result, 100 + 100 + (400 * 1 + 300 * 5) + 700 * 3)  # = 4200
    assert open_sites(result) == {"A"}


def test_status_open_forces_site_open():
    # A (fixed 1000, lane 5) is an existing site and must stay open; B (fixed 100, lane 1)
    # serves the zone. A stays open with no printers.
    # Without the status: B alone, 100 + 100 + 300*1 + 900 = 1400.
    case = tiny_case(
        sites=[site("A", 1000, status="open"), site("B", 100)],
        demand=[demand("Z", 300)],
        lanes=[lane("A", "Z", 5), lane("B", "Z", 1)],
    )
    result = solve(case)
    expected = 1000 + 100 + 1 * 100 + 300 * 1 + 300 * 3  # = 2400
    assert_optimum(result, expected)
    assert open_sites(result) == {"A", "B"}
    assert printers(result, "A") == pytest.approx(0)


def test_status_open_counts_toward_max_open_sites():
    # Same case with max_open_sites 1: A (status open) uses the only slot, so A serves:
    # 1000 + 100 + 300*5 + 900 = 3500. Counting only candidates would allow B too: 2400.
    case = tiny_case(
        sites=[site("A", 1000, status="open"), site("B", 100)],
        demand=[demand("Z", 300)],
        lanes=[lane("A", "Z", 5), lane("B", "Z", 1)],
    )
    result = solve(case, max_open_sites=1)
    expected = 1000 + 100 + 300 * 5 + 300 * 3  # = 3500
    assert_optimum(result, expected)
    assert open_sites(result) == {"A"}


def test_status_closed_excludes_site_even_with_listed_lane():
    # A is closed; its lane is listed but a closed site gets no lanes -> B: 1700 (A would be 1400)
    result = solve(_choice_case(A={"status": "closed"}))
    expected = 100 + 100 + 300 * 2 + 300 * 3  # = 1700
    assert_optimum(result, expected)
    assert open_sites(result) == {"B"}
    assert shipped(result, site="A") == pytest.approx(0)


def test_site_cost_multiplier():
    # demand 1000. A (lane 1) has cost_multiplier 2 on the variable cost 3:
    #   A: 100 + 100 + 1000*3*2 + 1000*1 = 7200;  B: 100 + 100 + 1000*3 + 1000*2 = 5200
    # Ignoring the multiplier A wins at 4200.
    case = tiny_case(
        sites=[site("A", 100, cost_multiplier=2.0), site("B", 100)],
        demand=[demand("Z", 1000)],
        lanes=[lane("A", "Z", 1), lane("B", "Z", 2)],
    )
    result = solve(case)
    expected = 100 + 100 + 1000 * 3 + 1000 * 2  # = 5200
    assert_optimum(result, expected)
    assert open_sites(result) == {"B"}


# ---------------------------------------------------------------- site_technologies


def test_site_technologies_restricts_what_a_site_hosts():
    # A may only host T2, which cannot make P, so B (lane 2) serves: 1700 (without the table: 1400)
    case = tiny_case(
        sites=[site("A", 100), site("B", 100)],
        technologies=[
            dict(technology="T", printer_cost=100.0, hours_per_year=1000.0, max_utilisation=1.0),
            dict(technology="T2", printer_cost=10.0, hours_per_year=1000.0, max_utilisation=1.0),
        ],
        demand=[demand("Z", 300)],
        lanes=[lane("A", "Z", 1), lane("B", "Z", 2)],
        site_technologies=[dict(site="A", technology="T2"), dict(site="B", technology="T")],
    )
    result = solve(case)
    expected = 100 + 100 + 300 * 2 + 300 * 3  # = 1700
    assert_optimum(result, expected)
    assert open_sites(result) == {"B"}


def test_site_technologies_max_printers():
    # A may hold 1 printer of T: A makes 1000, B (lane 2) makes 500 of the 1500.
    # Without the limit: A alone, 100 + 200 + 1500*1 + 4500 = 6300
    case = tiny_case(
        sites=[site("A", 100), site("B", 100)],
        demand=[demand("Z", 1500)],
        lanes=[lane("A", "Z", 1), lane("B", "Z", 2)],
        site_technologies=[
            dict(site="A", technology="T", max_printers=1),
            dict(site="B", technology="T"),
        ],
    )
    result = solve(case)
    expected = 2 * 100 + 2 * 100 + (1000 * 1 + 500 * 2) + 1500 * 3  # = 6900
    assert_optimum(result, expected)
    assert printers(result, "A", "T") == pytest.approx(1)
    assert printers(result, "B", "T") == pytest.approx(1)


def test_site_technologies_printer_cost_override():
    # A printer costs 1500 a year at A (local override), 100 at B (technology's). Demand 1000.
    #   A: 100 + 1500 + 1000*1 + 3000 = 5600;  B: 100 + 100 + 1000*2 + 3000 = 5200
    # Without the override A wins at 4200.
    case = tiny_case(
        sites=[site("A", 100), site("B", 100)],
        demand=[demand("Z", 1000)],
        lanes=[lane("A", "Z", 1), lane("B", "Z", 2)],
        site_technologies=[
            dict(site="A", technology="T", printer_cost=1500.0),
            dict(site="B", technology="T"),
        ],
    )
    result = solve(case)
    expected = 100 + 100 + 1000 * 2 + 1000 * 3  # = 5200
    assert_optimum(result, expected)
    assert open_sites(result) == {"B"}


def test_site_technologies_printer_cost_override_is_charged():
    # Only site A, whose printers cost 250 instead of 100: the override is what is paid.
    case = tiny_case(site_technologies=[dict(site="A", technology="T", printer_cost=250.0)])
    result = solve(case)
    expected = 1000 + 1 * 250 + 100 * 3 + 100 * 0.5  # = 1600 (1450 with the technology's cost)
    assert_optimum(result, expected)
    assert cost(result, "printers") == pytest.approx(250)


# ---------------------------------------------------------------- tooling setup


def _setup_case(setup_cost):
    """A and B (fixed 10 each); ZA demand 500, ZB demand 300; near lanes 1, cross lanes 4."""
    return tiny_case(
        sites=[site("A", 10), site("B", 10)],
        zones=[zone("ZA"), zone("ZB")],
        demand=[demand("ZA", 500), demand("ZB", 300)],
        processes=[dict(product="P", technology="T", hours_per_unit=1.0, variable_cost=3.0,
                        setup_cost=setup_cost)],
        lanes=[lane("A", "ZA", 1), lane("A", "ZB", 4), lane("B", "ZA", 4), lane("B", "ZB", 1)],
    )


def test_without_setup_cost_both_sites_make():
    result = solve(_setup_case(0.0))
    expected = 2 * 10 + 2 * 100 + (500 * 1 + 300 * 1) + 800 * 3  # = 3420
    assert_optimum(result, expected)
    assert open_sites(result) == {"A", "B"}


def test_setup_cost_concentrates_production():
    # setup 1500 per site making P:
    #   both:    20 + 200 + 2*1500 + (500 + 300)     + 2400 = 6420
    #   A alone: 10 + 100 + 1500   + (500 + 300*4)   + 2400 = 5710
    #   B alone: 10 + 100 + 1500   + (500*4 + 300)   + 2400 = 6310
    # Without setup costs both sites make P: 3420 (previous test).
    result = solve(_setup_case(1500.0))
    expected = 10 + 100 + 1500 + (500 * 1 + 300 * 4) + 800 * 3  # = 5710
    assert_optimum(result, expected)
    assert open_sites(result) == {"A"}
    assert made(result, site="A", product="P") == pytest.approx(800)
    assert cost(result, "setup") == pytest.approx(1500)


def test_setup_cost_is_paid_per_product():
    # One site makes P1 (setup 200) and P2 (setup 300), 100 units each (200 h, 1 printer).
    # Without setup costs: 1800.
    case = tiny_case(
        products=[dict(product="P1", weight_kg=2.0, value=50.0), dict(product="P2", weight_kg=2.0, value=50.0)],
        processes=[
            dict(product="P1", technology="T", hours_per_unit=1.0, variable_cost=3.0, setup_cost=200.0),
            dict(product="P2", technology="T", hours_per_unit=1.0, variable_cost=3.0, setup_cost=300.0),
        ],
        demand=[demand("Z", 100, product="P1"), demand("Z", 100, product="P2")],
    )
    result = solve(case)
    expected = 1000 + 1 * 100 + (200 + 300) + 200 * 3 + 200 * 0.5  # = 2300
    assert_optimum(result, expected)
    assert cost(result, "setup") == pytest.approx(500)


# ---------------------------------------------------------------- strong linking


@pytest.mark.parametrize("strong_linking", [True, False])
def test_strong_linking_does_not_change_the_optimum_location(strong_linking):
    result = solve(_location_case(), strong_linking=strong_linking)
    assert_optimum(result, 1000 + 100 + (300 * 1 + 300 * 3) + 600 * 3)  # = 4100
    assert open_sites(result) == {"A"}


@pytest.mark.parametrize("strong_linking", [True, False])
def test_strong_linking_does_not_change_the_optimum_setup(strong_linking):
    result = solve(_setup_case(1500.0), strong_linking=strong_linking)
    assert_optimum(result, 10 + 100 + 1500 + (500 * 1 + 300 * 4) + 800 * 3)  # = 5710


def test_strong_linking_off_in_settings_table():
    case = tiny_case(
        sites=[site("A", 1000), site("B", 1200)],
        zones=[zone("ZA"), zone("ZB")],
        demand=[demand("ZA", 300), demand("ZB", 300)],
        lanes=[lane("A", "ZA", 1), lane("A", "ZB", 3), lane("B", "ZA", 3), lane("B", "ZB", 1)],
        settings={"strong_linking": False},
    )
    result = solve(case)
    assert_optimum(result, 1000 + 100 + (300 * 1 + 300 * 3) + 600 * 3)  # = 4100


# ---------------------------------------------------------------- single sourcing


def _split_case(quantity=1500, **demand_kw):
    # A (lane 1) holds 1 printer (1000 h); B (lane 2) is unlimited; fixed 100 each.
    return tiny_case(
        sites=[site("A", 100, max_printers=1), site("B", 100)],
        demand=[demand("Z", quantity, **demand_kw)],
        lanes=[lane("A", "Z", 1), lane("B", "Z", 2)],
    )


def test_split_sourcing_by_default():
    result = solve(_split_case())
    expected = 200 + 2 * 100 + (1000 * 1 + 500 * 2) + 1500 * 3  # = 6900
    assert_optimum(result, expected)
    assert shipped(result, site="A") == pytest.approx(1000)
    assert shipped(result, site="B") == pytest.approx(500)


def test_single_sourcing_serves_zone_from_one_site():
    # A cannot serve all 1500, so B serves the zone alone on 2 printers.
    # Without single sourcing the split costs 6900 (previous test).
    result = solve(_split_case(), single_sourcing=True)
    expected = 100 + 2 * 100 + 1500 * 2 + 1500 * 3  # = 7800
    assert_optimum(result, expected)
    assert open_sites(result) == {"B"}
    assert shipped(result, site="B", zone="Z") == pytest.approx(1500)


def test_single_sourcing_with_unmet_is_all_or_nothing():
    # Only site A (lane 1, 1 printer), demand 1500 with unmet_penalty 10.
    # Without single sourcing: serve 1000, 500 unmet: 100 + 100 + 1000*(1+3) + 500*10 = 9200.
    # With it the zone is served in full by one site (impossible) or not at all.
    case = tiny_case(
        sites=[site("A", 100, max_printers=1)],
        demand=[demand("Z", 1500, unmet_penalty=10.0)],
        lanes=[lane("A", "Z", 1)],
    )
    assert_optimum(solve(case), 100 + 100 + 1000 * (1 + 3) + 500 * 10)  # = 9200
    result = solve(case, single_sourcing=True)
    expected = 1500 * 10  # = 15000
    assert_optimum(result, expected)
    assert unmet(result, zone="Z") == pytest.approx(1500)
    assert not is_open(result, "A")
