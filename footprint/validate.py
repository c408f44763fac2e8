"""Validation as its own stage: raw text tables in, typed tables out.

Every check reports the table's file or sheet, the row as the planner sees it
(header = row 1) and the column, and all problems are collected before one
:class:`~footprint.errors.InputError` is raised. Parsing is vectorised per
column so that cases with hundreds of thousands of rows validate quickly.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from footprint import settings as settings_mod
from footprint.errors import Problems
from footprint.io.tables import RawTable
from footprint.schema import COPY_ID, REQUIRED_TABLES, TABLES, Column, Table

ROW = "_row"  # planner-visible row number kept beside each typed table

MAX_LISTED = 20  # problems of one kind in one column before we summarise


def _report_cells(problems: Problems, raw: RawTable, column: str, positions, message) -> None:
    """Report each bad cell, summarising beyond MAX_LISTED to keep output readable."""
    positions = list(positions)
    for pos in positions[:MAX_LISTED]:
        problems.add(raw.where(pos, column), message(pos))
    if len(positions) > MAX_LISTED:
        problems.add_more(raw.where(None, column), len(positions) - MAX_LISTED, "rows with the same problem")


def _did_you_mean(word: str, known: list[str]) -> str:
    """': did you mean fixed_cost?' where a known name is close (a typo), else nothing."""
    import difflib

    close = difflib.get_close_matches(word.strip().lower(), known, n=1, cutoff=0.75)
    return f": did you mean {close[0]}?" if close else ""


_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_POINT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")


def _as_typed_numbers(text: pd.Series, spec: Column, decimal_comma: bool) -> pd.Series:
    """Numbers as planners type them, where that is unambiguous: thousands separators in a file
    whose decimal mark is a point (``180,000``; a ';'- or tab-separated file's commas are decimal
    marks and left to the hint), and a percent sign in a share column (``85%`` is 0.85)."""
    out = text
    if not decimal_comma:
        grouped = out.str.match(_THOUSANDS)
        if grouped.any():
            out = out.where(~grouped, out.str.replace(",", "", regex=False))
    else:
        # In a file whose decimal mark is a comma, '20.000' is twenty thousand, not twenty: refused
        # (made no number) rather than read a thousand times too small; the hint says what to write.
        dotted = out.str.match(_POINT_THOUSANDS)
        if dotted.any():
            out = out.where(~dotted, "?")
    share = spec.range is not None and spec.range.high <= 1.0 or spec.name == "rate"
    if share:
        percent = out.str.match(r"^\s*[+-]?\d+(\.\d+)?\s*%$")
        if percent.any():
            values = pd.to_numeric(out[percent].str.rstrip("% ").str.strip(), errors="coerce") / 100.0
            out = out.astype(object)
            out[percent] = values.map(repr)
    return out


def _comma_hint(text: str, decimal_comma: bool = False) -> str:
    """Why a number with a comma is refused, and what to write instead. In a file written with
    ';' or tabs a comma is the decimal mark ('1,500' is 1.5) and a point may group thousands
    ('20.000'); elsewhere '1,500' may be either."""
    text = text.strip()
    if decimal_comma and _POINT_THOUSANDS.match(text):
        return (f" (in a file separated by ';' or tabs the point may group thousands: write "
                f"{text.replace('.', '')} if it does, {text.replace('.', ',')} if it is a decimal mark)")
    if decimal_comma and _DECIMAL_COMMA.match(text):
        return f" (it has a decimal comma: write {text.replace(',', '.')})"
    if _THOUSANDS.match(text):
        return f" (a comma is ambiguous here: write {text.replace(',', '')} without thousands separators)"
    if _DECIMAL_COMMA.match(text):
        return f" (it has a decimal comma: write {text.replace(',', '.')})"
    return ""


def _parse_column(problems: Problems, raw: RawTable, spec: Column, text: pd.Series) -> pd.Series:
    """Parse one text column into its declared kind, reporting bad cells."""
    empty = (text == "").to_numpy()
    if spec.required:
        _report_cells(problems, raw, spec.name, np.flatnonzero(empty), lambda p: "missing value (required)")
    if spec.kind in ("float", "int"):
        plain = _as_typed_numbers(text, spec, raw.decimal_comma)
        numbers = pd.to_numeric(plain.where(~empty, None), errors="coerce").astype(float).to_numpy(copy=True)
        # 'nan' parses as a number that is not finite: report it as such.
        nan_word = text.str.strip().str.lower().isin({"nan", "+nan", "-nan"}).to_numpy()
        numbers[nan_word] = np.inf
        not_number = ~empty & np.isnan(numbers)
        _report_cells(problems, raw, spec.name, np.flatnonzero(not_number),
                      lambda p: f"'{text.iloc[p]}' is not a number{_comma_hint(text.iloc[p], raw.decimal_comma)}")
        ok = ~empty & ~not_number
        infinite = ok & ~np.isfinite(numbers)
        _report_cells(problems, raw, spec.name, np.flatnonzero(infinite),
                      lambda p: f"'{text.iloc[p]}' is not a finite number (leave the cell empty for unlimited)")
        ok &= ~infinite
        if spec.kind == "int":
            fractional = ok & (np.floor(numbers) != numbers)
            _report_cells(problems, raw, spec.name, np.flatnonzero(fractional),
                          lambda p: f"'{text.iloc[p]}' is not a whole number")
        if spec.range is not None:
            rng = spec.range
            low_bad = (numbers <= rng.low) if rng.low_open else (numbers < rng.low)
            high_bad = (numbers >= rng.high) if rng.high_open else (numbers > rng.high)
            out = ok & (low_bad | high_bad)
            _report_cells(problems, raw, spec.name, np.flatnonzero(out),
                          lambda p: f"{text.iloc[p]} is out of range: must be {rng.text()}")
        default = np.nan if spec.default is None else float(spec.default)
        numbers = np.where(empty, default, numbers)
        return pd.Series(numbers, index=text.index, dtype=float)
    if spec.kind == "bool":
        lowered = text.str.lower()
        truth = lowered.isin(settings_mod.TRUE_WORDS)
        falsity = lowered.isin(settings_mod.FALSE_WORDS)
        bad = ~(truth | falsity) & ~pd.Series(empty, index=text.index)
        _report_cells(problems, raw, spec.name, np.flatnonzero(bad.to_numpy()),
                      lambda p: f"'{text.iloc[p]}' is not true or false")
        return pd.Series(np.where(empty, bool(spec.default), truth.to_numpy()), index=text.index, dtype=bool)
    if spec.kind == "enum":
        bad = ~text.isin(spec.choices) & ~pd.Series(empty, index=text.index)
        _report_cells(problems, raw, spec.name, np.flatnonzero(bad.to_numpy()),
                      lambda p: f"'{text.iloc[p]}' is not one of {', '.join(spec.choices)}")
        return text.where(~pd.Series(empty, index=text.index), spec.default).astype(object)
    # id and str: text; COPY_ID defaults are filled by the caller.
    if spec.default not in (None, COPY_ID):
        return text.where(~pd.Series(empty, index=text.index), spec.default).astype(object)
    return text.astype(object)


def parse_table(problems: Problems, raw: RawTable) -> pd.DataFrame:
    """Check one table's columns and cells; return it typed, defaults filled."""
    table: Table = TABLES[raw.name]
    frame = raw.frame
    known = table.column_names
    for col in frame.columns:
        if col not in known:
            problems.add(raw.where(None, col), f"unknown column{_did_you_mean(col, known)} (known columns of "
                                               f"{table.name}: {', '.join(known)})")
    if len(set(frame.columns)) != len(frame.columns):
        problems.add(raw.source, "a column name appears twice in the header")
    missing_required = [c.name for c in table.columns if c.required and c.name not in frame.columns]
    for name in missing_required:
        problems.add(raw.where(None, name), "missing required column")
    typed = {}
    n = len(frame)
    for spec in table.columns:
        if spec.name in frame.columns and spec.name not in missing_required:
            text = frame[spec.name]
            if isinstance(text, pd.DataFrame):  # duplicated header, reported above
                text = text.iloc[:, 0]
        else:
            text = pd.Series([""] * n, index=frame.index, dtype=object)
            if spec.required:
                continue
        typed[spec.name] = _parse_column(problems, raw, spec, text.reset_index(drop=True))
    out = pd.DataFrame(typed)
    key = table.key[0] if table.key else None
    for spec in table.columns:
        if spec.default == COPY_ID and spec.name in out and key in out:
            out[spec.name] = out[spec.name].where(out[spec.name] != "", out[key])
    out[ROW] = raw.rows[:n]
    return out.reset_index(drop=True)


