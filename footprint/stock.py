"""Stock versus print (SPEC section 8): the sources of lanes, transfers and the stock cost's pieces.

A lane carries its *source*: what a site makes to order on a group of its
technologies (those with the same ``dispatch_days``: they are interchangeable
for a lane, so one group keeps the model as small as before), or the site's
stock. A stock holds what the site makes on ``make_to_stock`` technologies
and, at a ``warehouse``, what other sites transfer in. Goods keep their
origin (the country they were made in), so a stock source is per origin.

Symbols for a stock of product p at site w: T its throughput (units/year
shipped to zones from it), R the product's ``review_days`` (else the setting), L the site's
``replenishment_days``, z the standard normal quantile of
``stock_service_level``, v the product's variance-to-mean ratio, h the
``holding_rate`` and V the product's ``value``::

    inventory cost = h·V·(T·R/365/2 + z·√(v·T·(L+R)/365))
                   = c_lin·T + k·√T

The square root (risk pooling) is concave, so the model writes it as the
cheapest of a few tangents, one chosen by a binary: tangents lie above a
concave function, so the cost is never below the law, and the tangent points
(:func:`sqrt_tangents`) keep it within 1 % of it for every T from 1 % to
100 % of the demand the stock can reach.

Duty follows origin and customs territories (``country_groups.customs_union``):
a transfer into another territory pays the duty for (origin → the
warehouse's country) on entry; a shipment from stock to a zone in the stock's
territory pays none; one to a zone elsewhere pays (origin → zone country).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from footprint.case import Case

#: the stock cost is within this share above the square-root law on [TANGENT_FROM·T̄, T̄]
TANGENT_ACCURACY = 0.01
TANGENT_FROM = 0.01

STOCK = "stock"


def has_stock(case: Case) -> bool:
    """Whether the case uses any of section 8's stock (a make-to-stock technology or a warehouse)."""
    techs, sites = case.table("technologies"), case.table("sites")
    return bool(techs["make_to_stock"].any()) or bool(sites["warehouse"].any())


def territories(case: Case, countries) -> dict[str, str]:
    """Customs territory of each country: its customs union's group id, else the country itself."""
    out = {c: c for c in countries}
    groups = case.table("country_groups")
    if groups is not None and not groups.empty:
        unions = groups[groups["customs_union"]]
        for group, country in zip(unions["group"], unions["country"]):
            if country in out:
                out[country] = f"union:{group}"
    return out


def sqrt_tangents(accuracy: float = TANGENT_ACCURACY, start: float = TANGENT_FROM) -> np.ndarray:
    """Tangent points t_j (as shares of the largest throughput) of √t such that the cheapest
    tangent is within ``accuracy`` above √t for every t in [start, 1].

    The tangent at t_j is (t + t_j)/(2√t_j); its ratio to √t is (x + 1/x)/2 with x = √(t/t_j),
    at most 1 + accuracy for x in [a, 1/a], a = 1 + accuracy − √((1 + accuracy)² − 1). So each
    tangent covers t in [a²·t_j, t_j/a²] and consecutive ones touch."""
    a = 1 + accuracy - math.sqrt((1 + accuracy) ** 2 - 1)
    points, t = [], start / a ** 2
    while True:
        points.append(min(t, 1.0))
        if t / a ** 2 >= 1.0:
            return np.array(points)
        t = t / a ** 4


def order_sources(site_proc: pd.DataFrame) -> pd.DataFrame:
    """Made-to-order sources: per (site, product), its made-to-order technologies grouped by
    ``dispatch_days``. Columns site, product, technology, source (the group's technologies
    joined by '/'), dispatch_days."""
    mto = site_proc[~site_proc["make_to_stock"]]
    label = (mto.sort_values("technology").groupby(["site", "product", "dispatch_days"])["technology"]
             .agg("/".join).rename("source"))
    return mto.join(label, on=["site", "product", "dispatch_days"])[
        ["site", "product", "technology", "source", "dispatch_days"]]


