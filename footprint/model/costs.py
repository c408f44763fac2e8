"""The objective: total annual cost as eleven named terms (SPEC sections 3 and 8).

site_fixed  Σ fixed_cost[s] · Open[s,l]        tier_fixed  Σ fixed_cost[l] · Open[s,l]
printers    Σ printer_cost[s,t] · Printers      setup       Σ setup_cost[p,t] · Tooled
production  Σ variable_cost · mult_s · mult_l · Make
transport, duties, lateness   Σ per-unit cost · Ship (+ transport and duty of Transfer)
inventory   Σ holding·value·R/730 · Ship from stock + Σ tangents of k·√T (StockChoice, StockPiece)
unmet       Σ unmet_penalty · Unmet
carbon      carbon_price / 1000 · (Σ CO2 kg per unit made · Make + Σ CO2 kg per unit shipped · Ship and Transfer)

All in currency per year. Results recompute every term from the solution and
check that they sum to the solver's objective.
"""

from __future__ import annotations

from footprint.derive import ModelData
from footprint.model.blocks import CostTerm

COST_TERMS = ("site_fixed", "tier_fixed", "printers", "setup", "production", "transport",
              "duties", "lateness", "unmet", "carbon", "inventory")


def cost_terms(data: ModelData) -> list[CostTerm]:
    """The eleven cost terms as coefficient arrays on the variable blocks."""
    oi, st, mk, tl, sh, dm = data.open_index, data.site_tech, data.make, data.tooling, data.ship, data.demand
    carbon = float(data.settings["carbon_price"]) / 1000.0
    tr, tg = data.transfers, data.tangents
    moved = tr is not None and len(tr) > 0

    def with_transfers(ship_part, column):
        parts = [ship_part]
        if moved:
            parts.append(("Transfer", tr[column].to_numpy(float) * (carbon if column == "co2_kg" else 1.0)))
        return parts

    inventory = [("Ship", sh["inventory_cost"].to_numpy(float))]
    if tg is not None and len(tg):
        inventory += [("StockChoice", tg["intercept"].to_numpy(float)), ("StockPiece", tg["slope"].to_numpy(float))]
    return [
        CostTerm("site_fixed", [("Open", oi["site_fixed_cost"].to_numpy(float))]),
        CostTerm("tier_fixed", [("Open", oi["tier_fixed_cost"].to_numpy(float))]),
        CostTerm("printers", [("Printers", st["printer_cost"].to_numpy(float))]),
        CostTerm("setup", [("Tooled", tl["setup_cost"].to_numpy(float))]),
        CostTerm("production", [("Make", mk["production_cost"].to_numpy(float))]),
        CostTerm("transport", with_transfers(("Ship", sh["transport_cost"].to_numpy(float)), "transport_cost")),
        CostTerm("duties", with_transfers(("Ship", sh["duty_cost"].to_numpy(float)), "duty_cost")),
        CostTerm("lateness", [("Ship", sh["lateness_cost"].to_numpy(float))]),
        CostTerm("unmet", [("Unmet", dm["unmet_penalty"].to_numpy(float)[data.unmet_rows])]),
        CostTerm("carbon", [("Make", carbon * mk["co2_kg_per_unit"].to_numpy(float)),
                            *with_transfers(("Ship", carbon * sh["co2_kg"].to_numpy(float)), "co2_kg")]),
        CostTerm("inventory", inventory),
    ]
