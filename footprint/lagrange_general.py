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
stock bought at a lower bound of the landed cost (:func:`_transfer_supply`),
the sender's fixed costs and capacity left out.

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
        o_group, o_rank = mk["group"].to_numpy(), mk["rank"].to_numpy(int)
        if len(supply):
            # A warehouse's stock as one more option per tier: no printers of its own.
            w_site = lookup(supply, ["to_site"], sites, ["site"])
            w_prod = products.get_indexer(supply["product"])
            o_site = np.r_[o_site, np.repeat(w_site, self.n_tiers)]
            o_tier = np.r_[o_tier, np.tile(np.arange(self.n_tiers), len(supply))]
            o_prod = np.r_[o_prod, np.repeat(w_prod, self.n_tiers)]
            slots = np.r_[slots, np.zeros(len(supply) * self.n_tiers)]
            base = np.r_[base, np.repeat(supply["unit_cost"].to_numpy(float), self.n_tiers)]
            o_group = np.r_[o_group, np.full(len(supply) * self.n_tiers, "", dtype=object)]
            o_rank = np.r_[o_rank, np.zeros(len(supply) * self.n_tiers, dtype=int)]
        # With utilisation bands an item may only take the options fast enough for its lanes: its
        # "product" becomes (product, the options it may take), see _item_classes.
        product, o_prod, keep = _item_classes(data, site, product, o_site, o_prod, o_group, o_rank)
        self.n_products = max(self.n_products, int(product.max(initial=-1)) + 1, int(o_prod.max(initial=-1)) + 1)
        o_site, o_tier, slots, base = o_site[keep], o_tier[keep], slots[keep], base[keep]
        sp_code = (o_site.astype(np.int64) * self.n_tiers + o_tier) * self.n_products + o_prod
        order = np.argsort(sp_code, kind="stable")
        self.o_sp = sp_code[order]
        self.o_slots = slots[order]
        self.o_base = base[order]
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

        # Items, grouped by (site, product): the group's threshold c_p(μ) decides which it takes.
        self.group = site.astype(np.int64) * self.n_products + product
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
        cost = self.o_base + mu[self.sp_tier[sp], self.sp_site[sp]] * self.o_slots
        best = np.minimum.reduceat(cost, self.sp_starts)
        is_best = cost <= best[sp] + 1e-12
        slots = np.full(len(self.sp_starts), np.inf)
        np.minimum.at(slots, sp[is_best], self.o_slots[is_best])
        return best, slots

    def evaluate(self, lam: np.ndarray) -> Evaluation:
        """The fast bound at multipliers ``lam`` (currency/unit per demand row)."""
        it = self.items
        v = lam[it.kp] - it.cost
        curve = _SupplyCurves(self._grouped, self._group_start, v, it.quantity, self._order)
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

    def _evaluation(self, lam, site_values, c, v) -> Evaluation:
        """Sites chosen from ``site_values[tier, site]``, the bound, and what they supply (thresholds
        ``c`` per (site, tier, product) row; ``v`` the items' values)."""
        it = self.items
        tier = np.argmin(site_values, axis=0)
        value = site_values[tier, np.arange(self.n_sites)]
        y, site_part = self.choose_sites(value)
        threshold = np.full(self.n_sites * self.n_products, np.inf)
        at_tier = self.sp_tier == tier[self.sp_site]
        threshold[(self.sp_site * self.n_products + self.sp_product)[at_tier]] = c[at_tier]
        x = np.where(v > threshold[self.group], it.quantity, 0.0)
        served = np.bincount(it.kp, weights=x * y[it.site], minlength=len(lam))
        unmet = np.where(self.has_penalty & (self.penalty < lam), self.quantity, 0.0)
        unmet_part = np.where(self.has_penalty, self.quantity * np.minimum(0.0, self.penalty - lam), 0.0).sum()
        bound = float(lam @ self.quantity + unmet_part + site_part)
        return Evaluation(bound=bound, y=y, value=value, tier=tier, supplied=served + unmet)


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


def relaxation_for(data: ModelData) -> Relaxation:
    """The relaxation that fits the model: the knapsack one where every site hosts one technology
    (whole printers) and no site is fed by transfers, the general one (:class:`GeneralRelaxation`)
    otherwise."""
    moved = data.transfers is not None and len(data.transfers) > 0
    banded = data.site_bands is not None and len(data.site_bands) > 0
    return Relaxation(data) if one_technology(data) and not (moved or banded) else GeneralRelaxation(data)
