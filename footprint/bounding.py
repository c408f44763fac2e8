"""The Lagrangian stage before the main solve on large models (see :mod:`footprint.lagrange`).

:func:`run_stage` takes subgradient steps on the relaxation of
:class:`footprint.lagrange.Relaxation`, collects candidate site sets from its
local search and from the relaxation's own sites, solves the most promising
ones exactly with the site decisions fixed, improves the best by an add/drop
search with every move solved exactly, and fixes the sites the best
multipliers prove closed or open. :func:`solve_staged` runs the stage and then
HiGHS on the model the fixings reduce. :func:`combined_bound` turns the
stage's bound and the main solve's bound on the reduced model into one proven
bound on the full model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from footprint.derive import ModelData
from footprint.lagrange import Relaxation, local_search, open_values, restrict
from footprint.model.blocks import ModelBlocks
from footprint.start import solve_with_sites_fixed

#: share of the time limit for the stage (subgradient steps and exact solves of candidate site sets)
STAGE_SHARE = 0.4

#: subgradient steps between two local searches for a plan
SEARCH_EVERY = 20

#: the steps stop once the bound has climbed less than 0.01 % over this many of them
STALL_STEPS = 200

#: share of the stage's budget for subgradient steps (the rest: exact solves of candidate site sets)
STEP_SHARE = 0.6

#: candidate site sets solved exactly at most
MAX_EXACT = 3

#: sites to add and to drop tried per pass of the exact local search
BREADTH = 8

#: HiGHS gets the model only with at most this many columns left after the site fixings; a larger
#: model (500 sites × 20,000 zones: 603,000) costs it about 4.8 kB a column (2.9 GB there) and
#: gains nothing in minutes, so the stage keeps the whole time limit instead
MAX_HIGHS_COLUMNS = 300_000

#: the main solve restarts with new site fixings once its plan has closed this share of the gap
#: between the plan the fixings were proven against and the stage's bound
REFIX_SHARE = 0.5


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
    multipliers: np.ndarray | None = None  # the best multipliers (currency/unit per demand row)


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
              relax: Relaxation | None = None, gap_goal: float = 0.0) -> StageOutcome:
    """The stage within ``time_budget`` seconds; ``options`` are the main solve's HiGHS options.
    The subgradient steps get :data:`STEP_SHARE` of the budget and end early once the bound
    climbs less than 0.01 % over :data:`STALL_STEPS` of them; the local search stops once the
    plan is within ``gap_goal`` (relative) of the bound."""
    began = time.perf_counter()
    relax = relax or Relaxation(data)
    step_deadline = began + STEP_SHARE * time_budget
    lam = relax.start_multipliers()
    best_bound, best_lam = -np.inf, lam.copy()
    estimate = np.inf
    candidates: dict[bytes, tuple[float, np.ndarray, np.ndarray]] = {}
    theta, stall, previous, iteration, checkpoint = 2.0, 0, None, 0, -np.inf
    while time.perf_counter() < step_deadline:
        iteration += 1
        ev = relax.evaluate(lam)
        if ev.bound > best_bound + 1e-9 * max(1.0, abs(best_bound)) or not np.isfinite(best_bound):
            best_bound, best_lam, stall = ev.bound, lam.copy(), 0
        else:
            stall += 1
            if stall >= 15:
                theta, stall = theta / 2, 0
        if iteration % STALL_STEPS == 0:
            if best_bound - checkpoint <= 1e-4 * abs(best_bound):
                break  # the bound has stopped climbing: the time is better spent on plans
            checkpoint = best_bound
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
    chosen = sorted(candidates.values(), key=lambda c: c[0])[:MAX_EXACT - 1]
    chosen.append((np.inf, (ev.y > 0) | relax.must_open, ev.tier))
    deadline = began + time_budget
    best: _Plan | None = None
    for i, (_, mask, tier) in enumerate(chosen):
        left = deadline - time.perf_counter()
        if left <= 0.5:
            break
        found = _solve_sites(blocks, data, mask, tier, options, left / (len(chosen) - i))
        if found is not None and (best is None or found.objective < best.objective):
            best = found
    if best is not None:
        best = _improve(blocks, data, relax, ev, best, options, deadline, best_bound, gap_goal)
    closed = opened = np.zeros(0, dtype=int)
    if best is not None:
        closed, opened = relax.fixings(best_lam, best.objective)
    return StageOutcome(lower_bound=float(best_bound), objective=None if best is None else best.objective,
                        plan=None if best is None else best.values, closed=closed, opened=opened,
                        iterations=iteration, seconds=time.perf_counter() - began, multipliers=best_lam)


@dataclass
class _Plan:
    objective: float
    values: dict
    mask: np.ndarray     # open sites
    tier: np.ndarray     # tier position per site


def _solve_sites(blocks: ModelBlocks, data: ModelData, mask: np.ndarray, tier: np.ndarray, options: dict,
                 time_limit: float) -> _Plan | None:
    """The best plan with exactly the sites in ``mask`` open at ``tier``, or None (infeasible, or none
    found within ``time_limit`` seconds). HiGHS gets only those sites' columns."""
    reduced = restrict(blocks, data, closed=np.flatnonzero(~mask), opened=np.zeros(0, dtype=int))
    fixed = open_values(data, mask, tier)[reduced.kept["Open"]]
    found = solve_with_sites_fixed(reduced, fixed, options, time_limit=time_limit)
    if found.values is None:
        return None
    return _Plan(found.objective, reduced.expand(found.values), mask.copy(), tier.copy())


