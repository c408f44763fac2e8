"""Many scenarios in one run: a local process pool by default, a Dask cluster when asked.

:func:`run_batch` reads each base case once, in this process, and sends it
with each scenario's changes to a worker, which applies the changes,
validates (input problems name the scenario file and the change) and solves.
A local worker then writes its scenario's results folder itself (beside the
other workers' solves); a Dask worker renders the folder in a temporary
folder of its own and sends the files back with the result, and they are
put in place here, so a cluster needs no shared file system. Each worker solves one scenario at a time with one solver thread (a
case's ``threads = 0``, the solver's default, becomes 1) and one thread for
numpy's linear algebra, so ``jobs`` workers use about ``jobs`` cores.

The output folder holds one results folder per scenario (SPEC section 6,
``DIR/<scenario name>/``; for a scenario without a plan only its
``summary.json`` with the reasons) and ``comparison.csv`` plus
``comparison.xlsx`` (:mod:`footprint.report.compare`). Each scenario's folder
is written as it finishes into a staging folder that replaces the output
folder at the end, or when the batch is stopped (Ctrl-C, SIGTERM): then it
holds every scenario that finished, and ``resume=True`` (``--resume``)
keeps those whose inputs and settings are unchanged (the ``input_hash`` and
``settings`` of their ``summary.json``) and solves only the rest. A folder
is replaced only when it is an earlier batch result.

Locally each scenario runs in a process of its own (:mod:`footprint.workers`):
a worker that dies (killed, out of memory, a crash in the solver) costs only
its scenario, which is reported with the reason and re-run ``retries`` times;
``max_memory`` (bytes) stops a scenario that needs more, cleanly; the peak
memory of each is in ``comparison.csv``. The scenarios with the longest time
limit start first. On a Dask cluster a lost worker's scenario is re-run on
another (Dask's own ``retries``).

A scenario that fails is reported with its reason; the others still finish.
Exit status (:attr:`BatchOutcome.exit_status`): 0 every scenario has a plan;
1 some scenario has none (infeasible, no plan in its time limit, or an
error in its worker); 2 some scenario is invalid input (its problems are
listed; the rest are still solved and written). When every scenario is
invalid nothing is solved or written and :class:`InputError` is raised.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import pandas as pd

from footprint.api import Result, solve_case
from footprint.batch_derive import derive_for, shared_derivations, sharing_groups
from footprint.batch_output import Staging, check_batch_folder, resumable
from footprint.errors import InputError
from footprint.scenario import Scenario, TablesRead, display_path, read_scenario

INVALID, ERROR, NOT_RUN = "invalid", "error", "not run"
#: how long to try reaching a Dask scheduler before giving up
CONNECT_TIMEOUT = "20s"


@dataclass
class ScenarioRun:
    """One scenario of a batch: its status and result, or why it has none.

    ``status`` is the solver's (optimal, time_limit, infeasible, …), or
    ``invalid`` (``problems`` lists the input problems) or ``error`` (the
    worker failed; ``problems`` holds the error).
    """

    name: str
    label: str
    status: str = "pending"
    result: Result | None = None
    problems: list[str] = field(default_factory=list)
    peak_bytes: int = 0        # the worker's peak resident memory (bytes; 0 where not measured)
    attempts: int = 0          # runs it took (retries included)
    kept: bool = False         # resumed: the results of an earlier run, unchanged inputs

    @property
    def has_plan(self) -> bool:
        return self.result is not None and self.result.has_plan

    @property
    def reason(self) -> str:
        """Why there is no plan (or the run's warnings), as one line."""
        lines = self.problems or (self.result.messages if self.result is not None else [])
        return " | ".join(lines)


@dataclass
class BatchOutcome:
    runs: list[ScenarioRun]
    comparison: pd.DataFrame
    out: Path | None
    seconds: float

    @property
    def exit_status(self) -> int:
        if any(r.status == INVALID for r in self.runs):
            return 2
        return 0 if all(r.has_plan for r in self.runs) else 1


# ------------------------------------------------------------------ the worker task


@dataclass
class _Invalid:
    """A worker's answer for a scenario whose input is invalid (an InputError does not pickle whole)."""

    problems: list[str]


def solve_scenario(scenario: Scenario, settings: Mapping[str, object] | None = None,
                   settings_origin: str = "--set", warm_start: Result | None = None,
                   derived=None) -> Result | _Invalid:
    """Worker task: apply one scenario's changes, validate, solve.

    Runs in a worker process or on a Dask worker; ``scenario.base`` holds the
    base tables already read, so no file is opened here. A case's
    ``threads = 0`` (the solver's default) becomes 1: one solver thread per
    worker.

    ``warm_start``: a plan (the first scenario's) that seeds the solver,
    mapped onto this scenario's model by readable ids. ``derived``: this scenario's derived
    data, shared with others that differ only in solve settings (:mod:`footprint.batch_derive`).
    """
    try:
        case = scenario.load(settings, settings_origin)
        if int(case.settings.get("threads") or 0) == 0:
            case = case.with_settings({"threads": 1})
    except InputError as error:
        return _Invalid(error.problems)
    _one_blas_thread()
    return solve_case(case, warm_start=warm_start, derived=derived)


def _one_blas_thread() -> None:
    """Hold numpy's BLAS to one thread in this worker process, for good: it would otherwise start
    a thread per core in every worker (the Lagrangian stage's products), and two workers on two
    cores would fight over four threads. Set once, not per task, so concurrent tasks of a
    multi-threaded Dask worker never restore it under each other."""
    if not _BLAS_LIMITED:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1)
        _BLAS_LIMITED.append(True)


