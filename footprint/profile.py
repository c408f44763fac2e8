"""The configuration profile of a plan: how distributed the network is (issue 16).

Measures from the distributed-manufacturing literature (Srai et al., "Distributed
manufacturing: a new form of localised production?", IJOPM 2020: density of sites,
closeness to demand, the weight of the lead site, short lead times), all computed from the
plan's own tables so that each is traceable: units-weighted over ``flows.csv`` unless said.

- ``sites_open``: sites the plan opens (warehouses included);
- ``share_units_made_in_destination_country``: units whose origin (where they were made) is
  the country of the zone they are delivered to;
- ``share_units_largest_site``: the largest site's share of the units made (``production.csv``);
- ``mean_delivery_km``, ``p95_delivery_km``: delivery distance of a unit (km);
- ``mean_lead_time_days``, ``p95_lead_time_days``: order-to-delivery days (flows with one);
- ``share_value_crossing_border``: customs value of the units whose last leg crosses a
  national border, over the value of all units delivered;
- ``duty_per_unit``, ``co2_kg_per_unit``: duty (flows and transfers, currency) and CO2 (kg:
  production, flows and transfers) per unit delivered;
- with stock (SPEC section 8): ``share_units_from_stock`` and ``share_units_printed`` (made to
  order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from footprint.stock import STOCK


def weighted_quantile(values, weights, q: float) -> float | None:
    """The q-quantile of ``values`` weighted by ``weights`` (the smallest value with at least
    q of the weight at or below it); None without weight."""
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    keep = ~np.isnan(values) & (weights > 0)
    if not keep.any():
        return None
    order = np.argsort(values[keep], kind="stable")
    v, w = values[keep][order], weights[keep][order]
    cumulative = np.cumsum(w) / w.sum()
    return float(v[np.searchsorted(cumulative, q - 1e-12)])


def _share(part: float, whole: float) -> float | None:
    return float(part / whole) if whole > 0 else None


def plan_profile(tables: dict[str, pd.DataFrame], data) -> dict:
    """The profile of a plan (see the module docstring), from its result tables and ``data``
    (zones' countries, products' values, make rows' CO2)."""
    flows, sites, production = tables["flows"], tables["sites"], tables["production"]
    units = flows["units"].to_numpy(float)
    delivered = float(units.sum())
    zone_country = data.zones.set_index("zone")["country"]
    site_country = data.sites.set_index("site")["country"]
    dest = flows["zone"].map(zone_country).to_numpy(object)
    origin = flows["origin"].to_numpy(object) if "origin" in flows else flows["site"].map(site_country).to_numpy(object)
    crossing = flows["site"].map(site_country).to_numpy(object) != dest
    value = flows["product"].map(data.products.set_index("product")["value"]).fillna(0.0).to_numpy(float) * units
    made = production.groupby("site")["units"].sum() if not production.empty else pd.Series(dtype=float)
    transfers = tables.get("transfers")
    duty = float(flows["duty_cost"].sum()) + (float(transfers["duty"].sum()) if transfers is not None and len(transfers) else 0.0)
    co2 = (float(flows["co2_kg"].sum()) + _production_co2(production, data)
           + (float(transfers["co2_kg"].sum()) if transfers is not None and len(transfers) else 0.0))
    lead = flows["lead_time_days"].to_numpy(float)
    timed = ~np.isnan(lead)
    profile = {
        "sites_open": int(sites["open"].sum()),
        "share_units_made_in_destination_country": _share(float(units[origin == dest].sum()), delivered),
        "share_units_largest_site": _share(float(made.max()) if len(made) else 0.0, float(made.sum())),
        "mean_delivery_km": _share(float((units * flows["distance_km"].to_numpy(float)).sum()), delivered),
        "p95_delivery_km": weighted_quantile(flows["distance_km"], units, 0.95),
        "mean_lead_time_days": _share(float((units[timed] * lead[timed]).sum()), float(units[timed].sum())),
        "p95_lead_time_days": weighted_quantile(lead, units, 0.95),
        "share_value_crossing_border": _share(float(value[crossing].sum()), float(value.sum())),
        "duty_per_unit": _share(duty, delivered),
        "co2_kg_per_unit": _share(co2, delivered),
    }
    if "stock" in tables:
        from_stock = flows["source"].to_numpy() == STOCK
        profile["share_units_from_stock"] = _share(float(units[from_stock].sum()), delivered)
        profile["share_units_printed"] = _share(float(units[~from_stock].sum()), delivered)
    return profile


def _production_co2(production: pd.DataFrame, data) -> float:
    if production.empty:
        return 0.0
    keys = [k for k in ("site", "tier", "product", "technology", "band") if k in production.columns]
    merged = production.merge(data.make[keys + ["co2_kg_per_unit"]], on=keys)
    return float((merged["units"] * merged["co2_kg_per_unit"]).sum())
