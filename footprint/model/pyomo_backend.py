"""The Pyomo back end: the same blocks written as a readable Pyomo model.

Used when a user extends the model (``extra_constraints``), when asked for
(setting ``backend = pyomo``), and by the tests as a cross-check of the array
path. Components: one ``Var`` per variable block, one ``Constraint`` per
constraint family (named as the family), one ``Expression`` ``Cost_<term>``
per cost term and the objective ``TotalCost``.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from footprint.model.blocks import ModelBlocks

_DOMAIN = {"continuous": pyo.NonNegativeReals, "integer": pyo.NonNegativeIntegers, "binary": pyo.Binary}


def to_pyomo(blocks: ModelBlocks) -> pyo.ConcreteModel:
    """Write ``blocks`` as a Pyomo ConcreteModel (objective in currency/year)."""
    m = pyo.ConcreteModel(name="footprint")
    m.blocks = blocks
    for name, vb in blocks.variables.items():
        lower, upper = vb.lower, vb.upper

        def bounds(_, i, lower=lower, upper=upper):
            return (float(lower[i]), None if np.isinf(upper[i]) else float(upper[i]))

        domain = pyo.Reals if vb.kind == "continuous" else _DOMAIN[vb.kind]
        setattr(m, name, pyo.Var(range(vb.size), domain=domain, bounds=bounds, doc=vb.meaning))
    for rb in blocks.rows:
        rows = np.concatenate([t.rows for t in rb.terms]) if rb.terms else np.zeros(0, np.int64)
        order = np.argsort(rows, kind="stable")
        var_refs = [getattr(m, t.var) for t in rb.terms]
        which = np.concatenate([np.full(len(t.rows), k) for k, t in enumerate(rb.terms)])[order] if rb.terms else []
        cols = np.concatenate([t.cols for t in rb.terms])[order] if rb.terms else []
        coefs = np.concatenate([t.coefs for t in rb.terms])[order] if rb.terms else []
        bounds_at = np.searchsorted(rows[order], np.arange(rb.size + 1))

        def rule(_, r, rb=rb, which=which, cols=cols, coefs=coefs, bounds_at=bounds_at, var_refs=var_refs):
            a, b = bounds_at[r], bounds_at[r + 1]
            expr = pyo.quicksum(float(coefs[k]) * var_refs[which[k]][int(cols[k])] for k in range(a, b))
            lo, hi = rb.lower[r], rb.upper[r]
            if a == b:
                return pyo.Constraint.Feasible if lo <= 0 <= hi else pyo.Constraint.Infeasible
            if lo == hi:
                return expr == float(lo)
            return (None if np.isinf(lo) else float(lo), expr, None if np.isinf(hi) else float(hi))

        setattr(m, rb.name, pyo.Constraint(range(rb.size), rule=rule, doc=rb.doc))
    for term in blocks.costs:
        expr = 0
        for var, coefs in term.parts:
            v = getattr(m, var)
            expr = expr + pyo.quicksum(float(c) * v[i] for i, c in enumerate(coefs) if c != 0)
        setattr(m, f"Cost_{term.name}", pyo.Expression(expr=expr))
    m.TotalCost = pyo.Objective(expr=sum(getattr(m, f"Cost_{t.name}") for t in blocks.costs), sense=pyo.minimize)
    return m


def read_values(m: pyo.ConcreteModel, blocks: ModelBlocks) -> dict[str, np.ndarray]:
    """The solution as one array per variable block."""
    out = {}
    for name, vb in blocks.variables.items():
        var = getattr(m, name)
        out[name] = np.array([var[i].value if var[i].value is not None else 0.0 for i in range(vb.size)], float)
    return out
