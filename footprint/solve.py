"""One HiGHS run: options, hand-off, callbacks, status, bound and gap (from arrays, or through Pyomo).

Status, objective, best bound and gap are read back from the solver; the gap
reported is always a proven one, |objective − bound| / |objective|.
``timings``: ``handoff`` (model into the solver) and ``solver`` (the
solver's own run, nothing else), in seconds. Which runs make up a solve
(plain, starting plan, decomposition) is :mod:`footprint.strategy`'s choice;
this module imports none of the stages, so they can all import it.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from footprint.model.blocks import ModelBlocks
from footprint.model.highs_backend import to_highs


@dataclass
class SolveOutcome:
    """What the solver established: ``status`` is one of optimal, time_limit,
    infeasible, unbounded, … ; ``values`` holds the plan (one array per
    variable block) when ``has_plan``."""

    status: str
    has_plan: bool
    objective: float | None
    best_bound: float | None
    mip_gap: float | None
    values: dict | None = None
    timings: dict = field(default_factory=dict)
    model_size: dict = field(default_factory=dict)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """Proven relative gap |objective − bound| / |objective| (0 when both are 0)."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    diff = abs(objective - bound)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-10)


def model_size(blocks: ModelBlocks) -> dict:
    """Variables, integer variables, constraints and nonzeros of the model."""
    return {"variables": blocks.num_cols,
            "integer_variables": int(sum(b.size for b in blocks.variables.values() if b.kind != "continuous")),
            "constraints": blocks.num_rows,
            "nonzeros": int(sum(len(t.rows) for r in blocks.rows for t in r.terms))}


_HIGHS_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kIterationLimit: "iteration_limit",
    highspy.HighsModelStatus.kSolutionLimit: "solution_limit",
    highspy.HighsModelStatus.kObjectiveBound: "objective_limit",
    highspy.HighsModelStatus.kObjectiveTarget: "objective_limit",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
}


#: the thread count HiGHS's scheduler was last started with, per thread of this process (HiGHS
#: keeps one scheduler per calling thread)
_scheduler = threading.local()


def use_threads(threads: int) -> None:
    """Let the next HiGHS runs of this process use ``threads`` (0 = HiGHS's default).

    HiGHS starts one thread pool (per calling thread) on its first run and refuses every later run that
    asks for another thread count (the run ends with no status at all, 'Not Set'): a planner's
    session that solves once with the default and then with ``threads = 1`` would get no plan.
    The pool is stopped here when the count changes, so the next run starts one of the new size."""
    threads = int(threads)
    if getattr(_scheduler, "threads", threads) != threads:
        highspy.Highs.resetGlobalScheduler(True)
    _scheduler.threads = threads


def highs_options(settings: dict, tee: bool = False) -> dict:
    """HiGHS options for the case settings (time limit s, gap, threads, seed); the process's
    HiGHS thread pool is made ready for that thread count (:func:`use_threads`)."""
    options = {"output_flag": bool(tee), "time_limit": float(settings["time_limit_s"]),
               "mip_rel_gap": float(settings["mip_gap"]), "random_seed": int(settings["seed"])}
    use_threads(int(settings["threads"]))
    if int(settings["threads"]) > 0:
        options["threads"] = int(settings["threads"])
    return options


