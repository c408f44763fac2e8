"""PROTOTYPE, not used by footprint yet: Lagrangian bounds, greedy plans, site fixing (issue 4).

Measured here (2-core machine shared with other jobs, one thread):
- synthetic 500 sites × 5,000 zones (benchmarks/scale.py's case): after 90 s
  the bound is 37,543,358 and the best plan (add/drop local search on the
  sites the relaxation opens) costs 38,233,723: a proven gap of 1.8 %.
  Plain HiGHS on the same model: no plan better than serving nothing
  (gap 100 %) after 120 s; ../shared/PERFORMANCE.md: strong LP bound 37.6 M
  in 108 s by interior point.
- capb at capacity 5000: bound 13,576,175 after 60 s (0.59 % below the
  optimum 13,656,380); plans need the capacity-aware restricted solve.
What is missing before footprint uses it by default: plans turned into
variable values and checked against every model row (the greedy ignores
tooling's fixed cost, single sourcing, service level and site counts),
capacity-aware assignment for binding printer limits, faster iterations
(one sort per iteration), and HiGHS on the model reduced by the proven site
fixings, started from the best plan. Run:
    .venv/bin/python benchmarks/experiments/run_prototype.py CASE_FOLDER SECONDS
"""


from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from footprint.derive import ModelData
from footprint.model.blocks import ModelBlocks
from footprint.model.index import lookup

#: sites (per tier) below which plain HiGHS is used: the bounding pays off on large cases
MIN_SITES = 30


@dataclass
class Items:
    """The relaxation's knapsack items: one per (site, zone, product) triple, cheapest lane."""

    site: np.ndarray        # site code (position in data.sites)
    kp: np.ndarray          # demand row
    ship_row: np.ndarray    # row of data.ship (cheapest lane of the triple)
    cost: np.ndarray        # c: cheapest lane's per-unit cost (currency/unit)
    make_cost: np.ndarray   # [tier, item]: m per unit at each tier (inf where not makeable)
    hours: np.ndarray       # h per unit (h/unit)
    quantity: np.ndarray    # q[k,p] (units)


@dataclass
class Bounding:
    """Outcome of the Lagrangian stage."""

    lower_bound: float
    upper_bound: float | None
    plan: dict | None            # best plan found (arrays per variable block)
    fixed_closed: np.ndarray     # site codes proven closed in an optimal plan
    fixed_open: np.ndarray       # site codes proven open
    iterations: int
    seconds: float


def applicable(data: ModelData) -> bool:
    """Every site hosts at most one technology, and the case is large enough to pay off."""
    st = data.site_tech
    return (len(data.sites) >= MIN_SITES and not st.empty and not st["site"].duplicated().any()
            and len(data.ship) > 0)


def _items(data: ModelData) -> tuple[Items, np.ndarray]:
    """Knapsack items and the hours capacity per (tier, site)."""
    sh, mk, st = data.ship, data.make, data.site_tech
    n_sites, tiers = len(data.sites), list(data.tiers["tier"])
    # Cheapest lane per triple (ship is sorted by triple, then mode; pick min unit cost).
    order = np.lexsort((sh["unit_cost"].to_numpy(), data.skp_ids))
    first = np.ones(len(order), dtype=bool)
    first[1:] = data.skp_ids[order][1:] != data.skp_ids[order][:-1]
    rows = order[first]
    site = lookup(sh.iloc[rows], ["site"], data.sites)
    kp = lookup(sh.iloc[rows], ["zone", "product"], data.demand)
    per_hour = (st["printer_cost"] / st["usable_hours"]).to_numpy()
    make_cost = np.full((len(tiers), len(rows)), np.inf)
    hours = np.zeros(len(rows))
    setup_per_unit = np.zeros(len(mk))
    if not data.tooling.empty:
        tl = data.tooling
        pos = lookup(mk, ["site", "product", "technology"], tl)
        ok = pos >= 0
        setup_per_unit[ok] = (tl["setup_cost"] / tl["big_m"]).to_numpy()[pos[ok]]
    st_row_of_make = lookup(mk, ["site", "technology"], st)
    unit = mk["unit_cost"].to_numpy() + setup_per_unit
    for li, tier in enumerate(tiers):
        at_tier = mk[mk["tier"] == tier]
        pos = lookup(sh.iloc[rows][["site", "product"]].assign(tier=tier), ["site", "tier", "product"],
                     at_tier, ["site", "tier", "product"])
        ok = pos >= 0
        make_cost[li, ok] = unit[at_tier.index.to_numpy()[pos[ok]]]
        hours[ok] = at_tier["hours_per_unit"].to_numpy()[pos[ok]]
    capacity = np.zeros((len(tiers), n_sites))
    tt = data.tier_tech
    for li, tier in enumerate(tiers):
        at = tt[tt["tier"] == tier]
        s_pos = lookup(at, ["site"], data.sites)
        usable = st["usable_hours"].to_numpy()[lookup(at, ["site", "technology"], st)]
        capacity[li, s_pos] = usable * at["pbar"].to_numpy()
    printer_cost = np.zeros(n_sites)
    per_printer = np.zeros(n_sites)
    sp = lookup(st, ["site"], data.sites)
    printer_cost[sp] = st["printer_cost"].to_numpy()
    per_printer[sp] = st["usable_hours"].to_numpy()
    items = Items(site=site, kp=kp, ship_row=rows, cost=sh["unit_cost"].to_numpy()[rows], make_cost=make_cost,
                  hours=hours, quantity=data.demand["quantity"].to_numpy()[kp])
    return items, capacity, printer_cost, per_printer


