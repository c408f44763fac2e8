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

from footprint.aggregate import full_demand, merged_keys, spread_rows
from footprint import bands
from footprint.case import Case
from footprint.derive import ModelData, compute_lanes, derive

MAX_LINES = 20


def unreachable_demand(case: Case, data: ModelData, rows: pd.DataFrame | None = None) -> list[str]:
    """One line per must-serve (zone, product) that no lane can serve, with the reason; or per
    row of ``rows`` (demand rows, e.g. those a plan leaves unserved at their penalty)."""
    dem = full_demand(data)
    must = dem[dem["unmet_penalty"].isna()] if rows is None else rows
    served = set(zip(data.ship["zone"], data.ship["product"]))
    keyed = merged_keys(must, data)   # a zone merged into another's demand row is served by its lanes
    missing = must[[kp not in served for kp in zip(keyed["zone"], keyed["product"])]]
    if missing.empty:
        return []
    processes = case.table("processes")
    product_techs = processes.groupby("product")["technology"].apply(set).to_dict()
    all_pairs = _site_tech_all(case, data)
    # Lanes regardless of lead-time targets, to the zones concerned only, so that
    # "no lane at all" can be told apart from "no lane fast enough".
    lanes = compute_lanes(case.with_settings({"lead_time_policy": "soft"}), data.sites,
                          dem[dem["zone"].isin(missing["zone"])])
    lines = []
    for _, row in missing.head(MAX_LINES).iterrows():
        zone, product = row["zone"], row["product"]
        techs = product_techs.get(product, set())
        where = f"zone {zone}, product {product} ({row['quantity']:g} units)"
        if not techs:
            lines.append(f"{where}: no technology can make it (no processes row for {product})")
            continue
        extra = _fastest_source(case, data, all_pairs, techs)
        able = set(extra)
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
        lead_days = (lead["lead_time_days"] + lead["site"].map(extra) + lead["transit_days"]).to_numpy()
        late = (case.settings["lead_time_policy"] == "hard" and not np.isnan(target)
                and not (lead_days <= target + 1e-9).any())
        if late:
            best = lead.iloc[int(np.argmin(lead_days))]
            how = "from stock" if extra[best["site"]] == 0 else f"made to order, {extra[best['site']]:g} days to dispatch"
            lines.append(f"{where}: lead-time target {target:g} days is out of reach under the hard policy; "
                         f"the fastest lane (site {best['site']} by {best['mode']}, {how}) takes "
                         f"{lead_days.min():.2f} days")
        else:
            lines.append(f"{where}: the sites that can reach it ({', '.join(sorted(set(reach['site'])))}) may "
                         "have no printer for it: max_printers is 0 in sites, tiers or site_technologies")
    if len(missing) > MAX_LINES:
        lines.append(f"... and {len(missing) - MAX_LINES} more zone × product pairs that cannot be served")
    return lines


