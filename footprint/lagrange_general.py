"""The Lagrangian relaxation for the general model: several technologies per site (issue 12).

:class:`footprint.lagrange.Relaxation` solves each site's problem as one
knapsack, which needs every site to host one technology. Real networks host
several at a site (a regional hub with FDM, SLS and MJF printers), and one
product can often be made on more than one of them. Here each site's problem
keeps that choice. The demand rows (1) are priced at λ[k,p] per unit and
dropped; what remains splits by site.

Symbols, for one site s at one tier l:

* items i = (k, p) the site can reach, value ``v_i = λ[k,p] − c_i`` with c_i
  its cheapest lane's cost (transport, duty, lateness, carbon), q_i units;
* options o = (p, t): p made on technology t at tier l, unit cost ``a_o``
  (production with the site's and tier's multipliers, carbon, the tooling's
  per-unit share setup/M), printer cost ``b_t`` (currency per printer-year),
  printers per unit ``r_o = h[p,t] / (ū[t]·H[t])``;
* P: the slot limit (6), printers of every technology together.

The site's best profit with continuous printers is a linear programme.
Pricing each technology's hours at π_t and the slot row at μ ≥ 0 bounds it
from above for every μ (weak duality); with π_t = (b_t + μ)/(ū·H) the printers drop out and what is left
is, per product, the cheapest option at that slot price::

    φ(μ) = Σ_p Σ_{i∈p} q_i · max(0, v_i − c_p(μ)) + μ·P,
    c_p(μ) = min_{o∈p} (a_o + (b_o + μ)·r_o).

φ is convex in μ: bisection on its slope finds the site's LP profit, per
site and tier at once, and any μ gives a valid bound.

A site at tier l is worth ``fixed cost − profit``; sites are chosen as in the
one-technology relaxation (by sign, forced ones, a cover of the must-serve
printer-years, the site count limits where no cover is needed), so the bound
is a proven one. Rows dropped: site counts (11) where a cover is needed,
service level (12), single sourcing (10), valid inequalities (13)–(16),
whole printers, minimum utilisation (4), per-technology printer limits below
the slot limit, and tooling beyond its per-unit share; dropping rows only
lowers a bound. Whole printers and minimum utilisation come back in the exact
solves of candidate site sets and in HiGHS's search on the reduced model
(footprint.bounding). Measured on the whole-network flagship, solving each
site's problem with whole printers instead (a small mixed-integer programme
per site and tier, 3–4 s for all of them) raised the bound by 0.2 % only: the
gap there lies in which sites open, not inside them.

Stock (SPEC §8): a lane from a site's stock is an item like any other (its
cost includes the stock's per-unit holding cost); the safety stock's square
root is dropped (a cost left out lowers the bound). A warehouse fed by
transfers gets one more option per product and tier, with no printers: its
stock bought at the price π[w,p] of its stock balance row, which is relaxed
too (issue 18). The senders sell at that price: per (sender, product) one
more item worth the best π less the transfer's cost, up to the product's
whole demand (all transfers of a product are shipped from stock, so they
never exceed it). Without this the plant could stay at its smallest tier
while the warehouses bought at its cheapest cost: on the flagship the bound
sat 1 % under the plan (the plant tier's 0.54 M a year); with it, 0.36 %.
π starts at a lower bound of the landed cost (:func:`_transfer_supply`) and
moves by subgradient steps with the demand multipliers.

Utilisation bands (SPEC §9): each band of a technology is an option with its
own printers per unit r_o = h/(ū_b·H), and an item may only take the options
fast enough for its lanes (:func:`_item_classes`): the urgent item pays for
the relaxed band's extra printers. The one-band-per-technology row is dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from footprint.derive import ModelData
from footprint.lagrange import (Evaluation, Items, Relaxation, cheapest_lanes, one_technology, setup_share,
                                site_terms)
from footprint.model.index import lookup
from footprint.stock import STOCK

#: bisection steps on the slot price μ per evaluation (the bound is valid at any μ; this sets how tight)
SLOT_PRICE_STEPS = 24


class GeneralRelaxation(Relaxation):
    """The Lagrangian relaxation of the demand rows where sites host several technologies.

    Shares :meth:`Relaxation.choose_sites` and :meth:`Relaxation.start_multipliers`
    with the one-technology relaxation; ``items.make_cost`` and ``items.hours``
    hold each item's cheapest option at μ = 0 (printers priced in) and its
    printers per unit, so that :func:`footprint.lagrange.local_search` ranks
    site sets the same way.
    """

    grow_tiers = True
    #: measured on the whole-network flagship: HiGHS finds a plan within 1 % of a site set's own
    #: bound in about 6 s, within 0.2 % only after 50 s
    plan_gap = 0.01
    guided_plans = True
    first_improvement = True
    #: the general model's plans improve for longer than its bound climbs: on the whole-network
    #: flagship the bound rose 0.6 % between 25 s and 80 s of steps, while exact add/drop moves
    #: took 3-6 s each and kept improving the plan; on the generated 600-city case the plan went
    #: from 75.7 M to 30.5 M over 60 s of moves
    step_share = 0.35
    #: price the warehouses' stock balance rows (π, see :meth:`evaluate`); off, a warehouse buys at
    #: the fixed lower bound of its landed cost and no sender sells (the benchmarks compare both)
    price_stocks = True

    def __init__(self, data: ModelData):
        self.data = data
        site_terms(self, data)
        lanes, site, kp = cheapest_lanes(data)
        mk, st, sites = data.make, data.site_tech, data.sites
        tiers = list(data.tiers["tier"])
        products = pd.Index(np.unique(mk["product"].to_numpy()))
        self.n_products = max(len(products), 1)
        product = products.get_indexer(lanes["product"])

        # Options: one per make row (site, tier, product, technology, band), sorted by (site, tier, product).
        st_pos = lookup(mk, ["site", "technology"], st)
        per_printer = np.maximum(st["usable_hours"].to_numpy(float)[st_pos], 1e-12)
        share = setup_share(data)
        o_site = lookup(mk, ["site"], sites)
        o_tier = np.array([tiers.index(t) for t in mk["tier"]], dtype=int)
        o_prod = products.get_indexer(mk["product"])
        # A band's option makes at its own cap (SPEC section 9): the relaxed band needs more printers.
        in_band = per_printer.copy()
        sb = data.site_bands
        if sb is not None and len(sb):
            pos = lookup(mk, ["site", "technology", "band"], sb)
            in_band = np.where(pos >= 0, sb["usable_hours"].to_numpy(float)[np.maximum(pos, 0)], per_printer)
        slots = mk["hours_per_unit"].to_numpy(float) / in_band
        base = (mk["unit_cost"].to_numpy(float) + share
                + st["printer_cost"].to_numpy(float)[st_pos] * mk["hours_per_unit"].to_numpy(float) / in_band)
        supply = _transfer_supply(data, base)
        self.n_dem = len(self.quantity)
        self.supply_start = supply["unit_cost"].to_numpy(float)
        o_group, o_rank = mk["group"].to_numpy(), mk["rank"].to_numpy(int)
        o_supply = np.full(len(o_site), -1, dtype=np.int64)
        if len(supply):
            # A warehouse's stock as one more option per tier, no printers of its own, bought at the
            # stock price π of its stock balance row (see evaluate).
            w_site = lookup(supply, ["to_site"], sites, ["site"])
            w_prod = products.get_indexer(supply["product"])
            o_site = np.r_[o_site, np.repeat(w_site, self.n_tiers)]
            o_tier = np.r_[o_tier, np.tile(np.arange(self.n_tiers), len(supply))]
            o_prod = np.r_[o_prod, np.repeat(w_prod, self.n_tiers)]
            slots = np.r_[slots, np.zeros(len(supply) * self.n_tiers)]
            base = np.r_[base, np.repeat(self.supply_start, self.n_tiers)]
            o_group = np.r_[o_group, np.full(len(supply) * self.n_tiers, "", dtype=object)]
            o_rank = np.r_[o_rank, np.zeros(len(supply) * self.n_tiers, dtype=int)]
            o_supply = np.r_[o_supply, np.repeat(np.arange(len(supply)), self.n_tiers)]
        # The senders' side of the stock balance rows: each transfer is an item of the site that
        # sends it, worth π minus the transfer's own cost, up to what the warehouse can ship.
        moves, senders = _transfer_items(data, supply if self.price_stocks else supply.iloc[:0], sites, products)
        n_lane_items = len(site)
        all_site = np.r_[site, senders["site"]].astype(np.int64)
        all_product = np.r_[product, senders["product"]].astype(np.int64)
        # With utilisation bands an item may only take the options fast enough for its lanes: its
        # "product" becomes (product, the options it may take), see _item_classes. A transfer
        # takes any option of its product (a relaxation: only make-to-stock ones could feed it).
        self.item_product = all_product.copy()
        all_product, o_prod, keep = _item_classes(data, all_site, all_product, o_site, o_prod, o_group, o_rank)
        product = all_product[:n_lane_items]
        self.n_products = max(self.n_products, int(all_product.max(initial=-1)) + 1,
                              int(o_prod.max(initial=-1)) + 1)
        o_site, o_tier, slots, base, o_supply = o_site[keep], o_tier[keep], slots[keep], base[keep], o_supply[keep]
        sp_code = (o_site.astype(np.int64) * self.n_tiers + o_tier) * self.n_products + o_prod
        order = np.argsort(sp_code, kind="stable")
        self.o_sp = sp_code[order]
        self.o_slots = slots[order]
        self.o_base = base[order]
        self._base_now = self.o_base
        self.o_supply = o_supply[order]
        self._supply_options = np.flatnonzero(self.o_supply >= 0) if self.price_stocks else np.zeros(0, int)
        self.sp_starts = np.r_[0, np.flatnonzero(np.diff(self.o_sp)) + 1] if len(order) else np.zeros(0, int)
        self.sp_code = self.o_sp[self.sp_starts]
        self.sp_site = self.sp_code // (self.n_tiers * self.n_products)
        self.sp_tier = (self.sp_code // self.n_products) % self.n_tiers
        self.sp_product = self.sp_code % self.n_products
        self.o_sp_row = np.repeat(np.arange(len(self.sp_starts)), np.diff(np.r_[self.sp_starts, len(order)]))
        # Per [tier, site], 1 / the fewest printers per unit among its options that use printers:
        # the slot price above which no unit of value v is worth making is v times this.
        fewest = np.full((self.n_tiers, self.n_sites), np.inf)
        uses = self.o_slots > 0
        rows = self.o_sp_row[uses]
        np.minimum.at(fewest, (self.sp_tier[rows], self.sp_site[rows]), self.o_slots[uses])
        self.slot_range = np.where(np.isfinite(fewest), 1.0 / fewest, 0.0)

        # Slot limit per [tier, site] in printers: the slot row (6), capped by the technologies' own limits.
        tt = data.tier_tech
        tech_sum = np.zeros((self.n_tiers, self.n_sites))
        np.add.at(tech_sum, (np.array([tiers.index(t) for t in tt["tier"]], dtype=int),
                             lookup(tt, ["site"], sites)), tt["pbar"].to_numpy(float))
        slot = np.full((self.n_tiers, self.n_sites), np.inf)
        oi = data.open_index
        slot[np.array([tiers.index(t) for t in oi["tier"]], dtype=int), lookup(oi, ["site"], sites)] = \
            oi["slot_limit"].fillna(np.inf).to_numpy(float)
        self.slots = np.minimum(slot, tech_sum)

        # Items (lanes, then transfers), grouped by (site, product): the group's threshold c_p(μ)
        # decides which it takes.
        self.all_site = all_site
        self.lane_kp, self.lane_cost = kp, lanes["unit_cost"].to_numpy(float)
        self.moves, self.move_starts = moves, senders["start"]
        self.all_quantity = np.r_[self.quantity[kp], senders["quantity"]]
        if not self.price_stocks:
            supply = supply.iloc[:0]
            self.supply_start = np.zeros(0)
        self.supply_site = lookup(supply, ["to_site"], sites, ["site"]) if len(supply) else np.zeros(0, int)
        self.supply_code = (self.supply_site.astype(np.int64) * len(products)
                            + products.get_indexer(supply["product"])) if len(supply) else np.zeros(0, np.int64)
        self.n_base_products = len(products)
        reach = senders["quantity"]
        # Stock prices move in steps scaled by the geometric mean of the two rows' sizes: measured on
        # the flagship (1,244 zones, 7 warehouses), the full ratio left them where they started
        # (61.65 M, the plant at its smallest tier), the square root gave 61.95 M.
        self.pi_scale = (float(np.sqrt(self.quantity.mean() / reach.mean()))
                         if len(reach) and reach.mean() > 0 and len(self.quantity) else 1.0)
        self.group = all_site * self.n_products + all_product
        self._order = np.argsort(self.group, kind="stable")  # last evaluation's item order (sorts fast again)
        self._grouped = self.group[self._order]
        self._group_start = np.searchsorted(self._grouped, np.arange(self.n_sites * self.n_products))
        best, slots = self._thresholds(np.zeros((self.n_tiers, self.n_sites)))
        make_cost = np.full((self.n_tiers, len(site)), np.inf)
        hours = np.zeros((self.n_tiers, len(site)))
        for li in range(self.n_tiers):
            code = (site.astype(np.int64) * self.n_tiers + li) * self.n_products + product
            pos = np.minimum(np.searchsorted(self.sp_code, code), max(len(self.sp_code) - 1, 0))
            found = self.sp_code[pos] == code if len(self.sp_code) else np.zeros(len(code), bool)
            make_cost[li, found] = best[pos[found]]
            hours[li, found] = slots[pos[found]]
        self.items = Items(site=site, kp=kp, cost=lanes["unit_cost"].to_numpy(float), make_cost=make_cost,
                           hours=hours, quantity=self.quantity[kp])
        self.n_lane_items = n_lane_items
        self.printer_cost = np.zeros(self.n_sites)  # priced into make_cost
        self.per_printer = np.ones(self.n_sites)     # capacities in printers
        self.max_printers = np.where(np.isfinite(self.slots), np.floor(self.slots + 1e-9), 0.0)
        # Cover of the must-serve demand, in printers: each unit at its fewest printers per unit anywhere.
        fewest = pd.Series(mk["hours_per_unit"].to_numpy(float) / per_printer).groupby(mk["product"].to_numpy()).min()
        per_demand = data.demand["product"].map(fewest).to_numpy(float)
        must = ~self.has_penalty & ~np.isnan(per_demand)
        self.demand_hours = float(np.sum(self.quantity[must] * per_demand[must]))
        self.hours_cap = self.max_printers.max(axis=0)

    # -- the fast bound ------------------------------------------------------------------------------

    def _thresholds(self, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per (site, tier, product) row of ``sp_code``: the cheapest option's cost c_p(μ) and its
        printers per unit, at slot prices ``mu[tier, site]`` (currency per printer-year)."""
        if not len(self.o_sp):
            return np.zeros(0), np.zeros(0)
        sp = self.o_sp_row
        cost = self._base_now + mu[self.sp_tier[sp], self.sp_site[sp]] * self.o_slots
        best = np.minimum.reduceat(cost, self.sp_starts)
        is_best = cost <= best[sp] + 1e-12
        slots = np.full(len(self.sp_starts), np.inf)
        np.minimum.at(slots, sp[is_best], self.o_slots[is_best])
        return best, slots

    def evaluate(self, lam: np.ndarray) -> Evaluation:
        """The fast bound at multipliers ``lam`` (currency/unit per demand row)."""
        lam = self._prices(lam)
        v = np.r_[lam[self.lane_kp] - self.lane_cost, self._transfer_values(lam)[0]]
        self._base_now = self._priced_base(lam)
        curve = _SupplyCurves(self._grouped, self._group_start, v, self.all_quantity, self._order)
        self._order = curve.order
        sp_group = self.sp_site * self.n_products + self.sp_product
        shape = (self.n_tiers, self.n_sites)
        cell = self.sp_tier * self.n_sites + self.sp_site
        room = np.where(np.isfinite(self.slots), self.slots, 0.0)

        def phi(mu):
            """φ per [tier, site] at slot prices ``mu``, and its slope (printers)."""
            c, slots = self._thresholds(mu)
            units, value = curve.above(sp_group, c)
            profit = np.bincount(cell, value - c * units, shape[0] * shape[1]).reshape(shape)
            used = np.bincount(cell, units * np.where(np.isfinite(slots), slots, 0.0),
                               shape[0] * shape[1]).reshape(shape)
            return profit + mu * room, room - used

        mu = np.zeros(shape)
        _, slope = phi(mu)
        binding = np.isfinite(self.slots) & (slope < 0)
        if binding.any():
            # Bisection on the slope: above the largest value per printer nothing is taken.
            # The range per [tier, site], from its own options that use printers: one range for all
            # (set by a warehouse's stock, with no printers, or by a moulding machine making a
            # million units a year) left μ off by millions, then by one, per site after 24 halvings.
            top = np.maximum(v.max(initial=0.0), 0.0) * self.slot_range + 1.0
            lo, hi = np.zeros(shape), np.where(binding, top, 0.0)
            for _ in range(SLOT_PRICE_STEPS):
                mid = (lo + hi) / 2
                _, slope = phi(mid)
                lo = np.where(binding & (slope < 0), mid, lo)
                hi = np.where(binding & (slope >= 0), mid, hi)
            mu = np.where(binding, hi, 0.0)
        profit, _ = phi(mu)
        site_values = np.where(np.isfinite(self.fixed_cost), self.fixed_cost - profit, np.inf)
        # What each site supplies at a tier: every item worth more than its product's threshold there.
        c, _ = self._thresholds(mu)
        return self._evaluation(lam, site_values, c, v)

    def _prices(self, lam: np.ndarray) -> np.ndarray:
        """The multipliers in currency per unit: the stock prices are kept divided by
        ``pi_scale`` so that one subgradient step moves both kinds alike (a stock balance row
        carries a whole warehouse's units of a product, a demand row one zone's)."""
        if len(lam) == self.n_dem:   # demand multipliers only: each stock at its landed lower bound
            return np.r_[lam, self.supply_start]
        return np.r_[lam[:self.n_dem], lam[self.n_dem:] * self.pi_scale]

    def _priced_base(self, lam: np.ndarray) -> np.ndarray:
        """The options' costs with each warehouse's stock at its price π (the tail of ``lam``)."""
        if not len(self._supply_options):
            return self.o_base
        base = self.o_base.copy()
        base[self._supply_options] = lam[self.n_dem + self.o_supply[self._supply_options]]
        return base

    def _evaluation(self, lam, site_values, c, v) -> Evaluation:
        """Sites chosen from ``site_values[tier, site]``, the bound, and what they supply (thresholds
        ``c`` per (site, tier, product) row; ``v`` the items' values)."""
        tier = np.argmin(site_values, axis=0)
        value = site_values[tier, np.arange(self.n_sites)]
        y, site_part = self.choose_sites(value)
        threshold = np.full(self.n_sites * self.n_products, np.inf)
        at_tier = self.sp_tier == tier[self.sp_site]
        threshold[(self.sp_site * self.n_products + self.sp_product)[at_tier]] = c[at_tier]
        x = np.where(v > threshold[self.group], self.all_quantity, 0.0) * y[self.all_site]
        lane = slice(0, self.n_lane_items)
        served = np.bincount(self.lane_kp, weights=x[lane], minlength=self.n_dem)
        lam_d = lam[:self.n_dem]
        unmet = np.where(self.has_penalty & (self.penalty < lam_d), self.quantity, 0.0)
        unmet_part = np.where(self.has_penalty, self.quantity * np.minimum(0.0, self.penalty - lam_d), 0.0).sum()
        bound = float(lam_d @ self.quantity + unmet_part + site_part)
        extra = None
        if len(self.supply_code):
            # Stock balance rows' subgradient: what each warehouse ships from stock less what
            # its senders transfer in.
            code = self.all_site[lane] * self.n_base_products + self.item_product[lane]
            shipped = pd.Series(x[lane]).groupby(code).sum()
            out = shipped.reindex(self.supply_code).fillna(0.0).to_numpy(float)
            _, best_row = self._transfer_values(lam)
            moved = np.bincount(self.moves["supply"][best_row], weights=x[self.n_lane_items:],
                                minlength=len(self.supply_code))
            extra = out - moved
        return Evaluation(bound=bound, y=y, value=value, tier=tier, supplied=served + unmet, extra=extra)

    def _transfer_values(self, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per (sender, product): the best a unit transferred to a warehouse earns, π less the
        transfer's cost (currency/unit), and the transfer row that earns it."""
        if not len(self.move_starts):
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        earn = lam[self.n_dem + self.moves["supply"]] - self.moves["cost"]
        best = np.maximum.reduceat(earn, self.move_starts)
        group = np.repeat(np.arange(len(self.move_starts)), np.diff(np.r_[self.move_starts, len(earn)]))
        is_best = earn >= best[group]
        row = np.full(len(self.move_starts), len(earn), dtype=np.int64)
        np.minimum.at(row, group[is_best], np.flatnonzero(is_best))
        return best, row

    def direction(self, ev: Evaluation) -> np.ndarray:
        """The subgradient: demand not supplied per demand row, then per stock balance row the
        units shipped from the stock less those transferred into it (units/year)."""
        own = self.quantity - ev.supplied
        return own if ev.extra is None else np.r_[own, ev.extra * self.pi_scale]

    def project(self, lam: np.ndarray) -> np.ndarray:
        """No unit is worth more than its unmet penalty; stock prices are free (equality rows)."""
        return np.r_[np.minimum(lam[:self.n_dem], self.penalty), lam[self.n_dem:]]

    def start_multipliers(self) -> np.ndarray:
        """Beasley's start for the demand rows; each stock at the lower bound of its landed cost."""
        return np.r_[super().start_multipliers(), self.supply_start / self.pi_scale]


class _SupplyCurves:
    """Items grouped by (site, product), each group sorted by value, best first: how many units and
    how much value lie above a threshold, per group, by one ``searchsorted``.

    ``previous`` is the last evaluation's order (grouped, so ``group[previous]`` is the sorted
    ``grouped`` array and ``start`` its group starts, both fixed): multipliers move a little
    between steps, so the keys are nearly sorted and a stable (run-merging) sort takes a
    fraction of a full one."""

    def __init__(self, grouped: np.ndarray, start: np.ndarray, value: np.ndarray, quantity: np.ndarray,
                 previous: np.ndarray):
        self.width = 2.0 * float(np.abs(value).max(initial=0.0)) + 2.0
        offset = grouped * self.width
        moved = np.argsort(offset - value[previous], kind="stable")
        order = previous[moved]
        self.order = order
        sorted_value = value[order]
        self.key = offset - sorted_value
        q = quantity[order]
        self.cum_q = np.r_[0.0, np.cumsum(q)]
        self.cum_qv = np.r_[0.0, np.cumsum(q * sorted_value)]
        self.start = start

    def above(self, group: np.ndarray, threshold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Units and Σ q·v of the items of each ``group`` whose value exceeds ``threshold``."""
        half = self.width / 2
        c = np.clip(np.where(np.isfinite(threshold), threshold, half), -half, half)
        end = np.searchsorted(self.key, group * self.width - c, side="left")
        begin = self.start[group]
        end = np.maximum(end, begin)
        return self.cum_q[end] - self.cum_q[begin], self.cum_qv[end] - self.cum_qv[begin]


def _item_classes(data: ModelData, site, product, o_site, o_prod, o_group, o_rank):
    """With utilisation bands (SPEC section 9), items and options re-keyed by *class*.

    An item (site, zone, product) whose lanes are all made to order in one group g, at levels up
    to r, can only be served by options of g at a level ≤ r (a band fast enough); any other item
    (a lane from stock, or from several groups) by every option of its product. Each class of a
    product is one "product" of the site problem: its options are those it may take (an option
    is repeated into every class present at its site that may take it). Without bands every item
    takes every option, as before. Returns the items' new product codes, the kept options' new
    product codes, and which of the options (repeated) to keep as indices into them."""
    sb = data.site_bands
    if sb is None or sb.empty or not len(site):
        return product, o_prod, np.arange(len(o_prod))
    from footprint.stock import STOCK

    sh = data.ship
    lanes = pd.DataFrame({"skp": data.skp_ids, "stock": sh["source"].to_numpy() == STOCK,
                          "group": sh["_group"].to_numpy(), "rank": sh["_rank"].to_numpy(int)})
    made = lanes[~lanes["stock"]]
    per_item = pd.DataFrame({"stock": lanes.groupby("skp")["stock"].any()})
    per_item["groups"] = made.groupby("skp")["group"].nunique()
    per_item["group"] = made.groupby("skp")["group"].first()
    per_item["rank"] = made.groupby("skp")["rank"].max()
    per_item = per_item.reindex(np.arange(len(site)))
    any_option = per_item["stock"].fillna(True).to_numpy(bool) | (per_item["groups"].fillna(0).to_numpy() != 1)
    item_group = np.where(any_option, "", per_item["group"].fillna("").to_numpy(object))
    item_rank = np.where(any_option, -1, per_item["rank"].fillna(-1).to_numpy()).astype(int)
    items = pd.DataFrame({"site": site, "product": product, "group": item_group, "rank": item_rank})
    classes = items[["product", "group", "rank"]].drop_duplicates().reset_index(drop=True)
    classes["code"] = np.arange(len(classes))
    items = items.merge(classes, on=["product", "group", "rank"], how="left")
    present = items[["site", "product", "group", "rank", "code"]].drop_duplicates()
    options = pd.DataFrame({"at": np.arange(len(o_site)), "site": o_site, "product": o_prod,
                            "o_group": o_group, "o_rank": o_rank})
    joined = options.merge(present, on=["site", "product"])
    fits = (joined["rank"].to_numpy() < 0) | ((joined["o_group"].to_numpy() == joined["group"].to_numpy())
                                              & (joined["o_rank"].to_numpy() <= joined["rank"].to_numpy()))
    joined = joined[fits]
    return items["code"].to_numpy(np.int64), joined["code"].to_numpy(np.int64), joined["at"].to_numpy()


def _transfer_supply(data: ModelData, make_cost: np.ndarray) -> pd.DataFrame:
    """Per (warehouse, product) fed by transfers, a lower bound on what a unit in its stock costs
    (currency/unit): the cheapest transfer into it plus the cheapest way its sender makes the
    product to stock (``make_cost`` per make row: production, carbon, tooling's and printers'
    per-unit shares). The sender's fixed costs and capacity are left out, which only lowers
    the bound (SPEC section 8: a warehouse's site problem buys its stock at this price)."""
    tr = data.transfers
    if tr is None or tr.empty:
        return pd.DataFrame(columns=["to_site", "product", "unit_cost"])
    mk = data.make
    to_stock = (mk["source"] == STOCK).to_numpy()
    made = pd.Series(make_cost[to_stock]).groupby([mk["site"].to_numpy()[to_stock],
                                                   mk["product"].to_numpy()[to_stock]]).min()
    made.index.names = ["from_site", "product"]
    landed = tr["unit_cost"].to_numpy(float) + tr.join(made.rename("made"), on=["from_site", "product"])["made"]
    out = tr[["to_site", "product"]].assign(unit_cost=landed.to_numpy(float))
    out = out[np.isfinite(out["unit_cost"])]
    return out.groupby(["to_site", "product"], as_index=False)["unit_cost"].min()


def _transfer_items(data: ModelData, supply: pd.DataFrame, sites: pd.DataFrame, products: pd.Index
                    ) -> tuple[dict, dict]:
    """The transfers as items of their senders. Returns the transfer rows, sorted by (sender,
    product) (site and product positions, the stock balance row in ``supply`` each feeds, its
    cost: transport, duty, carbon per unit) and one item per (sender, product): its rows'
    ``start``, and the most it can carry, the product's whole demand (units/year): what is
    transferred is shipped from stock, so all transfers of a product together never exceed
    its demand, which keeps a sender from selling every warehouse the whole demand at once."""
    tr = data.transfers
    keys = ("site", "product", "supply", "cost")
    none = ({k: np.zeros(0, dtype=float if k == "cost" else np.int64) for k in keys},
            {"site": np.zeros(0, np.int64), "product": np.zeros(0, np.int64), "start": np.zeros(0, np.int64),
             "quantity": np.zeros(0)})
    if tr is None or tr.empty or supply.empty:
        return none
    row = lookup(tr, ["to_site", "product"], supply)
    prod = products.get_indexer(tr["product"])
    ok = (row >= 0) & (prod >= 0)
    if not ok.any():
        return none
    site = lookup(tr, ["from_site"], sites, ["site"])[ok]
    order = np.lexsort((prod[ok], site))
    moves = {"site": site[order], "product": prod[ok][order], "supply": row[ok][order],
             "cost": tr["unit_cost"].to_numpy(float)[ok][order]}
    code = moves["site"].astype(np.int64) * max(len(products), 1) + moves["product"]
    start = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    total = data.demand.groupby("product")["quantity"].sum()
    quantity = total.reindex(products[moves["product"][start]]).fillna(0.0).to_numpy(float)
    return moves, {"site": moves["site"][start], "product": moves["product"][start], "start": start,
                   "quantity": quantity}


def relaxation_for(data: ModelData) -> Relaxation:
    """The relaxation that fits the model: the knapsack one where every site hosts one technology
    (whole printers) and no site is fed by transfers, the general one (:class:`GeneralRelaxation`)
    otherwise."""
    moved = data.transfers is not None and len(data.transfers) > 0
    banded = data.site_bands is not None and len(data.site_bands) > 0
    return Relaxation(data) if one_technology(data) and not (moved or banded) else GeneralRelaxation(data)
