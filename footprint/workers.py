"""Local batch workers: each scenario in a process of its own, watched (issue 19).

A process pool shares its fate: when the operating system kills one worker
(out of memory, a crash in the solver), Python's ``ProcessPoolExecutor``
marks the whole pool broken and every scenario still running or waiting
fails with it. Here each scenario runs in a fresh process forked from a
server that has imported footprint once (``forkserver``: a few tens of
milliseconds a start), at most ``jobs`` at a time. The parent:

- collects each answer through a pipe, so a process that dies costs only its
  own scenario, reported with the reason in words ("killed by signal 9 (SIGKILL)
  — most often the machine ran out of memory; peak so far 5.6 GB");
- samples each process's resident memory (every ``POLL_SECONDS``) for its
  peak, and stops a scenario that passes ``max_memory`` (bytes) cleanly, with
  that reason, before the machine's own killer picks a victim;
- re-runs a failed scenario up to ``retries`` times;
- on Ctrl-C or SIGTERM stops every running process and returns what finished.
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Callable, Iterable

from dask.utils import parse_bytes as dask_parse_bytes

#: seconds between two looks at the running processes (memory, exits)
POLL_SECONDS = 0.2


@dataclass
class Task:
    """One scenario to run: ``fn(*args)`` in a worker process; ``key`` names it to the caller."""

    key: object
    fn: Callable
    args: tuple
    attempts: int = 0


@dataclass
class Answer:
    """What came back: ``value`` (the function's return) or ``error`` (why there is none), the
    peak resident memory of the process (bytes) and its seconds, and how many runs it took."""

    key: object
    value: object = None
    error: str | None = None
    peak_bytes: int = 0
    seconds: float = 0.0
    attempts: int = 1


def format_bytes(n: float) -> str:
    """Bytes as '5.6 GB' or '730 MB' (decimal units, as --max-memory reads them)."""
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def parse_bytes(text: str) -> int:
    """'8GB', '512 MB', '8GiB' or a plain number of bytes, as bytes (dask's reading: GB = 10⁹,
    GiB = 2³⁰); ValueError when unreadable or not positive."""
    number = dask_parse_bytes(str(text))
    if number <= 0:
        raise ValueError(text)
    return int(number)


def _child(conn, fn, args) -> None:
    """The worker process: run, send (value, error, peak bytes) back, exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent decides what Ctrl-C stops
    began = time.perf_counter()
    try:
        value, error = fn(*args), None
    except MemoryError:
        value, error = None, "MemoryError: the scenario ran out of memory"
    except Exception as exc:  # the scenario's failure, reported as its reason
        value, error = None, f"{type(exc).__name__}: {exc}"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024   # kB on Linux
    try:
        conn.send((value, error, peak, time.perf_counter() - began))
    finally:
        conn.close()


def _death(exitcode: int | None, peak: int, limit: int | None, stopped_for_memory: bool) -> str:
    if stopped_for_memory:
        return (f"stopped at the memory limit of {format_bytes(limit)} (--max-memory): it reached "
                f"{format_bytes(peak)}; give it more memory or solve it alone")
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        why = (" — most often the machine ran out of memory and the system stopped the largest process"
               if number == signal.SIGKILL else "")
        return f"the worker solving it was killed by signal {number} ({name}){why}{_so_far(peak)}"
    return f"the worker solving it exited with status {exitcode} without an answer{_so_far(peak)}"


def _so_far(peak: int) -> str:
    return f"; peak so far {format_bytes(peak)}" if peak else ""


class ScenarioProcesses:
    """Run tasks in worker processes, at most ``jobs`` at a time (see the module docstring)."""

    def __init__(self, jobs: int, max_memory: int | None = None, retries: int = 0,
                 preload: Iterable[str] = ("footprint.api",)) -> None:
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            self.context.set_forkserver_preload(list(preload))
        self.jobs, self.max_memory, self.retries = max(1, jobs), max_memory, max(0, retries)
        self.running: dict = {}

    def run(self, tasks: list[Task], done: Callable[[Answer], None],
            started: Callable[[Task], None] = lambda task: None) -> None:
        """Run every task; call ``done(answer)`` as each ends (in the calling thread), ``started``
        as each starts. A KeyboardInterrupt stops every running process and is raised again."""
        waiting = list(tasks)
        try:
            while waiting or self.running:
                while waiting and len(self.running) < self.jobs:
                    task = waiting.pop(0)
                    self._start(task)
                    started(task)
                self._watch(waiting, done)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every running process (nothing they were doing is kept)."""
        for entry in self.running.values():
            process = entry["process"]
            if process.is_alive():
                process.kill()
        for entry in self.running.values():
            entry["process"].join(5)
            entry["conn"].close()
        self.running.clear()

    # -- inside ---------------------------------------------------------------------------------

    def _start(self, task: Task) -> None:
        task.attempts += 1
        receive, send = self.context.Pipe(duplex=False)
        process = self.context.Process(target=_child, args=(send, task.fn, task.args), daemon=True)
        process.start()
        send.close()
        self.running[process.sentinel] = {"task": task, "process": process, "conn": receive, "peak": 0,
                                          "began": time.perf_counter(), "over": False}

    def _watch(self, waiting: list[Task], done: Callable[[Answer], None]) -> None:
        handles = [e["conn"] for e in self.running.values()] + list(self.running)
        wait(handles, timeout=POLL_SECONDS)   # until an answer, an exit, or the next look at memory
        for sentinel, entry in list(self.running.items()):
            conn, process = entry["conn"], entry["process"]
            entry["peak"] = max(entry["peak"], _resident(process.pid))
            if self.max_memory and entry["peak"] > self.max_memory and process.is_alive():
                entry["over"] = True
                process.kill()
            alive = process.is_alive()   # before reading: an answer sent just before the end is in the pipe
            answer, closed = None, False
            try:
                if conn.poll():
                    value, error, peak, seconds = conn.recv()
                    answer = Answer(entry["task"].key, value, error, max(entry["peak"], peak), seconds)
            except (EOFError, OSError):
                closed = True    # the process ended without a word: it died
            if answer is None and (closed or not alive):
                process.join()
                reason = _death(process.exitcode, entry["peak"], self.max_memory, entry["over"])
                answer = Answer(entry["task"].key, error=reason, peak_bytes=entry["peak"],
                                seconds=time.perf_counter() - entry["began"])
            if answer is None:
                continue
            process.join(5)
            conn.close()
            del self.running[sentinel]
            task = entry["task"]
            answer.attempts = task.attempts
            if answer.error is not None and task.attempts <= self.retries and not entry["over"]:
                waiting.insert(0, task)   # another try, first in line
                continue
            done(answer)


def _resident(pid: int) -> int:
    """Resident memory of a process and its children (bytes); 0 when it is gone."""
    try:
        import psutil

        proc = psutil.Process(pid)
        total = proc.memory_info().rss
        for child in proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total
    except Exception:
        return 0
