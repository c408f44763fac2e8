"""footprint batch: many scenarios on a local process pool or a Dask cluster, one results folder
each plus comparison.csv and comparison.xlsx; failures reported per scenario, the others finish.

The base case is the tiny case of ``casefiles.py`` (optimum 1450: site A with one printer); the
scenarios change it in ways whose optimum is easy to check, and each objective in comparison.csv
must equal that of solving the same scenario on its own.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from casefiles import BASE_OBJECTIVE, CaseFiles
from footprint import load_case, solve_case
from footprint.batch import run_batch
from footprint.cli import app

RUNNER = CliRunner()
KM_PER_DEGREE = 6371.0088 * math.radians(1.0)
B_SERVES_Z = 100 * (0.5 + 0.01 * 2 * KM_PER_DEGREE)  # transport from B (one degree east) to Z

COST_COLUMNS = [f"cost_{t}" for t in ("site_fixed", "tier_fixed", "printers", "setup", "production", "transport",
                                      "duties", "lateness", "unmet", "carbon")]

#: name → (scenario body, expected objective or None for no plan)
SCENARIOS = {
    "printers-x2": ('[[change]]\ntable = "technologies"\nmultiply = { printer_cost = 2 }\n', BASE_OBJECTIVE + 100),
    "printers-x3": ('[[change]]\ntable = "technologies"\nmultiply = { printer_cost = 3 }\n', BASE_OBJECTIVE + 200),
    "close-a": ('[[change]]\ntable = "sites"\nwhere = { site = "A" }\nset = { status = "closed" }\n',
                1500 + 100 + 300 + B_SERVES_Z),
    "cheap-b": ('[[change]]\ntable = "sites"\nwhere = { site = "B" }\nset = { fixed_cost = 10 }\n',
                10 + 100 + 300 + B_SERVES_Z),
    "demand-x2": ('[[change]]\ntable = "demand"\nmultiply = { quantity = 2 }\n', 1000 + 100 + 600 + 100),
    "dearer-make": ('[[change]]\ntable = "processes"\nadd = { variable_cost = 1 }\n', BASE_OBJECTIVE + 100),
    "road-x2": ('[[change]]\ntable = "modes"\nmultiply = { cost_per_unit = 2 }\n', BASE_OBJECTIVE + 50),
    "no-capacity": ('[[change]]\ntable = "sites"\nset = { max_printers = 0 }\n', None),
}


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("batch")
    CaseFiles().write(root / "case")
    models = root / "models"
    models.mkdir()
    for name, (body, _) in SCENARIOS.items():
        (models / f"{name}.toml").write_text(f'case = "../case"\n{body}', encoding="utf-8")
    (models / "typo.toml").write_text('case = "../case"\n[[change]]\ntable = "sites"\nwhere = { site = "Q" }\n'
                                      'drop = true\n', encoding="utf-8")
    return root


def comparison(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "comparison.csv", keep_default_na=False, na_values=[""]).set_index("scenario")


def test_batch_of_ten_scenarios_on_two_jobs(batch_dir):
    out = batch_dir / "out"
    files = [batch_dir / "case"] + [batch_dir / "models" / f"{n}.toml" for n in SCENARIOS] + \
        [batch_dir / "models" / "typo.toml"]
    result = RUNNER.invoke(app, ["batch", *map(str, files), "--jobs", "2", "--out", str(out)])
    # a scenario with invalid input: exit 2, its problem named; the others still solved and written
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "typo.toml change 1 (table sites): where matches no row (site = Q)" in result.stderr
    assert "Traceback" not in result.stderr

    table = comparison(out)
    assert list(table.index) == ["case", *SCENARIOS, "typo"]
    assert table.loc["case", "objective"] == pytest.approx(BASE_OBJECTIVE, rel=1e-9)
    for name, (_, expected) in SCENARIOS.items():
        row = table.loc[name]
        if expected is None:
            assert row["status"] == "infeasible" and math.isnan(row["objective"])
            assert row["reason"]  # the diagnosis
            continue
        alone = solve_case(load_case(batch_dir / "models" / f"{name}.toml"))
        assert row["status"] == "optimal"
        assert row["objective"] == pytest.approx(alone.objective, rel=1e-9)
        assert row["objective"] == pytest.approx(expected, rel=1e-9)
        assert row[COST_COLUMNS].sum() == pytest.approx(row["objective"], rel=1e-9)
        summary = json.loads((out / name / "summary.json").read_text())
        assert summary["objective"] == pytest.approx(row["objective"], rel=1e-9)
        assert summary["settings"]["threads"] == 1  # one solver thread per worker by default
    assert table.loc["typo", "status"] == "invalid"
    assert "where matches no row (site = Q)" in table.loc["typo", "reason"]
    assert not (out / "typo").exists()
    assert json.loads((out / "no-capacity" / "summary.json").read_text())["status"] == "infeasible"

    # site-plan difference against the first scenario
    assert (table["compared_with"].dropna() == "case").all()
    close_a = table.loc["close-a"]
    assert (close_a["sites_opened"], close_a["sites_closed"]) == ("B", "A")
    assert (close_a["printers_added"], close_a["printers_removed"]) == (1, 1)
    assert close_a["printer_changes"] == "A T -1; B T +1"
    assert table.loc["printers-x2", "printers_added"] == 0 and pd.isna(table.loc["printers-x2", "sites_opened"])
    assert table.loc["demand-x2", "units_served"] == 200 and table.loc["case", "printers_T"] == 1

    workbook = pd.read_excel(out / "comparison.xlsx", sheet_name=None)
    assert set(workbook) == {"comparison", "site_plans"}
    assert len(workbook["comparison"]) == 10
    plans = workbook["site_plans"].set_index("site")
    assert plans.loc["A", "case"] == "default: 1 T" and plans.loc["B", "close-a"] == "default: 1 T"


def test_batch_on_a_dask_cluster(batch_dir):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    try:
        out = batch_dir / "dask"
        names = ["no-capacity", "printers-x2", "close-a"]
        files = [batch_dir / "models" / f"{n}.toml" for n in names]
        result = RUNNER.invoke(app, ["batch", *map(str, files), "--scheduler", cluster.scheduler_address,
                                     "--out", str(out)])
    finally:
        cluster.close()
    assert result.exit_code == 1, result.stdout + result.stderr  # no-capacity has no plan
    assert "no-capacity: infeasible" in result.stderr
    table = comparison(out)
    assert list(table["status"]) == ["infeasible", "optimal", "optimal"]
    for name in names[1:]:
        assert table.loc[name, "objective"] == pytest.approx(SCENARIOS[name][1], rel=1e-9)
        # rendered on the worker, written here: the whole results folder
        summary = json.loads((out / name / "summary.json").read_text())
        assert summary["objective"] == pytest.approx(SCENARIOS[name][1], rel=1e-9)
        assert pd.read_excel(out / name / "plan.xlsx", sheet_name=None).keys() >= {"sites", "flows"}
    assert json.loads((out / "no-capacity" / "summary.json").read_text())["status"] == "infeasible"
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    # the first scenario has no plan: plans are compared with the first one that has
    assert table.loc["close-a", "compared_with"] == "printers-x2"
    assert table.loc["close-a", "sites_closed"] == "A"


def test_unreachable_scheduler_is_an_input_error(batch_dir, monkeypatch):
    monkeypatch.setattr("footprint.batch.CONNECT_TIMEOUT", "1s")
    result = RUNNER.invoke(app, ["batch", str(batch_dir / "case"), "--scheduler", "tcp://127.0.0.1:9",
                                 "--out", str(batch_dir / "nowhere")])
    assert result.exit_code == 2
    assert "--scheduler tcp://127.0.0.1:9: cannot connect" in result.stderr
    assert not (batch_dir / "nowhere").exists()


def test_all_plans_exit_zero_and_an_earlier_batch_folder_is_replaced(batch_dir):
    out = batch_dir / "again"
    files = [str(batch_dir / "models" / "cheap-b.toml")]
    first = run_batch(files, out=out, jobs=1)
    assert first.exit_status == 0
    (out / "cheap-b" / "stale.txt").write_text("from the first run")
    result = RUNNER.invoke(app, ["batch", *files, "--jobs", "1", "--out", str(out)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert not (out / "cheap-b" / "stale.txt").exists()
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".again")] == []


def test_a_folder_of_the_users_is_never_overwritten(batch_dir):
    mine = batch_dir / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = RUNNER.invoke(app, ["batch", str(batch_dir / "case"), "--out", str(mine)])
    assert result.exit_code == 2
    assert "is not a footprint batch results folder" in result.stderr
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_every_scenario_invalid_writes_nothing(batch_dir):
    out = batch_dir / "invalid"
    result = RUNNER.invoke(app, ["batch", str(batch_dir / "models" / "typo.toml"), str(batch_dir / "nope.toml"),
                                 "--out", str(out)])
    assert result.exit_code == 2
    assert "where matches no row (site = Q)" in result.stderr
    assert "nope.toml: no such scenario file" in result.stderr
    assert not out.exists()


def test_two_scenarios_with_one_name_are_refused(batch_dir, tmp_path):
    twin = tmp_path / "printers-x2.toml"
    twin.write_text(f'case = "{batch_dir / "case"}"\n', encoding="utf-8")
    result = RUNNER.invoke(app, ["batch", str(batch_dir / "models" / "printers-x2.toml"), str(twin),
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "scenario name 'printers-x2' is also the name of" in result.stderr
    assert not (tmp_path / "out").exists()


def test_command_line_settings_apply_to_every_scenario(batch_dir):
    outcome = run_batch([batch_dir / "models" / "printers-x2.toml"], jobs=1, settings={"threads": "2"})
    assert outcome.runs[0].result.settings["threads"] == 2  # an explicit thread count is kept
    assert outcome.out is None and outcome.comparison.loc[0, "objective"] == pytest.approx(BASE_OBJECTIVE + 100)


def test_warm_started_batch_finds_the_same_optima(batch_dir):
    """--warm-start: the first scenario's plan seeds the others; every optimum is unchanged."""
    names = ["printers-x2", "close-a", "demand-x2", "road-x2"]
    files = [str(batch_dir / "models" / f"{n}.toml") for n in names]
    outcome = run_batch(files, jobs=2, warm_start=True, settings={"mip_gap": "0"})
    for run in outcome.runs:
        assert run.status == "optimal"
        assert run.result.objective == pytest.approx(SCENARIOS[run.name][1], rel=1e-9)
