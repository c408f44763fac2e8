"""Pictures of a plan: the cost breakdown and the utilisation of each open site's printers.

``costs.png``: the cost terms as horizontal bars (currency/year, the plan's total in the title);
``utilisation.png``: per open site and technology, hours used over hours available, with the
band each runs in where the case has utilisation bands. Drawn with matplotlib's object API on
the Agg canvas (no display); written into the results folder and placed in ``plan.xlsx``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def cost_chart(result, path: Path) -> Path:
    """costs.png: one bar per non-zero cost term (thousands of currency per year)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    terms = [(t, v) for t, v in result.costs.items() if abs(v) > 0.5]
    currency = result.settings.get("currency") or ""
    fig = Figure(figsize=(7, 0.45 * max(len(terms), 3) + 1.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    names = [t.replace("_", " ") for t, _ in terms]
    values = np.array([v for _, v in terms]) / 1000.0
    ax.barh(names, values, color="#4472C4")
    ax.invert_yaxis()
    for y, v in enumerate(values):
        ax.text(v, y, f" {v:,.0f}", va="center", fontsize=8)
    ax.set_xlabel(f"thousand {currency} per year")
    ax.set_title(f"{result.case_name}: {result.objective:,.0f} {currency} a year")
    ax.set_xlim(0, values.max(initial=1.0) * 1.18)
    fig.savefig(path, dpi=110)
    return path


def utilisation_chart(result, path: Path) -> Path | None:
    """utilisation.png: per open site and technology with printers, hours used over available."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    printers = result.tables["printers"]
    printers = printers[printers["printers"] > 0]
    if printers.empty:
        return None
    labels = [f"{s} {t} ({n})" + (f" {b}" if "band" in printers and b else "")
              for s, t, n, b in zip(printers["site"], printers["technology"], printers["printers"],
                                    printers["band"] if "band" in printers else [""] * len(printers))]
    fig = Figure(figsize=(7, 0.32 * len(printers) + 1.4), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    use = printers["utilisation"].to_numpy(float) * 100
    ax.barh(labels, use, color="#70AD47")
    ax.invert_yaxis()
    ax.set_xlim(0, 105)
    ax.set_xlabel("printer hours used (% of hours available)")
    ax.set_title("Utilisation by site and technology (printers)")
    ax.tick_params(axis="y", labelsize=8)
    fig.savefig(path, dpi=110)
    return path