def check_keys(problems: Problems, raw: RawTable, table: Table, frame: pd.DataFrame) -> None:
    """Report duplicate ids (or duplicate key combinations)."""
    key = [k for k in table.key if k in frame.columns]
    if not key or len(key) != len(table.key) or frame.empty:
        return
    dup = frame.duplicated(subset=key, keep=False)
    if not dup.any():
        return
    first_row = frame[dup].groupby(key, sort=False)[ROW].transform("min")
    repeats = [idx for idx in np.flatnonzero(dup.to_numpy())
               if frame.iloc[idx][ROW] != first_row.loc[frame.index[idx]]]
    for idx in repeats[:MAX_LISTED]:
        row = frame.iloc[idx]
        label = ", ".join(f"{k}={row[k]}" for k in key)
        what = "id" if len(key) == 1 else "combination"
        problems.add(raw.where_row(int(row[ROW]), key[-1]),
                     f"duplicate {what} ({label}), first at row {int(first_row.loc[frame.index[idx]])}")
    if len(repeats) > MAX_LISTED:
        problems.add_more(raw.source, len(repeats) - MAX_LISTED, "duplicate rows")


def check_references(problems: Problems, raw: RawTable, table: Table, frame: pd.DataFrame,
                     typed: dict[str, pd.DataFrame]) -> None:
    """Report references to ids that do not exist in their table."""
    for column, target, target_col in table.references:
        if column not in frame.columns or target not in typed or target_col not in typed[target].columns:
            continue  # a missing column is reported where it is missing
        valid = set(typed[target][target_col])
        values = frame[column]
        bad = (~values.isin(valid)) & (values != "")
        _report_cells(problems, raw, column, np.flatnonzero(bad.to_numpy()),
                      lambda p: f"'{values.iloc[p]}' is not a {target_col} listed in {target}")