_BLAS_LIMITED: list[bool] = []


def _write(result: Result, folder: Path, maps: bool) -> None:
    from footprint.report.folder import write_results

    _one_blas_thread()
    write_results(result, folder, maps=maps)


def _solve_and_write(fn: Callable, folder: Path, maps: bool, *args) -> Result | _Invalid:
    """Local worker task: ``fn(*args)`` (a scenario's solve), then its results folder written by
    this worker into ``folder`` (the batch's staging folder), so the writing of one scenario
    (the workbook takes seconds on a large case) runs beside the others' solves, not in the parent.
    A folder that cannot be written here leaves the plan intact: the batch's process tries again."""
    answer = fn(*args)
    if isinstance(answer, Result):
        try:
            _write(answer, folder, maps)
        except Exception:  # the parent writes it (or says why it cannot): see _write_here
            pass
    return answer


def _answer_alone(fn: Callable, *args) -> tuple[Result | _Invalid, None]:
    """Dask worker task where nothing is written: ``fn(*args)`` and no files."""
    return fn(*args), None


def _solve_and_render(fn: Callable, maps: bool, *args) -> tuple[Result | _Invalid, dict[str, bytes] | None]:
    """Dask worker task: ``fn(*args)``, then its results folder written on the worker (in a
    temporary folder) and sent back as the bytes of each file: the rendering (seconds on a large
    case) stays on the cluster and the batch's process only puts the files in place."""
    answer = fn(*args)
    if not isinstance(answer, Result):
        return answer, None
    with tempfile.TemporaryDirectory(prefix="footprint-") as tmp:
        folder = Path(tmp) / "results"
        _write(answer, folder, maps)
        files = {path.relative_to(folder).as_posix(): path.read_bytes()
                 for path in sorted(folder.rglob("*")) if path.is_file()}
    return answer, files


# ------------------------------------------------------------------ executors


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during a batch: ``finished`` of ``total`` scenarios were written to ``out``."""

    def __init__(self, finished: int, total: int, out: Path | None) -> None:
        super().__init__(f"{finished} of {total} scenarios finished")
        self.finished, self.total, self.out = finished, total, out


class _DaskPool:
    """The workers of a Dask distributed cluster (they need footprint installed)."""

    def __init__(self, address: str, retries: int = 0) -> None:
        self.retries = retries
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a dependency of footprint
            raise InputError("--scheduler: the dask distributed package is not installed") from None
        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler {address}: cannot connect to a Dask scheduler there ({exc})") from None

    def submit(self, fn, *args):
        # A worker lost mid-task: the scheduler moves the task to another worker by itself (up to
        # its allowed failures); ``retries`` re-runs a task that raised.
        return self.client.submit(fn, *args, pure=False, retries=self.retries)

    def workers(self) -> int:
        """The cluster's worker threads now (at least 1)."""
        return max(1, sum(self.client.nthreads().values()))

    def as_completed(self, futures):
        from distributed import as_completed

        return as_completed(futures)

    def close(self, abort: bool = False) -> None:
        self.client.close()  # the scheduler releases (and cancels) this client's tasks


