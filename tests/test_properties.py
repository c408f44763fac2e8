"""Property-based tests (hypothesis): random valid cases, and what every optimal plan must hold.

Cases are small (2–4 sites, 1–2 technologies, 1–3 products, 2–4 zones) so that 200 of them
solve in seconds. For every plan found: demand is served or counted unmet, zone by zone;
printers are not used beyond their hours; nothing leaves a site that is not open; under the
hard policy every flow keeps its promise; cost terms and site rows sum to the objective; duty
is paid only where the goods cross into another customs territory.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprint import solve_case

COUNTRIES = ["DE", "FR", "GB"]          # DE and FR form the customs union EU; GB is its own


@st.composite
def cases(draw):
    n_sites, n_zones = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    n_tech, n_prod = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    coord = st.floats(40.0, 56.0)
    sites = [dict(site=f"S{i}", country=draw(st.sampled_from(COUNTRIES)), lat=draw(coord), lon=draw(st.floats(-5, 20)),
                  fixed_cost=draw(st.floats(0, 5000)), max_printers=draw(st.sampled_from(["", "1", "3"])),
                  lead_time_days=draw(st.sampled_from([0.0, 0.5, 1.0])),
                  status="open" if i == 0 and draw(st.booleans()) else "candidate") for i in range(n_sites)]
    techs = [dict(technology=f"T{t}", printer_cost=draw(st.floats(100, 3000)), hours_per_year=1000.0,
                  max_utilisation=draw(st.sampled_from([0.6, 0.85, 1.0])),
                  min_utilisation=draw(st.sampled_from([0.0, 0.0, 0.2]))) for t in range(n_tech)]
    products = [dict(product=f"P{p}", weight_kg=draw(st.floats(0.1, 5)), value=draw(st.floats(1, 100)))
                for p in range(n_prod)]
    processes = [dict(product=f"P{p}", technology=f"T{t}", hours_per_unit=draw(st.floats(0.05, 2)),
                      variable_cost=draw(st.floats(0, 20)))
                 for p in range(n_prod) for t in range(n_tech) if t == p % n_tech or draw(st.booleans())]
    zones = [dict(zone=f"Z{k}", country=draw(st.sampled_from(COUNTRIES)), lat=draw(coord),
                  lon=draw(st.floats(-5, 20))) for k in range(n_zones)]
    demand = [dict(zone=f"Z{k}", product=f"P{p}", quantity=float(draw(st.integers(0, 800))),
                   lead_time_target_days=draw(st.sampled_from([None, 2.0, 3.0, 5.0])),
                   unmet_penalty=draw(st.sampled_from([None, 50.0, 500.0])))
              for k in range(n_zones) for p in range(n_prod)]
    modes = [dict(mode="road", cost_per_unit=1.0, cost_per_kg_km=0.002, speed_km_per_day=500.0, handling_days=1.0),
             dict(mode="air", cost_per_unit=6.0, cost_per_kg_km=0.005, speed_km_per_day=1500.0, handling_days=0.5)]
    tables = dict(sites=sites, technologies=techs, products=products, processes=processes, zones=zones,
                  demand=demand, modes=modes,
                  duties=[dict(origin="*", destination="*", rate=draw(st.sampled_from([0.0, 0.05])), per_unit=0.5)],
                  country_groups=[dict(group="EU", country="DE", customs_union=True),
                                  dict(group="EU", country="FR", customs_union=True)])
    policy = draw(st.sampled_from(["hard", "soft"]))
    frames = {name: pd.DataFrame(rows) for name, rows in tables.items()}
    frames["settings"] = pd.DataFrame({"key": ["lead_time_policy", "lateness_penalty", "unmet_penalty"],
                                       "value": [policy, "3", "1000"]})
    return frames


def territory(country: str) -> str:
    return "EU" if country in ("DE", "FR") else country


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_plan_holds_the_rules(frames):
    result = solve_case(frames, settings={"mip_gap": 0, "time_limit_s": 20})
    if not result.has_plan:
        assert result.status == "infeasible" and result.messages
        return
    t = result.tables
    flows, sites, printers, unmet = t["flows"], t["sites"], t["printers"], t["unmet"]
    tol = 1e-5
    # Demand: served plus unmet is the demand, zone by zone, product by product.
    demand = frames["demand"].set_index(["zone", "product"])["quantity"]
    got = flows.groupby(["zone", "product"])["units"].sum().add(
        unmet.set_index(["zone", "product"])["units"], fill_value=0.0)
    for key, quantity in demand.items():
        assert got.get(key, 0.0) == pytest.approx(quantity, abs=1e-4 * max(1.0, quantity))
    # Capacity: hours used within the printers' usable hours.
    caps = frames["technologies"].set_index("technology")["max_utilisation"]
    for row in printers.itertuples():
        assert row.hours_used <= row.printers * 1000.0 * caps[row.technology] * (1 + 1e-7) + tol
    # Nothing from a closed site; an open site pays its fixed cost.
    opened = set(sites.loc[sites["open"], "site"])
    assert set(flows["site"]) <= opened and set(printers.loc[printers["printers"] > 0, "site"]) <= opened
    # Hard promises are kept.
    if result.settings["lead_time_policy"] == "hard":
        assert flows["on_time"].astype(bool).all()
    # Cost terms and site rows sum to the objective.
    assert sum(result.costs.values()) == pytest.approx(result.objective, rel=1e-7, abs=1e-5)
    assert sites["total"].sum() + unmet["penalty_cost"].sum() == pytest.approx(result.objective, rel=1e-7, abs=1e-5)
    # Duty only across customs territories.
    country = frames["sites"].set_index("site")["country"]
    zone_country = frames["zones"].set_index("zone")["country"]
    for row in flows.itertuples():
        if territory(country[row.site]) == territory(zone_country[row.zone]):
            assert row.duty_cost == pytest.approx(0.0, abs=tol)
        else:
            assert row.duty_cost >= 0.5 * row.units - tol      # the 0.5 per unit at least
