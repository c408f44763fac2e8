"""Read a case's raw tables, as text, from a CSV folder, a workbook or DataFrames.

Every cell is kept as stripped text here; types are parsed by the validator so
that a bad cell is reported with its file, row and column instead of failing
inside pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from footprint.errors import InputError

# Sheets a workbook may carry for people, not for the model.
IGNORED_SHEETS = {"readme", "about", "notes"}


@dataclass
class RawTable:
    """One input table as text, with where it came from.

    ``rows`` holds, for each row of ``frame``, its row number as the planner
    sees it in the file (header = row 1), counted before blank rows are
    dropped so that numbers match what a spreadsheet shows.
    """

    name: str
    frame: pd.DataFrame
    source: str
    rows: np.ndarray = field(default=None)

    def __post_init__(self) -> None:
        if self.rows is None:
            self.rows = np.arange(len(self.frame), dtype=int) + 2

    def where(self, position: int | None = None, column: str | None = None) -> str:
        """Location text for a message: file or sheet, row (by position in ``frame``), column."""
        return self.where_row(None if position is None else int(self.rows[position]), column)

    def where_row(self, row: int | None = None, column: str | None = None) -> str:
        """Location text for a message, given the planner-visible row number."""
        text = self.source
        if row is not None:
            text += f" row {row}"
        if column is not None:
            text += f", column {column}"
        return text


def _as_text(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Cells as stripped text; blank rows dropped; returns (frame, planner row numbers)."""
    frame = frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    out = {}
    for col in frame.columns:
        values = frame[col]
        out[col] = [
            "" if (v is None or (isinstance(v, float) and v != v)) else _cell_text(v)
            for v in values.tolist()
        ]
    result = pd.DataFrame(out, columns=list(frame.columns), dtype=object)
    rows = np.arange(len(result), dtype=int) + 2
    # A row whose cells are all empty is a spreadsheet artefact, not data.
    if len(result.columns):
        keep = ~(result == "").all(axis=1).to_numpy()
        result, rows = result.loc[keep].reset_index(drop=True), rows[keep]
    return result, rows


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value).strip()


def read_csv_folder(folder: Path) -> dict[str, RawTable]:
    """Read every ``*.csv`` file of ``folder`` as a raw text table."""
    tables: dict[str, RawTable] = {}
    problems = []
    for path in sorted(folder.glob("*.csv")):
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True,
                                encoding="utf-8-sig", skip_blank_lines=False)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            problems.append(f"{path.name}: cannot be read as a UTF-8 CSV file with a header row ({exc})")
            continue
        frame, rows = _as_text(frame)
        tables[path.stem] = RawTable(path.stem, frame, path.name, rows)
    if problems:
        raise InputError(problems)
    return tables


def read_workbook(path: Path) -> dict[str, RawTable]:
    """Read every sheet of an ``.xlsx`` workbook as a raw text table."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise InputError(f"{path.name}: cannot be read as an .xlsx workbook ({exc})") from None
    tables = {}
    for sheet, frame in sheets.items():
        if sheet.strip().lower() in IGNORED_SHEETS or sheet.startswith("_"):
            continue
        text, rows = _as_text(frame)
        tables[sheet.strip()] = RawTable(sheet.strip(), text, f"{path.name} sheet {sheet}", rows)
    return tables


def read_frames(frames: Mapping[str, pd.DataFrame]) -> dict[str, RawTable]:
    """Wrap in-memory DataFrames (tests, notebooks) as raw text tables."""
    tables = {}
    for name, frame in frames.items():
        text, rows = _as_text(frame)
        tables[name] = RawTable(name, text, f"table {name}", rows)
    return tables


def read_tables(source: str | Path | Mapping[str, pd.DataFrame]) -> tuple[str, dict[str, RawTable]]:
    """Read a case source; return (case name, raw tables by table name)."""
    if isinstance(source, Mapping):
        return "case", read_frames(source)
    path = Path(source)
    if path.is_dir():
        return path.resolve().name, read_csv_folder(path)
    if path.suffix.lower() == ".xlsx" and path.is_file():
        return path.stem, read_workbook(path)
    if not path.exists():
        raise InputError(f"{path}: no such case folder or workbook")
    raise InputError(f"{path}: a case is a folder of CSV files, an .xlsx workbook or a .toml scenario file")
