"""Which way a model is solved: HiGHS alone, from a starting plan, or through the Lagrangian stage.

:func:`solve_blocks` chooses by the model's size and shape (docs/SPEC.md
clarifications 13–15):

- small models (under :data:`footprint.start.MIN_VARIABLES` variables): HiGHS
  alone (:func:`footprint.solve.run_highs`), from the warm start if given;
- large models whose sites host one technology each, and general models too
  large for HiGHS's relaxation (:func:`footprint.bounding.wants_stage`): the
  Lagrangian stage, then HiGHS on the model its site fixings reduce; a warm
  start's open sites are the stage's first candidate site set;
- other large models: a starting plan from the rounded relaxation
  (:mod:`footprint.start`), or the warm start, then HiGHS.

Every stage works on the model's array blocks, so rows a planner adds there
(``extra_rows`` of :func:`footprint.solve_case`) hold in every plan any
stage reports; the stages' bounds drop rows, which keeps them proven.
"""

from __future__ import annotations

from footprint.bounding import solve_staged, wants_stage
from footprint.model.blocks import ModelBlocks
from footprint.solve import SolveOutcome, highs_options, run_highs
from footprint.start import START_SHARE, find_start, wants_start


def solve_blocks(blocks: ModelBlocks, settings: dict, warm_start: dict | None = None,
                 tee: bool = False, data=None, progress=None, stage=None) -> SolveOutcome:
    """Solve the model's arrays; ``warm_start`` is a plan (arrays per block) to start from.

    Without one, and when ``data`` is given, the module docstring's rule picks
    the Lagrangian stage (:func:`footprint.bounding.solve_staged`) or a
    starting plan (:mod:`footprint.start`) before HiGHS. Their seconds count
    towards the time limit and are reported as ``start`` (part of ``solver``).
    ``progress(plan cost, bound)`` is called as either improves (currency/year; None where
    there is none yet), for progress displays and the benchmarks' time-to-gap figures;
    ``stage(name)`` as it enters a stage (bound, start, search).
    """
    announce = stage or (lambda name: None)
    options = highs_options(settings, tee)
    if data is not None and wants_stage(blocks, data, settings):
        return solve_staged(blocks, data, options, float(settings["mip_gap"]), progress=progress,
                            warm_start=warm_start, stage=announce)
    start_seconds = 0.0
    if warm_start is None and data is not None and wants_start(blocks, settings):
        announce("start")
        plan = find_start(blocks, data, options, time_budget=START_SHARE * options["time_limit"])
        start_seconds, warm_start = plan.solver_seconds, plan.values
        options["time_limit"] = max(options["time_limit"] - start_seconds, 1.0)
    if progress is not None and warm_start is not None and start_seconds > 0:
        progress(float(blocks.objective_vector() @ blocks.stack(warm_start)), None)
    announce("search")
    outcome = run_highs(blocks, options, warm_start, progress=progress)
    outcome.timings["solver"] += start_seconds
    outcome.timings["start"] = start_seconds
    return outcome