# ------------------------------------------------------------------ scenarios in, folder out


def as_scenario(item: Scenario | str | Path) -> Scenario:
    """A scenario from a Scenario, a ``.toml`` file, or a case folder or workbook (no changes)."""
    if isinstance(item, Scenario):
        return item
    path = Path(item)
    if path.suffix.lower() == ".toml":
        return read_scenario(path)
    if not (path.is_dir() or (path.suffix.lower() == ".xlsx" and path.is_file())):
        raise InputError(f"{path}: no such case folder, workbook or scenario file")
    return Scenario(name=path.resolve().name if path.is_dir() else path.stem, base=path)


def _progress(enabled: bool, total: int):
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total} done, {task.fields[running]} running, "
                               "{task.fields[failed]} failed"),
                    TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                    TextColumn("{task.fields[last]}"), console=Console(stderr=True), disable=not enabled,
                    transient=False)


def run_batch(scenarios: Iterable[Scenario | str | Path], out: str | Path | None = None, jobs: int | None = None,
              scheduler: str | None = None, settings: Mapping[str, object] | None = None,
              settings_origin: str = "--set", progress: bool = False,
              extra: Callable[[Path, Sequence[ScenarioRun]], None] | None = None,
              warm_start: bool = False, warm_from=None, maps: bool = False, retries: int = 0,
              max_memory: int | None = None, resume: bool = False, worker: Callable | None = None) -> BatchOutcome:
    """Solve many scenarios and (when ``out`` is given) write their results and the comparison.

    ``scenarios``: :class:`Scenario` objects, ``.toml`` scenario files, or case
    folders or workbooks (solved as they are). ``jobs``: worker processes on
    this machine (default: the machine's cores, at most one per scenario);
    ``scheduler``: a Dask scheduler address (``tcp://host:8786``) to run on
    instead. ``settings`` override every scenario's settings (the command
    line's ``--set``). ``extra(folder, runs)`` may add files to the output
    folder before it is put in place (the sweep's table and chart).
    ``warm_start``: solve the first scenario first and start every other
    from its plan (off by default: see benchmarks/README.md, "Warm starts"). ``warm_from``: a
    result solved before (e.g. the base of ``footprint explain``) whose plan starts every scenario.
    ``maps``: write each scenario's maps too (off by default, for speed). ``retries``: runs
    more for a scenario whose worker failed. ``max_memory``: bytes a local worker may hold
    (resident) before its scenario is stopped with that reason. ``resume``: keep the
    scenarios of ``out`` whose inputs and settings are unchanged (see the module docstring).
    ``worker``: the task each scenario runs, called as :func:`solve_scenario` is (the default;
    tests pass their own). Scenarios that differ only in solve settings share one derivation
    (:mod:`footprint.batch_derive`).

    Raises :class:`InputError` (and writes nothing) for a bad option, two
    scenarios with one name, an ``out`` that is not an earlier batch folder,
    or when every scenario is invalid; :class:`BatchInterrupted` after Ctrl-C or SIGTERM,
    with every finished scenario written.

    Local workers start from multiprocessing's ``forkserver`` (``spawn`` where that is
    missing), so a script that calls this must keep its top-level code under
    ``if __name__ == "__main__":``.
    """
    start = time.perf_counter()
    items = list(scenarios)
    if not items:
        raise InputError("batch: give at least one scenario")
    if jobs is not None and jobs < 1:
        raise InputError(f"--jobs {jobs}: must be at least 1")
    if retries < 0:
        raise InputError(f"--retries {retries}: must be 0 or more")
    runs: list[ScenarioRun] = []
    loaded: list[Scenario | None] = []
    for item in items:
        try:
            scenario = as_scenario(item)
            runs.append(ScenarioRun(scenario.name, scenario.label))
            loaded.append(scenario)
        except InputError as error:
            path = Path(item)
            runs.append(ScenarioRun(path.stem, display_path(path), INVALID, problems=error.problems))
            loaded.append(None)
    _check_names(runs)
    out_path = Path(out) if out is not None else None
    if out_path is not None:
        check_batch_folder(out_path)
    if resume and out_path is not None and out_path.exists():
        for run, scenario in zip(runs, loaded):
            earlier = resumable(out_path, scenario, settings, settings_origin) if scenario is not None else None
            if earlier is not None:
                run.result, run.status, run.kept = earlier, earlier.status, True

    pending = [i for i, s in enumerate(loaded) if s is not None and not runs[i].kept]
    staging = Staging(out_path, maps) if out_path is not None else None
    try:
        with _progress(progress, len(runs)) as bar:
            task = bar.add_task("solving", total=len(runs), last="", running=0, failed=0)
            bar.advance(task, len(runs) - len(pending))
            if pending:
                if scheduler:
                    pool = _DaskPool(scheduler, retries)
                    try:
                        _solve_all(pool, runs, loaded, pending, settings, settings_origin, bar, task, warm_start,
                                   seed=warm_from, worker=worker, staging=staging)
                    except BaseException:
                        pool.close(abort=True)
                        raise
                    pool.close()
                else:
                    from footprint.workers import ScenarioProcesses

                    pool = ScenarioProcesses(jobs or max(1, min(os.cpu_count() or 1, len(pending))), max_memory,
                                             retries)
                    _solve_local(pool, runs, loaded, pending, settings, settings_origin, bar, task, warm_start,
                                 seed=warm_from, worker=worker, staging=staging)
        if all(r.status == INVALID for r in runs):
            raise InputError([line for r in runs for line in r.problems])
        if staging is not None:
            _complete(staging, runs)
            comparison = staging.finish(runs, extra)
        else:
            from footprint.report.compare import comparison_table

            comparison = comparison_table(runs)
    except KeyboardInterrupt:
        finished = sum(1 for r in runs if r.result is not None)
        if staging is not None and finished:
            for run in runs:
                if run.status == "pending":
                    run.status, run.problems = NOT_RUN, ["the batch was stopped before it ran"]
            _complete(staging, runs)
            staging.finish(runs, extra)
        elif staging is not None:
            staging.discard()
        raise BatchInterrupted(finished, len(runs), out_path if finished else None) from None
    except BaseException:
        if staging is not None:
            staging.discard()
        raise
    return BatchOutcome(runs, comparison, out_path, time.perf_counter() - start)


