"""Lead time that rises with utilisation (SPEC section 9): utilisation bands, Kingman's queue,
and the made-to-order sources they create.

A site runs each technology it has printers of in one band of that technology
(``utilisation_bands``): the band caps the share of printer hours used, and
everything made to order there waits the band's ``queue_days`` for a free
printer before its build starts. Kingman's G/G/1 approximation gives the wait
where the table leaves it empty::

    queue (h) = ρ/(1 − ρ) · (ca² + cs²)/2 · job_hours,   ρ = the band's max_utilisation,

in days of 24 h (ca, cs: the coefficients of variation of the time between
jobs and of a job's duration, technology columns ``cv_arrival`` and
``cv_service``). It is the wait of one queue at the band's cap: a farm of n
printers sharing one queue waits less, so the figure is a cautious one.

Levels. A made-to-order source (:func:`footprint.stock.order_sources`: the
technologies of a site with equal ``dispatch_days``) splits into *levels*, one
per distinct queue among the bands of its technologies, sorted fastest first.
A lane from level j promises the lead time of level j's queue, so a unit made
in a faster band may travel on it too: ``Down`` moves units from a level to
the next slower one at the same site. That is what lets a lane exist only at
the slowest level at which it costs what it costs (:func:`prune_levels`):
without bands every source is one level and nothing changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from footprint.case import Case

#: job hours, coefficients of variation of arrivals and of service where a technology gives none
DEFAULT_JOB_HOURS = 8.0
DEFAULT_CV_ARRIVAL = 1.0
DEFAULT_CV_SERVICE = 0.5

HOURS_PER_DAY = 24.0


def kingman_hours(utilisation, job_hours, cv_arrival, cv_service) -> np.ndarray:
    """Kingman's G/G/1 wait in hours: ρ/(1 − ρ) · (ca² + cs²)/2 · job hours; inf at ρ ≥ 1."""
    rho = np.asarray(utilisation, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(rho < 1.0, rho / (1.0 - rho), np.inf)
    variability = (np.asarray(cv_arrival, float) ** 2 + np.asarray(cv_service, float) ** 2) / 2.0
    return factor * variability * np.asarray(job_hours, float)


def kingman_days(utilisation, job_hours, cv_arrival, cv_service) -> np.ndarray:
    """Kingman's wait (:func:`kingman_hours`) in days of 24 h."""
    return kingman_hours(utilisation, job_hours, cv_arrival, cv_service) / HOURS_PER_DAY


def has_bands(case: Case) -> bool:
    """Whether the case has a ``utilisation_bands`` table with rows."""
    bands = case.table("utilisation_bands")
    return bands is not None and not bands.empty


def band_table(case: Case) -> pd.DataFrame:
    """The bands with every queue filled in: technology, band, max_utilisation, queue_days (days),
    queue_computed (True where Kingman's formula gave it). Empty without the table."""
    cols = ["technology", "band", "max_utilisation", "queue_days", "queue_computed"]
    if not has_bands(case):
        return pd.DataFrame(columns=cols)
    bands = case.table("utilisation_bands")
    techs = case.table("technologies").set_index("technology")
    t = techs.loc[bands["technology"]]
    computed = kingman_days(bands["max_utilisation"].to_numpy(float), t["job_hours"].to_numpy(float),
                            t["cv_arrival"].to_numpy(float), t["cv_service"].to_numpy(float))
    given = bands["queue_days"].to_numpy(float)
    out = bands[["technology", "band", "max_utilisation"]].assign(
        queue_days=np.where(np.isnan(given), computed, given), queue_computed=np.isnan(given))
    return out[cols].reset_index(drop=True)


def level_label(group: str, queue_days: float, banded: bool, digits: int = 2) -> str:
    """A level's source label: the group's technologies, and for a banded level the longest queue
    its units may have waited, e.g. ``SLS@q<=0.42d`` (more decimals where two queues need them)."""
    return f"{group}@q<={queue_days:.{digits}f}d" if banded else group


def order_levels(orders: pd.DataFrame, bands: pd.DataFrame) -> pd.DataFrame:
    """Made-to-order rows of :func:`footprint.stock.order_sources` (site, product, technology,
    source, dispatch_days) per band: one row per band of a banded technology, one (band '',
    queue 0) otherwise. Adds band, queue_days, group (the source before levels), rank (the
    level's position in its (site, product, group), fastest = 0) and source = the level's label."""
    rows = orders.rename(columns={"source": "group"})
    if bands.empty:
        return rows.assign(band="", queue_days=0.0, rank=0, source=rows["group"])
    rows = rows.merge(bands[["technology", "band", "queue_days"]], on="technology", how="left")
    rows["band"] = rows["band"].fillna("")
    rows["queue_days"] = rows["queue_days"].fillna(0.0)
    keys = ["site", "product", "group"]
    rows["rank"] = rows.groupby(keys)["queue_days"].rank(method="dense").astype(int) - 1
    banded = (rows["band"] != "").groupby([rows[k] for k in keys + ["rank"]]).transform("any")
    digits = _label_digits(rows)
    rows["source"] = [level_label(g, q, b, digits.get(g, 2))
                      for g, q, b in zip(rows["group"], rows["queue_days"], banded)]
    return rows.reset_index(drop=True)


def _label_digits(rows: pd.DataFrame) -> dict[str, int]:
    """Per group, the decimals that tell its distinct queues apart in their labels (two queues
    that round alike would otherwise merge two levels into one source)."""
    out = {}
    for group, queues in rows.groupby("group")["queue_days"]:
        distinct = np.unique(queues.to_numpy(float))
        for digits in (2, 3, 4, 6, 9, 12):
            if len({f"{q:.{digits}f}" for q in distinct}) == len(distinct):
                break
        out[group] = digits
    return out


def downgrades(levels: pd.DataFrame, origin: pd.Series) -> pd.DataFrame:
    """Down rows: per (site, product, group), from each level to the next slower one. Columns
    site, product, group, from_source, to_source, origin (the site's country)."""
    cols = ["site", "product", "group", "from_source", "to_source", "origin"]
    lv = levels.drop_duplicates(["site", "product", "group", "rank"]).sort_values(["site", "product", "group", "rank"])
    nxt = lv.groupby(["site", "product", "group"])["source"].shift(-1)
    out = lv.assign(from_source=lv["source"], to_source=nxt).dropna(subset=["to_source"])
    out = out.assign(origin=out["site"].map(origin).to_numpy())
    return out[cols].reset_index(drop=True)


def prune_levels(ship: pd.DataFrame, rank: np.ndarray, group: np.ndarray, keep_on_time: bool) -> np.ndarray:
    """Mask of lanes to keep: per (site, zone, product, group), a lane at level j only where it
    costs less than every kept lane at a slower level (or, with a service level, is on time where
    none of those is on time as cheaply): a slower level's lane takes the faster level's units
    through ``Down`` at no more cost, so the faster one can never be needed.

    ``rank`` and ``group`` are per lane; lanes of stock sources have group '' and are kept."""
    n = len(ship)
    if n == 0 or rank.max(initial=0) == 0:
        return np.ones(n, dtype=bool)
    cost = ship["unit_cost"].to_numpy(float)
    timely = np.where(ship["on_time"].to_numpy(bool), cost, np.inf)
    g, groups = pd.factorize(group, use_na_sentinel=False)
    # One integer per (site, zone, product, group): the lanes that compete across levels.
    s, z, p = (ship[c].to_numpy(np.int64) for c in ("_s", "_z", "_p"))
    key = ((s * (z.max() + 1) + z) * (p.max() + 1) + p) * len(groups) + g
    # Slowest level first (highest rank); within a level the cheapest lane first.
    order = np.lexsort((cost, -rank, key))
    k, r, c, t = key[order], rank[order], cost[order], timely[order]
    new_level = np.ones(n, dtype=bool)
    new_level[1:] = (k[1:] != k[:-1]) | (r[1:] != r[:-1])
    level_start = np.flatnonzero(new_level)
    level_of = np.cumsum(new_level) - 1
    # The best cost over slower levels: cumulative minimum of each level's minimum within its
    # (site, zone, product, group), shifted by one level (inf for the slowest).
    level_group = np.cumsum(np.r_[True, k[level_start][1:] != k[level_start][:-1]]) - 1
    first_level = np.r_[True, level_group[1:] != level_group[:-1]]

    def slower(values: np.ndarray) -> np.ndarray:
        # fmin: a NaN cost never hides a level's other lanes (as pandas' min skips it)
        running = pd.Series(np.fmin.reduceat(values, level_start)).groupby(level_group).cummin().to_numpy()
        shifted = np.r_[np.inf, running[:-1]]
        return np.where(first_level, np.inf, shifted)[level_of]

    keep_sorted = c < _below(slower(c))
    if keep_on_time:
        keep_sorted |= t < _below(slower(t))
    keep_sorted |= group[order] == ""
    keep = np.empty(n, dtype=bool)
    keep[order] = keep_sorted
    return keep


def _below(cost: np.ndarray, eps: float = 1e-9) -> np.ndarray:
    """A threshold just below ``cost`` (relative ``eps``), inf where the cost is inf."""
    finite = np.isfinite(cost)
    return np.where(finite, cost - eps * np.maximum(1.0, np.abs(np.where(finite, cost, 0.0))), np.inf)


def site_bands(site_tech: pd.DataFrame, bands: pd.DataFrame) -> pd.DataFrame:
    """One row per (site, technology, band) for the banded technologies a site hosts: the band's
    max_utilisation, queue_days and usable hours ū_b·H (h/printer/year), and the site's printer
    bound for the technology (pbar_max)."""
    cols = ["site", "technology", "band", "max_utilisation", "queue_days", "usable_hours", "pbar_max"]
    if bands.empty or site_tech.empty:
        return pd.DataFrame(columns=cols)
    out = site_tech[["site", "technology", "hours_per_year", "pbar_max"]].merge(
        bands[["technology", "band", "max_utilisation", "queue_days"]], on="technology")
    out["usable_hours"] = out["max_utilisation"] * out["hours_per_year"]
    return out[cols].sort_values(["site", "technology", "band"]).reset_index(drop=True)


def queue_rows(case_path, technology: str | None, utilisation: str, job_hours: float | None,
               cv_arrival: float | None, cv_service: float | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What ``footprint queue`` prints: Kingman's wait (hours and days) per technology and
    utilisation, with the job data of the case's technologies (options override them; without a
    case the defaults 8 h, 1 and 0.5 apply), and the case's bands. Raises InputError naming every
    bad option at once."""
    from footprint.case import load_case
    from footprint.errors import InputError

    problems, levels = [], []
    for part in (p.strip() for p in str(utilisation).split(",")):
        try:
            value = float(part.rstrip("%")) / (100.0 if part.endswith("%") else 1.0)
        except ValueError:
            problems.append(f"--utilisation: '{part}' is not a number")
            continue
        if not 0.0 < value < 1.0:
            problems.append(f"--utilisation: {part} is not in (0, 1) (write 0.85 or 85%)")
        levels.append(value)
    for name, value in (("--job-hours", job_hours), ("--cv-arrival", cv_arrival), ("--cv-service", cv_service)):
        if value is not None and (not np.isfinite(value) or value < 0 or (name == "--job-hours" and value == 0)):
            problems.append(f"{name}: {value:g} must be {'> 0' if name == '--job-hours' else '≥ 0'}")
    bands = pd.DataFrame(columns=["technology", "band", "max_utilisation", "queue_days", "queue_computed"])
    if case_path is not None:
        try:
            case = load_case(case_path)
        except InputError as error:
            problems += error.problems
            raise InputError(problems)
        techs = case.table("technologies")[["technology", "job_hours", "cv_arrival", "cv_service"]]
        bands = band_table(case)
    else:
        techs = pd.DataFrame([dict(technology=technology or "-", job_hours=DEFAULT_JOB_HOURS,
                                   cv_arrival=DEFAULT_CV_ARRIVAL, cv_service=DEFAULT_CV_SERVICE)])
    if technology is not None and case_path is not None:
        if technology not in set(techs["technology"]):
            problems.append(f"--technology: {technology} is not a technology of the case "
                            f"(it has {', '.join(techs['technology'])})")
        techs = techs[techs["technology"] == technology]
        bands = bands[bands["technology"] == technology]
    if problems:
        raise InputError(problems)
    for column, value in (("job_hours", job_hours), ("cv_arrival", cv_arrival), ("cv_service", cv_service)):
        if value is not None:
            techs = techs.assign(**{column: value})
    rows = techs.merge(pd.DataFrame({"utilisation": levels}), how="cross")
    rows["wait_hours"] = kingman_hours(rows["utilisation"], rows["job_hours"], rows["cv_arrival"], rows["cv_service"])
    rows["wait_days"] = rows["wait_hours"] / HOURS_PER_DAY
    return rows.reset_index(drop=True), bands.reset_index(drop=True)


def check_bands(problems, tables: dict, sources: dict) -> None:
    """Cross-table checks of ``utilisation_bands`` (file, row and column in every message): a
    band at 100 % utilisation needs its queue_days (Kingman's wait is infinite there), and a
    band's computed queue must be finite."""
    from footprint.validate import ROW

    bands = tables.get("utilisation_bands")
    if bands is None or bands.empty:
        return
    for _, row in bands[(bands["max_utilisation"] >= 1.0) & bands["queue_days"].isna()].iterrows():
        problems.add(f"{sources['utilisation_bands']} row {row[ROW]}, column queue_days",
                     f"band {row['band']} of {row['technology']} runs at 100 % utilisation, where Kingman's "
                     "queue is infinite: give its queue_days, or a max_utilisation below 1")
