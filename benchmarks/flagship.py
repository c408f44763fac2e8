"""The flagship case's base plan under four solver set-ups, side by side in one run.

Measures what the valid inequalities (13)-(14) and the rounded-relaxation
starting plan (docs/SPEC.md clarification 13) each bring on
models/eu-spares-base.toml: objective, proven bound and gap at the time limit.

    python benchmarks/flagship.py --time-limit 120 --out benchmarks/results/flagship.csv

"without cuts" drops the two row families from the model; "without start"
sets ``start_heuristic = false``. Everything else is the normal solve path.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import footprint.model as model
from footprint import solve_case
from footprint.model import capacity

ROOT = Path(__file__).resolve().parent.parent
CUTS = (capacity.product_printer_link, capacity.product_tier_link)


def run(scenario: Path, time_limit: float, cuts: bool, start: bool) -> dict:
    """One solve; returns its figures (EUR/year, seconds)."""
    saved = model.FAMILIES
    if not cuts:
        model.FAMILIES = tuple(f for f in saved if f not in CUTS)
    try:
        began = time.perf_counter()
        result = solve_case(scenario, settings={"time_limit_s": time_limit, "start_heuristic": start})
        total = time.perf_counter() - began
    finally:
        model.FAMILIES = saved
    return {"cuts": cuts, "start": start, "status": result.status, "objective": result.objective,
            "bound": result.best_bound, "gap": result.mip_gap, "start_s": result.timings.get("start", 0.0),
            "solver_s": result.timings["solver"], "total_s": total, **result.model_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", type=Path, default=ROOT / "models" / "eu-spares-base.toml")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "flagship.csv")
    args = parser.parse_args()
    rows = []
    for cuts, start in ((False, False), (True, False), (False, True), (True, True)):
        rows.append(run(args.scenario, args.time_limit, cuts, start))
        print(rows[-1], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
