"""Results as tidy tables whose cost terms sum to the objective (SPEC section 6).

Every table is keyed by readable ids, rows below ``TOLERANCE`` are dropped,
and rows are sorted by their ids so that outputs are stable between runs.
Site rows carry every cost term that belongs to a site (transport, duties,
lateness and carbon of the flows leaving it); unmet-demand penalties belong
to zones. So Σ sites.total + Σ unmet.penalty_cost = the objective.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from footprint.aggregate import spread_flows, spread_rows
from footprint.derive import ON_TIME_TOLERANCE_DAYS, ModelData
from footprint.model.costs import COST_TERMS
from footprint.model.index import lookup, take
from footprint.stock import STOCK

TOLERANCE = 1e-6  # units, printers or hours below this are reported as zero


def _clean(values: np.ndarray, integral: bool = False) -> np.ndarray:
    out = np.round(values) if integral else np.array(values, dtype=float)
    out[np.abs(out) < TOLERANCE] = 0.0
    return out


def extract_plan(values: dict[str, np.ndarray], data: ModelData) -> tuple[dict[str, pd.DataFrame], dict]:
    """Read a solution (one array per variable block) into tidy tables and cost terms (currency/year)."""
    carbon = float(data.settings["carbon_price"]) / 1000.0
    oi, st, mk, tl, sh, dm = data.open_index, data.site_tech, data.make, data.tooling, data.ship, data.demand
    opened = _clean(values["Open"], integral=True)
    printers = _clean(values["Printers"], integral=True)
    make = _clean(values["Make"])
    tooled = _clean(values["Tooled"], integral=True)
    ship = _clean(values["Ship"])
    unmet = np.zeros(len(dm))
    unmet[data.unmet_rows] = _clean(values["Unmet"])

    # production.csv: site × tier × product × technology (× band, SPEC section 9)
    prod = mk[["site", "tier", "product", "technology", "band"]].assign(
        units=make, hours=make * mk["hours_per_unit"], production_cost=make * mk["production_cost"],
        co2_kg=make * mk["co2_kg_per_unit"])
    setup = tl[["site", "product", "technology"]].assign(setup_cost=tooled * tl["setup_cost"])
    prod = prod[prod["units"] > 0]
    prod = prod.merge(setup, on=["site", "product", "technology"], how="left")
    prod["setup_cost"] = prod["setup_cost"].fillna(0.0)
    # A tooling paid without production cannot be optimal with setup_cost > 0, but
    # keep its cost visible if the solver returns one within tolerance.
    idle_setup = setup[(setup["setup_cost"] > 0) & ~setup.set_index(["site", "product", "technology"]).index.isin(
        prod.set_index(["site", "product", "technology"]).index)]
    production = prod.sort_values(["site", "product", "technology", "tier", "band"]).reset_index(drop=True)
    if not uses_bands(data):
        production = production.drop(columns="band")

    # flows.csv
    flows = sh[["site", "zone", "product", "mode", "source", "origin", "distance_km", "lead_time_days",
                "target_days", "on_time"]].assign(
        units=ship, transport_cost=ship * sh["transport_cost"], duty_cost=ship * sh["duty_cost"],
        lateness_cost=ship * sh["lateness_cost"], co2_kg=ship * sh["co2_kg"])
    flows = flows[flows["units"] > 0]
    if uses_bands(data):
        flows = _as_made(flows, prod, data)
    flows = flows[["site", "zone", "product", "mode", "source", "origin", "units", "distance_km", "lead_time_days",
                   "target_days", "on_time", "transport_cost", "duty_cost", "lateness_cost", "co2_kg"]]
    flows = flows.sort_values(["site", "zone", "product", "mode", "source", "origin"]).reset_index(drop=True)
    flows = spread_flows(flows, data)
    stock_t, transfers_t = stock_tables(values, data, ship)

    # unmet.csv
    unmet_t = dm[["zone", "product"]].assign(units=unmet, penalty_cost=unmet * dm["unmet_penalty"].fillna(0.0))
    unmet_t = unmet_t[unmet_t["units"] > 0].sort_values(["zone", "product"]).reset_index(drop=True)
    unmet_t = spread_rows(unmet_t, data, ("units", "penalty_cost"))

    # printers.csv
    hours_st = (prod.groupby(["site", "technology"])["hours"].sum() if not prod.empty
                else pd.Series(dtype=float))
    printers_t = st[["site", "technology"]].assign(printers=printers.astype(int))
    printers_t["hours_used"] = [float(hours_st.get((s, t), 0.0)) for s, t in zip(st["site"], st["technology"])]
    printers_t["hours_available"] = printers * st["hours_per_year"]
    with np.errstate(invalid="ignore", divide="ignore"):
        printers_t["utilisation"] = np.where(printers_t["hours_available"] > 0,
                                             printers_t["hours_used"] / printers_t["hours_available"], 0.0)
    printers_t["cost"] = printers * st["printer_cost"]
    if uses_bands(data):
        # The band each (site, technology) runs in, and the queue it puts on what is made to order.
        sb = data.site_bands
        chosen = sb[_clean(values["Band"], integral=True) > 0.5]
        band = printers_t[["site", "technology"]].merge(chosen[["site", "technology", "band", "queue_days"]],
                                                        on=["site", "technology"], how="left")
        printers_t["band"] = band["band"].fillna("").to_numpy()
        printers_t["queue_days"] = band["queue_days"].fillna(0.0).to_numpy(float)
    printers_t = printers_t[(printers_t["printers"] > 0) | (printers_t["hours_used"] > 0)]
    printers_t = printers_t.sort_values(["site", "technology"]).reset_index(drop=True)

    # sites.csv
    sites = data.sites[["site", "name", "country", "status"]].copy()
    open_rows = oi.assign(opened=opened)
    open_rows = open_rows[open_rows["opened"] > 0.5]
    tier_of = dict(zip(open_rows["site"], open_rows["tier"]))
    sites["open"] = sites["site"].isin(tier_of.keys())
    sites["tier"] = [tier_of.get(site, "") for site in sites["site"]]
    site_fixed = dict(zip(open_rows["site"], open_rows["site_fixed_cost"]))
    tier_fixed = dict(zip(open_rows["site"], open_rows["tier_fixed_cost"]))

    def by_site(frame: pd.DataFrame, column: str) -> pd.Series:
        if frame.empty:
            return pd.Series(0.0, index=sites.index)
        return sites["site"].map(frame.groupby("site")[column].sum()).fillna(0.0)

    sites["printers"] = by_site(printers_t, "printers").astype(int)
    sites["units_made"] = by_site(production, "units")
    sites["hours_used"] = by_site(printers_t, "hours_used")
    available = by_site(printers_t, "hours_available")
    sites["utilisation"] = np.where(available > 0, sites["hours_used"] / available.where(available > 0, 1.0), 0.0)
    sites["site_fixed"] = sites["site"].map(site_fixed).fillna(0.0)
    sites["tier_fixed"] = sites["site"].map(tier_fixed).fillna(0.0)
    sites["printers_cost"] = by_site(printers_t, "cost")
    sites["setup"] = by_site(pd.concat([production[["site", "setup_cost"]], idle_setup[["site", "setup_cost"]]]),
                             "setup_cost")
    sites["production"] = by_site(production, "production_cost")
    # What a transfer costs belongs to the site that sends it, as a flow belongs to its site.
    sent = transfers_t.rename(columns={"from_site": "site"})
    sites["transport"] = by_site(flows, "transport_cost") + by_site(sent, "transport_cost")
    sites["duties"] = by_site(flows, "duty_cost") + by_site(sent, "duty")
    sites["lateness"] = by_site(flows, "lateness_cost")
    co2_site = by_site(production, "co2_kg") + by_site(flows, "co2_kg") + by_site(sent, "co2_kg")
    sites["carbon"] = carbon * co2_site
    sites["inventory"] = by_site(stock_t, "holding_cost")
    cost_cols = ["site_fixed", "tier_fixed", "printers_cost", "setup", "production", "transport", "duties",
                 "lateness", "carbon", "inventory"]
    sites["total"] = sites[cost_cols].sum(axis=1)
    sites = sites.sort_values("site").reset_index(drop=True)

    costs = {
        "site_fixed": float(sites["site_fixed"].sum()), "tier_fixed": float(sites["tier_fixed"].sum()),
        "printers": float(sites["printers_cost"].sum()), "setup": float(sites["setup"].sum()),
        "production": float(sites["production"].sum()), "transport": float(sites["transport"].sum()),
        "duties": float(sites["duties"].sum()), "lateness": float(sites["lateness"].sum()),
        "unmet": float(unmet_t["penalty_cost"].sum()), "carbon": float(sites["carbon"].sum()),
        "inventory": float(sites["inventory"].sum()),
    }
    assert set(costs) == set(COST_TERMS)
    production = production.drop(columns="co2_kg")
    tables = {"sites": sites, "printers": printers_t, "production": production, "flows": flows, "unmet": unmet_t}
    if uses_stock(data):
        tables.update(stock=stock_t, transfers=transfers_t)
        sites.insert(4, "warehouse", data.sites["warehouse"].to_numpy(bool))
    return tables, costs


def stock_or_print(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per product, units/year printed (made) to order, shipped from a warehouse's stock and shipped
    from the stock of the site that made them (a plant's); empty without SPEC section 8."""
    if "stock" not in tables:
        return pd.DataFrame(columns=["product", "to_order", "warehouse_stock", "plant_stock"])
    flows, sites = tables["flows"], tables["sites"]
    warehouses = set(sites.loc[sites["warehouse"], "site"])
    kind = np.where(flows["source"] != STOCK, "to_order",
                    np.where(flows["site"].isin(warehouses), "warehouse_stock", "plant_stock"))
    out = flows.assign(kind=kind).pivot_table(index="product", columns="kind", values="units", aggfunc="sum")
    out = out.reindex(columns=["to_order", "warehouse_stock", "plant_stock"]).fillna(0.0)
    return out.reset_index().rename_axis(columns=None)


