"""Side-by-side comparison of many runs: comparison.csv and comparison.xlsx.

One row per scenario, in the order given: its status (optimal, time_limit,
infeasible, invalid, error, …), objective, gap, the ten cost terms of
``summary.json`` (``cost_site_fixed`` … ``cost_carbon``, currency/year), the
main KPIs (``printers`` counts printers, ``printers_<technology>`` by type),
where its units are made (existing plants versus newly opened sites), and how
its site plan differs from the reference plan: the first scenario of the
batch that has a plan (named in ``compared_with``; ``delta_cost`` is the
objective less the reference's, ``tier_changes`` the sites whose tier
changed), and the plan's configuration profile (``profile_…``, see
:mod:`footprint.profile`); ``peak_memory_gb`` (the local worker's peak resident memory)
and ``resumed`` (kept from an earlier run by ``--resume``).

Central and local production: units made at sites whose input status is
``open`` (the existing plants, which must stay open) are *central*; units
made at candidate sites the plan opens are *local*. ``local_share`` is the
local share of all units made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Protocol

import numpy as np
import pandas as pd

from footprint.model.costs import COST_TERMS


class Run(Protocol):
    """What a comparison needs of one run (see :class:`footprint.batch.ScenarioRun`)."""

    name: str
    status: str
    result: object | None

    @property
    def has_plan(self) -> bool: ...

    @property
    def reason(self) -> str: ...


def production_split(result) -> tuple[float, float]:
    """Units made at existing plants (status open) and at newly opened candidate sites."""
    sites = result.tables.get("sites")
    if sites is None or sites.empty:
        return 0.0, 0.0
    central = float(sites.loc[sites["status"] == "open", "units_made"].sum())
    local = float(sites.loc[sites["status"] != "open", "units_made"].sum())
    return central, local


def _printers(result) -> dict[tuple[str, str], int]:
    table = result.tables.get("printers")
    if table is None or table.empty:
        return {}
    return {(s, t): int(p) for s, t, p in zip(table["site"], table["technology"], table["printers"]) if p > 0}


def _open_sites(result) -> list[str]:
    sites = result.tables.get("sites")
    return [] if sites is None or sites.empty else sorted(sites.loc[sites["open"].astype(bool), "site"])


def _tiers(result) -> dict[str, str]:
    sites = result.tables.get("sites")
    if sites is None or sites.empty:
        return {}
    opened = sites[sites["open"].astype(bool)]
    return dict(zip(opened["site"], opened["tier"]))


def plan_difference(result, reference) -> dict:
    """Sites opened or closed, sites that change tier (a micro-factory that becomes a hub) and
    printers added or removed, relative to ``reference``."""
    here, there = set(_open_sites(result)), set(_open_sites(reference))
    mine_tiers, their_tiers = _tiers(result), _tiers(reference)
    tier_changes = "; ".join(f"{s} {their_tiers[s]}→{mine_tiers[s]}" for s in sorted(here & there)
                             if mine_tiers.get(s) != their_tiers.get(s))
    mine, theirs = _printers(result), _printers(reference)
    changes = []
    added = removed = 0
    for key in sorted(set(mine) | set(theirs)):
        delta = mine.get(key, 0) - theirs.get(key, 0)
        if delta:
            changes.append(f"{key[0]} {key[1]} {delta:+d}")
            added += max(delta, 0)
            removed += max(-delta, 0)
    return {"sites_opened": " ".join(sorted(here - there)), "sites_closed": " ".join(sorted(there - here)),
            "tier_changes": tier_changes, "printers_added": added, "printers_removed": removed,
            "printer_changes": "; ".join(changes)}


def comparison_table(runs: Iterable[Run]) -> pd.DataFrame:
    """One row per run; see the module docstring for the columns."""
    runs = list(runs)
    reference = next((r for r in runs if r.has_plan), None)
    technologies = sorted({t for r in runs if r.has_plan for t in r.result.kpis.get("printers_by_technology", {})})
    rows = []
    for run in runs:
        row: dict = {"scenario": run.name, "status": run.status}
        result = run.result
        plan = run.has_plan
        row.update(objective=result.objective if plan else np.nan,
                   delta_cost=(result.objective - reference.result.objective
                               if plan and reference is not None else np.nan),
                   best_bound=result.best_bound if result is not None and result.best_bound is not None else np.nan,
                   mip_gap=result.mip_gap if plan and result.mip_gap is not None else np.nan)
        for term in COST_TERMS:
            row[f"cost_{term}"] = result.costs.get(term, 0.0) if plan else np.nan
        k = result.kpis if plan else {}
        by_tech = k.get("printers_by_technology", {})
        row["open_sites"] = k.get("open_sites", np.nan)
        row["printers"] = sum(by_tech.values()) if plan else np.nan
        for tech in technologies:
            row[f"printers_{tech}"] = by_tech.get(tech, 0) if plan else np.nan
        for key in ("units_demanded", "units_served", "units_unmet", "on_time_share", "mean_lead_time_days",
                    "co2_tonnes"):
            value = k.get(key)
            row[key] = np.nan if value is None else value
        central, local = production_split(result) if plan else (np.nan, np.nan)
        made = central + local
        row.update(units_central=central, units_local=local,
                   local_share=local / made if plan and made > 0 else np.nan)
        row["compared_with"] = reference.name if reference is not None and plan else ""
        if plan and reference is not None:
            row.update(plan_difference(result, reference.result))
        else:
            row.update(sites_opened="", sites_closed="", tier_changes="", printers_added=np.nan,
                       printers_removed=np.nan, printer_changes="")
        if plan:
            for key, value in (getattr(result, "profile", None) or {}).items():
                row[f"profile_{key}"] = np.nan if value is None else value
        row["open_site_ids"] = " ".join(_open_sites(result)) if plan else ""
        row["solve_seconds"] = result.timings.get("solve", np.nan) if result is not None else np.nan
        # The worker's peak resident memory (GB; empty where not measured: a Dask worker, a resumed run).
        peak = getattr(run, "peak_bytes", 0) or 0
        row["peak_memory_gb"] = round(peak / 1e9, 3) if peak else np.nan
        row["resumed"] = bool(getattr(run, "kept", False))
        row["reason"] = run.reason
        rows.append(row)
    return pd.DataFrame(rows)


def site_plan_table(runs: Iterable[Run]) -> pd.DataFrame:
    """One row per site, one column per scenario: tier and printers where the site is open."""
    columns: dict[str, dict[str, str]] = {}
    for run in runs:
        if not run.has_plan:
            continue
        sites = run.result.tables["sites"]
        printers = _printers(run.result)
        column = {}
        for site, is_open, tier in zip(sites["site"], sites["open"], sites["tier"]):
            if not is_open:
                continue
            kit = " + ".join(f"{n} {t}" for (s, t), n in sorted(printers.items()) if s == site)
            column[site] = f"{tier}: {kit}" if kit else str(tier)
        columns[run.name] = column
    sites = sorted({s for column in columns.values() for s in column})
    frame = pd.DataFrame({name: [column.get(s, "") for s in sites] for name, column in columns.items()})
    frame.insert(0, "site", sites)
    return frame


def write_comparison(folder: Path, runs: Iterable[Run]) -> pd.DataFrame:
    """Write comparison.csv and comparison.xlsx (sheets comparison and site_plans) into ``folder``."""
    runs = list(runs)
    table = comparison_table(runs)
    table.to_csv(folder / "comparison.csv", index=False, float_format="%.6f")
    with pd.ExcelWriter(folder / "comparison.xlsx", engine="xlsxwriter",
                        engine_kwargs={"options": {"nan_inf_to_errors": True}}) as writer:
        for name, frame in (("comparison", table), ("site_plans", site_plan_table(runs))):
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes(1, 1)
            # column width from the header and the first 50 cells, in characters
            for col, column in enumerate(frame.columns):
                cells = [str(column)] + [str(v) for v in frame[column].head(50) if pd.notna(v)]
                sheet.set_column(col, col, min(max(max(map(len, cells)) + 2, 8), 60))
    return table
