"""Scenarios (SPEC section 5): a base case plus ordered changes to its tables.

A scenario comes from a TOML file (:func:`read_scenario`, see
:mod:`footprint.io.scenario_file`) or is built in code (a sweep builds one per
factor). :func:`load_scenario_case` turns it into a validated
:class:`~footprint.case.Case`.

Changes act on the raw text tables, exactly as if the planner had edited the
files, and the changed tables then go through the normal validation of
:func:`~footprint.case.load_case`. So a change that produces an invalid case
is reported by the same checks as a hand-edited file, prefixed with the
scenario file and the change that caused it::

    models/duty-shock.toml change 2 (table sites): sites.csv row 3, column fixed_cost: -5 is out of range: must be ≥ 0

Matching rules of ``where`` (column = value, or a list of values; every
column must match): numeric columns compare as numbers (``0.065`` matches
``0.0650``), true/false columns as booleans, everything else as exact text.
An empty cell matches its column's default (``status = "candidate"`` matches
a site whose status cell is empty). Every listed value must match some row,
and the whole ``where`` must match at least one row, so a typo cannot pass as
a scenario that changed nothing.

Values: ``set`` writes a value as the planner would type it (``""`` empties
a cell, i.e. restores its default: ``max_printers = ""`` is unlimited).
``multiply`` and ``add`` take numbers and act on numeric columns; an empty
cell counts as its default, and a cell whose default is "none" (unlimited,
no target) stays empty. Results are kept to 12 significant digits, so
``10 × 1.2`` is the whole number 12.

Settings: the case's ``settings`` table, then each scenario file's
``[settings]`` from the base of the chain outward, then the command line.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from footprint import settings as settings_mod
from footprint.case import Case, load_case
from footprint.errors import InputError, Problems
from footprint.io.tables import RawTable, read_tables
from footprint.schema import COPY_ID, TABLES

OPERATIONS = ("set", "multiply", "add", "rows", "drop")
NUMERIC = ("float", "int")


@dataclass(frozen=True)
class Change:
    """One change of a scenario.

    ``op`` is one of :data:`OPERATIONS`; ``values`` maps column to value for
    set, multiply and add, holds the new rows (a tuple of dicts) for rows and
    is empty for drop. ``where`` maps column to the accepted values.
    ``label`` names the change in messages, e.g.
    ``models/duty-shock.toml change 2 (table duties)``.
    """

    table: str
    op: str
    values: Mapping | tuple = field(default_factory=dict)
    where: Mapping[str, tuple] = field(default_factory=dict)
    label: str = "change"


@dataclass
class Scenario:
    """A base case and the changes and settings layered on it.

    ``base`` is a case folder, an ``.xlsx`` workbook, a mapping of table
    name to DataFrame or the tables already read (:class:`TablesRead`)
    (never another scenario: a chain of scenario files is
    flattened, inherited changes first). ``settings`` holds ``(origin,
    overrides)`` layers, inherited first; ``origin`` names them in messages.
    """

    name: str
    base: "str | Path | Mapping[str, pd.DataFrame] | TablesRead"
    changes: list[Change] = field(default_factory=list)
    settings: list[tuple[str, dict]] = field(default_factory=list)
    description: str = ""
    path: Path | None = None
    #: problems found in the file itself (changes that could not be read), reported with the rest
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How messages name this scenario: its file, or its name."""
        return display_path(self.path) if self.path is not None else f"scenario {self.name}"

    def with_change(self, change: Change, name: str | None = None) -> "Scenario":
        """A copy with one more change (and another name)."""
        return replace(self, name=name or self.name, changes=[*self.changes, change])

    def load(self, settings: Mapping[str, object] | None = None, settings_origin: str = "--set") -> Case:
        """The validated case with every change and setting applied (see :func:`load_scenario_case`)."""
        return load_scenario_case(self, settings, settings_origin)


def display_path(path: Path) -> str:
    """A path as messages show it: relative to the working folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_scenario(path: str | Path) -> Scenario:
    """Read a scenario file and the chain of scenario files it inherits from."""
    from footprint.io.scenario_file import read_scenario_file

    return read_scenario_file(Path(path))


# ------------------------------------------------------------------ values and matching


def value_text(value: object) -> str:
    """A TOML value as the planner would type it in a cell."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(float(value))
    return str(value).strip()


def number_text(number: float) -> str:
    """A number as cell text, to 12 significant digits (so 10 × 1.2 is the whole number 12)."""
    text = f"{number:.12g}"
    return "0" if text == "-0" else text


def _column_text(table: str, frame: pd.DataFrame, column: str) -> pd.Series:
    """The cells of ``column`` with empty cells read as the column's default (as text)."""
    spec = TABLES[table].column(column)
    text = frame[column] if column in frame.columns else pd.Series("", index=frame.index, dtype=object)
    empty = text == ""
    if spec.default is None or not empty.any():
        return text
    if spec.default == COPY_ID:
        key = TABLES[table].key[0]
        return text.where(~empty, frame[key] if key in frame.columns else "")
    return text.where(~empty, value_text(spec.default))


