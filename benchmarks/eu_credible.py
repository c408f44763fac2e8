"""The credible flagship (issue 18): what merging demand rows and pricing the stock rows bring.

On models/eu-spares-base.toml (1,244 zones × 68 parts, 7 warehouse candidates, 56 print sites,
bands, qualification costs), one after the other in this process, one solver thread:

- sizes: demand rows of the case, the rows the model solves after merging the rows no plan can
  tell apart (footprint.aggregate), ship rows with and without merging (derive only: without
  merging the model has 4 M ship rows), and the seconds each derive takes;
- solves at the case's 1 % goal and at a 0.1 % goal, with the stock balance rows priced in the
  Lagrangian stage (the default) and without (``GeneralRelaxation.price_stocks = False``):
  status, plan, proven bound, gap, seconds.

    python benchmarks/eu_credible.py --time-limit 105 --out benchmarks/results/eu_credible.csv
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from footprint import solve_case
from footprint.case import load_case
from footprint.derive import derive
from footprint.lagrange_general import GeneralRelaxation

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "models" / "eu-spares-base.toml"


def sizes() -> list[dict]:
    """Rows and derive seconds with and without merging."""
    case = load_case(BASE)
    rows = []
    for merge in (True, False):
        began = time.perf_counter()
        data = derive(case, every_lane=not merge)   # every_lane (a planner's own rows) turns merging off
        rows.append({"run": f"derive, merging {'on' if merge else 'off'}", "demand_rows": len(case.tables["demand"]),
                     "model_rows": len(data.demand), "ship_rows": len(data.ship),
                     "seconds": round(time.perf_counter() - began, 1)})
    return rows


def solve(time_limit: float, gap: float, priced: bool) -> dict:
    GeneralRelaxation.price_stocks = priced
    try:
        began = time.perf_counter()
        r = solve_case(BASE, settings={"time_limit_s": time_limit, "mip_gap": gap, "threads": 1})
        seconds = time.perf_counter() - began
    finally:
        GeneralRelaxation.price_stocks = True
    return {"run": f"solve, gap goal {gap:.1%}, stock rows {'priced' if priced else 'not priced'}",
            "status": r.status, "objective": round(r.objective or 0), "bound": round(r.best_bound or 0),
            "gap": None if r.mip_gap is None else round(r.mip_gap, 5), "seconds": round(seconds, 1),
            "open_sites": " ".join(r.kpis.get("open_site_ids", []))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=105.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "eu_credible.csv")
    args = parser.parse_args()
    rows = sizes()
    for gap, priced in ((0.01, True), (0.01, False), (0.001, True)):
        rows.append(solve(args.time_limit, gap, priced))
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
