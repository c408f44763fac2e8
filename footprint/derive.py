"""Derived data (SPEC section 2) and the sparse index sets of the model.

Everything here is vectorised over DataFrames: distances, lanes, per-unit
costs, lead times, duties and emissions are computed once, and only the
combinations that can carry flow become rows (and so model variables).

Provably optimum-preserving reductions made here:

- a product is only shipped from a site that can make it;
- per (site, zone, product) only the cheapest lane is kept, plus, when a
  service level is set, the cheapest on-time lane: any other lane is
  dominated (no cheaper and no more on time) by one of these two, and lanes
  of one (site, zone, product) share every other constraint;
- printer bounds are capped at the printers needed to make all demand the
  site can reach;
- a lane whose unit costs more to ship and make than the unit's unmet
  penalty is dropped where no service level or minimum utilisation could
  need it (:func:`dearer_than_unmet`);
- demand rows no plan can tell apart are solved as one (:mod:`footprint.aggregate`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from footprint import aggregate, bands, stock
from footprint.case import Case
from footprint.duties import match_duties
from footprint.lanes import (EARTH_RADIUS_KM, KM_PER_DEGREE_LATITUDE, ON_TIME_TOLERANCE_DAYS,  # noqa: F401
                             compute_lanes, great_circle_km, haversine_km, unit_vectors)

DEFAULT_TIER = "default"


@dataclass
class ModelData:
    """Prepared, sparse data for the model; every frame holds one row per index."""

    settings: dict
    sites: pd.DataFrame          # active (not closed) sites
    tiers: pd.DataFrame          # tier, fixed_cost, max_printers, cost_multiplier
    open_index: pd.DataFrame     # site, tier, fixed costs, slot limit
    site_tech: pd.DataFrame      # site, technology, printer cost, hours, utilisation, printer bound
    tier_tech: pd.DataFrame      # site, tier, technology, printer bound P̄[s,l,t]
    make: pd.DataFrame           # site, tier, product, technology, hours_per_unit, unit cost, CO2
    tooling: pd.DataFrame        # site, product, technology, setup_cost, big_m
    ship: pd.DataFrame           # site, zone, product, mode, unit costs, lead time, on_time
    demand: pd.DataFrame         # zone, product, quantity, target, penalty (NaN = must serve)
    lanes: pd.DataFrame          # site, zone, mode: distance, transit (before product expansion)
    unmet_rows: np.ndarray = None  # positions in ``demand`` of rows with an unmet penalty
    transfers: pd.DataFrame = None  # from_site, to_site, product, mode: per-unit costs, origin, big_m
    stock: pd.DataFrame = None      # site, product: reach (units/year), safety factor k
    tangents: pd.DataFrame = None   # stock row, tangent point, intercept, slope of the √ stock cost
    site_bands: pd.DataFrame = None  # site, technology, band: utilisation cap, queue, usable hours (SPEC §9)
    zones: pd.DataFrame = None       # zone, country, lat, lon (id-sorted)
    products: pd.DataFrame = None    # product, weight_kg, value, duty_class (id-sorted)
    downgrades: pd.DataFrame = None  # site, product, group, from_source → to_source: a faster level to a slower
    skp: pd.DataFrame = None       # unique (site, zone, product) of ``ship``, with quantity
    skp_ids: np.ndarray = None     # row of ``skp`` for each row of ``ship``
    members: pd.DataFrame = None   # zone, product, quantity, row, share: demand rows merged into ``demand`` rows


def _tiers(case: Case) -> pd.DataFrame:
    tiers = case.table("tiers")
    if tiers is None or tiers.empty:
        return pd.DataFrame({"tier": [DEFAULT_TIER], "fixed_cost": [0.0], "max_printers": [np.nan],
                             "cost_multiplier": [1.0]})
    return tiers[["tier", "fixed_cost", "max_printers", "cost_multiplier"]].reset_index(drop=True)


def _demand(case: Case) -> pd.DataFrame:
    demand = case.table("demand")
    default_penalty = case.settings.get("unmet_penalty")
    out = demand[["zone", "product", "quantity", "lead_time_target_days", "unmet_penalty"]].copy()
    if default_penalty is not None:
        out["unmet_penalty"] = out["unmet_penalty"].fillna(float(default_penalty))
    return out[out["quantity"] > 0].reset_index(drop=True)


def _site_tech(case: Case, sites: pd.DataFrame) -> pd.DataFrame:
    techs = case.table("technologies")
    st = case.table("site_technologies")
    if st is None:
        pairs = sites[["site"]].merge(techs[["technology"]], how="cross")
        pairs["st_max"] = np.nan
        pairs["printer_cost_override"] = np.nan
    else:
        pairs = st.rename(columns={"max_printers": "st_max", "printer_cost": "printer_cost_override"})
        pairs = pairs[pairs["site"].isin(sites["site"])][["site", "technology", "st_max", "printer_cost_override"]]
    pairs = pairs.merge(techs[["technology", "printer_cost", "hours_per_year", "max_utilisation",
                               "min_utilisation"]], on="technology")
    pairs["printer_cost"] = pairs["printer_cost_override"].fillna(pairs["printer_cost"])
    return pairs.drop(columns="printer_cost_override").reset_index(drop=True)


def _duty_table(case: Case, classes: np.ndarray, origins: np.ndarray, destinations: np.ndarray):
    """Duty rate and per-unit amount as arrays indexed [class, origin country, destination country]."""
    rate = np.zeros((len(classes), len(origins), len(destinations)))
    per_unit = np.zeros_like(rate)
    duty, _ = match_duties(case.table("duties"), case.table("country_groups"), list(classes), list(origins),
                           list(destinations))
    if not duty.empty:
        c = pd.Index(classes).get_indexer(duty["duty_class"])
        o = pd.Index(origins).get_indexer(duty["origin"])
        d = pd.Index(destinations).get_indexer(duty["destination"])
        rate[c, o, d] = duty["rate"].to_numpy(float)
        per_unit[c, o, d] = duty["per_unit"].to_numpy(float)
    return rate, per_unit


def _product_lanes(case: Case, lanes: pd.DataFrame, demand: pd.DataFrame, sources: pd.DataFrame,
                   sites: pd.DataFrame, zones: pd.DataFrame, products: pd.DataFrame,
                   territory: dict[str, str]) -> pd.DataFrame:
    """Expand lanes to (site, zone, product, mode, source) with per-unit costs, then prune dominated modes.

    Works on integer codes (positions in the id-sorted sites, zones, products
    and demand frames) so that hundreds of thousands of lanes expand in numpy.
    ``sources`` lists what a site can ship a product from (:mod:`footprint.stock`): columns _s, _p,
    source, extra_days (dispatch days), stock (bool), origin (country), inventory_cost (per unit).
    """
    st = case.settings
    n_z, n_p = len(zones), len(products)
    ls, lz = lanes["_s"].to_numpy(), lanes["_z"].to_numpy()
    # Demand rows are sorted by zone: each lane pairs with its zone's rows.
    dz, dp = demand["_z"].to_numpy(), demand["_p"].to_numpy()
    zone_start = np.searchsorted(dz, np.arange(n_z + 1))
    per_lane = zone_start[lz + 1] - zone_start[lz]
    lane = np.repeat(np.arange(len(lanes)), per_lane)
    first_of_lane = np.repeat(np.cumsum(per_lane) - per_lane, per_lane)
    d = zone_start[lz[lane]] + (np.arange(len(lane)) - first_of_lane)
    s, z, p = ls[lane], lz[lane], dp[d]
    # Each (lane, demand row) once per source of its (site, product).
    src_code = sources["_s"].to_numpy(np.int64) * n_p + sources["_p"].to_numpy()
    src_order = np.argsort(src_code, kind="stable")
    sorted_code = src_code[src_order]
    code = s.astype(np.int64) * n_p + p
    first_src = np.searchsorted(sorted_code, code, side="left")
    n_src = np.searchsorted(sorted_code, code, side="right") - first_src
    pick = np.repeat(np.arange(len(code)), n_src)
    src = src_order[np.repeat(first_src, n_src) + (np.arange(len(pick)) - np.repeat(np.cumsum(n_src) - n_src, n_src))]
    lane, d, s, z, p = lane[pick], d[pick], s[pick], z[pick], p[pick]
    extra = sources["extra_days"].to_numpy(float)[src]

    weight = products["weight_kg"].to_numpy(float)[p]
    transport = lanes["cost_fixed"].to_numpy(float)[lane] + lanes["cost_per_kg"].to_numpy(float)[lane] * weight
    lead = sites["lead_time_days"].to_numpy(float)[s] + extra + lanes["transit_days"].to_numpy(float)[lane]
    target = demand["lead_time_target_days"].to_numpy(float)[d]
    no_target = np.isnan(target)
    on_time = no_target | (lead <= np.where(no_target, np.inf, target) + ON_TIME_TOLERANCE_DAYS)
    late_days = np.where(no_target, 0.0, np.maximum(0.0, lead - np.where(no_target, 0.0, target)))
    if st["lead_time_policy"] == "hard":
        keep = on_time
        lane, d, s, z, p, src = lane[keep], d[keep], s[keep], z[keep], p[keep], src[keep]
        weight, transport, lead, target, on_time = weight[keep], transport[keep], lead[keep], target[keep], on_time[keep]
        lateness = np.zeros(len(lane))
    else:
        lateness = float(st["lateness_penalty"]) * late_days
    distance = lanes["distance_km"].to_numpy(float)[lane]
    co2 = (lanes["co2_kg_per_tonne_km"].to_numpy(float)[lane] / 1000.0 * distance
           + lanes["co2_kg_per_kg"].to_numpy(float)[lane]) * weight

    classes, cls = np.unique(products["duty_class"].to_numpy(str), return_inverse=True)
    origin = sources["origin"].to_numpy(str)
    origins, org = np.unique(np.r_[origin, sites["country"].to_numpy(str)], return_inverse=True)
    dests, dst = np.unique(zones["country"].to_numpy(str), return_inverse=True)
    rate, per_unit = _duty_table(case, classes, origins, dests)
    c_, o_, k_ = cls[p], org[src], dst[z]
    duty = rate[c_, o_, k_] * products["value"].to_numpy(float)[p] + per_unit[c_, o_, k_]
    # No duty inside one customs territory (a country, or a customs union of country_groups):
    # goods from stock paid theirs on entry into the stock's territory (SPEC section 8), goods
    # made to order cross no customs border.
    site_terr = np.array([territory[c] for c in sites["country"].to_numpy(str)], dtype=object)
    zone_terr = np.array([territory[c] for c in zones["country"].to_numpy(str)], dtype=object)
    duty = np.where(site_terr[s] == zone_terr[z], 0.0, duty)
    inventory = sources["inventory_cost"].to_numpy(float)[src]

    carbon = float(st["carbon_price"]) / 1000.0
    unit_cost = transport + duty + lateness + carbon * co2 + inventory
    mode = lanes["_m"].to_numpy()[lane]
    # Dominance: keep the cheapest lane per (site, zone, product, source), and with a
    # service level also the cheapest on-time lane.
    key = ((s.astype(np.int64) * n_z + z) * n_p + p) * max(1, len(sources)) + src
    order = np.lexsort((mode, unit_cost, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    keep = order[first]
    # On-time lanes matter to a service level and to resilience (both count them).
    if st["min_service_level"] is not None or st.get("resilience_share") is not None:
        timely = order[on_time[order]]
        tkey = key[timely]
        tfirst = np.ones(len(timely), dtype=bool)
        tfirst[1:] = tkey[1:] != tkey[:-1]
        keep = np.union1d(keep, timely[tfirst])
    keep = keep[np.lexsort((mode[keep], key[keep]))]
    return pd.DataFrame({
        "site": sites["site"].to_numpy()[s[keep]], "zone": zones["zone"].to_numpy()[z[keep]],
        "product": products["product"].to_numpy()[p[keep]], "mode": lanes["mode"].to_numpy()[lane[keep]],
        "distance_km": distance[keep], "lead_time_days": lead[keep], "target_days": target[keep],
        "on_time": on_time[keep], "transport_cost": transport[keep], "duty_cost": duty[keep],
        "lateness_cost": lateness[keep], "co2_kg": co2[keep], "inventory_cost": inventory[keep],
        "unit_cost": unit_cost[keep], "source": sources["source"].to_numpy()[src[keep]],
        "origin": origin[src[keep]], "_s": s[keep], "_z": z[keep], "_p": p[keep], "_d": d[keep],
        "_group": sources["group"].to_numpy()[src[keep]], "_rank": sources["rank"].to_numpy()[src[keep]],
    })


def dearer_than_unmet(ship: pd.DataFrame, make: pd.DataFrame, site_tech: pd.DataFrame, demand: pd.DataFrame,
                      sites: pd.DataFrame, products: pd.DataFrame, settings) -> np.ndarray:
    """Lanes that no optimal plan uses: shipping a unit costs more (lane cost plus the cheapest way
    the site makes the product) than leaving it unmet at its penalty. Moving such a lane's units to
    unmet demand lowers the cost and frees capacity, so it is dropped, except where that move could
    break another row: a service level (12) counts shipped units, and a technology with a minimum
    utilisation (4) may need the units to keep its printers busy (there the lane stays); lanes
    from stock stay too.
    Returns a boolean mask over ``ship``."""
    penalty = demand["unmet_penalty"].to_numpy(float)[ship["_d"].to_numpy()]
    if (settings["min_service_level"] is not None or settings.get("resilience_share") is not None
            or ship.empty or np.isnan(penalty).all()):
        return np.zeros(len(ship), dtype=bool)
    n_p = len(products)
    mk = make.merge(site_tech[["site", "technology", "min_utilisation"]], on=["site", "technology"])
    code = (pd.Index(sites["site"]).get_indexer(mk["site"]).astype(np.int64) * n_p
            + pd.Index(products["product"]).get_indexer(mk["product"]))
    cheapest = pd.Series(mk["unit_cost"].to_numpy(float)).groupby(code).min()
    busy = pd.Series(mk["min_utilisation"].to_numpy(float) > 0).groupby(code).any()
    ship_code = ship["_s"].to_numpy(np.int64) * n_p + ship["_p"].to_numpy()
    unit = ship["unit_cost"].to_numpy(float) + cheapest.reindex(ship_code).to_numpy(float)
    held = busy.reindex(ship_code).fillna(True).to_numpy(bool)
    # From stock the goods may come from another site's cheaper technology: such lanes stay.
    held = held | (ship["source"].to_numpy() == stock.STOCK)
    return ~held & ~np.isnan(penalty) & (unit > penalty + 1e-9)


def derive(case: Case, every_lane: bool = False) -> ModelData:
    """Compute derived data and sparse index sets for ``case`` (SPEC sections 2 and 3).

    ``every_lane`` keeps the lanes :func:`dearer_than_unmet` would drop: a planner's own rows
    (``extra_rows``, ``extra_constraints``) may need them."""
    s = case.settings
    # Id-sorted frames: integer codes (positions) then sort like the ids.
    sites = case.table("sites")
    sites = sites[sites["status"] != "closed"].sort_values("site").reset_index(drop=True)
    zones = case.table("zones").sort_values("zone").reset_index(drop=True)
    products = case.table("products").sort_values("product").reset_index(drop=True)
    tiers = _tiers(case)
    demand = _demand(case).sort_values(["zone", "product"]).reset_index(drop=True)
    demand["_z"] = pd.Index(zones["zone"]).get_indexer(demand["zone"])
    demand["_p"] = pd.Index(products["product"]).get_indexer(demand["product"])
    processes = case.table("processes")
    site_tech = _site_tech(case, sites)
    lanes = compute_lanes(case, sites, demand, zones)

    # What a site can make on the technologies it hosts, and what it can ship from (SPEC section 8).
    techs = case.table("technologies")[["technology", "make_to_stock", "dispatch_days"]]
    site_proc = site_tech[["site", "technology"]].merge(processes, on="technology").merge(techs, on="technology")
    territory = stock.territories(case, set(sites["country"]) | set(zones["country"]))
    transfers = stock.compute_transfers(case, sites, products, site_proc, territory)
    band_t = bands.band_table(case)
    levels = bands.order_levels(stock.order_sources(site_proc), band_t)
    sources = _sources(case, levels, site_proc, sites, products, transfers)
    members = None
    if aggregate.mergeable(s, every_lane):
        merged = aggregate.demand_classes(s, demand, zones, lanes, sources, sites,
                                          products["weight_kg"].to_numpy(float))
        if merged is not None:
            demand, members = merged
    ship = _product_lanes(case, lanes, demand, sources, sites, zones, products, territory)
    # With utilisation bands, a lane at a faster level is dropped where a slower one serves as well.
    ship = ship[bands.prune_levels(ship, ship["_rank"].to_numpy(), ship["_group"].to_numpy(),
                                   s["min_service_level"] is not None or s.get("resilience_share") is not None)
                ].reset_index(drop=True)

    # Demand each site can reach, per product: bounds printers and tooling.
    quantity = demand["quantity"].to_numpy(float)
    skp_first = np.ones(len(ship), dtype=bool)
    skp_key = (ship["_s"].to_numpy(np.int64) * len(zones) + ship["_z"].to_numpy()) * len(products) + ship["_p"].to_numpy()
    skp_first[1:] = skp_key[1:] != skp_key[:-1]
    sp_code = ship["_s"].to_numpy(np.int64)[skp_first] * len(products) + ship["_p"].to_numpy()[skp_first]
    reach_arr = np.bincount(sp_code, weights=quantity[ship["_d"].to_numpy()[skp_first]],
                            minlength=len(sites) * len(products))
    nz = np.flatnonzero(reach_arr > 0)
    reach = pd.DataFrame({"site": sites["site"].to_numpy()[nz // len(products)],
                          "product": products["product"].to_numpy()[nz % len(products)], "reach": reach_arr[nz]})

    make = site_proc.merge(reach, on=["site", "product"], how="left")
    # What is made to stock can reach every zone a warehouse it supplies reaches: bound it by
    # the product's whole demand; what is made to order only by its own lanes.
    total = demand.groupby("product")["quantity"].sum()
    make["reach"] = np.where(make["make_to_stock"], make["product"].map(total).fillna(0.0), make["reach"])
    make = make[make["reach"].fillna(0.0) > 0]
    # A banded technology's rows that sum over its bands take the loosest band's cap (they stay
    # valid relaxations); its printer bound the tightest's (the most printers any band needs).
    loosest = site_tech["technology"].map(band_t.groupby("technology")["max_utilisation"].max())
    tightest = site_tech["technology"].map(band_t.groupby("technology")["max_utilisation"].min())
    usable_h = loosest.fillna(site_tech["max_utilisation"]) * site_tech["hours_per_year"]
    site_tech = site_tech.assign(usable_hours=usable_h,
                                 fewest_hours=tightest.fillna(site_tech["max_utilisation"]) * site_tech["hours_per_year"])
    need_h = (make["reach"] * make["hours_per_unit"]).groupby([make["site"], make["technology"]]).sum()
    site_tech = site_tech.join(need_h.rename("need_hours"), on=["site", "technology"])
    site_tech = site_tech[site_tech["need_hours"].notna()].reset_index(drop=True)
    needed = np.ceil(site_tech["need_hours"] / site_tech["fewest_hours"] - 1e-9)
    site_tech["needed"] = needed

    site_limits = sites.set_index("site")["max_printers"]
    tier_tech = site_tech[["site", "technology", "st_max", "needed"]].merge(tiers[["tier", "max_printers"]], how="cross")
    tier_tech["site_max"] = tier_tech["site"].map(site_limits)
    tier_tech["pbar"] = tier_tech[["site_max", "max_printers", "st_max", "needed"]].min(axis=1, skipna=True)
    tier_tech = tier_tech[["site", "tier", "technology", "pbar"]].reset_index(drop=True)
    pbar_max = tier_tech.groupby(["site", "technology"])["pbar"].max()
    site_tech = site_tech.join(pbar_max.rename("pbar_max"), on=["site", "technology"])

    open_index = sites[["site", "fixed_cost", "max_printers", "status", "cost_multiplier"]].merge(
        tiers.rename(columns={"fixed_cost": "tier_fixed_cost", "max_printers": "tier_max_printers",
                              "cost_multiplier": "tier_cost_multiplier"}), how="cross")
    open_index["slot_limit"] = open_index[["max_printers", "tier_max_printers"]].min(axis=1, skipna=True)
    open_index = open_index.rename(columns={"fixed_cost": "site_fixed_cost"}).reset_index(drop=True)

    make = make.merge(tier_tech[tier_tech["pbar"] > 0][["site", "tier", "technology"]], on=["site", "technology"])
    make = make.merge(open_index[["site", "tier", "cost_multiplier", "tier_cost_multiplier"]], on=["site", "tier"])
    make["production_cost"] = make["variable_cost"] * make["cost_multiplier"] * make["tier_cost_multiplier"]
    carbon = float(s["carbon_price"]) / 1000.0
    make["unit_cost"] = make["production_cost"] + carbon * make["co2_kg_per_unit"]
    # One make row per band of a banded technology (SPEC section 9); '' where it has none.
    make = make.merge(band_t[["technology", "band", "queue_days"]], on="technology", how="left")
    make["band"] = make["band"].fillna("")
    make["queue_days"] = make["queue_days"].fillna(0.0)
    labels = levels[["site", "product", "technology", "band", "source", "group", "rank"]]
    make = make.merge(labels, on=["site", "product", "technology", "band"], how="left")
    make["source"] = make["source"].fillna(stock.STOCK)
    make["group"] = make["group"].fillna("")
    make["rank"] = make["rank"].fillna(0).astype(int)
    make["origin"] = make["site"].map(sites.set_index("site")["country"])
    make = make[["site", "tier", "product", "technology", "band", "queue_days", "hours_per_unit", "production_cost",
                 "co2_kg_per_unit", "unit_cost", "setup_cost", "reach", "source", "group", "rank", "origin"]]
    make = make.sort_values(["site", "tier", "product", "technology", "band"]).reset_index(drop=True)

    tooling = make[make["setup_cost"] > 0].drop_duplicates(["site", "product", "technology"])
    tooling = tooling.merge(site_tech[["site", "technology", "usable_hours", "pbar_max"]], on=["site", "technology"])
    cap_units = tooling["usable_hours"] * tooling["pbar_max"] / tooling["hours_per_unit"]
    tooling = tooling.assign(big_m=np.minimum(tooling["reach"], cap_units))
    tooling = tooling[["site", "product", "technology", "setup_cost", "big_m"]].reset_index(drop=True)

    # Ship made to order only what some (site, tier, technology) can make; from stock what the
    # stock is fed with (made to stock at the site, or transferred in).
    # Made to order: a lane at a level is fed by the make rows of that level or a faster one
    # (through Down), so it needs some make row at a rank no higher than its own.
    made = make[make["source"] != stock.STOCK][["site", "product", "source"]].drop_duplicates()
    made = made.merge(levels[["site", "product", "source", "group", "rank"]].drop_duplicates(),
                      on=["site", "product", "source"])
    fastest = made.groupby(["site", "product", "group"])["rank"].min()
    fed = pd.MultiIndex.from_frame(pd.concat([
        make.loc[make["source"] == stock.STOCK, ["site", "product", "origin"]],
        transfers[["to_site", "product", "origin"]].set_axis(["site", "product", "origin"], axis=1)]))
    is_stock = ship["source"].to_numpy() == stock.STOCK
    first_made = fastest.reindex(pd.MultiIndex.from_frame(ship[["site", "product", "_group"]])).to_numpy(float)
    feasible = np.where(is_stock, pd.MultiIndex.from_frame(ship[["site", "product", "origin"]]).isin(fed),
                        ship["_rank"].to_numpy(float) >= first_made)
    ship = ship[feasible].reset_index(drop=True)
    if not every_lane:
        ship = ship[~dearer_than_unmet(ship, make, site_tech, demand, sites, products, s)].reset_index(drop=True)
    ship["quantity"] = quantity[ship["_d"].to_numpy()]
    key = (ship["_s"].to_numpy(np.int64) * len(zones) + ship["_z"].to_numpy()) * len(products) + ship["_p"].to_numpy()
    first = np.ones(len(ship), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    skp_ids = np.cumsum(first) - 1
    skp = ship.loc[first, ["site", "zone", "product", "quantity"]].reset_index(drop=True)
    unmet_rows = np.flatnonzero(demand["unmet_penalty"].notna().to_numpy())
    stocks, tangents = stock.stock_pieces(case, ship, sites, products)
    transfers = _reachable_transfers(transfers, ship)
    country = sites.set_index("site")["country"]
    made_levels = levels.merge(made[["site", "product", "group"]].drop_duplicates(), on=["site", "product", "group"])
    downs = bands.downgrades(made_levels, country)
    downs = downs.join(make.groupby(["site", "product"])["reach"].max(), on=["site", "product"])
    return ModelData(settings=dict(s), sites=sites, tiers=tiers, open_index=open_index, site_tech=site_tech,
                     tier_tech=tier_tech, make=make, tooling=tooling, ship=ship, demand=demand, lanes=lanes,
                     unmet_rows=unmet_rows, skp=skp, skp_ids=skp_ids.astype(np.int64),
                     transfers=transfers, stock=stocks, tangents=tangents,
                     site_bands=bands.site_bands(site_tech, band_t), downgrades=downs.reset_index(drop=True),
                     zones=zones, products=products, members=members)


def _sources(case: Case, levels: pd.DataFrame, site_proc: pd.DataFrame, sites: pd.DataFrame,
             products: pd.DataFrame, transfers: pd.DataFrame) -> pd.DataFrame:
    """What each site can ship each product from (:mod:`footprint.stock`; made to order per level
    of :func:`footprint.bands.order_levels`), as the columns :func:`_product_lanes` expects."""
    order = levels.drop_duplicates(["site", "product", "source"])
    order = order.assign(extra_days=order["dispatch_days"] + order["queue_days"], stock=False, inventory_cost=0.0,
                         origin=sites.set_index("site").loc[order["site"], "country"].to_numpy())
    held = stock.stock_sources(site_proc, sites, transfers)
    linear, _, _ = stock.inventory_terms(case, sites, products, held["site"], held["product"])
    held = held.assign(source=stock.STOCK, extra_days=0.0, stock=True, inventory_cost=linear, group="", rank=0)
    cols = ["site", "product", "source", "extra_days", "stock", "origin", "inventory_cost", "group", "rank"]
    out = pd.concat([order[cols], held[cols]], ignore_index=True)
    out["_s"] = pd.Index(sites["site"]).get_indexer(out["site"])
    out["_p"] = pd.Index(products["product"]).get_indexer(out["product"])
    return out


def _reachable_transfers(transfers: pd.DataFrame, ship: pd.DataFrame) -> pd.DataFrame:
    """Transfers into a stock that ships the product somewhere (others can carry nothing useful),
    with their bound: the demand the receiving stock can reach (units/year)."""
    from_stock = ship[ship["source"] == stock.STOCK].drop_duplicates(["site", "zone", "product"])
    reach = from_stock.groupby(["site", "product"])["quantity"].sum().rename("big_m")
    out = transfers.join(reach, on=["to_site", "product"])
    return out[out["big_m"].fillna(0.0) > 0].reset_index(drop=True)
