"""Resilient design (setting ``resilience_share``, issue 16): losing any one site leaves at least
a given share of every zone's demand servable on time.

Symbols: α the share; D[k,p] the demand of zone k for product p (units/year); S[k,p] the sites
with an on-time lane to (k,p) (lanes exist only from sites that can make p); R[k,p] and
Y[k,p] ∈ [0, 1] (continuous) per (k,p) that some site covers.

    Y[k,p] ≥ Σ_l Open[s,l]               for each s ∈ S[k,p]   (ResilientReachLink: Y = 1 once one is open)
    R[k,p] ≤ Σ_{s∈S[k,p]} Σ_l Open[s,l] − Y[k,p]               (ResilientCover)
    Σ_p D[k,p] · R[k,p] ≥ α · Σ_p D[k,p]                       (ResilientShare, per zone)

With no covering site open, Y = 0 and R = 0; with one, Y = 1 and R = 0; with two or more, R may
reach 1: R is 1 only where two open sites cover (k,p), and nothing forces a covering site open
(a product the plan leaves unserved asks for nothing).

A (zone, product) with two open sites able to serve it on time keeps one after any single loss,
so the share of a zone's demand so covered is servable on time whichever site is lost: the rows
are sufficient for the promise (a product covered by one site counts as lost, whichever site
goes). Capacity is not part of "servable": the surviving site must have the printers, which
``footprint stress`` measures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from footprint.derive import ModelData
from footprint.model.blocks import RowBlock, row_block
from footprint.model.index import lookup


def covered(data: ModelData) -> pd.DataFrame:
    """The (zone, product) rows of ``data.demand`` that some site covers on time, with their
    positions in ``data.demand`` (``_row``): one ``Resilient`` variable each."""
    if data.settings.get("resilience_share") is None:
        return pd.DataFrame(columns=["zone", "product", "_row"])
    timely = data.ship[data.ship["on_time"].to_numpy(bool)][["zone", "product"]].drop_duplicates()
    timely = timely.assign(_row=lookup(timely, ["zone", "product"], data.demand))
    return timely[timely["_row"] >= 0].sort_values("_row").reset_index(drop=True)


def resilience_rows(data: ModelData) -> list[RowBlock]:
    """The two families of the module docstring; none without the setting."""
    alpha = data.settings.get("resilience_share")
    if alpha is None:
        return []
    kp = covered(data)
    n = len(kp)
    cover = row_block("ResilientCover", n, upper=0.0, doc=resilience_rows.__doc__)
    cover.add("Resilient", np.arange(n), np.arange(n), 1.0)
    cover.add("ResilientReach", np.arange(n), np.arange(n), 1.0)
    sh = data.ship[data.ship["on_time"].to_numpy(bool)][["site", "zone", "product"]].drop_duplicates()
    sh = sh.assign(row=lookup(sh, ["zone", "product"], kp))
    sh = sh[sh["row"] >= 0].reset_index(drop=True)
    pairs = sh.assign(pair=np.arange(len(sh))).merge(
        data.open_index[["site"]].assign(col=np.arange(len(data.open_index))), on="site")
    cover.add("Open", pairs["row"].to_numpy(), pairs["col"].to_numpy(), -1.0)
    reach = row_block("ResilientReachLink", len(sh), upper=0.0, doc=resilience_rows.__doc__)
    reach.add("ResilientReach", np.arange(len(sh)), sh["row"].to_numpy(), -1.0)
    reach.add("Open", pairs["pair"].to_numpy(), pairs["col"].to_numpy(), 1.0)
    dem = data.demand
    zones = pd.Index(np.unique(dem["zone"].to_numpy()))
    quantity = dem["quantity"].to_numpy(float)
    need = alpha * np.bincount(zones.get_indexer(dem["zone"]), weights=quantity, minlength=len(zones))
    share = row_block("ResilientShare", len(zones), lower=need, doc=resilience_rows.__doc__)
    share.add("Resilient", zones.get_indexer(kp["zone"]), np.arange(n), quantity[kp["_row"].to_numpy()])
    return [reach, cover, share]
