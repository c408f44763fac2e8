"""Vectorised index helpers: positions of keys in prepared frames."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _index(frame: pd.DataFrame, keys: list[str]) -> pd.Index:
    if len(keys) == 1:
        return pd.Index(frame[keys[0]])
    return pd.MultiIndex.from_frame(frame[keys])


def lookup(frame: pd.DataFrame, keys: list[str], target: pd.DataFrame, target_keys: list[str] | None = None
           ) -> np.ndarray:
    """Position in ``target`` of each row of ``frame`` (matched on keys; -1 where absent)."""
    if frame.empty:
        return np.zeros(0, dtype=np.int64)
    if target.empty:
        return np.full(len(frame), -1, dtype=np.int64)
    return _index(target, target_keys or keys).get_indexer(_index(frame, keys)).astype(np.int64)


def group_ids(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Row id of each row's key combination, and the unique combinations in id order (sorted)."""
    if frame.empty:
        return np.zeros(0, dtype=np.int64), frame[keys].iloc[0:0].reset_index(drop=True)
    ids = frame.groupby(keys, sort=True).ngroup().to_numpy().astype(np.int64)
    first = np.unique(ids, return_index=True)[1]
    uniq = frame[keys].iloc[first].reset_index(drop=True)
    return ids, uniq


def take(values: np.ndarray, positions: np.ndarray, default: float = 0.0) -> np.ndarray:
    """``values[positions]`` with ``default`` where a position is -1 (safe on empty arrays)."""
    positions = np.asarray(positions, dtype=np.int64)
    out = np.full(len(positions), default, dtype=float)
    found = positions >= 0
    if found.any():
        out[found] = np.asarray(values, dtype=float)[positions[found]]
    return out
