"""Write a result into one output folder, atomically.

Files are written into a temporary sibling folder which replaces the target
only when every file is complete, so a failed run leaves no half-written
folder and a previous result is only replaced by a whole new one.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from pathlib import Path

from footprint.api import Result
from footprint.errors import InputError

TABLE_FILES = ("sites", "printers", "production", "flows", "unmet")


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def check_output_folder(out: Path) -> None:
    """Refuse to replace a folder that is not an earlier footprint result (the user's files)."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "summary.json").exists())):
        raise InputError(f"{out}: exists and is not a footprint results folder; "
                         "choose another --out (nothing was written)")


def write_results(result: Result, out_dir: str | Path) -> Path:
    """Write summary.json and the result tables into ``out_dir`` (replaced whole)."""
    out = Path(out_dir)
    check_output_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name in TABLE_FILES:
            table = result.tables.get(name)
            if table is not None:
                table.to_csv(tmp / f"{name}.csv", index=False, float_format="%.6f")
        result.timings["write"] = time.perf_counter() - start
        with open(tmp / "summary.json", "w", encoding="utf-8") as fh:
            json.dump(_clean(result.summary()), fh, indent=2, ensure_ascii=False)
        if out.exists():
            backup = out.with_name(f".{out.name}.old")
            if backup.exists():
                shutil.rmtree(backup)
            out.rename(backup)
            tmp.rename(out)
            shutil.rmtree(backup)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