def _matches(table: str, frame: pd.DataFrame, column: str, value: object) -> np.ndarray:
    """Rows whose ``column`` equals ``value`` (numbers as numbers, booleans as booleans)."""
    kind = TABLES[table].column(column).kind
    text = _column_text(table, frame, column)
    if kind in NUMERIC:
        try:
            target = float(value_text(value))
        except ValueError:
            return (text == value_text(value)).to_numpy()
        cells = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
        return (cells == target).to_numpy()
    if kind == "bool":
        try:
            target = value if isinstance(value, bool) else settings_mod.parse_bool(str(value))
        except ValueError:
            return np.zeros(len(frame), dtype=bool)
        words = settings_mod.TRUE_WORDS if target else settings_mod.FALSE_WORDS
        return text.str.lower().isin(words).to_numpy()
    return (text == value_text(value)).to_numpy()


def _where_text(where: Mapping[str, tuple]) -> str:
    return ", ".join(f"{col} = {' or '.join(value_text(v) for v in values)}" for col, values in where.items())


def _select(change: Change, frame: pd.DataFrame) -> tuple[np.ndarray, str | None]:
    """Rows the change's ``where`` selects, or an error text when it matches no row."""
    if not change.where:
        if frame.empty:
            return np.zeros(0, dtype=bool), "matches no row: the table has no rows"
        return np.ones(len(frame), dtype=bool), None
    selected = np.ones(len(frame), dtype=bool)
    for column, values in change.where.items():
        hits = [_matches(change.table, frame, column, v) for v in values]
        unmatched = [v for v, h in zip(values, hits) if not h.any()]
        if unmatched:
            return selected, f"where matches no row ({column} = {' or '.join(value_text(v) for v in unmatched)})"
        selected &= np.logical_or.reduce(hits)
    if not selected.any():
        return selected, f"where matches no row ({_where_text(change.where)})"
    return selected, None


# ------------------------------------------------------------------ applying changes


@dataclass
class _Added:
    """Rows appended by a change, for messages: (source, file row) → (change, n-th new row)."""

    rows: dict[tuple[str, int], tuple[Change, int]] = field(default_factory=dict)


def _apply(raw: dict[str, RawTable], change: Change, added: _Added) -> str | None:
    """Apply one change in place of ``raw`` (table objects are replaced, never mutated).

    Returns an error text when the change cannot apply (its ``where`` matches no row).
    """
    table = raw.get(change.table)
    if change.op == "rows":
        new = pd.DataFrame([{c: value_text(v) for c, v in row.items()} for row in change.values], dtype=object)
        if table is None:
            frame = new.fillna("").astype(object)
            source = change.label
            rows = np.arange(len(frame), dtype=int) + 2
            first = 2
        else:
            columns = list(table.frame.columns) + [c for c in new.columns if c not in table.frame.columns]
            frame = pd.concat([table.frame.reindex(columns=columns), new.reindex(columns=columns)],
                              ignore_index=True).fillna("").astype(object)
            source = table.source
            first = int(table.rows.max()) + 1 if len(table.rows) else 2
            rows = np.concatenate([table.rows, np.arange(len(new), dtype=int) + first])
        for k in range(len(new)):
            added.rows[(source, first + k)] = (change, k + 1)
        raw[change.table] = RawTable(change.table, frame, source, rows)
        return None

    if table is None:
        return f"matches no row: table {change.table} is not in the case (a change with rows can add it)"
    selected, error = _select(change, table.frame)
    if error:
        return error
    frame = table.frame.copy()
    if change.op == "drop":
        keep = ~selected
        raw[change.table] = RawTable(change.table, frame.loc[keep].reset_index(drop=True), table.source,
                                     table.rows[keep])
        return None
    for column, value in change.values.items():
        if column not in frame.columns:
            frame[column] = pd.Series("", index=frame.index, dtype=object)
        if change.op == "set":
            frame.loc[selected, column] = value_text(value)
            continue
        spec = TABLES[change.table].column(column)
        text = frame.loc[selected, column]
        default = "" if spec.default is None else value_text(spec.default)
        text = text.where(text != "", default)
        numbers = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
        done = numbers * float(value) if change.op == "multiply" else numbers + float(value)
        # Empty ("none"/unlimited) cells stay empty; text that is no number is left for the validator.
        frame.loc[selected, column] = [number_text(n) if np.isfinite(n) else t for n, t in zip(done, text)]
    raw[change.table] = RawTable(change.table, frame, table.source, table.rows.copy())
    return None


class TablesRead:
    """A case's tables already read (and perhaps changed), usable wherever a case path is.

    :func:`~footprint.case.load_case` and a scenario's ``base`` accept it in
    place of a path: a batch reads a base case once and sends it to its
    workers this way, so they need no access to the files.
    """

    def __init__(self, name: str, raw: dict[str, RawTable], container: str) -> None:
        self.name, self.raw, self.container = name, raw, container

    @classmethod
    def read(cls, source: str | Path | Mapping[str, pd.DataFrame]) -> "TablesRead":
        name, raw = read_tables(source)
        return cls(name, raw, str(source) if not isinstance(source, Mapping) else "case")

    def read_tables(self) -> tuple[str, dict[str, RawTable]]:
        return self.name, dict(self.raw)

    def __str__(self) -> str:
        return self.container


