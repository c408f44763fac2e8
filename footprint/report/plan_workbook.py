"""plan.xlsx: a plan workbook a planner can forward.

``summary``: the status in words ("optimal", "proven within 3.2 % of the optimum"), the headline
figures, printers per technology (one row each), the configuration profile, notes; ``costs``:
the cost terms with a bar chart; then one sheet per result table (sites, printers, production,
flows, unmet, and with stock stock and transfers) with number formats (money and units as whole
numbers with separators, shares as percentages, days with two decimals), a frozen bold header,
filters and column widths from the contents. Every text cell is written as text, never as a
formula. A table longer than a sheet can hold is left out with a note naming its CSV file.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

EXCEL_MAX_ROWS = 1_048_575  # data rows a sheet can hold below its header

#: number format per column, by name: the first rule whose test matches
_FORMATS = (
    (lambda c: c in ("utilisation", "on_time_share", "local_share", "central_share") or c.startswith("share_"),
     "0.0%"),
    (lambda c: "lead_time" in c or c.endswith("_days") or c == "queue_days", "0.00"),
    (lambda c: c.endswith("_kg") or c == "co2_kg", "#,##0.0"),
    (lambda c: c.endswith("_per_unit"), "#,##0.00"),
)
_WHOLE = "#,##0"


def _number_format(column: str) -> str:
    for test, fmt in _FORMATS:
        if test(column):
            return fmt
    return _WHOLE


def status_words(result) -> str:
    """'optimal', or the status with how close the plan is proven to be."""
    gap = result.mip_gap
    if result.status == "optimal" and (gap is None or gap <= 5e-7):
        return "optimal"
    within = "" if gap is None else f", proven within {gap * 100:.2f} % of the optimum"
    if result.status == "optimal":
        return f"optimal within the gap asked for{within}"
    if result.status == "time_limit":
        return f"time limit: best plan found{within}"
    return f"{result.status}{within}"


def write_plan_workbook(result, tables: dict[str, pd.DataFrame], names, path: Path, pictures=()) -> None:
    """Write ``tables`` (result tables by name, in the order of ``names``), the summary and the
    ``pictures`` (PNG files, on a sheet ``charts``) to ``path``."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
    try:
        styles = _styles(workbook)
        skipped = [n for n in names if len(tables.get(n, ())) > EXCEL_MAX_ROWS]
        _summary(workbook, styles, result, skipped)
        _costs(workbook, styles, result)
        if pictures:
            sheet = workbook.add_worksheet("charts")
            row = 1
            for picture in pictures:
                sheet.insert_image(row, 1, str(picture))
                row += 32
        for name in names:
            if name in tables and name not in skipped:
                write_table(workbook, styles, name, tables[name])
    finally:
        workbook.close()


def _styles(workbook) -> dict:
    styles = {"header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True,
                                             "valign": "top"}),
              "title": workbook.add_format({"bold": True, "font_size": 14}),
              "bold": workbook.add_format({"bold": True})}
    for fmt in {f for _, f in _FORMATS} | {_WHOLE, "0.00%"}:
        styles[fmt] = workbook.add_format({"num_format": fmt})
    return styles


