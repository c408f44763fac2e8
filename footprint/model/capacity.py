"""Capacity families: printers, utilisation, tiers and tooling.

Symbols: h[p,t] machine hours per unit (h/unit); H[t] hours per printer per
year (h/year); ū[t], u̲[t] max and min utilisation (share); P̄[s,l,t] the
printer bound of site s at tier l for technology t (printers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from footprint.derive import ModelData
from footprint.model.blocks import RowBlock, row_block
from footprint.model.index import group_ids, lookup, take


def printer_bounds(data: ModelData) -> RowBlock:
    """Printers only at open sites (constraint 6, second part).

    Printers[s,t] ≤ Σ_l P̄[s,l,t] · Open[s,l], with P̄ the smallest of the site,
    tier and site_technologies limits and the printers needed for all demand
    the site can reach.
    """
    st, tt = data.site_tech, data.tier_tech
    block = row_block("PrinterBound", len(st), upper=0.0, doc=printer_bounds.__doc__)
    block.add("Printers", np.arange(len(st)), np.arange(len(st)), 1.0)
    return block.add("Open", lookup(tt, ["site", "technology"], st), lookup(tt, ["site", "tier"], data.open_index),
                     -tt["pbar"].to_numpy())


def printer_slots(data: ModelData) -> RowBlock:
    """Floor space (constraint 6, first part).

    Σ_t Printers[s,t] ≤ Σ_l min(site max_printers, tier max_printers) · Open[s,l];
    written only for sites where some tier's limit is finite (elsewhere it is
    implied by the per-technology bounds; an unlimited tier's coefficient is
    then Σ_t P̄[s,l,t]).
    """
    oi, st = data.open_index, data.site_tech
    limited = oi.loc[oi["slot_limit"].notna(), "site"].unique()
    sites = np.array(sorted(set(limited) & set(st["site"])), dtype=object)
    rows_df = pd.DataFrame({"site": sites})
    block = row_block("PrinterSlots", len(sites), upper=0.0, doc=printer_slots.__doc__)
    st_row = lookup(st, ["site"], rows_df)
    keep = st_row >= 0
    block.add("Printers", st_row[keep], np.flatnonzero(keep), 1.0)
    pbar_sum = data.tier_tech.groupby(["site", "tier"], as_index=False)["pbar"].sum()
    coef = oi["slot_limit"].to_numpy(copy=True)
    fallback = lookup(oi, ["site", "tier"], pbar_sum)
    fill = take(pbar_sum["pbar"].to_numpy(), fallback)
    coef = np.where(np.isnan(coef), fill, coef)
    oi_row = lookup(oi, ["site"], rows_df)
    keep = oi_row >= 0
    return block.add("Open", oi_row[keep], np.flatnonzero(keep), -coef[keep])


def printer_capacity(data: ModelData) -> RowBlock:
    """Printer capacity (constraint 3), hours per year.

    Σ_{l,p} h[p,t] · Make[s,l,p,t] ≤ ū[t] · H[t] · Printers[s,t]
    """
    st, mk = data.site_tech, data.make
    block = row_block("PrinterCapacity", len(st), upper=0.0, doc=printer_capacity.__doc__)
    block.add("Make", lookup(mk, ["site", "technology"], st), np.arange(len(mk)), mk["hours_per_unit"].to_numpy())
    return block.add("Printers", np.arange(len(st)), np.arange(len(st)), -st["usable_hours"].to_numpy())


def minimum_utilisation(data: ModelData) -> RowBlock:
    """Minimum utilisation (constraint 4), hours per year; only where u̲[t] > 0.

    Σ_{l,p} h[p,t] · Make[s,l,p,t] ≥ u̲[t] · H[t] · Printers[s,t]
    """
    st, mk = data.site_tech, data.make
    with_min = np.flatnonzero(st["min_utilisation"].to_numpy() > 0)
    rows_df = st.iloc[with_min]
    block = row_block("MinUtilisation", len(with_min), lower=0.0, doc=minimum_utilisation.__doc__)
    mrow = lookup(mk, ["site", "technology"], rows_df)
    keep = mrow >= 0
    block.add("Make", mrow[keep], np.flatnonzero(keep), mk["hours_per_unit"].to_numpy()[keep])
    floor = (st["min_utilisation"] * st["hours_per_year"]).to_numpy()[with_min]
    return block.add("Printers", np.arange(len(with_min)), with_min, -floor)


def tier_link(data: ModelData) -> RowBlock:
    """Tier link (constraint 7): production at tier l only if the site opens at l.

    Σ_p h[p,t] · Make[s,l,p,t] ≤ ū[t] · H[t] · P̄[s,l,t] · Open[s,l]
    """
    mk = data.make
    ids, keys = group_ids(mk, ["site", "tier", "technology"])
    block = row_block("TierLink", len(keys), upper=0.0, doc=tier_link.__doc__)
    block.add("Make", ids, np.arange(len(mk)), mk["hours_per_unit"].to_numpy())
    usable = data.site_tech["usable_hours"].to_numpy()[lookup(keys, ["site", "technology"], data.site_tech)]
    pbar = data.tier_tech["pbar"].to_numpy()[lookup(keys, ["site", "tier", "technology"], data.tier_tech)]
    return block.add("Open", np.arange(len(keys)), lookup(keys, ["site", "tier"], data.open_index), -usable * pbar)


def tooling(data: ModelData) -> RowBlock:
    """Tooling (constraint 8), units per year; only where setup_cost > 0.

    Σ_l Make[s,l,p,t] ≤ M[s,p,t] · Tooled[s,p,t], with M the smaller of the
    demand the site can reach for p and the units its largest printer park
    of t can make.
    """
    mk, tl = data.make, data.tooling
    block = row_block("Tooling", len(tl), upper=0.0, doc=tooling.__doc__)
    row = lookup(mk, ["site", "product", "technology"], tl)
    keep = row >= 0
    block.add("Make", row[keep], np.flatnonzero(keep), 1.0)
    return block.add("Tooled", np.arange(len(tl)), np.arange(len(tl)), -tl["big_m"].to_numpy())


def _units_per_printer(data: ModelData) -> np.ndarray:
    """ū[t] · H[t] / h[p,t] for every make row: units one printer makes in a year."""
    mk, st = data.make, data.site_tech
    usable = st["usable_hours"].to_numpy()[lookup(mk, ["site", "technology"], st)]
    return usable / mk["hours_per_unit"].to_numpy()


def product_printer_link(data: ModelData) -> RowBlock:
    """Valid inequality (13): a product is made on t only where t has printers, units/year.

    Make[s,l,p,t] ≤ min(R[s,p], ū[t]·H[t]/h[p,t]) · Printers[s,t], with R[s,p]
    the demand for p the site can reach. Valid because balance and demand
    bound Make by R and printers are whole: min(R, c·n) ≤ min(R, c)·n for
    n ≥ 1. Written only where R < ū·H/h, elsewhere capacity (3) implies it.
    It makes a site that serves little demand pay for a whole printer in
    the linear relaxation instead of a sliver of one.
    """
    return _reach_link(data, "ProductPrinterLink", product_printer_link.__doc__, _units_per_printer(data),
                       "Printers", ["site", "technology"], data.site_tech)


def product_tier_link(data: ModelData) -> RowBlock:
    """Valid inequality (14): a product is made at tier l only if the site opens at l, units/year.

    Make[s,l,p,t] ≤ min(R[s,p], ū[t]·H[t]·P̄[s,l,t]/h[p,t]) · Open[s,l]; the
    per-product form of the tier link (7), written only where R is the
    smaller (elsewhere (7) implies it).
    """
    mk = data.make
    pbar = data.tier_tech["pbar"].to_numpy()[lookup(mk, ["site", "tier", "technology"], data.tier_tech)]
    return _reach_link(data, "ProductTierLink", product_tier_link.__doc__, _units_per_printer(data) * pbar,
                       "Open", ["site", "tier"], data.open_index)


def _reach_link(data: ModelData, name: str, doc: str, limit: np.ndarray, var: str, keys: list[str],
                frame: pd.DataFrame) -> RowBlock:
    """Rows Make[i] − R[i] · var[key of i] ≤ 0 for the make rows whose reach R is below ``limit`` (units/year)."""
    mk = data.make
    reach = mk["reach"].to_numpy()
    rows = np.flatnonzero(reach < limit)
    block = row_block(name, len(rows), upper=0.0, doc=doc)
    block.add("Make", np.arange(len(rows)), rows, 1.0)
    return block.add(var, np.arange(len(rows)), lookup(mk.iloc[rows], keys, frame), -reach[rows])


def must_serve_hours(data: ModelData) -> float:
    """Printer-hours the demand without an unmet penalty needs at the least (h/year): each unit at
    the fewest hours any site, tier and technology makes its product in."""
    dem, mk = data.demand, data.make
    if dem.empty or mk.empty:
        return 0.0
    fewest = mk.groupby("product")["hours_per_unit"].min()
    hours = dem["product"].map(fewest).to_numpy(float)
    must = dem["unmet_penalty"].isna().to_numpy() & ~np.isnan(hours)
    return float(np.sum(dem["quantity"].to_numpy(float)[must] * hours[must]))


def open_hours(data: ModelData) -> np.ndarray:
    """Most printer-hours a site can run at a tier (h/year), per row of data.open_index:
    Σ_t ū·H[s,t] · P̄[s,l,t]."""
    tt = data.tier_tech.merge(data.site_tech[["site", "technology", "usable_hours"]], on=["site", "technology"])
    per_row = (tt["usable_hours"] * tt["pbar"]).groupby([tt["site"], tt["tier"]]).sum()
    pos = lookup(per_row.index.to_frame(index=False), ["site", "tier"], data.open_index)
    out = np.zeros(len(data.open_index))
    out[pos[pos >= 0]] = per_row.to_numpy(float)[pos >= 0]
    return out


def demand_cover(data: ModelData) -> list[RowBlock] | None:
    """Demand cover (valid inequalities 15 and 16, docs/SPEC.md clarification 14).

    (15) Σ_{s,l} Σ_t ū·H·P̄[s,l,t] · Open[s,l] ≥ D, with D the printer-hours
    the must-serve demand needs at the least (:func:`must_serve_hours`): the
    open sites must hold the hours the demand needs. (16) Σ_{s,l} Open[s,l]
    ≥ ⌈D / the largest site's hours⌉: so must that many whole sites. Every
    plan satisfies both, so optima are unchanged; the relaxation can no longer
    cover the demand with slivers of sites (OR-Library capa at 10,000: HiGHS
    proves the optimum of the fixed model in 6 s with them, not in 60 s
    without). Written only where the sites that must open do not already
    hold the hours.
    """
    need = must_serve_hours(data)
    hours = open_hours(data)
    if need <= 0 or hours.max(initial=0.0) <= 0:
        return None
    forced = data.open_index["status"].eq("open").to_numpy()
    held = pd.Series(hours[forced]).groupby(data.open_index["site"].to_numpy()[forced]).max().sum()
    if held >= need:
        return None
    rows = np.zeros(len(hours), dtype=int)
    cols = np.arange(len(hours))
    count = float(np.ceil(need / hours.max() - 1e-9))
    return [row_block("DemandCoverHours", 1, need, np.inf, doc=demand_cover.__doc__).add("Open", rows, cols, hours),
            row_block("DemandCoverSites", 1, count, np.inf, doc=demand_cover.__doc__).add("Open", rows, cols, 1.0)]
