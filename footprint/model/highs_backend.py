"""The default back end: the model's arrays handed straight to HiGHS (highspy)."""

from __future__ import annotations

import highspy
import numpy as np

from footprint.model.blocks import ModelBlocks

def _finite(a: np.ndarray) -> np.ndarray:
    """HiGHS's infinity for ±inf bounds."""
    out = np.asarray(a, dtype=float).copy()
    out[out == np.inf] = highspy.kHighsInf
    out[out == -np.inf] = -highspy.kHighsInf
    return out


def to_highs_lp(blocks: ModelBlocks) -> highspy.HighsLp:
    """The model as a HighsLp: objective, bounds, integrality and a column-wise matrix."""
    start, index, value, row_lower, row_upper = blocks.matrix()
    lp = highspy.HighsLp()
    lp.num_col_ = blocks.num_cols
    lp.num_row_ = blocks.num_rows
    lp.col_cost_ = blocks.objective_vector()
    lp.col_lower_ = _finite(np.concatenate([b.lower for b in blocks.variables.values()]))
    lp.col_upper_ = _finite(np.concatenate([b.upper for b in blocks.variables.values()]))
    lp.row_lower_ = _finite(row_lower)
    lp.row_upper_ = _finite(row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = index.astype(np.int32)
    lp.a_matrix_.value_ = value
    return lp


def integer_columns(blocks: ModelBlocks) -> np.ndarray:
    """Positions of the integer and binary columns."""
    offsets = blocks.offsets()
    parts = [np.arange(offsets[n], offsets[n] + b.size) for n, b in blocks.variables.items()
             if b.kind != "continuous"]
    return np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, np.int32)


def to_highs(blocks: ModelBlocks, highs: highspy.Highs) -> None:
    """Pass the whole model to a Highs instance, integrality included."""
    highs.passModel(to_highs_lp(blocks))
    ints = integer_columns(blocks)
    if len(ints):
        types = np.full(len(ints), highspy.HighsVarType.kInteger.value, dtype=np.uint8)
        highs.changeColsIntegrality(len(ints), ints, types)
