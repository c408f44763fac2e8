"""The command line's analysis commands: ``explain``, ``stress`` and ``queue``.

Registered on :data:`footprint.cli.app` (imported at the end of that module), with its helpers:
the same options, messages and exit statuses as ``solve``.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from footprint.cli import _fail_invalid, _money, _planner_errors, _run_overrides, app, out_console
from footprint.errors import InputError


@app.command()
def explain(
    case: Path = typer.Argument(..., help="case folder, .xlsx workbook or .toml scenario"),
    out: Optional[Path] = typer.Option(None, "--out", help="folder for explain.csv, marginals.csv and the base plan"),
    jobs: Optional[int] = typer.Option(None, "--jobs", help="worker processes (default: the machine's cores)"),
    set_: List[str] = typer.Option([], "--set", help="override a setting, KEY=VALUE (repeatable)"),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="solver time limit per solve, seconds"),
    gap: Optional[str] = typer.Option(None, "--gap", help="gap to stop at: a share (0.01) or a percentage (1%)"),
) -> None:
    """Why each candidate site is in the plan or out: re-solve with its decision flipped; what one more
    printer hour and one more day of promise are worth."""
    from footprint.batch import as_scenario
    from footprint.explain import explain_case, marginals, write_insight

    with _planner_errors():
        settings = _run_overrides(set_, time_limit, gap)
        scenario = as_scenario(case)
        target = out if out is not None else Path("results") / f"{scenario.name}-explain"
        result, table = explain_case(scenario, settings=settings, jobs=jobs, progress=True)
        margins = marginals(result, scenario.load(settings, "--set"))
        write_insight(target, result, {"explain": table, "marginals": margins},
                      {"command": "explain", "base_objective": result.objective})
    cur = result.settings.get("currency", "")
    shown = Table(title=f"Each candidate site's decision flipped (base plan {_money(result.objective)} {cur}/year)")
    for col in ("site", "in plan", "flip", "status", "delta cost", "at least", "takes over"):
        shown.add_column(col, justify="right" if col in ("delta cost", "at least") else "left")
    for row in table.itertuples():
        takes = "; ".join(x for x in (f"opens {row.sites_opened}" if isinstance(row.sites_opened, str) and row.sites_opened else "",
                                      f"closes {row.sites_closed}" if isinstance(row.sites_closed, str) and row.sites_closed else "",
                                      row.printer_changes if isinstance(row.printer_changes, str) else "") if x)
        shown.add_row(row.site, "yes" if row.in_plan else "no", row.flip, row.status,
                      "" if row.delta_cost != row.delta_cost else f"{row.delta_cost:+,.0f}",
                      "" if row.delta_at_least != row.delta_at_least else f"{row.delta_at_least:+,.0f}",
                      takes or (row.reason if isinstance(row.reason, str) else ""))
    out_console.print(shown)
    out_console.print(f"results written to {target}", markup=False)


@app.command()
def stress(
    case: Path = typer.Argument(..., help="case folder, .xlsx workbook or .toml scenario"),
    out: Optional[Path] = typer.Option(None, "--out", help="folder for stress.csv and the base plan"),
    set_: List[str] = typer.Option([], "--set", help="override a setting, KEY=VALUE (repeatable)"),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="solver time limit, seconds"),
    gap: Optional[str] = typer.Option(None, "--gap", help="gap to stop at: a share (0.01) or a percentage (1%)"),
) -> None:
    """Hub outage: for every open site of the plan, lose it for a year (its costs stay committed) and
    re-optimise the rest; what goes unserved or late and what it costs."""
    from footprint.api import solve_case
    from footprint.case import load_case
    from footprint.explain import write_insight
    from footprint.stress import stress_case

    with _planner_errors():
        loaded = load_case(case, settings=_run_overrides(set_, time_limit, gap), settings_origin="--set")
        target = out if out is not None else Path("results") / f"{loaded.name}-stress"
        result = solve_case(loaded)
        if not result.has_plan:
            raise InputError([f"{loaded.name}: the case has no plan to stress ({result.status})", *result.messages])
        table, summary = stress_case(result, loaded)
        write_insight(target, result, {"stress": table}, {"command": "stress", "base_objective": result.objective,
                                                          **summary})
    cur = result.settings.get("currency", "")
    shown = Table(title=f"Each open site lost for a year (plan {_money(result.objective)} {cur}/year)")
    for col in ("site", "units made", "unserved", "late", "at risk", "cost increase"):
        shown.add_column(col, justify="left" if col == "site" else "right")
    for row in table.itertuples():
        missing = row.cost_increase != row.cost_increase
        shown.add_row(row.site, f"{row.units_made:,.0f}", "" if missing else f"{row.units_unserved:,.0f}",
                      "" if missing else f"{row.units_late:,.0f}", "" if missing else f"{row.share_at_risk:.1%}",
                      row.status if missing else f"{row.cost_increase:+,.0f}")
    out_console.print(shown)
    if summary.get("worst_site"):
        out_console.print(f"worst loss: {summary['worst_site']} (+{summary['worst_cost_increase']:,.0f} {cur}/year); "
                          f"at most {summary['max_share_at_risk']:.1%} of demand at risk; unserved units priced at "
                          f"{summary['shortfall_price_per_unit']:,.2f} where they have no unmet_penalty", markup=False)
    out_console.print(f"results written to {target}", markup=False)


@app.command()
def queue(
    case: Optional[Path] = typer.Argument(None, help="case whose technologies (and bands) to read; optional"),
    technology: Optional[str] = typer.Option(None, "--technology", help="technology of the case (default: all)"),
    utilisation: str = typer.Option("0.5,0.7,0.85,0.95", "--utilisation",
                                    help="comma-separated utilisations in (0, 1), e.g. 0.5,0.7,0.85"),
    job_hours: Optional[float] = typer.Option(None, "--job-hours", help="mean printer hours of one job"),
    cv_arrival: Optional[float] = typer.Option(None, "--cv-arrival", help="coefficient of variation of inter-arrival times"),
    cv_service: Optional[float] = typer.Option(None, "--cv-service", help="coefficient of variation of job durations"),
) -> None:
    """Kingman's queue wait, in hours and days, at each utilisation: what a band implies (SPEC section 9)."""
    from footprint.bands import queue_rows

    try:
        rows, bands = queue_rows(case, technology, utilisation, job_hours, cv_arrival, cv_service)
    except InputError as error:
        _fail_invalid(error)
        return
    table = Table(title="Queue wait for a free printer (Kingman, G/G/1; ca, cs: coefficients of variation)")
    for col in ("technology", "job h", "ca", "cs", "utilisation", "wait h", "wait days"):
        table.add_column(col, justify="left" if col == "technology" else "right")
    for r in rows.itertuples():
        table.add_row(r.technology, f"{r.job_hours:g}", f"{r.cv_arrival:g}", f"{r.cv_service:g}",
                      f"{r.utilisation:.0%}", f"{r.wait_hours:,.1f}", f"{r.wait_days:,.2f}")
    out_console.print(table)
    if len(bands):
        listed = Table(title="The case's bands")
        for col in ("technology", "band", "max utilisation", "queue (days)", "from"):
            listed.add_column(col, justify="left" if col in ("technology", "band", "from") else "right")
        for b in bands.itertuples():
            listed.add_row(b.technology, b.band, f"{b.max_utilisation:.0%}", f"{b.queue_days:,.2f}",
                           "Kingman" if b.queue_computed else "queue_days")
        out_console.print(listed)