def _knapsacks(values: np.ndarray, hours: np.ndarray, quantity: np.ndarray, site: np.ndarray,
               capacity: np.ndarray, n_sites: int) -> tuple[np.ndarray, np.ndarray]:
    """Continuous knapsack per site, greedy by value per hour: (profit per site, amounts per item)."""
    x = np.zeros(len(values))
    useful = np.flatnonzero(values > 0)
    if len(useful) == 0:
        return np.zeros(n_sites), x
    ratio = values[useful] / np.maximum(hours[useful], 1e-12)
    order = useful[np.lexsort((-ratio, site[useful]))]
    s = site[order]
    load = hours[order] * quantity[order]
    cum = np.cumsum(load)
    starts = np.r_[0, np.flatnonzero(s[1:] != s[:-1]) + 1]
    base = np.repeat(cum[starts] - load[starts], np.diff(np.r_[starts, len(order)]))
    used_before = cum - load - base
    room = capacity[s] - used_before
    take = np.clip(room / np.maximum(hours[order], 1e-12), 0.0, quantity[order])
    x[order] = take
    profit = np.bincount(site, weights=values * x, minlength=n_sites)
    return profit, x


def _site_choice(value: np.ndarray, hours_cap: np.ndarray, must_open: np.ndarray, demand_hours: float,
                 force: tuple[int, float] | None = None) -> tuple[np.ndarray, float]:
    """Open sites in R(λ): negative value, forced ones, then cover ``demand_hours`` by the LP of
    the covering knapsack. Returns (y in [0,1] per site, Σ value·y)."""
    y = ((value < 0) | must_open).astype(float)
    if force is not None:
        y[force[0]] = force[1]
    short = demand_hours - float(hours_cap @ y)
    if short > 1e-9:
        free = np.flatnonzero((y == 0) & (hours_cap > 0))
        if force is not None:
            free = free[free != force[0]]
        free = free[np.argsort(value[free] / hours_cap[free], kind="stable")]
        cum = np.cumsum(hours_cap[free])
        full = free[cum <= short]
        y[full] = 1.0
        rest = short - float(hours_cap[full].sum())
        nxt = free[len(full):len(full) + 1]
        if len(nxt) and rest > 1e-12:
            y[nxt] = min(1.0, rest / hours_cap[nxt[0]])
    return y, float(value @ y)


