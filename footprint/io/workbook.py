"""Case workbooks: an empty template from the schema, and any case exported as one workbook.

:func:`write_template` writes what a planner starts a case from: a ``README`` sheet that
documents every table and column (meaning, kind, unit, default, allowed values or range,
required or not), then one sheet per table with its header row frozen and drop-down lists
where the values are fixed (enumerations, true/false, and the id columns that name a row of
another table: a lane's mode once the modes sheet has rows). All of it comes from
:mod:`footprint.schema`, the declarations the loader validates against, so the template and
the loader cannot disagree.

:func:`export_case` writes any case (folder, workbook, or scenario with its changes applied)
as one workbook: the validated tables with their defaults filled and the settings in force;
solving it gives the source's optimum.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from footprint import settings as settings_mod
from footprint.schema import COPY_ID, TABLES, Column

#: rows of the template's data validation (drop-downs apply to this many rows below the header)
TEMPLATE_ROWS = 5000


def column_default(column: Column) -> str:
    """A column's default in words, for the README sheet and the docs."""
    if column.required:
        return "(required)"
    if column.default is COPY_ID:
        return "the row's id"
    if column.default is None:
        return "empty (none / unlimited)"
    if isinstance(column.default, bool):
        return "true" if column.default else "false"
    return f"{column.default:g}" if isinstance(column.default, float) else str(column.default)


def column_allowed(column: Column) -> str:
    """A column's allowed values in words: its choices, its range, or its kind."""
    if column.choices:
        return ", ".join(column.choices)
    if column.kind == "bool":
        return "true, false"
    if column.range is not None:
        return column.range.text()
    return {"id": "text (an id)", "str": "text", "float": "a number", "int": "a whole number"}[column.kind]


def schema_rows() -> pd.DataFrame:
    """One row per table column: the README sheet and docs' column tables come from this."""
    rows = []
    for table in TABLES.values():
        for column in table.columns:
            rows.append({"table": table.name, "column": column.name, "required": column.required,
                         "kind": column.kind, "unit": column.unit, "default": column_default(column),
                         "allowed": column_allowed(column), "meaning": column.meaning})
    return pd.DataFrame(rows)


def write_template(path: str | Path) -> Path:
    """An empty case workbook at ``path`` (see the module docstring)."""
    import xlsxwriter

    path = Path(path)
    workbook = xlsxwriter.Workbook(str(path))
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    try:
        readme = workbook.add_worksheet("README")
        readme.write_string(0, 0, "footprint case workbook: one sheet per table, header in row 1. Sheets named README, "
                                  "Notes or starting with _ are ignored. Empty cells take the default. Tables marked "
                                  "required must have rows; the others may stay empty.")
        docs = schema_rows()
        header = list(docs.columns)
        readme.write_row(2, 0, header, bold)
        for i, row in enumerate(docs.itertuples(index=False), start=3):
            for j, value in enumerate(row):
                readme.write_string(i, j, "yes" if value is True else "" if value is False else str(value), wrap)
        readme.set_column(0, 1, 22)
        readme.set_column(2, 6, 14)
        readme.set_column(7, 7, 90)
        readme.freeze_panes(3, 0)
        readme.autofilter(2, 0, 2 + len(docs), len(header) - 1)
        setting_sheet = {}
        for table in TABLES.values():
            sheet = workbook.add_worksheet(table.name)
            names = table.column_names
            sheet.write_row(0, 0, names, bold)
            sheet.freeze_panes(1, 0)
            for j, column in enumerate(table.columns):
                sheet.set_column(j, j, max(12, len(column.name) + 2))
                sheet.write_comment(0, j, f"{column.meaning}. Default: {column_default(column)}. "
                                          f"Allowed: {column_allowed(column)}" + (f". Unit: {column.unit}" if column.unit else ""))
                choices = list(column.choices) or (["true", "false"] if column.kind == "bool" else [])
                if choices:
                    sheet.data_validation(1, j, TEMPLATE_ROWS, j, {"validate": "list", "source": choices})
            setting_sheet[table.name] = sheet
        _reference_lists(setting_sheet)
        lists = workbook.add_worksheet("_lists")
        lists.hide()
        _settings_list(setting_sheet["settings"], lists)
    finally:
        workbook.close()
    return path


