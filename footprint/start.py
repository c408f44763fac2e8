"""A starting plan for large models: round the linear relaxation's sites, then solve the rest.

HiGHS's own heuristics find good plans late on large footprint models (on the
flagship case its first plan within 1 % of the optimum arrived after about
60 s). The relaxation already says which sites matter, so:

1. solve the linear relaxation (the same rows, integrality dropped);
2. open every site whose tiers add up to at least one half, at its strongest
   tier; close the rest (sites with status ``open`` keep their forced tier);
3. close sites one at a time while that lowers the relaxation with the site
   decisions fixed (each try re-solves the relaxation from the previous
   basis, a few hundredths of a second on the flagship case): rounding up at
   one half opens too many sites where the relaxation spreads a region's
   demand over several half-open ones;
4. solve the model with those site decisions fixed (printers, tooling and
   flows still free and whole) for a short time.

The plan found is feasible for the full model (only bounds were fixed), so it
is handed to the main solve as its starting point; the main solve's proven
bound is its own, so the reported gap stays a proven one. When rounding
leaves demand that cannot be served, the fixed model is infeasible and no
start is returned.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd

from footprint.derive import ModelData
from footprint.model.blocks import ModelBlocks
from footprint.model.highs_backend import to_highs, to_highs_lp
from footprint.solve import new_highs

#: models with at least this many variables get a starting plan. Set from two
#: points, not a sweep: the example (148 variables) solves in under a second
#: without one; the flagship (56,830) gains 0.1 M EUR of plan in 120 s with one.
#: On the OR-Library large instances (~100,000) the relaxation does not finish
#: in its share and the start only costs time (benchmarks/README.md).
MIN_VARIABLES = 20_000

#: share of the time limit the starting plan may use at most (what it does not
#: use goes to the main solve). Measured on the flagship at 105 s: with 0.2
#: (21 s) the fixed-site solve was cut off at 23.76 M and HiGHS ended at a
#: 1.5-1.7 % gap; with 0.3 it finishes (23,595,466 EUR, 27 s in all) and HiGHS
#: proves a 0.99 % gap 45 s later. 0.4 leaves room for a slower machine.
START_SHARE = 0.4

#: share of the starting plan's budget for closing sites (the rest: relaxation and fixed-site solve)
CLOSE_SHARE = 0.3


@dataclass
class StartingPlan:
    """A plan to start from (one array per variable block), its objective
    (currency/year) and the seconds spent inside the solver to find it."""

    values: dict | None
    objective: float | None
    solver_seconds: float


def wants_start(blocks: ModelBlocks, settings: dict) -> bool:
    """Whether the measured rule asks for a starting plan (large model with whole-number decisions)."""
    integer = any(b.kind != "continuous" and b.size for b in blocks.variables.values())
    return bool(settings.get("start_heuristic", True)) and integer and blocks.num_cols >= MIN_VARIABLES


def round_sites(open_values: np.ndarray, open_index: pd.DataFrame) -> np.ndarray:
    """0/1 per (site, tier) row: sites whose relaxed tiers sum to ≥ ½ open at their largest tier."""
    values = np.clip(np.asarray(open_values, dtype=float), 0.0, 1.0)
    frame = pd.DataFrame({"site": open_index["site"].to_numpy(), "v": values, "pos": np.arange(len(values))})
    strongest = frame.loc[frame.groupby("site", sort=False)["v"].idxmax()]
    total = frame.groupby("site", sort=False)["v"].sum()
    chosen = strongest.loc[strongest["site"].map(total).to_numpy() >= 0.5 - 1e-9, "pos"].to_numpy()
    fixed = np.zeros(len(values))
    fixed[chosen] = 1.0
    return fixed


def find_start(blocks: ModelBlocks, data: ModelData, options: dict, time_budget: float) -> StartingPlan:
    """Round the relaxation's sites and solve the rest; at most ``time_budget`` seconds of solver time.

    ``options`` are the HiGHS options of the main solve (seed, threads).
    """
    spent = 0.0
    relaxed = new_highs()
    _apply(relaxed, options, time_limit=max(time_budget / 2, 1.0), output=False)
    relaxed.passModel(to_highs_lp(blocks))
    start = time.perf_counter()
    relaxed.run()
    spent += time.perf_counter() - start
    if relaxed.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return StartingPlan(None, None, spent)
    open_values = blocks.split(np.asarray(relaxed.getSolution().col_value))["Open"]
    fixed = round_sites(open_values, data.open_index)
    offset = blocks.offsets()["Open"]
    cols = (np.arange(len(fixed)) + offset).astype(np.int32)
    start = time.perf_counter()
    fixed = close_sites_greedily(relaxed, cols, fixed, data, deadline=start + CLOSE_SHARE * time_budget)
    spent += time.perf_counter() - start

    plan = solve_with_sites_fixed(blocks, fixed, options, time_limit=max(time_budget - spent, 1.0))
    return StartingPlan(plan.values, plan.objective, spent + plan.solver_seconds)


def solve_with_sites_fixed(blocks: ModelBlocks, fixed: np.ndarray, options: dict, time_limit: float,
                           gap: float = 0.002) -> StartingPlan:
    """Solve the model with every ``Open`` variable fixed to ``fixed`` (0/1 per Open column of ``blocks``).

    Printers, tooling and flows stay free and whole; ``time_limit`` in seconds,
    ``gap`` the relative gap to stop at. The plan (when one is found) is
    feasible for the full model, as only bounds were fixed.
    """
    restricted = new_highs()
    _apply(restricted, options, time_limit=time_limit, output=False)
    restricted.setOptionValue("mip_rel_gap", gap)
    to_highs(blocks, restricted)
    cols = (np.arange(len(fixed)) + blocks.offsets()["Open"]).astype(np.int32)
    restricted.changeColsBounds(len(cols), cols, fixed, fixed)
    start = time.perf_counter()
    restricted.run()
    spent = time.perf_counter() - start
    info = restricted.getInfo()
    if info.primal_solution_status != 2:
        return StartingPlan(None, None, spent)
    values = blocks.split(np.asarray(restricted.getSolution().col_value))
    return StartingPlan(values, float(info.objective_function_value), spent)


def close_sites_greedily(relaxed, cols: np.ndarray, fixed: np.ndarray, data: ModelData,
                         deadline: float) -> np.ndarray:
    """Close rounded-open sites one at a time while the relaxation with sites fixed gets cheaper.

    ``relaxed`` holds the solved relaxation; ``cols`` are the Open columns and
    ``fixed`` their 0/1 values. Each pass tries closing every open site that is
    not forced open and keeps the best closure that lowers the relaxation's
    cost (currency/year); stops when none does or at ``deadline``
    (``time.perf_counter`` seconds). Returns the new 0/1 values.
    """
    fixed = fixed.copy()
    forced = data.open_index["site"].isin(data.sites.loc[data.sites["status"] == "open", "site"]).to_numpy()

    def cost(values: np.ndarray) -> float:
        relaxed.changeColsBounds(len(cols), cols, values, values)
        relaxed.run()
        if relaxed.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return np.inf
        return float(relaxed.getInfo().objective_function_value)

    best = cost(fixed)
    while time.perf_counter() < deadline:
        trials = []
        for pos in np.flatnonzero((fixed > 0) & ~forced):
            if time.perf_counter() >= deadline:
                break
            trial = fixed.copy()
            trial[pos] = 0.0
            trials.append((cost(trial), pos))
        if not trials or min(trials)[0] >= best - 1e-9 * abs(best):
            break
        best, pos = min(trials)
        fixed[pos] = 0.0
    return fixed


def _apply(highs, options: dict, time_limit: float, output: bool) -> None:
    for key, value in options.items():
        if key not in ("time_limit", "output_flag", "mip_rel_gap"):
            highs.setOptionValue(key, value)
    highs.setOptionValue("output_flag", output)
    highs.setOptionValue("time_limit", float(time_limit))
