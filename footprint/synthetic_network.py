"""Generated general cases: a North American spare-parts network at any size (issue 12 benchmarks).

Where :mod:`footprint.synthetic` makes the one-technology textbook case, this
makes the shape real networks have: every candidate hub may host three
printer technologies at one of three size tiers, parts compete for its
printers, one existing moulding plant in Asia makes every part in bulk (with
tooling per part), duties apply by origin and destination, and four modes
carry the goods (road and express from the hubs; air and sea only from the
plant). Every hub may serve every city its modes reach in time.

Figures are plausible round numbers, not data: cities uniform over the
contiguous United States, southern Canada and northern Mexico (latitude
25–50, longitude −123 to −70; country by latitude and longitude); hubs
likewise, fixed cost 60–220 thousand a year; technologies FDM (8,000 a year),
SLS (30,000), MJF (160,000) with 6,000 usable hours at 85 %; tiers micro
(25,000, 4 printers, cost ×1.3), hub (120,000, 30, ×1.05), plant (450,000,
120, ×0.9); part weights 0.05–1.5 kg, values 2–40; every part mouldable in
Asia (setup 3,000 a year per part) and printable on one to three
technologies; demand per city and part drawn from a long-tailed
distribution; promises of 3, 5, 7 or 14 days by part; unmet penalty 150 a
unit; duties of 0–25 % into the United States, 6 % into Canada, 10 % into
Mexico from China, none inside USMCA.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from footprint.synthetic import write_tables

PLANT = dict(site="NGB", name="Ningbo moulding plant", lat=29.87, lon=121.54, country="CN", fixed_cost=0.0,
             status="open", lead_time_days=2.0)
TECHNOLOGIES = pd.DataFrame({
    "technology": ["FDM", "SLS", "MJF", "IM"],
    "printer_cost": [8_000.0, 30_000.0, 160_000.0, 60_000.0],
    "hours_per_year": [6_000.0, 6_000.0, 6_000.0, 7_200.0],
    "max_utilisation": 0.85,
    "min_utilisation": [0.0, 0.2, 0.3, 0.0],
})
TIERS = pd.DataFrame({"tier": ["micro", "hub", "plant"], "fixed_cost": [25_000.0, 120_000.0, 450_000.0],
                      "max_printers": [4, 30, 120], "cost_multiplier": [1.3, 1.05, 0.9]})
MODES = pd.DataFrame({
    "mode": ["road", "express", "air", "sea"],
    "cost_per_unit": [4.0, 10.0, 6.0, 5.5],
    "cost_per_kg_km": [0.0012, 0.0025, 0.0004, 0.00003],
    "speed_km_per_day": [700.0, 1200.0, 8000.0, 700.0],
    "handling_days": [0.4, 0.3, 4.0, 12.0],
    "circuity": [1.25, 1.2, 1.1, 2.0],
    "max_distance_km": [4500.0, 3000.0, np.nan, np.nan],
})


def _country(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """CA north of 49°, MX south of 31° (west of −97°) or 26° (east), US between."""
    mexico = (lat < 31) & (lon < -97) | (lat < 26)
    return np.where(lat >= 49, "CA", np.where(mexico, "MX", "US"))


def network_tables(n_zones: int = 600, n_products: int = 30, n_hubs: int = 60, seed: int = 0
                   ) -> dict[str, pd.DataFrame]:
    """The tables of a generated general case (see the module docstring); deterministic for a seed."""
    rng = np.random.default_rng(seed)
    zlat, zlon = rng.uniform(25, 50, n_zones), rng.uniform(-123, -70, n_zones)
    zones = pd.DataFrame({"zone": [f"C{j:04d}" for j in range(n_zones)], "lat": zlat.round(4),
                          "lon": zlon.round(4), "country": _country(zlat, zlon)})
    hlat, hlon = rng.uniform(27, 49, n_hubs), rng.uniform(-121, -72, n_hubs)
    hubs = pd.DataFrame({"site": [f"H{i:03d}" for i in range(n_hubs)], "name": "",
                         "lat": hlat.round(4), "lon": hlon.round(4), "country": _country(hlat, hlon),
                         "fixed_cost": rng.uniform(60_000, 220_000, n_hubs).round(-2), "status": "candidate",
                         "lead_time_days": 1.0})
    hubs["name"] = "hub " + hubs["site"]
    sites = pd.concat([hubs, pd.DataFrame([PLANT])], ignore_index=True)
    site_tech = pd.concat([pd.DataFrame({"site": np.repeat(hubs["site"].to_numpy(), 3),
                                         "technology": np.tile(["FDM", "SLS", "MJF"], n_hubs)}),
                           pd.DataFrame({"site": ["NGB"], "technology": ["IM"]})], ignore_index=True)
    site_tech["max_printers"] = np.where(site_tech["technology"] == "IM", 40, np.nan)

    classes = np.array(["8516", "8421", "3926"])
    products = pd.DataFrame({"product": [f"P{p:03d}" for p in range(n_products)],
                             "weight_kg": rng.uniform(0.05, 1.5, n_products).round(3),
                             "value": rng.uniform(2, 40, n_products).round(2),
                             "duty_class": rng.choice(classes, n_products)})
    rows = []
    for p in products["product"]:
        rows.append(dict(product=p, technology="IM", hours_per_unit=round(rng.uniform(0.005, 0.02), 4),
                         variable_cost=round(rng.uniform(0.5, 4.0), 2), setup_cost=3000.0))
        for tech in rng.choice(["FDM", "SLS", "MJF"], rng.integers(1, 4), replace=False):
            hours = {"FDM": (0.3, 1.5), "SLS": (0.1, 0.5), "MJF": (0.04, 0.15)}[tech]
            rows.append(dict(product=p, technology=tech, hours_per_unit=round(rng.uniform(*hours), 3),
                             variable_cost=round(rng.uniform(2.0, 12.0), 2), setup_cost=0.0))
    processes = pd.DataFrame(rows)

    promise = rng.choice([3.0, 5.0, 7.0, 14.0], n_products, p=[0.2, 0.3, 0.3, 0.2])
    size = rng.lognormal(0.0, 1.0, n_zones)                    # city size
    popularity = rng.lognormal(0.0, 1.2, n_products)           # long tail of parts
    quantity = np.outer(size, popularity) * 40 * rng.uniform(0.5, 1.5, (n_zones, n_products))
    demand = pd.DataFrame({"zone": np.repeat(zones["zone"].to_numpy(), n_products),
                           "product": np.tile(products["product"].to_numpy(), n_zones),
                           "quantity": np.maximum(quantity.ravel(), 1.0).round(1),
                           "lead_time_target_days": np.tile(promise, n_zones), "unmet_penalty": 150.0})

    # Air and sea only from the plant: every hub lane by those modes is listed as not allowed.
    pairs = pd.MultiIndex.from_product([hubs["site"], zones["zone"], ["air", "sea"]],
                                       names=["site", "zone", "mode"]).to_frame(index=False)
    lanes = pairs.assign(allowed=False)
    groups = pd.DataFrame({"group": ["USMCA"] * 3, "country": ["US", "CA", "MX"]})
    duties = pd.DataFrame([
        dict(origin="USMCA", destination="USMCA", duty_class="*", rate=0.0, per_unit=0.0),
        dict(origin="CN", destination="US", duty_class="8516", rate=0.25, per_unit=0.3),
        dict(origin="CN", destination="US", duty_class="8421", rate=0.10, per_unit=0.3),
        dict(origin="CN", destination="US", duty_class="3926", rate=0.05, per_unit=0.3),
        dict(origin="CN", destination="CA", duty_class="*", rate=0.06, per_unit=0.3),
        dict(origin="CN", destination="MX", duty_class="*", rate=0.10, per_unit=0.3),
    ])
    settings = pd.DataFrame({"key": ["currency", "lead_time_policy"], "value": ["USD", "hard"]})
    return {"sites": sites, "technologies": TECHNOLOGIES.copy(), "tiers": TIERS.copy(),
            "site_technologies": site_tech, "products": products, "processes": processes, "zones": zones,
            "demand": demand, "modes": MODES.copy(), "lanes": lanes, "country_groups": groups,
            "duties": duties, "settings": settings}


def write_network(folder: str | Path, **kwargs) -> Path:
    """Write a generated general case as a CSV folder (arguments of :func:`network_tables`)."""
    return write_tables(folder, network_tables(**kwargs))