def _improve(blocks: ModelBlocks, data: ModelData, relax: Relaxation, ev, best: _Plan, options: dict,
             deadline: float, bound: float, gap_goal: float) -> _Plan:
    """Add/drop local search with every move solved exactly, until no move helps, the gap to
    ``bound`` is within ``gap_goal`` or ``deadline`` (perf_counter seconds) passes.

    Moves are ranked by the relaxation's site values at the best multipliers
    (``ev``): the :data:`BREADTH` cheapest closed sites to add, the dearest
    open ones to drop; the best of them is taken (this finds the extra
    capacity the OR-Library's tight instances need, where serving each zone
    from its cheapest site does not apply).
    """
    value = np.where(np.isfinite(ev.value), ev.value, np.inf)
    while time.perf_counter() < deadline and (best.objective - bound) > gap_goal * abs(best.objective):
        movable = np.flatnonzero(best.mask & ~relax.must_open)
        shut = np.flatnonzero(~best.mask & np.isfinite(value))
        moves = np.r_[shut[np.argsort(value[shut], kind="stable")][:BREADTH],
                      movable[np.argsort(-value[movable], kind="stable")][:BREADTH]]
        trials = []
        for s in moves:
            left = deadline - time.perf_counter()
            if left <= 0.1:
                break
            mask, tier = best.mask.copy(), best.tier.copy()
            mask[s] = not mask[s]
            if mask[s]:
                tier[s] = ev.tier[s]
            found = _solve_sites(blocks, data, mask, tier, options, left)
            if found is not None:
                trials.append(found)
        if not trials:
            break
        champion = min(trials, key=lambda p: p.objective)
        if champion.objective >= best.objective - 1e-9 * abs(best.objective):
            break
        best = champion
    return best


def wants_stage(blocks: ModelBlocks, data: ModelData, settings: dict) -> bool:
    """Whether the stage runs: setting ``lagrangian_stage`` on, a model as large as the starting
    plan's rule asks (:data:`footprint.start.MIN_VARIABLES`; below it HiGHS alone is faster: OR-Library
    cap132, 2,600 variables, 0.3 s alone, 18 s with the stage), and
    :func:`footprint.lagrange.applicable`."""
    from footprint.lagrange import applicable
    from footprint.start import wants_start

    return bool(settings.get("lagrangian_stage", True)) and wants_start(blocks, {}) and applicable(data)


def solve_staged(blocks: ModelBlocks, data: ModelData, options: dict, gap_goal: float):
    """The stage, then HiGHS on the model reduced by its fixings, within ``options["time_limit"]`` s.

    A model with more than :data:`MAX_HIGHS_COLUMNS` columns gives the stage
    the whole time, and HiGHS sees it only once the fixings shrink it below
    that. HiGHS starts from the stage's plan and stops once its incumbent is within
    ``gap_goal`` of the stage's bound. When its plan has closed
    :data:`REFIX_SHARE` of the gap, it restarts on the model reduced by the
    fixings that plan proves (a cheaper plan proves more sites closed).
    Returns a :class:`footprint.solve.SolveOutcome` for the full model; its
    bound is :func:`combined_bound` of the last round.
    """
    from footprint.solve import SolveOutcome, model_size, relative_gap, run_highs

    began = time.perf_counter()
    total = float(options["time_limit"])
    relax = Relaxation(data)
    huge = blocks.num_cols > MAX_HIGHS_COLUMNS
    stage = run_stage(blocks, data, options, (1.0 if huge else STAGE_SHARE) * total, relax=relax,
                      gap_goal=gap_goal)
    bound, objective, plan = stage.lower_bound, stage.objective, stage.plan
    closed, opened = stage.closed, stage.opened
    status, handoff = "time_limit", 0.0

    def gap() -> float:
        found = relative_gap(objective, bound)
        return np.inf if found is None else found

    while gap() > gap_goal:
        left = total - (time.perf_counter() - began)
        if left < 1.0:
            break
        fixed_against = objective
        reduced = blocks if plan is None else restrict(blocks, data, closed, opened)
        if reduced.num_cols > MAX_HIGHS_COLUMNS:
            break
        refix_below = -np.inf if plan is None else objective - REFIX_SHARE * (objective - bound)

        def stop(incumbent: float) -> bool:
            return (relative_gap(incumbent, bound) or 0.0) <= gap_goal or incumbent < refix_below

        out = run_highs(reduced, {**options, "time_limit": left},
                        None if plan is None else reduced.shrink(plan), stop_when=stop)
        handoff += out.timings["handoff"]
        if out.status in ("infeasible", "unbounded") and plan is None:
            out.timings.update(start=stage.seconds, solver=time.perf_counter() - began - handoff)
            out.model_size = model_size(blocks)
            return out
        if out.has_plan and (objective is None or out.objective < objective):
            objective, plan = out.objective, reduced.expand(out.values)
        bound = combined_bound(bound, fixed_against, out.best_bound)
        status = out.status
        if out.status == "interrupted" and objective < refix_below and gap() > gap_goal:
            closed, opened = relax.fixings(stage.multipliers, objective)
            continue
        break
    if gap() <= gap_goal:
        status = "optimal"
    elif status in ("interrupted", "optimal"):
        status = "time_limit"
    return SolveOutcome(status=status, has_plan=plan is not None, objective=objective,
                        best_bound=bound if np.isfinite(bound) else None,
                        mip_gap=relative_gap(objective, bound), values=plan,
                        timings={"handoff": handoff, "solver": time.perf_counter() - began - handoff,
                                 "start": stage.seconds},
                        model_size=model_size(blocks))
