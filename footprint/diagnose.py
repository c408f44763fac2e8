"""Why a case has no feasible plan: checks before solving, and after the solver proves it.

Before solving, demand that no site can serve at all (no process, no site
hosting a technology for it, no lane, no lane on time under the hard
lead-time policy) is named by zone and product. When the solver proves the
model infeasible, an elastic copy (every demand may go unmet, and the only
cost is the unmet units) tells which demand the limits leave unserved.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from footprint.case import Case
from footprint.derive import ModelData, compute_lanes, derive

MAX_LINES = 20


def unreachable_demand(case: Case, data: ModelData) -> list[str]:
    """One line per must-serve (zone, product) that no lane can serve, with the reason."""
    dem = data.demand
    must = dem[dem["unmet_penalty"].isna()]
    served = set(zip(data.ship["zone"], data.ship["product"]))
    missing = must[[kp not in served for kp in zip(must["zone"], must["product"])]]
    if missing.empty:
        return []
    processes = case.table("processes")
    product_techs = processes.groupby("product")["technology"].apply(set).to_dict()
    all_pairs = _site_tech_all(case, data)
    # Lanes regardless of lead-time targets, to the zones concerned only, so that
    # "no lane at all" can be told apart from "no lane fast enough".
    lanes = compute_lanes(case.with_settings({"lead_time_policy": "soft"}), data.sites,
                          data.demand[data.demand["zone"].isin(missing["zone"])])
    lines = []
    for _, row in missing.head(MAX_LINES).iterrows():
        zone, product = row["zone"], row["product"]
        techs = product_techs.get(product, set())
        where = f"zone {zone}, product {product} ({row['quantity']:g} units)"
        if not techs:
            lines.append(f"{where}: no technology can make it (no processes row for {product})")
            continue
        able = set(all_pairs.loc[all_pairs["technology"].isin(techs), "site"])
        if not able:
            lines.append(f"{where}: no open-able site hosts a technology that makes it ({', '.join(sorted(techs))})")
            continue
        reach = lanes[(lanes["zone"] == zone) & lanes["site"].isin(able)]
        if reach.empty:
            lines.append(f"{where}: no lane reaches the zone from a site that can make it "
                         f"({', '.join(sorted(able))}); check modes' max_distance_km and lanes' allowed")
            continue
        target = row["lead_time_target_days"]
        lead = reach.merge(data.sites[["site", "lead_time_days"]], on="site")
        lead_days = (lead["lead_time_days"] + lead["transit_days"]).to_numpy()
        late = (case.settings["lead_time_policy"] == "hard" and not np.isnan(target)
                and not (lead_days <= target + 1e-9).any())
        if late:
            best = lead.iloc[int(np.argmin(lead_days))]
            lines.append(f"{where}: lead-time target {target:g} days is out of reach under the hard policy; "
                         f"the fastest lane (site {best['site']} by {best['mode']}) takes {lead_days.min():.2f} days")
        else:
            lines.append(f"{where}: the sites that can reach it ({', '.join(sorted(set(reach['site'])))}) may "
                         "have no printer for it: max_printers is 0 in sites, tiers or site_technologies")
    if len(missing) > MAX_LINES:
        lines.append(f"... and {len(missing) - MAX_LINES} more zone × product pairs that cannot be served")
    return lines


def _site_tech_all(case: Case, data: ModelData) -> pd.DataFrame:
    """Every (active site, technology) pair allowed, before demand-based pruning."""
    st = case.table("site_technologies")
    if st is None:
        return data.sites[["site"]].merge(case.table("technologies")[["technology"]], how="cross")
    return st[st["site"].isin(data.sites["site"])][["site", "technology"]]


def setting_conflicts(data: ModelData) -> list[str]:
    """Limits that no plan can meet, found without solving."""
    lines = []
    s = data.settings
    n_sites = len(data.sites)
    if s.get("min_open_sites") is not None and s["min_open_sites"] > n_sites:
        lines.append(f"settings min_open_sites = {s['min_open_sites']} but only {n_sites} sites are not closed")
    must_open = int((data.sites["status"] == "open").sum())
    if s.get("max_open_sites") is not None and s["max_open_sites"] < must_open:
        lines.append(f"settings max_open_sites = {s['max_open_sites']} but {must_open} sites have status open")
    alpha = s.get("min_service_level")
    if alpha is not None:
        on_time = data.ship[data.ship["on_time"]][["zone", "product"]].drop_duplicates()
        reachable = data.demand.merge(on_time, on=["zone", "product"])["quantity"].sum()
        total = data.demand["quantity"].sum()
        if total > 0 and reachable < alpha * total - 1e-9:
            lines.append(f"settings min_service_level = {alpha:g} but only {reachable / total:.4f} of demand "
                         "has any on-time lane")
    return lines


def elastic_diagnosis(case: Case) -> list[str]:
    """Solve a copy where all demand may go unmet and only unmet units cost; name what stays unmet."""
    from footprint.model import build_blocks
    from footprint.model.blocks import CostTerm
    from footprint.strategy import solve_blocks

    demand = case.tables["demand"].copy()
    # Any penalty makes every demand elastic; the objective below counts unmet units only. A huge
    # one keeps derive from dropping lanes dearer than the penalty (dearer_than_unmet).
    demand["unmet_penalty"] = 1e12
    elastic = type(case)(case.name, {**case.tables, "demand": demand}, dict(case.settings), case.sources)
    data = derive(elastic)
    blocks = build_blocks(data)
    blocks.costs = [CostTerm("unmet", [("Unmet", np.ones(len(data.unmet_rows)))])]
    outcome = solve_blocks(blocks, elastic.settings)
    if not outcome.has_plan:
        return ["no plan exists even if demand may go unmet: a site with status open, a site count limit, "
                "minimum utilisation or the service level cannot be met"]
    unmet_values = outcome.values["Unmet"]
    unmet = [(data.demand["zone"].iat[d], data.demand["product"].iat[d], float(u))
             for d, u in zip(data.unmet_rows, unmet_values) if u > 1e-6]
    if not unmet:
        return ["the solver proved infeasibility, but every demand can be served when shortfalls are allowed; "
                "check the service level and site count settings"]
    total = sum(u for _, _, u in unmet)
    lines = [f"at least {total:g} units of demand cannot be served within the limits "
             "(printer limits of sites, tiers and site_technologies, site count limits, max utilisation):"]
    for zone, product, units in sorted(unmet, key=lambda x: -x[2])[:MAX_LINES]:
        lines.append(f"  zone {zone}, product {product}: {units:g} units")
    return lines
