"""Site → zone lanes (SPEC section 2): great-circle distances and every lane that can carry flow.

Split from :mod:`footprint.derive` (which re-exports these names): the geometry and the chunked,
vectorised lane computation, which drops lanes no demand can use before they take memory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from footprint.case import Case

EARTH_RADIUS_KM = 6371.0088
#: days a lane may exceed a target and still count as on time (rounding)
ON_TIME_TOLERANCE_DAYS = 1e-9


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km on a sphere of radius 6371.0088 km (arrays in degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def unit_vectors(lat, lon) -> np.ndarray:
    """Points on the unit sphere (n × 3) for degrees latitude and longitude."""
    phi, lmb = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    return np.column_stack([np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)])


def great_circle_km(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Great-circle km between unit vectors (row-wise): 2R·asin(chord/2), the haversine distance."""
    chord = np.sqrt(((u - v) ** 2).sum(axis=1))
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, chord / 2))


KM_PER_DEGREE_LATITUDE = np.pi * EARTH_RADIUS_KM / 180.0


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


def compute_lanes(case: Case, sites: pd.DataFrame, demand: pd.DataFrame, zones: pd.DataFrame | None = None
                  ) -> pd.DataFrame:
    """Every site × zone × mode lane that can carry flow, with distance, unit cost parts and transit.

    Columns: site, zone, mode, distance_km, cost_fixed (per unit, with the mode's cross-border
    premium where the site's and zone's countries differ), cost_per_kg (per kg of product),
    transit_days (with the cross-border days), co2_kg_per_tonne_km, co2_kg_per_kg. Computed in chunks
    of sites: lanes to zones without demand, beyond the mode's range, or
    slower than every target at the zone (hard policy) are dropped before
    they take memory; lanes listed in ``lanes`` are kept for their overrides.
    """
    modes, listed = case.table("modes"), case.table("lanes")
    zones = case.table("zones") if zones is None else zones
    cols = ["site", "zone", "mode", "distance_km", "cost_fixed", "cost_per_kg", "transit_days",
            "co2_kg_per_tonne_km", "co2_kg_per_kg", "max_distance_km", "_s", "_z", "_m"]
    if modes is None or modes.empty:
        lanes = listed[listed["allowed"]].copy()
        lanes = lanes[lanes["site"].isin(sites["site"])]
        lanes["distance_km"] = lanes["distance_km"].fillna(0.0)
        lanes["cost_fixed"] = lanes["cost_per_unit"]
        lanes["co2_kg_per_tonne_km"] = 0.0
        lanes["co2_kg_per_kg"] = 0.0
        lanes["max_distance_km"] = np.nan
        lanes["_s"] = pd.Index(sites["site"]).get_indexer(lanes["site"])
        lanes["_z"] = pd.Index(zones["zone"]).get_indexer(lanes["zone"])
        lanes["_m"] = pd.factorize(lanes["mode"], sort=True)[0]
        return lanes[cols].reset_index(drop=True)

    n_s, n_z, n_m = len(sites), len(zones), len(modes)
    limit = _zone_lead_limit(case, zones, demand)
    site_lead = sites["lead_time_days"].to_numpy(float)
    mode = {c: modes[c].to_numpy() for c in modes.columns}
    max_dist = np.where(np.isnan(mode["max_distance_km"].astype(float)), np.inf, mode["max_distance_km"].astype(float))
    min_dist = mode["min_distance_km"].astype(float)
    listed_codes = np.zeros(0, dtype=np.int64)
    if listed is not None and not listed.empty:
        s_pos = pd.Index(sites["site"]).get_indexer(listed["site"])
        z_pos = pd.Index(zones["zone"]).get_indexer(listed["zone"])
        m_pos = pd.Index(modes["mode"]).get_indexer(listed["mode"])
        ok = (s_pos >= 0) & (z_pos >= 0) & (m_pos >= 0)
        listed_codes = np.sort(((s_pos * n_z + z_pos) * n_m + m_pos)[ok].astype(np.int64))
    keep_s, keep_z, keep_m, keep_d = [], [], [], []
    s_vec = unit_vectors(sites["lat"], sites["lon"])
    z_vec = unit_vectors(zones["lat"], zones["lon"])
    # A great-circle distance is at least the latitude difference in km, so a
    # zone only needs the sites within its own reach in latitude: the
    # furthest any mode can travel within the zone's loosest target.
    circuity = mode["circuity"].astype(float)
    reach_days = limit[:, None] - mode["handling_days"][None, :].astype(float) - (site_lead.min() if n_s else 0.0)
    reach_km = np.minimum(reach_days * mode["speed_km_per_day"][None, :].astype(float), max_dist[None, :])
    band = np.max(reach_km / circuity[None, :], axis=1, initial=-np.inf) / KM_PER_DEGREE_LATITUDE + 1e-6
    s_lat = sites["lat"].to_numpy(float)
    s_order = np.argsort(s_lat, kind="stable")
    s_sorted = s_lat[s_order]
    z_lat = zones["lat"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        lo = np.searchsorted(s_sorted, z_lat - band, side="left")
        hi = np.searchsorted(s_sorted, z_lat + band, side="right")
    count = np.where(band >= 0, np.maximum(hi - lo, 0), 0)
    # Zones in chunks of about LANE_CHUNK / modes site-zone pairs, to bound memory.
    bounds = np.searchsorted(np.cumsum(count), np.arange(0, count.sum(), max(1, LANE_CHUNK // max(1, n_m))),
                             side="right")
    edges = np.unique(np.r_[0, bounds, n_z])
    for z0, z1 in zip(edges[:-1], edges[1:]):
        zs = np.arange(z0, z1)
        c = count[zs]
        pair_z = np.repeat(zs, c)
        offset = np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c)
        pair_s = s_order[np.repeat(lo[zs], c) + offset]
        gc = great_circle_km(s_vec[pair_s], z_vec[pair_z])
        s_idx, z_idx = np.repeat(pair_s, n_m), np.repeat(pair_z, n_m)
        m_idx, gc = np.tile(np.arange(n_m), len(pair_s)), np.repeat(gc, n_m)
        dist = gc * mode["circuity"][m_idx]
        transit = mode["handling_days"][m_idx] + dist / mode["speed_km_per_day"][m_idx]
        ok = ((dist <= max_dist[m_idx]) & (dist >= min_dist[m_idx])
              & (site_lead[s_idx] + transit <= limit[z_idx] + ON_TIME_TOLERANCE_DAYS))
        keep_s.append(s_idx[ok])
        keep_z.append(z_idx[ok])
        keep_m.append(m_idx[ok])
        keep_d.append(dist[ok].astype(float))
    if len(listed_codes):
        # Listed lanes are kept whatever their computed reach: their overrides decide.
        ls, rem = np.divmod(listed_codes, n_z * n_m)
        lz, lm = np.divmod(rem, n_m)
        dist = great_circle_km(s_vec[ls], z_vec[lz]) * mode["circuity"][lm].astype(float)
        keep_s.append(ls)
        keep_z.append(lz)
        keep_m.append(lm)
        keep_d.append(dist)
    s_idx, z_idx, m_idx = (np.concatenate(a).astype(np.int64) if a else np.zeros(0, np.int64)
                           for a in (keep_s, keep_z, keep_m))
    dist = np.concatenate(keep_d) if keep_d else np.zeros(0)
    if len(listed_codes):  # a listed lane may also have been computed: keep it once
        code = (s_idx * n_z + z_idx) * n_m + m_idx
        _, once = np.unique(code, return_index=True)
        once = np.sort(once)
        s_idx, z_idx, m_idx, dist = s_idx[once], z_idx[once], m_idx[once], dist[once]
    lanes = pd.DataFrame({
        "site": sites["site"].to_numpy()[s_idx], "zone": zones["zone"].to_numpy()[z_idx],
        "mode": mode["mode"][m_idx], "distance_km": dist, "cost_fixed": mode["cost_per_unit"][m_idx].astype(float),
        "co2_kg_per_tonne_km": mode["co2_kg_per_tonne_km"][m_idx].astype(float),
        "co2_kg_per_kg": mode["co2_kg_per_kg"][m_idx].astype(float),
        "max_distance_km": mode["max_distance_km"][m_idx].astype(float),
        "_cpkk": mode["cost_per_kg_km"][m_idx].astype(float), "_cpk": mode["cost_per_kg"][m_idx].astype(float),
        "_xcost": mode["cross_border_cost"][m_idx].astype(float), "_xdays": mode["cross_border_days"][m_idx].astype(float),
        "_min": mode["min_distance_km"][m_idx].astype(float), "_whole": mode["whole_days"][m_idx].astype(bool),
        "_speed": mode["speed_km_per_day"][m_idx].astype(float),
        "_handling": mode["handling_days"][m_idx].astype(float),
        "_s": s_idx, "_z": z_idx, "_m": m_idx,
    })
    if listed is not None and not listed.empty:
        over = listed.rename(columns={"distance_km": "o_dist", "cost_per_unit": "o_cpu",
                                      "cost_per_kg": "o_cpk", "transit_days": "o_transit"})
        lanes = lanes.merge(over[["site", "zone", "mode", "o_dist", "o_cpu", "o_cpk", "o_transit", "allowed"]],
                            on=["site", "zone", "mode"], how="left")
        has_dist = lanes["o_dist"].notna()
        lanes.loc[has_dist, "distance_km"] = lanes.loc[has_dist, "o_dist"]
        lanes = lanes[lanes["allowed"].fillna(True).astype(bool)]
    # A border crossing adds the mode's premium and days (customs, line-haul consolidation).
    crossing = (sites["country"].to_numpy()[lanes["_s"].to_numpy()] != zones["country"].to_numpy()[lanes["_z"].to_numpy()])
    lanes["cost_fixed"] = lanes["cost_fixed"] + np.where(crossing, lanes["_xcost"], 0.0)
    lanes["cost_per_kg"] = lanes["_cpkk"] * lanes["distance_km"] + lanes["_cpk"]
    transit = lanes["_handling"] + lanes["distance_km"] / lanes["_speed"] + np.where(crossing, lanes["_xdays"], 0.0)
    lanes["transit_days"] = np.where(lanes["_whole"], np.ceil(transit - ON_TIME_TOLERANCE_DAYS), transit)
    if "o_cpu" in lanes:
        has_cpu = lanes["o_cpu"].notna()
        lanes.loc[has_cpu, "cost_fixed"] = lanes.loc[has_cpu, "o_cpu"]
        lanes.loc[has_cpu, "cost_per_kg"] = lanes.loc[has_cpu, "o_cpk"]
        has_transit = lanes["o_transit"].notna()
        lanes.loc[has_transit, "transit_days"] = lanes.loc[has_transit, "o_transit"]
    too_far = lanes["max_distance_km"].notna() & (lanes["distance_km"] > lanes["max_distance_km"])
    too_near = lanes["distance_km"] < lanes["_min"]
    lanes = lanes[~too_far & ~too_near]
    return lanes[cols].reset_index(drop=True)