def _as_made(flows: pd.DataFrame, prod: pd.DataFrame, data: ModelData) -> pd.DataFrame:
    """Flows made to order with utilisation bands, shown at the level they were made at.

    A lane of a level carries units made at that level or a faster one (SPEC section 9, Down).
    Where a site made the product at one level of the lane's group (one band per site and
    technology makes this the rule), the flow's source is that level and its lead time the
    lane's with that level's queue instead of the lane's own; on_time follows. Its costs stay
    the model's: an optimal plan only uses a slower level's lane where it costs no more."""
    mk = data.make
    made = prod.merge(mk[["site", "tier", "product", "technology", "band", "source", "group", "queue_days"]],
                      on=["site", "tier", "product", "technology", "band"])
    made = made[made["group"] != ""].drop_duplicates(["site", "product", "group", "source"])
    single = made.groupby(["site", "product", "group"]).filter(lambda g: len(g) == 1)
    single = single[["site", "product", "group", "source", "queue_days"]].rename(
        columns={"source": "made_source", "queue_days": "made_queue"})
    lane_level = mk[mk["group"] != ""].drop_duplicates(["site", "product", "source"])[
        ["site", "product", "source", "group", "queue_days"]].rename(columns={"queue_days": "lane_queue"})
    out = flows.merge(lane_level, on=["site", "product", "source"], how="left").merge(
        single, on=["site", "product", "group"], how="left")
    # A flow charged lateness keeps its lane's level: shown faster, its cost would not add up.
    moved = out["made_source"].notna().to_numpy() & (out["lateness_cost"].to_numpy(float) <= 0)
    out.loc[moved, "lead_time_days"] = (out.loc[moved, "lead_time_days"] - out.loc[moved, "lane_queue"]
                                        + out.loc[moved, "made_queue"])
    out.loc[moved, "source"] = out.loc[moved, "made_source"]
    target = out["target_days"].to_numpy(float)
    out["on_time"] = np.isnan(target) | (out["lead_time_days"].to_numpy(float) <= np.where(np.isnan(target), 0.0, target)
                                                  + ON_TIME_TOLERANCE_DAYS)
    out = out[flows.columns]
    # Two lanes of one mode (the made level's and a slower one's) now read alike: one row, summed.
    keys = ["site", "zone", "product", "mode", "source", "origin"]
    if out.duplicated(keys).any():
        sums = ["units", "transport_cost", "duty_cost", "lateness_cost", "co2_kg"]
        first = [c for c in out.columns if c not in keys + sums]
        out = out.groupby(keys, as_index=False, sort=False).agg({**{c: "sum" for c in sums},
                                                                 **{c: "first" for c in first}})[flows.columns]
    return out


