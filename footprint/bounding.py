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
from dataclasses import dataclass, field, replace
from itertools import zip_longest

import highspy
import numpy as np
import pandas as pd

from footprint.derive import ModelData
from footprint.lagrange import Relaxation, applicable, local_search, one_technology, restrict
from footprint.lagrange_general import relaxation_for
from footprint.model.blocks import ModelBlocks
from footprint.model.highs_backend import to_highs_lp
from footprint.model.index import lookup
from footprint.solve import SolveOutcome, model_size, new_highs, relative_gap, run_highs
from footprint.start import wants_start

#: share of the time limit for the stage (subgradient steps and exact solves of candidate site sets)
STAGE_SHARE = 0.4

#: subgradient steps between two local searches for a plan
SEARCH_EVERY = 20

#: the steps stop once the bound has climbed less than 0.01 % over this many of them
STALL_STEPS = 200

#: candidate site sets solved exactly at most
MAX_EXACT = 3

#: sites to add and to drop tried per pass of the exact local search
BREADTH = 8

#: HiGHS gets the model only with at most this many columns left after the site fixings; a larger
#: model (500 sites × 20,000 zones: 603,000) costs it about 4.8 kB a column (2.9 GB there) and
#: gains nothing in minutes, so the stage keeps the whole time limit instead
MAX_HIGHS_COLUMNS = 300_000

#: the same for the general model (several technologies per site), whose rows make HiGHS slower per
#: column: on the whole-network flagship (289,503 columns) it finished no root relaxation in 60 s,
#: and the relaxation alone took over 900 s; with 20 of its 57 sites (130,555 columns) the root
#: took 68 s with the other core busy
MAX_HIGHS_COLUMNS_GENERAL = 100_000

#: share of a candidate site set's time HiGHS gets on the guided model before the rounded
#: relaxation is tried (only when HiGHS's plan is more than ROUNDING_TRIGGER above the relaxation)
ROUNDING_FIRST_SHARE = 0.5
ROUNDING_TRIGGER = 0.05

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
              relax: Relaxation | None = None, gap_goal: float = 0.0, progress=None,
              seed: np.ndarray | None = None, incumbent: tuple[float, dict] | None = None) -> StageOutcome:
    """The stage within ``time_budget`` seconds; ``options`` are the main solve's HiGHS options.
    The subgradient steps get ``relax.step_share`` of the budget and end early once the bound
    climbs less than 0.01 % over :data:`STALL_STEPS` of them; the local search stops once the
    plan is within ``gap_goal`` (relative) of the bound. ``progress(plan cost, bound)`` is called
    whenever either improves (currency/year; None before there is a plan). ``seed`` (a mask of
    open sites, e.g. a warm start's) is solved exactly first among the candidate site sets;
    ``incumbent`` (cost, plan), a feasible plan such as a warm start, is the plan to beat."""
    report = progress or (lambda objective, bound: None)
    began = time.perf_counter()
    relax = relax or relaxation_for(data)
    step_deadline = began + relax.step_share * time_budget
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
            if iteration % 10 == 1:
                report(None, best_bound)
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
                candidates[mask.tobytes()] = (cost, mask)
                estimate = min(estimate, cost)
        # Step towards a target a little above the best bound (Held, Wolfe and Crowder), with
        # half the previous direction added to damp zig-zagging.
        direction = relax.direction(ev)
        if previous is not None:
            direction = direction + 0.5 * previous
        previous = direction
        norm = float(direction @ direction)
        if norm < 1e-12 or theta < 1e-5:
            break
        target = best_bound + 0.02 * abs(best_bound) + 1.0
        if estimate > best_bound:
            target = min(target, estimate)
        lam = relax.project(lam + theta * (target - ev.bound) / norm * direction)

    # The relaxation's own sites at the best multipliers: they cover the must-serve printer-hours,
    # so they are the candidate where capacities bind and the local search finds nothing.
    ev = relax.evaluate(best_lam)
    chosen = sorted(candidates.values(), key=lambda c: c[0])[:MAX_EXACT - 1]
    chosen.append((np.inf, (ev.y > 0) | relax.must_open))
    if seed is not None:
        chosen.insert(0, (-np.inf, np.asarray(seed, dtype=bool) | relax.must_open))
    deadline = began + time_budget
    best: _Plan | None = None
    if incumbent is not None:
        best = _plan(incumbent[0], incumbent[1], data)
        report(best.objective, best_bound)
    for i, (_, mask) in enumerate(chosen):
        left = deadline - time.perf_counter()
        if left <= 0.5:
            break
        found = _solve_sites(blocks, data, relax, mask, options, left / (len(chosen) - i))
        if found is not None and (best is None or found.objective < best.objective):
            best = found
            report(best.objective, best_bound)
    if best is not None:
        best = _improve(blocks, data, relax, ev, best, options, deadline, best_bound, gap_goal, report)
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


