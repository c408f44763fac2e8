"""Benchmark: a batch of what-if scenarios of one case on 1 and on 2 worker processes.

The scenarios are built in code, four families of six factors each (24 in all),
the questions a planner asks first:

- ``technologies.printer_cost`` × 0.5 … 1.75 (printers get cheaper or dearer),
- ``modes.cost_per_kg_km`` × 0.5 … 3 (transport cost),
- ``demand.quantity`` × 0.8 … 1.5 (demand growth),
- ``sites.fixed_cost`` × 0.5 … 2 (site costs).

Each batch runs through :func:`footprint.batch.run_batch` exactly as
``footprint batch`` does (base case read once in this process; each scenario
validated, derived, solved and its results folder written in a worker process
with one solver thread). The wall time of the whole batch is measured per job
count, with the number of scenarios solved to the gap and their mean gap:
with a time limit the solver stops on the clock, so a faster batch is only
better if its plans are as good. The objectives of the runs are compared
(they agree when every solve ends on the gap, not on the clock).

``--jobs`` tokens: ``1``, ``2``: local worker processes; a ``w`` suffix (``1w``)
solves the first scenario first and seeds the others with its plan; ``d2``: a
Dask LocalCluster of 2 single-threaded worker processes.

Usage:
    python benchmarks/batch_scenarios.py [--case data/example] [--jobs 1,2,d2]
        [--count N] [--time-limit S] [--gap G] [--out benchmarks/results/batch_scenarios.csv]

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from footprint.batch import as_scenario, run_batch  # noqa: E402
from footprint.sweep import sweep_change  # noqa: E402

FAMILIES = [
    ("technologies", "printer_cost", [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]),
    ("modes", "cost_per_kg_km", [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]),
    ("demand", "quantity", [0.8, 0.9, 1.1, 1.2, 1.35, 1.5]),
    ("sites", "fixed_cost", [0.5, 0.75, 1.25, 1.5, 1.75, 2.0]),
]


def scenarios(case: str) -> list:
    from dataclasses import replace

    base = as_scenario(case)
    out = []
    for table, column, factors in FAMILIES:
        change = sweep_change(table, column)
        for factor in factors:
            scaled = replace(change, values={column: factor}, label=f"{table}.{column} × {factor:g}")
            out.append(base.with_change(scaled, name=f"{column}-x{factor:g}"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", default=str(ROOT / "data" / "example"))
    parser.add_argument("--jobs", default="1,2,1w", help="comma-separated job counts; a 'w' suffix adds warm starts "
                        "(the first scenario solved first, its plan seeding the others); 'd2' runs on a Dask "
                        "LocalCluster of 2 single-threaded worker processes")
    parser.add_argument("--count", type=int, default=None, help="only the first N scenarios")
    parser.add_argument("--time-limit", type=float, default=None, help="solver time limit per scenario, s")
    parser.add_argument("--gap", type=float, default=None, help="relative MIP gap per scenario")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "batch_scenarios.csv"))
    args = parser.parse_args()

    settings = {}
    if args.time_limit is not None:
        settings["time_limit_s"] = args.time_limit
    if args.gap is not None:
        settings["mip_gap"] = args.gap
    batch = scenarios(args.case)[: args.count]
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"warning: load average {load:.2f} before the run: other processes share the cores, "
              "so the speed-up is understated", flush=True)
    rows, objectives = [], {}
    for token in args.jobs.split(","):
        dask = token.startswith("d")
        jobs, warm = int(token.lstrip("d").rstrip("w")), token.endswith("w")
        start = time.perf_counter()
        if dask:
            from distributed import LocalCluster

            with LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
                start = time.perf_counter()
                outcome = run_batch(batch, scheduler=cluster.scheduler_address, settings=settings, warm_start=warm)
                wall = time.perf_counter() - start
        else:
            outcome = run_batch(batch, jobs=jobs, settings=settings, warm_start=warm)
            wall = time.perf_counter() - start
        statuses = [r.status for r in outcome.runs]
        solve = sum(r.result.timings.get("solve", 0.0) for r in outcome.runs if r.result is not None)
        objectives[token] = [r.result.objective if r.has_plan else None for r in outcome.runs]
        gaps = [r.result.mip_gap for r in outcome.runs if r.has_plan and r.result.mip_gap is not None]
        rows.append({"case": Path(args.case).name, "scenarios": len(batch), "jobs": f"{jobs} (Dask)" if dask else jobs,
                     "warm_start": warm,
                     "load_avg_1min": round(os.getloadavg()[0], 2),
                     "wall_s": round(wall, 2), "solve_s_sum": round(solve, 2),
                     "optimal": statuses.count("optimal"), "time_limit": statuses.count("time_limit"),
                     "mean_gap": round(sum(gaps) / len(gaps), 4) if gaps else None,
                     "other": len(statuses) - statuses.count("optimal") - statuses.count("time_limit")})
        failed = [r for r in outcome.runs if r.status not in ("optimal", "time_limit")]
        if failed:
            print(f"{len(failed)} scenario(s) without a plan, e.g. {failed[0].name}: {failed[0].status}: "
                  f"{failed[0].reason[:300]}", flush=True)
        print(f"{jobs} job(s){' warm' if warm else ''}: {wall:.1f} s wall for {len(batch)} scenarios "
              f"(solver {solve:.1f} s in all; {rows[-1]['optimal']} optimal, {rows[-1]['time_limit']} time limit)",
              flush=True)
    first = rows[0]["wall_s"]
    for row in rows:
        row["speedup"] = round(first / row["wall_s"], 2)
    reference = next(iter(objectives.values()))
    for row, values in zip(rows, objectives.values()):
        row["objectives_match"] = all((a is None and b is None) or (a is not None and b is not None and math.isclose(
            a, b, rel_tol=1e-9)) for a, b in zip(reference, values))

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"\nmachine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; "
          f"settings {settings or 'of the case'}")
    print("| case | scenarios | jobs | warm start | wall (s) | solver (s, sum) | speed-up | optimal | mean gap | "
          "objectives match | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        gap = "" if row["mean_gap"] is None else f"{row['mean_gap']:.2%}"
        print(f"| {row['case']} | {row['scenarios']} | {row['jobs']} | {'yes' if row['warm_start'] else 'no'} | "
              f"{row['wall_s']:.1f} | {row['solve_s_sum']:.1f} | "
              f"{row['speedup']:.2f} | {row['optimal']} | {gap} | {row['objectives_match']} | "
              f"{row['load_avg_1min']:.1f} |")


if __name__ == "__main__":
    main()
