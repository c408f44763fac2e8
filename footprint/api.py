"""The Python API behind the command line: load, derive, build, solve, read back."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pandas as pd

from footprint import __version__
from footprint.case import Case, load_case
from footprint.derive import derive
from footprint.diagnose import elastic_diagnosis, setting_conflicts, unreachable_demand
from footprint.model import ExtraConstraints, build_model
from footprint.model.costs import COST_TERMS
from footprint.plan import extract_plan, kpis
from footprint.solve import solve_model

#: statuses under which the result holds a plan (exit status 0)
PLAN_STATUSES = {"optimal", "time_limit", "iteration_limit", "objective_limit", "interrupted"}


@dataclass
class Result:
    """The outcome of one solve.

    ``status``: optimal, time_limit (a plan within the limits, see ``mip_gap``),
    infeasible, …; ``objective``, ``best_bound`` and ``costs`` in currency per
    year; ``tables``: sites, printers, production, flows, unmet; ``messages``:
    the diagnosis when there is no plan; ``timings`` in seconds.
    """

    case_name: str
    status: str
    objective: float | None = None
    best_bound: float | None = None
    mip_gap: float | None = None
    costs: dict = field(default_factory=lambda: {k: 0.0 for k in COST_TERMS})
    kpis: dict = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    model_size: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    input_hash: str = ""
    version: str = __version__

    @property
    def has_plan(self) -> bool:
        return self.status in PLAN_STATUSES and self.objective is not None

    def summary(self) -> dict:
        """The content of ``summary.json``."""
        return {
            "case": self.case_name, "status": self.status, "objective": self.objective,
            "best_bound": self.best_bound, "mip_gap": self.mip_gap,
            "currency": self.settings.get("currency"), "costs": self.costs, "kpis": self.kpis,
            "messages": self.messages, "timings": self.timings, "model_size": self.model_size,
            "settings": self.settings, "version": self.version, "input_hash": self.input_hash,
        }


def solve_case(source: Case | str | Path | Mapping[str, pd.DataFrame], settings: Mapping[str, object] | None = None,
               extra_constraints: ExtraConstraints | None = None, tee: bool = False) -> Result:
    """Validate, derive, build and solve a case; return the plan as a :class:`Result`.

    ``source`` is a :class:`Case` or anything :func:`load_case` reads; ``settings``
    overrides the case settings (SPEC section 4). Raises :class:`InputError` on
    invalid input. A case with no feasible plan returns ``status='infeasible'``
    with the reasons in ``messages``.
    """
    if isinstance(source, Case):
        case = source.with_settings(settings)
    else:
        case = load_case(source, settings=settings)
    timings = {"load": case.timings.get("load", 0.0), "validate": case.timings.get("validate", 0.0)}

    start = time.perf_counter()
    data = derive(case)
    timings["derive"] = time.perf_counter() - start
    base = dict(case_name=case.name, settings=dict(case.settings), input_hash=case.input_hash, timings=timings)

    reasons = unreachable_demand(case, data) + setting_conflicts(data)
    if reasons:
        return Result(status="infeasible", messages=reasons, **base)

    start = time.perf_counter()
    m = build_model(data, extra_constraints)
    timings["build"] = time.perf_counter() - start
    outcome = solve_model(m, case.settings, tee=tee)
    timings.update(outcome.timings)
    timings["solve"] = outcome.timings["handoff"] + outcome.timings["solver"]
    result = Result(status=outcome.status, objective=outcome.objective, best_bound=outcome.best_bound,
                    mip_gap=outcome.mip_gap, model_size=outcome.model_size, **base)
    if outcome.has_plan:
        result.tables, result.costs = extract_plan(m, data)
        result.kpis = kpis(result.tables, data)
        drift = abs(sum(result.costs.values()) - outcome.objective)
        if drift > 1e-6 * max(1.0, abs(outcome.objective)):
            result.messages.append(f"warning: cost terms sum to {sum(result.costs.values()):.6f}, "
                                   f"the solver's objective is {outcome.objective:.6f}")
    elif outcome.status == "infeasible":
        result.messages = elastic_diagnosis(case, lambda d: build_model(d, extra_constraints), solve_model)
    elif outcome.status == "time_limit":
        result.messages = [f"no feasible plan found within the time limit of {case.settings['time_limit_s']:g} s"]
    else:
        result.messages = [f"the solver stopped with status {outcome.status} and no plan"]
    return result