def _reference_lists(sheets: dict) -> None:
    """Drop-downs on id columns that name a row of another table (a lane's mode, a process's
    technology): the list is that table's id column, so it fills in as the planner types."""
    for table in TABLES.values():
        for column, target, target_column in table.references:
            if target not in TABLES:
                continue
            j = table.column_names.index(column)
            k = TABLES[target].column_names.index(target_column)
            letter = _column_letter(k)
            sheets[table.name].data_validation(1, j, TEMPLATE_ROWS, j, {
                "validate": "list", "source": f"='{target}'!${letter}$2:${letter}${TEMPLATE_ROWS + 1}",
                "ignore_blank": True, "error_type": "warning"})


def _settings_list(sheet, lists) -> None:
    """Every setting on its own row with its default, a drop-down on the value where it is fixed
    (lead_time_policy, the true/false ones) and a note saying what it means; the keys as a
    drop-down for rows added below (listed on the hidden sheet ``_lists``: Excel limits a typed-in
    list to 255 characters; sheets starting with _ are not read as tables)."""
    keys = list(settings_mod.SETTINGS)
    lists.write_column(0, 0, keys)
    for row, key in enumerate(keys, start=1):
        spec = settings_mod.SETTINGS[key]
        sheet.write_string(row, 0, key)
        default = spec.default
        text = "none" if default is None else ("true" if default else "false") if isinstance(default, bool) else (
            f"{default:g}" if isinstance(default, float) else str(default))
        sheet.write_string(row, 1, text)
        choices = list(spec.choices) or (["true", "false"] if spec.kind == "bool" else [])
        if choices:
            sheet.data_validation(row, 1, row, 1, {"validate": "list", "source": choices})
        sheet.write_comment(row, 1, spec.meaning)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 14)
    sheet.data_validation(len(keys) + 1, 0, 200, 0, {"validate": "list",
                                                    "source": f"='_lists'!$A$1:$A${len(keys)}"})


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def export_case(source, path: str | Path) -> Path:
    """Any case as one workbook at ``path`` (see the module docstring). Raises InputError for an
    invalid case; ``path`` is written whole or not at all."""
    import os
    import tempfile

    from footprint.case import load_case

    case = load_case(source)
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx", dir=path.parent if path.parent.exists() else None)
    os.close(fd)
    try:
        with pd.ExcelWriter(tmp, engine="xlsxwriter") as writer:
            for name, table in TABLES.items():
                frame = case.table(name)
                if name == "settings":
                    frame = _settings_frame(case.settings)
                elif frame is None:
                    continue
                else:
                    frame = frame[[c for c in table.column_names if c in frame.columns]]
                _write_text_safe(writer, name, frame)
        os.chmod(tmp, 0o644)  # mkstemp's file is private; a case workbook is an ordinary file
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _settings_frame(values: dict) -> pd.DataFrame:
    rows = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, float):
            text = repr(value)
        else:
            text = str(value)
        rows.append({"key": key, "value": text})
    return pd.DataFrame(rows, columns=["key", "value"])


def _write_text_safe(writer, name: str, frame: pd.DataFrame) -> None:
    """One sheet, numbers as numbers and every text as text (never a formula)."""
    book = writer.book
    sheet = book.add_worksheet(name)
    writer.sheets[name] = sheet
    sheet.write_row(0, 0, [str(c) for c in frame.columns])
    sheet.freeze_panes(1, 0)
    for j, column in enumerate(frame.columns):
        for i, value in enumerate(frame[column].tolist(), start=1):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if isinstance(value, (bool, np.bool_)):
                sheet.write_boolean(i, j, bool(value))
            elif isinstance(value, (int, float, np.integer, np.floating)):
                sheet.write_number(i, j, float(value))
            else:
                sheet.write_string(i, j, str(value))
