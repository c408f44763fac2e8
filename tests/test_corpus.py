"""A corpus of broken inputs (issue 15): every one exits 2 with lines naming the file or sheet, the
row and the column, and none shows a traceback.

Each entry breaks a copy of data/example in one way and names the line the planner must see
(a substring of one problem line). Row numbers are the spreadsheet's: header = row 1.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from footprint.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example"
RUNNER = CliRunner()
#: a problem line names where: a file or sheet (or a scenario file, or an option), then what
WHERE = re.compile(r"^(\S+\.(csv|xlsx|toml)|--\w+|table \w+)[^:]*: ")


def cell(table, row, column, value):
    """Set one cell (row = the spreadsheet row, header = 1)."""
    def change(folder: Path):
        frame = read(folder, table)
        if column not in frame.columns:
            frame[column] = ""
        frame.loc[row - 2, column] = value
        write(folder, table, frame)
    return change


def read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def write(folder: Path, table: str, frame: pd.DataFrame, **kw) -> None:
    frame.to_csv(folder / f"{table}.csv", index=False, **kw)


def raw(table, text: bytes):
    def change(folder: Path):
        (folder / f"{table}.csv").write_bytes(text)
    return change


def both(*changes):
    def change(folder: Path):
        for c in changes:
            c(folder)
    return change


def append_row(table, **values):
    def change(folder: Path):
        frame = read(folder, table)
        write(folder, table, pd.concat([frame, pd.DataFrame([values])], ignore_index=True).fillna(""))
    return change


def drop_column(table, column):
    def change(folder: Path):
        write(folder, table, read(folder, table).drop(columns=column))
    return change


def rename_column(table, old, new):
    def change(folder: Path):
        write(folder, table, read(folder, table).rename(columns={old: new}))
    return change


def with_bom(table, row, column, value):
    def change(folder: Path):
        cell(table, row, column, value)(folder)
        data = (folder / f"{table}.csv").read_bytes()
        (folder / f"{table}.csv").write_bytes(b"\xef\xbb\xbf" + data)
    return change


def latin1(table, row, column, value):
    def change(folder: Path):
        frame = read(folder, table)
        frame.loc[row - 2, column] = value
        frame.to_csv(folder / f"{table}.csv", index=False, encoding="latin-1")
    return change


CORPUS = [
    # sites
    ("site id missing", cell("sites", 3, "site", ""), "sites.csv row 3, column site: missing value"),
    ("duplicate site", cell("sites", 3, "site", "NUE"), "sites.csv row 3, column site: duplicate id"),
    ("latitude out of range", cell("sites", 2, "lat", "149.45"), "sites.csv row 2, column lat: 149.45 is out of range"),
    ("longitude out of range", cell("sites", 4, "lon", "-200"), "sites.csv row 4, column lon: -200 is out of range"),
    ("half a coordinate", cell("sites", 3, "lon", ""), "sites.csv row 3, column lon: give both lat and lon"),
    ("negative fixed cost", cell("sites", 2, "fixed_cost", "-5"), "sites.csv row 2, column fixed_cost: -5 is out of range"),
    ("fractional printers", cell("sites", 2, "max_printers", "2.5"), "sites.csv row 2, column max_printers: '2.5' is not a whole number"),
    ("unknown status", cell("sites", 3, "status", "maybe"), "sites.csv row 3, column status"),
    ("huge number", cell("sites", 2, "fixed_cost", "1e400"), "sites.csv row 2, column fixed_cost: '1e400' is not a finite number"),
    ("nan", cell("sites", 2, "fixed_cost", "nan"), "sites.csv row 2, column fixed_cost: 'nan' is not a finite number"),
    ("inf", cell("sites", 3, "cost_multiplier", "inf"), "sites.csv row 3, column cost_multiplier: 'inf' is not a finite number"),
    ("not a boolean", cell("sites", 6, "warehouse", "perhaps"), "sites.csv row 6, column warehouse"),
    ("unknown column", rename_column("sites", "fixed_cost", "fixedcost"), "sites.csv"),
    ("byte-order mark and a bad cell", with_bom("sites", 3, "fixed_cost", "lots"), "sites.csv row 3, column fixed_cost: 'lots' is not a number"),
    ("Latin-1 file", latin1("sites", 4, "name", "hub près de Wroclaw"), "sites.csv row 4: not UTF-8 text"),
    # technologies
    ("utilisation above one", cell("technologies", 2, "max_utilisation", "1.5"), "technologies.csv row 2, column max_utilisation: 1.5 is out of range"),
    ("zero hours", cell("technologies", 3, "hours_per_year", "0"), "technologies.csv row 3, column hours_per_year: 0 is out of range"),
    ("decimal comma", cell("technologies", 2, "max_utilisation", "0,85"), "technologies.csv row 2, column max_utilisation: '0,85' is not a number (it has a decimal comma"),
    ("required column missing", drop_column("technologies", "printer_cost"), "technologies.csv"),
    ("negative job hours", cell("technologies", 3, "job_hours", "-2"), "technologies.csv row 3, column job_hours: -2 is out of range"),
    # products and processes
    ("negative weight", cell("products", 2, "weight_kg", "-1"), "products.csv row 2, column weight_kg: -1 is out of range"),
    ("process of an unknown product", cell("processes", 2, "product", "GEAR"), "processes.csv row 2, column product: 'GEAR' is not a product"),
    ("process of an unknown technology", cell("processes", 3, "technology", "CNC"), "processes.csv row 3, column technology: 'CNC' is not a technology"),
    ("zero hours per unit", cell("processes", 2, "hours_per_unit", "0"), "processes.csv row 2, column hours_per_unit: 0 is out of range"),
    ("duplicate process", cell("processes", 3, "technology", "FDM"), "processes.csv row 3, column technology: duplicate combination"),
    # zones and demand
    ("zone latitude as text", cell("zones", 2, "lat", "north"), "zones.csv row 2, column lat: 'north' is not a number"),
    ("demand of an unknown zone", cell("demand", 5, "zone", "ROM"), "demand.csv row 5, column zone: 'ROM' is not a zone"),
    ("negative demand", cell("demand", 2, "quantity", "-10"), "demand.csv row 2, column quantity: -10 is out of range"),
    ("a comma that is no thousands separator", cell("demand", 2, "quantity", "30,00"), "demand.csv row 2, column quantity: '30,00' is not a number (it has a decimal comma: write 30.00)"),
    ("a percent sign outside a share", cell("demand", 3, "quantity", "50%"), "demand.csv row 3, column quantity: '50%' is not a number"),
    ("zero lead-time target", cell("demand", 4, "lead_time_target_days", "0"), "demand.csv row 4, column lead_time_target_days: 0 is out of range"),
    # modes, tiers, site_technologies, duties, groups, transfers, bands
    ("zero speed", cell("modes", 2, "speed_km_per_day", "0"), "modes.csv row 2, column speed_km_per_day: 0 is out of range"),
    ("circuity below one", cell("modes", 3, "circuity", "0.9"), "modes.csv row 3, column circuity: 0.9 is out of range"),
    ("tier multiplier zero", cell("tiers", 2, "cost_multiplier", "0"), "tiers.csv row 2, column cost_multiplier: 0 is out of range"),
    ("site technology of an unknown site", cell("site_technologies", 2, "site", "XXX"), "site_technologies.csv row 2, column site: 'XXX' is not a site"),
    ("negative duty rate", cell("duties", 2, "rate", "-0.1"), "duties.csv row 2, column rate: -0.1 is out of range"),
    ("ambiguous duty", append_row("duties", origin="*", destination="EU", duty_class="*", rate="0.05", per_unit="0"), "duties.csv row"),
    ("customs union marked unevenly", both(cell("country_groups", 2, "customs_union", "true"),
                                            cell("country_groups", 3, "customs_union", "false")),
     "country_groups.csv row 5, column customs_union: group EU is marked customs_union true on some rows"),
    ("transfer into a site that is no warehouse", cell("transfers", 2, "to_site", "LYS"), "transfers.csv row 2, column to_site: site LYS is not a warehouse"),
    ("band of an unknown technology", cell("utilisation_bands", 2, "technology", "MJF"), "utilisation_bands.csv row 2, column technology: 'MJF' is not a technology"),
    ("band at 100 % without its queue", cell("utilisation_bands", 4, "max_utilisation", "1"), "utilisation_bands.csv row 4, column queue_days"),
    ("negative queue", cell("utilisation_bands", 3, "queue_days", "-1"), "utilisation_bands.csv row 3, column queue_days: -1 is out of range"),
    # settings
    ("unknown setting", append_row("settings", key="colour", value="red"), "settings.csv row 5, column key: unknown setting 'colour'"),
    ("gap as a percentage number", append_row("settings", key="mip_gap", value="5"), "settings.csv row 5, column value: 5 is out of range"),
    ("unknown policy", cell("settings", 3, "value", "lenient"), "settings.csv row 3, column value: 'lenient' is not one of hard, soft"),
    # whole files
    ("empty file", raw("tiers", b""), "tiers.csv: the file is empty"),
    ("UTF-16 file", raw("zones", "zone,name,lat,lon,country\nPAR,Paris,48.85,2.35,FR\n".encode("utf-16")), "zones.csv: the file is UTF-16 text"),
    ("a row with too many cells", raw("tiers", b"tier,fixed_cost,max_printers,cost_multiplier\nmicro,0,8,1.15,9,9\n"),
     "tiers.csv row 2: 6 cells where the header has 4"),
    ("unknown table", raw("warehouses", b"site\nX\n"), "warehouses.csv: unknown table 'warehouses'"),
    ("two problems in two files", both(cell("sites", 2, "fixed_cost", "-1"), cell("zones", 3, "lon", "500")), "zones.csv row 3, column lon: 500 is out of range"),
]


@pytest.mark.parametrize("name, change, expected", CORPUS, ids=[c[0] for c in CORPUS])
def test_a_broken_input_is_named_where_it_is(name, change, expected, tmp_path):
    folder = tmp_path / "case"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("*.md", "*.png"))
    change(folder)
    done = RUNNER.invoke(app, ["validate", str(folder)])
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output and done.exception is None or isinstance(done.exception, SystemExit)
    lines = [line for line in done.output.strip().splitlines()]
    assert re.match(r"^invalid input: \d+ problem\(s\) found$", lines[-1])
    assert any(expected in line for line in lines[:-1]), "\n".join(lines)
    for line in lines[:-1]:
        assert WHERE.match(line) or line.startswith(str(folder)), f"a line that names no file: {line!r}"


SCENARIOS = [
    ("unknown key", 'name = "s"\ncase = "{case}"\nchnage = 1\n', "unknown key 'chnage'"),
    ("no case", 'name = "s"\n', "missing case"),
    ("change of an unknown table", 'name = "s"\ncase = "{case}"\n[[change]]\ntable = "plants"\nset = {{ x = 1 }}\n',
     "change 1 (table plants): unknown table 'plants'"),
    ("where matches nothing", 'name = "s"\ncase = "{case}"\n[[change]]\ntable = "sites"\nwhere = {{ site = "XXX" }}\n'
     'set = {{ fixed_cost = 1 }}\n', "change 1 (table sites): where matches no row"),
    ("multiply by text", 'name = "s"\ncase = "{case}"\n[[change]]\ntable = "demand"\nmultiply = {{ quantity = "lots" }}\n',
     "multiply quantity: 'lots' is not a number"),
    ("a change breaks a cell", 'name = "s"\ncase = "{case}"\n[[change]]\ntable = "sites"\nwhere = {{ site = "LYS" }}\n'
     'set = {{ lat = 95 }}\n', "change 1 (table sites): sites.csv row 3, column lat: 95 is out of range"),
    ("a bad setting", 'name = "s"\ncase = "{case}"\n[settings]\nmip_gap = 5\n', "[settings] mip_gap: 5 is out of range"),
    ("not TOML", 'name = "s\n', "not a valid TOML file"),
]


@pytest.mark.parametrize("name, text, expected", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_a_broken_scenario_file_is_named(name, text, expected, tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text(text.format(case=EXAMPLE))
    done = RUNNER.invoke(app, ["validate", str(scenario)])
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output
    lines = done.output.strip().splitlines()
    assert any(expected in line for line in lines[:-1]), "\n".join(lines)
    assert all(line.startswith(str(scenario)) or line.startswith("s.toml") for line in lines[:-1]), "\n".join(lines)
