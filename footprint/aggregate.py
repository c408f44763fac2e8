"""Exact aggregation of demand rows that no plan can tell apart (docs/SPEC.md clarification 22).

A case with a thousand zones and sixty parts has sixty thousand demand rows;
most of them are alike. Two rows of one product are interchangeable when they
have the same promise, penalty and destination country and every lane that can
serve one serves the other at the same per-unit cost and with the same sources
on time: their zones are then one customer as far as the model can see. Such
rows are solved as one row carrying their summed quantity, and the plan's
flows and unmet units are shared back to each zone in proportion to its
demand, with each zone's own lane distance, transit and emissions.

Why it is exact: every row of the model touches a demand row only through its
quantity (demand, strong linking, reach bounds, stock reach, service level),
and these are sums; a plan of the merged model split in proportion satisfies
every row of the full model at the same cost, and the full model's optimum
summed over each class is a plan of the merged one. Rows are compared by two
independent 64-bit hashes of their lane sets (a false match has a chance of
about 2⁻¹²⁸). Nothing is merged where zones enter rows of their own: single
sourcing, resilience, and a planner's own constraints.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from footprint.lanes import ON_TIME_TOLERANCE_DAYS

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)
#: beyond this many (product, promise) groups merging is not worth its time
MAX_GROUPS = 5_000


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijective scramble of 64-bit words."""
    x = x.astype(np.uint64)
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _bits(values: np.ndarray) -> np.ndarray:
    """The exact bit pattern of float64 values (0.0 and -0.0 alike)."""
    return (np.asarray(values, float) + 0.0).view(np.uint64)


def mergeable(settings: dict, every_lane: bool) -> bool:
    """Whether demand rows may be merged under these settings."""
    return not (every_lane or settings.get("single_sourcing") or settings.get("resilience_share") is not None)