def parse_settings(problems: Problems, raw: RawTable | None, frame: pd.DataFrame | None) -> dict:
    """Settings from the case's settings table on top of the defaults."""
    values = settings_mod.defaults()
    if raw is None or frame is None or "key" not in frame or "value" not in frame:
        return values
    where = {}
    for pos, (key, value) in enumerate(zip(frame["key"], frame["value"])):
        try:
            values[key] = settings_mod.parse_setting(key, value)
            where[key] = raw.where(pos, "value")
        except ValueError as exc:
            column = "key" if key not in settings_mod.SETTINGS else "value"
            problems.add(raw.where(pos, column), str(exc))
    for key, text in settings_mod.check_consistency(values):
        problems.add(where.get(key, raw.source), text)
    return values


def validate_tables(raw_tables: dict[str, RawTable], container: str, problems: Problems
                    ) -> tuple[dict[str, pd.DataFrame], dict, set[str]]:
    """Check table presence, columns, cells, keys and references.

    Returns the typed tables, the case settings and the names of tables that
    had problems (cross-table checks skip those). Problems accumulate in
    ``problems`` (the caller raises). ``container`` names the folder or
    workbook for messages about missing tables. An optional table with a
    header and no rows counts as absent (a template's empty sheet).
    """
    unreadable = {n for n, r in raw_tables.items() if r.problem is not None}
    for name, raw in raw_tables.items():
        if raw.problem is not None:
            problems.lines.extend(raw.problem.splitlines())
        elif name not in TABLES:
            problems.add(raw.source, f"unknown table '{name}'{_did_you_mean(name, list(TABLES))} (known tables: "
                                     f"{', '.join(TABLES)})")
    present = {n for n, r in raw_tables.items()
               if n in TABLES and n not in unreadable and (TABLES[n].required or len(r.frame))}
    for name in REQUIRED_TABLES:
        if name not in raw_tables:
            problems.add(container, f"missing required table '{name}'")
    if "modes" not in present | unreadable and "lanes" not in present | unreadable:
        problems.add(container, "missing table 'modes' (required unless 'lanes' lists every lane)")

    typed: dict[str, pd.DataFrame] = {}
    bad: set[str] = set(unreadable)
    for name in sorted(present):
        raw, before = raw_tables[name], len(problems.lines)
        typed[name] = parse_table(problems, raw)
        if typed[name].empty:
            problems.add(raw.source, "has no rows")
        check_keys(problems, raw, TABLES[name], typed[name])
        if len(problems.lines) > before:
            bad.add(name)
    for name, frame in typed.items():
        table, before = TABLES[name], len(problems.lines)
        if name in ("lanes", "transfers") and "modes" not in typed:
            table = Table(table.name, table.meaning, table.columns, table.required, table.key,
                          tuple(r for r in table.references if r[1] != "modes"))
        check_references(problems, raw_tables[name], table, frame, typed)
        if len(problems.lines) > before:
            bad.add(name)
    case_settings = parse_settings(problems, raw_tables.get("settings"), typed.get("settings"))
    return typed, case_settings, bad
