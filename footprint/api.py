"""The Python API behind the command line: load, derive, build, solve, read back."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from footprint import __version__
from footprint.aggregate import full_demand, merged_keys
from footprint.case import Case, load_case
from footprint.derive import ModelData, derive
from footprint.diagnose import elastic_diagnosis, setting_conflicts, unreachable_demand
from footprint.model import build_blocks
from footprint.model.costs import COST_TERMS
from footprint.plan import extract_plan, kpis
from footprint.profile import plan_profile
from footprint.settings import same_derivation
from footprint.solve import solve_pyomo
from footprint.start import wants_start
from footprint.strategy import solve_blocks

#: ``extra_constraints(model, data)``: adds rules to the Pyomo model before it is solved
ExtraConstraints = Callable[[object, object], None]

#: ``extra_rows(data, blocks)``: returns rows (a RowBlock or a list of them) to add to the model's arrays
ExtraRows = Callable[[object, object], object]

#: what a run with ``extra_constraints`` says when the model is large enough for the stages
PYOMO_EXTENSION_NOTE = ("extra_constraints: the model was solved through Pyomo by HiGHS alone, without the "
                        "starting plan or the Lagrangian stage (docs/SPEC.md clarifications 13-15); rules "
                        "given as extra_rows keep them")

#: statuses under which the result holds a plan (exit status 0)
PLAN_STATUSES = {"optimal", "time_limit", "iteration_limit", "objective_limit", "interrupted"}


@dataclass
class Result:
    """The outcome of one solve.

    ``status``: optimal, time_limit (a plan within the limits, see ``mip_gap``),
    infeasible, …; ``objective``, ``best_bound`` and ``costs`` in currency per
    year; ``tables``: sites, printers, production, flows, unmet; ``messages``:
    the diagnosis when there is no plan; ``timings`` in seconds.
    """

    case_name: str
    status: str
    objective: float | None = None
    best_bound: float | None = None
    mip_gap: float | None = None
    costs: dict = field(default_factory=lambda: {k: 0.0 for k in COST_TERMS})
    kpis: dict = field(default_factory=dict)
    profile: dict = field(default_factory=dict)  # footprint.profile: how distributed the plan is
    geo: dict = field(default_factory=dict)      # sites and zones with lat, lon (and demand): the maps'
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    model_size: dict = field(default_factory=dict)
    values: dict | None = None  # the plan as one array per variable block (for warm starts)
    settings: dict = field(default_factory=dict)
    input_hash: str = ""
    version: str = __version__

    @property
    def has_plan(self) -> bool:
        return self.status in PLAN_STATUSES and self.objective is not None

    def summary(self) -> dict:
        """The content of ``summary.json``."""
        return {
            "case": self.case_name, "status": self.status, "objective": self.objective,
            "best_bound": self.best_bound, "mip_gap": self.mip_gap,
            "currency": self.settings.get("currency"), "costs": self.costs, "kpis": self.kpis,
            "profile": self.profile,
            "messages": self.messages, "timings": self.timings, "model_size": self.model_size,
            "settings": self.settings, "version": self.version, "input_hash": self.input_hash,
        }


def solve_case(source: Case | str | Path | Mapping[str, pd.DataFrame], settings: Mapping[str, object] | None = None,
               extra_constraints: ExtraConstraints | None = None, backend: str = "highs",
               warm_start: "Result | None" = None, tee: bool = False,
               extra_rows: ExtraRows | None = None, progress=None, stage=None,
               derived: ModelData | None = None) -> Result:
    """Validate, derive, build and solve a case; return the plan as a :class:`Result`.

    ``source`` is a :class:`Case` or anything :func:`load_case` reads; ``settings``
    overrides the case settings (SPEC section 4). ``backend``: ``highs`` hands
    the model's arrays straight to HiGHS; ``pyomo`` writes it as a Pyomo model
    first (chosen automatically when ``extra_constraints(model, data)`` is
    given, which may add Pyomo components). ``warm_start``: an earlier
    :class:`Result` whose plan seeds the solver (ignored where it does not fit).
    ``extra_rows(data, blocks)``: the array-level extension hook; it returns
    rows (:class:`footprint.model.blocks.RowBlock`, built with ``row_block``
    and ``add`` on the variable blocks ``Open``, ``Printers``, ``Make``, …)
    that join the model, and every stage of the solve respects them (plans
    satisfy them; bounds that leave them out stay proven).
    ``extra_constraints`` needs the Pyomo back end, which runs HiGHS alone:
    on models large enough for the starting plan or the Lagrangian stage
    the result's ``messages`` say they were off.
    ``progress(plan cost, bound)``: called as the solve's best plan or proven
    bound improves (currency/year; None where there is none yet). ``stage(name)``: called as
    the solve enters each stage: prepare, build, bound (the Lagrangian stage), start (a starting
    plan), search (HiGHS).
    ``derived``: the derived data (:func:`footprint.derive.derive`) of this case under settings
    that differ from its own only in solve settings (:data:`footprint.settings.SOLVE_ONLY`), e.g.
    shared by a batch's scenarios; it is used instead of deriving again (ValueError otherwise).
    Raises :class:`InputError` on invalid input. A case with no feasible plan
    returns ``status='infeasible'`` with the reasons in ``messages``.
    """
    if isinstance(source, Case):
        case = source.with_settings(settings)
    else:
        case = load_case(source, settings=settings)
    timings = {"load": case.timings.get("load", 0.0), "validate": case.timings.get("validate", 0.0)}

    announce = stage or (lambda name: None)
    announce("prepare")
    start = time.perf_counter()
    if derived is None:
        data = derive(case, every_lane=extra_rows is not None or extra_constraints is not None)
    elif extra_rows is not None or extra_constraints is not None or not same_derivation(derived.settings,
                                                                                           case.settings):
        raise ValueError("solve_case: the derived data given was derived under other settings or without "
                         "the lanes extra rows or constraints need; derive this case itself")
    else:
        data = replace(derived, settings=dict(case.settings))
    timings["derive"] = time.perf_counter() - start
    base = dict(case_name=case.name, settings=dict(case.settings), input_hash=case.input_hash, timings=timings)

    reasons = unreachable_demand(case, data) + setting_conflicts(data)
    if reasons:
        return Result(status="infeasible", messages=reasons, **base)

    announce("build")
    start = time.perf_counter()
    blocks = build_blocks(data)
    if extra_rows is not None:
        added = extra_rows(data, blocks)
        added = [] if added is None else added if isinstance(added, list) else [added]
        blocks.rows.extend(r for r in added if r.size > 0)
    notes = []
    if extra_constraints is not None or backend == "pyomo":
        from footprint.model.pyomo_backend import to_pyomo

        m = to_pyomo(blocks)
        if extra_constraints is not None:
            extra_constraints(m, data)
            if wants_start(blocks, case.settings):
                notes.append(PYOMO_EXTENSION_NOTE)
        timings["build"] = time.perf_counter() - start
        announce("search")
        outcome = solve_pyomo(m, blocks, case.settings, tee=tee)
    else:
        timings["build"] = time.perf_counter() - start
        start_values = warm_start_values(warm_start, data) if warm_start is not None else None
        outcome = solve_blocks(blocks, case.settings, warm_start=start_values, tee=tee, data=data,
                               progress=progress, stage=announce)
    timings.update(outcome.timings)
    timings["solve"] = outcome.timings["handoff"] + outcome.timings["solver"]
    status = status_within_gap(outcome.status, outcome.mip_gap, float(case.settings["mip_gap"]))
    result = Result(status=status, objective=outcome.objective, best_bound=outcome.best_bound,
                    mip_gap=outcome.mip_gap, model_size=outcome.model_size, messages=notes, **base)
    if outcome.has_plan:
        result.tables, result.costs = extract_plan(outcome.values, data)
        result.kpis = kpis(result.tables, data)
        result.profile = plan_profile(result.tables, data)
        result.geo = {"sites": data.sites[["site", "lat", "lon"]].reset_index(drop=True),
                      "zones": data.zones[["zone", "name", "country", "lat", "lon"]].assign(
                          demand=data.zones["zone"].map(full_demand(data).groupby("zone")["quantity"].sum())
                          .fillna(0.0).to_numpy())}
        result.values = outcome.values
        result.messages.extend(serves_nothing(result))
        result.messages.extend(promises_without_price(result, case))
        result.messages.extend(_why_unserved(result, case, data))
        result.messages.extend(_resilience_price(result, case, extra_rows, extra_constraints, backend))
        drift = abs(sum(result.costs.values()) - outcome.objective)
        if drift > 1e-6 * max(1.0, abs(outcome.objective)):
            result.messages.append(f"warning: cost terms sum to {sum(result.costs.values()):.6f}, "
                                   f"the solver's objective is {outcome.objective:.6f}")
    elif outcome.status == "infeasible":
        result.messages.extend(elastic_diagnosis(case))
    elif outcome.status == "time_limit":
        result.messages.append(f"no feasible plan found within the time limit of {case.settings['time_limit_s']:g} s")
    else:
        result.messages.append(f"the solver stopped with status {outcome.status} and no plan")
    return result


def _resilience_price(result: Result, case: Case, extra_rows, extra_constraints, backend) -> list[str]:
    """With ``resilience_share``: the plain plan (the same case and hooks without it) solved too,
    within the same time limit, and the difference said (currency/year; both plans within their
    own proven gaps, which the message gives where they are not optimal)."""
    alpha = case.settings.get("resilience_share")
    if alpha is None:
        return []
    plain = solve_case(case.with_settings({"resilience_share": None}), extra_rows=extra_rows,
                       extra_constraints=extra_constraints, backend=backend)
    if not plain.has_plan:
        return [f"resilient design (resilience_share = {alpha:g}): the plain plan was not found ({plain.status})"]
    extra = result.objective - plain.objective
    result.kpis["plain_objective"] = plain.objective
    result.kpis["resilience_extra_cost"] = extra
    caveat = "" if result.status == plain.status == "optimal" else (
        f"; both within their proven gaps ({result.mip_gap or 0:.2%} and {plain.mip_gap or 0:.2%})")
    return [f"resilient design (resilience_share = {alpha:g}): {result.objective:,.0f} a year, {extra:+,.0f} against "
            f"the plain plan ({plain.objective:,.0f}, which opens {', '.join(plain.kpis['open_site_ids'])}){caveat}"]


def _why_unserved(result: Result, case: Case, data) -> list[str]:
    """For demand the plan leaves wholly unserved at its penalty, the reason where it is that no
    lane can serve it (no process, no site, no lane, a promise out of reach); the rest is left
    unserved because serving it costs more than its penalty, or the limits do not allow it."""
    unmet = result.tables.get("unmet")
    if unmet is None or unmet.empty:
        return []
    served = result.tables["flows"].groupby(["zone", "product"])["units"].sum()
    keys = pd.MultiIndex.from_frame(unmet[["zone", "product"]])
    whole = unmet[served.reindex(keys).fillna(0.0).to_numpy() <= 1e-9]
    rows = full_demand(data).merge(whole[["zone", "product"]], on=["zone", "product"])
    reasons = unreachable_demand(case, data, rows) if len(rows) else []
    total = float(unmet["units"].sum())
    head = [f"{total:,.0f} units are left unserved at their unmet_penalty (unmet.csv): where serving them costs more "
            "than the penalty or the limits do not allow it" + ("; where no lane can serve them at all:" if reasons else "")]
    return head + [f"  {line}" for line in reasons]


def status_within_gap(status: str, gap: float | None, goal: float) -> str:
    """'optimal' only when the proven gap is within ``goal`` (the setting mip_gap; a solver's own
    gap rule may differ slightly): otherwise the plan is reported as 'time_limit'."""
    if status == "optimal" and gap is not None and gap > goal * (1 + 1e-6) + 1e-9:
        return "time_limit"
    return status


def promises_without_price(result: Result, case: Case) -> list[str]:
    """A warning when the soft lead-time policy lets promises go at no price, or at a price so low
    that the plan breaks them for almost nothing: the planner who switched to soft most likely
    meant the promises to count."""
    st = case.settings
    targets = case.table("demand")["lead_time_target_days"].notna()
    if st["lead_time_policy"] != "soft" or not targets.any():
        return []
    price = float(st["lateness_penalty"])
    flows = result.tables.get("flows")
    late = flows.loc[~flows["on_time"].astype(bool), "units"].sum() if flows is not None else 0.0
    if price <= 0:
        return [f"warning: lead_time_policy is soft and lateness_penalty is 0, so every delivery promise "
                f"is ignored ({late:,.0f} units late in this plan); set lateness_penalty (currency per unit "
                "per day late) or use lead_time_policy = hard"]
    lateness = result.costs.get("lateness", 0.0)
    if late > 0 and lateness < 0.01 * abs(result.objective):
        return [f"warning: {late:,.0f} units are late at a lateness_penalty of {price:g} per unit-day, which "
                f"costs {lateness:,.0f} in all ({lateness / abs(result.objective):.2%} of the plan): if the "
                "promises matter, raise lateness_penalty or use lead_time_policy = hard"]
    return []


def serves_nothing(result: Result) -> list[str]:
    """A message when the best plan found leaves every unit of demand unmet although the solver
    did not prove that optimal: the "plan" is only the trivial one, and says nothing about the
    network."""
    k = result.kpis
    if result.status == "optimal" or k.get("units_demanded", 0.0) <= 0 or k.get("units_served", 0.0) > 0:
        return []
    limit = result.settings.get("time_limit_s")
    return [f"the best plan found serves none of the demand: every unit is left unmet at its penalty "
            f"(gap {100 * (result.mip_gap or 1.0):.1f} %). The solver stopped at its time limit of {limit:g} s "
            "before it found a plan that serves any. Try a longer --time-limit, or check that the "
            "unmet penalties are not below the cost of serving (then serving nothing is the answer)."]


def warm_start_values(previous: Result, data) -> dict | None:
    """Map an earlier result's plan onto this model's variables, by readable ids.

    Sites open at the same tier, the same printers, production and shipments
    where the same rows exist; HiGHS repairs or rejects a start that does not
    fit. Returns None when the earlier result has no plan.
    """
    if not previous.has_plan:
        return None
    from footprint.model.index import lookup

    t = previous.tables
    values = {}
    opened = t["sites"][t["sites"]["open"]]
    pos = lookup(opened, ["site", "tier"], data.open_index)
    values["Open"] = _scatter(len(data.open_index), pos, 1.0)
    pos = lookup(t["printers"], ["site", "technology"], data.site_tech)
    values["Printers"] = _scatter(len(data.site_tech), pos, t["printers"]["printers"].to_numpy(float))
    keys = ["site", "tier", "product", "technology"] + (["band"] if "band" in t["production"] else [])
    made = t["production"] if "band" in t["production"] or not (data.make["band"] != "").any() else None
    pos = lookup(made, keys, data.make) if made is not None else np.zeros(0, dtype=int)
    values["Make"] = _scatter(len(data.make), pos, made["units"].to_numpy(float) if made is not None else 0.0)
    tooled = t["production"][t["production"]["setup_cost"] > 0]
    pos = lookup(tooled, ["site", "product", "technology"], data.tooling)
    values["Tooled"] = _scatter(len(data.tooling), pos, 1.0)
    keys = ["site", "zone", "product", "mode", "source", "origin"]
    keys = keys if set(keys) <= set(t["flows"].columns) else keys[:4]
    # Zones merged into one demand row (footprint.aggregate) take their summed units.
    flows = merged_keys(t["flows"], data).groupby(keys, as_index=False, sort=False)["units"].sum()
    pos = _slowest_level(flows, lookup(flows, keys, data.ship), data)
    values["Ship"] = _scatter(len(data.ship), pos, flows["units"].to_numpy(float), add=True)
    values.update(_stock_start(t, data))
    values.update(_band_start(t, data, values))
    left = merged_keys(t["unmet"], data).groupby(["zone", "product"], as_index=False, sort=False)["units"].sum()
    unmet = _scatter(len(data.demand), lookup(left, ["zone", "product"], data.demand), left["units"].to_numpy(float))
    values["Unmet"] = unmet[data.unmet_rows]
    return values


def _stock_start(t: dict, data) -> dict:
    """Transfers by their ids, and for each stock the tangent cheapest at its throughput."""
    from footprint.model.index import lookup

    out = {}
    if data.transfers is not None and len(data.transfers) and "transfers" in t:
        pos = lookup(t["transfers"], ["from_site", "to_site", "product", "mode"], data.transfers)
        out["Transfer"] = _scatter(len(data.transfers), pos, t["transfers"]["units"].to_numpy(float))
    tg = data.tangents
    if tg is not None and len(tg) and "stock" in t:
        through = _scatter(len(data.stock), lookup(t["stock"], ["site", "product"], data.stock),
                           t["stock"]["units_from_stock"].to_numpy(float))
        stock_of = tg["stock"].to_numpy()
        cost = tg["intercept"].to_numpy(float) + tg["slope"].to_numpy(float) * through[stock_of]
        best = pd.Series(cost).groupby(stock_of).idxmin().to_numpy()
        best = best[through[stock_of[best]] > 0]
        out["StockChoice"] = _scatter(len(tg), best, 1.0)
        out["StockPiece"] = _scatter(len(tg), best, through[stock_of[best]])
    return out


def _slowest_level(flows, pos, data):
    """Made-to-order flows not found by their source (flows.csv shows the level units were made
    at, SPEC section 9), placed on the lane's slowest level, which takes every level's units."""
    from footprint.model.index import lookup
    from footprint.stock import STOCK

    missing = (pos < 0) & (flows["source"].to_numpy() != STOCK) if "source" in flows else np.zeros(len(pos), bool)
    if not missing.any() or "_rank" not in data.ship:
        return pos
    sh = data.ship
    to_order = sh[sh["source"] != STOCK].sort_values("_rank", ascending=False, kind="stable")
    slowest = to_order.drop_duplicates(["site", "zone", "product", "mode", "origin"])
    found = lookup(flows[missing], ["site", "zone", "product", "mode", "origin"], slowest)
    pos = pos.copy()
    pos[missing] = np.where(found >= 0, slowest.index.to_numpy()[np.maximum(found, 0)], -1)
    return pos


def _band_start(t: dict, data, values: dict) -> dict:
    """Bands and their printers from printers.csv's band column, and the Down flows that balance
    each made-to-order level (SPEC section 9); nothing where the earlier plan had no bands."""
    import numpy as np
    import pandas as pd

    from footprint.model.index import lookup

    sb, out = data.site_bands, {}
    if sb is None or sb.empty or "band" not in t["printers"]:
        return out
    run = t["printers"][t["printers"]["band"] != ""]
    pos = lookup(run, ["site", "technology", "band"], sb)
    out["Band"] = _scatter(len(sb), pos, 1.0)
    out["BandPrinters"] = _scatter(len(sb), pos, run["printers"].to_numpy(float))
    dg = data.downgrades
    if dg is not None and len(dg):
        # Per level, what is made there less what ships from it, passed on to the next slower level.
        mk, sh = data.make, data.ship
        net = (pd.Series(values["Make"]).groupby([mk["site"], mk["product"], mk["source"]]).sum()
               .sub(pd.Series(values["Ship"]).groupby([sh["site"], sh["product"], sh["source"]]).sum(), fill_value=0))
        levels = pd.concat([dg[["site", "product", "group", "from_source"]].set_axis(["site", "product", "group", "source"], axis=1),
                            dg[["site", "product", "group", "to_source"]].set_axis(["site", "product", "group", "source"], axis=1)])
        levels = levels.drop_duplicates().reset_index(drop=True)
        levels["net"] = net.reindex(pd.MultiIndex.from_frame(levels[["site", "product", "source"]])).fillna(0).to_numpy()
        levels["passed"] = levels.groupby(["site", "product", "group"])["net"].cumsum()
        passed = levels.set_index(["site", "product", "source"])["passed"]
        out["Down"] = np.maximum(passed.reindex(pd.MultiIndex.from_frame(dg[["site", "product", "from_source"]]))
                                 .fillna(0).to_numpy(float), 0.0)
    return out


def _scatter(size: int, positions, values, add: bool = False):
    """``values`` at ``positions`` (-1 = not found) of a zero array; summed where positions
    repeat if ``add``, else the last one."""
    out = np.zeros(size)
    positions = np.asarray(positions)
    keep = positions >= 0
    if add:
        np.add.at(out, positions[keep], np.broadcast_to(values, positions.shape)[keep])
    else:
        out[positions[keep]] = np.broadcast_to(values, positions.shape)[keep]
    return out