def _solve_sites(blocks: ModelBlocks, data: ModelData, relax: Relaxation, mask: np.ndarray, options: dict,
                 time_limit: float) -> _Plan | None:
    """A plan with exactly the sites in ``mask`` open, or None (infeasible, or none found within
    ``time_limit`` seconds). HiGHS gets only those sites' columns.

    For the general model (``relax.guided_plans``) the search is guided by the linear
    relaxation of that model (1.4 s for 16 sites of the whole-network flagship, whose integer
    model finds no plan in 8 s): see :func:`_guided_by_relaxation`. Only bounds are tightened,
    so the plan is feasible for the whole model. When that leaves no plan, the integer model of
    the site set is solved with its tiers and printers free. A set larger than the setting
    ``max_open_sites`` allows is solved with its sites allowed, not forced, to open. The plan's
    mask is the sites it really opens."""
    began = time.perf_counter()
    most = data.settings.get("max_open_sites")
    forced = mask if most is None or mask.sum() <= most else mask & relax.must_open
    reduced = restrict(blocks, data, closed=np.flatnonzero(~mask), opened=np.flatnonzero(forced))
    plan_options = {**options, "mip_rel_gap": relax.plan_gap}
    guided = _guided_by_relaxation(reduced, data, plan_options, time_limit) if relax.guided_plans else None
    if guided is not None:
        guided, relaxed, relaxed_cost = guided
        left = max(time_limit - (time.perf_counter() - began), 0.1)
        found = run_highs(guided, {**plan_options, "time_limit": left * ROUNDING_FIRST_SHARE}, None)
        if not found.has_plan or found.objective > relaxed_cost + ROUNDING_TRIGGER * abs(relaxed_cost):
            # HiGHS found nothing near the relaxation (on the flagship without its plant, 60 s gave
            # "serve nothing"): round the relaxation's whole-number choices and solve the flows.
            rounded = _rounded(guided, data, relaxed, plan_options,
                               max(time_limit - (time.perf_counter() - began), 0.1))
            if rounded is not None and (not found.has_plan or rounded.objective < found.objective):
                found = rounded
        if found.has_plan:
            return _without_idle_sites(blocks, data, _plan(found.objective, reduced.expand(found.values), data))
    left = time_limit - (time.perf_counter() - began)
    if left <= 0.1:
        return None
    found = run_highs(reduced, {**plan_options, "time_limit": left}, None)
    if not found.has_plan:
        return None
    return _without_idle_sites(blocks, data, _plan(found.objective, reduced.expand(found.values), data))


def _without_idle_sites(blocks: ModelBlocks, data: ModelData, plan: _Plan) -> _Plan:
    """The plan with the sites it opens but gives nothing to do (no printers, production,
    shipments or transfers) shut, when that keeps every row (a site count, a planner's row):
    a candidate set solved with its sites forced open can leave some idle, and their fixed
    cost is then pure loss (seen on the flagship with warehouse candidates: four print sites
    open with no printer, 0.47 M EUR a year)."""
    values = plan.values
    busy = np.zeros(len(data.sites), dtype=bool)
    for name, frame, column in (("Printers", data.site_tech, "site"), ("Make", data.make, "site"),
                                ("Ship", data.ship, "site"), ("Transfer", data.transfers, "to_site"),
                                ("Transfer", data.transfers, "from_site")):
        if name in values and len(values[name]):
            active = np.asarray(values[name]) > 1e-9
            busy[lookup(frame.loc[active, [column]], [column], data.sites, ["site"])] = True
    open_rows = np.asarray(values["Open"]) > 0.5
    row_site = lookup(data.open_index, ["site"], data.sites)
    idle = open_rows & ~busy[row_site] & (data.open_index["status"] != "open").to_numpy()
    if not idle.any():
        return plan
    trimmed = {**values, "Open": np.where(idle, 0.0, values["Open"])}
    if not is_feasible(blocks, trimmed):
        return plan
    return _plan(float(blocks.objective_vector() @ blocks.stack(trimmed)), trimmed, data)


