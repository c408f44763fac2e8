"""Utilisation band families (SPEC section 9): one band per (site, technology) with printers.

Symbols: b a band of technology t, ū_b its utilisation cap (share), H[t] hours per printer
per year, P̄[s,t] the site's printer bound for t (printers), h[p,t] hours per unit.
"""

from __future__ import annotations

import numpy as np

from footprint.derive import ModelData
from footprint.model.blocks import RowBlock, row_block
from footprint.model.index import group_ids, lookup


def band_rows(data: ModelData) -> list[RowBlock]:
    """The band choice and each band's capacity, per (site, technology) of a banded technology.

    Σ_b Band[s,t,b] ≤ 1                                   (BandChoice: one band at most)
    BandPrinters[s,t,b] ≤ P̄[s,t] · Band[s,t,b]            (BandPrinterLink: printers only in the chosen band)
    Σ_b BandPrinters[s,t,b] = Printers[s,t]               (BandPrinterSum: every printer runs in a band)
    Σ_{l,p} h[p,t] · Make[s,l,p,t,b] ≤ ū_b · H[t] · BandPrinters[s,t,b]
                                                          (BandCapacity: the band's cap, hours/year)

    A site with printers of t so runs t in exactly one band, and makes in that band only. The
    technology-wide rows (3), (7), (13), (14) use the loosest band's cap and stay valid.
    """
    sb = data.site_bands
    if sb is None or sb.empty:
        return []
    n = len(sb)
    pair_ids, pairs = group_ids(sb, ["site", "technology"])
    choice = row_block("BandChoice", len(pairs), upper=1.0, doc=band_rows.__doc__)
    choice.add("Band", pair_ids, np.arange(n), 1.0)
    link = row_block("BandPrinterLink", n, upper=0.0, doc=band_rows.__doc__)
    link.add("BandPrinters", np.arange(n), np.arange(n), 1.0)
    link.add("Band", np.arange(n), np.arange(n), -sb["pbar_max"].to_numpy(float))
    total = row_block("BandPrinterSum", len(pairs), 0.0, 0.0, doc=band_rows.__doc__)
    total.add("BandPrinters", pair_ids, np.arange(n), 1.0)
    total.add("Printers", np.arange(len(pairs)), lookup(pairs, ["site", "technology"], data.site_tech), -1.0)
    mk = data.make
    banded = np.flatnonzero(mk["band"].to_numpy() != "")
    capacity = row_block("BandCapacity", n, upper=0.0, doc=band_rows.__doc__)
    capacity.add("Make", lookup(mk.iloc[banded], ["site", "technology", "band"], sb), banded,
                 mk["hours_per_unit"].to_numpy(float)[banded])
    capacity.add("BandPrinters", np.arange(n), np.arange(n), -sb["usable_hours"].to_numpy(float))
    return [choice, link, total, capacity]
