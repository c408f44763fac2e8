"""Site families: which sites open, at which tier, and how many open."""

from __future__ import annotations

import numpy as np

from footprint.derive import ModelData
from footprint.model.blocks import INF, RowBlock, row_block
from footprint.model.index import lookup


def one_tier(data: ModelData) -> RowBlock:
    """One tier per site (constraint 5).

    Σ_l Open[s,l] ≤ 1 for every site s, and = 1 for a site with status ``open``.
    """
    sites = data.sites
    lower = np.where(sites["status"].to_numpy() == "open", 1.0, 0.0)
    block = row_block("OneTier", len(sites), lower, 1.0, doc=one_tier.__doc__)
    oi = data.open_index
    return block.add("Open", lookup(oi, ["site"], sites), np.arange(len(oi)), 1.0)


def site_count_limits(data: ModelData) -> RowBlock | None:
    """Site count limits (constraint 11): min_open_sites ≤ Σ_{s,l} Open[s,l] ≤ max_open_sites."""
    lo, hi = data.settings.get("min_open_sites"), data.settings.get("max_open_sites")
    if lo is None and hi is None:
        return None
    block = row_block("SiteCount", 1, -INF if lo is None else lo, INF if hi is None else hi,
                      doc=site_count_limits.__doc__)
    n = len(data.open_index)
    return block.add("Open", np.zeros(n), np.arange(n), 1.0)
