"""Flow families: demand, site balance, linking, single sourcing, service level.

Symbols: q[k,p] demand of zone k for product p (units/year); α the minimum
service level (share of demand units delivered on time).
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from footprint.derive import ModelData
from footprint.model.index import group_positions


def add_flow_variables(m: pyo.ConcreteModel, data: ModelData) -> None:
    """``Ship[i]`` ≥ 0 (units/year) per row i = (s, k, p, m) of ``data.ship``;
    ``Unmet[d]`` ≥ 0 per demand row d with a penalty; ``Assign[a]`` ∈ {0,1}
    per (s, k, p) under single sourcing."""
    m.SHIP = pyo.RangeSet(0, len(data.ship) - 1)
    m.Ship = pyo.Var(m.SHIP, domain=pyo.NonNegativeReals)
    penalised = np.flatnonzero(data.demand["unmet_penalty"].notna().to_numpy())
    m.UNMET = pyo.Set(initialize=penalised.tolist())
    m.Unmet = pyo.Var(m.UNMET, domain=pyo.NonNegativeReals,
                      bounds=lambda _, d: (0, float(data.demand["quantity"].iat[d])))
    m.ship_by_skp = group_positions(data.ship, ["site", "zone", "product"])
    m.SKP = sorted(m.ship_by_skp)
    if data.settings["single_sourcing"]:
        m.ASSIGN = pyo.RangeSet(0, len(m.SKP) - 1)
        m.Assign = pyo.Var(m.ASSIGN, domain=pyo.Binary)


def _quantity(data: ModelData) -> dict:
    return dict(zip(zip(data.demand["zone"], data.demand["product"]), data.demand["quantity"]))


def demand_balance(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Demand (constraint 1), units/year: Σ_{s,m} Ship[s,k,p,m] + Unmet[k,p] = q[k,p]."""
    by_kp = group_positions(data.ship, ["zone", "product"])
    dem = data.demand
    unmet = set(m.UNMET)

    def rule(_, d):
        rows = by_kp.get((dem["zone"].iat[d], dem["product"].iat[d]), [])
        served = sum(m.Ship[i] for i in rows)
        if d in unmet:
            served = served + m.Unmet[d]
        return served == float(dem["quantity"].iat[d])

    m.Demand = pyo.Constraint(range(len(dem)), rule=rule)


def site_balance(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Balance (constraint 2), units/year: Σ_{l,t} Make[s,l,p,t] = Σ_{k,m} Ship[s,k,p,m]."""
    make_sp = group_positions(data.make, ["site", "product"])
    ship_sp = group_positions(data.ship, ["site", "product"])
    keys = sorted(set(make_sp) | set(ship_sp))

    def rule(_, n):
        made = sum(m.Make[r] for r in make_sp.get(keys[n], []))
        shipped = sum(m.Ship[i] for i in ship_sp.get(keys[n], []))
        return made == shipped

    m.SiteBalance = pyo.Constraint(range(len(keys)), rule=rule)


def strong_linking(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Strong linking (constraint 9; setting ``strong_linking``), units/year.

    Σ_m Ship[s,k,p,m] ≤ q[k,p] · Σ_l Open[s,l]
    """
    if not data.settings["strong_linking"]:
        return
    q = _quantity(data)

    def rule(_, n):
        site, zone, product = m.SKP[n]
        shipped = sum(m.Ship[i] for i in m.ship_by_skp[m.SKP[n]])
        opened = sum(m.Open[i] for i in m.open_by_site[(site,)])
        return shipped <= float(q[(zone, product)]) * opened

    m.StrongLink = pyo.Constraint(range(len(m.SKP)), rule=rule)


def single_sourcing(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Single sourcing (constraint 10; setting ``single_sourcing``).

    Σ_m Ship[s,k,p,m] = q[k,p] · Assign[s,k,p];  Σ_s Assign[s,k,p] ≤ 1,
    and = 1 when unmet demand is not allowed for (k,p).
    """
    if not data.settings["single_sourcing"]:
        return
    q = _quantity(data)
    must_serve = dict(zip(zip(data.demand["zone"], data.demand["product"]), data.demand["unmet_penalty"].isna()))

    def link(_, n):
        _, zone, product = m.SKP[n]
        shipped = sum(m.Ship[i] for i in m.ship_by_skp[m.SKP[n]])
        return shipped == float(q[(zone, product)]) * m.Assign[n]

    m.AssignLink = pyo.Constraint(m.ASSIGN, rule=link)
    by_kp: dict[tuple, list[int]] = {}
    for n, (_, zone, product) in enumerate(m.SKP):
        by_kp.setdefault((zone, product), []).append(n)
    kp_keys = sorted(by_kp)

    def one_source(_, n):
        total = sum(m.Assign[a] for a in by_kp[kp_keys[n]])
        return total == 1 if must_serve[kp_keys[n]] else total <= 1

    m.OneSource = pyo.Constraint(range(len(kp_keys)), rule=one_source)


def service_level(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Service level (constraint 12; setting ``min_service_level``), units/year.

    Σ_{on-time lanes} Ship ≥ α · Σ_{k,p} q[k,p]; a (zone, product) without a
    lead-time target counts as on time on every lane.
    """
    alpha = data.settings.get("min_service_level")
    if alpha is None:
        return
    on_time = np.flatnonzero(data.ship["on_time"].to_numpy())
    total = float(data.demand["quantity"].sum())
    m.ServiceLevel = pyo.Constraint(expr=sum(m.Ship[i] for i in on_time) >= float(alpha) * total)
