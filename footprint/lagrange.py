"""Lagrangian bounds, candidate site sets and proven site fixings for large models (issue 4).

Plain HiGHS finds no useful plan on a 500-site × 5,000-zone model in two
minutes, and its linear relaxation alone takes about 100 s. This is Beasley's
method for capacitated facility location (EJOR 33, 1988), vectorised over the
model's prepared arrays:

* **Bound.** Price the demand rows (1) with multipliers λ[k,p] (currency/unit)
  and drop them. What remains splits by site: a site at tier l is worth
  ``fixed cost − best profit``, where the profit is a continuous knapsack of
  its (zone, product) items, value ``λ − transport − production`` per unit,
  weight the printer-hours per unit, capacity a whole number of printers (the
  best count is the floor or ceiling of the hours worth their price, as the
  profit is concave in capacity). Sites are chosen by sign, plus a cover of
  the printer-hours the must-serve demand needs (a valid aggregate row): the
  dearer of its linear relaxation and the cheapest ⌈shortfall / largest
  site⌉ whole sites, both lower bounds on what the cover costs. Every other
  row (minimum utilisation, tooling beyond its per-unit share, service level,
  single sourcing, and site counts where a cover is needed) is dropped,
  which only lowers the bound, so the bound is a proven one; without a
  cover the site count limits are kept (:meth:`Relaxation._within_counts`). Multipliers move by subgradient steps
  (Held–Wolfe–Crowder, with Beasley's start: the cheapest way to serve each
  unit).
* **Candidate plans.** Every few steps the sites the relaxation opens seed an
  add/drop local search that serves each zone from its cheapest open site
  (:func:`local_search`); the best site sets, and the relaxation's own cover,
  are then solved exactly by HiGHS with the site decisions fixed, and an
  add/drop search with every move solved exactly improves the best of them
  (footprint.bounding), so every plan footprint reports satisfies every row
  of the model.
* **Fixing.** At the best multipliers, a site whose opening (closing) alone
  lifts the bound above the best plan's cost is closed (opened) in every
  better plan; the main solve runs on the model with those decisions fixed,
  started from the best plan. The gap reported combines the Lagrangian bound
  with the main solve's bound on the reduced model
  (:func:`footprint.bounding.combined_bound`).

This knapsack relaxation is for models where every site hosts at most one
technology; :mod:`footprint.lagrange_general` relaxes the general model. The
stage applies where the model has at least :data:`MIN_SITES` sites and (footprint.bounding.wants_stage) at least
20,000 variables (docs/SPEC.md clarification 14).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from footprint.derive import ModelData
from footprint.model.blocks import ModelBlocks
from footprint.model.index import lookup

#: sites from which the stage may run: a floor under the variable-count rule of
#: footprint.bounding.wants_stage, which is the measured one (few sites: little to fix)
MIN_SITES = 30

@dataclass
class Items:
    """The knapsack items: one per (site, zone, product) that a lane links, at its cheapest lane."""

    site: np.ndarray        # position in data.sites
    kp: np.ndarray          # position in data.demand
    cost: np.ndarray        # cheapest lane's cost per unit (transport, duty, lateness, carbon)
    make_cost: np.ndarray   # [tier, item]: production cost per unit incl. tooling's per-unit share (inf: not makeable)
    hours: np.ndarray       # [tier, item]: printer-hours per unit
    quantity: np.ndarray    # demand of the item's (zone, product) (units/year)


@dataclass
class Evaluation:
    """The relaxation at one set of multipliers."""

    bound: float            # proven lower bound on the optimum (currency/year)
    y: np.ndarray           # [site] in [0, 1]: the relaxation's site decisions
    value: np.ndarray       # [site]: cost of opening the site at its best tier, net of profit
    tier: np.ndarray        # [site]: position of that best tier in data.tiers
    supplied: np.ndarray    # [demand row]: units the relaxation supplies (unmet included)
    extra: np.ndarray | None = None  # subgradient of any further multipliers (footprint.lagrange_general)


def one_technology(data: ModelData) -> bool:
    """Whether every site hosts at most one technology (this module's knapsack relaxation applies;
    elsewhere :class:`footprint.lagrange_general.GeneralRelaxation` does)."""
    return not data.site_tech["site"].duplicated().any()


def applicable(data: ModelData) -> bool:
    """Whether the stage applies: enough sites, some technology, and lanes."""
    return len(data.sites) >= MIN_SITES and not data.site_tech.empty and len(data.ship) > 0


def site_terms(relax, data: ModelData) -> None:
    """Set what every relaxation shares: site and tier counts, fixed cost per [tier, site] (inf where
    the tier does not exist), sites that must open, and the demand rows' quantities and penalties."""
    tiers = list(data.tiers["tier"])
    relax.n_sites, relax.n_tiers = len(data.sites), len(tiers)
    relax.fixed_cost = np.full((len(tiers), relax.n_sites), np.inf)
    oi = data.open_index
    t_pos = np.array([tiers.index(t) for t in oi["tier"]], dtype=int)
    relax.fixed_cost[t_pos, lookup(oi, ["site"], data.sites)] = (oi["site_fixed_cost"]
                                                                 + oi["tier_fixed_cost"]).to_numpy(float)
    relax.must_open = (data.sites["status"] == "open").to_numpy()
    relax.count_limits = (data.settings.get("min_open_sites"), data.settings.get("max_open_sites"))
    relax.quantity = data.demand["quantity"].to_numpy(float)
    penalty = data.demand["unmet_penalty"].to_numpy(float)
    relax.has_penalty = ~np.isnan(penalty)
    relax.penalty = np.where(relax.has_penalty, penalty, np.inf)