def bound_and_fix(data: ModelData, blocks: ModelBlocks, settings: dict, restricted_solve,
                  time_budget: float, max_iterations: int = 400, debug: bool = False,
                  use_restricted: bool = False) -> Bounding:
    """Run the Lagrangian stage: best bound, best plan, proven site fixings.

    ``restricted_solve(candidates, time_limit, start_open)`` solves the model
    with only the ``candidates`` sites allowed, starting from the plan that
    opens exactly ``start_open``, and returns a SolveOutcome.
    """
    start = time.perf_counter()
    items, capacity, printer_cost, per_printer = _items(data)
    n_sites = len(data.sites)
    dem = data.demand
    q = dem["quantity"].to_numpy(float)
    penalty = dem["unmet_penalty"].to_numpy(float)
    has_penalty = ~np.isnan(penalty)
    oi = data.open_index
    tiers = list(data.tiers["tier"])
    fixed_cost = np.full((len(tiers), n_sites), np.inf)
    s_pos = lookup(oi, ["site"], data.sites)
    t_pos = np.array([tiers.index(t) for t in oi["tier"]])
    fixed_cost[t_pos, s_pos] = (oi["site_fixed_cost"] + oi["tier_fixed_cost"]).to_numpy()
    must_open = (data.sites["status"] == "open").to_numpy()
    # Hours the must-serve demand needs at the least (best technology hours per unit).
    min_hours = np.full(len(dem), np.inf)
    np.minimum.at(min_hours, items.kp, items.hours)
    must = ~has_penalty
    demand_hours = float(np.sum(np.where(must & np.isfinite(min_hours), q * min_hours, 0.0)))
    hours_cap = capacity.max(axis=0)

    # Start: λ = cheapest way to serve each unit (Beasley's start), capped by the penalty.
    lam = np.full(len(dem), np.inf)
    np.minimum.at(lam, items.kp, items.cost + np.min(items.make_cost, axis=0))
    lam = np.where(np.isfinite(lam), lam, np.where(has_penalty, penalty, 0.0))
    lam = np.where(has_penalty, np.minimum(lam, penalty), lam)

    best_lb, best_lam, best_ub, best_plan = -np.inf, lam.copy(), None, None
    theta, stall, tried = 2.0, 0, set()
    best_greedy = None
    g_prev = None
    iteration = 0

    def evaluate(lam):
        values_by_tier = [lam[items.kp] - items.cost - items.make_cost[li] for li in range(len(tiers))]
        profits, xs = [], []
        for li in range(len(tiers)):
            v = values_by_tier[li]
            # Integer printers: profit is concave in capacity, so the best count is the floor or
            # ceiling of the hours worth a printer's cost (value per hour ≥ printer cost per hour).
            worth = v - items.hours * (printer_cost / np.maximum(per_printer, 1e-12))[items.site]
            _, xw = _knapsacks(worth, items.hours, items.quantity, items.site, capacity[li], n_sites)
            hours_worth = np.bincount(items.site, weights=xw * items.hours, minlength=n_sites)
            pmax = np.floor(capacity[li] / np.maximum(per_printer, 1e-12) + 1e-9)
            best_p, best_x = None, None
            best_net = np.full(n_sites, -np.inf)
            for cand in (np.floor(hours_worth / np.maximum(per_printer, 1e-12) + 1e-9),
                         np.ceil(hours_worth / np.maximum(per_printer, 1e-12) - 1e-9)):
                cand = np.minimum(cand, pmax)
                prof, xc = _knapsacks(v, items.hours, items.quantity, items.site, cand * per_printer, n_sites)
                net = prof - cand * printer_cost
                better = net > best_net
                best_net = np.where(better, net, best_net)
                best_x = xc if best_x is None else np.where(better[items.site], xc, best_x)
            profits.append(best_net)
            xs.append(best_x)
        site_values = fixed_cost - np.array(profits)  # [tier, site]
        best_tier = np.argmin(site_values, axis=0)
        value = site_values[best_tier, np.arange(n_sites)]
        y, site_part = _site_choice(value, hours_cap, must_open, demand_hours)
        x = np.array(xs)[best_tier[items.site], np.arange(len(items.site))] * y[items.site]
        unmet_part = np.where(has_penalty, q * np.minimum(0.0, penalty - lam), 0.0)
        lb = float(lam @ q + unmet_part.sum() + site_part)
        served = np.bincount(items.kp, weights=x, minlength=len(dem))
        unmet = np.where(has_penalty & (penalty < lam), q, 0.0)
        return lb, y, value, served + unmet, best_tier

    while iteration < max_iterations and time.perf_counter() - start < time_budget:
        iteration += 1
        lb, y, value, supplied, best_tier = evaluate(lam)
        if iteration in (1, 3, 5) or iteration % 20 == 0:
            found = greedy_plan(items, data, best_tier, y > 0, printer_cost, per_printer, capacity, fixed_cost,
                                penalty, must_open, max_moves=60)
            if found is not None and (best_ub is None or found[0] < best_ub):
                best_ub, best_greedy = found[0], (found, best_tier.copy())
                if debug:
                    print(f"it {iteration} greedy ub {best_ub:.1f} lb {best_lb:.1f} open {found[1].sum()} "
                          f"t {time.perf_counter() - start:.1f}", flush=True)
        if not np.isfinite(best_lb) or lb > best_lb + 1e-9 * max(1.0, abs(best_lb)):
            best_lb, best_lam, stall = lb, lam.copy(), 0
        else:
            stall += 1
            if stall >= 15:
                theta, stall = theta / 2, 0
        # Candidates for a plan: the sites R(λ) opens and as many again of the
        # next best (lowest value), from which HiGHS picks in a small model.
        opened = np.flatnonzero(y > 0)
        others = np.setdiff1d(np.argsort(value, kind="stable"), opened, assume_unique=False)
        others = others[np.isin(others, opened, invert=True)][:max(3, len(opened))]
        candidates = tuple(sorted(np.r_[opened, others].tolist()))
        if use_restricted and (iteration in (1, 5) or iteration % 25 == 0) and candidates not in tried:
            tried.add(candidates)
            mask = np.zeros(n_sites, dtype=bool)
            mask[list(candidates)] = True
            first = np.zeros(n_sites, dtype=bool)
            first[opened] = True
            outcome = restricted_solve(mask, max(2.0, 0.1 * time_budget), first)
            if debug:
                print(f"it {iteration} lb {best_lb:.1f} candidates {len(candidates)} ub {outcome.objective} "
                      f"t {time.perf_counter() - start:.1f}")
            if outcome.has_plan and (best_ub is None or outcome.objective < best_ub):
                best_ub, best_plan = outcome.objective, outcome.values
        if best_ub is not None and best_lb >= best_ub * (1 - 1e-9):
            break
        g = q - supplied
        if g_prev is not None:
            g = g + 0.5 * g_prev
        g_prev = g
        norm = float(g @ g)
        if norm < 1e-12 or theta < 1e-5:
            break
        target = best_lb + 0.02 * abs(best_lb) + 1.0
        if best_ub is not None:
            target = min(best_ub, target)
        lam = lam + theta * (target - lb) / norm * g
        lam = np.where(has_penalty, np.minimum(lam, penalty), lam)

    # Reduced-cost fixing at the best multipliers.
    fixed_closed, fixed_open = np.zeros(0, int), np.zeros(0, int)
    if best_ub is not None:
        _, y, value, _, _ = evaluate(best_lam)
        base = float(best_lam @ q + np.where(has_penalty, q * np.minimum(0.0, penalty - best_lam), 0.0).sum())
        tolerance = 1e-9 * max(1.0, abs(best_ub)) + 1e-6
        closed, opened = [], []
        for s in range(n_sites):
            if must_open[s]:
                continue
            flip = 0.0 if y[s] > 0 else 1.0
            _, part = _site_choice(value, hours_cap, must_open, demand_hours, force=(s, flip))
            if base + part > best_ub + tolerance:
                (opened if flip == 0.0 else closed).append(s)
        fixed_closed, fixed_open = np.array(closed, int), np.array(opened, int)
    return Bounding(lower_bound=best_lb, upper_bound=best_ub, plan=best_plan, fixed_closed=fixed_closed,
                    fixed_open=fixed_open, iterations=iteration, seconds=time.perf_counter() - start)


