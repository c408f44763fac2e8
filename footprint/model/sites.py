"""Site families: which sites open, at which tier, and how many open."""

from __future__ import annotations

import pyomo.environ as pyo

from footprint.derive import ModelData
from footprint.model.index import group_positions


def add_site_variables(m: pyo.ConcreteModel, data: ModelData) -> None:
    """``Open[i]`` ∈ {0,1}: site s opens at tier l, for row i = (s, l) of ``data.open_index``."""
    m.OPEN = pyo.RangeSet(0, len(data.open_index) - 1)
    m.Open = pyo.Var(m.OPEN, domain=pyo.Binary)
    m.open_by_site = group_positions(data.open_index, ["site"])


def one_tier(m: pyo.ConcreteModel, data: ModelData) -> None:
    """One tier per site (constraint 5).

    Σ_l Open[s,l] ≤ 1 for every site s, and = 1 for a site with status ``open``.
    """
    status = data.sites.set_index("site")["status"]
    keys = sorted(m.open_by_site)

    def rule(_, n):
        (site,) = keys[n]
        total = sum(m.Open[i] for i in m.open_by_site[keys[n]])
        return total == 1 if status[site] == "open" else total <= 1

    m.OneTier = pyo.Constraint(range(len(keys)), rule=rule)


def site_count_limits(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Site count limits (constraint 11): min_open_sites ≤ Σ_{s,l} Open[s,l] ≤ max_open_sites."""
    lo, hi = data.settings.get("min_open_sites"), data.settings.get("max_open_sites")
    total = sum(m.Open[i] for i in m.OPEN)
    if lo is not None:
        m.MinOpenSites = pyo.Constraint(expr=total >= lo)
    if hi is not None:
        m.MaxOpenSites = pyo.Constraint(expr=total <= hi)
