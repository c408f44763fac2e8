"""Sweeps: one input column multiplied by each factor in turn, solved as a batch.

``footprint sweep CASE --table T --column C [--where COL=VALUE]… --factors F1,F2,…``
builds one in-memory scenario per factor (CASE plus one ``multiply`` change,
on top of CASE's own changes when it is a scenario file), runs them through
:func:`footprint.batch.run_batch`, and adds to the batch folder:

- ``sweep.csv``: one row per factor: status, objective, the cost terms,
  open sites, printers, units made centrally and locally and the local share,
  and per technology its printers, their utilisation and (with utilisation
  bands) how many run in each band;
- ``sweep.png``: those against the factor (:mod:`footprint.report.sweep_chart`).

*Central* production is made at sites whose input status is ``open`` (the
existing plants); *local* production at candidate sites the plan opens. The
factor at which the local share passes one half is where the best network
tips from centralised to distributed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from footprint.batch import BatchOutcome, ScenarioRun, as_scenario, run_batch
from footprint.errors import InputError
from footprint.io.scenario_file import parse_change
from footprint.model.costs import COST_TERMS
from footprint.report.compare import production_split
from footprint.scenario import Change, Scenario, number_text


def parse_factors(text: str) -> list[float]:
    """``0.5,1,2`` → [0.5, 1.0, 2.0]; each a finite number, none twice."""
    factors, problems = [], []
    for part in (p.strip() for p in str(text).split(",")):
        try:
            value = float(part)
            if not np.isfinite(value):
                raise ValueError
        except ValueError:
            problems.append(f"--factors: '{part}' is not a finite number")
            continue
        if value in factors:
            problems.append(f"--factors: {part} is given twice")
        factors.append(value)
    if not factors and not problems:
        problems.append("--factors: give at least one factor, e.g. --factors 0.5,1,2")
    if problems:
        raise InputError(problems)
    return factors


def parse_where(pairs: Iterable[str]) -> dict[str, list[str]]:
    """``["site=MAD", "site=LIS", "tier=hub"]`` → {"site": ["MAD", "LIS"], "tier": ["hub"]}."""
    where: dict[str, list[str]] = {}
    problems = []
    for pair in pairs:
        column, sep, value = pair.partition("=")
        if not sep or not column.strip():
            problems.append(f"--where {pair}: expected COL=VALUE")
            continue
        where.setdefault(column.strip(), []).append(value.strip())
    if problems:
        raise InputError(problems)
    return where


def sweep_change(table: str, column: str, where: Mapping[str, Sequence] | None = None) -> Change:
    """The sweep's change at factor 1; raises :class:`InputError` for an unknown table or column."""
    entry: dict = {"table": table, "multiply": {column: 1.0}}
    if where:
        entry["where"] = {c: list(v) for c, v in where.items()}
    problems: list[str] = []
    change = parse_change(entry, f"sweep --table {table} --column {column}", problems)
    if change is None:
        raise InputError(problems)
    return change


def sweep_scenarios(case: Scenario | str | Path, table: str, column: str, factors: Sequence[float],
                    where: Mapping[str, Sequence] | None = None) -> list[Scenario]:
    """One scenario per factor: ``case`` with ``column`` of ``table`` (rows matching ``where``) multiplied."""
    base = as_scenario(case)
    change = sweep_change(table, column, where)
    scenarios = []
    for factor in factors:
        text = number_text(factor)
        label = f"sweep --table {table} --column {column} × {text} (table {table})"
        scaled = replace(change, values={column: factor}, label=label)
        scenarios.append(base.with_change(scaled, name=f"{base.name}-{column}-x{text}"))
    return scenarios


