"""Worker tasks for the batch fault tests (tests/test_batch_faults.py): each does what a real
scenario's worker may suffer, then (or instead) solves as footprint.batch.solve_scenario does.

A scenario's ``description`` carries a marker file's path where a task must fail only once: a
worker process is forked from a server started earlier, so it sees neither this test's
environment nor its module state."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from footprint.batch import solve_scenario


def killed(scenario, settings=None, origin="--set", warm_start=None, derived=None):
    """The scenario named 'crash' kills its own worker (as the out-of-memory killer would)."""
    if scenario.name == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    return solve_scenario(scenario, settings, origin, warm_start, derived)


def killed_once(scenario, settings=None, origin="--set", warm_start=None, derived=None):
    """The scenario named 'flaky' kills its worker the first time only."""
    marker = Path(scenario.description) if scenario.name == "flaky" else None
    if marker is not None and not marker.exists():
        marker.write_text("killed once")
        os.kill(os.getpid(), signal.SIGKILL)
    return solve_scenario(scenario, settings, origin, warm_start, derived)


def hungry(scenario, settings=None, origin="--set", warm_start=None, derived=None):
    """The scenario named 'hungry' takes memory, 100 MB at a time, up to 3 GB."""
    if scenario.name == "hungry":
        held = []
        for _ in range(30):
            held.append(bytearray(100 * 1024 ** 2))
            time.sleep(0.1)
    return solve_scenario(scenario, settings, origin, warm_start, derived)


def slow(scenario, settings=None, origin="--set", warm_start=None, derived=None):
    """The scenario named 'slow' takes two minutes before it solves."""
    if scenario.name == "slow":
        time.sleep(120)
    return solve_scenario(scenario, settings, origin, warm_start, derived)


def killed_writing(scenario, settings=None, origin="--set", warm_start=None, derived=None):
    """The scenario named 'torn' leaves a half-written results folder in the batch's staging
    folder (found beside the output folder its ``description`` names) and is killed."""
    if scenario.name == "torn":
        out = Path(scenario.description)
        staging = next(out.parent.glob(f".{out.name}.*"))
        (staging / ".torn.k3j2_a8q").mkdir()
        (staging / ".torn.k3j2_a8q" / "flows.csv").write_text("site,zone\n")
        (staging / "torn").mkdir()
        (staging / "torn" / "flows.csv").write_text("site,zone\n")
        os.kill(os.getpid(), signal.SIGKILL)
    return solve_scenario(scenario, settings, origin, warm_start, derived)


def unwritable(scenario, settings=None, origin="--set", warm_start=None, derived=None):
    """The scenario named 'unwritable' solves, but its results cannot be written (a table that is
    not one), neither by its worker nor by the batch's process."""
    result = solve_scenario(scenario, settings, origin, warm_start, derived)
    if scenario.name == "unwritable":
        result.tables["flows"] = "not a table"
    return result
