"""Case-wide settings (SPEC section 4): declared once, parsed and checked here.

Precedence: the case's ``settings`` table, then a scenario file, then the
command line; each later source overrides the earlier.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from footprint.schema import NONNEG, POSITIVE, SHARE, Range


@dataclass(frozen=True)
class Setting:
    key: str
    kind: str  # str, float, int, bool, enum
    default: object
    meaning: str
    range: Range | None = None
    choices: tuple[str, ...] = ()
    #: a share (0.05 = 5 %): "5%" is read as 0.05, and 5 is refused rather than read as 500 %
    share: bool = False


SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("currency", "str", "EUR", "currency label for reports"),
    Setting("lead_time_policy", "enum", "hard", "hard: lanes that miss a target are not created; soft: allowed at lateness_penalty per unit per day late", choices=("hard", "soft")),
    Setting("lateness_penalty", "float", 0.0, "cost per unit per day late (soft policy)", NONNEG),
    Setting("min_service_level", "float", None, "share of demand units delivered on time (0–1, or a percentage such as 95%); empty = none", SHARE, share=True),
    Setting("unmet_penalty", "float", None, "default cost per unit of unmet demand; empty = demand must be met", NONNEG),
    Setting("max_open_sites", "int", None, "most sites open (empty = no limit)", NONNEG),
    Setting("min_open_sites", "int", None, "fewest sites open (empty = no limit)", NONNEG),
    Setting("single_sourcing", "bool", False, "each zone × product served from at most one site"),
    Setting("strong_linking", "bool", True, "per-lane link of shipments to open sites (tighter relaxation)"),
    Setting("start_heuristic", "bool", True,
            "large models start from the rounded relaxation's sites (see footprint.start)"),
    Setting("lagrangian_stage", "bool", True,
            "large one-technology-per-site models get Lagrangian bounds and site fixing first "
            "(see footprint.lagrange)"),
    Setting("carbon_price", "float", 0.0, "cost per tonne of CO2", NONNEG),
    Setting("resilience_share", "float", None, "resilient design: losing any one site leaves at least this share "
            "of every zone's demand within reach of another open site on time (0–1 or a percentage; empty = off)",
            SHARE, share=True),
    Setting("holding_rate", "float", 0.25, "share of a unit's value per year that holding it in stock costs (0.25 or 25%)", SHARE, share=True),
    Setting("stock_service_level", "float", 0.95, "cycle service level of safety stock (0-1, exclusive, or a percentage such as 95%)",
            Range(0.0, 1.0, low_open=True, high_open=True), share=True),
    Setting("review_days", "float", 7.0, "days between replenishments of a stock", POSITIVE),
    Setting("demand_variability", "float", 1.0, "variance-to-mean ratio of demand where a product gives none", NONNEG),
    Setting("time_limit_s", "float", 300.0, "solver time limit in seconds", POSITIVE),
    Setting("mip_gap", "float", 1e-4, "relative gap at which the solver stops: a share below 1 (0.01) or a percentage (1%)",
            Range(0.0, 1.0, high_open=True), share=True),
    Setting("threads", "int", 0, "solver threads; 0 = solver default", NONNEG),
    Setting("seed", "int", 0, "solver random seed, for repeatable runs", NONNEG),
)}

#: settings that steer only the solve and the reports, never the derived data (footprint.derive):
#: scenarios that differ in nothing else share one derivation in a batch (footprint.batch_derive)
SOLVE_ONLY = frozenset({"currency", "max_open_sites", "min_open_sites", "strong_linking", "start_heuristic",
                        "lagrangian_stage", "time_limit_s", "mip_gap", "threads", "seed"})


def same_derivation(a: dict, b: dict) -> bool:
    """Whether two full settings dicts give the same derived data (they differ only in SOLVE_ONLY)."""
    return ({k: v for k, v in a.items() if k not in SOLVE_ONLY}
            == {k: v for k, v in b.items() if k not in SOLVE_ONLY})


TRUE_WORDS = {"true", "yes", "1", "y", "t", "on"}
FALSE_WORDS = {"false", "no", "0", "n", "f", "off"}


def parse_bool(text: str) -> bool:
    """Parse a spreadsheet boolean; raise ValueError with the allowed words."""
    word = str(text).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"'{text}' is not true or false")


def parse_setting(key: str, value: object) -> object:
    """Parse one setting value; raise ValueError naming what is wrong."""
    if key not in SETTINGS:
        known = ", ".join(SETTINGS)
        raise ValueError(f"unknown setting '{key}' (known: {known})")
    spec = SETTINGS[key]
    if value is None or (isinstance(value, str) and value.strip().lower() in {"", "none"}):
        if spec.default is not None and spec.kind != "str":
            raise ValueError(f"setting '{key}' needs a value")
        return None
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value
        return parse_bool(str(value))
    if spec.kind in ("float", "int"):
        if isinstance(value, bool):
            raise ValueError(f"'{value}' is not a number")
        text = str(value).strip()
        if re.match(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?%?$", text):
            text = text.replace(",", "")   # thousands separators, as in the tables: 1,000 is a thousand
            value = text if not text.endswith("%") else value
        percent = spec.share and text.endswith("%")
        try:
            number = float(text[:-1].strip() if percent else value)
        except (TypeError, ValueError):
            raise ValueError(f"'{value}' is not a number"
                             + (" (a share: write 0.05 or 5%)" if spec.share else "")) from None
        if percent:
            number /= 100.0
        if not math.isfinite(number):
            raise ValueError(f"'{value}' is not a finite number")
        if spec.kind == "int":
            if not number.is_integer():
                raise ValueError(f"'{value}' is not a whole number")
            number = int(number)
        if spec.range is not None and not spec.range.contains(number):
            if spec.share and not percent and number >= 1 and spec.range.high <= 1:
                raise ValueError(f"{value} is out of range: must be {spec.range.text()} ({key} is a share, so "
                                 f"{value} would be {number:.0%}); for {number:g} % write {number:g}% or "
                                 f"{number / 100:g}")
            raise ValueError(f"{value} is out of range: must be {spec.range.text()}")
        return number
    text = str(value).strip()
    if spec.kind == "enum" and text not in spec.choices:
        raise ValueError(f"'{text}' is not one of {', '.join(spec.choices)}")
    return text


def defaults() -> dict[str, object]:
    """Every setting at its default value."""
    return {key: spec.default for key, spec in SETTINGS.items()}


def check_consistency(values: dict[str, object]) -> list[tuple[str, str]]:
    """Problems that involve more than one setting, as (key to blame, message)."""
    problems = []
    lo, hi = values.get("min_open_sites"), values.get("max_open_sites")
    if lo is not None and hi is not None and lo > hi:
        problems.append(("min_open_sites", f"min_open_sites ({lo}) exceeds max_open_sites ({hi})"))
    return problems
