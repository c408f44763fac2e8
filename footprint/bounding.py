"""The Lagrangian stage before the main solve on large models (see :mod:`footprint.lagrange`).

:func:`run_stage` takes subgradient steps on the relaxation of
:class:`footprint.lagrange.Relaxation`, collects candidate site sets from its
local search and from the relaxation's own sites, solves the most promising
ones exactly with the site decisions fixed, and fixes the sites the best
multipliers prove closed or open. :func:`combined_bound` turns the stage's
bound and the main solve's bound on the reduced model into one proven bound
on the full model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from footprint.derive import ModelData
from footprint.lagrange import Relaxation, local_search, open_values
from footprint.model.blocks import ModelBlocks
from footprint.start import solve_with_sites_fixed

#: share of the time limit for the stage (subgradient steps and exact solves of candidate site sets)
STAGE_SHARE = 0.4

#: subgradient steps between two local searches for a plan
SEARCH_EVERY = 20

#: share of the stage's budget for subgradient steps (the rest: exact solves of candidate site sets)
STEP_SHARE = 0.6

#: candidate site sets solved exactly at most
MAX_EXACT = 3


@dataclass
class StageOutcome:
    """What the Lagrangian stage proved and found."""

    lower_bound: float                  # proven bound on the full model (currency/year)
    objective: float | None             # cost of the best plan (currency/year), None without one
    plan: dict | None                   # that plan, one array per variable block
    closed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # site positions proven closed
    opened: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # site positions proven open
    iterations: int = 0
    seconds: float = 0.0


def combined_bound(stage_bound: float, fixing_objective: float | None, reduced_bound: float | None) -> float:
    """A proven bound on the full model (currency/year).

    ``fixing_objective`` is the cost of the plan the site fixings were proven
    against: any plan outside the reduced model costs more than it, so the
    optimum is at least ``min(fixing_objective, reduced_bound)``; the stage's
    own bound holds regardless.
    """
    if fixing_objective is None or reduced_bound is None:
        return stage_bound
    return max(stage_bound, min(fixing_objective, reduced_bound))


def run_stage(blocks: ModelBlocks, data: ModelData, options: dict, time_budget: float,
              relax: Relaxation | None = None) -> StageOutcome:
    """The stage within ``time_budget`` seconds; ``options`` are the main solve's HiGHS options."""
    began = time.perf_counter()
    relax = relax or Relaxation(data)
    step_deadline = began + STEP_SHARE * time_budget
    lam = relax.start_multipliers()
    best_bound, best_lam = -np.inf, lam.copy()
    estimate = np.inf
    candidates: dict[bytes, tuple[float, np.ndarray, np.ndarray]] = {}
    theta, stall, previous, iteration = 2.0, 0, None, 0
    while time.perf_counter() < step_deadline:
        iteration += 1
        ev = relax.evaluate(lam)
        if ev.bound > best_bound + 1e-9 * max(1.0, abs(best_bound)) or not np.isfinite(best_bound):
            best_bound, best_lam, stall = ev.bound, lam.copy(), 0
        else:
            stall += 1
            if stall >= 15:
                theta, stall = theta / 2, 0
        if iteration % SEARCH_EVERY == 1:
            found = local_search(relax, ev.tier, ev.y > 0)
            if found is not None:
                cost, mask = found
                candidates[mask.tobytes() + ev.tier.tobytes()] = (cost, mask, ev.tier.copy())
                estimate = min(estimate, cost)
        # Step towards a target a little above the best bound (Held, Wolfe and Crowder), with
        # half the previous direction added to damp zig-zagging.
        direction = relax.quantity - ev.supplied
        if previous is not None:
            direction = direction + 0.5 * previous
        previous = direction
        norm = float(direction @ direction)
        if norm < 1e-12 or theta < 1e-5:
            break
        target = best_bound + 0.02 * abs(best_bound) + 1.0
        if estimate > best_bound:
            target = min(target, estimate)
        lam = np.minimum(lam + theta * (target - ev.bound) / norm * direction, relax.penalty)

    # The relaxation's own sites at the best multipliers: they cover the must-serve printer-hours,
    # so they are the candidate where capacities bind and the local search finds nothing.
    ev = relax.evaluate(best_lam)
    cover = (ev.y > 0) | relax.must_open
    chosen = sorted(candidates.values(), key=lambda c: c[0])[:MAX_EXACT - 1]
    chosen.append((np.inf, cover, ev.tier))
    objective, plan = None, None
    for i, (_, mask, tier) in enumerate(chosen):
        left = time_budget - (time.perf_counter() - began)
        if left <= 0.5:
            break
        found = solve_with_sites_fixed(blocks, open_values(data, mask, tier), options,
                                       time_limit=left / (len(chosen) - i))
        if found.values is not None and (objective is None or found.objective < objective):
            objective, plan = found.objective, found.values
    closed = opened = np.zeros(0, dtype=int)
    if objective is not None:
        closed, opened = relax.fixings(best_lam, objective)
    return StageOutcome(lower_bound=float(best_bound), objective=objective, plan=plan, closed=closed,
                        opened=opened, iterations=iteration, seconds=time.perf_counter() - began)


def wants_stage(blocks: ModelBlocks, data: ModelData, settings: dict) -> bool:
    """Whether the stage runs: setting ``lagrangian_stage`` on, whole-number decisions, and
    :func:`footprint.lagrange.applicable`."""
    from footprint.lagrange import applicable

    integer = any(b.kind != "continuous" and b.size for b in blocks.variables.values())
    return bool(settings.get("lagrangian_stage", True)) and integer and applicable(data)
