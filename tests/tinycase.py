"""Tiny hand-computable cases for the model tests (tests/test_model_*.py).

``tiny_case(**tables)`` returns a ``{table name: DataFrame}`` case.  Every
table argument is a list of row dicts that *replaces* the base table; pass
``None`` to drop an optional table.  Keys missing from a row become empty
(NaN) cells, i.e. the SPEC default.  ``settings`` is a plain dict that becomes
the key/value ``settings`` table.

The base case (everything at lat 0, lon 0, so every computed distance is 0):

    site A      country X, fixed_cost 1000
    technology  T, printer_cost 100, hours_per_year 1000, max_utilisation 1.0
    product     P, weight 2 kg, value 50
    process     P on T, 1 hour per unit, variable_cost 3
    zone        Z, country X, demand 100 units of P
    mode        road, cost_per_unit 0.5, cost_per_kg_km 0.01, 500 km/day

Its optimum by hand: 1000 + 1 * 100 + 100 * 3 + 100 * 0.5 = 1450.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from footprint import solve_case

EARTH_RADIUS_KM = 6371.0088
#: great-circle distance of one degree of longitude along the equator
KM_PER_DEGREE = EARTH_RADIUS_KM * math.radians(1.0)

BASE_OBJECTIVE = 1000 + 1 * 100 + 100 * 3 + 100 * 0.5  # = 1450


def _base() -> dict[str, list[dict] | None]:
    return {
        "sites": [dict(site="A", country="X", lat=0.0, lon=0.0, fixed_cost=1000.0)],
        "technologies": [
            dict(technology="T", printer_cost=100.0, hours_per_year=1000.0, max_utilisation=1.0)
        ],
        "products": [dict(product="P", weight_kg=2.0, value=50.0)],
        "processes": [dict(product="P", technology="T", hours_per_unit=1.0, variable_cost=3.0)],
        "zones": [dict(zone="Z", country="X", lat=0.0, lon=0.0)],
        "demand": [dict(zone="Z", product="P", quantity=100.0)],
        "modes": [
            dict(mode="road", cost_per_unit=0.5, cost_per_kg_km=0.01, speed_km_per_day=500.0)
        ],
    }


def _setting_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def tiny_case(*, settings: dict | None = None, **tables) -> dict[str, pd.DataFrame]:
    """The base case with whole tables replaced (list of row dicts) or dropped (None)."""
    spec = _base()
    for name, rows in tables.items():
        if rows is None:
            spec.pop(name, None)
        else:
            spec[name] = list(rows)
    case = {name: pd.DataFrame(rows) for name, rows in spec.items() if rows is not None}
    if settings:
        case["settings"] = pd.DataFrame(
            {"key": list(settings), "value": [_setting_text(v) for v in settings.values()]}
        )
    return case


# ---------------------------------------------------------------- row helpers


def site(name: str, fixed_cost: float = 100.0, country: str = "X", **kw) -> dict:
    """A candidate site at lat 0, lon 0."""
    return dict(site=name, country=country, lat=0.0, lon=0.0, fixed_cost=fixed_cost, **kw)


def zone(name: str, country: str = "X", lat: float = 0.0, lon: float = 0.0) -> dict:
    return dict(zone=name, country=country, lat=lat, lon=lon)


def demand(zone: str, quantity: float, product: str = "P", **kw) -> dict:
    return dict(zone=zone, product=product, quantity=quantity, **kw)


def lane(site: str, zone: str, cost_per_unit: float | None = None, mode: str = "road", **kw) -> dict:
    """A listed lane; with ``cost_per_unit`` its per-unit cost replaces the mode formula."""
    row = dict(site=site, zone=zone, mode=mode, **kw)
    if cost_per_unit is not None:
        row["cost_per_unit"] = cost_per_unit
    return row


# ---------------------------------------------------------------- solving and checks


def solve(case, **settings):
    """Solve with the given settings overrides (mip_gap 0 so that tiny optima are exact).

    Every tiny case is solved through both back ends (arrays straight to
    HiGHS, and the same blocks written as a Pyomo model), which must agree on
    status and objective: the array path is checked against Pyomo on every
    hand-worked case.
    """
    result = solve_case(case, settings={"mip_gap": 0.0, **settings})
    through_pyomo = solve_case(case, settings={"mip_gap": 0.0, **settings}, backend="pyomo")
    assert through_pyomo.status == result.status
    if result.objective is not None:
        assert through_pyomo.objective == pytest.approx(result.objective, rel=1e-9, abs=1e-6)
    return result


def assert_optimum(result, expected: float) -> None:
    """Optimal, objective as computed by hand, and the cost terms add up to it."""
    assert result.status == "optimal", result.messages
    assert result.objective == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert sum(result.costs.values()) == pytest.approx(result.objective, rel=1e-9, abs=1e-6)


def _sum(df: pd.DataFrame, column: str, **where) -> float:
    for key, value in where.items():
        df = df[df[key] == value]
    return float(df[column].sum()) if len(df) else 0.0


def site_row(result, name: str) -> pd.Series:
    df = result.tables["sites"]
    rows = df[df["site"] == name]
    assert len(rows) == 1, f"site {name!r} not reported once in sites table"
    return rows.iloc[0]


def is_open(result, name: str) -> bool:
    return bool(site_row(result, name)["open"])


def open_sites(result) -> set[str]:
    df = result.tables["sites"]
    return {str(s) for s, o in zip(df["site"], df["open"]) if bool(o)}


def printers(result, site: str, technology: str | None = None) -> float:
    where = {"site": site}
    if technology is not None:
        where["technology"] = technology
    return _sum(result.tables["printers"], "printers", **where)


def shipped(result, **where) -> float:
    """Units shipped, summed over the flows rows that match ``where`` (site, zone, product, mode)."""
    return _sum(result.tables["flows"], "units", **where)


def made(result, **where) -> float:
    return _sum(result.tables["production"], "units", **where)


def unmet(result, **where) -> float:
    return _sum(result.tables["unmet"], "units", **where)


def cost(result, term: str) -> float:
    return float(result.costs[term])
