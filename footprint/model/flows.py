"""Flow families: demand, site balance, linking, single sourcing, service level.

Symbols: q[k,p] demand of zone k for product p (units/year); α the minimum
service level (share of demand units delivered on time). SKP is the set of
(site, zone, product) triples that have at least one lane.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from footprint.derive import ModelData
from footprint.model.blocks import RowBlock, row_block
from footprint.model.index import group_ids, lookup
from footprint.stock import STOCK


def demand_balance(data: ModelData) -> RowBlock:
    """Demand (constraint 1), units/year: Σ_{s,m} Ship[s,k,p,m] + Unmet[k,p] = q[k,p]."""
    dem, sh = data.demand, data.ship
    q = dem["quantity"].to_numpy()
    block = row_block("Demand", len(dem), q, q, doc=demand_balance.__doc__)
    block.add("Ship", lookup(sh, ["zone", "product"], dem), np.arange(len(sh)), 1.0)
    return block.add("Unmet", data.unmet_rows, np.arange(len(data.unmet_rows)), 1.0)


def site_balance(data: ModelData) -> RowBlock:
    """Balance (constraint 2 with SPEC section 8's sources), units/year, per (site, product, source, origin).

    Made to order, per group g of technologies with the same dispatch days:
    Σ_{l, t∈g} Make[s,l,p,t] = Σ_{k,m} Ship[s,k,p,m,g].
    Stock, per origin country c: Σ_{l, t to stock} Make[s,l,p,t]·[c = country(s)]
    + Σ_o Transfer[o,s,p]·[c = country(o)] = Σ_w Transfer[s,w,p]·[c = country(s)] + Σ_{k,m} Ship[s,k,p,m,stock,c].
    Without section 8 every technology of a site is one group and this is constraint 2.
    With utilisation bands (section 9) a group splits into levels g_1 … g_n, fastest first
    (:mod:`footprint.bands`), each balanced on its own with Down[g_j → g_j+1] leaving level j
    and entering level j+1: units made faster may ship on a slower level's lanes.
    """
    mk, sh, tr = data.make, data.ship, data.transfers
    keys = ["site", "product", "source", "origin"]
    incoming = tr[["to_site", "product", "origin"]].set_axis(["site", "product", "origin"], axis=1).assign(source=STOCK)
    outgoing = tr[["from_site", "product", "origin"]].set_axis(["site", "product", "origin"], axis=1).assign(source=STOCK)
    dg = data.downgrades if data.downgrades is not None else pd.DataFrame(
        columns=["site", "product", "from_source", "to_source", "origin"])
    down_from = dg[["site", "product", "from_source", "origin"]].rename(columns={"from_source": "source"})
    down_to = dg[["site", "product", "to_source", "origin"]].rename(columns={"to_source": "source"})
    rows = pd.concat([mk[keys], sh[keys], incoming[keys], outgoing[keys], down_from[keys],
                      down_to[keys]]).drop_duplicates()
    _, rows = group_ids(rows, keys)
    block = row_block("SiteBalance", len(rows), 0.0, 0.0, doc=site_balance.__doc__)
    block.add("Make", lookup(mk, keys, rows), np.arange(len(mk)), 1.0)
    block.add("Ship", lookup(sh, keys, rows), np.arange(len(sh)), -1.0)
    if len(tr):
        block.add("Transfer", lookup(incoming, keys, rows), np.arange(len(tr)), 1.0)
        block.add("Transfer", lookup(outgoing, keys, rows), np.arange(len(tr)), -1.0)
    if len(dg):
        block.add("Down", lookup(down_from, keys, rows), np.arange(len(dg)), -1.0)
        block.add("Down", lookup(down_to, keys, rows), np.arange(len(dg)), 1.0)
    return block


def strong_linking(data: ModelData) -> RowBlock | None:
    """Strong linking (constraint 9; setting ``strong_linking``), units/year.

    Σ_m Ship[s,k,p,m] ≤ q[k,p] · Σ_l Open[s,l]
    """
    if not data.settings["strong_linking"]:
        return None
    skp, oi = data.skp, data.open_index
    block = row_block("StrongLink", len(skp), upper=0.0, doc=strong_linking.__doc__)
    block.add("Ship", data.skp_ids, np.arange(len(data.ship)), 1.0)
    # One nonzero per (triple, tier of its site): join triples with their site's Open columns.
    pairs = pd.DataFrame({"site": skp["site"].to_numpy(), "row": np.arange(len(skp)),
                          "q": skp["quantity"].to_numpy()}).merge(
        oi[["site"]].assign(col=np.arange(len(oi))), on="site")
    return block.add("Open", pairs["row"].to_numpy(), pairs["col"].to_numpy(), -pairs["q"].to_numpy())


def single_sourcing(data: ModelData) -> list[RowBlock]:
    """Single sourcing (constraint 10; setting ``single_sourcing``).

    Σ_m Ship[s,k,p,m] = q[k,p] · Assign[s,k,p];  Σ_s Assign[s,k,p] ≤ 1,
    and = 1 when unmet demand is not allowed for (k,p).
    """
    if not data.settings["single_sourcing"]:
        return []
    skp = data.skp
    link = row_block("AssignLink", len(skp), 0.0, 0.0, doc=single_sourcing.__doc__)
    link.add("Ship", data.skp_ids, np.arange(len(data.ship)), 1.0)
    link.add("Assign", np.arange(len(skp)), np.arange(len(skp)), -skp["quantity"].to_numpy())
    kp_ids, kp = group_ids(skp, ["zone", "product"])
    dem = data.demand
    must = dem["unmet_penalty"].isna().to_numpy()[lookup(kp, ["zone", "product"], dem)]
    one = row_block("OneSource", len(kp), np.where(must, 1.0, 0.0), 1.0, doc=single_sourcing.__doc__)
    one.add("Assign", kp_ids, np.arange(len(skp)), 1.0)
    return [link, one]


def service_level(data: ModelData) -> RowBlock | None:
    """Service level (constraint 12; setting ``min_service_level``), units/year.

    Σ_{on-time lanes} Ship ≥ α · Σ_{k,p} q[k,p]; a (zone, product) without a
    lead-time target counts as on time on every lane.
    """
    alpha = data.settings.get("min_service_level")
    if alpha is None:
        return None
    total = float(data.demand["quantity"].sum())
    block = row_block("ServiceLevel", 1, lower=float(alpha) * total, doc=service_level.__doc__)
    on_time = np.flatnonzero(data.ship["on_time"].to_numpy())
    return block.add("Ship", np.zeros(len(on_time)), on_time, 1.0)
