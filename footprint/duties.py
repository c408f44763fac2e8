"""Duty matching (SPEC section 1, `duties`): the most specific row wins.

A row is ranked for a (duty class, origin country, destination country) by
(class: exact 0, ``*`` 1), then (origin: country 0, group 1, ``*`` 2), then
(destination: likewise); the lowest rank wins. Two winning rows with the same
rank are ambiguous (a validation error). Shipments inside one country pay
no duty.
"""

from __future__ import annotations

import pandas as pd

from footprint.validate import ROW


def _expand_place(duties: pd.DataFrame, column: str, countries: list[str],
                  groups: pd.DataFrame | None) -> pd.DataFrame:
    """One row per (duty row, country it covers) with the rank of the match."""
    parts = []
    direct = duties[[ROW, column]].rename(columns={column: "country"})
    parts.append(direct[direct["country"].isin(countries)].assign(rank=0))
    if groups is not None and not groups.empty:
        via = duties[[ROW, column]].merge(groups[["group", "country"]], left_on=column, right_on="group")
        via = via[via["country"].isin(countries)][[ROW, "country"]]
        parts.append(via.assign(rank=1))
    star = duties.loc[duties[column] == "*", [ROW]]
    parts.append(star.merge(pd.DataFrame({"country": countries}), how="cross").assign(rank=2))
    out = pd.concat(parts, ignore_index=True)
    return out.rename(columns={"country": column + "_country", "rank": column + "_rank"})


def match_duties(duties: pd.DataFrame | None, groups: pd.DataFrame | None, classes: list[str],
                 origins: list[str], destinations: list[str]) -> tuple[pd.DataFrame, list[tuple]]:
    """Winning duty row for every (class, origin, destination) with origin ≠ destination.

    Returns (table with columns duty_class, origin, destination, rate,
    per_unit, row) and a list of ties ``(class, origin, destination, rows)``.
    Combinations with no matching row are absent (no duty).
    """
    empty = pd.DataFrame(columns=["duty_class", "origin", "destination", "rate", "per_unit", "row"])
    if duties is None or duties.empty or not classes or not origins or not destinations:
        return empty, []
    classes_df = pd.DataFrame({"cls": classes})
    cls_exact = duties[[ROW, "duty_class"]].merge(classes_df, left_on="duty_class", right_on="cls")[[ROW, "cls"]]
    cls_star = duties.loc[duties["duty_class"] == "*", [ROW]].merge(classes_df, how="cross")
    cls = pd.concat([cls_exact.assign(cls_rank=0), cls_star.assign(cls_rank=1)], ignore_index=True)
    org = _expand_place(duties, "origin", origins, groups)
    dst = _expand_place(duties, "destination", destinations, groups)
    cand = cls.merge(org, on=ROW).merge(dst, on=ROW)
    cand = cand[cand["origin_country"] != cand["destination_country"]]
    if cand.empty:
        return empty, []
    keys = ["cls", "origin_country", "destination_country"]
    ranks = ["cls_rank", "origin_rank", "destination_rank"]
    # Lexicographic precedence: sort by (class, origin, destination) rank and
    # take the first row per combination; a second row with the same ranks ties.
    cand = cand.sort_values(keys + ranks + [ROW]).drop_duplicates(keys + [ROW])
    first = ~cand.duplicated(keys)
    winners = cand[first]
    rank_tuple = cand[keys + ranks].apply(tuple, axis=1) if not cand.empty else pd.Series(dtype=object)
    tied = cand[rank_tuple.duplicated(keep=False) & rank_tuple.isin(set(rank_tuple[first]))]
    ties = []
    for key, rows in tied.groupby(keys)[ROW].agg(list).items():
        ties.append((*key, sorted(rows)))
    values = duties.set_index(ROW)[["rate", "per_unit"]]
    out = winners.join(values, on=ROW)
    out = out.rename(columns={"cls": "duty_class", "origin_country": "origin",
                              "destination_country": "destination", ROW: "row"})
    return out[["duty_class", "origin", "destination", "rate", "per_unit", "row"]].reset_index(drop=True), ties