def _summary(workbook, styles, result, skipped) -> None:
    sheet = workbook.add_worksheet("summary")
    currency = result.settings.get("currency") or ""
    k, profile = result.kpis, result.profile
    rows = [("case", result.case_name, None), ("status", status_words(result), None),
            (f"total cost ({currency}/year)", result.objective, _WHOLE),
            (f"proven lower bound ({currency}/year)", result.best_bound, _WHOLE),
            ("proven gap", result.mip_gap, "0.00%"),
            ("units demanded (units/year)", k.get("units_demanded"), _WHOLE),
            ("units served (units/year)", k.get("units_served"), _WHOLE),
            ("on time", k.get("on_time_share"), "0.0%"),
            ("mean lead time (days)", k.get("mean_lead_time_days"), "0.00"),
            ("CO2 (t/year)", k.get("co2_tonnes"), "#,##0.0"),
            ("open sites", k.get("open_sites"), _WHOLE),
            ("open site ids", " ".join(k.get("open_site_ids", [])), None)]
    rows += [(f"printers {tech}", count, _WHOLE) for tech, count in k.get("printers_by_technology", {}).items()]
    rows += [(f"profile {key}", value, _number_format(key)) for key, value in profile.items()]
    rows += [(f"note {n}", f"{len(result.tables[n]):,} rows: too many for a sheet, see {n}.csv", None)
             for n in skipped]
    rows += [(f"message {i}", m, None) for i, m in enumerate(result.messages, start=1)]
    rows += [("version", result.version, None), ("input hash", result.input_hash, None)]
    sheet.write_string(0, 0, f"footprint plan: {result.case_name}", styles["title"])
    sheet.write_row(2, 0, ["item", "value"], styles["header"])
    for i, (item, value, fmt) in enumerate(rows, start=3):
        sheet.write_string(i, 0, item)
        _write_cell(sheet, i, 1, value, styles.get(fmt) if fmt else None)
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, 1, 60)
    sheet.freeze_panes(3, 0)


def _costs(workbook, styles, result) -> None:
    sheet = workbook.add_worksheet("costs")
    currency = result.settings.get("currency") or ""
    # Columns term, cost (currency/year, summing to the objective) and share: no total row, so
    # that the cost column adds up to the plan's cost wherever it is read.
    sheet.write_row(0, 0, ["term", "cost", "share"], styles["header"])
    total = sum(result.costs.values())
    terms = list(result.costs.items())
    for i, (term, value) in enumerate(terms, start=1):
        sheet.write_string(i, 0, term)
        sheet.write_number(i, 1, float(value), styles[_WHOLE])
        sheet.write_number(i, 2, float(value) / total if total else 0.0, styles["0.0%"])
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 2, 18)
    sheet.freeze_panes(1, 0)
    chart = workbook.add_chart({"type": "bar"})
    chart.add_series({"name": "cost", "categories": ["costs", 1, 0, len(terms), 0],
                      "values": ["costs", 1, 1, len(terms), 1], "fill": {"color": "#4472C4"}})
    chart.set_title({"name": f"Cost breakdown ({currency}/year)"})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True})
    chart.set_size({"width": 620, "height": 380})
    sheet.insert_chart(1, 4, chart)


def write_table(workbook, styles, name: str, frame: pd.DataFrame) -> None:
    """One result table: bold frozen header with filters, formats by column, widths by contents."""
    sheet = workbook.add_worksheet(name)
    columns = [str(c) for c in frame.columns]
    sheet.write_row(0, 0, columns, styles["header"])
    for j, column in enumerate(frame.columns):
        values = frame[column]
        fmt = styles[_number_format(str(column))]
        if pd.api.types.is_bool_dtype(values):
            for i, v in enumerate(values.to_numpy()):
                sheet.write_boolean(i + 1, j, bool(v))
        elif pd.api.types.is_numeric_dtype(values):
            numbers = values.to_numpy(dtype=float)
            for i in np.flatnonzero(~np.isnan(numbers)).tolist():
                sheet.write_number(i + 1, j, numbers[i], fmt)
        else:
            for i, v in enumerate(values.tolist()):
                _write_cell(sheet, i + 1, j, v, fmt)
        sample = [len(columns[j])] + [len(_shown(v)) for v in values.head(200).tolist()]
        sheet.set_column(j, j, min(max(sample) + 2, 50))
    sheet.freeze_panes(1, 0)
    if len(frame):
        sheet.autofilter(0, 0, len(frame), max(len(columns) - 1, 0))


def _shown(value) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:,.0f}"
    return str(value)


def _write_cell(sheet, row: int, col: int, value, fmt=None) -> None:
    """A cell by its type: numbers as numbers, booleans as booleans, anything else as text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return
    if isinstance(value, (bool, np.bool_)):
        sheet.write_boolean(row, col, bool(value))
    elif isinstance(value, (int, float, np.integer, np.floating)):
        sheet.write_number(row, col, float(value), fmt)
    else:
        sheet.write_string(row, col, str(value))
