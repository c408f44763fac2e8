"""Scaled synthetic cases for benchmarks (the case of PERFORMANCE.md, generalised).

N candidate sites and M demand zones drawn uniformly over Europe (latitude
38–58, longitude −8–28); P products (the first: 0.4 kg, 0.5 printer-hours per
unit, variable cost 3), T printer technologies (the first: 30,000 a year,
6,000 h at 85 %), one road mode (0.8 per unit + 0.004 per kg·km, 800 km/day,
circuity 1.2) plus an express mode when ``modes`` = 2; site fixed costs drawn
from {50k, 80k, 120k, 200k}; zone demand 50–2,000 units per product; an
unmet-demand penalty of 200 per unit; and a lead-time target per zone chosen
so that about ``sites_in_reach`` sites can reach it by road (hard policy).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from footprint.derive import haversine_km

ROAD = {"cost_per_unit": 0.8, "cost_per_kg_km": 0.004, "speed_km_per_day": 800.0, "circuity": 1.2}


def synthetic_tables(n_sites: int, n_zones: int, n_products: int = 1, n_technologies: int = 1,
                     n_modes: int = 1, sites_in_reach: int = 30, seed: int = 0) -> dict[str, pd.DataFrame]:
    """The tables of a synthetic case (see the module docstring); deterministic for a seed."""
    rng = np.random.default_rng(seed)
    site_lat, site_lon = rng.uniform(38, 58, n_sites), rng.uniform(-8, 28, n_sites)
    zone_lat, zone_lon = rng.uniform(38, 58, n_zones), rng.uniform(-8, 28, n_zones)
    sites = pd.DataFrame({
        "site": [f"S{i:04d}" for i in range(n_sites)], "lat": site_lat.round(5), "lon": site_lon.round(5),
        "country": "EU", "fixed_cost": rng.choice([50_000, 80_000, 120_000, 200_000], n_sites),
    })
    zones = pd.DataFrame({"zone": [f"Z{j:05d}" for j in range(n_zones)], "lat": zone_lat.round(5),
                          "lon": zone_lon.round(5), "country": "EU"})
    # Target per zone: the road transit time to its k-th nearest site, in chunks to bound memory.
    k = min(sites_in_reach, n_sites)
    target = np.empty(n_zones)
    for lo in range(0, n_zones, 2000):
        hi = min(n_zones, lo + 2000)
        dist = haversine_km(zone_lat[lo:hi, None], zone_lon[lo:hi, None], site_lat[None, :], site_lon[None, :])
        kth = np.partition(dist, k - 1, axis=1)[:, k - 1]
        target[lo:hi] = kth * ROAD["circuity"] / ROAD["speed_km_per_day"]
    target = np.ceil(target * 1000 + 1) / 1000  # days, rounded up so the k-th site is on time
    products = pd.DataFrame({"product": [f"P{p:02d}" for p in range(n_products)],
                             "weight_kg": np.r_[0.4, rng.uniform(0.05, 3.0, n_products - 1)].round(3)})
    techs = pd.DataFrame({"technology": [f"T{t}" for t in range(n_technologies)],
                          "printer_cost": np.r_[30_000, rng.uniform(20_000, 90_000, n_technologies - 1)].round(0),
                          "hours_per_year": np.r_[6_000, rng.uniform(5_000, 7_000, n_technologies - 1)].round(0),
                          "max_utilisation": 0.85})
    proc = pd.DataFrame([(p, t) for p in products["product"] for t in techs["technology"]],
                        columns=["product", "technology"])
    first = (proc["product"] == "P00") & (proc["technology"] == "T0")
    proc["hours_per_unit"] = np.where(first, 0.5, rng.uniform(0.1, 2.0, len(proc)).round(3))
    proc["variable_cost"] = np.where(first, 3.0, rng.uniform(1.0, 20.0, len(proc)).round(2))
    demand = pd.DataFrame({
        "zone": np.repeat(zones["zone"].to_numpy(), n_products),
        "product": np.tile(products["product"].to_numpy(), n_zones),
        "quantity": rng.integers(50, 2001, n_zones * n_products),
        "lead_time_target_days": np.repeat(target, n_products),
        "unmet_penalty": 200.0,
    })
    modes = [dict(mode="road", **ROAD)]
    if n_modes > 1:
        modes.append(dict(mode="express", cost_per_unit=4.0, cost_per_kg_km=0.008, speed_km_per_day=1500.0,
                          circuity=1.2))
    return {"sites": sites, "technologies": techs, "products": products, "processes": proc, "zones": zones,
            "demand": demand, "modes": pd.DataFrame(modes)}


def write_tables(folder: str | Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Write tables as a case folder, one CSV per table (``folder`` is created)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def write_synthetic(folder: str | Path, **kwargs) -> Path:
    """Write a synthetic case as a CSV folder (see :func:`synthetic_tables` for the arguments)."""
    return write_tables(folder, synthetic_tables(**kwargs))
