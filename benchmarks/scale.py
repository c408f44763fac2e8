"""Benchmark: footprint at planner scale against a plain Pyomo model and bare highspy.

For each synthetic case (footprint.synthetic; the case of ../shared/PERFORMANCE.md),
three methods run one after the other, each in its own process (so that peak
memory is its own), on the same data and HiGHS options (mip_gap 1 %, one thread):

- footprint: the CSV case through ``solve_case`` and ``write_results``, with
  its stage timings (load, validate, derive, build, hand-off, solver, write);
- plain_pyomo: a textbook per-element Pyomo model (tuple-indexed variables and
  rule-built constraints over the lanes a pandas merge prepares), handed to
  HiGHS through Pyomo's persistent interface;
- numpy_highspy: the same model built directly as numpy arrays (lanes, matrix)
  and passed straight to highspy: the floor for everything outside the solver.

Usage: python benchmarks/scale.py [--cases 100x1000,500x5000,500x20000]
           [--time-limit 120] [--out benchmarks/results/scale.csv]
Prints one line per run and writes the CSV; benchmarks/README.md quotes it.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUTSIDE = ("load", "validate", "derive", "build", "handoff", "write")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_footprint(folder: Path, time_limit: float) -> dict:
    from footprint import solve_case
    from footprint.report.folder import write_results

    start = time.perf_counter()
    result = solve_case(folder, settings={"time_limit_s": time_limit, "mip_gap": 0.01, "threads": 1})
    out = Path(tempfile.mkdtemp()) / "plan"
    if result.has_plan:
        write_results(result, out)
    t = result.timings
    return {"status": result.status, "objective": result.objective, "gap": result.mip_gap,
            **{k: t.get(k, 0.0) for k in OUTSIDE}, "solver": t.get("solver", 0.0),
            "wall": time.perf_counter() - start, "size": result.model_size}


def _lanes(tables) -> tuple:
    """On-time lanes of the synthetic case, in numpy: site index, zone index, distance (km)."""
    from footprint.derive import great_circle_km, unit_vectors
    from footprint.synthetic import ROAD

    sites, zones, demand = tables["sites"], tables["zones"], tables["demand"]
    sv, zv = unit_vectors(sites["lat"], sites["lon"]), unit_vectors(zones["lat"], zones["lon"])
    target = demand["lead_time_target_days"].to_numpy()
    ss, zz, dd = [], [], []
    for lo in range(0, len(zones), 1000):
        z = np.arange(lo, min(len(zones), lo + 1000))
        zi, si = np.repeat(z, len(sites)), np.tile(np.arange(len(sites)), len(z))
        dist = great_circle_km(sv[si], zv[zi]) * ROAD["circuity"]
        ok = dist / ROAD["speed_km_per_day"] <= target[zi] + 1e-9
        ss.append(si[ok]), zz.append(zi[ok]), dd.append(dist[ok])
    return np.concatenate(ss), np.concatenate(zz), np.concatenate(dd)


def _costs(tables, s, z, dist):
    from footprint.synthetic import ROAD

    weight = 0.4
    return 3.0 + ROAD["cost_per_unit"] + ROAD["cost_per_kg_km"] * weight * dist


def run_numpy_highspy(tables, time_limit: float) -> dict:
    import highspy

    start = time.perf_counter()
    s, z, dist = _lanes(tables)
    n_s, n_z, n_l = len(tables["sites"]), len(tables["zones"]), len(s)
    q = tables["demand"]["quantity"].to_numpy(float)
    cap = 0.85 * 6000.0
    # columns: open (n_s), printers (n_s), ship (n_l), unmet (n_z)
    o0, p0, x0, u0 = 0, n_s, 2 * n_s, 2 * n_s + n_l
    n_col = u0 + n_z
    cost = np.concatenate([tables["sites"]["fixed_cost"].to_numpy(float), np.full(n_s, 30000.0),
                           _costs(tables, s, z, dist), np.full(n_z, 200.0)])
    bound_p = np.ceil(np.bincount(s, weights=q[z], minlength=n_s) * 0.5 / cap)
    lower = np.zeros(n_col)
    upper = np.concatenate([np.ones(n_s), bound_p, q[z], q])
    # rows: demand (n_z) | capacity (n_s) | printers ≤ P̄·open (n_s) | strong link (n_l)
    r_cap, r_pb, r_link = n_z, n_z + n_s, n_z + 2 * n_s
    rows = np.concatenate([z, r_cap + s, r_link + np.arange(n_l), np.arange(n_z), r_cap + np.arange(n_s),
                           r_pb + np.arange(n_s), r_pb + np.arange(n_s), r_link + np.arange(n_l)])
    cols = np.concatenate([x0 + np.arange(n_l), x0 + np.arange(n_l), x0 + np.arange(n_l), u0 + np.arange(n_z),
                           p0 + np.arange(n_s), p0 + np.arange(n_s), o0 + np.arange(n_s), o0 + s])
    vals = np.concatenate([np.ones(n_l), np.full(n_l, 0.5), np.ones(n_l), np.ones(n_z), np.full(n_s, -cap),
                           np.ones(n_s), -bound_p, -q[z]])
    order = np.lexsort((rows, cols))
    rows, cols, vals = rows[order], cols[order], vals[order]
    n_row = r_link + n_l
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lower, upper
    inf = highspy.kHighsInf
    lp.row_lower_ = np.concatenate([q, np.full(n_row - n_z, -inf)])
    lp.row_upper_ = np.concatenate([q, np.zeros(n_row - n_z)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(cols, np.arange(n_col + 1)).astype(np.int32)
    lp.a_matrix_.index_ = rows.astype(np.int32)
    lp.a_matrix_.value_ = vals
    build = time.perf_counter() - start
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for k, v in (("time_limit", time_limit), ("mip_rel_gap", 0.01), ("threads", 1)):
        h.setOptionValue(k, v)
    t0 = time.perf_counter()
    h.passModel(lp)
    ints = np.arange(2 * n_s, dtype=np.int32)
    h.changeColsIntegrality(len(ints), ints, np.full(len(ints), 1, dtype=np.uint8))
    handoff = time.perf_counter() - t0
    t0 = time.perf_counter()
    h.run()
    info = h.getInfo()
    solver = time.perf_counter() - t0
    return {"status": h.modelStatusToString(h.getModelStatus()), "objective": info.objective_function_value,
            "gap": info.mip_gap, "build": build, "handoff": handoff, "solver": solver,
            "wall": time.perf_counter() - start, "size": {"variables": n_col, "constraints": n_row,
                                                          "nonzeros": len(vals)}}


def run_plain_pyomo(tables, time_limit: float) -> dict:
    import pandas as pd
    import pyomo.environ as pyo
    from pyomo.contrib.solver.common.factory import SolverFactory

    start = time.perf_counter()
    s, z, dist = _lanes(tables)
    sites, zones = tables["sites"]["site"].to_numpy(), tables["zones"]["zone"].to_numpy()
    lanes = pd.DataFrame({"site": sites[s], "zone": zones[z], "cost": _costs(tables, s, z, dist)})
    q = dict(zip(tables["demand"]["zone"], tables["demand"]["quantity"].astype(float)))
    fixed = dict(zip(tables["sites"]["site"], tables["sites"]["fixed_cost"].astype(float)))
    cap = 0.85 * 6000.0
    m = pyo.ConcreteModel()
    m.S, m.K = pyo.Set(initialize=list(sites)), pyo.Set(initialize=list(zones))
    m.L = pyo.Set(initialize=list(zip(lanes["site"], lanes["zone"])), dimen=2)
    m.open = pyo.Var(m.S, domain=pyo.Binary)
    m.printers = pyo.Var(m.S, domain=pyo.NonNegativeIntegers)
    m.ship = pyo.Var(m.L, domain=pyo.NonNegativeReals)
    m.unmet = pyo.Var(m.K, domain=pyo.NonNegativeReals)
    by_zone = lanes.groupby("zone")["site"].apply(list).to_dict()
    by_site = lanes.groupby("site")["zone"].apply(list).to_dict()
    m.demand = pyo.Constraint(m.K, rule=lambda mm, k: sum(mm.ship[i, k] for i in by_zone.get(k, [])) + mm.unmet[k] == q[k])
    m.capacity = pyo.Constraint(m.S, rule=lambda mm, i: 0.5 * sum(mm.ship[i, k] for k in by_site.get(i, [])) <= cap * mm.printers[i])
    m.pbound = pyo.Constraint(m.S, rule=lambda mm, i: mm.printers[i] <= 10_000 * mm.open[i])
    m.link = pyo.Constraint(m.L, rule=lambda mm, i, k: mm.ship[i, k] <= q[k] * mm.open[i])
    cost = dict(zip(zip(lanes["site"], lanes["zone"]), lanes["cost"]))
    m.obj = pyo.Objective(expr=sum(fixed[i] * m.open[i] + 30000 * m.printers[i] for i in m.S)
                          + sum(cost[l] * m.ship[l] for l in m.L) + sum(200 * m.unmet[k] for k in m.K))
    build = time.perf_counter() - start
    solver = SolverFactory("highs")
    t0 = time.perf_counter()
    solver.set_instance(m)
    handoff = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = solver.solve(m, time_limit=time_limit, rel_gap=0.01, load_solutions=False,
                       raise_exception_on_nonoptimal_result=False, solver_options={"threads": 1})
    solver_s = time.perf_counter() - t0
    obj, bound = res.incumbent_objective, res.objective_bound
    gap = None if obj is None or bound is None else abs(obj - bound) / max(abs(obj), 1e-9)
    return {"status": res.termination_condition.name, "objective": obj, "gap": gap, "build": build,
            "handoff": handoff, "solver": solver_s, "wall": time.perf_counter() - start}


def child(method: str, n_sites: int, n_zones: int, time_limit: float) -> None:
    from footprint.synthetic import synthetic_tables, write_synthetic

    if method == "footprint":
        folder = write_synthetic(Path(tempfile.mkdtemp()) / "case", n_sites=n_sites, n_zones=n_zones)
        out = run_footprint(folder, time_limit)
    else:
        tables = synthetic_tables(n_sites=n_sites, n_zones=n_zones)
        out = (run_numpy_highspy if method == "numpy_highspy" else run_plain_pyomo)(tables, time_limit)
    out["peak_mb"] = _peak_mb()
    print(json.dumps(out, default=float))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default="100x1000,500x5000,500x20000")
    parser.add_argument("--methods", default="numpy_highspy,footprint,plain_pyomo")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "scale.csv")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        method, n_s, n_z, limit = args.child
        child(method, int(n_s), int(n_z), float(limit))
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fields = ["case", "method", "status", "objective", "gap", "load", "validate", "derive", "build", "handoff",
              "write", "outside_solver", "solver", "wall", "peak_mb"]
    with open(args.out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for case in args.cases.split(","):
            n_s, n_z = (int(x) for x in case.split("x"))
            for method in args.methods.split(","):
                done = subprocess.run([sys.executable, __file__, "--child", method, str(n_s), str(n_z),
                                       str(args.time_limit)], capture_output=True, text=True)
                if done.returncode != 0:
                    print(case, method, "failed:", done.stderr[-500:], flush=True)
                    continue
                out = json.loads(done.stdout.strip().splitlines()[-1])
                out["outside_solver"] = sum(out.get(k, 0.0) for k in OUTSIDE)
                row = {"case": case, "method": method, **{k: out.get(k) for k in fields if k in out}}
                row["outside_solver"] = round(out["outside_solver"], 3)
                for k in fields[5:]:
                    if isinstance(row.get(k), float):
                        row[k] = round(row[k], 3)
                writer.writerow(row)
                fh.flush()
                print(row, flush=True)


if __name__ == "__main__":
    main()