def sweep_table(runs: Sequence[ScenarioRun], factors: Sequence[float]) -> pd.DataFrame:
    """One row per factor: status, objective, cost terms, sites, printers, central and local units."""
    rows = []
    for factor, run in zip(factors, runs):
        plan = run.has_plan
        result = run.result
        row = {"factor": factor, "scenario": run.name, "status": run.status,
               "objective": result.objective if plan else np.nan}
        for term in COST_TERMS:
            row[f"cost_{term}"] = result.costs.get(term, 0.0) if plan else np.nan
        by_tech = result.kpis.get("printers_by_technology", {}) if plan else {}
        central, local = production_split(result) if plan else (np.nan, np.nan)
        made = central + local
        row.update(open_sites=result.kpis.get("open_sites") if plan else np.nan,
                   printers=sum(by_tech.values()) if plan else np.nan,
                   units_central=central, units_local=local,
                   central_share=central / made if plan and made > 0 else np.nan,
                   local_share=local / made if plan and made > 0 else np.nan,
                   open_site_ids=" ".join(result.kpis.get("open_site_ids", [])) if plan else "",
                   reason=run.reason)
        if plan:
            row.update(_printer_use(result.tables["printers"]))
        rows.append(row)
    frame = pd.DataFrame(rows)
    # Columns of technologies some factors do not use: absent means none of its printers.
    for column in [c for c in frame.columns if c.startswith("printers_")]:
        frame[column] = frame[column].where(frame["objective"].isna(), frame[column].fillna(0))
    return frame


def _printer_use(printers: pd.DataFrame) -> dict:
    """Per technology of a plan's printers.csv: printers_<T> and utilisation_<T> (hours used over
    hours available, all sites), and with utilisation bands (SPEC section 9) bands_<T>, the
    printers per band ("relaxed 2, busy 1")."""
    out = {}
    for tech, rows in printers.groupby("technology"):
        available = float(rows["hours_available"].sum())
        out[f"printers_{tech}"] = int(rows["printers"].sum())
        out[f"utilisation_{tech}"] = float(rows["hours_used"].sum()) / available if available > 0 else np.nan
        if "band" in rows and (rows["band"] != "").any():
            per_band = rows[rows["band"] != ""].groupby("band")["printers"].sum()
            out[f"bands_{tech}"] = ", ".join(f"{b} {int(n)}" for b, n in per_band.items())
    return out


def run_sweep(case: Scenario | str | Path, table: str, column: str, factors: Sequence[float],
              where: Mapping[str, Sequence] | None = None, out: str | Path | None = None,
              jobs: int | None = None, scheduler: str | None = None,
              settings: Mapping[str, object] | None = None, settings_origin: str = "--set",
              progress: bool = False) -> tuple[BatchOutcome, pd.DataFrame]:
    """Solve one scenario per factor; with ``out``, write the batch folder plus sweep.csv and sweep.png.

    A ``where`` that matches no row, an unknown table or column, or a case
    that is invalid for every factor raises :class:`InputError` before
    anything is solved or written.
    """
    from footprint.report.sweep_chart import plot_sweep

    base = as_scenario(case)
    # Check once, at factor 1, what would fail every factor (a where that matches no row, an
    # invalid base); a factor that makes the case invalid is reported in its own row instead.
    base.with_change(sweep_change(table, column, where)).load(settings, settings_origin)
    scenarios = sweep_scenarios(base, table, column, factors, where)
    if not factors:
        raise InputError("--factors: give at least one factor, e.g. --factors 0.5,1,2")
    title = f"{base.name}: {table}.{column}"
    if where:
        title += " where " + ", ".join(f"{c} = {' or '.join(map(str, v))}" for c, v in where.items())

    def extra(folder: Path, runs: Sequence[ScenarioRun]) -> None:
        frame = sweep_table(runs, factors)
        frame.to_csv(folder / "sweep.csv", index=False, float_format="%.6f")
        currency = next((r.result.settings.get("currency", "") for r in runs if r.result is not None), "")
        plot_sweep(frame, folder / "sweep.png", title=f"{title} × factor", currency=str(currency or ""))

    outcome = run_batch(scenarios, out=out, jobs=jobs, scheduler=scheduler, settings=settings,
                        settings_origin=settings_origin, progress=progress, extra=extra if out is not None else None)
    return outcome, sweep_table(outcome.runs, factors)
