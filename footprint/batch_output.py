"""A batch's output folder (footprint.batch): built beside the old one, each scenario's results
folder added as it finishes, put in place whole at the end or when the batch is stopped; and what
``--resume`` may keep of an earlier one."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import pandas as pd

from footprint.api import Result
from footprint.errors import InputError
from footprint.scenario import Scenario

if TYPE_CHECKING:
    from footprint.batch import ScenarioRun

#: a file in the output folder that marks it as an earlier batch result (safe to replace)
MARKER = "comparison.csv"


def check_batch_folder(out: Path) -> None:
    """Refuse a folder that is not an earlier batch or sweep result (the user's files)."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise InputError(f"{out}: exists and is not a footprint batch results folder; "
                         "choose another --out (nothing was written)")


class Staging:
    """The batch's output folder being built: each scenario's folder written as it finishes, the
    whole put in place of ``out`` at the end (or when the batch is stopped)."""

    def __init__(self, out: Path, maps: bool) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        self.out, self.maps = out, maps
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))

    def add(self, run: ScenarioRun) -> None:
        from footprint.report.folder import write_results

        if run.kept:
            shutil.copytree(self.out / run.name, self.tmp / run.name)
        elif run.result is not None:
            write_results(run.result, self.tmp / run.name, maps=self.maps)

    def finish(self, runs: Sequence[ScenarioRun], extra=None) -> pd.DataFrame:
        from footprint.report.compare import write_comparison
        from footprint.report.folder import replace_folder

        for leftover in self.tmp.glob(".*"):   # what a stopped worker had half written
            shutil.rmtree(leftover, ignore_errors=True)
        comparison = write_comparison(self.tmp, runs)
        if extra is not None:
            extra(self.tmp, runs)
        replace_folder(self.tmp, self.out)
        return comparison

    def put(self, run: ScenarioRun, files: dict[str, bytes]) -> None:
        """``run``'s results folder from the bytes of its files (rendered on a Dask worker),
        written under a hidden name and renamed when whole."""
        part = Path(tempfile.mkdtemp(prefix=f".{run.name}.", dir=self.tmp))
        for name, content in files.items():
            (part / name).parent.mkdir(parents=True, exist_ok=True)
            (part / name).write_bytes(content)
        part.rename(self.tmp / run.name)

    def folder(self, run: ScenarioRun) -> Path:
        """Where ``run``'s results folder goes (a worker writes it there itself)."""
        return self.tmp / run.name

    def drop(self, run: ScenarioRun) -> None:
        """Remove what a failed worker may have left of ``run``'s folder (a half-written one
        stays under a hidden name; see write_results)."""
        # exactly this scenario's: ".x1.*" would also match ".x1.5.k3j2_a8q", another's being written
        mine = re.compile(rf"\.{re.escape(run.name)}\.([a-z0-9_]{{8}}|old)")
        for leftover in self.tmp.iterdir():
            if mine.fullmatch(leftover.name):
                shutil.rmtree(leftover, ignore_errors=True)
        if run.result is None:
            shutil.rmtree(self.tmp / run.name, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def resumable(out: Path, scenario: Scenario, settings, settings_origin: str) -> Result | None:
    """The earlier result of ``scenario`` in ``out`` when its inputs and settings are unchanged and it
    has an answer (a plan, or infeasible): the case is read and checked here for its hash."""
    import json

    from footprint.report.folder import _clean, read_results

    summary = out / scenario.name / "summary.json"
    if not summary.exists():
        return None
    try:
        earlier = read_results(summary.parent)
        case = scenario.load(settings, settings_origin)
    except (InputError, OSError, ValueError, KeyError):
        return None
    if int(case.settings.get("threads") or 0) == 0:
        case = case.with_settings({"threads": 1})
    same_settings = json.loads(json.dumps(_clean(dict(case.settings)))) == earlier.settings
    if earlier.input_hash != case.input_hash or not same_settings:
        return None
    return earlier if (earlier.has_plan or earlier.status == "infeasible") else None
