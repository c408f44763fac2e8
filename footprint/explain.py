"""Why each site is in the plan or out of it, and what one more printer hour is worth (issue 16).

:func:`explain_case` solves the case, then once per candidate site with that site's decision
flipped (an open site forced closed, a closed one forced open), through the batch runner
(parallel, every flip warm-started from the base plan). ``explain.csv`` has a row per
candidate site: ``in_plan``, the flip, the flipped plan's ``objective`` and ``delta_cost``
(flipped minus base, currency/year; empty with a ``reason`` where the flip has no plan),
``delta_at_least`` (the flipped plan's proven bound minus the base plan's cost: a lower bound
on what the flip costs, so a positive figure proves the base decision right even where the
solves stop at a gap), the change in units left unserved and delivered late (a flip's cost may
be mostly the penalty of demand nothing else reaches), and which sites open or close and which
printers move.

:func:`marginals` solves the linear programme of the plan with every whole-number decision
fixed at its value: the dual of each printer-capacity row is what one more printer hour at
that site and technology would save (currency per hour), and for each lead-time promise the
planner gave, the same programme re-solved with that promise one day longer says what the
day is worth (currency/year; only promises whose lanes are the binding ones are reported).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from footprint.errors import InputError
from footprint.report.compare import plan_difference

EXPLAIN_COLUMNS = ["site", "in_plan", "flip", "status", "objective", "delta_cost", "delta_at_least", "mip_gap",
                   "delta_units_unserved", "delta_units_late", "sites_opened", "sites_closed", "tier_changes",
                   "printer_changes", "reason"]


def explain_case(source, settings: Mapping[str, object] | None = None, jobs: int | None = None,
                 progress: bool = False):
    """The base plan and one row per candidate site with its decision flipped (see the module
    docstring). Returns (base result, explain table). Raises InputError for invalid input."""
    from footprint.api import solve_case
    from footprint.batch import as_scenario, run_batch
    from footprint.scenario import Change, Scenario

    scenario = Scenario(name="case", base=source) if isinstance(source, Mapping) else as_scenario(source)
    case = scenario.load(settings, "--set")
    base = solve_case(case)
    if not base.has_plan:
        raise InputError([f"{scenario.label}: the case has no plan ({base.status})", *base.messages])
    sites = case.table("sites")
    candidates = sites[sites["status"] == "candidate"]["site"].tolist()
    opened = set(base.tables["sites"].loc[base.tables["sites"]["open"], "site"])
    flips = []
    for site in candidates:
        status = "closed" if site in opened else "open"
        change = Change(table="sites", op="set", values={"status": status}, where={"site": (site,)},
                        label=f"explain: site {site} {status}")
        flips.append(scenario.with_change(change, name=f"{scenario.name}-{site}-{status}"))
    if not flips:
        return base, pd.DataFrame(columns=EXPLAIN_COLUMNS)
    outcome = run_batch(flips, jobs=jobs, settings=settings, progress=progress, warm_from=base)
    result = base
    by_name = {run.name: run for run in outcome.runs}
    rows = []
    for site in candidates:
        in_plan = site in opened
        run = by_name[f"{scenario.name}-{site}-{'closed' if in_plan else 'open'}"]
        row = {"site": site, "in_plan": in_plan, "flip": "close" if in_plan else "open", "status": run.status}
        if run.has_plan:
            flipped = run.result
            bound = flipped.best_bound
            late = [(1.0 - r.kpis["on_time_share"]) * r.kpis["units_demanded"] - r.kpis["units_unmet"]
                    for r in (flipped, result)]
            row.update(objective=flipped.objective, delta_cost=flipped.objective - result.objective,
                       delta_at_least=(bound - result.objective) if bound is not None else np.nan,
                       mip_gap=flipped.mip_gap if flipped.mip_gap is not None else np.nan,
                       delta_units_unserved=flipped.kpis["units_unmet"] - result.kpis["units_unmet"],
                       delta_units_late=late[0] - late[1], reason="", **plan_difference(flipped, result))
        else:
            row.update(objective=np.nan, delta_cost=np.nan, delta_at_least=np.nan, mip_gap=np.nan,
                       delta_units_unserved=np.nan, delta_units_late=np.nan,
                       reason=run.reason or f"no plan ({run.status})")
        rows.append(row)
    table = pd.DataFrame(rows, columns=EXPLAIN_COLUMNS)
    return result, table


def marginals(result, case) -> pd.DataFrame:
    """One row per open site and technology with printers (``kind`` printer_hour: the value of one
    more printer hour, currency/hour) and per lead-time promise (``kind`` promise_day: what one
    more day on that promise saves, currency/year), with every whole-number decision fixed at
    the plan's (see the module docstring)."""
    from footprint.api import warm_start_values
    from footprint.derive import derive
    from footprint.model import build_blocks

    data = derive(case)
    blocks = build_blocks(data)
    values = warm_start_values(result, data)
    lp, objective, duals = _fixed_lp(blocks, values, case.settings)
    rows = []
    if duals is not None:
        st = data.site_tech
        capacity = _row_range(blocks, "PrinterCapacity")
        banded = _row_range(blocks, "BandCapacity")
        printers = values["Printers"]
        per_hour = -duals[capacity[0]:capacity[1]] if capacity else np.zeros(len(st))
        if banded and data.site_bands is not None and len(data.site_bands):
            # With bands the capacity that binds is the band's: add its price per hour.
            sb = data.site_bands
            # Only the band each site runs: the others' rows hold at 0 = 0 and their duals mean nothing.
            running = np.asarray(values["BandPrinters"]) > 0.5
            band_price = pd.Series(np.where(running, -duals[banded[0]:banded[1]], 0.0)).groupby(
                pd.MultiIndex.from_frame(sb[["site", "technology"]])).sum()
            extra = band_price.reindex(pd.MultiIndex.from_frame(st[["site", "technology"]])).fillna(0.0).to_numpy()
            per_hour = per_hour + extra
        for i in np.flatnonzero(printers > 0.5):
            rows.append({"kind": "printer_hour", "site": st["site"].iat[i], "technology": st["technology"].iat[i],
                         "zone": "", "product": "", "target_days": np.nan,
                         "value": float(max(per_hour[i], 0.0)), "unit": "currency per printer hour"})
    rows += _promise_days(result, case, objective)
    return pd.DataFrame(rows, columns=["kind", "site", "technology", "zone", "product", "target_days", "value",
                                       "unit"])


