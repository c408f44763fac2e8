"""The flagship with warehouse candidates (SPEC section 8), for the speed figures of issue 13.

Writes a copy of data/eu-spares where the Ningbo plant's moulding (IM, MIM) makes to stock,
three European warehouse candidates (Duisburg, Barcelona, Warsaw: 150,000 EUR a year each, no
printers, 45 days to refill by sea) may receive it, and the EU group is a customs union.
Transfer lanes are computed from the case's modes (sea and air from Ningbo, road in Europe).

    python benchmarks/eu_warehouses.py --out /tmp/eu-warehouses
    footprint solve /tmp/eu-warehouses --time-limit 105 --out /tmp/eu-warehouses-plan
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
WAREHOUSES = [("DUW", "Duisburg warehouse", 51.4344, 6.7623, "DE"),
              ("BCW", "Barcelona warehouse", 41.3888, 2.159, "ES"),
              ("WAW-W", "Warsaw warehouse", 52.2297, 21.0122, "PL")]


def write_case(out: Path) -> Path:
    """Write the variant into ``out`` (replaced) and return it."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(ROOT / "data" / "eu-spares", out, ignore=shutil.ignore_patterns("*.py", "*.md"))
    techs = pd.read_csv(out / "technologies.csv")
    techs["make_to_stock"] = techs["technology"].isin(["IM", "MIM"])
    techs.to_csv(out / "technologies.csv", index=False)
    sites = pd.read_csv(out / "sites.csv")
    sites["warehouse"] = False
    sites["replenishment_days"] = 30.0
    extra = pd.DataFrame([dict(site=s, name=n, lat=lat, lon=lon, country=c, fixed_cost=150_000.0, max_printers=0,
                               status="candidate", lead_time_days=0.5, cost_multiplier=1.0, warehouse=True,
                               replenishment_days=45.0) for s, n, lat, lon, c in WAREHOUSES])
    pd.concat([sites, extra]).to_csv(out / "sites.csv", index=False)
    groups = pd.read_csv(out / "country_groups.csv")
    groups["customs_union"] = groups["group"] == "EU"
    groups.to_csv(out / "country_groups.csv", index=False)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/eu-warehouses"))
    print(write_case(parser.parse_args().out))