def compute_transfers(case: Case, sites: pd.DataFrame, products: pd.DataFrame, site_proc: pd.DataFrame,
                      territory: dict[str, str]) -> pd.DataFrame:
    """Transfer lanes (from_site, to_site, product, mode), the cheapest mode per (from, to, product).

    From every site hosting a make-to-stock technology that makes p to every other warehouse
    site, by every mode (computed from coordinates, or listed in ``transfers``). Columns:
    distance_km, transit_days, transport_cost, duty_cost, co2_kg (per unit), unit_cost, origin.
    """
    cols = ["from_site", "to_site", "product", "mode", "distance_km", "transit_days", "transport_cost",
            "duty_cost", "co2_kg", "unit_cost", "origin"]
    makers = site_proc.loc[site_proc["make_to_stock"], ["site", "product"]].drop_duplicates()
    warehouses = sites.loc[sites["warehouse"], ["site"]]
    if makers.empty or warehouses.empty:
        return pd.DataFrame(columns=cols)
    modes, listed = case.table("modes"), case.table("transfers")
    pairs = makers.rename(columns={"site": "from_site"}).merge(warehouses.rename(columns={"site": "to_site"}),
                                                               how="cross")
    pairs = pairs[pairs["from_site"] != pairs["to_site"]]
    lanes = pairs[["from_site", "to_site"]].drop_duplicates()
    where = sites.set_index("site")
    from footprint.derive import haversine_km  # derive imports this module

    base = ["from_site", "to_site", "mode", "cost_per_unit", "cost_per_kg_km", "circuity", "handling_days",
            "speed_km_per_day", "max_distance_km", "min_distance_km", "co2_kg_per_tonne_km", "co2_kg_per_kg", "cost_per_kg",
            "cross_border_cost", "cross_border_days"]
    lanes = (lanes.merge(modes, how="cross")[base] if modes is not None and not modes.empty
             else pd.DataFrame(columns=base))
    if listed is not None and not listed.empty:
        over = listed[["from_site", "to_site", "mode", "distance_km", "cost_per_unit", "cost_per_kg",
                       "transit_days", "allowed"]].rename(columns={
            "distance_km": "o_dist", "cost_per_unit": "o_cpu", "cost_per_kg": "o_cpk", "transit_days": "o_transit"})
        lanes = lanes.merge(over, on=["from_site", "to_site", "mode"], how="outer")
        lanes = lanes[lanes["allowed"].fillna(True).astype(bool)]
    else:
        lanes = lanes.assign(o_dist=np.nan, o_cpu=np.nan, o_cpk=np.nan, o_transit=np.nan)
    lanes = lanes[lanes["from_site"].isin(where.index) & lanes["to_site"].isin(where.index)]
    from_, to_ = where.loc[lanes["from_site"]], where.loc[lanes["to_site"]]
    computed = haversine_km(from_["lat"].to_numpy(float), from_["lon"].to_numpy(float),
                            to_["lat"].to_numpy(float), to_["lon"].to_numpy(float)) * lanes["circuity"].to_numpy(float)
    lanes["distance_km"] = lanes["o_dist"].fillna(pd.Series(computed, index=lanes.index))
    limit = pd.to_numeric(lanes["max_distance_km"], errors="coerce").fillna(np.inf)
    far = (lanes["distance_km"].fillna(0.0) > limit) & lanes["o_dist"].isna()
    near = (lanes["distance_km"].fillna(0.0) < pd.to_numeric(lanes["min_distance_km"], errors="coerce").fillna(0.0)
            ) & lanes["o_dist"].isna() & lanes["o_cpu"].isna()
    lanes = lanes[~far & ~near].copy()
    cross = (where.loc[lanes["from_site"], "country"].to_numpy() != where.loc[lanes["to_site"], "country"].to_numpy())
    lanes["cost_per_kg"] = np.where(lanes["o_cpu"].notna(), lanes["o_cpk"].fillna(0.0),
                                    lanes["cost_per_kg_km"] * lanes["distance_km"] + lanes["cost_per_kg"].fillna(0.0))
    lanes["cost_per_unit"] = lanes["o_cpu"].fillna(
        lanes["cost_per_unit"] + np.where(cross, lanes["cross_border_cost"].fillna(0.0), 0.0))
    lanes["transit_days"] = lanes["o_transit"].fillna(
        lanes["handling_days"] + lanes["distance_km"] / lanes["speed_km_per_day"]
        + np.where(cross, lanes["cross_border_days"].fillna(0.0), 0.0))
    lanes["co2_kg_per_tonne_km"] = lanes["co2_kg_per_tonne_km"].fillna(0.0)
    lanes["co2_kg_per_kg"] = lanes["co2_kg_per_kg"].fillna(0.0)
    lanes = lanes.dropna(subset=["cost_per_unit", "cost_per_kg"])
    lanes["distance_km"] = lanes["distance_km"].fillna(0.0)
    lanes["transit_days"] = lanes["transit_days"].fillna(0.0)
    out = pairs.merge(lanes, on=["from_site", "to_site"])
    if out.empty:
        return pd.DataFrame(columns=cols)
    prod = products.set_index("product")
    weight = prod.loc[out["product"], "weight_kg"].to_numpy(float)
    out["transport_cost"] = out["cost_per_unit"].to_numpy(float) + out["cost_per_kg"].to_numpy(float) * weight
    out["co2_kg"] = (out["co2_kg_per_tonne_km"].to_numpy(float) / 1000.0 * out["distance_km"].to_numpy(float)
                     + out["co2_kg_per_kg"].to_numpy(float)) * weight
    out["origin"] = where.loc[out["from_site"], "country"].to_numpy()
    dest = where.loc[out["to_site"], "country"].to_numpy()
    crossing = np.array([territory[o] != territory[d] for o, d in zip(out["origin"], dest)], dtype=bool)
    out["duty_cost"] = np.where(crossing, duty_per_unit(case, products, out["product"].to_numpy(),
                                                        out["origin"].to_numpy(), dest), 0.0)
    carbon = float(case.settings["carbon_price"]) / 1000.0
    out["unit_cost"] = out["transport_cost"] + out["duty_cost"] + carbon * out["co2_kg"]
    out = out.sort_values(["from_site", "to_site", "product", "unit_cost", "mode"])
    out = out.drop_duplicates(["from_site", "to_site", "product"])
    return out[cols].reset_index(drop=True)


