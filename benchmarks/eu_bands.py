"""The flagship with utilisation bands (SPEC section 9), for the speed figures of issue 14.

Writes a copy of data/eu-spares where each printing technology runs in one of three bands
(relaxed 50 %, normal 70 %, busy 85 % of its hours) with Kingman's queue from stated job data:
FDM 6-hour jobs, SLS 10 h, MJF 12 h, MPBF 24 h (one build each; arrivals random, cv 1; build
times cv 0.5). Moulding (IM, MIM) keeps its single 85 % cap and no queue.

    python benchmarks/eu_bands.py --out /tmp/eu-bands
    footprint solve /tmp/eu-bands --time-limit 105 --out /tmp/eu-bands-plan
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
JOB_HOURS = {"FDM": 6.0, "SLS": 10.0, "MJF": 12.0, "MPBF": 24.0}
BANDS = [("relaxed", 0.5), ("normal", 0.7), ("busy", 0.85)]


def write_case(out: Path) -> Path:
    """Write the variant into ``out`` (replaced) and return it."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(ROOT / "data" / "eu-spares", out, ignore=shutil.ignore_patterns("*.py", "*.md"))
    techs = pd.read_csv(out / "technologies.csv")
    techs["job_hours"] = techs["technology"].map(JOB_HOURS)
    techs.to_csv(out / "technologies.csv", index=False)
    pd.DataFrame([dict(technology=t, band=b, max_utilisation=u) for t in JOB_HOURS for b, u in BANDS]).to_csv(
        out / "utilisation_bands.csv", index=False)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/eu-bands"))
    print(write_case(parser.parse_args().out))
