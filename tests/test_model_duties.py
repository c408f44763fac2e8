"""Import duties and their precedence, on tiny cases solved by hand.

One site A (fixed 1000) in country CN ships to zone Z in DE; product P (value 50, duty class
"resin"), demand 100, lane at distance 0 (0.5 per unit). Without duty the optimum is
1000 + 100 + 100*3 + 100*0.5 = 1450; a duty of d per unit adds 100*d.
"""

import pytest

from footprint import InputError, load_case
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

NO_DUTY = 1000 + 100 + 100 * 3 + 100 * 0.5  # = 1450
GROUPS = [
    dict(group="ASIA", country="CN"),
    dict(group="EU", country="DE"),
    dict(group="EU", country="FR"),
]


def duty(origin, destination, duty_class="*", rate=0.0, per_unit=0.0):
    return dict(origin=origin, destination=destination, duty_class=duty_class, rate=rate, per_unit=per_unit)


def _import_case(duties, site_country="CN", zone_country="DE", groups=GROUPS, duty_class="resin"):
    product = dict(product="P", weight_kg=2.0, value=50.0)
    if duty_class is not None:
        product["duty_class"] = duty_class
    return tiny_case(
        sites=[dict(site="A", country=site_country, lat=0.0, lon=0.0, fixed_cost=1000.0)],
        zones=[zone("Z", country=zone_country)],
        products=[product],
        duties=duties,
        country_groups=groups,
    )


def test_duty_rate_and_per_unit():
    # 10 % of value 50 + 2 per unit = 7 per unit
    result = solve(_import_case([duty("*", "*", rate=0.1, per_unit=2.0)]))
    expected = NO_DUTY + 100 * (0.1 * 50 + 2.0)  # = 2150
    assert_optimum(result, expected)
    assert cost(result, "duties") == pytest.approx(700)
    flows = result.tables["flows"]
    assert flows.loc[flows["units"] > 0, "duty_cost"].sum() == pytest.approx(700)


def test_no_duty_inside_one_country():
    # the `*,*,*` row matches, but site and zone are both in CN: no duty (else 2150)
    result = solve(_import_case([duty("*", "*", rate=0.1, per_unit=2.0)], zone_country="CN"))
    assert_optimum(result, NO_DUTY)
    assert cost(result, "duties") == pytest.approx(0)


def test_no_matching_row_means_no_duty():
    result = solve(_import_case([duty("US", "*", rate=0.5), duty("*", "FR", rate=0.5)]))
    assert_optimum(result, NO_DUTY)


def test_duty_class_defaults_to_product_id():
    # product without duty_class -> its class is "P"; the "P" row (10 %) beats the `*` one (40 %)
    duties = [duty("*", "*", "P", rate=0.1), duty("*", "*", "*", rate=0.4)]
    result = solve(_import_case(duties, duty_class=None))
    expected = NO_DUTY + 100 * 0.1 * 50  # = 1950
    assert_optimum(result, expected)


def test_duty_class_is_compared_first():
    # exact class with `*` origin beats `*` class with an exact origin and destination:
    # 10 % -> 5 per unit (origin first would pick 30 % -> 2950)
    duties = [duty("CN", "DE", "*", rate=0.3), duty("*", "*", "resin", rate=0.1)]
    result = solve(_import_case(duties))
    expected = NO_DUTY + 100 * 0.1 * 50  # = 1950
    assert_optimum(result, expected)


@pytest.mark.parametrize(
    "rows, rate",
    [
        # country beats group beats `*` on the origin
        ([duty("*", "*", "resin", rate=0.4), duty("ASIA", "*", "resin", rate=0.2),
          duty("CN", "*", "resin", rate=0.1)], 0.1),
        ([duty("*", "*", "resin", rate=0.4), duty("ASIA", "*", "resin", rate=0.2)], 0.2),
        ([duty("*", "*", "resin", rate=0.4)], 0.4),
    ],
)
def test_origin_country_then_group_then_star(rows, rate):
    result = solve(_import_case(rows))
    expected = NO_DUTY + 100 * rate * 50
    assert_optimum(result, expected)


