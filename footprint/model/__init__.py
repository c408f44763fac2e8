"""The mixed-integer model of SPEC section 3, defined once as array blocks.

Conventions (kept across model, results and schema):

- index sets are the rows of the prepared frames of
  :class:`footprint.derive.ModelData`; a variable is indexed by the row
  position in its frame (``Ship[i]`` is row ``i`` of ``data.ship``), which
  keeps construction sparse and vectorised; readable ids live in the frames;
- variables are CamelCase (``Open``, ``Printers``, ``Make``, ``Tooled``,
  ``Ship``, ``Unmet``, ``Assign``), constraint families are CamelCase named
  after their rule (``PrinterCapacity``, ``Demand``, …), cost terms are the
  lower-case names of SPEC section 6 (``site_fixed``, ``transport``, …).

Each constraint family is one function, with its math in its docstring, that
returns a :class:`~footprint.model.blocks.RowBlock`. :func:`build_blocks`
collects them; the HiGHS back end passes the arrays straight to the solver and
the Pyomo back end writes the same rows as a Pyomo model (see blocks.py).
"""

from __future__ import annotations

import numpy as np

from footprint.derive import ModelData
from footprint.model import bands, capacity, costs, flows, resilience, sites, stock
from footprint.model.blocks import INF, ModelBlocks, VarBlock

FAMILIES = (
    sites.one_tier, sites.site_count_limits,
    capacity.printer_bounds, capacity.printer_slots, capacity.printer_capacity,
    capacity.minimum_utilisation, capacity.tier_link, capacity.tooling,
    capacity.product_printer_link, capacity.product_tier_link, capacity.demand_cover,
    flows.demand_balance, flows.site_balance, flows.strong_linking, flows.single_sourcing,
    flows.service_level, stock.transfer_link, stock.stock_pieces, bands.band_rows, resilience.resilience_rows,
)


def variables(data: ModelData) -> dict[str, VarBlock]:
    """The variable blocks with their domains and bounds.

    Open ∈ {0,1} per (site, tier); Printers ∈ ℤ, 0 ≤ Printers ≤ max_l P̄ per
    (site, technology); Make ≥ 0 (units/year) per (site, tier, product,
    technology); Tooled ∈ {0,1} per tooled (site, product, technology);
    0 ≤ Ship ≤ q[k,p] (units/year) per lane; 0 ≤ Unmet ≤ q per penalised demand;
    Assign ∈ {0,1} per (site, zone, product) under single sourcing; with SPEC section 8,
    Transfer ≥ 0 (units/year) per transfer lane, and per tangent of a stock's cost
    StockPiece ≥ 0 (units/year) and StockChoice ∈ {0,1}; with SPEC section 9, Band ∈ {0,1} and
    BandPrinters ∈ ℤ per (site, technology, band), and 0 ≤ Down ≤ the site's reach (units/year)
    per pair of consecutive levels of a made-to-order source.
    """
    n_open, n_st, n_make = len(data.open_index), len(data.site_tech), len(data.make)
    n_tool, n_ship, n_unmet = len(data.tooling), len(data.ship), len(data.unmet_rows)
    q_demand = data.demand["quantity"].to_numpy(float)
    blocks = [
        VarBlock("Open", n_open, "binary", np.zeros(n_open), np.ones(n_open), "site s opens at tier l"),
        VarBlock("Printers", n_st, "integer", np.zeros(n_st), data.site_tech["pbar_max"].to_numpy(float),
                 "printers of technology t at site s"),
        VarBlock("Make", n_make, "continuous", np.zeros(n_make), np.full(n_make, INF),
                 "units of p made at s on t at tier l"),
        VarBlock("Tooled", n_tool, "binary", np.zeros(n_tool), np.ones(n_tool), "site s tooled for p on t"),
        VarBlock("Ship", n_ship, "continuous", np.zeros(n_ship), data.ship["quantity"].to_numpy(float),
                 "units of p shipped from s to k by m"),
        VarBlock("Unmet", n_unmet, "continuous", np.zeros(n_unmet), q_demand[data.unmet_rows],
                 "units of demand (k, p) not served"),
    ]
    if data.transfers is not None and len(data.transfers):
        n = len(data.transfers)
        blocks.append(VarBlock("Transfer", n, "continuous", np.zeros(n), data.transfers["big_m"].to_numpy(float),
                               "units of p transferred from o to warehouse w"))
    if data.tangents is not None and len(data.tangents):
        n = len(data.tangents)
        reach = data.stock["reach"].to_numpy(float)[data.tangents["stock"].to_numpy()]
        blocks.append(VarBlock("StockPiece", n, "continuous", np.zeros(n), reach,
                               "throughput of a stock priced on tangent j"))
        blocks.append(VarBlock("StockChoice", n, "binary", np.zeros(n), np.ones(n),
                               "the stock's cost is priced on tangent j"))
    if data.site_bands is not None and len(data.site_bands):
        n = len(data.site_bands)
        blocks.append(VarBlock("Band", n, "binary", np.zeros(n), np.ones(n), "site s runs technology t in band b"))
        blocks.append(VarBlock("BandPrinters", n, "integer", np.zeros(n), data.site_bands["pbar_max"].to_numpy(float),
                               "printers of t at s running in band b"))
    if data.downgrades is not None and len(data.downgrades):
        n = len(data.downgrades)
        blocks.append(VarBlock("Down", n, "continuous", np.zeros(n), data.downgrades["reach"].to_numpy(float),
                               "units of p made at s in a faster level, shipped on a slower level's lanes"))
    if data.settings.get("resilience_share") is not None:
        n = len(resilience.covered(data))
        blocks.append(VarBlock("Resilient", n, "continuous", np.zeros(n), np.ones(n),
                               "zone k's demand for p stays servable on time after any one site is lost"))
        blocks.append(VarBlock("ResilientReach", n, "continuous", np.zeros(n), np.ones(n),
                               "some open site reaches zone k's demand for p on time"))
    if data.settings["single_sourcing"]:
        n = len(data.skp)
        blocks.append(VarBlock("Assign", n, "binary", np.zeros(n), np.ones(n), "zone k gets p from site s"))
    return {b.name: b for b in blocks}


def build_blocks(data: ModelData) -> ModelBlocks:
    """Every variable block, constraint family and cost term of the model for ``data``."""
    rows = []
    for family in FAMILIES:
        out = family(data)
        if out is None:
            continue
        rows.extend(out if isinstance(out, list) else [out])
    return ModelBlocks(variables(data), [r for r in rows if r.size > 0], costs.cost_terms(data))
