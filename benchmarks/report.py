"""Turn the benchmark CSVs in benchmarks/results/ into the markdown tables of benchmarks/README.md.

Usage: python benchmarks/report.py   (prints markdown to standard output)
"""

from __future__ import annotations

import csv
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _rows(name: str) -> list[dict]:
    path = RESULTS / name
    return list(csv.DictReader(open(path))) if path.exists() else []


def _num(text, fmt="{:,.0f}"):
    try:
        return fmt.format(float(text))
    except (TypeError, ValueError):
        return "—"


def orlib_table(name: str = "orlib_large_footprint.csv") -> str:
    """One row per instance and method of the CSV ``name`` (footprint's run, or the baselines')."""
    rows = _rows(name)
    by = {}
    for r in rows:
        by.setdefault(r["instance"], {})[r["method"]] = r
    out = ["| instance | published optimum | method | status | objective | proven gap | load | derive | build | "
           "hand-off | solver (s) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for inst, methods in by.items():
        for method in ("footprint", "plain_pyomo", "bare_highs"):
            r = methods.get(method)
            if r is None:
                continue
            gap = "—" if r["gap"] in ("", "None") else f"{float(r['gap']):.1%}"
            split = " | ".join(_num(r[k], "{:.2f}") if method == "footprint" or k in ("build", "handoff") else "—"
                               for k in ("load", "derive", "build", "handoff"))
            out.append(f"| {inst} | {_num(r['published'], '{:,.3f}')} | {method} | {r['status']} | "
                       f"{_num(r['objective'], '{:,.0f}')} | {gap} | {split} | {_num(r['solver'], '{:.1f}')} |")
    return "\n".join(out)


def scale_table() -> str:
    rows = _rows("scale.csv")
    out = ["| case | method | status | objective | gap | load+validate | derive | build | hand-off | write | "
           "outside solver (s) | solver (s) | peak MB |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lv = float(r.get("load") or 0) + float(r.get("validate") or 0)
        gap = "—" if r["gap"] in ("", "None") else f"{float(r['gap']):.1%}"
        out.append(f"| {r['case']} | {r['method']} | {r['status']} | {_num(r['objective'])} | {gap} | {lv:.2f} | "
                   f"{_num(r.get('derive'), '{:.2f}')} | {_num(r.get('build'), '{:.2f}')} | "
                   f"{_num(r.get('handoff'), '{:.2f}')} | {_num(r.get('write'), '{:.2f}')} | "
                   f"{_num(r['outside_solver'], '{:.2f}')} | {_num(r['solver'], '{:.1f}')} | {_num(r['peak_mb'])} |")
    return "\n".join(out)


def flagship_table() -> str:
    rows = _rows("flagship.csv")
    out = ["| valid inequalities (13)-(14) | starting plan | status | objective | proven bound | gap | "
           "start (s) | solver (s) |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {'yes' if r['cuts'] == 'True' else 'no'} | {'yes' if r['start'] == 'True' else 'no'} | "
                   f"{r['status']} | {_num(r['objective'])} | {_num(r['bound'])} | {float(r['gap']):.2%} | "
                   f"{_num(r['start_s'], '{:.1f}')} | {_num(r['solver_s'], '{:.1f}')} |")
    return "\n".join(out)


def general_table(names=("general.csv", "general_600.csv")) -> str:
    """benchmarks/general.py: one row per case and method, time to each proven gap (s, '—' = never)."""
    rows = [r for name in names for r in _rows(name)]
    out = ["| case | method | variables | status | plan | proven bound | gap | to 5 % | to 2 % | to 1 % | wall (s) | "
           "peak MB |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        gap = "—" if r["gap"] in ("", "None") else f"{float(r['gap']):.1%}"
        out.append(f"| {r['case']} | {r['method']} | {_num(r['variables'])} | {r['status']} | {_num(r['objective'])} | "
                   f"{_num(r['bound'])} | {gap} | {_num(r['to_5pct'], '{:.0f}')} | {_num(r['to_2pct'], '{:.0f}')} | "
                   f"{_num(r['to_1pct'], '{:.0f}')} | {_num(r['wall'], '{:.0f}')} | {_num(r['peak_mb'])} |")
    return "\n".join(out)


if __name__ == "__main__":
    print("## OR-Library large instances\n")
    print(orlib_table())
    print("\n### Baselines\n")
    print(orlib_table("orlib_large_baselines.csv"))
    print("\n## Planner scale\n")
    print(scale_table())
    print("\n## Flagship\n")
    print(flagship_table())
    print("\n## The general model at real size\n")
    print(general_table())
