"""Small valid case folders (and workbooks) written to disk, for command-line tests.

``CaseFiles()`` holds the tables of a tiny valid case as text, exactly as a
planner would type them.  Change it with the methods below (each returns the
object, so calls chain), then ``write(folder)`` a CSV folder or
``write_xlsx(path)`` a workbook.  Rows are addressed by data-row index
(0 = the first data row = file row 2); ``file_row(i)`` converts.

The base case (all in one country X at lat 0, lon 0 except site B):

    sites        A  country X, lat 0 lon 0, fixed_cost 1000, max_printers 10
                 B  country Y, lat 0 lon 1, fixed_cost 1500, max_printers 10
    technologies T  printer_cost 100, hours_per_year 1000, max_utilisation 1
    products     P  weight 2 kg, value 50
    processes    P on T, 1 hour per unit, variable_cost 3
    zones        Z  country X, lat 0 lon 0
    demand       Z, P: 100 units
    modes        road: cost_per_unit 0.5, cost_per_kg_km 0.01, 500 km/day

Its optimum: open A, 1 printer: 1000 + 100 + 100 * 3 + 100 * 0.5 = 1450.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path

BASE_OBJECTIVE = 1450.0


def _base() -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    return {
        "sites": (
            ["site", "name", "lat", "lon", "country", "fixed_cost", "max_printers", "status"],
            [
                dict(site="A", name="Site A", lat="0", lon="0", country="X", fixed_cost="1000",
                     max_printers="10", status="candidate"),
                dict(site="B", name="Site B", lat="0", lon="1", country="Y", fixed_cost="1500",
                     max_printers="10", status="candidate"),
            ],
        ),
        "technologies": (
            ["technology", "printer_cost", "hours_per_year", "max_utilisation", "min_utilisation"],
            [dict(technology="T", printer_cost="100", hours_per_year="1000", max_utilisation="1",
                  min_utilisation="0")],
        ),
        "products": (
            ["product", "weight_kg", "value", "duty_class"],
            [dict(product="P", weight_kg="2", value="50", duty_class="parts")],
        ),
        "processes": (
            ["product", "technology", "hours_per_unit", "variable_cost"],
            [dict(product="P", technology="T", hours_per_unit="1", variable_cost="3")],
        ),
        "zones": (
            ["zone", "name", "lat", "lon", "country"],
            [dict(zone="Z", name="Zone Z", lat="0", lon="0", country="X")],
        ),
        "demand": (
            ["zone", "product", "quantity", "lead_time_target_days"],
            [dict(zone="Z", product="P", quantity="100", lead_time_target_days="")],
        ),
        "modes": (
            ["mode", "cost_per_unit", "cost_per_kg_km", "speed_km_per_day", "circuity"],
            [dict(mode="road", cost_per_unit="0.5", cost_per_kg_km="0.01", speed_km_per_day="500",
                  circuity="1")],
        ),
    }


def file_row(index: int) -> int:
    """The row number a planner sees for data row ``index`` (header = row 1)."""
    return index + 2


class CaseFiles:
    """A tiny valid case as text tables, editable before it is written."""

    def __init__(self) -> None:
        self.tables = _base()
        self.extra_files: dict[str, str] = {}

    # ------------------------------------------------------------ tables
    def table(self, name: str, columns: list[str], rows: list[dict] | None = None) -> "CaseFiles":
        """Add or replace a whole table (rows are dicts; missing keys are empty cells)."""
        self.tables[name] = (list(columns), [_text_row(r) for r in (rows or [])])
        return self

    def drop_table(self, name: str) -> "CaseFiles":
        del self.tables[name]
        return self

    def rename_table(self, old: str, new: str) -> "CaseFiles":
        self.tables[new] = self.tables.pop(old)
        return self

    def clear_rows(self, name: str) -> "CaseFiles":
        """Keep the header only."""
        self.tables[name][1].clear()
        return self

    def rows(self, name: str) -> list[dict[str, str]]:
        return self.tables[name][1]

    # ------------------------------------------------------------ columns
    def drop_column(self, name: str, column: str) -> "CaseFiles":
        columns, rows = self.tables[name]
        columns.remove(column)
        for row in rows:
            row.pop(column, None)
        return self

    def rename_column(self, name: str, old: str, new: str) -> "CaseFiles":
        columns, rows = self.tables[name]
        columns[columns.index(old)] = new
        for row in rows:
            if old in row:
                row[new] = row.pop(old)
        return self

    def add_column(self, name: str, column: str, value: str = "") -> "CaseFiles":
        columns, rows = self.tables[name]
        if column not in columns:
            columns.append(column)
        for row in rows:
            row[column] = str(value)
        return self

    # ------------------------------------------------------------ rows and cells
    def set(self, name: str, row: int, column: str, value) -> "CaseFiles":
        """Set one cell (adds the column, empty elsewhere, if the table lacks it)."""
        columns, rows = self.tables[name]
        if column not in columns:
            columns.append(column)
        rows[row][column] = "" if value is None else str(value)
        return self

    def add_row(self, name: str, /, **cells) -> "CaseFiles":
        columns, rows = self.tables[name]
        for column in cells:
            if column not in columns:
                columns.append(column)
        rows.append(_text_row(cells))
        return self

    def copy_row(self, name: str, row: int = 0, /, **changes) -> "CaseFiles":
        """Append a copy of a row, with some cells changed."""
        new = dict(self.tables[name][1][row])
        new.update(_text_row(changes))
        return self.add_row(name, **new)

    def settings(self, /, **values) -> "CaseFiles":
        """Add (or extend) the settings table with key = value rows."""
        if "settings" not in self.tables:
            self.table("settings", ["key", "value"])
        for key, value in values.items():
            self.add_row("settings", key=key, value=value)
        return self

    def file(self, filename: str, text: str) -> "CaseFiles":
        """An extra raw file in the folder (e.g. a misnamed table)."""
        self.extra_files[filename] = text
        return self

    def copy(self) -> "CaseFiles":
        return copy.deepcopy(self)

    # ------------------------------------------------------------ writing
    def write(self, folder: Path) -> Path:
        """Write one CSV file per table into ``folder`` (created); return the folder."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, (columns, rows) in self.tables.items():
            with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(columns)
                for row in rows:
                    writer.writerow([row.get(c, "") for c in columns])
        for filename, text in self.extra_files.items():
            (folder / filename).write_text(text, encoding="utf-8")
        return folder

    def write_xlsx(self, path: Path) -> Path:
        """Write one sheet per table into an ``.xlsx`` workbook (numbers typed as numbers)."""
        import pandas as pd

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            for name, (columns, rows) in self.tables.items():
                frame = pd.DataFrame([[_cell_value(r.get(c, "")) for c in columns] for r in rows],
                                     columns=columns, dtype=object)
                frame.to_excel(writer, sheet_name=name, index=False)
        return path


def _text_row(row: dict) -> dict[str, str]:
    return {k: ("" if v is None else str(v)) for k, v in row.items()}


def _cell_value(text: str):
    """Numbers as numbers (as a spreadsheet would hold them), empty as None, else text."""
    if text == "":
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    if number != number or number in (float("inf"), float("-inf")):
        return text
    return int(number) if number.is_integer() else number


def write_case(folder: Path, **changes) -> Path:
    """Write the base case into ``folder``; shorthand for ``CaseFiles().write(folder)``."""
    case = CaseFiles()
    for name, rows in changes.items():
        if rows is None:
            case.drop_table(name)
        else:
            columns: list[str] = []
            for r in rows:
                columns += [c for c in r if c not in columns]
            case.table(name, columns, rows)
    return case.write(folder)