_ROW_REF = re.compile(r"^(?P<source>.*?) row (?P<row>\d+)(?P<rest>[,:].*)$", re.S)


def _rename_added_rows(line: str, added: _Added, current: Change | None) -> str:
    """Name an appended row by its change ('new row 2') instead of a file row it does not have."""
    match = _ROW_REF.match(line)
    if not match:
        return line
    hit = added.rows.get((match["source"], int(match["row"])))
    if hit is None:
        return line
    change, k = hit
    where = f"new row {k}" if change is current else f"row {k} added by {change.label}"
    return f"{where}{match['rest']}"


def _problems_of(raw: dict[str, RawTable], name: str, container: str) -> list[str]:
    try:
        load_case(TablesRead(name, raw, container))
    except InputError as error:
        return error.problems
    return []


def _attribute(scenario: Scenario, base: dict[str, RawTable], final: list[str], container: str) -> list[str]:
    """Name, for each problem of the changed case, the change that introduced it.

    Runs only when the changed case is invalid: re-validates after each change
    and credits each problem of the final case to the change after which it
    first appeared. Problems no single change explains (none known) are
    named as the scenario's.
    """
    added = _Added()
    raw = dict(base)
    final_set, credited, before = set(final), set(), set()
    out: list[str] = []
    for change in scenario.changes:
        _apply(raw, change, added)
        lines = _problems_of(raw, scenario.name, container)
        for line in lines:
            if line in final_set and line not in before and line not in credited:
                out.append(f"{change.label}: {_rename_added_rows(line, added, change)}")
                credited.add(line)
        before = set(lines)
    for line in final:
        if line not in credited:
            out.append(f"{scenario.label}: after its changes: {_rename_added_rows(line, added, None)}")
    return out


def _settings_layers(case: Case, layers: list[tuple[str, Mapping]]) -> Case:
    """Apply settings layers in order; each problem names the layer it came from."""
    problems = Problems()
    merged: dict[str, object] = {}
    layer_of: dict[str, int] = {}
    for number, (origin, values) in enumerate(layers):
        for key, value in (values or {}).items():
            try:
                merged[key] = settings_mod.parse_setting(key, value)
                layer_of[key] = number
            except ValueError as exc:
                problems.add(f"{origin} {key}", str(exc))
    problems.raise_if_any()
    for key, text in settings_mod.check_consistency({**case.settings, **merged}):
        # blame the last layer that set one of the settings in conflict
        involved = [k for k in layer_of if k == key or k in text]
        if involved:
            key = max(involved, key=layer_of.get)
            problems.add(f"{layers[layer_of[key]][0]} {key}", text)
        else:
            problems.add(f"settings {key}", text)
    problems.raise_if_any()
    return replace(case, settings={**case.settings, **merged}) if merged else case


def load_scenario_case(source: Scenario | str | Path, settings: Mapping[str, object] | None = None,
                       settings_origin: str = "--set") -> Case:
    """Read the base case, apply the scenario's changes, validate, then layer the settings.

    ``settings`` (e.g. the command line's ``--set``) override the scenario's,
    which override the case's. Raises :class:`InputError` naming the
    scenario file and the change for each problem.
    """
    start = time.perf_counter()
    scenario = source if isinstance(source, Scenario) else read_scenario(source)
    tables = scenario.base if isinstance(scenario.base, TablesRead) else TablesRead.read(scenario.base)
    _, base = tables.read_tables()
    container = tables.container
    raw = dict(base)
    # Every problem at once: the file's own, a change that cannot apply, the changed case's own
    # problems and the settings' are all collected before anything is raised.
    problems = list(scenario.problems)
    for change in scenario.changes:
        error = _apply(raw, change, _Added())
        if error:
            problems.append(f"{change.label}: {error}")
    read_seconds = time.perf_counter() - start
    layers = [*scenario.settings, (settings_origin, settings or {})]
    case = None
    try:
        case = load_case(TablesRead(scenario.name, raw, container))
    except InputError as error:
        base_problems = _problems_of(dict(base), scenario.name, container)
        if base_problems:
            problems += [f"{scenario.label}, base case {container}: {line}" for line in base_problems]
        else:
            problems += _attribute(scenario, base, error.problems, container)
    if case is None:
        problems += _setting_problems(layers)
    else:
        try:
            case = _settings_layers(case, layers)
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    case.timings = {**case.timings, "load": case.timings.get("load", 0.0) + read_seconds}
    return case


def _setting_problems(layers: list[tuple[str, Mapping]]) -> list[str]:
    """Each layer's setting values that do not parse (the case itself being invalid)."""
    problems = Problems()
    for origin, values in layers:
        for key, value in (values or {}).items():
            try:
                settings_mod.parse_setting(key, value)
            except ValueError as exc:
                problems.add(f"{origin} {key}", str(exc))
    return problems.lines
