"""Maps of a plan (issue 17): the GeoPackage read back, the picture, the offline page's structure."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from footprint.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("maps") / "out"
    done = CliRunner().invoke(app, ["solve", str(EXAMPLE), "--out", str(folder), "--gap", "0", "--quiet"])
    assert done.exit_code == 0, done.output
    return folder


def test_the_geopackage_holds_sites_zones_and_flows(out):
    import geopandas as gpd
    import pyogrio

    assert sorted(name for name, _ in pyogrio.list_layers(out / "network.gpkg")) == ["flows", "sites", "transfers",
                                                                                   "zones"]
    moved = gpd.read_file(out / "network.gpkg", layer="transfers")
    assert moved["units"].sum() == pytest.approx(pd.read_csv(out / "transfers.csv")["units"].sum())
    sites = gpd.read_file(out / "network.gpkg", layer="sites").set_index("site")
    assert sites.crs.to_epsg() == 4326
    assert sites.loc["LYS", "tier"] == "micro" and sites.loc["LYS", "printers"] == 2 and bool(sites.loc["LYS", "open"])
    assert not bool(sites.loc["WRO", "open"])
    assert sites.loc["NUE"].geometry.x == pytest.approx(11.0767) and sites.loc["NUE"].geometry.y == pytest.approx(49.4521)
    flows = gpd.read_file(out / "network.gpkg", layer="flows")
    table = pd.read_csv(out / "flows.csv")
    assert len(flows) == len(table) and flows["units"].sum() == pytest.approx(table["units"].sum())
    zones = gpd.read_file(out / "network.gpkg", layer="zones").set_index("zone")
    assert zones.loc["PAR", "demand"] == pytest.approx(30000 + 9000 + 900)
    assert zones.loc["PAR", "served"] == pytest.approx(zones.loc["PAR", "demand"])


def test_the_map_picture_is_written(out):
    assert (out / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_page_works_offline_with_its_layers_and_popups(out):
    page = (out / "map.html").read_text()
    assert not re.search(r"""(src|href)=["']https?://""", page), "the page must not load anything from the web"

    class Parts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.groups, self.boxes, self.popups = set(), set(), []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "g" and "id" in a:
                self.groups.add(a["id"])
            if tag == "input" and "data-layer" in a:
                self.boxes.add(a["data-layer"])
            if "data-info" in a:
                self.popups.append(a["data-info"])

    parts = Parts()
    parts.feed(page)
    assert parts.groups == {"countries", "flows", "transfers", "zones", "sites"} == parts.boxes
    assert any(p.startswith("transfer NUE → BHW: 32,000 × BRKT") for p in parts.popups)
    assert any(p.startswith("LYS (Lyon micro-factory), micro: 2 printers, 5,300 units") for p in parts.popups)
    assert sum(p.startswith("NUE → ") for p in parts.popups) == (pd.read_csv(out / "flows.csv")["site"] == "NUE").sum()


def test_maps_and_the_workbook_can_be_skipped(tmp_path):
    done = CliRunner().invoke(app, ["solve", str(EXAMPLE), "--out", str(tmp_path / "o"), "--quiet", "--no-maps",
                                    "--no-workbook"])
    assert done.exit_code == 0
    names = {p.name for p in (tmp_path / "o").iterdir()}
    assert not names & {"network.gpkg", "map.png", "map.html", "plan.xlsx"} and "summary.json" in names


def test_a_batch_writes_maps_only_when_asked(tmp_path):
    plain = CliRunner().invoke(app, ["batch", str(EXAMPLE), "--out", str(tmp_path / "a"), "--jobs", "1"])
    assert plain.exit_code == 0, plain.output
    assert not (tmp_path / "a" / "example" / "map.png").exists()
    mapped = CliRunner().invoke(app, ["batch", str(EXAMPLE), "--out", str(tmp_path / "b"), "--jobs", "1", "--maps"])
    assert mapped.exit_code == 0, mapped.output
    assert (tmp_path / "b" / "example" / "network.gpkg").exists()


def _chromium() -> str | None:
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="no Chromium on this machine (.ci/run installs Debian's)")
def test_the_page_runs_in_a_real_headless_browser(out, tmp_path):
    """Headless Chromium loads map.html from disk with the network off: its script runs (the page
    marks itself ready) and the layer check boxes work (#hide=flows unchecks flows and hides it)."""
    import subprocess

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom"]
    page = (out / "map.html").resolve().as_uri()
    shown = subprocess.run([_chromium(), *flags, page + "#hide=flows"], capture_output=True, text=True, timeout=120)
    dom = shown.stdout
    assert 'data-ready="yes"' in dom, shown.stderr[-2000:]
    assert re.search(r'<g id="flows" style="display: none;?">', dom)
    assert '<g id="sites">' in dom and dom.count("data-info=") >= 3