def _fastest_source(case: Case, data: ModelData, pairs: pd.DataFrame, techs: set) -> dict[str, float]:
    """Per site that can ship a product made on ``techs``: the fewest days from order to
    dispatch beyond the site's own lead time (0 from stock; made to order, the technology's
    dispatch days and its fastest band's queue). Warehouses count where some technology of the
    product makes to stock (SPEC section 8)."""
    tech = case.table("technologies").set_index("technology")
    queue = bands.band_table(case).groupby("technology")["queue_days"].min()
    own = pairs[pairs["technology"].isin(techs)]
    to_stock = tech["make_to_stock"].reindex(own["technology"]).fillna(False).to_numpy(bool)
    days = np.where(to_stock, 0.0, tech["dispatch_days"].reindex(own["technology"]).to_numpy(float)
                    + queue.reindex(own["technology"]).fillna(0.0).to_numpy(float))
    extra = pd.Series(days, index=own["site"].to_numpy()).groupby(level=0).min().to_dict()
    if to_stock.any() or tech.loc[[t for t in techs if t in tech.index], "make_to_stock"].any():
        for site in data.sites.loc[data.sites["warehouse"].astype(bool), "site"]:
            extra[site] = 0.0
    return extra


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
    lines += _resilience_out_of_reach(data)
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
    """Why the solver proved the case infeasible, in the planner's words and numbers.

    An elastic copy (every demand may go unmet; the objective counts unmet units only) finds
    what cannot be served within the limits; then the limit that causes it is named with how
    far it falls short: the printer-hours the sites may hold against the hours the demand needs,
    ``max_open_sites`` (the copy re-solved without it serves everything), or the service level
    (the most units the limits let arrive on time). Otherwise the unserved demand is listed."""
    elastic = _elastic(case)
    outcome, data = _least_unmet(elastic)
    if not outcome.has_plan:
        lines = _service_level_short(elastic) if case.settings.get("min_service_level") is not None else []
        return lines or ["no plan exists even if demand may go unmet: a site with status open, a site count "
                         "limit, minimum utilisation or the service level cannot be met"]
    short = pd.DataFrame({"zone": data.demand["zone"].to_numpy()[data.unmet_rows],
                          "product": data.demand["product"].to_numpy()[data.unmet_rows],
                          "units": np.asarray(outcome.values["Unmet"], float)})
    short = spread_rows(short[short["units"] > 1e-6].reset_index(drop=True), data, ("units",))
    unmet = [(z, p, float(u)) for z, p, u in zip(short["zone"], short["product"], short["units"]) if u > 1e-6]
    if not unmet:
        return ["the solver proved infeasibility, but every demand can be served when shortfalls are allowed; "
                "check the service level and site count settings"]
    total = sum(u for _, _, u in unmet)
    lines = _hours_short(data, case) + _site_limit_short(elastic, data, unmet)
    lines.append(f"at least {total:g} units of demand cannot be served within the limits:")
    for zone, product, units in sorted(unmet, key=lambda x: -x[2])[:MAX_LINES]:
        lines.append(f"  zone {zone}, product {product}: {units:g} units")
    if len(unmet) > MAX_LINES:
        lines.append(f"  … and {len(unmet) - MAX_LINES} more zone × product pairs")
    return lines


def _elastic(case: Case) -> Case:
    """A copy whose every demand may go unmet (a huge penalty keeps derive from dropping lanes
    dearer than it, see dearer_than_unmet)."""
    demand = case.tables["demand"].copy()
    demand["unmet_penalty"] = 1e12
    return type(case)(case.name, {**case.tables, "demand": demand}, dict(case.settings), case.sources)


def _least_unmet(elastic: Case, weights=None):
    """Solve the elastic copy for the fewest unmet units; returns (outcome, data)."""
    from footprint.model import build_blocks
    from footprint.model.blocks import CostTerm
    from footprint.strategy import solve_blocks

    data = derive(elastic)
    blocks = build_blocks(data)
    blocks.costs = [CostTerm("unmet", [("Unmet", np.ones(len(data.unmet_rows)))])]
    return solve_blocks(blocks, elastic.settings), data


def _hours_short(data: ModelData, case: Case) -> list[str]:
    """The printer-hours every site may hold at its largest tier, against the hours the demand
    that must be served (``case``'s, before the elastic copy) needs at the least, each unit on
    its fastest process."""
    from footprint.model.capacity import open_hours

    original = case.tables["demand"]
    must = original[original["unmet_penalty"].isna()] if case.settings.get("unmet_penalty") is None else original[:0]
    fewest = data.make.groupby("product")["hours_per_unit"].min()
    need = float((must["quantity"] * must["product"].map(fewest)).fillna(0.0).sum())
    held = pd.Series(open_hours(data)).groupby(data.open_index["site"].to_numpy()).max().sum()
    if need <= held * (1 + 1e-9):
        return []
    return [f"the sites allowed to open can print {held:,.0f} h a year (their printer limits in sites, tiers "
            f"and site_technologies, at each technology's max_utilisation); the demand needs {need:,.0f} h "
            f"at the least: {need - held:,.0f} h short"]


