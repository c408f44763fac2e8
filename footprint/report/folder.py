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

TABLE_FILES = ("sites", "printers", "production", "flows", "unmet", "stock", "transfers")


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


def write_workbook(result: Result, path: Path, pictures=()) -> None:
    """plan.xlsx (see :mod:`footprint.report.plan_workbook`), with ``pictures`` (PNG files) on a
    sheet of their own."""
    from footprint.report.plan_workbook import write_plan_workbook

    write_plan_workbook(result, result.tables, TABLE_FILES, path, pictures)


#: text a spreadsheet would run as a formula when it opens a CSV file (OWASP's CSV injection list)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame):
    """``frame`` with every text cell that a spreadsheet would read as a formula (it starts with
    = + - @, a tab or a carriage return: an id such as ``=HYPERLINK(…)`` in the planner's input)
    prefixed with an apostrophe, so that opening a result CSV in Excel never runs it. Numbers are
    untouched; plan.xlsx needs no such care (its text cells are written as text)."""
    import pandas as pd

    out = frame
    for column in frame.columns:
        values = frame[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        risky = values.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
        if risky.any():
            if out is frame:
                out = frame.copy()
            out.loc[risky, column] = "'" + values[risky]
    return out


def replace_folder(tmp: Path, out: Path) -> None:
    """Put a finished folder in place of ``out`` (an earlier result), keeping the old one until then."""
    if out.exists():
        backup = out.with_name(f".{out.name}.old")
        if backup.exists():
            shutil.rmtree(backup)
        out.rename(backup)
        tmp.rename(out)
        shutil.rmtree(backup)
    else:
        tmp.rename(out)


def check_output_folder(out: Path) -> None:
    """Refuse to replace a folder that is not an earlier footprint result (the user's files)."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "summary.json").exists())):
        raise InputError(f"{out}: exists and is not a footprint results folder; "
                         "choose another --out (nothing was written)")


def write_results(result: Result, out_dir: str | Path, workbook: bool = True, maps: bool = True) -> Path:
    """Write summary.json, the result tables, the charts and (unless told not to) plan.xlsx and
    the maps (network.gpkg, map.png, map.html) into ``out_dir`` (replaced whole)."""
    out = Path(out_dir)
    check_output_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name in TABLE_FILES:
            table = result.tables.get(name)
            if table is not None:
                spreadsheet_safe(table).to_csv(tmp / f"{name}.csv", index=False, float_format="%.6f")
        from footprint.report.plan_charts import cost_chart, utilisation_chart

        charts = ([cost_chart(result, tmp / "costs.png"), utilisation_chart(result, tmp / "utilisation.png")]
                  if result.has_plan else [])
        if workbook:
            write_workbook(result, tmp / "plan.xlsx", [c for c in charts if c is not None])
        if maps:
            from footprint.report.maps import write_maps

            write_maps(result, tmp)
        result.timings["write"] = time.perf_counter() - start
        with open(tmp / "summary.json", "w", encoding="utf-8") as fh:
            json.dump(_clean(result.summary()), fh, indent=2, ensure_ascii=False)
        replace_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


#: columns read as text whatever they hold (ids)
_ID_COLUMNS = ("site", "zone", "product", "technology", "tier", "mode", "source", "origin", "band", "from_site",
               "to_site", "name", "country", "status")


def read_results(folder: str | Path) -> Result:
    """A results folder written by :func:`write_results` read back as a :class:`Result` (its
    summary and tables; not the solver's raw values): what ``footprint batch --resume`` keeps.
    Raises FileNotFoundError or ValueError when the folder is not complete."""
    import pandas as pd

    folder = Path(folder)
    with open(folder / "summary.json", encoding="utf-8") as fh:
        summary = json.load(fh)
    tables = {}
    for name in TABLE_FILES:
        path = folder / f"{name}.csv"
        if path.exists():
            head = pd.read_csv(path, nrows=0).columns
            tables[name] = pd.read_csv(path, dtype={c: str for c in head if c in _ID_COLUMNS},
                                       keep_default_na=False, na_values=[""])
    result = Result(case_name=summary["case"], status=summary["status"], objective=summary.get("objective"),
                    best_bound=summary.get("best_bound"), mip_gap=summary.get("mip_gap"),
                    costs=summary.get("costs") or {}, kpis=summary.get("kpis") or {},
                    profile=summary.get("profile") or {}, tables=tables, messages=summary.get("messages") or [],
                    timings=summary.get("timings") or {}, model_size=summary.get("model_size") or {},
                    settings=summary.get("settings") or {}, input_hash=summary.get("input_hash") or "",
                    version=summary.get("version") or "")
    if result.has_plan and "sites" not in tables:
        raise ValueError(f"{folder}: sites.csv is missing")
    return result
