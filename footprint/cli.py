"""The command line: a thin layer that parses, calls the Python API and prints.

Exit status: 0 a plan was found; 1 no feasible plan (or none found in time);
2 invalid input (one line per problem on standard error, no traceback).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from footprint.errors import InputError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Design the manufacturing footprint of a distributed production network.")
out_console = Console()
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_PLAN, EXIT_NO_PLAN, EXIT_INVALID = 0, 1, 2


@contextmanager
def _planner_errors():
    """Bad input: its problems and exit 2; Ctrl-C or SIGTERM: 'nothing was written' and exit 130."""
    try:
        yield
    except InputError as error:
        _fail_invalid(error)
    except KeyboardInterrupt:
        err_console.print("interrupted: nothing was written", markup=False)
        raise typer.Exit(130) from None


def _fail_invalid(error: InputError) -> None:
    for line in error.problems:
        err_console.print(line, markup=False)
    err_console.print(error.summary(), markup=False)
    raise typer.Exit(EXIT_INVALID)


def _parse_sets(pairs: list[str]) -> dict[str, str]:
    values = {}
    problems = []
    for pair in pairs:
        if "=" not in pair:
            problems.append(f"--set {pair}: expected KEY=VALUE")
            continue
        key, value = pair.split("=", 1)
        values[key.strip()] = value.strip()
    if problems:
        raise InputError(problems)
    return values


def _money(value: float) -> str:
    return f"{value:,.0f}"


class SolveProgress:
    """What ``solve`` shows while it runs, on a terminal only: the stage (read and check, prepare,
    build, bound, start, search, write), the seconds so far, the best plan, the proven bound and
    the gap. One transient status line, gone when the solve ends; nothing in logs or pipes."""

    def __init__(self, console: Console, enabled: bool) -> None:
        self.console, self.enabled = console, enabled
        self.name, self.plan, self.bound = "", None, None
        self.began = 0.0
        self.status = None

    def __enter__(self) -> "SolveProgress":
        import time

        self.began = time.perf_counter()
        if self.enabled:
            self.status = self.console.status("starting", spinner="dots")
            self.status.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.status is not None:
            self.status.__exit__(*exc)
            self.status = None

    def stage(self, name: str) -> None:
        self.name = name
        self._show()

    def progress(self, plan: float | None, bound: float | None) -> None:
        if plan is not None:
            self.plan = plan
        if bound is not None:
            self.bound = bound
        self._show()

    def _show(self) -> None:
        if self.status is None:
            return
        import time

        parts = [f"{self.name} · {time.perf_counter() - self.began:,.0f} s"]
        if self.plan is not None:
            parts.append(f"plan {_money(self.plan)}")
        if self.bound is not None:
            parts.append(f"bound {_money(self.bound)}")
        if self.plan is not None and self.bound is not None and self.plan:
            parts.append(f"gap {max(self.plan - self.bound, 0.0) / abs(self.plan):.2%}")
        self.status.update(" · ".join(parts))


def gap_words(gap: float | None) -> str:
    """The proven gap in words: 'proven optimal', or 'proven within 4.63 % of the optimum'."""
    if gap is None:
        return "no proven bound"
    if gap <= 5e-7:
        return "proven optimal"
    return f"proven within {gap * 100:.2f} % of the optimum"


def print_summary(result) -> None:
    """A short, readable plan summary for the terminal."""
    cur = result.settings.get("currency", "")
    status = result.status
    if status == "optimal" and result.mip_gap is not None and result.mip_gap > 5e-7:
        # Optimal within the gap asked for is not the optimum: say both.
        status = f"optimal within the {float(result.settings.get('mip_gap', 0)):.2%} asked for"
    out_console.print(f"[bold]{result.case_name}[/]: {status}, total cost "
                      f"{_money(result.objective)} {cur}/year, {gap_words(result.mip_gap)}")
    sites = result.tables["sites"]
    opened = sites[sites["open"]]
    table = Table(title="Open sites", show_lines=False)
    for col in ("site", "country", "tier", "printers", "units made", "utilisation", f"cost ({cur}/yr)"):
        table.add_column(col, justify="right" if col not in ("site", "country", "tier") else "left")
    for _, row in opened.iterrows():
        table.add_row(str(row["site"]), str(row["country"]), str(row["tier"]), str(int(row["printers"])),
                      f"{row['units_made']:,.0f}", f"{row['utilisation']:.0%}", _money(row["total"]))
    out_console.print(table)
    prod = result.tables["production"]
    if not prod.empty:
        # Central = made at existing plants (status open); local = at newly opened sites.
        existing = set(sites.loc[sites["status"] == "open", "site"])
        prod = prod.assign(central=prod["site"].isin(existing))
        made = Table(title="Where each product is made (central = existing plants, local = new sites)")
        for col in ("product", "central units/yr", "local units/yr", "made at (technology)"):
            made.add_column(col, justify="right" if "units" in col else "left")
        for product, group in prod.groupby("product"):
            central = group.loc[group["central"], "units"].sum()
            local = group.loc[~group["central"], "units"].sum()
            where = sorted({f"{s} ({t})" for s, t in zip(group["site"], group["technology"])})
            shown = ", ".join(where[:4]) + (f" +{len(where) - 4} more" if len(where) > 4 else "")
            made.add_row(str(product), f"{central:,.0f}", f"{local:,.0f}", shown)
        out_console.print(made)
    from footprint.plan import stock_or_print

    split = stock_or_print(result.tables)
    if not split.empty:
        ways = Table(title="Stock or print (units/yr)")
        for col in ("product", "printed to order", "from a warehouse's stock", "from a plant's stock"):
            ways.add_column(col, justify="left" if col == "product" else "right")
        for row in split.itertuples(index=False):
            ways.add_row(str(row.product), f"{row.to_order:,.0f}", f"{row.warehouse_stock:,.0f}",
                         f"{row.plant_stock:,.0f}")
        out_console.print(ways)
    costs = Table(title=f"Cost breakdown ({cur}/year)")
    costs.add_column("term")
    costs.add_column("cost", justify="right")
    for term, value in result.costs.items():
        if abs(value) > 0.005:
            costs.add_row(term, _money(value))
    costs.add_row("[bold]total[/]", f"[bold]{_money(result.objective)}[/]")
    out_console.print(costs)
    k = result.kpis
    lead = "n/a" if k.get("mean_lead_time_days") is None else f"{k['mean_lead_time_days']:.2f} days"
    out_console.print(f"served {k['units_served']:,.0f} of {k['units_demanded']:,.0f} units, "
                      f"on time {k['on_time_share']:.1%}, mean lead time {lead}, CO2 {k['co2_tonnes']:,.1f} t")
    p = result.profile
    if p:
        def share(key):
            return "n/a" if p.get(key) is None else f"{p[key]:.0%}"

        def number(key, unit):
            return "n/a" if p.get(key) is None else f"{p[key]:,.1f}{unit}"

        line = (f"profile: {p['sites_open']} sites, largest makes {share('share_units_largest_site')}, "
                f"{share('share_units_made_in_destination_country')} made in the customer's country, delivery "
                f"{number('mean_delivery_km', ' km')} (p95 {number('p95_delivery_km', ' km')}), lead time "
                f"{number('mean_lead_time_days', ' d')} (p95 {number('p95_lead_time_days', ' d')}), "
                f"{share('share_value_crossing_border')} of value crosses a border")
        if "share_units_from_stock" in p:
            line += f", {share('share_units_from_stock')} from stock"
        out_console.print(line, markup=False)
    for line in result.messages:
        out_console.print(line, markup=False)


@app.command()
def solve(
    case: Path = typer.Argument(..., help="case folder, .xlsx workbook or .toml scenario"),
    out: Optional[Path] = typer.Option(None, "--out", help="results folder (default results/<case name>)"),
    set_: List[str] = typer.Option([], "--set", help="override a setting, KEY=VALUE (repeatable)"),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="solver time limit, seconds"),
    gap: Optional[str] = typer.Option(None, "--gap", help="gap to stop at: a share (0.01) or a percentage (1%)"),
    quiet: bool = typer.Option(False, "--quiet", help="print only the status line (and no progress while solving)"),
    no_maps: bool = typer.Option(False, "--no-maps", help="skip network.gpkg, map.png and map.html"),
    no_workbook: bool = typer.Option(False, "--no-workbook", help="skip plan.xlsx"),
) -> None:
    """Validate, solve and write the plan (summary.json, result tables, plan.xlsx, charts, maps)."""
    # Ctrl-C or SIGTERM (see _stop_on_sigterm): a results folder is written whole or not at all.
    with _planner_errors():
        _solve(case, out, set_, time_limit, gap, quiet, maps=not no_maps, workbook=not no_workbook)


def _solve(case: Path, out: Path | None, set_: list[str], time_limit: float | None, gap: str | None,
           quiet: bool, maps: bool = True, workbook: bool = True) -> None:
    """The body of ``solve`` (see there)."""
    from footprint.api import solve_case
    from footprint.report.folder import check_output_folder, write_results

    watch = SolveProgress(out_console, enabled=not quiet and out_console.is_terminal)
    try:
        overrides = _run_overrides(set_, time_limit, gap)
        from footprint.case import load_case
        with watch:
            watch.stage("read and check")
            loaded = load_case(case, settings=overrides, settings_origin="--set")
            target = out if out is not None else Path("results") / loaded.name
            check_output_folder(target)
            result = solve_case(loaded, progress=watch.progress, stage=watch.stage)
            watch.stage("write")
    except InputError as error:
        _fail_invalid(error)
        return
    if not result.has_plan:
        err_console.print(f"{result.status}: no feasible plan for {result.case_name}", markup=False)
        for line in result.messages:
            err_console.print(line, markup=False)
        raise typer.Exit(EXIT_NO_PLAN)
    try:
        write_results(result, target, workbook=workbook, maps=maps)
    except InputError as error:
        _fail_invalid(error)
    if quiet:
        out_console.print(f"{result.case_name}: {result.status}, objective {result.objective:.6f}")
        for line in result.messages:
            if line.startswith("warning"):
                err_console.print(line, markup=False)
    else:
        print_summary(result)
    out_console.print(f"results written to {target}")


@app.command()
def validate(case: Path = typer.Argument(..., help="case folder, .xlsx workbook or .toml scenario")) -> None:
    """Check the case and report every problem found; solves nothing."""
    from footprint.case import load_case

    try:
        loaded = load_case(case)
    except InputError as error:
        _fail_invalid(error)
        return
    counts = ", ".join(f"{len(t)} {name}" for name, t in loaded.tables.items() if name != "settings")
    out_console.print(f"{loaded.name}: valid ({counts})", markup=False)


@app.command()
def template(path: Path = typer.Argument(..., help="the .xlsx workbook to write")) -> None:
    """Write an empty case workbook: every table and column, a README sheet, drop-down lists."""
    from footprint.io.workbook import write_template

    with _planner_errors():
        if path.suffix.lower() != ".xlsx":
            raise InputError(f"{path}: a case workbook is an .xlsx file")
        if path.exists():
            raise InputError(f"{path}: exists; choose another name (nothing was written)")
        write_template(path)
    out_console.print(f"template written to {path}", markup=False)


@app.command()
def export(
    case: Path = typer.Argument(..., help="case folder, .xlsx workbook or .toml scenario"),
    path: Path = typer.Argument(..., help="the .xlsx workbook to write"),
) -> None:
    """Write any case (a scenario with its changes applied) as one workbook."""
    from footprint.io.workbook import export_case

    with _planner_errors():
        if path.suffix.lower() != ".xlsx":
            raise InputError(f"{path}: a case workbook is an .xlsx file")
        if path.exists() and path.resolve() == Path(case).resolve():
            raise InputError(f"{path}: is the case itself; choose another name (nothing was written)")
        export_case(case, path)
    out_console.print(f"case written to {path}", markup=False)


@app.command("import-orlib")
def import_orlib_cmd(
    file: Path = typer.Argument(..., help="Beasley OR-Library capacitated warehouse location file"),
    out_dir: Path = typer.Argument(..., help="new case folder to write"),
    capacity: Optional[float] = typer.Option(None, "--capacity", help="capacity replacing the word 'capacity' (capa/capb/capc)"),
    single_source: bool = typer.Option(False, "--single-source", help="each customer served by one site"),
) -> None:
    """Convert an OR-Library capacitated warehouse location file into a case folder."""
    from footprint.io.orlib import import_orlib

    try:
        folder = import_orlib(file, out_dir, capacity, single_source)
    except InputError as error:
        _fail_invalid(error)
        return
    out_console.print(f"wrote case {folder}", markup=False)


def _run_overrides(set_: list[str], time_limit: float | None, gap: str | None) -> dict:
    """--set pairs, then --time-limit and --gap (checked here so that a message names --gap)."""
    from footprint.settings import parse_setting

    overrides: dict = _parse_sets(set_)
    if time_limit is not None:
        overrides["time_limit_s"] = time_limit
    if gap is not None:
        try:
            overrides["mip_gap"] = parse_setting("mip_gap", gap)
        except ValueError as exc:
            raise InputError([f"--gap: {exc}"]) from None
    return overrides


def _finish_batch(outcome, what: str) -> None:
    """Print the comparison of a batch or sweep and exit with its status (see footprint.batch)."""
    table = Table(title=f"{what}: {len(outcome.runs)} scenario(s) in {outcome.seconds:.1f} s")
    for col in ("scenario", "status", "objective", "gap", "sites", "printers", "vs " + str(
            next((r.name for r in outcome.runs if r.has_plan), "first"))):
        table.add_column(col, justify="right" if col in ("objective", "gap", "sites", "printers") else "left")
    for run, (_, row) in zip(outcome.runs, outcome.comparison.iterrows()):
        if run.has_plan:
            diff = "; ".join(filter(None, [f"opens {row['sites_opened']}" if row["sites_opened"] else "",
                                           f"closes {row['sites_closed']}" if row["sites_closed"] else "",
                                           row["printer_changes"]]))
            gap = "" if run.result.mip_gap is None else f"{run.result.mip_gap:.2%}"
            table.add_row(run.name, run.status, _money(run.result.objective), gap, str(int(row["open_sites"])),
                          str(int(row["printers"])), diff or "same plan")
        else:
            table.add_row(run.name, f"[red]{run.status}[/]", "", "", "", "", "see the messages below")
    out_console.print(table)
    problems = [line for run in outcome.runs if run.status == "invalid" for line in run.problems]
    for run in outcome.runs:
        if not run.has_plan and run.status != "invalid":
            err_console.print(f"{run.name}: {run.status}: {run.reason}", markup=False)
    for line in problems:
        err_console.print(line, markup=False)
    if problems:
        err_console.print(InputError(problems).summary(), markup=False)
    if outcome.out is not None:
        out_console.print(f"results written to {outcome.out}", markup=False)
    raise typer.Exit(outcome.exit_status)


@app.command()
def batch(
    scenarios: List[Path] = typer.Argument(..., help="scenario files (.toml), case folders or workbooks"),
    jobs: Optional[int] = typer.Option(None, "--jobs", help="worker processes (default: the machine's cores)"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786"),
    out: Path = typer.Option(Path("results/batch"), "--out", help="results folder"),
    set_: List[str] = typer.Option([], "--set", help="override a setting in every scenario, KEY=VALUE (repeatable)"),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="solver time limit per scenario, seconds"),
    gap: Optional[str] = typer.Option(None, "--gap", help="gap to stop at: a share (0.01) or a percentage (1%)"),
    warm_start: bool = typer.Option(False, "--warm-start",
                                    help="solve the first scenario first and start the others from its plan"),
    maps: bool = typer.Option(False, "--maps", help="write each scenario's maps too (skipped by default, for speed)"),
    retries: int = typer.Option(0, "--retries", help="run a scenario whose worker failed up to N times more"),
    max_memory: Optional[str] = typer.Option(None, "--max-memory",
                                             help="stop a scenario whose worker holds more than this, e.g. 8GB"),
    resume: bool = typer.Option(False, "--resume",
                                help="keep the scenarios in --out whose inputs and settings are unchanged; "
                                     "solve only the rest"),
) -> None:
    """Solve many scenarios; write one results folder each plus comparison.csv and comparison.xlsx.

    A worker that dies costs only its scenario (reported with the reason); Ctrl-C keeps every finished
    scenario and says how to resume. Exit status 0: every scenario has a plan; 1: some has none; 2: a
    scenario is invalid or an option is bad; 130: stopped.
    """
    from footprint.batch import BatchInterrupted, run_batch
    from footprint.workers import parse_bytes

    try:
        limit = None
        if max_memory is not None:
            try:
                limit = parse_bytes(max_memory)
            except ValueError:
                raise InputError(f"--max-memory {max_memory}: expected an amount such as 8GB or 512MB") from None
        outcome = run_batch(scenarios, out=out, jobs=jobs, scheduler=scheduler,
                            settings=_run_overrides(set_, time_limit, gap), progress=True, warm_start=warm_start,
                            maps=maps, retries=retries, max_memory=limit, resume=resume)
    except InputError as error:
        _fail_invalid(error)
        return
    except BatchInterrupted as stop:
        if stop.out is None:
            err_console.print("interrupted: no scenario had finished; nothing was written", markup=False)
        else:
            err_console.print(f"interrupted: {stop.finished} of {stop.total} scenarios finished and are in "
                              f"{stop.out}; run the same command with --resume to solve the rest", markup=False)
        raise typer.Exit(130) from None
    _finish_batch(outcome, "batch")


@app.command()
def sweep(
    case: Path = typer.Argument(..., help="case folder, .xlsx workbook or .toml scenario"),
    table_name: str = typer.Option(..., "--table", help="table whose column is swept"),
    column: str = typer.Option(..., "--column", help="numeric column multiplied by each factor"),
    where: List[str] = typer.Option([], "--where", help="only rows with COL=VALUE (repeatable; all must match)"),
    factors: str = typer.Option(..., "--factors", help="comma-separated factors, e.g. 0.5,1,2"),
    out: Optional[Path] = typer.Option(None, "--out", help="results folder (default results/<case>-sweep-<column>)"),
    jobs: Optional[int] = typer.Option(None, "--jobs", help="worker processes (default: the machine's cores)"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786"),
    set_: List[str] = typer.Option([], "--set", help="override a setting, KEY=VALUE (repeatable)"),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="solver time limit per factor, seconds"),
    gap: Optional[str] = typer.Option(None, "--gap", help="gap to stop at: a share (0.01) or a percentage (1%)"),
) -> None:
    """Multiply one input column by each factor in turn; write sweep.csv, sweep.png and the comparison."""
    from footprint.batch import as_scenario
    from footprint.sweep import parse_factors, parse_where, run_sweep, sweep_change

    try:
        problems, values, rows = [], [], {}
        try:
            values = parse_factors(factors)
        except InputError as error:
            problems += error.problems
        try:
            rows = parse_where(where)
            sweep_change(table_name, column, rows)
        except InputError as error:
            problems += error.problems
        if problems:  # every problem of the options at once
            raise InputError(problems)
        target = out if out is not None else Path("results") / f"{as_scenario(case).name}-sweep-{column}"
        outcome, _ = run_sweep(case, table_name, column, values, where=rows, out=target, jobs=jobs,
                               scheduler=scheduler, settings=_run_overrides(set_, time_limit, gap), progress=True)
    except InputError as error:
        _fail_invalid(error)
        return
    _finish_batch(outcome, "sweep")


def _stop_on_sigterm() -> None:
    """SIGTERM (a scheduler or ``kill``) stops a run as Ctrl-C does: the exception unwinds through
    every ``finally`` that removes a half-written results folder, instead of the process dying
    with its temporary files in place."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (an embedding program): leave its handlers alone
        pass


def main() -> None:
    """Console-script entry point."""
    _stop_on_sigterm()
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted: nothing was written", markup=False)
        sys.exit(130)


# The analysis commands (explain, stress, queue) live in their own module; importing it registers them.
from footprint import cli_analysis  # noqa: E402,F401

if __name__ == "__main__":
    main()
