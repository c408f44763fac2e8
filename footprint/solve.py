"""Solver hand-off and run: HiGHS through Pyomo's persistent interface.

Status, objective, best bound and gap are read back from the solver; the
gap reported is always the solver's proven one, |objective − bound| / |objective|.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

_STATUS = {
    TerminationCondition.convergenceCriteriaSatisfied: "optimal",
    TerminationCondition.maxTimeLimit: "time_limit",
    TerminationCondition.iterationLimit: "iteration_limit",
    TerminationCondition.objectiveLimit: "objective_limit",
    TerminationCondition.provenInfeasible: "infeasible",
    TerminationCondition.locallyInfeasible: "infeasible",
    TerminationCondition.infeasibleOrUnbounded: "infeasible",
    TerminationCondition.unbounded: "unbounded",
    TerminationCondition.interrupted: "interrupted",
}


@dataclass
class SolveOutcome:
    """What the solver established: ``status`` is one of optimal, time_limit,
    infeasible, unbounded, … ; ``has_plan`` says whether a feasible solution
    was loaded into the model's variables."""

    status: str
    has_plan: bool
    objective: float | None
    best_bound: float | None
    mip_gap: float | None
    timings: dict = field(default_factory=dict)   # handoff, solver (seconds)
    model_size: dict = field(default_factory=dict)


def model_size(highs) -> dict:
    """Variables, integer variables, constraints and nonzeros of the model HiGHS holds."""
    lp = highs.getLp()
    integers = sum(1 for v in lp.integrality_ if int(v) != 0) if len(lp.integrality_) else 0
    return {"variables": int(highs.getNumCol()), "integer_variables": integers,
            "constraints": int(highs.getNumRow()), "nonzeros": int(highs.getNumNz())}


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """Proven relative gap |objective − bound| / |objective| (0 when both are 0)."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    diff = abs(objective - bound)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-10)


def solve_model(m: pyo.ConcreteModel, settings: dict, tee: bool = False) -> SolveOutcome:
    """Hand ``m`` to HiGHS and solve it with the case settings (time limit s, gap, threads, seed)."""
    solver = SolverFactory("highs")
    start = time.perf_counter()
    solver.set_instance(m)
    handoff = time.perf_counter() - start
    size = model_size(solver._solver_model)
    options = {"random_seed": int(settings["seed"])}
    if int(settings["threads"]) > 0:
        options["threads"] = int(settings["threads"])
    start = time.perf_counter()
    results = solver.solve(m, tee=tee, time_limit=float(settings["time_limit_s"]),
                           rel_gap=float(settings["mip_gap"]), load_solutions=False,
                           raise_exception_on_nonoptimal_result=False, solver_options=options)
    solver_seconds = time.perf_counter() - start
    status = _STATUS.get(results.termination_condition, str(results.termination_condition.name))
    has_plan = results.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
    if has_plan:
        results.solution_loader.load_vars()
    objective = results.incumbent_objective if has_plan else None
    bound = results.objective_bound
    bound = float(bound) if bound is not None and math.isfinite(bound) else None
    if status == "optimal" and objective is not None and bound is None:
        bound = objective  # an LP (no integers) proven optimal
    return SolveOutcome(status=status, has_plan=has_plan, objective=objective, best_bound=bound,
                        mip_gap=relative_gap(objective, bound),
                        timings={"handoff": handoff, "solver": solver_seconds}, model_size=size)
