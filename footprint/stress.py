"""Hub outage: what losing each open site for a year costs the plan (issue 16).

For every site the plan opens, that site is lost for the year: its capacity is gone (nothing is
made at it, shipped or transferred from or to it) but its fixed, tier and printer costs stay,
since they are committed; every other site keeps its opening, tier, printers and bands; tooling
already paid stays paid and new tooling may be bought; production and flows are re-optimised.

Every demand may then go unserved: at its own ``unmet_penalty``, or, where it must be served, at
``SHORTFALL_FACTOR`` times the dearest way the case has to make and ship one unit, so that the
re-optimised plan serves every unit it can. Both runs, the plan with no site lost (the
reference) and with one lost, solve the same model with the same decisions fixed, the second
with more bounds at zero: so ``cost_increase`` is ≥ 0 by construction. It splits into
``shortfall_cost`` (units left unserved, at those prices: a price the planner may not share,
so it is reported apart) and ``operating_cost_increase``, the rest (rerouting, new tooling,
lateness under the soft policy; negative where unserved units no longer cost their making). ``units_late`` counts units delivered after their promise
(soft policy only; under the hard policy a unit that cannot keep its promise is unserved).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd


#: a must-serve unit left unserved costs this many times the dearest unit the case can make and ship
SHORTFALL_FACTOR = 10.0

STRESS_COLUMNS = ["site", "units_made", "units_unserved", "units_late", "share_at_risk", "cost_increase",
                  "shortfall_cost", "operating_cost_increase", "status"]


def stress_case(result, case) -> tuple[pd.DataFrame, dict]:
    """One row per open site of ``result``'s plan (see the module docstring) and a resilience
    summary: the worst site by cost and the largest share of demand at risk."""
    from footprint.api import warm_start_values
    from footprint.derive import derive
    from footprint.explain import fixed_blocks
    from footprint.model import build_blocks
    from footprint.solve import highs_options, run_highs

    elastic, price = _elastic(case)
    data = derive(elastic)
    blocks = build_blocks(data)
    values = warm_start_values(result, data)
    committed = {"Open", "Printers", "Band", "BandPrinters"}
    fixed = {name: (np.round(values[name]), np.round(values[name])) for name in committed if name in values}
    if "Tooled" in values and len(values["Tooled"]):
        fixed["Tooled"] = (np.round(values["Tooled"]), blocks.variables["Tooled"].upper)
    options = highs_options({**case.settings, "mip_gap": 1e-6})

    def solve(lost: str | None):
        bounds = dict(fixed)
        if lost is not None:
            for name, frame, column in (("Make", data.make, "site"), ("Ship", data.ship, "site"),
                                        ("Transfer", data.transfers, "from_site"),
                                        ("Transfer", data.transfers, "to_site")):
                if name not in blocks.variables or frame is None or not len(frame):
                    continue
                lower, upper = bounds.get(name, (blocks.variables[name].lower, blocks.variables[name].upper))
                upper = np.where(frame[column].to_numpy() == lost, 0.0, upper)
                bounds[name] = (lower, upper)
        model = _without_service_level(fixed_blocks(blocks, {}, also=bounds))
        if lost is not None:
            model = _without_minimum_use(model, data, lost)
        return run_highs(model, options, None)

    reference = solve(None)
    if not reference.has_plan:
        return pd.DataFrame(columns=STRESS_COLUMNS), {"message": "the plan cannot be re-optimised with its "
                                                      "decisions fixed (no reference)"}
    base_unmet, base_late, base_short = _shortfall(reference.values, data, price)
    made = result.tables["production"].groupby("site")["units"].sum()
    total = float(data.demand["quantity"].sum())
    rows = []
    for site in result.tables["sites"].loc[result.tables["sites"]["open"], "site"]:
        out = solve(site)
        if not out.has_plan:
            rows.append(dict(site=site, units_made=float(made.get(site, 0.0)), status=out.status))
            continue
        unmet, late, short = _shortfall(out.values, data, price)
        unserved, later = max(unmet - base_unmet, 0.0), max(late - base_late, 0.0)
        # Both solves proven optimal: the increase is exact and ≥ 0; else it is marked unproven.
        proven = out.status == "optimal" and reference.status == "optimal"
        rows.append(dict(site=site, units_made=float(made.get(site, 0.0)), units_unserved=unserved,
                         units_late=later, share_at_risk=(unserved + later) / total if total > 0 else 0.0,
                         cost_increase=out.objective - reference.objective, shortfall_cost=short - base_short,
                         operating_cost_increase=(out.objective - reference.objective) - (short - base_short),
                         status=out.status if proven else f"{out.status} (reference {reference.status}): not proven"))
    table = pd.DataFrame(rows, columns=STRESS_COLUMNS)
    summary = {}
    if len(table) and table["cost_increase"].notna().any():
        worst = table.loc[table["cost_increase"].idxmax()]
        summary = {"worst_site": worst["site"], "worst_cost_increase": float(worst["cost_increase"]),
                   "max_share_at_risk": float(table["share_at_risk"].max()),
                   "sites_whose_loss_leaves_demand_unserved": int((table["units_unserved"] > 1e-6).sum()),
                   "shortfall_price_per_unit": price}
    return table, summary


def _without_service_level(model):
    """The service-level row dropped: in an outage the units left unserved or late are what is
    measured, not a constraint that makes the year infeasible."""
    return type(model)(model.variables, [b for b in model.rows if b.name != "ServiceLevel"], model.costs)


def _without_minimum_use(model, data, lost: str):
    """The lost site's minimum-utilisation rows dropped: its printers stand idle all year."""
    from dataclasses import replace as with_fields

    st = data.site_tech
    with_min = np.flatnonzero(st["min_utilisation"].to_numpy() > 0)
    at_lost = st["site"].to_numpy()[with_min] == lost
    rows = []
    for block in model.rows:
        if block.name == "MinUtilisation" and at_lost.any():
            lower = block.lower.copy()
            lower[at_lost] = -np.inf
            block = with_fields(block, lower=lower)
        rows.append(block)
    return type(model)(model.variables, rows, model.costs)


def _elastic(case):
    """``case`` with every demand allowed to go unserved (the must-serve at the shortfall price)."""
    from footprint.derive import derive

    data = derive(case)
    dearest = (float(data.ship["unit_cost"].to_numpy(float).max(initial=0.0))
               + float(data.make["unit_cost"].to_numpy(float).max(initial=0.0)))
    price = SHORTFALL_FACTOR * max(dearest, 1.0)
    demand = case.tables["demand"].copy()
    if case.settings.get("unmet_penalty") is None:
        demand.loc[demand["unmet_penalty"].isna(), "unmet_penalty"] = price
    return replace(case, tables={**case.tables, "demand": demand}), price


def _shortfall(values: dict, data, price: float) -> tuple[float, float, float]:
    """Units unserved, units late and the cost of the unserved units at their prices."""
    unmet = np.asarray(values.get("Unmet", np.zeros(0)), float)
    penalty = data.demand["unmet_penalty"].to_numpy(float)[data.unmet_rows]
    late = np.asarray(values["Ship"], float)[~data.ship["on_time"].to_numpy(bool)].sum()
    return float(unmet.sum()), float(late), float((unmet * np.nan_to_num(penalty, nan=price)).sum())
