"""Batches that survive faults (issue 19): a worker that dies costs only its scenario, failed
scenarios are retried, a memory limit stops a scenario cleanly, a stopped batch keeps what
finished and --resume solves only the rest, and a Dask cluster re-runs a lost worker's task."""

from __future__ import annotations

import _thread
import threading
from pathlib import Path

import pandas as pd
import pytest

import batchfaults
from footprint.batch import BatchInterrupted, run_batch
from footprint.scenario import Scenario
from footprint.workers import parse_bytes

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example"
OPTIMUM = 1_574_943.3654856174   # the example's optimum (tests/test_example.py)


def scenarios(*names, description=""):
    return [Scenario(name=n, base=EXAMPLE, description=description) for n in names]


def test_a_killed_worker_costs_only_its_scenario(tmp_path):
    out = tmp_path / "batch"
    outcome = run_batch(scenarios("a", "crash", "b"), out=out, jobs=2, worker=batchfaults.killed)
    runs = {r.name: r for r in outcome.runs}
    assert runs["a"].status == runs["b"].status == "optimal"
    assert runs["a"].result.objective == pytest.approx(OPTIMUM)
    assert runs["crash"].status == "error"
    assert "killed by signal 9 (SIGKILL)" in runs["crash"].reason
    assert "ran out of memory" in runs["crash"].reason
    assert (out / "a" / "summary.json").exists() and (out / "b" / "summary.json").exists()
    assert not (out / "crash").exists()
    table = pd.read_csv(out / "comparison.csv").set_index("scenario")
    assert table.loc["crash", "status"] == "error"
    assert table.loc["a", "peak_memory_gb"] > 0.01          # measured, in GB
    assert outcome.exit_status == 1

    # --resume: the two finished scenarios are kept as they are, only the failed one is solved.
    again = run_batch(scenarios("a", "crash", "b"), out=out, jobs=2, resume=True)
    runs = {r.name: r for r in again.runs}
    assert runs["a"].kept and runs["b"].kept and not runs["crash"].kept
    assert runs["crash"].status == "optimal"
    assert again.exit_status == 0
    table = pd.read_csv(out / "comparison.csv").set_index("scenario")
    assert table["resumed"].to_dict() == {"a": True, "crash": False, "b": True}
    assert table.loc["a", "objective"] == pytest.approx(OPTIMUM)


def test_a_worker_killed_while_writing_leaves_nothing_half_written(tmp_path):
    # Local workers write their own results folders: one killed mid-write leaves none of it.
    out = tmp_path / "batch"
    outcome = run_batch(scenarios("a", "torn", description=str(out)), out=out, jobs=2,
                        worker=batchfaults.killed_writing)
    assert [r.status for r in outcome.runs] == ["optimal", "error"]
    assert sorted(p.name for p in out.iterdir()) == ["a", "comparison.csv", "comparison.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch"]     # no staging folder left
    assert (out / "a" / "plan.xlsx").exists()


def test_results_that_cannot_be_written_cost_only_their_scenario(tmp_path):
    out = tmp_path / "batch"
    outcome = run_batch(scenarios("a", "unwritable", "b"), out=out, jobs=2, worker=batchfaults.unwritable)
    runs = {r.name: r for r in outcome.runs}
    assert runs["a"].status == runs["b"].status == "optimal"
    assert runs["unwritable"].status == "error"
    assert "its results folder could not be written: AttributeError" in runs["unwritable"].reason
    assert sorted(p.name for p in out.iterdir()) == ["a", "b", "comparison.csv", "comparison.xlsx"]
    assert pd.read_csv(out / "comparison.csv").set_index("scenario").loc["unwritable", "status"] == "error"


def test_resume_solves_again_what_changed(tmp_path):
    out = tmp_path / "batch"
    run_batch(scenarios("a", "b"), out=out, jobs=2)
    again = run_batch(scenarios("a", "b"), out=out, jobs=2, resume=True, settings={"mip_gap": 0.05})
    assert not any(r.kept for r in again.runs)     # another gap: another result