def _plan(objective: float, values: dict, data: ModelData) -> _Plan:
    """A plan with the mask of the sites it opens (currency/year; one array per variable block)."""
    opened = np.zeros(len(data.sites), dtype=bool)
    opened[lookup(data.open_index, ["site"], data.sites)[np.asarray(values["Open"]) > 0.5]] = True
    return _Plan(float(objective), values, opened)


def _guided_by_relaxation(model: ModelBlocks, data: ModelData, options: dict, time_limit: float
                          ) -> tuple[ModelBlocks, dict, float] | None:
    """``model`` with each site at the tier its linear relaxation leans to most (shut where its
    tiers sum to under ½, which only a site that is not forced open can) and its printers at
    most the ceiling of the relaxation's counts, with the relaxation's values (one array per
    block of ``model``) and cost (currency/year); None when the relaxation is not solved within
    ``time_limit`` seconds."""
    highs = new_highs()
    for key, value in options.items():
        if key not in ("mip_rel_gap",):
            highs.setOptionValue(key, value)
    highs.setOptionValue("time_limit", float(max(time_limit, 0.1)))
    highs.passModel(to_highs_lp(model))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    values = model.split(np.asarray(highs.getSolution().col_value))
    variables = dict(model.variables)
    opens = variables["Open"]
    if opens.size:
        oi = data.open_index[model.kept["Open"]] if model.kept is not None else data.open_index
        frame = pd.DataFrame({"site": oi["site"].to_numpy(), "v": values["Open"], "pos": np.arange(opens.size)})
        lean = frame.loc[frame.groupby("site", sort=False)["v"].idxmax(), ["site", "pos"]]
        opened = frame.groupby("site", sort=False)["v"].sum() >= 0.5 - 1e-9  # a site may be left shut
        fixed = np.zeros(opens.size)
        fixed[lean.loc[lean["site"].map(opened).to_numpy(bool), "pos"].to_numpy()] = 1.0
        variables["Open"] = replace(opens, lower=np.minimum(fixed, opens.upper), upper=np.minimum(fixed, opens.upper))
    printers = variables["Printers"]
    if printers.size:
        # Not below the floor would be tighter but can clash with the tier's slot limit or minimum
        # utilisation; the ceiling alone keeps the search small.
        upper = np.clip(np.ceil(values["Printers"] - 1e-6), printers.lower, printers.upper)
        variables["Printers"] = replace(printers, upper=upper)
    return ModelBlocks(variables, model.rows, model.costs, kept=model.kept), values, float(highs.getInfo().objective_function_value)


def _rounded(model: ModelBlocks, data: ModelData, relaxed: dict, options: dict, time_limit: float):
    """A plan from the linear relaxation's values (one array per block of ``model``): its
    whole-number choices rounded — a band per (site, technology) where its Band values are
    largest, with the printers the relaxation puts in all bands rounded up; tooling wherever
    the relaxation makes some; per stock the tangent it leans to — and fixed, the flows solved
    again. Returns the solve's outcome (None without a plan). Rounding up keeps the relaxation's
    flows within capacity; a minimum utilisation or slot limit the rounding breaks makes the
    fixed model infeasible, and then there is no plan."""
    full = model.expand(relaxed)
    fixed = {}
    if "Printers" in full:
        printers = np.ceil(full["Printers"] - 1e-6)
        if "Band" in full and data.site_bands is not None and len(data.site_bands):
            sb = data.site_bands
            pair = lookup(sb, ["site", "technology"], data.site_tech)
            weight = full["Band"] + 1e-9 * full["BandPrinters"]
            chosen = pd.Series(weight).groupby(pair).idxmax().to_numpy()
            in_bands = np.bincount(pair, weights=full["BandPrinters"], minlength=len(data.site_tech))
            printers = np.maximum(printers, np.ceil(in_bands - 1e-6))
            band = np.zeros(len(sb))
            band_printers = np.zeros(len(sb))
            used = printers[pair[chosen]] > 0
            band[chosen[used]] = 1.0
            band_printers[chosen[used]] = printers[pair[chosen[used]]]
            fixed.update(Band=band, BandPrinters=band_printers)
        fixed["Printers"] = printers
    if "Tooled" in full:
        fixed["Tooled"] = (full["Tooled"] > 1e-6).astype(float)
    if "StockChoice" in full and data.tangents is not None and len(data.tangents):
        stock_of = data.tangents["stock"].to_numpy()
        choice = np.zeros(len(stock_of))
        lean = pd.Series(full["StockChoice"]).groupby(stock_of).idxmax().to_numpy()
        lean = lean[full["StockChoice"][lean] > 1e-9]
        choice[lean] = 1.0
        fixed["StockChoice"] = choice
    variables = dict(model.variables)
    shrunk = model.shrink(fixed)
    for name, value in shrunk.items():
        block = variables[name]
        value = np.clip(value, block.lower, block.upper)
        variables[name] = replace(block, lower=value, upper=value)
    found = run_highs(ModelBlocks(variables, model.rows, model.costs, kept=model.kept),
                      {**options, "time_limit": time_limit}, None)
    return found if found.has_plan else None


