"""A validated case: typed tables plus settings, ready for derivation.

:func:`load_case` is the one door in: it reads the tables, runs every check
of :mod:`footprint.validate` and the cross-table checks here, and raises one
:class:`~footprint.errors.InputError` listing every problem found.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from footprint import settings as settings_mod
from footprint.duties import match_duties
from footprint.errors import InputError, Problems
from footprint.io.tables import RawTable, read_tables
from footprint.validate import ROW, validate_tables


@dataclass
class Case:
    """A validated case.

    ``tables`` maps table name to a typed DataFrame (schema columns, defaults
    filled, plus ``_row``, the row number in the source file). ``sources``
    maps table name to the file or sheet it came from, for messages.
    ``settings`` holds every setting of SPEC section 4 after overrides.
    """

    name: str
    tables: dict[str, pd.DataFrame]
    settings: dict[str, object]
    sources: dict[str, str] = field(default_factory=dict)
    input_hash: str = ""
    timings: dict = field(default_factory=dict)  # load, validate (seconds)

    def table(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def with_settings(self, overrides: Mapping[str, object] | None, origin: str = "settings") -> "Case":
        """A copy with settings overridden; values may be text (parsed and checked).

        ``origin`` names where the overrides come from in messages, e.g.
        ``--set`` or a scenario file.
        """
        if not overrides:
            return self
        problems = Problems()
        values = dict(self.settings)
        for key, value in overrides.items():
            try:
                values[key] = settings_mod.parse_setting(key, value)
            except ValueError as exc:
                problems.add(f"{origin} {key}", str(exc))
        for key, text in settings_mod.check_consistency(values):
            problems.add(f"{origin} {key}", text)
        problems.raise_if_any()
        return replace(self, settings=values)


def _hash_tables(raw: dict[str, RawTable]) -> str:
    digest = hashlib.sha256()
    for name in sorted(raw):
        digest.update(name.encode())
        digest.update(raw[name].frame.to_csv(index=False).encode())
    return digest.hexdigest()[:16]


def _check_coordinates(problems: Problems, tables: dict, sources: dict) -> None:
    """Sites and zones need lat and lon unless every lane they take part in is listed.

    With a ``modes`` table every site × zone × mode lane exists; a lane whose
    site or zone has no coordinates must then be listed in ``lanes`` with a
    ``distance_km`` or ``allowed = false``.
    """
    sites, zones, modes, lanes = (tables.get(n) for n in ("sites", "zones", "modes", "lanes"))
    for name, frame in (("sites", sites), ("zones", zones)):
        if frame is None or "lat" not in frame:
            continue
        half = frame["lat"].isna() != frame["lon"].isna()
        for _, row in frame[half].iterrows():
            col = "lat" if np.isnan(row["lat"]) else "lon"
            problems.add(f"{sources[name]} row {row[ROW]}, column {col}", "give both lat and lon, or neither")
    if modes is None or sites is None or zones is None or modes.empty:
        return
    active = sites[sites["status"] != "closed"]
    no_site = active[active["lat"].isna() | active["lon"].isna()]
    no_zone = zones[zones["lat"].isna() | zones["lon"].isna()]
    if no_site.empty and no_zone.empty:
        return
    covered = set()
    if lanes is not None and not lanes.empty:
        ok = lanes[lanes["distance_km"].notna() | ~lanes["allowed"]]
        covered = set(zip(ok["site"], ok["zone"], ok["mode"]))
    mode_ids = list(modes["mode"])
    for name, frame, others, other_ids in (("sites", no_site, "zones", list(zones["zone"])),
                                           ("zones", no_zone, "sites", list(active["site"]))):
        for _, row in frame.iterrows():
            ident = row[name[:-1]]
            missing = []
            for other in other_ids:
                for mode in mode_ids:
                    lane = (ident, other, mode) if name == "sites" else (other, ident, mode)
                    if lane not in covered:
                        missing.append(lane)
            if missing:
                s, k, m = missing[0]
                problems.add(f"{sources[name]} row {row[ROW]}, column lat",
                             f"no coordinates, and {len(missing)} of its lanes are not listed in lanes "
                             f"with distance_km (e.g. site {s} to zone {k} by {m})")


def _check_lanes_without_modes(problems: Problems, tables: dict, sources: dict, settings: dict) -> None:
    """Without a modes table, each listed lane must carry its own cost, and its transit time
    where something needs it: a lead-time target on the demand of its zone, or a service level
    (classic plant-location data has costs and no times)."""
    lanes = tables.get("lanes")
    if "modes" in tables or lanes is None:
        return
    live = lanes[lanes["allowed"]]
    for _, row in live[live["cost_per_unit"].isna()].iterrows():
        problems.add(f"{sources['lanes']} row {row[ROW]}, column cost_per_unit",
                     "missing value: without a modes table every lane needs its cost_per_unit")
    untimed = live[live["transit_days"].isna()]
    if untimed.empty:
        return
    demand = tables.get("demand")
    targeted = demand[demand["lead_time_target_days"].notna()] if demand is not None else None
    first_target = {} if targeted is None else targeted.groupby("zone")[ROW].first().to_dict()
    level = settings.get("min_service_level")
    for _, row in untimed.iterrows():
        if row["zone"] in first_target:
            why = (f"zone {row['zone']} has a lead-time target ({sources.get('demand', 'demand')} row "
                   f"{first_target[row['zone']]}), which needs the lane's transit days")
        elif level is not None:
            why = f"min_service_level = {level:g} counts on-time units, which needs every lane's transit days"
        else:
            continue
        problems.add(f"{sources['lanes']} row {row[ROW]}, column transit_days", f"missing value: {why}")


def _check_duty_ties(problems: Problems, tables: dict, sources: dict) -> None:
    duties = tables.get("duties")
    if duties is None or duties.empty or "sites" not in tables or "zones" not in tables or "products" not in tables:
        return
    _, ties = match_duties(duties, tables.get("country_groups"),
                           sorted(set(tables["products"]["duty_class"])),
                           sorted(set(tables["sites"]["country"])), sorted(set(tables["zones"]["country"])))
    by_row = duties.set_index(ROW)
    if len(ties) > 20:
        problems.add_more(sources["duties"], len(ties) - 20, "ambiguous duty matches")
    for cls, origin, dest, rows in ties[:20]:
        a, b = by_row.loc[rows[0]], by_row.loc[rows[1]]
        column = next((c for c in ("duty_class", "origin", "destination") if a[c] != b[c]), "origin")
        problems.add(f"{sources['duties']} row {rows[1]}, column {column}",
                     f"ambiguous duty: rows {', '.join(map(str, rows))} match duty class {cls} from {origin} "
                     f"to {dest} equally specifically; make one more specific or remove one")


def _check_stock(problems: Problems, tables: dict, sources: dict) -> None:
    """SPEC section 8 across tables: transfers go from a site that makes to stock to a warehouse;
    a warehouse can be supplied; a customs union is marked alike on all its rows, and a country
    is in one union at most."""
    sites, techs, st, transfers = (tables.get(n) for n in ("sites", "technologies", "site_technologies",
                                                            "transfers"))
    if sites is None or techs is None:
        return
    to_stock = set(techs.loc[techs["make_to_stock"], "technology"])
    active = sites[sites["status"] != "closed"]
    # A transfers row is checked against what its sites are, open or closed: closing a site (a
    # what-if) leaves its rows unused, not wrong.
    if st is None:
        able = set(sites["site"]) if to_stock else set()
    else:
        able = set(st.loc[st["technology"].isin(to_stock), "site"])
    makers = able & set(active["site"])
    if transfers is not None and not transfers.empty:
        for _, row in transfers.iterrows():
            where = f"{sources['transfers']} row {row[ROW]}"
            if row["to_site"] not in set(sites.loc[sites["warehouse"], "site"]) and row["to_site"] in set(sites["site"]):
                problems.add(f"{where}, column to_site",
                             f"site {row['to_site']} is not a warehouse (set warehouse = true in sites, or remove "
                             "the row): only warehouses receive transfers")
            if row["from_site"] not in able and row["from_site"] in set(sites["site"]):
                problems.add(f"{where}, column from_site",
                             f"site {row['from_site']} hosts no make_to_stock technology, so it has nothing to "
                             "transfer")
    listed = set() if transfers is None or transfers.empty else set(transfers.loc[transfers["allowed"], "to_site"])
    can_compute = "modes" in tables
    for _, row in active[active["warehouse"]].iterrows():
        others = makers - {row["site"]}
        if not others:
            why = ("no other site hosts a make_to_stock technology (technologies.make_to_stock"
                   + (", site_technologies" if st is not None else "") + ")")
        elif not can_compute and row["site"] not in listed:
            why = "no transfers row reaches it, and without a modes table only listed transfers exist"
        else:
            continue
        problems.add(f"{sources['sites']} row {row[ROW]}, column warehouse",
                     f"warehouse {row['site']} can never be supplied: {why}")
    groups = tables.get("country_groups")
    if groups is not None and not groups.empty:
        mixed = groups.groupby("group")["customs_union"].nunique()
        for group in mixed[mixed > 1].index:
            rows = groups[groups["group"] == group]
            problems.add(f"{sources['country_groups']} row {rows[ROW].iloc[-1]}, column customs_union",
                         f"group {group} is marked customs_union true on some rows and false on others; "
                         "mark every row alike")
        unions = groups[groups["customs_union"]]
        twice = unions[unions.duplicated("country", keep="first")]
        for _, row in twice.iterrows():
            first = unions[unions["country"] == row["country"]]["group"].iloc[0]
            problems.add(f"{sources['country_groups']} row {row[ROW]}, column country",
                         f"country {row['country']} is in two customs unions ({first} and {row['group']}); "
                         "a country belongs to one customs territory")


def _in_force(case_settings: dict, overrides: Mapping[str, object] | None) -> dict:
    """The case's settings with the overrides that parse (the others are reported later)."""
    values = dict(case_settings)
    for key, value in (overrides or {}).items():
        try:
            values[key] = settings_mod.parse_setting(key, value)
        except ValueError:
            pass
    return values