def restrict(blocks: ModelBlocks, data: ModelData, closed_sites: np.ndarray, open_sites: np.ndarray | None = None
             ) -> ModelBlocks:
    """A copy of the model with some sites' Open variables fixed to 0 (and others forced open)."""
    site_of_open = lookup(data.open_index, ["site"], data.sites)
    upper = blocks.variables["Open"].upper.copy()
    upper[np.isin(site_of_open, closed_sites)] = 0.0
    variables = dict(blocks.variables)
    variables["Open"] = replace(blocks.variables["Open"], upper=upper)
    rows = list(blocks.rows)
    if open_sites is not None and len(open_sites):
        for i, rb in enumerate(rows):
            if rb.name == "OneTier":
                lower = rb.lower.copy()
                lower[open_sites] = 1.0
                rows[i] = replace(rb, lower=lower)
    return ModelBlocks(variables, rows, blocks.costs)


def greedy_plan(items, data, tier_choice, open_mask, printer_cost, per_printer, capacity, fixed_cost, penalty,
                must_open, max_moves=400):
    """Add/drop local search over open sites; each zone × product from its cheapest open lane.

    Returns (cost, open mask, assignment item per demand row or -1) or None when a site would
    need more printers than it may have (capacities bind: leave it to HiGHS).
    """
    n_sites = len(open_mask)
    n_kp = len(penalty)
    tier = tier_choice
    unit = items.cost + items.make_cost[tier[items.site], np.arange(len(items.site))] \
        + items.hours * (printer_cost / np.maximum(per_printer, 1e-12))[items.site]
    fixed = fixed_cost[tier, np.arange(n_sites)]
    pen = np.where(np.isnan(penalty), 1e12, penalty)
    q_kp = np.zeros(n_kp)
    q_kp[items.kp] = items.quantity
    ok_item = np.isfinite(unit)

    def assign(mask):
        cand = np.flatnonzero(mask[items.site] & ok_item)
        best = np.full(n_kp, -1)
        best_cost = pen.copy()
        second = pen.copy()
        if len(cand):
            order = cand[np.lexsort((unit[cand], items.kp[cand]))]
            kp = items.kp[order]
            first = np.ones(len(order), bool)
            first[1:] = kp[1:] != kp[:-1]
            f = order[first]
            better = unit[f] < pen[items.kp[f]]
            best[items.kp[f][better]] = f[better]
            best_cost[items.kp[f][better]] = unit[f][better]
            nxt = np.flatnonzero(~first)
            nfirst = np.ones(len(nxt), bool)
            nfirst[1:] = kp[nxt][1:] != kp[nxt][:-1]
            s2 = order[nxt[nfirst]]
            second[items.kp[s2]] = np.minimum(pen[items.kp[s2]], unit[s2])
        return best, best_cost, second

    def total(mask, best):
        used = best >= 0
        hours = np.bincount(items.site[best[used]], weights=items.hours[best[used]] * q_kp[used], minlength=n_sites)
        printers = np.ceil(hours / np.maximum(per_printer, 1e-12) - 1e-9)
        if np.any(printers * per_printer > capacity[tier, np.arange(n_sites)] + 1e-6):
            return None
        var = np.sum(q_kp[used] * (items.cost[best[used]]
                                   + items.make_cost[tier[items.site[best[used]]], best[used]]))
        unmet = np.sum(np.where(used, 0.0, q_kp * pen))
        opened = mask & ((hours > 0) | must_open)
        return float(fixed[opened].sum() + (printers * printer_cost).sum() + var + unmet), opened

    mask = open_mask.copy() | must_open
    best, bc, second = assign(mask)
    out = total(mask, best)
    if out is None:
        return None
    cost, mask = out
    for _ in range(max_moves):
        best, bc, second = assign(mask)
        # drop: saving of closing s = fixed + printers' cost share − reassignment cost
        used = best >= 0
        extra = np.bincount(items.site[best[used]], weights=q_kp[used] * (second[used] - bc[used]),
                            minlength=n_sites)
        drop_gain = np.where(mask & ~must_open, fixed - extra, -np.inf)
        # add: saving of opening s = Σ q·max(0, current − unit) − fixed
        closed_items = np.flatnonzero(~mask[items.site] & ok_item)
        gain_items = q_kp[items.kp[closed_items]] * np.maximum(0.0, bc[items.kp[closed_items]] - unit[closed_items])
        add_gain = np.bincount(items.site[closed_items], weights=gain_items, minlength=n_sites) - fixed
        add_gain = np.where(mask, -np.inf, add_gain)
        s_add, s_drop = int(np.argmax(add_gain)), int(np.argmax(drop_gain))
        moved = False
        for s, gain in sorted(((s_add, add_gain[s_add]), (s_drop, drop_gain[s_drop])), key=lambda t: -t[1]):
            if gain <= 1e-6:
                continue
            trial = mask.copy()
            trial[s] = not trial[s]
            tb, _, _ = assign(trial)
            out = total(trial, tb)
            if out is not None and out[0] < cost - 1e-6:
                cost, mask = out
                moved = True
                break
        if not moved:
            break
    best, _, _ = assign(mask)
    return cost, mask, best
