"""Benchmark: a batch that sweeps a solve-only setting, with and without one shared derivation.

Scenarios that differ only in settings the derivation never reads (here the
most sites the plan may open, ``max_open_sites``) share one derivation
(:mod:`footprint.batch_derive`): the batch's process derives the case once and
every worker skips its own. This script runs the same batch twice through
:func:`footprint.batch.run_batch`: as ``footprint batch`` does, and with the
sharing switched off (``shared_derivations`` patched to share nothing), and
reports the wall time, the derivation seconds spent in the workers and in the
batch's process, and whether the plans agree.

Usage:
    python benchmarks/batch_shared_derive.py [--case data/eu-spares] [--limits 5,6,7,8,9,10]
        [--jobs 2] [--time-limit 30] [--out benchmarks/results/batch_shared_derive.csv]

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import footprint.batch as batch  # noqa: E402
from footprint.scenario import Scenario  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", default=str(ROOT / "data" / "eu-spares"))
    parser.add_argument("--limits", default="5,6,7,8,9,10", help="max_open_sites values, one scenario each")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=30.0, help="solver time limit per scenario, s")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "batch_shared_derive.csv"))
    args = parser.parse_args()

    case = Path(args.case)
    items = [Scenario(name=f"max-open-{k}", base=case, settings=[("benchmark", {"max_open_sites": int(k)})])
             for k in args.limits.split(",")]
    settings = {"time_limit_s": args.time_limit}
    original = batch.shared_derivations
    parent = {"seconds": 0.0}

    def timed(*a, **k):
        start = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            parent["seconds"] += time.perf_counter() - start

    rows, objectives = [], []
    for shared in (True, False):
        parent["seconds"] = 0.0
        batch.shared_derivations = timed if shared else (lambda *a, **k: {})
        start = time.perf_counter()
        outcome = batch.run_batch(items, jobs=args.jobs, settings=settings)
        wall = time.perf_counter() - start
        results = [r.result for r in outcome.runs]
        objectives.append([r.objective if r is not None and r.has_plan else None for r in results])
        rows.append({"case": case.name, "scenarios": len(items), "jobs": args.jobs, "shared": shared,
                     "wall_s": round(wall, 1),
                     "derive_in_workers_s": round(sum(r.timings.get("derive", 0.0) for r in results if r), 1),
                     "derive_in_batch_process_s": round(parent["seconds"], 1),
                     "statuses": " ".join(r.status for r in outcome.runs),
                     "mean_gap": round(sum(r.mip_gap or 0.0 for r in results if r and r.has_plan)
                                       / max(1, sum(1 for r in results if r and r.has_plan)), 4),
                     "load_avg_1min": round(os.getloadavg()[0], 2)})
        print(rows[-1], flush=True)
    batch.shared_derivations = original
    match = all((a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9))
                for a, b in zip(*objectives))
    for row in rows:
        row["objectives_match"] = match
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print("| shared derivation | wall (s) | derive in workers (s, sum) | derive in the batch's process (s) | "
          "mean gap | objectives match |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {'yes' if row['shared'] else 'no'} | {row['wall_s']:.1f} | {row['derive_in_workers_s']:.1f} | "
              f"{row['derive_in_batch_process_s']:.1f} | {row['mean_gap']:.2%} | {row['objectives_match']} |")


if __name__ == "__main__":
    main()