def load_case(source: str | Path | Mapping[str, pd.DataFrame], settings: Mapping[str, object] | None = None,
              name: str | None = None, settings_origin: str = "settings") -> Case:
    """Read and validate a case.

    ``source`` is a folder of CSV files, an ``.xlsx`` workbook, a ``.toml``
    scenario file (SPEC section 5, see :mod:`footprint.scenario`), or a mapping
    of table name to DataFrame. ``settings`` overrides the case's settings
    table (and a scenario's). Raises :class:`InputError` listing every problem found.
    """
    if isinstance(source, (str, Path)) and Path(source).suffix.lower() == ".toml":
        from footprint.scenario import load_scenario_case

        case = load_scenario_case(source, settings=settings, settings_origin=settings_origin)
        return replace(case, name=name) if name else case
    timings = {}
    start = time.perf_counter()
    # A scenario hands over its changed tables as an object with read_tables().
    case_name, raw = source.read_tables() if hasattr(source, "read_tables") else read_tables(source)
    timings["load"] = time.perf_counter() - start
    start = time.perf_counter()
    container = str(source) if not isinstance(source, Mapping) else "case"
    problems = Problems()
    typed, case_settings, bad = validate_tables(raw, container, problems)
    sources = {n: r.source for n, r in raw.items()}
    # Cross-table checks run on every table that passed its own checks, so one
    # run reports as many problems as can be found reliably.
    if not bad & {"sites", "zones", "modes", "lanes"}:
        _check_coordinates(problems, typed, sources)
    if not bad & {"duties", "country_groups", "sites", "zones", "products"}:
        _check_duty_ties(problems, typed, sources)
    if not bad & {"sites", "technologies", "site_technologies", "transfers", "country_groups"}:
        _check_stock(problems, typed, sources)
    if not bad & {"technologies", "utilisation_bands"}:
        from footprint.bands import check_bands  # bands imports Case from here

        check_bands(problems, typed, sources)
    if not bad & {"lanes", "modes", "demand"}:
        # What the lanes must carry depends on the settings in force (a --set service level too).
        _check_lanes_without_modes(problems, typed, sources, _in_force(case_settings, settings))
    problems.raise_if_any()
    case = Case(name or case_name, typed, case_settings, sources, _hash_tables(raw))
    case = case.with_settings(settings, origin=settings_origin)
    timings["validate"] = time.perf_counter() - start
    case.timings = timings
    return case
