"""Helpers that turn prepared frames into sparse groups of variable positions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo


def group_positions(frame: pd.DataFrame, keys: list[str]) -> dict[tuple, np.ndarray]:
    """Map each key combination of ``frame`` to the row positions holding it."""
    if frame.empty:
        return {}
    groups = frame.groupby(keys, sort=True).indices
    if len(keys) == 1:
        return {(k,): v for k, v in groups.items()}
    return groups


def position_lookup(frame: pd.DataFrame, keys: list[str]) -> dict[tuple, int]:
    """Map each key combination (unique in ``frame``) to its row position."""
    return {tuple(row): i for i, row in enumerate(frame[keys].itertuples(index=False, name=None))}


def linear(coefs, variables) -> pyo.Expression:
    """A linear expression Σ coef·var, built without Pyomo's operator overhead."""
    return pyo.quicksum(float(c) * v for c, v in zip(coefs, variables))
