"""Beasley's OR-Library capacitated warehouse location files as footprint cases.

Mapping (so that the case's optimal objective equals the instance's optimum):

- each warehouse i is a site ``W<i>`` with ``fixed_cost`` = f_i and no
  coordinates; every site and zone is in one country ``XX`` (no duties);
- capacity is one printer of a technology ``cap<Q>`` with
  ``hours_per_year`` = Q, ``max_utilisation`` = 1 and ``printer_cost`` = 0,
  listed in ``site_technologies`` with ``max_printers`` = 1; one product
  ``unit`` takes 1 hour per unit on every such technology, so a site ships at
  most Q units and only when open;
- each customer j is a zone ``C<j>`` with demand d_j of ``unit``;
- each (i, j) is a listed lane by mode ``direct`` with ``cost_per_unit`` =
  c_ij / d_j (Beasley's c_ij is the cost of serving all of j's demand) and
  ``transit_days`` = 0; there is no ``modes`` table;
- ``single_sourcing`` = true reproduces the single-source variant.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from footprint.errors import InputError


def parse_orlib(path: str | Path, capacity: float | None = None) -> dict:
    """Parse a Beasley file into m, n, capacities, fixed costs, demands and costs (c_ij totals)."""
    path = Path(path)
    try:
        tokens = path.read_text().split()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None

    def number(pos: int) -> float:
        word = tokens[pos]
        if word == "capacity":
            if capacity is None:
                raise InputError(f"{path}: the file's capacity column holds the word 'capacity'; "
                                 "give the value with --capacity N")
            return float(capacity)
        try:
            return float(word)
        except ValueError:
            raise InputError(f"{path}: token {pos + 1} ('{word}') is not a number") from None

    try:
        m, n = int(number(0)), int(number(1))
        pos = 2
        caps, fixed = [], []
        for _ in range(m):
            caps.append(number(pos))
            fixed.append(number(pos + 1))
            pos += 2
        demand, cost = [], []
        for _ in range(n):
            demand.append(number(pos))
            cost.append([number(pos + 1 + i) for i in range(m)])
            pos += 1 + m
    except IndexError:
        raise InputError(f"{path}: the file ends early; expected {m} sites and {n} customers") from None
    if capacity is not None:
        caps = [float(capacity)] * m
    return {"m": m, "n": n, "capacity": caps, "fixed_cost": fixed, "demand": demand, "cost": cost}


def orlib_tables(path: str | Path, capacity: float | None = None, single_source: bool = False
                 ) -> dict[str, pd.DataFrame]:
    """The case tables of a Beasley instance (see the module docstring for the mapping)."""
    inst = parse_orlib(path, capacity)
    m, n = inst["m"], inst["n"]
    sites = [f"W{i + 1}" for i in range(m)]
    zones = [f"C{j + 1}" for j in range(n)]
    caps = sorted(set(inst["capacity"]))
    tech_of = {q: f"cap{q:g}" for q in caps}
    lanes = [
        (sites[i], zones[j], "direct", inst["cost"][j][i] / inst["demand"][j], 0.0)
        for j in range(n) if inst["demand"][j] > 0 for i in range(m)
    ]
    settings = [("currency", "cost"), ("single_sourcing", str(single_source).lower()),
                ("mip_gap", "0")]
    return {
        "sites": pd.DataFrame({"site": sites, "country": "XX", "fixed_cost": inst["fixed_cost"]}),
        "technologies": pd.DataFrame({"technology": [tech_of[q] for q in caps], "printer_cost": 0.0,
                                      "hours_per_year": caps, "max_utilisation": 1.0}),
        "site_technologies": pd.DataFrame({"site": sites, "technology": [tech_of[q] for q in inst["capacity"]],
                                           "max_printers": 1}),
        "products": pd.DataFrame({"product": ["unit"], "weight_kg": [0.0]}),
        "processes": pd.DataFrame({"product": "unit", "technology": [tech_of[q] for q in caps],
                                   "hours_per_unit": 1.0}),
        "zones": pd.DataFrame({"zone": zones, "country": "XX"}),
        "demand": pd.DataFrame({"zone": zones, "product": "unit", "quantity": inst["demand"]}),
        "lanes": pd.DataFrame(lanes, columns=["site", "zone", "mode", "cost_per_unit", "transit_days"]),
        "settings": pd.DataFrame(settings, columns=["key", "value"]),
    }


def import_orlib(path: str | Path, out_dir: str | Path, capacity: float | None = None,
                 single_source: bool = False) -> Path:
    """Write a Beasley instance as a case folder of CSV files; return the folder."""
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out}: exists and is not empty; choose a new folder (nothing was written)")
    tables = orlib_tables(path, capacity, single_source)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(out / f"{name}.csv", index=False, float_format="%.17g")
    return out