def _site_limit_short(elastic: Case, data: ModelData, unmet) -> list[str]:
    """``max_open_sites`` named when lifting it serves what it leaves unserved."""
    limit = elastic.settings.get("max_open_sites")
    if limit is None:
        return []
    lifted, _ = _least_unmet(elastic.with_settings({"max_open_sites": None}))
    if not lifted.has_plan or float(np.sum(lifted.values["Unmet"])) > 1e-6:
        return []
    zones = sorted({zone for zone, _, _ in unmet})
    dem = full_demand(data).set_index(["zone", "product"])
    targets = sorted({float(dem.loc[(z, p), "lead_time_target_days"]) for z, p, _ in unmet
                      if not np.isnan(dem.loc[(z, p), "lead_time_target_days"])})
    within = f" within {', '.join(f'{t:g}' for t in targets)} days" if targets else ""
    shown = ", ".join(zones[:MAX_LINES]) + (f" and {len(zones) - MAX_LINES} more" if len(zones) > MAX_LINES else "")
    return [f"max_open_sites = {limit} leaves zones {shown} without a site that can serve them{within}; "
            "without the limit every zone can be served"]


def _service_level_short(elastic: Case) -> list[str]:
    """``min_service_level`` against the most units the limits let arrive on time."""
    from footprint.model import build_blocks
    from footprint.model.blocks import CostTerm
    from footprint.strategy import solve_blocks

    alpha = float(elastic.settings["min_service_level"])
    # Derived with the service level on (so that every on-time lane is kept), its row dropped.
    data = derive(elastic)
    blocks = build_blocks(data)
    blocks.rows = [b for b in blocks.rows if b.name != "ServiceLevel"]
    on_time = data.ship["on_time"].to_numpy(bool).astype(float)
    blocks.costs = [CostTerm("unmet", [("Ship", -on_time)])]
    outcome = solve_blocks(blocks, elastic.settings)
    if not outcome.has_plan:
        return []
    best = float(on_time @ outcome.values["Ship"])
    total = float(data.demand["quantity"].sum())
    if best >= alpha * total - 1e-6:
        return []
    return [f"min_service_level = {alpha:g} needs {alpha * total:,.0f} of {total:,.0f} units on time; the "
            f"limits let at most {best:,.0f} arrive on time ({best / total:.1%})"]


def _resilience_out_of_reach(data: ModelData) -> list[str]:
    """Zones whose demand no choice of sites can make resilient enough: the share of it that two
    or more sites could serve on time, with every candidate open, is below ``resilience_share``."""
    alpha = data.settings.get("resilience_share")
    if alpha is None:
        return []
    timely = data.ship[data.ship["on_time"].to_numpy(bool)][["site", "zone", "product"]].drop_duplicates()
    sites = timely.groupby(["zone", "product"])["site"].nunique()
    dem = data.demand.set_index(["zone", "product"])["quantity"]
    twice = dem[sites.reindex(dem.index).fillna(0).to_numpy() >= 2].groupby(level=0).sum()
    share = (twice.reindex(dem.groupby(level=0).sum().index).fillna(0.0) / dem.groupby(level=0).sum())
    short = share[share < alpha - 1e-9]
    if short.empty:
        return []
    once = dem[sites.reindex(dem.index).fillna(0).to_numpy() < 2]
    lines = [f"settings resilience_share = {alpha:g} is out of reach: in {len(short)} zone(s) too much demand "
             "can be served on time from one site only, whichever sites open:"]
    for zone, value in short.sort_values().head(MAX_LINES).items():
        products = ", ".join(once.loc[zone].index.astype(str)[:5]) if zone in once.index.get_level_values(0) else ""
        lines.append(f"  zone {zone}: at most {value:.0%} (only one site reaches {products} on time)")
    return lines