def _improve(blocks: ModelBlocks, data: ModelData, relax: Relaxation, ev, best: _Plan, options: dict,
             deadline: float, bound: float, gap_goal: float, report=lambda objective, bound: None) -> _Plan:
    """Add/drop local search with every move solved exactly, until no move helps, the gap to
    ``bound`` is within ``gap_goal`` or ``deadline`` (perf_counter seconds) passes.

    Moves are ranked by the relaxation's site values at the best multipliers
    (``ev``): the :data:`BREADTH` cheapest closed sites to add, the dearest
    open ones to drop, tried in turn (add, drop, add, …) and never twice; the best
    of them is taken (this finds the extra capacity the OR-Library's tight
    instances need, where serving each zone from its cheapest site does not
    apply), or with ``relax.first_improvement`` the first that improves (a
    general model's exact solve takes seconds, not tenths).
    """
    value = np.where(np.isfinite(ev.value), ev.value, np.inf)
    seen = {best.mask.tobytes()}
    while time.perf_counter() < deadline and (best.objective - bound) > gap_goal * abs(best.objective):
        movable = np.flatnonzero(best.mask & ~relax.must_open)
        shut = np.flatnonzero(~best.mask & np.isfinite(value))
        adds = shut[np.argsort(value[shut], kind="stable")][:BREADTH]
        drops = movable[np.argsort(-value[movable], kind="stable")][:BREADTH]
        moves = [s for pair in zip_longest(adds, drops) for s in pair if s is not None]
        trials = []
        for s in moves:
            left = deadline - time.perf_counter()
            if left <= 0.1:
                break
            mask = best.mask.copy()
            mask[s] = not mask[s]
            if mask.tobytes() in seen:
                continue
            seen.add(mask.tobytes())
            found = _solve_sites(blocks, data, relax, mask, options, left)
            if found is not None:
                trials.append(found)
                if relax.first_improvement and found.objective < best.objective - 1e-9 * abs(best.objective):
                    break
        if not trials:
            break
        champion = min(trials, key=lambda p: p.objective)
        if champion.objective >= best.objective - 1e-9 * abs(best.objective):
            break
        best = champion
        report(best.objective, bound)
    return best


def is_feasible(blocks: ModelBlocks, values: dict, tolerance: float = 1e-6) -> bool:
    """Whether a plan (one array per variable block) satisfies every row, bound and whole-number
    condition of ``blocks`` (within ``tolerance``, relative to each row's scale)."""
    if any(name not in values or len(values[name]) != b.size for name, b in blocks.variables.items()):
        return False
    x = blocks.stack(values)
    lower = np.concatenate([b.lower for b in blocks.variables.values()])
    upper = np.concatenate([b.upper for b in blocks.variables.values()])
    whole = np.concatenate([np.full(b.size, b.kind != "continuous") for b in blocks.variables.values()])
    if np.any(x < lower - tolerance) or np.any(x > upper + tolerance) or \
            np.any(np.abs(x[whole] - np.round(x[whole])) > tolerance):
        return False
    start, index, value, row_lower, row_upper = blocks.matrix()
    column = np.repeat(np.arange(len(start) - 1), np.diff(start))
    activity = np.bincount(index, weights=value * x[column], minlength=len(row_lower))
    scale = 1.0 + np.bincount(index, weights=np.abs(value * x[column]), minlength=len(row_lower))
    return bool(np.all(activity >= row_lower - tolerance * scale) and np.all(activity <= row_upper + tolerance * scale))


