"""Capacity families: printers, utilisation, tiers and tooling.

Symbols: h[p,t] machine hours per unit (h/unit); H[t] hours per printer per
year (h/year); ū[t], u̲[t] max and min utilisation (share); P̄[s,l,t] the
printer bound of site s at tier l for technology t (printers).
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from footprint.derive import ModelData
from footprint.model.index import group_positions, linear, position_lookup


def add_capacity_variables(m: pyo.ConcreteModel, data: ModelData) -> None:
    """``Printers[j]`` ∈ ℤ≥0 per row j = (s, t) of ``data.site_tech``; ``Make[r]`` ≥ 0 (units/year)
    per row r = (s, l, p, t) of ``data.make``; ``Tooled[q]`` ∈ {0,1} per row of ``data.tooling``."""
    st = data.site_tech
    m.SITE_TECH = pyo.RangeSet(0, len(st) - 1)
    m.Printers = pyo.Var(m.SITE_TECH, domain=pyo.NonNegativeIntegers,
                         bounds=lambda _, j: (0, float(st["pbar_max"].iat[j])))
    m.MAKE = pyo.RangeSet(0, len(data.make) - 1)
    m.Make = pyo.Var(m.MAKE, domain=pyo.NonNegativeReals)
    m.TOOLING = pyo.RangeSet(0, len(data.tooling) - 1)
    m.Tooled = pyo.Var(m.TOOLING, domain=pyo.Binary)
    m.make_by_site_tech = group_positions(data.make, ["site", "technology"])
    m.open_at = position_lookup(data.open_index, ["site", "tier"])


def _hours(m, data, positions):
    return linear(data.make["hours_per_unit"].to_numpy()[positions], (m.Make[r] for r in positions))


def printer_bounds(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Printers only at open sites (constraint 6, second part).

    Printers[s,t] ≤ Σ_l P̄[s,l,t] · Open[s,l], with P̄ the smallest of the site,
    tier and site_technologies limits and the printers needed for all demand
    the site can reach.
    """
    tt = data.tier_tech
    by_st = group_positions(tt, ["site", "technology"])
    st = data.site_tech

    def rule(_, j):
        key = (st["site"].iat[j], st["technology"].iat[j])
        rows = by_st[key]
        opens = [m.Open[m.open_at[(key[0], tt["tier"].iat[r])]] for r in rows]
        return m.Printers[j] <= linear(tt["pbar"].to_numpy()[rows], opens)

    m.PrinterBound = pyo.Constraint(m.SITE_TECH, rule=rule)


def printer_slots(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Floor space (constraint 6, first part).

    Σ_t Printers[s,t] ≤ Σ_l min(site max_printers, tier max_printers) · Open[s,l];
    written only for sites where some tier's limit is finite (elsewhere it is
    implied by the per-technology bounds).
    """
    oi = data.open_index
    pbar_sum = data.tier_tech.groupby(["site", "tier"])["pbar"].sum()
    st_by_site = group_positions(data.site_tech, ["site"])
    sites_with_limit = sorted(set(oi.loc[oi["slot_limit"].notna(), "site"]) & {k[0] for k in st_by_site})

    def rule(_, n):
        site = sites_with_limit[n]
        rows = oi.index[oi["site"] == site]
        coefs = [oi["slot_limit"].iat[i] if not np.isnan(oi["slot_limit"].iat[i])
                 else pbar_sum.get((site, oi["tier"].iat[i]), 0.0) for i in rows]
        printers = sum(m.Printers[j] for j in st_by_site[(site,)])
        return printers <= linear(coefs, (m.Open[i] for i in rows))

    m.PrinterSlots = pyo.Constraint(range(len(sites_with_limit)), rule=rule)


def printer_capacity(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Printer capacity (constraint 3), hours per year.

    Σ_{l,p} h[p,t] · Make[s,l,p,t] ≤ ū[t] · H[t] · Printers[s,t]
    """
    st = data.site_tech

    def rule(_, j):
        rows = m.make_by_site_tech.get((st["site"].iat[j], st["technology"].iat[j]))
        if rows is None:
            return pyo.Constraint.Skip
        return _hours(m, data, rows) <= float(st["usable_hours"].iat[j]) * m.Printers[j]

    m.PrinterCapacity = pyo.Constraint(m.SITE_TECH, rule=rule)


def minimum_utilisation(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Minimum utilisation (constraint 4), hours per year; only where u̲[t] > 0.

    Σ_{l,p} h[p,t] · Make[s,l,p,t] ≥ u̲[t] · H[t] · Printers[s,t]
    """
    st = data.site_tech
    rows_with_min = [j for j in range(len(st)) if st["min_utilisation"].iat[j] > 0]

    def rule(_, j):
        rows = m.make_by_site_tech.get((st["site"].iat[j], st["technology"].iat[j]), [])
        floor = float(st["min_utilisation"].iat[j] * st["hours_per_year"].iat[j])
        if len(rows) == 0:
            return m.Printers[j] == 0
        return _hours(m, data, rows) >= floor * m.Printers[j]

    m.MinUtilisation = pyo.Constraint(rows_with_min, rule=rule)


def tier_link(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Tier link (constraint 7): production at tier l only if the site opens at l.

    Σ_p h[p,t] · Make[s,l,p,t] ≤ ū[t] · H[t] · P̄[s,l,t] · Open[s,l]
    """
    by_slt = group_positions(data.make, ["site", "tier", "technology"])
    keys = sorted(by_slt)
    usable = data.site_tech.set_index(["site", "technology"])["usable_hours"]
    pbar = data.tier_tech.set_index(["site", "tier", "technology"])["pbar"]

    def rule(_, n):
        site, tier, tech = keys[n]
        bound = float(usable[(site, tech)] * pbar[(site, tier, tech)])
        return _hours(m, data, by_slt[keys[n]]) <= bound * m.Open[m.open_at[(site, tier)]]

    m.TierLink = pyo.Constraint(range(len(keys)), rule=rule)


def tooling(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Tooling (constraint 8), units per year; only where setup_cost > 0.

    Σ_l Make[s,l,p,t] ≤ M[s,p,t] · Tooled[s,p,t], with M the smaller of the
    demand the site can reach for p and the units its largest printer park
    of t can make.
    """
    by_spt = group_positions(data.make, ["site", "product", "technology"])
    tl = data.tooling

    def rule(_, q):
        rows = by_spt[(tl["site"].iat[q], tl["product"].iat[q], tl["technology"].iat[q])]
        return sum(m.Make[r] for r in rows) <= float(tl["big_m"].iat[q]) * m.Tooled[q]

    m.Tooling = pyo.Constraint(m.TOOLING, rule=rule)