def duty_per_unit(case: Case, products: pd.DataFrame, product, origin, destination) -> np.ndarray:
    """Duty per unit (currency/unit) for each (product, origin country, destination country)."""
    from footprint.derive import _duty_table

    product, origin, destination = (np.asarray(a).astype(str) for a in (product, origin, destination))
    if len(product) == 0:
        return np.zeros(0)
    prod = products.set_index("product")
    classes, cls = np.unique(prod.loc[product, "duty_class"].to_numpy(str), return_inverse=True)
    origins, org = np.unique(origin, return_inverse=True)
    dests, dst = np.unique(destination, return_inverse=True)
    rate, per_unit = _duty_table(case, classes, origins, dests)
    return rate[cls, org, dst] * prod.loc[product, "value"].to_numpy(float) + per_unit[cls, org, dst]


def stock_sources(site_proc: pd.DataFrame, sites: pd.DataFrame, transfers: pd.DataFrame) -> pd.DataFrame:
    """Stock sources: (site, product, origin country) for what a site makes to stock itself and
    what warehouses receive by transfer."""
    own = site_proc.loc[site_proc["make_to_stock"], ["site", "product"]].drop_duplicates()
    own = own.assign(origin=sites.set_index("site").loc[own["site"], "country"].to_numpy())
    received = transfers[["to_site", "product", "origin"]].rename(columns={"to_site": "site"})
    return pd.concat([own, received]).drop_duplicates().reset_index(drop=True)


def inventory_terms(case: Case, sites: pd.DataFrame, products: pd.DataFrame, site, product):
    """Per (site, product): the linear stock cost per unit shipped c_lin = h·V·R/730 (currency/unit),
    the safety-stock cost factor k = h·V·z·√(v·(L+R)/365) (currency/year per √(units/year)) and
    the safety stock's own factor z·√(v·(L+R)/365) (units per √(units/year))."""
    st = case.settings
    h, review = float(st["holding_rate"]), float(st["review_days"])
    z = NormalDist().inv_cdf(float(st["stock_service_level"]))
    prod = products.set_index("product")
    value = prod.loc[product, "value"].to_numpy(float)
    var = prod.loc[product, "demand_variability"].fillna(float(st["demand_variability"])).to_numpy(float)
    lead = sites.set_index("site").loc[site, "replenishment_days"].to_numpy(float)
    review = prod.loc[product, "review_days"].fillna(review).to_numpy(float)
    linear = h * value * review / 730.0
    units = z * np.sqrt(var * (lead + review) / 365.0)
    return linear, h * value * units, units


def stock_pieces(case: Case, ship: pd.DataFrame, sites: pd.DataFrame, products: pd.DataFrame
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stocks (one row per (site, product) that ships from stock: reach T̄ in units/year,
    safety factor k) and their tangents (stock row, intercept k·√t/2, slope k/(2√t), with t the
    tangent point in units/year): cost = intercept·Choice + slope·Piece."""
    from_stock = ship[ship["source"] == STOCK]
    cols = ["site", "product", "reach", "factor", "units_factor"]
    if from_stock.empty:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=["stock", "point", "intercept", "slope"])
    kp = from_stock.drop_duplicates(["site", "zone", "product"])
    stock = kp.groupby(["site", "product"], as_index=False)["quantity"].sum().rename(columns={"quantity": "reach"})
    _, stock["factor"], stock["units_factor"] = inventory_terms(case, sites, products, stock["site"], stock["product"])
    stock = stock[cols].reset_index(drop=True)
    shares = sqrt_tangents()
    priced = np.flatnonzero((stock["factor"].to_numpy() > 0) & (stock["reach"].to_numpy() > 0))
    row = np.repeat(priced, len(shares))
    point = np.tile(shares, len(priced)) * stock["reach"].to_numpy(float)[row]
    k = stock["factor"].to_numpy(float)[row]
    tangents = pd.DataFrame({"stock": row, "point": point, "intercept": k * np.sqrt(point) / 2,
                             "slope": k / (2 * np.sqrt(point))})
    return stock, tangents

