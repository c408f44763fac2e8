"""The objective: total annual cost, one named expression per cost term.

Each term is a Pyomo Expression ``Cost_<term>`` (currency/year) so that a
reader, an extension or a test can see each term by name; results recompute
the same terms from the solution and check they sum to the objective.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from footprint.derive import ModelData
from footprint.model.index import linear

COST_TERMS = ("site_fixed", "tier_fixed", "printers", "setup", "production", "transport",
              "duties", "lateness", "unmet", "carbon")


def objective(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Minimise Σ of the ten cost terms of SPEC section 3 (currency/year).

    site_fixed  Σ fixed_cost[s] · Open[s,l]        tier_fixed  Σ fixed_cost[l] · Open[s,l]
    printers    Σ printer_cost[s,t] · Printers      setup       Σ setup_cost[p,t] · Tooled
    production  Σ variable_cost · mult_s · mult_l · Make
    transport, duties, lateness   Σ per-unit cost · Ship
    unmet       Σ unmet_penalty · Unmet
    carbon      carbon_price / 1000 · (Σ co2 per unit made · Make + Σ co2 per unit shipped · Ship)
    """
    oi, st, mk, tl, sh, dm = data.open_index, data.site_tech, data.make, data.tooling, data.ship, data.demand
    carbon = float(data.settings["carbon_price"]) / 1000.0
    opens = [m.Open[i] for i in range(len(oi))]
    ships = [m.Ship[i] for i in range(len(sh))]
    makes = [m.Make[r] for r in range(len(mk))]
    unmet = sorted(m.UNMET)
    terms = {
        "site_fixed": linear(oi["site_fixed_cost"], opens),
        "tier_fixed": linear(oi["tier_fixed_cost"], opens),
        "printers": linear(st["printer_cost"], (m.Printers[j] for j in range(len(st)))),
        "setup": linear(tl["setup_cost"], (m.Tooled[q] for q in range(len(tl)))),
        "production": linear(mk["production_cost"], makes),
        "transport": linear(sh["transport_cost"], ships),
        "duties": linear(sh["duty_cost"], ships),
        "lateness": linear(sh["lateness_cost"], ships),
        "unmet": linear(dm["unmet_penalty"].to_numpy()[unmet] if unmet else [], (m.Unmet[d] for d in unmet)),
        "carbon": linear(np.concatenate([carbon * mk["co2_kg_per_unit"].to_numpy(),
                                         carbon * sh["co2_kg"].to_numpy()]), makes + ships),
    }
    for name, expr in terms.items():
        setattr(m, f"Cost_{name}", pyo.Expression(expr=expr))
    m.TotalCost = pyo.Objective(expr=sum(getattr(m, f"Cost_{n}") for n in COST_TERMS), sense=pyo.minimize)