def demand_classes(settings: dict, demand: pd.DataFrame, zones: pd.DataFrame, lanes: pd.DataFrame,
                   sources: pd.DataFrame, sites: pd.DataFrame, weight: np.ndarray
                   ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Merge interchangeable demand rows.

    ``demand`` has columns zone, product, quantity (units/year), lead_time_target_days,
    unmet_penalty, _z, _p (positions in ``zones`` and the products); ``lanes`` the columns of
    :func:`footprint.lanes.compute_lanes`; ``sources`` what each site ships each product from
    (_s, _p, extra_days in days); ``weight`` the products' kg per unit. Two rows match when,
    for every site and source, the cheapest lane that can carry the source's units to them
    costs the same (and, under the soft policy, is as late; with a carbon price, emits as
    much): the lanes the model keeps (:func:`footprint.derive._product_lanes`) then match.
    Returns the merged demand (same columns, one row per class, on the zone with the most
    demand of the class) and the members (zone, product, quantity, row: the merged row, share
    of its quantity), or None when nothing merges.
    """
    if demand.empty or lanes.empty:
        return None
    hard = settings["lead_time_policy"] == "hard"
    lateness_price = float(settings.get("lateness_penalty") or 0.0)
    carbon = float(settings["carbon_price"]) / 1000.0
    groups = demand.groupby(["_p", demand["lead_time_target_days"].fillna(np.inf)], sort=False).indices
    if len(groups) > MAX_GROUPS:
        return None
    n_s, n_z = len(sites), len(zones)
    site_lead = sites["lead_time_days"].to_numpy(float)
    ls, lz = lanes["_s"].to_numpy(np.int64), lanes["_z"].to_numpy(np.int64)
    transit = lanes["transit_days"].to_numpy(float)
    fixed, per_kg = lanes["cost_fixed"].to_numpy(float), lanes["cost_per_kg"].to_numpy(float)
    co2_per_kg = (lanes["co2_kg_per_tonne_km"].to_numpy(float) / 1000.0 * lanes["distance_km"].to_numpy(float)
                  + lanes["co2_kg_per_kg"].to_numpy(float))
    by_zone_site = np.lexsort((ls, lz))   # lanes of one (zone, site) together
    src_s, src_p = sources["_s"].to_numpy(), sources["_p"].to_numpy()
    extra = sources["extra_days"].to_numpy(float)
    country = pd.factorize(zones["country"])[0].astype(np.uint64)
    n_rows = len(demand)
    h1 = np.zeros(n_rows, np.uint64)
    h2 = np.zeros(n_rows, np.uint64)
    count = np.zeros(n_rows, np.int64)
    dz = demand["_z"].to_numpy()
    for (p, target), rows in groups.items():
        mine = src_p == p
        if not mine.any():
            continue
        # Extra days of each site's sources of the product, sorted, padded with +inf.
        per_site = np.bincount(src_s[mine], minlength=n_s)
        width = int(per_site.max())
        table = np.full((n_s, width), np.inf)
        ss, ee = src_s[mine], extra[mine]
        o = np.lexsort((ee, ss))
        ss, ee = ss[o], ee[o]
        table[ss, np.arange(len(ss)) - np.searchsorted(ss, ss)] = ee
        in_group = np.zeros(n_z, bool)
        in_group[dz[rows]] = True
        take = by_zone_site[in_group[lz[by_zone_site]] & (per_site[ls[by_zone_site]] > 0)]
        if len(take) == 0:
            continue
        s_t = ls[take]
        w = weight[p]
        cost = fixed[take] + per_kg[take] * w + carbon * co2_per_kg[take] * w
        lead = site_lead[s_t][:, None] + table[s_t] + transit[take][:, None]       # lanes × sources
        timely = lead <= target + ON_TIME_TOLERANCE_DAYS
        exists = np.isfinite(table[s_t])
        if hard:
            price = np.where(timely & exists, cost[:, None], np.inf)
        else:
            # days late where the source exists (padding and a missing target are never late)
            late = (np.maximum(0.0, np.where(exists, lead, target) - target) if np.isfinite(target)
                    else np.zeros_like(lead))
            price = np.where(exists, cost[:, None] + lateness_price * late, np.inf)
        # The cheapest lane per (zone, site, source): the one the model keeps.
        first = np.ones(len(take), bool)
        first[1:] = (lz[take][1:] != lz[take][:-1]) | (s_t[1:] != s_t[:-1])
        starts = np.flatnonzero(first)
        best = np.minimum.reduceat(price, starts, axis=0)                          # pairs × sources
        pair_zone, pair_site = lz[take][starts], s_t[starts]
        words = _mix(pair_site.astype(np.uint64)[:, None] * np.uint64(64) + np.arange(width, dtype=np.uint64)[None, :])
        words = _mix(words ^ _bits(np.where(np.isfinite(best), best, -1.0)))
        if not hard:   # a service level counts on-time units: the cheapest on-time lane too
            on_time = np.minimum.reduceat(np.where(timely & exists, cost[:, None], np.inf), starts, axis=0)
            words = _mix(words ^ _bits(np.where(np.isfinite(on_time), on_time, -1.0)))
        used = np.isfinite(best)
        w1 = np.where(used, words, np.uint64(0))
        w2 = np.where(used, _mix(words ^ np.uint64(0x9E3779B97F4A7C15)), np.uint64(0))
        pos_of_zone = np.full(n_z, -1, np.int64)
        pos_of_zone[dz[rows]] = rows
        row_of = pos_of_zone[pair_zone]
        with np.errstate(over="ignore"):
            np.add.at(h1, row_of, w1.sum(axis=1, dtype=np.uint64))
            np.add.at(h2, row_of, w2.sum(axis=1, dtype=np.uint64))
        np.add.at(count, row_of, used.sum(axis=1))
    key = pd.DataFrame({"p": demand["_p"].to_numpy(), "t": _bits(demand["lead_time_target_days"].fillna(-1.0)),
                        "u": _bits(demand["unmet_penalty"].fillna(-1.0)), "c": country[dz], "n": count,
                        "h1": h1, "h2": h2})
    cls = key.groupby(list(key.columns), sort=False).ngroup().to_numpy()
    n_cls = int(cls.max()) + 1
    if n_cls == n_rows:
        return None
    quantity = demand["quantity"].to_numpy(float)
    # The class's row sits on its member with the most demand (then the first zone id).
    rank = np.lexsort((demand["zone"].to_numpy(), -quantity, cls))
    first = np.ones(n_rows, bool)
    first[1:] = cls[rank][1:] != cls[rank][:-1]
    rep = np.empty(n_cls, np.int64)
    rep[cls[rank][first]] = rank[first]
    totals = np.bincount(cls, weights=quantity, minlength=n_cls)
    merged = demand.iloc[rep].copy()
    merged["quantity"] = totals
    merged["_cls"] = np.arange(n_cls)
    merged = merged.sort_values(["zone", "product"]).reset_index(drop=True)
    row_of_cls = np.empty(n_cls, np.int64)
    row_of_cls[merged["_cls"].to_numpy()] = np.arange(n_cls)
    members = demand[["zone", "product", "quantity"]].copy()
    members["row"] = row_of_cls[cls]
    members["share"] = np.where(totals[cls] > 0, quantity / np.where(totals[cls] > 0, totals[cls], 1.0), 1.0)
    return merged.drop(columns="_cls"), members.reset_index(drop=True)


def spread_flows(flows: pd.DataFrame, data) -> pd.DataFrame:
    """Share each merged row's flows back to its zones (units in proportion to demand; each
    zone's own distance, transit, lead time and emissions)."""
    if data.members is None or flows.empty:
        return flows
    mem = _members_by_rep(data)
    out = flows.merge(mem, left_on=["zone", "product"], right_on=["rep_zone", "product"], how="left")
    out["member"] = out["member"].fillna(out["zone"])
    out["share"] = out["share"].fillna(1.0)
    share = out["share"].to_numpy(float)
    for col in ("units", "transport_cost", "duty_cost", "lateness_cost"):
        out[col] = out[col].to_numpy(float) * share
    own = data.lanes[["site", "zone", "mode", "distance_km", "transit_days", "co2_kg_per_tonne_km", "co2_kg_per_kg"]]
    rep_lane = out[["site", "zone", "mode"]].merge(own, on=["site", "zone", "mode"], how="left")
    member_lane = out[["site", "member", "mode"]].rename(columns={"member": "zone"}).merge(
        own, on=["site", "zone", "mode"], how="left")
    weight = data.products.set_index("product")["weight_kg"].reindex(out["product"]).to_numpy(float)
    dist = member_lane["distance_km"].to_numpy(float)
    out["lead_time_days"] = (out["lead_time_days"].to_numpy(float) + member_lane["transit_days"].to_numpy(float)
                             - rep_lane["transit_days"].to_numpy(float))
    out["distance_km"] = dist
    out["co2_kg"] = ((member_lane["co2_kg_per_tonne_km"].to_numpy(float) / 1000.0 * dist
                      + member_lane["co2_kg_per_kg"].to_numpy(float)) * weight * out["units"])
    out["zone"] = out["member"]
    return out[flows.columns].sort_values(["site", "zone", "product", "mode", "source", "origin"]).reset_index(drop=True)


def spread_rows(table: pd.DataFrame, data, columns: tuple[str, ...]) -> pd.DataFrame:
    """Share a (zone, product) table of merged rows (e.g. unmet units and their penalty) back to
    the zones, the ``columns`` in proportion to demand."""
    if data.members is None or table.empty:
        return table
    mem = _members_by_rep(data)
    out = table.merge(mem, left_on=["zone", "product"], right_on=["rep_zone", "product"], how="left")
    out["zone"] = out["member"].fillna(out["zone"])
    share = out["share"].fillna(1.0).to_numpy(float)
    for col in columns:
        out[col] = out[col].to_numpy(float) * share
    return out[table.columns].sort_values(["zone", "product"]).reset_index(drop=True)


def full_demand(data) -> pd.DataFrame:
    """Every zone's own demand rows (zone, product, quantity, lead_time_target_days, unmet_penalty)."""
    if data.members is None:
        return data.demand
    dm = data.demand
    rows = data.members["row"].to_numpy()
    return pd.DataFrame({"zone": data.members["zone"].to_numpy(), "product": data.members["product"].to_numpy(),
                         "quantity": data.members["quantity"].to_numpy(float),
                         "lead_time_target_days": dm["lead_time_target_days"].to_numpy(float)[rows],
                         "unmet_penalty": dm["unmet_penalty"].to_numpy(float)[rows]})


def merged_keys(table: pd.DataFrame, data) -> pd.DataFrame:
    """A table keyed by the zones' own (zone, product) rows (an earlier plan's flows or unmet
    units) with each zone replaced by its merged row's zone, so that it matches this model."""
    if data.members is None or table.empty:
        return table
    rep_zone = data.demand["zone"].to_numpy()[data.members["row"].to_numpy()]
    to_rep = pd.Series(rep_zone, index=pd.MultiIndex.from_frame(data.members[["zone", "product"]]))
    rep = to_rep.reindex(pd.MultiIndex.from_frame(table[["zone", "product"]])).to_numpy()
    return table.assign(zone=np.where(pd.isna(rep), table["zone"].to_numpy(), rep))


def _members_by_rep(data) -> pd.DataFrame:
    mem = data.members
    return pd.DataFrame({"rep_zone": data.demand["zone"].to_numpy()[mem["row"].to_numpy()],
                         "product": mem["product"].to_numpy(), "member": mem["zone"].to_numpy(),
                         "share": mem["share"].to_numpy(float)})