def _check_names(runs: list[ScenarioRun]) -> None:
    seen: dict[str, str] = {}
    problems = []
    for run in runs:
        if run.name in seen:
            problems.append(f"{run.label}: scenario name '{run.name}' is also the name of {seen[run.name]}; "
                            "names must differ (each names its results folder)")
        seen.setdefault(run.name, run.label)
    if problems:
        raise InputError(problems)


def _shipped(runs, loaded, pending, bases) -> list[tuple[int, Scenario]]:
    """Each pending scenario with its base case read once here (invalid ones marked), the
    longest time limit first (they take longest: starting them first keeps the workers busy)."""
    out = []
    for i in pending:
        scenario = loaded[i]
        key = Path(scenario.base).resolve() if isinstance(scenario.base, (str, Path)) else id(scenario.base)
        try:
            if key not in bases:
                bases[key] = (scenario.base if isinstance(scenario.base, TablesRead)
                              else TablesRead.read(scenario.base))
        except InputError as error:
            runs[i].status, runs[i].problems = INVALID, error.problems
            continue
        out.append((i, replace(scenario, base=bases[key])))

    def limit(item) -> float:
        layers = [values for _, values in item[1].settings]
        values = [float(v["time_limit_s"]) for v in layers if "time_limit_s" in v]
        return values[-1] if values else 0.0

    return sorted(out, key=lambda item: -limit(item))


def _record(run: ScenarioRun, answer) -> None:
    """A worker's answer (a Result, an _Invalid) into its run."""
    if isinstance(answer, _Invalid):
        run.status, run.problems = INVALID, answer.problems
    else:
        run.result, run.status = answer, answer.status


def _complete(staging: Staging, runs: Sequence[ScenarioRun]) -> None:
    """Every results folder not written yet: those kept from an earlier batch (--resume), and
    those whose plan came back without its folder."""
    for run in runs:
        if run.kept:
            staging.add(run)
        elif run.result is not None and run.status != ERROR and not staging.folder(run).exists():
            _write_here(staging, run)


def _write_here(staging: Staging, run: ScenarioRun) -> None:
    """``run``'s results folder written by this process (its worker could not): a failure costs
    this scenario its folder (its status says why), not the batch the others' results."""
    try:
        staging.add(run)
    except Exception as exc:
        staging.drop(run)
        run.status, run.problems = ERROR, [f"its results folder could not be written: {type(exc).__name__}: {exc}"]


