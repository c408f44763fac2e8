"""Read a scenario file (TOML, SPEC section 5) and the chain it inherits from.

Only the file's shape is checked here (known keys, tables and columns, one
operation per change, values of the right type); whether a ``where`` matches
and whether the changed case is valid is checked when the changes are applied
(:mod:`footprint.scenario`). Every problem names the file and the change::

    models/duty-shock.toml change 2 (table dutie): unknown table 'dutie' (known tables: sites, …)
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from footprint.errors import InputError
from footprint.settings import parse_setting
from footprint.scenario import NUMERIC, OPERATIONS, Change, Scenario, display_path
from footprint.schema import TABLES

TOP_KEYS = ("name", "description", "case", "settings", "change")
CHANGE_KEYS = ("table", "where", *OPERATIONS)
SCALARS = (str, int, float, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_columns(problems: list[str], label: str, table: str, columns, what: str) -> None:
    known = TABLES[table].column_names
    for column in columns:
        if column not in known:
            problems.append(f"{label}: {what}unknown column '{column}' (known columns of {table}: {', '.join(known)})")


def parse_change(entry: object, label: str, problems: list[str]) -> Change | None:
    """One ``[[change]]`` entry, named ``label`` in messages (e.g. ``models/x.toml change 2``).

    Appends its problems to ``problems`` and returns None when it has any.
    """
    count = len(problems)
    if not isinstance(entry, dict):
        problems.append(f"{label}: a change is a table with table = … and one of {', '.join(OPERATIONS)}")
        return None
    table = entry.get("table")
    if isinstance(table, str):
        label += f" (table {table})"
    for key in entry:
        if key not in CHANGE_KEYS:
            problems.append(f"{label}: unknown key '{key}' (a change takes {', '.join(CHANGE_KEYS)})")
    if not isinstance(table, str):
        problems.append(f"{label}: missing table = \"…\" (the table to change)")
        return None
    if table not in TABLES:
        problems.append(f"{label}: unknown table '{table}' (known tables: {', '.join(TABLES)})")
        return None
    ops = [op for op in OPERATIONS if op in entry]
    if len(ops) != 1:
        given = f"it gives {', '.join(ops)}" if ops else "it gives none"
        problems.append(f"{label}: give exactly one of {', '.join(OPERATIONS)} ({given})")
        return None
    op, values = ops[0], entry[ops[0]]

    where = entry.get("where", {})
    if not isinstance(where, dict):
        problems.append(f"{label}: where must be a table, e.g. where = {{ site = \"MAD\" }}")
        where = {}
    _check_columns(problems, label, table, where, "where: ")
    parsed_where = {}
    for column, accepted in where.items():
        accepted = accepted if isinstance(accepted, list) else [accepted]
        if not accepted or not all(isinstance(v, SCALARS) for v in accepted):
            problems.append(f"{label}: where {column}: give a value or a list of values")
        parsed_where[column] = tuple(accepted)

    if op == "drop":
        if values is not True:
            problems.append(f"{label}: drop takes true (drop = true removes the rows where matches)")
        values = {}
    elif op == "rows":
        if "where" in entry:
            problems.append(f"{label}: rows appends new rows and takes no where")
        if not isinstance(values, list) or not values or not all(isinstance(r, dict) for r in values):
            problems.append(f"{label}: rows must be a list of rows, e.g. rows = [{{ site = \"NEW\", … }}]")
            return None
        for k, row in enumerate(values, start=1):
            _check_columns(problems, label, table, row, f"new row {k}: ")
            for column, value in row.items():
                if not isinstance(value, SCALARS):
                    problems.append(f"{label}: new row {k}, column {column}: give a single value")
        values = tuple(values)
    else:
        if not isinstance(values, dict) or not values:
            problems.append(f"{label}: {op} must be a table of column = value, e.g. {op} = {{ fixed_cost = 2 }}")
            return None
        _check_columns(problems, label, table, values, f"{op}: ")
        for column, value in values.items():
            if column not in TABLES[table].column_names:
                continue
            kind = TABLES[table].column(column).kind
            if op == "set" and not isinstance(value, SCALARS):
                problems.append(f"{label}: set {column}: give a single value")
            elif op != "set" and not _is_number(value):
                problems.append(f"{label}: {op} {column}: '{value}' is not a number")
            elif op != "set" and kind not in NUMERIC:
                problems.append(f"{label}: {op} {column}: the column is not numeric ({kind}); use set")
    if len(problems) > count:
        return None
    return Change(table=table, op=op, values=values, where=parsed_where, label=label)


def _case_path(path: Path, data: dict, label: str, problems: list[str]) -> Path | None:
    case = data.get("case")
    if not isinstance(case, str) or not case.strip():
        problems.append(f"{label}: missing case = \"…\" (the base case folder, workbook or scenario file)")
        return None
    target = path.parent / case
    if target.suffix.lower() == ".toml":
        if not target.is_file():
            problems.append(f"{label}: case '{case}': no such scenario file ({display_path(target)})")
            return None
    elif not (target.is_dir() or (target.suffix.lower() == ".xlsx" and target.is_file())):
        problems.append(f"{label}: case '{case}': no such case folder or workbook ({display_path(target)})")
        return None
    return target


def _check_name(name: object, label: str, problems: list[str]) -> None:
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{label}: name must be a non-empty text")
    elif any(c in name for c in "/\\:*?\"<>|") or name.startswith(".") or name != name.strip():
        problems.append(f"{label}: name '{name}' cannot be a folder name (it names the scenario's results "
                        "folder); use letters, digits, '-' and '_'")


def read_scenario_file(path: Path, _chain: tuple[Path, ...] = ()) -> Scenario:
    """Read ``path`` and, first, the scenario files it inherits from; detect cycles."""
    label = display_path(path)
    resolved = path.resolve()
    if resolved in _chain:
        loop = " → ".join(display_path(p) for p in (*_chain, resolved))
        raise InputError(f"{display_path(_chain[0])}: the chain of scenario files loops: {loop}")
    if not path.is_file():
        raise InputError(f"{label}: no such scenario file")
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{label}: not a valid TOML file ({exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"{label}: not a UTF-8 text file") from None

    problems: list[str] = []
    for key in data:
        if key not in TOP_KEYS:
            hint = " (write [[change]] for each change)" if key in ("changes", "chnage") else ""
            problems.append(f"{label}: unknown key '{key}' (a scenario file takes {', '.join(TOP_KEYS)}){hint}")
    name = data.get("name", path.stem)
    _check_name(name, label, problems)
    description = data.get("description", "")
    if not isinstance(description, str):
        problems.append(f"{label}: description must be text")
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        problems.append(f"{label}: settings must be a table: [settings] then key = value lines")
        settings = {}
    for key, value in settings.items():
        if not isinstance(value, SCALARS):
            problems.append(f"{label} [settings] {key}: give a single value")
            continue
        try:
            parse_setting(key, value)
        except ValueError as exc:
            problems.append(f"{label} [settings] {key}: {exc}")
    entries = data.get("change", [])
    if not isinstance(entries, list):
        problems.append(f"{label}: change must be a list of tables: write [[change]] before each change")
        entries = []
    changes = [parse_change(entry, f"{label} change {i}", problems) for i, entry in enumerate(entries, start=1)]
    target = _case_path(path, data, label, problems)
    if target is None or not isinstance(name, str) or not name.strip():
        raise InputError(problems)  # nothing to check the rest against
    # The rest of the file is still applied and checked, so that one run names every problem:
    # unreadable changes are left out, unreadable settings too.
    settings = {k: v for k, v in settings.items() if not any(line.startswith(f"{label} [settings] {k}:")
                                                              for line in problems)}
    if target.suffix.lower() == ".toml":
        parent = read_scenario_file(target, (*_chain, resolved))
        base, inherited, layers = parent.base, parent.changes, parent.settings
        problems = [*parent.problems, *problems]
    else:
        base, inherited, layers = target, [], []
    return Scenario(name=name.strip(), base=base, changes=[*inherited, *(c for c in changes if c is not None)],
                    settings=[*layers, (f"{label} [settings]", settings)] if settings else list(layers),
                    description=description, path=path, problems=problems)
