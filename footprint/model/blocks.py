"""The model as data: variable blocks and constraint-row blocks built from arrays.

Each constraint family (one function in :mod:`footprint.model.sites`,
:mod:`~footprint.model.capacity` or :mod:`~footprint.model.flows`) returns a
:class:`RowBlock`: its rows' bounds and its nonzeros as (variable block, row,
position, coefficient) arrays. This one definition feeds both back ends:

- :func:`footprint.model.highs_backend.to_highs` assembles all blocks into one
  column-wise sparse matrix and passes it straight to HiGHS (the default: no
  per-element Python work, so it scales to millions of nonzeros);
- :func:`footprint.model.pyomo_backend.to_pyomo` writes the same rows as a
  Pyomo model, for readers, for ``extra_constraints`` extensions and as a
  cross-check (the tests solve both and compare).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

INF = np.inf


@dataclass
class VarBlock:
    """A block of variables: ``Ship[i]`` is row ``i`` of ``data.ship``.

    ``kind`` is ``continuous``, ``integer`` or ``binary``; bounds are arrays
    (units per year, printers, or 0/1).
    """

    name: str
    size: int
    kind: str
    lower: np.ndarray
    upper: np.ndarray
    meaning: str = ""


@dataclass
class Terms:
    """Nonzeros of one variable block in a row block: rows, positions, coefficients."""

    var: str
    rows: np.ndarray
    cols: np.ndarray
    coefs: np.ndarray


@dataclass
class RowBlock:
    """Rows ``lower ≤ Σ coef · var ≤ upper`` of one constraint family."""

    name: str
    size: int
    lower: np.ndarray
    upper: np.ndarray
    terms: list[Terms] = field(default_factory=list)
    doc: str = ""

    def add(self, var: str, rows, cols, coefs) -> "RowBlock":
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        coefs = np.broadcast_to(np.asarray(coefs, dtype=float), rows.shape).copy()
        keep = coefs != 0
        self.terms.append(Terms(var, rows[keep], cols[keep], coefs[keep]))
        return self


def row_block(name: str, size: int, lower=-INF, upper=INF, doc: str = "") -> RowBlock:
    """A row block of ``size`` rows with scalar or array bounds."""
    return RowBlock(name, size, np.broadcast_to(np.asarray(lower, float), (size,)).copy(),
                    np.broadcast_to(np.asarray(upper, float), (size,)).copy(), doc=doc)


@dataclass
class CostTerm:
    """One objective term: Σ coef · var over the listed variable blocks (currency/year)."""

    name: str
    parts: list[tuple[str, np.ndarray]]


@dataclass
class ModelBlocks:
    """The whole model: variables, constraint families and the cost terms of the objective."""

    variables: dict[str, VarBlock]
    rows: list[RowBlock]
    costs: list[CostTerm]
    kept: dict[str, np.ndarray] | None = None   # set by subset(): the parent model's columns kept

    def offsets(self) -> dict[str, int]:
        """Column offset of each variable block in the stacked column vector."""
        out, start = {}, 0
        for name, block in self.variables.items():
            out[name] = start
            start += block.size
        return out

    @property
    def num_cols(self) -> int:
        return sum(b.size for b in self.variables.values())

    @property
    def num_rows(self) -> int:
        return sum(r.size for r in self.rows)

    def objective_vector(self) -> np.ndarray:
        """Objective coefficient of every column (sum of all cost terms)."""
        c = np.zeros(self.num_cols)
        offsets = self.offsets()
        for term in self.costs:
            for var, coefs in term.parts:
                c[offsets[var]:offsets[var] + len(coefs)] += coefs
        return c

    def evaluate_costs(self, values: dict[str, np.ndarray]) -> dict[str, float]:
        """Each cost term's value at a solution (currency/year)."""
        return {t.name: float(sum(np.dot(coefs, values[var]) for var, coefs in t.parts)) for t in self.costs}

    def split(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Slice a stacked column vector into one array per variable block."""
        offsets = self.offsets()
        return {n: np.asarray(x[offsets[n]:offsets[n] + b.size], dtype=float) for n, b in self.variables.items()}

    def stack(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """Stack per-block arrays into one column vector (missing blocks are zero)."""
        x = np.zeros(self.num_cols)
        offsets = self.offsets()
        for name, block in self.variables.items():
            if name in values:
                x[offsets[name]:offsets[name] + block.size] = values[name]
        return x

    def subset(self, keep: dict[str, np.ndarray]) -> "ModelBlocks":
        """The model on the columns ``keep`` marks (a boolean mask per block; blocks not named are
        kept whole), as if every other column were fixed to zero. Rows left without a term are
        dropped where zero satisfies them and kept otherwise (then they make the model infeasible,
        as they would with those columns at zero). Positions in the result are renumbered;
        :meth:`expand` maps a solution back."""
        masks = {n: np.asarray(keep[n], dtype=bool) if n in keep else np.ones(b.size, dtype=bool)
                 for n, b in self.variables.items()}
        new_pos = {n: np.cumsum(m) - 1 for n, m in masks.items()}
        variables = {n: replace(b, size=int(masks[n].sum()), lower=b.lower[masks[n]], upper=b.upper[masks[n]])
                     for n, b in self.variables.items()}
        rows = []
        for block in self.rows:
            terms = []
            used = np.zeros(block.size, dtype=bool)
            for t in block.terms:
                ok = masks[t.var][t.cols]
                terms.append(Terms(t.var, t.rows[ok], new_pos[t.var][t.cols[ok]], t.coefs[ok]))
                used[t.rows[ok]] = True
            keep_row = used | (block.lower > 0) | (block.upper < 0)
            if keep_row.all():
                rows.append(replace(block, terms=terms))
                continue
            row_pos = np.cumsum(keep_row) - 1
            terms = [Terms(t.var, row_pos[t.rows], t.cols, t.coefs) for t in terms]
            rows.append(replace(block, size=int(keep_row.sum()), lower=block.lower[keep_row],
                                upper=block.upper[keep_row], terms=terms))
        costs = [CostTerm(term.name, [(var, coefs[masks[var]]) for var, coefs in term.parts])
                 for term in self.costs]
        return ModelBlocks(variables, [r for r in rows if r.size > 0], costs, kept=masks)

    def expand(self, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """A solution of a :meth:`subset` model as arrays of its parent model (zeros elsewhere)."""
        if self.kept is None:
            return values
        out = {}
        for name, mask in self.kept.items():
            full = np.zeros(len(mask))
            full[mask] = values[name]
            out[name] = full
        return out

    def shrink(self, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Arrays of the parent model cut down to the columns of this :meth:`subset` model."""
        if self.kept is None:
            return values
        return {name: np.asarray(values[name])[mask] for name, mask in self.kept.items() if name in values}

    def matrix(self):
        """The constraint matrix in column-wise (CSC) arrays: start, index, value; plus row bounds."""
        offsets = self.offsets()
        rows, cols, vals, lowers, uppers = [], [], [], [], []
        row0 = 0
        for block in self.rows:
            for t in block.terms:
                rows.append(t.rows + row0)
                cols.append(t.cols + offsets[t.var])
                vals.append(t.coefs)
            lowers.append(block.lower)
            uppers.append(block.upper)
            row0 += block.size
        rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        cols = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        vals = np.concatenate(vals) if vals else np.zeros(0)
        order = np.lexsort((rows, cols))
        rows, cols, vals = rows[order], cols[order], vals[order]
        start = np.searchsorted(cols, np.arange(self.num_cols + 1))
        lower = np.concatenate(lowers) if lowers else np.zeros(0)
        upper = np.concatenate(uppers) if uppers else np.zeros(0)
        return start, rows, vals, lower, upper

