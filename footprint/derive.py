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
  site can reach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from footprint.case import Case
from footprint.duties import match_duties

EARTH_RADIUS_KM = 6371.0088
ON_TIME_TOLERANCE_DAYS = 1e-9
DEFAULT_TIER = "default"


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km on a sphere of radius 6371.0088 km (arrays in degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


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
    skp: pd.DataFrame = None       # unique (site, zone, product) of ``ship``, with quantity
    skp_ids: np.ndarray = None     # row of ``skp`` for each row of ``ship``


def _tiers(case: Case) -> pd.DataFrame:
    tiers = case.table("tiers")
    if tiers is None or tiers.empty:
        return pd.DataFrame({"tier": [DEFAULT_TIER], "fixed_cost": [0.0], "max_printers": [np.nan],
                             "cost_multiplier": [1.0]})
    return tiers[["tier", "fixed_cost", "max_printers", "cost_multiplier"]].reset_index(drop=True)


def _zone_lead_limit(case: Case, zones: pd.DataFrame, demand: pd.DataFrame) -> np.ndarray:
    """Longest useful lead time per zone (days): lanes slower than this can serve nothing.

    Under the hard policy a lane is only created for products whose target it
    meets, so a lane slower than the zone's loosest target is never used;
    under the soft policy, or where a product has no target, every lane may
    serve (infinite limit). Zones without demand get -inf (no lane needed).
    """
    limit = np.full(len(zones), -np.inf)
    if demand.empty:
        return limit
    target = demand["lead_time_target_days"].fillna(np.inf)
    if case.settings["lead_time_policy"] != "hard":
        target = pd.Series(np.inf, index=target.index)
    loosest = target.groupby(demand["zone"]).max()
    pos = pd.Index(zones["zone"]).get_indexer(loosest.index)
    limit[pos] = loosest.to_numpy()
    return limit


LANE_CHUNK = 2_000_000  # site × zone × mode combinations computed at once (bounds memory)


def compute_lanes(case: Case, sites: pd.DataFrame, demand: pd.DataFrame) -> pd.DataFrame:
    """Every site × zone × mode lane that can carry flow, with distance, unit cost parts and transit.

    Columns: site, zone, mode, distance_km, cost_fixed (per unit), cost_per_kg
    (per kg of product), transit_days, co2_kg_per_tonne_km. Computed in chunks
    of sites: lanes to zones without demand, beyond the mode's range, or
    slower than every target at the zone (hard policy) are dropped before
    they take memory; lanes listed in ``lanes`` are kept for their overrides.
    """
    zones, modes, listed = case.table("zones"), case.table("modes"), case.table("lanes")
    cols = ["site", "zone", "mode", "distance_km", "cost_fixed", "cost_per_kg", "transit_days",
            "co2_kg_per_tonne_km", "max_distance_km"]
    if modes is None or modes.empty:
        lanes = listed[listed["allowed"]].copy()
        lanes = lanes[lanes["site"].isin(sites["site"])]
        lanes["distance_km"] = lanes["distance_km"].fillna(0.0)
        lanes["cost_fixed"] = lanes["cost_per_unit"]
        lanes["co2_kg_per_tonne_km"] = 0.0
        lanes["max_distance_km"] = np.nan
        return lanes[cols].reset_index(drop=True)

    n_s, n_z, n_m = len(sites), len(zones), len(modes)
    limit = _zone_lead_limit(case, zones, demand)
    site_lead = sites["lead_time_days"].to_numpy(float)
    mode = {c: modes[c].to_numpy() for c in modes.columns}
    max_dist = np.where(np.isnan(mode["max_distance_km"].astype(float)), np.inf, mode["max_distance_km"].astype(float))
    listed_codes = np.zeros(0, dtype=np.int64)
    if listed is not None and not listed.empty:
        s_pos = pd.Index(sites["site"]).get_indexer(listed["site"])
        z_pos = pd.Index(zones["zone"]).get_indexer(listed["zone"])
        m_pos = pd.Index(modes["mode"]).get_indexer(listed["mode"])
        ok = (s_pos >= 0) & (z_pos >= 0) & (m_pos >= 0)
        listed_codes = np.sort(((s_pos * n_z + z_pos) * n_m + m_pos)[ok].astype(np.int64))
    keep_s, keep_z, keep_m, keep_d = [], [], [], []
    step = max(1, LANE_CHUNK // max(1, n_z * n_m))
    z_lat, z_lon = zones["lat"].to_numpy(float), zones["lon"].to_numpy(float)
    s_lat, s_lon = sites["lat"].to_numpy(float), sites["lon"].to_numpy(float)
    for s0 in range(0, n_s, step):
        s_idx, z_idx, m_idx = np.meshgrid(np.arange(s0, min(n_s, s0 + step)), np.arange(n_z), np.arange(n_m),
                                          indexing="ij")
        s_idx, z_idx, m_idx = s_idx.ravel(), z_idx.ravel(), m_idx.ravel()
        dist = haversine_km(s_lat[s_idx], s_lon[s_idx], z_lat[z_idx], z_lon[z_idx]) * mode["circuity"][m_idx]
        transit = mode["handling_days"][m_idx] + dist / mode["speed_km_per_day"][m_idx]
        ok = (dist <= max_dist[m_idx]) & (site_lead[s_idx] + transit <= limit[z_idx] + ON_TIME_TOLERANCE_DAYS)
        if len(listed_codes):
            ok |= np.isin((s_idx.astype(np.int64) * n_z + z_idx) * n_m + m_idx, listed_codes)
        keep_s.append(s_idx[ok])
        keep_z.append(z_idx[ok])
        keep_m.append(m_idx[ok])
        keep_d.append(dist[ok])
    s_idx, z_idx, m_idx = (np.concatenate(a) for a in (keep_s, keep_z, keep_m))
    dist = np.concatenate(keep_d)
    lanes = pd.DataFrame({
        "site": sites["site"].to_numpy()[s_idx], "zone": zones["zone"].to_numpy()[z_idx],
        "mode": mode["mode"][m_idx], "distance_km": dist, "cost_fixed": mode["cost_per_unit"][m_idx].astype(float),
        "co2_kg_per_tonne_km": mode["co2_kg_per_tonne_km"][m_idx].astype(float),
        "max_distance_km": mode["max_distance_km"][m_idx].astype(float),
        "_cpkk": mode["cost_per_kg_km"][m_idx].astype(float), "_speed": mode["speed_km_per_day"][m_idx].astype(float),
        "_handling": mode["handling_days"][m_idx].astype(float),
    })
    if listed is not None and not listed.empty:
        over = listed.rename(columns={"distance_km": "o_dist", "cost_per_unit": "o_cpu",
                                      "cost_per_kg": "o_cpk", "transit_days": "o_transit"})
        lanes = lanes.merge(over[["site", "zone", "mode", "o_dist", "o_cpu", "o_cpk", "o_transit", "allowed"]],
                            on=["site", "zone", "mode"], how="left")
        has_dist = lanes["o_dist"].notna()
        lanes.loc[has_dist, "distance_km"] = lanes.loc[has_dist, "o_dist"]
        lanes = lanes[lanes["allowed"].fillna(True).astype(bool)]
    lanes["cost_per_kg"] = lanes["_cpkk"] * lanes["distance_km"]
    lanes["transit_days"] = lanes["_handling"] + lanes["distance_km"] / lanes["_speed"]
    if "o_cpu" in lanes:
        has_cpu = lanes["o_cpu"].notna()
        lanes.loc[has_cpu, "cost_fixed"] = lanes.loc[has_cpu, "o_cpu"]
        lanes.loc[has_cpu, "cost_per_kg"] = lanes.loc[has_cpu, "o_cpk"]
        has_transit = lanes["o_transit"].notna()
        lanes.loc[has_transit, "transit_days"] = lanes.loc[has_transit, "o_transit"]
    too_far = lanes["max_distance_km"].notna() & (lanes["distance_km"] > lanes["max_distance_km"])
    lanes = lanes[~too_far]
    return lanes[cols].reset_index(drop=True)


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


def _product_lanes(case: Case, lanes: pd.DataFrame, demand: pd.DataFrame, makeable: pd.DataFrame,
                   sites: pd.DataFrame) -> pd.DataFrame:
    """Expand lanes to (site, zone, product, mode) with per-unit costs, then prune dominated modes."""
    s = case.settings
    products = case.table("products")
    ship = lanes.merge(demand[["zone", "product", "lead_time_target_days"]], on="zone")
    ship = ship.merge(makeable, on=["site", "product"])
    ship = ship.merge(products[["product", "weight_kg", "value", "duty_class"]], on="product")
    ship = ship.merge(sites[["site", "lead_time_days", "country"]], on="site")
    ship = ship.merge(case.table("zones")[["zone", "country"]].rename(columns={"country": "zone_country"}), on="zone")
    ship["transport_cost"] = ship["cost_fixed"] + ship["cost_per_kg"] * ship["weight_kg"]
    ship["lead_time_days"] = ship["lead_time_days"] + ship["transit_days"]
    target = ship["lead_time_target_days"]
    late_days = np.maximum(0.0, ship["lead_time_days"] - target).fillna(0.0)
    ship["on_time"] = target.isna() | (ship["lead_time_days"] <= target + ON_TIME_TOLERANCE_DAYS)
    if s["lead_time_policy"] == "hard":
        ship = ship[ship["on_time"]]
        ship["lateness_cost"] = 0.0
    else:
        ship["lateness_cost"] = float(s["lateness_penalty"]) * late_days.loc[ship.index]
    ship["co2_kg"] = ship["co2_kg_per_tonne_km"] * ship["weight_kg"] / 1000.0 * ship["distance_km"]
    duty, _ = match_duties(case.table("duties"), case.table("country_groups"),
                           sorted(set(ship["duty_class"])), sorted(set(ship["country"])),
                           sorted(set(ship["zone_country"])))
    duty = duty.rename(columns={"origin": "country", "destination": "zone_country"})
    ship = ship.merge(duty[["duty_class", "country", "zone_country", "rate", "per_unit"]],
                      on=["duty_class", "country", "zone_country"], how="left")
    ship["duty_cost"] = (ship["rate"].fillna(0.0) * ship["value"] + ship["per_unit"].fillna(0.0))
    carbon = float(s["carbon_price"]) / 1000.0
    ship["unit_cost"] = ship["transport_cost"] + ship["duty_cost"] + ship["lateness_cost"] + carbon * ship["co2_kg"]
    # Dominance: keep the cheapest lane per (site, zone, product), and with a
    # service level also the cheapest on-time lane.
    ship = ship.sort_values(["site", "zone", "product", "unit_cost", "mode"], kind="stable")
    key = ["site", "zone", "product"]
    keep = ~ship.duplicated(key)
    if s["min_service_level"] is not None:
        on_time = ship[ship["on_time"]]
        keep |= ship.index.isin(on_time.index[~on_time.duplicated(key)])
    ship = ship[keep]
    ship = ship.rename(columns={"lead_time_target_days": "target_days"})
    cols = ["site", "zone", "product", "mode", "distance_km", "lead_time_days", "target_days", "on_time",
            "transport_cost", "duty_cost", "lateness_cost", "co2_kg", "unit_cost"]
    return ship[cols].sort_values(["site", "zone", "product", "mode"]).reset_index(drop=True)


def derive(case: Case) -> ModelData:
    """Compute derived data and sparse index sets for ``case`` (SPEC sections 2 and 3)."""
    s = case.settings
    sites = case.table("sites")
    sites = sites[sites["status"] != "closed"].reset_index(drop=True)
    tiers = _tiers(case)
    demand = _demand(case)
    processes = case.table("processes")
    site_tech = _site_tech(case, sites)
    lanes = compute_lanes(case, sites, demand)

    # (site, product) pairs a site can make on some technology it hosts.
    site_proc = site_tech[["site", "technology"]].merge(processes, on="technology")
    makeable = site_proc[["site", "product"]].drop_duplicates()
    ship = _product_lanes(case, lanes, demand, makeable, sites)

    # Demand each site can reach, per product: bounds printers and tooling.
    qty = demand.set_index(["zone", "product"])["quantity"]
    reach_rows = ship[["site", "zone", "product"]].drop_duplicates()
    reach_rows = reach_rows.join(qty, on=["zone", "product"])
    reach = reach_rows.groupby(["site", "product"], as_index=False)["quantity"].sum()
    reach = reach.rename(columns={"quantity": "reach"})

    make = site_proc.merge(reach, on=["site", "product"])
    usable_h = site_tech["max_utilisation"] * site_tech["hours_per_year"]
    site_tech = site_tech.assign(usable_hours=usable_h)
    need_h = (make["reach"] * make["hours_per_unit"]).groupby([make["site"], make["technology"]]).sum()
    site_tech = site_tech.join(need_h.rename("need_hours"), on=["site", "technology"])
    site_tech = site_tech[site_tech["need_hours"].notna()].reset_index(drop=True)
    needed = np.ceil(site_tech["need_hours"] / site_tech["usable_hours"] - 1e-9)
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
    make = make[["site", "tier", "product", "technology", "hours_per_unit", "production_cost",
                 "co2_kg_per_unit", "unit_cost", "setup_cost", "reach"]]
    make = make.sort_values(["site", "tier", "product", "technology"]).reset_index(drop=True)

    tooling = make[make["setup_cost"] > 0].drop_duplicates(["site", "product", "technology"])
    tooling = tooling.merge(site_tech[["site", "technology", "usable_hours", "pbar_max"]], on=["site", "technology"])
    cap_units = tooling["usable_hours"] * tooling["pbar_max"] / tooling["hours_per_unit"]
    tooling = tooling.assign(big_m=np.minimum(tooling["reach"], cap_units))
    tooling = tooling[["site", "product", "technology", "setup_cost", "big_m"]].reset_index(drop=True)

    # Ship only what some (site, tier, technology) can make.
    can_make = make[["site", "product"]].drop_duplicates()
    ship = ship.merge(can_make, on=["site", "product"])
    ship = ship.merge(demand[["zone", "product", "quantity"]], on=["zone", "product"])
    ship = ship.sort_values(["site", "zone", "product", "mode"]).reset_index(drop=True)
    key = ["site", "zone", "product"]
    first = ~ship.duplicated(key).to_numpy()
    skp_ids = np.cumsum(first) - 1
    skp = ship.loc[first, key + ["quantity"]].reset_index(drop=True)
    unmet_rows = np.flatnonzero(demand["unmet_penalty"].notna().to_numpy())
    return ModelData(settings=dict(s), sites=sites, tiers=tiers, open_index=open_index, site_tech=site_tech,
                     tier_tech=tier_tech, make=make, tooling=tooling, ship=ship, demand=demand, lanes=lanes,
                     unmet_rows=unmet_rows, skp=skp, skp_ids=skp_ids.astype(np.int64))