def max_highs_columns(relax: Relaxation) -> int:
    """Columns up to which HiGHS gets the model the stage's fixings leave (see the constants)."""
    return MAX_HIGHS_COLUMNS_GENERAL if relax.guided_plans else MAX_HIGHS_COLUMNS


def wants_stage(blocks: ModelBlocks, data: ModelData, settings: dict) -> bool:
    """Whether the stage runs: setting ``lagrangian_stage`` on, a model as large as the starting
    plan's rule asks (:data:`footprint.start.MIN_VARIABLES`; below it HiGHS alone is faster: OR-Library
    cap132, 2,600 variables, 0.3 s alone, 18 s with the stage), and
    :func:`footprint.lagrange.applicable`. A general model (several technologies per site) goes
    through it only above :data:`MAX_HIGHS_COLUMNS_GENERAL` columns: below, the starting plan and
    HiGHS do better (flagship as committed, 56,830 columns, 105 s: 0.99 % that way, 3.4 % through
    the stage)."""
    if not (bool(settings.get("lagrangian_stage", True)) and wants_start(blocks, {}) and applicable(data)):
        return False
    return one_technology(data) or blocks.num_cols > MAX_HIGHS_COLUMNS_GENERAL


def solve_staged(blocks: ModelBlocks, data: ModelData, options: dict, gap_goal: float, progress=None,
                 warm_start: dict | None = None, stage=None):
    """The stage, then HiGHS on the model reduced by its fixings, within ``options["time_limit"]`` s.

    A model with more than :func:`max_highs_columns` columns gives the stage
    the whole time, and HiGHS sees it only once the fixings shrink it below
    that. HiGHS starts from the stage's plan and stops once its incumbent is within
    ``gap_goal`` of the stage's bound. When its plan has closed
    :data:`REFIX_SHARE` of the gap, it restarts on the model reduced by the
    fixings that plan proves (a cheaper plan proves more sites closed).
    Returns a :class:`footprint.solve.SolveOutcome` for the full model; its
    bound is :func:`combined_bound` of the last round. ``progress(plan cost, bound)`` is called as
    either improves (currency/year, for the full model). ``warm_start`` (a plan, one array per
    variable block) gives the stage its open sites as the first candidate site set: a what-if
    started from its base plan is then never worse than that plan's sites re-planned.
    ``stage(name)`` is told 'bound' as the stage starts and 'search' as HiGHS takes over.
    """
    report = progress or (lambda objective, bound: None)
    announce = stage or (lambda name: None)
    announce("bound")
    began = time.perf_counter()
    total = float(options["time_limit"])
    relax = relaxation_for(data)
    most = max_highs_columns(relax)
    huge = blocks.num_cols > most
    seed = incumbent = None
    if warm_start is not None and "Open" in warm_start:
        cost = float(blocks.objective_vector() @ blocks.stack(warm_start))
        seed = _plan(cost, warm_start, data).mask
        if is_feasible(blocks, warm_start):
            incumbent = (cost, warm_start)
    stage = run_stage(blocks, data, options, (1.0 if huge else STAGE_SHARE) * total, relax=relax,
                      gap_goal=gap_goal, progress=report, seed=seed, incumbent=incumbent)
    bound, objective, plan = stage.lower_bound, stage.objective, stage.plan
    closed, opened = stage.closed, stage.opened
    status, handoff = "time_limit", 0.0

    def gap() -> float:
        found = relative_gap(objective, bound)
        return np.inf if found is None else found

    announce("search")
    while gap() > gap_goal:
        left = total - (time.perf_counter() - began)
        if left < 1.0:
            break
        fixed_against = objective
        reduced = blocks if plan is None else restrict(blocks, data, closed, opened)
        if reduced.num_cols > most:
            break
        refix_below = -np.inf if plan is None else objective - REFIX_SHARE * (objective - bound)

        def stop(incumbent: float) -> bool:
            return (relative_gap(incumbent, bound) or 0.0) <= gap_goal or incumbent < refix_below

        def seen(incumbent, reduced_bound, known=objective, proven=bound, against=fixed_against):
            best = known if incumbent is None or (known is not None and known <= incumbent) else incumbent
            report(best, combined_bound(proven, against, reduced_bound))

        # Only with a listener: HiGHS calls back often, and each call costs Python time.
        out = run_highs(reduced, {**options, "time_limit": left},
                        None if plan is None else reduced.shrink(plan), stop_when=stop,
                        progress=seen if progress is not None else None)
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