def setup_share(data: ModelData) -> np.ndarray:
    """Per make row, the tooling's setup cost per unit at its largest output, setup/M (currency/unit):
    Tooled ≥ Make/M makes it a valid lower bound on what tooling adds per unit made."""
    share = np.zeros(len(data.make))
    if not data.tooling.empty:
        pos = lookup(data.make, ["site", "product", "technology"], data.tooling)
        ok = pos >= 0
        share[ok] = (data.tooling["setup_cost"] / data.tooling["big_m"]).to_numpy()[pos[ok]]
    return share


def cheapest_lanes(data: ModelData):
    """The cheapest lane of each (site, zone, product): its rows of ``data.ship``, and the position of
    its site in ``data.sites`` and of its demand row in ``data.demand``."""
    sh = data.ship
    order = np.lexsort((sh["unit_cost"].to_numpy(), data.skp_ids))
    first = np.ones(len(order), dtype=bool)
    first[1:] = data.skp_ids[order][1:] != data.skp_ids[order][:-1]
    lanes = sh.iloc[order[first]]
    return lanes, lookup(lanes, ["site"], data.sites), lookup(lanes, ["zone", "product"], data.demand)


class Relaxation:
    """The Lagrangian relaxation of the demand rows of one model (see the module docstring)."""

    #: whether the local search may move an overloaded site to a larger tier (general model)
    grow_tiers = False
    #: relative gap at which the exact solve of one candidate site set stops (a plan, not a proof)
    plan_gap = 0.002
    #: whether candidate site sets are solved guided by their linear relaxation (footprint.bounding)
    guided_plans = False
    #: whether the exact add/drop search takes the first move that improves (else the best of a pass)
    first_improvement = False
    #: share of the stage's time for subgradient steps (the rest: exact solves of candidate site sets)
    step_share = 0.6

    def __init__(self, data: ModelData):
        self.data = data
        site_terms(self, data)
        mk, st, dem = data.make, data.site_tech, data.demand
        tiers = list(data.tiers["tier"])
        n_sites = self.n_sites
        lanes, site, kp = cheapest_lanes(data)
        unit = mk["unit_cost"].to_numpy() + setup_share(data)
        make_cost = np.full((len(tiers), len(lanes)), np.inf)
        hours = np.zeros((len(tiers), len(lanes)))
        keys = lanes[["site", "product"]]
        # One row per (site, tier, product): a technology's bands (SPEC section 9) repeat its make
        # rows with the same cost and hours.
        first = np.flatnonzero(~mk.duplicated(["site", "tier", "product"]).to_numpy())
        for li, tier in enumerate(tiers):
            pos = lookup(keys.assign(tier=tier), ["site", "tier", "product"], mk.iloc[first])
            ok = pos >= 0
            make_cost[li, ok] = unit[first[pos[ok]]]
            hours[li, ok] = mk["hours_per_unit"].to_numpy()[first[pos[ok]]]
        self.items = Items(site=site, kp=kp, cost=lanes["unit_cost"].to_numpy(float), make_cost=make_cost,
                           hours=hours, quantity=dem["quantity"].to_numpy(float)[kp])

        s_of_st = lookup(st, ["site"], data.sites)
        self.printer_cost = np.zeros(n_sites)
        self.per_printer = np.ones(n_sites)
        self.printer_cost[s_of_st] = st["printer_cost"].to_numpy(float)
        self.per_printer[s_of_st] = np.maximum(st["usable_hours"].to_numpy(float), 1e-12)
        self.max_printers = np.zeros((len(tiers), n_sites))
        tt = data.tier_tech
        t_pos = np.array([tiers.index(t) for t in tt["tier"]], dtype=int)
        self.max_printers[t_pos, lookup(tt, ["site"], data.sites)] = np.floor(tt["pbar"].to_numpy(float) + 1e-9)
        # Aggregate cover: the open sites' printer-hours must fit the must-serve demand at its fewest hours.
        fewest = np.full(len(dem), np.inf)
        makeable = np.isfinite(make_cost)
        np.minimum.at(fewest, kp, np.where(makeable, hours, np.inf).min(axis=0))
        must = ~self.has_penalty & np.isfinite(fewest)
        self.demand_hours = float(np.sum(self.quantity[must] * fewest[must]))
        self.hours_cap = (self.max_printers * self.per_printer).max(axis=0)

    def direction(self, ev: Evaluation) -> np.ndarray:
        """The subgradient at an evaluation: demand not supplied, per demand row (units/year)."""
        return self.quantity - ev.supplied

    def project(self, lam: np.ndarray) -> np.ndarray:
        """Multipliers moved back into their domain: no unit is worth more than its unmet penalty."""
        return np.minimum(lam, self.penalty)

    def start_multipliers(self) -> np.ndarray:
        """Beasley's start: per demand row, the cheapest way to serve a unit, capped by its penalty."""
        it = self.items
        lam = np.full(len(self.quantity), np.inf)
        np.minimum.at(lam, it.kp, it.cost + it.make_cost.min(axis=0))
        lam = np.where(np.isfinite(lam), lam, np.where(self.has_penalty, self.penalty, 0.0))
        return np.minimum(lam, self.penalty)

    def evaluate(self, lam: np.ndarray) -> Evaluation:
        """The relaxation's optimum at multipliers ``lam`` (currency/unit per demand row)."""
        it, n_sites = self.items, self.n_sites
        profits = np.empty((self.n_tiers, n_sites))
        amounts = []
        price_per_hour = (self.printer_cost / self.per_printer)[it.site]
        for li in range(self.n_tiers):
            value = lam[it.kp] - it.cost - it.make_cost[li]
            hours = it.hours[li]
            cap = self.max_printers[li] * self.per_printer
            # One order serves all three knapsacks: by site, then value per hour, best first
            # (subtracting the site's printer price per hour keeps the order within a site).
            order = _by_value_per_hour(value, hours, it.site)
            worth = value - hours * price_per_hour
            _, taken = _fill(order[worth[order] > 0], worth, hours, it.quantity, it.site, cap, n_sites)
            hours_worth = np.bincount(it.site, weights=taken * hours, minlength=n_sites) / self.per_printer
            best_net = np.full(n_sites, -np.inf)
            best_x = np.zeros(len(value))
            for count in (np.floor(hours_worth + 1e-9), np.ceil(hours_worth - 1e-9)):
                count = np.minimum(count, self.max_printers[li])
                profit, x = _fill(order, value, hours, it.quantity, it.site, count * self.per_printer, n_sites)
                net = profit - count * self.printer_cost
                better = net > best_net
                best_net = np.where(better, net, best_net)
                best_x = np.where(better[it.site], x, best_x)
            profits[li] = best_net
            amounts.append(best_x)
        site_values = self.fixed_cost - profits
        tier = np.argmin(site_values, axis=0)
        value = site_values[tier, np.arange(n_sites)]
        y, site_part = self.choose_sites(value)
        x = np.choose(tier[it.site], amounts) if self.n_tiers > 1 else amounts[0]
        served = np.bincount(it.kp, weights=x * y[it.site], minlength=len(lam))
        unmet = np.where(self.has_penalty & (self.penalty < lam), self.quantity, 0.0)
        unmet_part = np.where(self.has_penalty, self.quantity * np.minimum(0.0, self.penalty - lam), 0.0).sum()
        bound = float(lam @ self.quantity + unmet_part + site_part)
        return Evaluation(bound=bound, y=y, value=value, tier=tier, supplied=served + unmet)

    def choose_sites(self, value: np.ndarray, force: tuple[int, float] | None = None) -> tuple[np.ndarray, float]:
        """Sites in the relaxation: those worth opening, forced ones, then the cheapest fractional
        cover of the must-serve printer-hours. Returns (y per site, Σ value·y in currency/year)."""
        finite = np.isfinite(value)
        y = (((value < 0) & finite) | self.must_open).astype(float)
        if force is not None:
            y[force[0]] = force[1]
        if self.demand_hours <= 0:
            y = self._within_counts(y, value, finite, force)
        value = np.where(finite, value, 0.0)
        short = self.demand_hours - float(self.hours_cap @ y)
        if short > 1e-9 * max(1.0, self.demand_hours):
            free = np.flatnonzero((y == 0) & (self.hours_cap > 0) & finite)
            if force is not None:
                free = free[free != force[0]]
            # Two valid covers; the dearer is the better bound. (a) The linear one: sites by value
            # per printer-hour, the last one fractional. (b) Whole sites: at least
            # ceil(short / largest capacity) more sites must open, so the cheapest that many are
            # a lower bound on what they cost (exact when the capacities are equal, as in the
            # OR-Library instances).
            by_ratio = free[np.argsort(value[free] / self.hours_cap[free], kind="stable")]
            cum = np.cumsum(self.hours_cap[by_ratio])
            full = by_ratio[cum <= short]
            linear = y.copy()
            linear[full] = 1.0
            rest = short - float(self.hours_cap[full].sum())
            nxt = by_ratio[len(full):len(full) + 1]
            if len(nxt) and rest > 1e-12:
                linear[nxt] = min(1.0, rest / self.hours_cap[nxt[0]])
            whole = y.copy()
            if len(free):
                count = int(np.ceil(short / self.hours_cap[free].max() - 1e-9))
                whole[free[np.argsort(value[free], kind="stable")[:count]]] = 1.0
            y = whole if value @ whole > value @ linear else linear
        return y, float(value @ y)

    def _within_counts(self, y: np.ndarray, value: np.ndarray, finite: np.ndarray,
                       force: tuple[int, float] | None) -> np.ndarray:
        """The site count limits (11) kept in the relaxation: at most ``max_open_sites`` (the most
        negative values stay), at least ``min_open_sites`` (the cheapest others join). Exact for
        choosing sites by value under a count, so the bound stays proven; applied only where no
        cover of must-serve demand is needed (its greedy cover would no longer be a bound)."""
        lo, hi = self.count_limits
        fixed = self.must_open.copy()
        shut = np.zeros_like(fixed)
        if force is not None:
            (fixed if force[1] > 0 else shut)[force[0]] = True
        if hi is not None and y.sum() > hi and fixed.sum() <= hi:
            optional = np.flatnonzero((y > 0) & ~fixed)
            keep = optional[np.argsort(value[optional], kind="stable")][:int(hi - fixed.sum())]
            y = fixed.astype(float)
            y[keep] = 1.0
        if lo is not None and y.sum() < lo:
            others = np.flatnonzero((y == 0) & finite & ~shut)
            y = y.copy()
            y[others[np.argsort(value[others], kind="stable")][:int(lo - y.sum())]] = 1.0
        return y

    def fixings(self, lam: np.ndarray, upper_bound: float) -> tuple[np.ndarray, np.ndarray]:
        """Sites proven closed, and proven open, in every plan cheaper than ``upper_bound``.

        Flipping one site's decision in the relaxation at ``lam`` gives a lower
        bound on every plan with that decision; where it exceeds the bound,
        the decision is fixed. Returns two arrays of site positions.
        """
        return self.fixings_from(self.evaluate(lam), upper_bound)

    def fixings_from(self, ev: Evaluation, upper_bound: float) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`fixings` from an evaluation of the relaxation (its site values and bound)."""
        base = ev.bound - self.choose_sites(ev.value)[1]
        tolerance = 1e-9 * max(1.0, abs(upper_bound)) + 1e-6
        closed, opened = [], []
        for s in np.flatnonzero(~self.must_open):
            flip = 0.0 if ev.y[s] > 0 else 1.0
            if flip == 1.0 and not np.isfinite(ev.value[s]):
                closed.append(s)
                continue
            part = self.choose_sites(ev.value, force=(s, flip))[1]
            if base + part > upper_bound + tolerance:
                (opened if flip == 0.0 else closed).append(s)
        return np.array(closed, dtype=int), np.array(opened, dtype=int)


def _by_value_per_hour(values: np.ndarray, hours: np.ndarray, site: np.ndarray) -> np.ndarray:
    """Items worth taking (value > 0), ordered by site, then value per printer-hour, best first."""
    useful = np.flatnonzero(values > 0)
    ratio = values[useful] / np.maximum(hours[useful], 1e-12)
    return useful[np.lexsort((-ratio, site[useful]))]


def _fill(order: np.ndarray, values: np.ndarray, hours: np.ndarray, quantity: np.ndarray, site: np.ndarray,
          capacity: np.ndarray, n_sites: int) -> tuple[np.ndarray, np.ndarray]:
    """Fill each site's ``capacity`` (printer-hours) with the items in ``order`` (from
    :func:`_by_value_per_hour`), the last one partly: the continuous knapsack's optimum.
    Returns (profit per site, units per item)."""
    x = np.zeros(len(values))
    if len(order) == 0:
        return np.zeros(n_sites), x
    s = site[order]
    load = hours[order] * quantity[order]
    cum = np.cumsum(load)
    starts = np.r_[0, np.flatnonzero(s[1:] != s[:-1]) + 1]
    before_site = np.repeat(cum[starts] - load[starts], np.diff(np.r_[starts, len(order)]))
    room = capacity[s] - (cum - load - before_site)
    x[order] = np.where(hours[order] > 0, np.clip(room / np.maximum(hours[order], 1e-12), 0.0, quantity[order]),
                        quantity[order])
    profit = np.bincount(site, weights=values * x, minlength=n_sites)
    return profit, x


def _knapsacks(values: np.ndarray, hours: np.ndarray, quantity: np.ndarray, site: np.ndarray,
               capacity: np.ndarray, n_sites: int) -> tuple[np.ndarray, np.ndarray]:
    """Continuous knapsack per site, greedy by value per hour: (profit per site, units per item)."""
    return _fill(_by_value_per_hour(values, hours, site), values, hours, quantity, site, capacity, n_sites)


def local_search(relax: Relaxation, tier: np.ndarray, start: np.ndarray, max_moves: int = 200
                 ) -> tuple[float, np.ndarray] | None:
    """Add/drop local search over open sites, each (zone, product) served from its cheapest open site.

    ``tier`` is the tier position per site, ``start`` the boolean mask of sites
    to start from. The estimate counts fixed costs, whole printers, production
    and transport, and the penalty of unmet demand; it ignores the rows the
    relaxation drops, so it only ranks site sets (HiGHS then solves the best
    one exactly). Returns (estimated cost in currency/year, open mask), or
    None when the start needs more printers at a site than it may have.
    """
    it, n_sites = relax.items, relax.n_sites
    item_tier = tier[it.site]
    columns = np.arange(len(it.site))
    hours = it.hours[item_tier, columns]
    unit = (it.cost + it.make_cost[item_tier, columns]
            + hours * (relax.printer_cost / relax.per_printer)[it.site])
    usable = np.isfinite(unit)
    fixed = relax.fixed_cost[tier, np.arange(n_sites)]
    cap = relax.max_printers[tier, np.arange(n_sites)] * relax.per_printer
    n_kp = len(relax.quantity)
    penalty = np.where(relax.has_penalty, relax.penalty, 1e12)

    def assign(mask):
        """Cheapest and second-cheapest open item per demand row (-1 / penalty where none)."""
        cand = np.flatnonzero(mask[it.site] & usable)
        best, best_cost, second = np.full(n_kp, -1), penalty.copy(), penalty.copy()
        if len(cand):
            order = cand[np.lexsort((unit[cand], it.kp[cand]))]
            kp = it.kp[order]
            first = np.ones(len(order), dtype=bool)
            first[1:] = kp[1:] != kp[:-1]
            top = order[first]
            better = unit[top] < penalty[it.kp[top]]
            best[it.kp[top][better]] = top[better]
            best_cost[it.kp[top][better]] = unit[top][better]
            rest = np.flatnonzero(~first)
            runner = np.ones(len(rest), dtype=bool)
            runner[1:] = kp[rest][1:] != kp[rest][:-1]
            nxt = order[rest[runner]]
            second[it.kp[nxt]] = np.minimum(penalty[it.kp[nxt]], unit[nxt])
        return best, best_cost, second

    def total(mask, assigned):
        best, best_cost, second = assigned
        used = best >= 0
        load = np.bincount(it.site[best[used]], weights=hours[best[used]] * relax.quantity[used],
                           minlength=n_sites)
        printers = np.ceil(load / relax.per_printer - 1e-9)
        site_fixed, excess = fixed, 0.0
        over = load > cap + 1e-6
        if over.any():
            if not relax.grow_tiers:
                return None
            site_fixed, excess = _grow(relax, load, over, fixed, best, used, second - best_cost)
        variable = np.sum(relax.quantity[used] * (it.cost[best[used]] + it.make_cost[item_tier[best[used]],
                                                                                     best[used]]))
        unmet = np.sum(np.where(used, 0.0, relax.quantity * penalty))
        opened = mask & ((load > 0) | relax.must_open)
        return (float(site_fixed[opened].sum() + (printers * relax.printer_cost).sum() + variable + unmet
                      + excess), opened)

    mask = start | relax.must_open
    found = total(mask, assign(mask))
    if found is None:
        return None
    cost, mask = found
    for _ in range(max_moves):
        best, best_cost, second = assign(mask)
        used = best >= 0
        extra = np.bincount(it.site[best[used]], weights=relax.quantity[used] * (second[used] - best_cost[used]),
                            minlength=n_sites)
        drop_gain = np.where(mask & ~relax.must_open, fixed - extra, -np.inf)
        closed = np.flatnonzero(~mask[it.site] & usable)
        gain = relax.quantity[it.kp[closed]] * np.maximum(0.0, best_cost[it.kp[closed]] - unit[closed])
        add_gain = np.where(mask | ~np.isfinite(fixed), -np.inf,
                            np.bincount(it.site[closed], weights=gain, minlength=n_sites) - fixed)
        moved = False
        for s in sorted({int(np.argmax(add_gain)), int(np.argmax(drop_gain))},
                        key=lambda s: -max(add_gain[s], drop_gain[s])):
            if max(add_gain[s], drop_gain[s]) <= 1e-6:
                continue
            trial = mask.copy()
            trial[s] = not trial[s]
            found = total(trial, assign(trial))
            if found is not None and found[0] < cost - 1e-6:
                cost, mask = found
                moved = True
                break
        if not moved:
            break
    return cost, mask


def _grow(relax: Relaxation, load, over, fixed, best, used, regret) -> tuple[np.ndarray, float]:
    """For the local search of :attr:`Relaxation.grow_tiers` relaxations: an overloaded site moves
    to its cheapest tier that holds its load; where none does, the share of its units beyond its
    largest tier is charged what serving them from their next-cheapest site (or leaving them
    unmet) costs more (``regret``, currency/unit per demand row). Returns the fixed cost per site
    and that extra charge (currency/year)."""
    it = relax.items
    caps = relax.max_printers * relax.per_printer[None, :]
    holds = caps >= load[None, :] - 1e-6
    fits = np.where(holds, relax.fixed_cost, np.inf).min(axis=0)
    site_fixed = np.where(over & np.isfinite(fits), fits, fixed)
    short = over & ~np.isfinite(fits)
    if not short.any():
        return site_fixed, 0.0
    largest = np.argmax(caps, axis=0)
    site_fixed = np.where(short, relax.fixed_cost[largest, np.arange(relax.n_sites)], site_fixed)
    share = np.where(short, 1.0 - caps.max(axis=0) / np.maximum(load, 1e-12), 0.0)
    rows = np.flatnonzero(used)
    s = it.site[best[rows]]
    extra = relax.quantity[rows] * regret[rows] * share[s]
    return site_fixed, float(np.sum(extra))


def site_columns(blocks: ModelBlocks, data: ModelData, shut: np.ndarray) -> dict[str, np.ndarray]:
    """Columns to keep (a mask per variable block) when the sites at positions ``shut`` are closed:
    everything of theirs goes (their Open, Printers, Make, Tooled, Ship and Assign are zero then,
    and so are transfers from or to them and their stocks' tangents)."""
    closed = np.zeros(len(data.sites), dtype=bool)
    closed[np.asarray(shut, dtype=int)] = True
    frames = {"Open": data.open_index, "Printers": data.site_tech, "Make": data.make, "Tooled": data.tooling,
              "Ship": data.ship, "Assign": data.skp}
    keep = {name: ~closed[lookup(frame, ["site"], data.sites)] for name, frame in frames.items()
            if name in blocks.variables and blocks.variables[name].size}
    if "Transfer" in blocks.variables:
        tr = data.transfers
        keep["Transfer"] = ~(closed[lookup(tr, ["from_site"], data.sites, ["site"])]
                             | closed[lookup(tr, ["to_site"], data.sites, ["site"])])
    if "Band" in blocks.variables:
        keep["Band"] = keep["BandPrinters"] = ~closed[lookup(data.site_bands, ["site"], data.sites)]
    if "Down" in blocks.variables:
        keep["Down"] = ~closed[lookup(data.downgrades, ["site"], data.sites)]
    if "StockPiece" in blocks.variables:
        stock_shut = closed[lookup(data.stock, ["site"], data.sites)][data.tangents["stock"].to_numpy()]
        keep["StockPiece"] = keep["StockChoice"] = ~stock_shut
    return keep


def restrict(blocks: ModelBlocks, data: ModelData, closed: np.ndarray, opened: np.ndarray) -> ModelBlocks:
    """The model without the sites at positions ``closed`` and with those at ``opened`` forced open."""
    rows = list(blocks.rows)
    if len(opened):
        for i, block in enumerate(rows):
            if block.name == "OneTier":
                lower = block.lower.copy()
                lower[opened] = 1.0
                rows[i] = replace(block, lower=lower)
    return ModelBlocks(blocks.variables, rows, blocks.costs).subset(site_columns(blocks, data, closed))


def open_values(data: ModelData, mask: np.ndarray, tier: np.ndarray) -> np.ndarray:
    """0/1 per row of ``data.open_index``: the sites in ``mask`` open at their tier in ``tier``."""
    oi = data.open_index
    site = lookup(oi, ["site"], data.sites)
    tiers = list(data.tiers["tier"])
    row_tier = np.array([tiers.index(t) for t in oi["tier"]], dtype=int)
    return (mask[site] & (row_tier == tier[site])).astype(float)
