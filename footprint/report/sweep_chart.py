"""The sweep chart (PNG): how the best network changes with one input.

Three panels against the factor, one bar group per factor:

1. total cost per year, stacked by cost term (terms that are zero at every
   factor are left out);
2. open sites and printers;
3. the share of units made centrally (existing plants, status ``open``) and
   locally (newly opened candidate sites), with the factor at which local
   production first passes one half marked as the tipping point;
4. the utilisation of each technology's printers (hours used over hours
   available, all sites), labelled with the bands they run in where the case
   has utilisation bands (SPEC section 9).

Factors without a plan are marked "no plan". Drawn with matplotlib's
object-oriented API on the Agg canvas, so no display and no global state.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from footprint.model.costs import COST_TERMS


def _label(factor: float) -> str:
    return f"×{factor:g}"


def tipping_point(frame: pd.DataFrame) -> float | None:
    """The first factor whose plan makes more units locally than centrally, if the majority changes."""
    shares = frame["local_share"].to_numpy(dtype=float)
    known = ~np.isnan(shares)
    if not known.any():
        return None
    local = shares > 0.5
    first = local[known][0]
    for factor, ok, is_local in zip(frame["factor"], known, local):
        if ok and is_local != first:
            return float(factor)
    return None


def plot_sweep(frame: pd.DataFrame, path: str | Path, title: str = "", currency: str = "") -> Path:
    """Draw ``frame`` (:func:`footprint.sweep.sweep_table`) into a PNG file at ``path``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    path = Path(path)
    frame = frame.sort_values("factor").reset_index(drop=True)
    x = np.arange(len(frame))
    labels = [_label(f) for f in frame["factor"]]
    has_plan = frame["objective"].notna().to_numpy()

    fig = Figure(figsize=(10, 13), layout="constrained")
    FigureCanvasAgg(fig)
    cost_ax, count_ax, share_ax, use_ax = fig.subplots(4, 1, sharex=True, height_ratios=[2.2, 1, 1, 1])
    fig.suptitle(title or "sweep", fontsize=13)

    # 1. cost by term, stacked (thousands of currency per year)
    cmap = colormaps["tab20"]  # eleven cost terms: more distinct colours than the default cycle
    terms = [t for t in COST_TERMS if frame[f"cost_{t}"].fillna(0).abs().max() > 1e-6]
    palette = dict(zip(COST_TERMS, [cmap(i) for i in range(len(COST_TERMS))]))
    bottom = np.zeros(len(frame))
    for term in terms:
        values = frame[f"cost_{term}"].fillna(0).to_numpy() / 1000.0
        cost_ax.bar(x, values, bottom=bottom, color=palette[term], label=term.replace("_", " "), width=0.7)
        bottom += values
    for i in np.flatnonzero(has_plan):
        cost_ax.text(x[i], bottom[i], f"{bottom[i]:,.0f}", ha="center", va="bottom", fontsize=8)
    for i in np.flatnonzero(~has_plan):
        cost_ax.text(x[i], 0, "no plan", ha="center", va="bottom", rotation=90, color="firebrick")
    if has_plan.any():
        cost_ax.set_ylim(top=bottom.max() * 1.07)
    unit = f"k{currency}/year" if currency else "thousands/year"
    cost_ax.set_ylabel(f"total cost ({unit})")
    cost_ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, title="cost term")
    cost_ax.grid(axis="y", alpha=0.3)

    # 2. open sites and printers
    width = 0.38
    count_ax.bar(x - width / 2, frame["open_sites"].fillna(0), width=width, color="C0", label="open sites")
    count_ax.set_ylabel("open sites")
    printer_ax = count_ax.twinx()
    printer_ax.bar(x + width / 2, frame["printers"].fillna(0), width=width, color="C1", label="printers")
    printer_ax.set_ylabel("printers")
    handles = count_ax.get_legend_handles_labels()[0] + printer_ax.get_legend_handles_labels()[0]
    count_ax.legend(handles, ["open sites", "printers"], loc="upper left", bbox_to_anchor=(1.08, 1.0), fontsize=9)
    count_ax.yaxis.get_major_locator().set_params(integer=True)
    printer_ax.yaxis.get_major_locator().set_params(integer=True)

    # 3. central versus local production
    central = frame["central_share"].fillna(0).to_numpy() * 100
    local = frame["local_share"].fillna(0).to_numpy() * 100
    share_ax.bar(x, central, color="slategray", label="central (existing plants)", width=0.7)
    share_ax.bar(x, local, bottom=central, color="seagreen", label="local (new sites)", width=0.7)
    share_ax.axhline(50, color="black", linewidth=0.8, linestyle=":")
    share_ax.set_ylim(0, 100)
    share_ax.set_ylabel("units made (%)")
    share_ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    tip = tipping_point(frame)
    if tip is not None:
        at = int(np.flatnonzero(frame["factor"].to_numpy() == tip)[0])
        for ax in (cost_ax, count_ax, share_ax):
            ax.axvline(at - 0.5, color="firebrick", linestyle="--", linewidth=1)
        share_ax.text(at - 0.45, 95, f"tipping point {_label(tip)}", color="firebrick", va="top", fontsize=9,
                      bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})

    # 4. utilisation per technology, with the bands its printers run in
    techs = [c[len("utilisation_"):] for c in frame.columns if c.startswith("utilisation_")]
    for i, tech in enumerate(techs):
        use = frame[f"utilisation_{tech}"].to_numpy(dtype=float) * 100
        use_ax.plot(x, use, marker="o", color=f"C{i}", label=tech)
        bands = frame.get(f"bands_{tech}")
        if bands is not None:
            for xi, ui, text in zip(x, use, bands):
                if isinstance(text, str) and text and not np.isnan(ui):
                    use_ax.annotate(text, (xi, ui), textcoords="offset points", xytext=(0, 6), ha="center",
                                    fontsize=7, color=f"C{i}")
    use_ax.set_ylim(0, 105)
    use_ax.set_ylabel("printer utilisation (%)")
    if techs:
        use_ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, title="technology")
    use_ax.grid(axis="y", alpha=0.3)

    use_ax.set_xticks(x, labels)
    use_ax.set_xlabel("factor")
    fig.savefig(path, dpi=110)
    return path
