"""Stock families (SPEC section 8): transfers into open warehouses, and the stock cost's tangents.

Symbols: T̄[w,p] the demand the stock of p at site w can reach (units/year);
k[w,p] its safety-stock factor (currency/year per √(units/year), see
:mod:`footprint.stock`); t_j the tangent points, tangent j of k·√T being
k·√t_j/2 + k/(2√t_j)·T.
"""

from __future__ import annotations

import numpy as np

from footprint.derive import ModelData
from footprint.model.blocks import RowBlock, row_block
from footprint.model.index import lookup
from footprint.stock import STOCK


def transfer_link(data: ModelData) -> RowBlock | None:
    """Transfers only into an open warehouse, units/year.

    Transfer[o,w,p] ≤ T̄[w,p] · Σ_l Open[w,l]; T̄ bounds it because a warehouse ships at most
    the demand it can reach.
    """
    tr = data.transfers
    if tr is None or tr.empty:
        return None
    oi = data.open_index
    block = row_block("TransferLink", len(tr), upper=0.0, doc=transfer_link.__doc__)
    block.add("Transfer", np.arange(len(tr)), np.arange(len(tr)), 1.0)
    pairs = tr[["to_site"]].assign(row=np.arange(len(tr)), m=tr["big_m"].to_numpy(float)).merge(
        oi[["site"]].assign(col=np.arange(len(oi))), left_on="to_site", right_on="site")
    return block.add("Open", pairs["row"].to_numpy(), pairs["col"].to_numpy(), -pairs["m"].to_numpy())


def stock_pieces(data: ModelData) -> list[RowBlock]:
    """The stock cost's tangent choice, per stock (w,p) with a safety-stock cost.

    Σ_j StockPiece[w,p,j] = Σ_{k,m,c} Ship[w,k,p,m,stock,c]   (its throughput T, units/year)
    StockPiece[w,p,j] ≤ T̄[w,p] · StockChoice[w,p,j]
    Σ_j StockChoice[w,p,j] ≤ 1
    cost Σ_j k·√t_j/2 · StockChoice + k/(2√t_j) · StockPiece: the tangent chosen is the cheapest
    at T (a minimum of tangents of a concave function, never below k·√T and within 1 % of it for
    T ≥ 1 % of T̄); T = 0 needs no tangent and costs nothing.
    """
    tg, stock = data.tangents, data.stock
    if tg is None or tg.empty:
        return []
    rows = np.unique(tg["stock"].to_numpy())
    pos = np.searchsorted(rows, tg["stock"].to_numpy())
    sh = data.ship
    from_stock = np.flatnonzero(sh["source"].to_numpy() == STOCK)
    ship_row = lookup(sh.iloc[from_stock], ["site", "product"], stock.iloc[rows].reset_index(drop=True))
    keep = ship_row >= 0
    total = row_block("StockThroughput", len(rows), 0.0, 0.0, doc=stock_pieces.__doc__)
    total.add("StockPiece", pos, np.arange(len(tg)), 1.0)
    total.add("Ship", ship_row[keep], from_stock[keep], -1.0)
    link = row_block("StockPieceLink", len(tg), upper=0.0, doc=stock_pieces.__doc__)
    link.add("StockPiece", np.arange(len(tg)), np.arange(len(tg)), 1.0)
    link.add("StockChoice", np.arange(len(tg)), np.arange(len(tg)),
             -stock["reach"].to_numpy(float)[tg["stock"].to_numpy()])
    one = row_block("StockOneTangent", len(rows), upper=1.0, doc=stock_pieces.__doc__)
    one.add("StockChoice", pos, np.arange(len(tg)), 1.0)
    return [total, link, one]