def new_highs() -> highspy.Highs:
    """A Highs instance, without the banner HiGHS prints on standard output when created."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return highs


def run_highs(blocks: ModelBlocks, options: dict, warm_start: dict | None,
              stop_when=None, progress=None) -> SolveOutcome:
    """One HiGHS run on ``blocks`` with ``options``, started from ``warm_start`` (arrays per block).
    ``stop_when(incumbent)`` (currency/year), called as the search goes on, interrupts the run
    when it returns True; the status is then ``interrupted``. ``progress(incumbent, bound)``
    (currency/year, None where there is none yet) is called as the search goes on."""
    highs = new_highs()
    for key, value in options.items():
        highs.setOptionValue(key, value)
    start = time.perf_counter()
    to_highs(blocks, highs)
    if warm_start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = blocks.stack(warm_start)
        solution.value_valid = True
        highs.setSolution(solution)
    if stop_when is not None or progress is not None:

        def finite(value: float) -> float | None:
            return value if math.isfinite(value) and abs(value) < highspy.kHighsInf else None

        def check(event) -> None:
            incumbent = finite(event.data_out.mip_primal_bound)
            if progress is not None:
                progress(incumbent, finite(event.data_out.mip_dual_bound))
            if stop_when is not None and incumbent is not None and stop_when(incumbent):
                event.interrupt()

        highs.cbMipInterrupt.subscribe(check)
    handoff = time.perf_counter() - start
    start = time.perf_counter()
    highs.run()
    solver_seconds = time.perf_counter() - start
    model_status = highs.getModelStatus()
    status = _HIGHS_STATUS.get(model_status, highs.modelStatusToString(model_status))
    info = highs.getInfo()
    has_plan = info.primal_solution_status == 2 and status not in ("infeasible", "unbounded")
    objective = float(info.objective_function_value) if has_plan else None
    integer = any(b.kind != "continuous" and b.size for b in blocks.variables.values())
    if integer:
        bound = float(info.mip_dual_bound)
        bound = bound if math.isfinite(bound) and abs(bound) < highspy.kHighsInf else None
    else:
        bound = objective if status == "optimal" else None
    values = blocks.split(np.asarray(highs.getSolution().col_value)) if has_plan else None
    return SolveOutcome(status=status, has_plan=has_plan, objective=objective, best_bound=bound,
                        mip_gap=relative_gap(objective, bound), values=values,
                        timings={"handoff": handoff, "solver": solver_seconds},
                        model_size=model_size(blocks))


def solve_pyomo(m, blocks: ModelBlocks, settings: dict, tee: bool = False) -> SolveOutcome:
    """Solve a Pyomo model written by :func:`footprint.model.pyomo_backend.to_pyomo` with HiGHS."""
    from pyomo.contrib.solver.common.factory import SolverFactory
    from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

    from footprint.model.pyomo_backend import read_values

    statuses = {TerminationCondition.convergenceCriteriaSatisfied: "optimal",
                TerminationCondition.maxTimeLimit: "time_limit",
                TerminationCondition.provenInfeasible: "infeasible",
                TerminationCondition.locallyInfeasible: "infeasible",
                TerminationCondition.infeasibleOrUnbounded: "infeasible",
                TerminationCondition.unbounded: "unbounded"}
    solver = SolverFactory("highs")
    start = time.perf_counter()
    solver.set_instance(m)
    handoff = time.perf_counter() - start
    options = {"random_seed": int(settings["seed"])}
    use_threads(int(settings["threads"]))
    if int(settings["threads"]) > 0:
        options["threads"] = int(settings["threads"])
    start = time.perf_counter()
    results = solver.solve(m, tee=tee, time_limit=float(settings["time_limit_s"]),
                           rel_gap=float(settings["mip_gap"]), load_solutions=False,
                           raise_exception_on_nonoptimal_result=False, solver_options=options)
    solver_seconds = time.perf_counter() - start
    status = statuses.get(results.termination_condition, results.termination_condition.name)
    has_plan = results.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
    if has_plan:
        results.solution_loader.load_vars()
    objective = results.incumbent_objective if has_plan else None
    bound = results.objective_bound
    bound = float(bound) if bound is not None and math.isfinite(bound) else None
    if status == "optimal" and objective is not None and bound is None:
        bound = objective
    return SolveOutcome(status=status, has_plan=has_plan, objective=objective, best_bound=bound,
                        mip_gap=relative_gap(objective, bound),
                        values=read_values(m, blocks) if has_plan else None,
                        timings={"handoff": handoff, "solver": solver_seconds}, model_size=model_size(blocks))
