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
    #: why the file could not be read (then ``frame`` is empty); reported with every other problem
    problem: str | None = None
    #: a CSV written with ';' or tabs (where a comma is the decimal mark): numbers' commas read so
    decimal_comma: bool = False

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
    """Read every ``*.csv`` file of ``folder`` as a raw text table (see :func:`read_csv_text`)."""
    tables: dict[str, RawTable] = {}
    for path in sorted(folder.glob("*.csv")):
        try:
            frame = read_csv_text(path)
            separator = frame.attrs.get("separator", ",")
        except InputError as error:
            # Kept as an unreadable table: the validator reports it with the other files' problems.
            tables[path.stem] = RawTable(path.stem, pd.DataFrame(), path.name, np.zeros(0, dtype=int),
                                         problem="\n".join(error.problems))
            continue
        frame, rows = _as_text(frame)
        tables[path.stem] = RawTable(path.stem, frame, path.name, rows, decimal_comma=separator != ",")
    return tables


#: what a file that is not UTF-8 most likely is, by its first bytes or its bytes above 127
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_csv_text(path: Path) -> pd.DataFrame:
    """One CSV file as text cells, read the way spreadsheets save them.

    UTF-8 with or without a byte-order mark. Comma-separated, or semicolon- or tab-separated
    where the header row has no comma but one of those (what Excel writes in countries with a
    decimal comma): read as such. Anything else is an :class:`InputError` naming the file and,
    where it can, the row: an empty file, UTF-16, another encoding (with the one it looks like),
    rows with more cells than the header."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError(f"{path.name}: the file is empty: a table needs at least its header row")
    if data.startswith(_UTF16_BOMS):
        raise InputError(f"{path.name}: the file is UTF-16 text; save it as 'CSV UTF-8 (comma delimited)'")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[:exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise InputError(f"{path.name} row {row}: not UTF-8 text (byte 0x{byte:02X}); the file looks like "
                         f"{_looks_like(data)}: save it as 'CSV UTF-8 (comma delimited)', or re-encode it "
                         "as UTF-8") from None
    header = text.splitlines()[0] if text.splitlines() else ""
    sep = ","
    if "," not in header:
        for candidate, name in ((";", "semicolon"), ("\t", "tab")):
            if candidate in header:
                sep = candidate
                break
    import csv
    import io

    # pandas would take a row with more cells than the header as an index, shifting every cell.
    width, long_rows = None, []
    for number, record in enumerate(csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True), start=1):
        if width is None:
            width = len(record)
        elif len(record) > width and any(cell.strip() for cell in record[width:]):
            long_rows.append(f"{path.name} row {number}: {len(record)} cells where the header has {width} "
                             "(a value with a comma needs quotes; or a header cell is missing)")
    if long_rows:
        raise InputError(long_rows)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True,
                            skip_blank_lines=False, sep=sep, index_col=False)
        frame.attrs["separator"] = sep
        return frame
    except pd.errors.EmptyDataError:
        raise InputError(f"{path.name}: the file is empty: a table needs at least its header row") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path.name}: cannot be read as CSV: {_parser_message(exc)}") from None


def _looks_like(data: bytes) -> str:
    """The encoding a non-UTF-8 file most likely has, in words."""
    high = [b for b in data if b >= 0x80]
    if high and all(0xA0 <= b <= 0xFF for b in high):
        return "Latin-1 (ISO-8859-1) or Windows-1252"
    if any(0x80 <= b <= 0x9F for b in high):
        return "Windows-1252 (a Western European Windows encoding)"
    return "an 8-bit encoding such as Windows-1252"


def _parser_message(exc: Exception) -> str:
    """pandas' parser message in planner's words: 'row N has K cells, the header M'."""
    import re

    text = str(exc)
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if match:
        header, line, seen = match.groups()
        return (f"row {line} has {seen} cells where the header has {header} (a comma inside a value "
                "needs quotes)")
    return text.strip()


def read_workbook(path: Path) -> dict[str, RawTable]:
    """Read every sheet of an ``.xlsx`` workbook as a raw text table.

    The workbook is untrusted: only the values a spreadsheet saved are read (pandas opens it
    with openpyxl's ``data_only`` and ``keep_links=False``): no formula is evaluated, no macro
    run (an ``.xlsm`` is not a case), no external link fetched. A formula cell without a saved
    value (a file written by a program, never opened in a spreadsheet) would read as empty and
    so silently as the column's default: it is named instead."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl", header=None)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise InputError(f"{path.name}: cannot be read as an .xlsx workbook ({exc})") from None
    from footprint.schema import TABLES

    by_lower = {name.lower(): name for name in TABLES}
    unsaved = _formulas_without_values(path)
    tables = {}
    for sheet, grid in sheets.items():
        if sheet.strip().lower() in IGNORED_SHEETS or sheet.startswith("_"):
            continue
        # Sheet names in any letter case ('Sites'), as planners name them.
        name = by_lower.get(sheet.strip().lower(), sheet.strip())
        source = f"{path.name} sheet {sheet}"
        if sheet in unsaved:
            tables[name] = RawTable(name, pd.DataFrame(), source, np.zeros(0, dtype=int),
                                    problem="\n".join(f"{source} row {r}, column {c}: a formula without a saved "
                                                      "value: footprint reads only values; open and save the "
                                                      "workbook in a spreadsheet, or type the value"
                                                      for r, c in unsaved[sheet]))
            continue
        frame, first_row = _header_found(grid)
        text, rows = _as_text(frame)
        tables[name] = RawTable(name, text, source, rows + first_row)
    return tables


def _header_found(grid: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """A sheet read without a header: blank rows and columns before the table dropped, the first
    row left as the header. Returns the frame and how many rows came before the header (so that
    row numbers stay the ones the spreadsheet shows)."""
    filled = grid.notna() & grid.map(lambda v: not (isinstance(v, str) and not v.strip()))
    if not filled.to_numpy().any():
        return pd.DataFrame(), 0
    top = int(np.flatnonzero(filled.any(axis=1).to_numpy())[0])
    left = int(np.flatnonzero(filled.any(axis=0).to_numpy())[0])
    body = grid.iloc[top:, left:]
    header = [("" if (v is None or (isinstance(v, float) and v != v)) else _cell_text(v)) for v in body.iloc[0]]
    # Trailing header cells left empty are not columns.
    while header and header[-1] == "":
        header.pop()
    frame = body.iloc[1:, :len(header)].copy()
    frame.columns = header
    return frame.reset_index(drop=True), top


def _formulas_without_values(path: Path) -> dict[str, list[tuple[int, str]]]:
    """Per sheet, (row, header) of each formula cell whose saved value is empty."""
    from openpyxl import load_workbook

    out: dict[str, list[tuple[int, str]]] = {}
    formulas = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    values = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        for sheet in formulas.sheetnames:
            header: list[str] = []
            for row_f, row_v in zip(formulas[sheet].iter_rows(), values[sheet].iter_rows()):
                if not header:
                    header = [str(c.value).strip() if c.value is not None else "" for c in row_f]
                    continue
                for cell_f, cell_v in zip(row_f, row_v):
                    if isinstance(cell_f.value, str) and cell_f.value.startswith("=") and cell_v.value is None:
                        column = header[cell_f.column - 1] if cell_f.column - 1 < len(header) else str(cell_f.column)
                        out.setdefault(sheet, []).append((cell_f.row, column))
    finally:
        formulas.close()
        values.close()
    return out


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
