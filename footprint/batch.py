"""Many scenarios in one run: a local process pool by default, a Dask cluster when asked.

:func:`run_batch` reads each base case once, in this process, and sends it
with each scenario's changes to a worker, which applies the changes,
validates (input problems name the scenario file and the change) and solves.
Every result is written here, so a Dask cluster needs no shared file system
and no worker opens a file. Each worker solves one scenario at a time with
one solver thread (a case's ``threads = 0``, the solver's default, becomes
1), so ``jobs`` workers use about ``jobs`` cores.

The output folder holds one results folder per scenario (SPEC section 6,
``DIR/<scenario name>/``; for a scenario without a plan only its
``summary.json`` with the reasons) and ``comparison.csv`` plus
``comparison.xlsx`` (:mod:`footprint.report.compare`). It is written whole or
not at all, and only replaces an earlier batch folder.

A scenario that fails is reported with its reason; the others still finish.
Exit status (:attr:`BatchOutcome.exit_status`): 0 every scenario has a plan;
1 some scenario has none (infeasible, no plan in its time limit, or an
error in its worker); 2 some scenario is invalid input (its problems are
listed; the rest are still solved and written). When every scenario is
invalid nothing is solved or written and :class:`InputError` is raised.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import pandas as pd

from footprint.api import Result, solve_case
from footprint.errors import InputError
from footprint.scenario import Scenario, TablesRead, display_path, read_scenario

INVALID, ERROR = "invalid", "error"
#: how long to try reaching a Dask scheduler before giving up
CONNECT_TIMEOUT = "20s"
#: a file in the output folder that marks it as an earlier batch result (safe to replace)
MARKER = "comparison.csv"


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
                   settings_origin: str = "--set", warm_start: Result | None = None) -> Result | _Invalid:
    """Worker task: apply one scenario's changes, validate, solve.

    Runs in a worker process or on a Dask worker; ``scenario.base`` holds the
    base tables already read, so no file is opened here. A case's
    ``threads = 0`` (the solver's default) becomes 1: one solver thread per
    worker.

    ``warm_start``: a plan (the first scenario's) that seeds the solver,
    mapped onto this scenario's model by readable ids.
    """
    try:
        case = scenario.load(settings, settings_origin)
        if int(case.settings.get("threads") or 0) == 0:
            case = case.with_settings({"threads": 1})
    except InputError as error:
        return _Invalid(error.problems)
    return solve_case(case, warm_start=warm_start)


# ------------------------------------------------------------------ executors


class _LocalPool:
    """A pool of worker processes on this machine."""

    def __init__(self, jobs: int) -> None:
        methods = multiprocessing.get_all_start_methods()
        # forkserver: workers start from a clean process that imported footprint once
        # (fork is unsafe with threads, spawn re-imports everything in each worker).
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            context.set_forkserver_preload(["footprint.api"])
        self.pool = concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context)

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def as_completed(self, futures):
        return concurrent.futures.as_completed(futures)

    def close(self, abort: bool = False) -> None:
        if abort:  # interrupted or failed: stop the running solves too, do not wait for them
            processes = list((getattr(self.pool, "_processes", None) or {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
        else:
            self.pool.shutdown(wait=True)


class _DaskPool:
    """The workers of a Dask distributed cluster (they need footprint installed)."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a dependency of footprint
            raise InputError("--scheduler: the dask distributed package is not installed") from None
        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler {address}: cannot connect to a Dask scheduler there ({exc})") from None

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

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


def check_batch_folder(out: Path) -> None:
    """Refuse a folder that is not an earlier batch or sweep result (the user's files)."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise InputError(f"{out}: exists and is not a footprint batch results folder; "
                         "choose another --out (nothing was written)")


def write_batch(out: Path, runs: Sequence[ScenarioRun],
                extra: Callable[[Path, Sequence[ScenarioRun]], None] | None = None, maps: bool = False) -> pd.DataFrame:
    """Write every run's results folder and the comparison into ``out``, atomically; each folder's
    maps only with ``maps`` (they take a second or two a scenario)."""
    from footprint.report.compare import write_comparison
    from footprint.report.folder import replace_folder, write_results

    check_batch_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for run in runs:
            if run.result is not None:
                write_results(run.result, tmp / run.name, maps=maps)
        comparison = write_comparison(tmp, runs)
        if extra is not None:
            extra(tmp, runs)
        replace_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return comparison


def _progress(enabled: bool, total: int):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.fields[last]}"), console=Console(stderr=True), disable=not enabled,
                    transient=False)


def run_batch(scenarios: Iterable[Scenario | str | Path], out: str | Path | None = None, jobs: int | None = None,
              scheduler: str | None = None, settings: Mapping[str, object] | None = None,
              settings_origin: str = "--set", progress: bool = False,
              extra: Callable[[Path, Sequence[ScenarioRun]], None] | None = None,
              warm_start: bool = False, warm_from=None, maps: bool = False) -> BatchOutcome:
    """Solve many scenarios and (when ``out`` is given) write their results and the comparison.

    ``scenarios``: :class:`Scenario` objects, ``.toml`` scenario files, or case
    folders or workbooks (solved as they are). ``jobs``: worker processes of
    the local pool (default: the machine's cores, at most one per scenario);
    ``scheduler``: a Dask scheduler address (``tcp://host:8786``) to run on
    instead. ``settings`` override every scenario's settings (the command
    line's ``--set``). ``extra(folder, runs)`` may add files to the output
    folder before it is put in place (the sweep's table and chart).
    ``warm_start``: solve the first scenario first and start every other
    from its plan (off by default: see benchmarks/README.md, "Warm starts"). ``warm_from``: a
    result solved before (e.g. the base of ``footprint explain``) whose plan starts every scenario.
    ``maps``: write each scenario's maps too (off by default, for speed).

    Raises :class:`InputError` (and writes nothing) for a bad option, two
    scenarios with one name, an ``out`` that is not an earlier batch folder,
    or when every scenario is invalid.

    The local pool starts its workers with multiprocessing's ``forkserver``
    (``spawn`` where that is missing), so a script that calls this must keep
    its top-level code under ``if __name__ == "__main__":``.
    """
    start = time.perf_counter()
    items = list(scenarios)
    if not items:
        raise InputError("batch: give at least one scenario")
    if jobs is not None and jobs < 1:
        raise InputError(f"--jobs {jobs}: must be at least 1")
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

    pending = [i for i, s in enumerate(loaded) if s is not None]
    with _progress(progress, len(runs)) as bar:
        task = bar.add_task("solving", total=len(runs), last="")
        bar.advance(task, len(runs) - len(pending))
        if pending:
            pool = _DaskPool(scheduler) if scheduler else _LocalPool(jobs or max(1, min(os.cpu_count() or 1,
                                                                                       len(pending))))
            try:
                _solve_all(pool, runs, loaded, pending, settings, settings_origin, bar, task, warm_start,
                           seed=warm_from)
            except BaseException:
                pool.close(abort=True)
                raise
            pool.close()
    if all(r.status == INVALID for r in runs):
        raise InputError([line for r in runs for line in r.problems])
    if out_path is not None:
        comparison = write_batch(out_path, runs, extra, maps=maps)
    else:
        from footprint.report.compare import comparison_table

        comparison = comparison_table(runs)
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


def _solve_all(pool, runs, loaded, pending, settings, settings_origin, bar, task, warm_start=False,
               seed=None) -> None:
    """Hand each scenario to the pool with its base case read once here; collect the results.

    With ``warm_start`` the first scenario is solved alone first and its plan
    seeds every other scenario; ``seed`` (a result) seeds them all instead.
    """
    if seed is None and warm_start and len(pending) > 1:
        _solve_all(pool, runs, loaded, pending[:1], settings, settings_origin, bar, task)
        first = runs[pending[0]].result
        seed = first if first is not None and first.has_plan else None
        pending = pending[1:]
    bases: dict[object, TablesRead] = {}
    futures = {}
    for i in pending:
        scenario = loaded[i]
        key = Path(scenario.base).resolve() if isinstance(scenario.base, (str, Path)) else id(scenario.base)
        try:
            if key not in bases:
                bases[key] = (scenario.base if isinstance(scenario.base, TablesRead)
                              else TablesRead.read(scenario.base))
        except InputError as error:
            runs[i].status, runs[i].problems = INVALID, error.problems
            bar.advance(task)
            continue
        shipped = replace(scenario, base=bases[key])
        futures[pool.submit(solve_scenario, shipped, settings, settings_origin, seed)] = i
    for future in pool.as_completed(list(futures)):
        run = runs[futures[future]]
        try:
            answer = future.result()
        except Exception as exc:  # a worker's failure is this scenario's, not the batch's
            run.status, run.problems = ERROR, [f"{type(exc).__name__}: {exc}"]
        else:
            if isinstance(answer, _Invalid):
                run.status, run.problems = INVALID, answer.problems
            else:
                run.result, run.status = answer, answer.status
        bar.update(task, advance=1, last=f"{run.name}: {run.status}")