def test_origin_is_compared_before_destination():
    # ASIA -> * (group origin) beats * -> DE (country destination): 20 % (destination first: 30 %)
    duties = [duty("ASIA", "*", rate=0.2), duty("*", "DE", rate=0.3)]
    result = solve(_import_case(duties))
    expected = NO_DUTY + 100 * 0.2 * 50  # = 1450 + 1000 = 2450
    assert_optimum(result, expected)


def test_destination_country_beats_group():
    # * -> DE (10 %) beats * -> EU (20 %); picking the group would give 2450
    duties = [duty("*", "DE", rate=0.1), duty("*", "EU", rate=0.2)]
    result = solve(_import_case(duties))
    expected = NO_DUTY + 100 * 0.1 * 50  # = 1950
    assert_optimum(result, expected)


@pytest.mark.parametrize(
    "fr_lane, expected, winner",
    [
        # FR site at lane 3 pays no duty inside the EU: 100 + 100 + 100*3 + 300 = 800;
        # the CN site (lane 0.5) pays 6.5 % of 50 = 3.25: 100 + 100 + 100*(0.5+3.25) + 300 = 875.
        # (If the EU,EU row were ignored, FR would pay 3.25 too: 1125, and CN would win at 875.)
        (3.0, 100 + 100 + 100 * 3.0 + 100 * 3, "FR"),
        # FR site at lane 4: 900 > 875, the CN site wins and pays the duty
        (4.0, 100 + 100 + 100 * (0.5 + 0.065 * 50) + 100 * 3, "CN"),
    ],
)
def test_spec_example_eu_customs_union(fr_lane, expected, winner):
    case = tiny_case(
        sites=[site("FR", 100, country="FR"), site("CN", 100, country="CN")],
        zones=[zone("Z", country="DE")],
        demand=[demand("Z", 100)],
        lanes=[lane("FR", "Z", fr_lane), lane("CN", "Z", 0.5)],
        duties=[duty("*", "EU", rate=0.065), duty("EU", "EU", rate=0.0)],
        country_groups=GROUPS,
    )
    result = solve(case)
    assert_optimum(result, expected)
    assert open_sites(result) == {winner}
    assert cost(result, "duties") == pytest.approx(325 if winner == "CN" else 0)


def test_duty_shifts_sourcing_to_domestic_site():
    # A in CN (lane 1) pays 10 % of 50 = 5 per unit into DE; B in DE (lane 3) pays none.
    #   A: 100 + 100 + 100*(1 + 5) + 300 = 1100;  B: 100 + 100 + 100*3 + 300 = 800
    # Without duties A wins at 600.
    case = tiny_case(
        sites=[site("A", 100, country="CN"), site("B", 100, country="DE")],
        zones=[zone("Z", country="DE")],
        demand=[demand("Z", 100)],
        lanes=[lane("A", "Z", 1), lane("B", "Z", 3)],
        duties=[duty("*", "*", rate=0.1)],
    )
    result = solve(case)
    expected = 100 + 100 + 100 * 3 + 100 * 3  # = 800
    assert_optimum(result, expected)
    assert open_sites(result) == {"B"}


def test_duty_tie_between_identical_keys_is_invalid():
    duties = [duty("CN", "DE", rate=0.1), duty("CN", "DE", rate=0.2)]
    with pytest.raises(InputError) as info:
        load_case(_import_case(duties))
    assert info.value.problems


def test_duty_tie_between_two_groups_is_invalid():
    # CN is in ASIA and in BRICS; both rows are group -> * with class `*`: equally specific
    groups = GROUPS + [dict(group="BRICS", country="CN")]
    duties = [duty("ASIA", "*", rate=0.1), duty("BRICS", "*", rate=0.2)]
    with pytest.raises(InputError) as info:
        load_case(_import_case(duties, groups=groups))
    assert info.value.problems