def uses_bands(data: ModelData) -> bool:
    """Whether the case has utilisation bands (SPEC section 9): then printers.csv gains band and
    queue_days, and production.csv band."""
    return data.site_bands is not None and len(data.site_bands) > 0


def uses_stock(data: ModelData) -> bool:
    """Whether the case can hold stock (SPEC section 8): then stock.csv and transfers.csv are written."""
    return bool((data.make["source"] == STOCK).any() or (data.ship["source"] == STOCK).any())


def stock_tables(values: dict[str, np.ndarray], data: ModelData, ship: np.ndarray
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """stock.csv and transfers.csv (SPEC section 8).

    stock: per (site, product) shipping from stock, units_from_stock T (units/year), cycle_stock
    T·R/730, safety_stock (units: the model's tangent cost over holding_rate·value, at most 1 %
    above the square-root law; the law's own figure where the unit has no value), average_stock
    and holding_cost (currency/year, the ``inventory`` term of the site's rows)."""
    st = data.settings
    sh, stocks, tg, tr = data.ship, data.stock, data.tangents, data.transfers
    from_stock = sh["source"].to_numpy() == STOCK
    table = sh.loc[from_stock, ["site", "product"]].assign(units_from_stock=ship[from_stock],
                                                           linear=ship[from_stock] * sh["inventory_cost"][from_stock])
    table = table.groupby(["site", "product"], as_index=False)[["units_from_stock", "linear"]].sum()
    table = table[table["units_from_stock"] > 0].reset_index(drop=True)
    pos = lookup(table, ["site", "product"], stocks)
    tangent_cost = np.zeros(len(table))
    if tg is not None and len(tg):
        piece = _clean(values["StockPiece"])
        chosen = _clean(values["StockChoice"], integral=True)
        per_tangent = tg["intercept"].to_numpy(float) * chosen + tg["slope"].to_numpy(float) * piece
        tangent_cost = take(np.bincount(tg["stock"].to_numpy(), weights=per_tangent, minlength=len(stocks)), pos)
    review = (data.products.set_index("product")["review_days"].reindex(table["product"])
              .fillna(float(st["review_days"])).to_numpy(float))
    throughput = table["units_from_stock"].to_numpy(float)
    factor = take(stocks["factor"].to_numpy(float), pos)
    units_factor = take(stocks["units_factor"].to_numpy(float), pos)
    # The model's safety stock: its tangent cost in units (cost / (holding_rate · value)).
    safety = np.where(factor > 0, tangent_cost * units_factor / np.where(factor > 0, factor, 1.0),
                      units_factor * np.sqrt(throughput))
    cycle = throughput * review / 730.0
    table = table.assign(cycle_stock=cycle, safety_stock=safety, average_stock=cycle + safety,
                         holding_cost=table["linear"].to_numpy(float) + tangent_cost)
    stock_t = table[["site", "product", "units_from_stock", "cycle_stock", "safety_stock", "average_stock",
                     "holding_cost"]].sort_values(["site", "product"]).reset_index(drop=True)
    cols = ["from_site", "to_site", "product", "mode", "units", "transport_cost", "duty", "co2_kg"]
    if tr is None or tr.empty:
        return stock_t, pd.DataFrame(columns=cols)
    moved = _clean(values["Transfer"])
    transfers_t = tr[["from_site", "to_site", "product", "mode"]].assign(
        units=moved, transport_cost=moved * tr["transport_cost"], duty=moved * tr["duty_cost"],
        co2_kg=moved * tr["co2_kg"])
    transfers_t = transfers_t[transfers_t["units"] > 0][cols]
    return stock_t, transfers_t.sort_values(["from_site", "to_site", "product", "mode"]).reset_index(drop=True)


def kpis(tables: dict[str, pd.DataFrame], data: ModelData) -> dict:
    """Headline figures: open sites, printers by technology, service, lead time, CO2 (tonnes)."""
    flows, sites = tables["flows"], tables["sites"]
    served = float(flows["units"].sum())
    total = float(data.demand["quantity"].sum())
    on_time = float(flows.loc[flows["on_time"].astype(bool), "units"].sum())
    keys = [k for k in ("site", "tier", "product", "technology", "band") if k in tables["production"].columns]
    moved = tables.get("transfers")
    # Production, flows and transfers: the emissions the carbon cost term prices.
    co2 = float(flows["co2_kg"].sum()) + float(
        (tables["production"].merge(data.make[keys + ["co2_kg_per_unit"]], on=keys)
         .eval("units * co2_kg_per_unit").sum()) if not tables["production"].empty else 0.0) + (
        float(moved["co2_kg"].sum()) if moved is not None and len(moved) else 0.0)
    printers = tables["printers"].groupby("technology")["printers"].sum()
    return {
        "open_sites": int(sites["open"].sum()),
        "open_site_ids": sites.loc[sites["open"], "site"].tolist(),
        "printers_by_technology": {k: int(v) for k, v in printers.items() if v > 0},
        "units_demanded": total,
        "units_served": served,
        "units_unmet": float(tables["unmet"]["units"].sum()),
        "on_time_share": on_time / total if total > 0 else 1.0,
        "mean_lead_time_days": _mean_lead_time(flows),
        "co2_tonnes": co2 / 1000.0,
    }


def _mean_lead_time(flows: pd.DataFrame) -> float | None:
    """Units-weighted mean lead time of the flows whose lanes have one (days); None when none do
    (lanes listed without transit days, where no promise needs them)."""
    known = flows[flows["lead_time_days"].notna()]
    units = float(known["units"].sum())
    return float((known["units"] * known["lead_time_days"]).sum() / units) if units > 0 else None
