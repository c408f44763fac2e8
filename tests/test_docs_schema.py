"""The column tables of docs/SPEC.md (sections 1, 8 and 9) and footprint/schema.py name the same
tables and columns (issue 17): a column added to one and not the other fails here."""

from __future__ import annotations

import re
from pathlib import Path

from footprint.io.workbook import schema_rows
from footprint.schema import TABLES

SPEC = Path(__file__).resolve().parents[1] / "docs" / "SPEC.md"
HEADING = re.compile(r"^`(\w+)` — ")


def documented_columns() -> dict[str, set[str]]:
    """Per table, the columns its docs tables (`name` — … then | column | … rows) or its inline
    list (`a*, b, c`) name; a cell 'lat, lon' names two."""
    out: dict[str, set[str]] = {}
    lines = SPEC.read_text().splitlines()
    for i, line in enumerate(lines):
        match = HEADING.match(line)
        if not match or match.group(1) not in TABLES:
            continue
        names = out.setdefault(match.group(1), set())
        inline = re.findall(r"`([\w*, ]+)`", line[match.end():])
        for group in inline:
            if "," in group:
                names.update(n.strip().rstrip("*") for n in group.split(","))
        started = False
        for row in lines[i + 1:]:
            if not row.startswith("|"):
                if started or not row.strip():
                    break   # the table ended, or a paragraph without one did
                names.update(n.strip().rstrip("*") for group in re.findall(r"`([\w*, ]+)`", row)
                             if "," in group for n in group.split(","))
                continue
            started = True
            cell = row.split("|")[1].strip()
            if cell in ("column", "key") or set(cell) <= {"-"}:
                continue
            names.update(n.strip().rstrip("*").strip() for n in cell.split(","))
    return out


def test_every_schema_column_is_documented_and_every_documented_column_exists():
    docs = documented_columns()
    for name, table in TABLES.items():
        if name == "settings":
            continue   # key, value: the settings are section 4's table
        assert name in docs, f"docs/SPEC.md has no column table for {name}"
        missing = set(table.column_names) - docs[name]
        assert not missing, f"{name}: columns not in docs/SPEC.md: {sorted(missing)}"
        unknown = docs[name] - set(table.column_names)
        assert not unknown, f"{name}: docs/SPEC.md names columns the schema lacks: {sorted(unknown)}"


def test_the_template_readme_rows_are_the_schema():
    rows = schema_rows()
    assert len(rows) == sum(len(t.columns) for t in TABLES.values())
    assert set(zip(rows["table"], rows["column"])) == {(t.name, c.name) for t in TABLES.values() for c in t.columns}


def test_the_readme_input_table_names_real_tables_and_columns():
    readme = (SPEC.parents[1] / "README.md").read_text()
    start = readme.index("| table | one row per | key columns |")
    rows = []
    for line in readme[start:].splitlines()[2:]:
        if not line.strip().startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    mentioned = set()
    for tables_cell, _, columns_cell in rows:
        names = re.findall(r"`(\w+)`", tables_cell)
        mentioned.update(names)
        for column in re.split(r",\s*", re.sub(r"\(.*?\)", "", columns_cell)):
            column = column.strip()
            if column and len(names) == 1:
                assert column in TABLES[names[0]].column_names, f"README: {names[0]} has no column {column}"
    assert set(TABLES) - {"settings"} <= mentioned | {"settings"}, set(TABLES) - mentioned