def test_retries_run_a_failed_scenario_again(tmp_path):
    marker = tmp_path / "flaky.marker"
    outcome = run_batch(scenarios("flaky", "b", description=str(marker)), jobs=2, retries=1,
                        worker=batchfaults.killed_once)
    runs = {r.name: r for r in outcome.runs}
    assert marker.exists()
    assert runs["flaky"].status == "optimal" and runs["flaky"].attempts == 2
    assert runs["b"].attempts == 1


def test_a_memory_limited_scenario_stops_cleanly(tmp_path):
    outcome = run_batch(scenarios("hungry", "b"), out=tmp_path / "batch", jobs=2,
                        max_memory=parse_bytes("600MB"), worker=batchfaults.hungry)
    runs = {r.name: r for r in outcome.runs}
    assert runs["hungry"].status == "error"
    assert "stopped at the memory limit of 600 MB (--max-memory)" in runs["hungry"].reason
    assert runs["b"].status == "optimal"
    assert runs["hungry"].peak_bytes > parse_bytes("600MB")


def test_a_stopped_batch_keeps_what_finished_and_resumes(tmp_path):
    import signal

    # Ctrl-C as Python's own handler raises it (an earlier test may have installed another one).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        out = tmp_path / "batch"
        # Ctrl-C once the quick scenario has been written (the slow one still running).
        watcher = threading.Thread(target=_interrupt_when, args=(out, "a"), daemon=True)
        watcher.start()
        with pytest.raises(BatchInterrupted) as stopped:
            run_batch(scenarios("slow", "a"), out=out, jobs=2, worker=batchfaults.slow)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert (stopped.value.finished, stopped.value.total) == (1, 2)
    table = pd.read_csv(out / "comparison.csv").set_index("scenario")
    assert table.loc["a", "status"] == "optimal" and table.loc["slow", "status"] == "not run"
    again = run_batch(scenarios("slow", "a"), out=out, jobs=2, resume=True)
    assert {r.name: r.kept for r in again.runs} == {"slow": False, "a": True}
    assert all(r.status == "optimal" for r in again.runs)


def _interrupt_when(out: Path, name: str) -> None:
    import time

    deadline = time.time() + 110
    while time.time() < deadline:
        staged = list(out.parent.glob(f".{out.name}.*/{name}/summary.json"))
        if staged:
            _thread.interrupt_main()
            return
        time.sleep(0.1)


def test_a_dask_cluster_runs_a_lost_workers_scenario_elsewhere(tmp_path):
    distributed = pytest.importorskip("distributed")
    marker = tmp_path / "flaky.marker"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=50) as cluster:
        outcome = run_batch(scenarios("flaky", "a", "b", description=str(marker)), scheduler=cluster.scheduler_address,
                            worker=batchfaults.killed_once)
    assert marker.exists()          # the worker did die once
    assert [r.status for r in outcome.runs] == ["optimal"] * 3
    assert outcome.runs[0].result.objective == pytest.approx(OPTIMUM)


def test_memory_limits_are_read_as_planners_write_them():
    assert parse_bytes("8GB") == 8_000_000_000 and parse_bytes("512 MB") == 512_000_000
    assert parse_bytes("8GiB") == 8 * 1024 ** 3 and parse_bytes("1000") == 1000
    for bad in ("lots", "0", "-1GB"):
        with pytest.raises(ValueError):
            parse_bytes(bad)


def test_a_bad_memory_limit_is_an_input_error(tmp_path):
    from typer.testing import CliRunner

    from footprint.cli import app

    result = CliRunner().invoke(app, ["batch", str(EXAMPLE), "--max-memory", "lots", "--out", str(tmp_path / "b")])
    assert result.exit_code == 2
    assert "--max-memory lots: expected an amount such as 8GB or 512MB" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "b").exists()