def _row_range(blocks, name: str) -> tuple[int, int] | None:
    start = 0
    for block in blocks.rows:
        if block.name == name:
            return start, start + block.size
        start += block.size
    return None


def fixed_blocks(blocks, values: dict, also: dict | None = None):
    """``blocks`` with every integer and binary variable fixed at its value in ``values``, and the
    bounds in ``also`` (block name → (lower, upper) arrays) applied on top."""
    from dataclasses import replace as with_fields

    from footprint.model.blocks import ModelBlocks

    variables = {}
    for name, var in blocks.variables.items():
        lo, hi = var.lower, var.upper
        if var.kind in ("integer", "binary") and name in values:
            lo = hi = np.round(np.asarray(values[name], float))
        if also and name in also:
            lo, hi = also[name]
        variables[name] = with_fields(var, lower=np.asarray(lo, float), upper=np.asarray(hi, float))
    return ModelBlocks(variables, blocks.rows, blocks.costs)


def _fixed_lp(blocks, values: dict, settings: dict):
    """The plan's linear programme: every integer and binary variable fixed at ``values``. Returns
    (highs, objective, row duals) or (None, None, None) when it has no solution."""
    import highspy

    from footprint.model.highs_backend import to_highs_lp
    from footprint.solve import new_highs

    lp = fixed_blocks(blocks, values)
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(settings["time_limit_s"]), 60.0))
    h.passModel(to_highs_lp(lp))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None, None, None
    solution = h.getSolution()
    return h, float(h.getInfo().objective_function_value), np.asarray(solution.row_dual, float)


def _promise_days(result, case, objective: float | None) -> list[dict]:
    """Per (product, promise) group the planner gave: the plan's LP with those promises a day
    longer; reported where it saves something."""
    if objective is None or case.settings["lead_time_policy"] != "hard":
        return []
    from footprint.api import warm_start_values
    from footprint.derive import derive
    from footprint.model import build_blocks

    demand = case.tables["demand"]
    groups = demand.dropna(subset=["lead_time_target_days"]).groupby(["product", "lead_time_target_days"])
    rows = []
    for (product, target), _ in list(groups)[:MAX_PROMISE_GROUPS]:
        longer = demand.copy()
        hit = (longer["product"] == product) & (longer["lead_time_target_days"] == target)
        longer.loc[hit, "lead_time_target_days"] = target + 1.0
        relaxed = replace(case, tables={**case.tables, "demand": longer})
        data = derive(relaxed)
        blocks = build_blocks(data)
        _, value, _ = _fixed_lp(blocks, warm_start_values(result, data), relaxed.settings)
        if value is not None and objective - value > 1e-6 * max(1.0, abs(objective)):
            rows.append({"kind": "promise_day", "site": "", "technology": "", "zone": "", "product": product,
                         "target_days": float(target), "value": float(objective - value),
                         "unit": "currency per year for one more day on every such promise"})
    return rows


#: (product, promise) groups re-solved for marginals.csv: each is one linear programme
MAX_PROMISE_GROUPS = 40


def write_insight(out: Path, result, tables: dict[str, pd.DataFrame], summary: dict | None = None) -> Path:
    """The insight tables (``explain.csv``, ``marginals.csv``, ``stress.csv``, …), ``insight.json``
    (``summary``) and the base plan (folder ``base``) into ``out``, whole or not at all (an
    earlier such folder is replaced, nothing else is)."""
    import json
    import shutil
    import tempfile

    from footprint.report.folder import replace_folder, spreadsheet_safe, write_results

    out = Path(out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "insight.json").exists())):
        raise InputError(f"{out}: exists and is not a footprint explain or stress folder; choose another --out "
                         "(nothing was written)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, frame in tables.items():
            spreadsheet_safe(frame).to_csv(tmp / f"{name}.csv", index=False, float_format="%.6f")
        (tmp / "insight.json").write_text(json.dumps(summary or {}, indent=2, default=float))
        write_results(result, tmp / "base", maps=False)
        replace_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