def _solve_local(pool, runs, loaded, pending, settings, settings_origin, bar, task, warm_start=False,
                 seed=None, worker=None, staging: Staging | None = None) -> None:
    """Each scenario in its own worker process (footprint.workers); each result written to the
    staging folder as it comes in."""
    from footprint.workers import Task

    fn = worker or solve_scenario
    state = {"running": 0, "failed": 0}

    def started(_task) -> None:
        state["running"] += 1
        bar.update(task, running=state["running"])

    def done(answer) -> None:
        run = runs[answer.key]
        state["running"] -= 1
        run.peak_bytes, run.attempts = answer.peak_bytes, answer.attempts
        if answer.error is not None:
            run.status, run.problems = ERROR, [answer.error]
            state["failed"] += 1
        else:
            _record(run, answer.value)
        if staging is not None:
            staging.drop(run)
            if run.result is not None and not staging.folder(run).exists():
                _write_here(staging, run)
        bar.update(task, advance=1, running=state["running"], failed=state["failed"],
                   last=f"{run.name}: {run.status}")

    def task_for(i: int, shipped: Scenario, start) -> Task:
        args = (shipped, settings, settings_origin, start) + ((shared[i],) if i in shared else ())
        if staging is None:
            return Task(i, fn, args)
        return Task(i, _solve_and_write, (fn, staging.folder(runs[i]), staging.maps) + args)

    bases: dict[object, TablesRead] = {}
    queue = _shipped(runs, loaded, pending, bases)
    bar.advance(task, len(pending) - len(queue))
    shared = shared_derivations(queue, settings, settings_origin, workers=pool.jobs)
    if seed is None and warm_start and len(queue) > 1:
        first = next((q for q in queue if q[0] == pending[0]), queue[0])
        pool.run([task_for(first[0], first[1], None)], done, started)
        result = runs[first[0]].result
        seed = result if result is not None and result.has_plan else None
        queue = [q for q in queue if q is not first]
    pool.run([task_for(i, shipped, seed) for i, shipped in queue], done, started)


def _solve_all(pool, runs, loaded, pending, settings, settings_origin, bar, task, warm_start=False,
               seed=None, worker=None, staging: Staging | None = None) -> None:
    """On a Dask cluster: hand each scenario over with its base case read once here; collect, and
    put each scenario's results folder (rendered on the worker) in the staging folder as it comes.

    With ``warm_start`` the first scenario is solved alone first and its plan
    seeds every other scenario; ``seed`` (a result) seeds them all instead.
    """
    fn = worker or solve_scenario
    if seed is None and warm_start and len(pending) > 1:
        _solve_all(pool, runs, loaded, pending[:1], settings, settings_origin, bar, task, worker=worker,
                   staging=staging)
        first = runs[pending[0]].result
        seed = first if first is not None and first.has_plan else None
        pending = pending[1:]
    bases: dict[object, TablesRead] = {}
    queue = _shipped(runs, loaded, pending, bases)
    bar.advance(task, len(pending) - len(queue))
    # Derived data shared by several scenarios is derived once, as a task of its own on the
    # cluster: Dask moves it to the workers that need it and derives it again should the worker
    # holding it be lost (scattered data would be gone with it, and so would its scenarios).
    by_position = dict(queue)
    shared = {}
    for members in sharing_groups(queue, settings, workers=pool.workers()):
        data = pool.submit(derive_for, [by_position[i] for i in members], settings, settings_origin)
        shared.update({i: data for i in members})

    def submit(i: int, shipped: Scenario):
        args = (shipped, settings, settings_origin, seed) + ((shared[i],) if i in shared else ())
        if staging is None:     # nothing to write: the result alone comes back
            return pool.submit(_answer_alone, fn, *args)
        return pool.submit(_solve_and_render, fn, staging.maps, *args)

    futures = {submit(i, shipped): i for i, shipped in queue}
    failed = 0
    for future in pool.as_completed(list(futures)):
        run = runs[futures[future]]
        try:
            answer, files = future.result()
        except Exception as exc:  # a worker's failure is this scenario's, not the batch's
            run.status, run.problems = ERROR, [f"{type(exc).__name__}: {exc}"]
            failed += 1
        else:
            _record(run, answer)
            if staging is not None and files:
                staging.put(run, files)
        bar.update(task, advance=1, failed=failed, last=f"{run.name}: {run.status}")
