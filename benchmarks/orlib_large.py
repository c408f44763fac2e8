"""Benchmark: the 12 large OR-Library instances (capa/capb/capc at four capacities).

Each instance is solved three ways, one after the other in one run, with the
same HiGHS options (time limit, gap 0, one thread unless --threads):

- footprint: ``solve_case`` on the case ``import-orlib`` writes, timed by stage
  (load + validate, derive, build, hand-off, solver);
- plain Pyomo: the textbook strong formulation written with per-element rules
  (y_i binary, x_ij ≥ 0; Σ_i x_ij = d_j; Σ_j x_ij ≤ Q·y_i; x_ij ≤ d_j·y_i);
- bare HiGHS: the same textbook model built as numpy arrays and passed straight
  to highspy.

Usage:
    python benchmarks/orlib_large.py [--time-limit 300] [--only capa_8000,...]
        [--orlib-dir ../shared/benchmarks/orlib] [--out benchmarks/results/orlib_large.csv]

Not part of the test suite: it takes up to 3 × 12 × the time limit.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from footprint import solve_case  # noqa: E402
from footprint.io.orlib import orlib_tables, parse_orlib  # noqa: E402
from footprint.solve import relative_gap  # noqa: E402


def run_footprint(path, capacity, time_limit, threads):
    t0 = time.perf_counter()
    tables = orlib_tables(path, capacity)
    read = time.perf_counter() - t0
    result = solve_case(tables, settings={"time_limit_s": time_limit, "mip_gap": 0, "threads": threads})
    t = result.timings
    return {"objective": result.objective, "bound": result.best_bound, "status": result.status,
            "load": read + t["load"], "derive": t["derive"], "build": t["build"],
            "handoff": t["handoff"], "solver": t["solver"]}


def run_plain_pyomo(inst, time_limit, threads):
    t0 = time.perf_counter()
    m_, n_ = inst["m"], inst["n"]
    d, q, f, c = inst["demand"], inst["capacity"], inst["fixed_cost"], inst["cost"]
    model = pyo.ConcreteModel()
    model.I = pyo.RangeSet(0, m_ - 1)
    model.J = pyo.RangeSet(0, n_ - 1)
    model.y = pyo.Var(model.I, domain=pyo.Binary)
    model.x = pyo.Var(model.I, model.J, domain=pyo.NonNegativeReals)
    model.dem = pyo.Constraint(model.J, rule=lambda mm, j: sum(mm.x[i, j] for i in mm.I) == d[j])
    model.cap = pyo.Constraint(model.I, rule=lambda mm, i: sum(mm.x[i, j] for j in mm.J) <= q[i] * mm.y[i])
    model.link = pyo.Constraint(model.I, model.J, rule=lambda mm, i, j: mm.x[i, j] <= d[j] * mm.y[i])
    model.obj = pyo.Objective(expr=sum(f[i] * model.y[i] for i in model.I)
                              + sum(c[j][i] / d[j] * model.x[i, j] for i in model.I for j in model.J if d[j] > 0))
    build = time.perf_counter() - t0
    solver = SolverFactory("highs")
    t0 = time.perf_counter()
    solver.set_instance(model)
    handoff = time.perf_counter() - t0
    t0 = time.perf_counter()
    options = {"threads": threads} if threads else {}
    res = solver.solve(model, time_limit=time_limit, rel_gap=0.0, load_solutions=False,
                       raise_exception_on_nonoptimal_result=False, solver_options=options)
    return {"objective": res.incumbent_objective, "bound": res.objective_bound,
            "status": res.termination_condition.name, "build": build, "handoff": handoff,
            "solver": time.perf_counter() - t0}


def run_bare_highs(inst, time_limit, threads):
    t0 = time.perf_counter()
    m_, n_ = inst["m"], inst["n"]
    d = np.asarray(inst["demand"], float)
    q = np.asarray(inst["capacity"], float)
    f = np.asarray(inst["fixed_cost"], float)
    c = np.asarray(inst["cost"], float).T  # m × n totals
    unit = np.divide(c, d[None, :], out=np.zeros_like(c), where=d[None, :] > 0)
    # columns: y_0..y_{m-1}, then x_ij at m + i*n + j
    nx = m_ * n_
    ii, jj = np.divmod(np.arange(nx), n_)
    xcol = m_ + np.arange(nx)
    # rows: demand j (n), capacity i (m), link ij (nx)
    rows = np.concatenate([jj, n_ + ii, np.full(m_, 0), n_ + m_ + np.arange(nx), n_ + m_ + np.arange(nx)])
    cols = np.concatenate([xcol, xcol, np.arange(m_), xcol, ii])
    vals = np.concatenate([np.ones(nx), np.ones(nx), np.zeros(m_), np.ones(nx), -d[jj]])
    rows = np.concatenate([rows, n_ + np.arange(m_)])
    cols = np.concatenate([cols, np.arange(m_)])
    vals = np.concatenate([vals, -q])
    keep = vals != 0
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    order = np.lexsort((rows, cols))  # column-wise (CSC) order
    starts = np.searchsorted(cols[order], np.arange(m_ + nx + 1))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = m_ + nx, n_ + m_ + nx
    lp.col_cost_ = np.concatenate([f, unit.ravel()])
    lp.col_lower_ = np.zeros(m_ + nx)
    lp.col_upper_ = np.concatenate([np.ones(m_), np.full(nx, highspy.kHighsInf)])
    lp.row_lower_ = np.concatenate([d, np.full(m_ + nx, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([d, np.zeros(m_ + nx)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = rows[order]
    lp.a_matrix_.value_ = vals[order]
    lp.integrality_ = [highspy.HighsVarType.kInteger] * m_ + [highspy.HighsVarType.kContinuous] * nx
    build = time.perf_counter() - t0
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    if threads:
        h.setOptionValue("threads", threads)
    t0 = time.perf_counter()
    h.passModel(lp)
    handoff = time.perf_counter() - t0
    t0 = time.perf_counter()
    h.run()
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    return {"objective": info.objective_function_value, "bound": info.mip_dual_bound, "status": status,
            "build": build, "handoff": handoff, "solver": time.perf_counter() - t0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orlib-dir", type=Path, default=ROOT.parent / "shared" / "benchmarks" / "orlib")
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated instance names, e.g. capa_8000")
    parser.add_argument("--methods", default="footprint,plain_pyomo,bare_highs",
                        help="comma-separated subset of footprint, plain_pyomo, bare_highs")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "orlib_large.csv")
    args = parser.parse_args()
    rows = [r for r in csv.DictReader(open(args.orlib_dir / "optima.csv"))
            if r["capacity"] and r["capacity"] != "uncapacitated"]
    if args.only:
        wanted = set(args.only.split(","))
        rows = [r for r in rows if r["instance"] in wanted]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fields = ["instance", "published", "method", "status", "objective", "bound", "gap", "error_vs_published",
              "load", "derive", "build", "handoff", "solver", "total"]
    with open(args.out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            path, capacity = args.orlib_dir / row["file"], float(row["capacity"])
            published = float(row["optimum_splittable"])
            inst = parse_orlib(path, capacity)
            for method, run in (("footprint", lambda: run_footprint(path, capacity, args.time_limit, args.threads)),
                                ("plain_pyomo", lambda: run_plain_pyomo(inst, args.time_limit, args.threads)),
                                ("bare_highs", lambda: run_bare_highs(inst, args.time_limit, args.threads))):
                if method not in args.methods.split(","):
                    continue
                out = run()
                obj, bound = out.get("objective"), out.get("bound")
                record = {"instance": row["instance"], "published": published, "method": method,
                          "status": out["status"], "objective": obj, "bound": bound,
                          "gap": relative_gap(obj, bound),
                          "error_vs_published": None if obj is None else obj - published}
                for key in ("load", "derive", "build", "handoff", "solver"):
                    record[key] = round(out.get(key, 0.0), 3)
                record["total"] = round(sum(out.get(k, 0.0) for k in ("load", "derive", "build", "handoff", "solver")), 3)
                writer.writerow(record)
                fh.flush()
                print(", ".join(f"{k}={record[k]}" for k in fields), flush=True)


if __name__ == "__main__":
    main()
