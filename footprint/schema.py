"""The input schema as data: every table, column, type, unit, default and range.

The loader, the validator, ``footprint template`` and the README's table
reference all read these declarations, so they cannot disagree.

Kinds of column:

- ``id``: non-empty text, a reference or key;
- ``str``: free text;
- ``float``/``int``: finite numbers (``int`` must be whole);
- ``bool``: true/false, yes/no, 1/0;
- ``enum``: one of ``choices``.

``default`` is the value of an empty cell. ``None`` means "no value"
(unlimited for limits, no target for lead-time targets). ``COPY_ID`` means
the row's id (used for labels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

COPY_ID = "<id>"
UNLIMITED = None


@dataclass(frozen=True)
class Range:
    """An allowed numeric interval, with its text for messages."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: float) -> bool:
        if self.low_open and not value > self.low:
            return False
        if not self.low_open and not value >= self.low:
            return False
        if self.high_open and not value < self.high:
            return False
        if not self.high_open and not value <= self.high:
            return False
        return True

    def text(self) -> str:
        if self.high == math.inf:
            return f"{'>' if self.low_open else '≥'} {self.low:g}"
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"in {left}{self.low:g}, {self.high:g}{right}"


NONNEG = Range(0.0)
POSITIVE = Range(0.0, low_open=True)
AT_LEAST_ONE = Range(1.0)
SHARE_OPEN_LOW = Range(0.0, 1.0, low_open=True)  # (0, 1]
SHARE_OPEN_HIGH = Range(0.0, 1.0, high_open=True)  # [0, 1)
SHARE = Range(0.0, 1.0)
LATITUDE = Range(-90.0, 90.0)
LONGITUDE = Range(-180.0, 180.0)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    meaning: str
    required: bool = False
    default: object = None
    range: Range | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    meaning: str
    columns: tuple[Column, ...]
    required: bool = False
    key: tuple[str, ...] = ()
    # (column, referenced table, referenced column)
    references: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name, kind, meaning, **kw) -> Column:
    return Column(name=name, kind=kind, meaning=meaning, **kw)


TABLES: dict[str, Table] = {}


def _table(t: Table) -> None:
    TABLES[t.name] = t


_table(Table(
    "sites", "Candidate production locations.", required=True, key=("site",),
    columns=(
        _c("site", "id", "site id", required=True),
        _c("name", "str", "label for reports", default=COPY_ID),
        _c("lat", "float", "latitude, WGS84; needed unless every lane of the site is listed in lanes", range=LATITUDE, unit="degrees"),
        _c("lon", "float", "longitude, WGS84", range=LONGITUDE, unit="degrees"),
        _c("country", "id", "ISO 3166-1 alpha-2 code, or any code used consistently with duties", required=True),
        _c("fixed_cost", "float", "annual cost of operating the site if open", default=0.0, range=NONNEG, unit="currency/year"),
        _c("max_printers", "int", "floor-space limit on printers of all technologies (empty = unlimited)", default=UNLIMITED, range=NONNEG, unit="printers"),
        _c("status", "enum", "open: must be open (existing site); closed: excluded", default="candidate", choices=("candidate", "open", "closed")),
        _c("lead_time_days", "float", "order-to-dispatch time at this site", default=0.0, range=NONNEG, unit="days"),
        _c("cost_multiplier", "float", "regional factor on process variable cost", default=1.0, range=POSITIVE),
        _c("warehouse", "bool", "true: may receive made-to-stock units from other sites (transfers) and ship them to zones from its stock", default=False),
        _c("replenishment_days", "float", "days from reordering to the stock being refilled (transfer transit, or the production cycle of a site shipping its own made-to-stock output)", default=30.0, range=NONNEG, unit="days"),
    ),
))

_table(Table(
    "technologies", "Printer (or machine) types.", required=True, key=("technology",),
    columns=(
        _c("technology", "id", "technology id", required=True),
        _c("printer_cost", "float", "annual cost of one printer: capex annuity, maintenance, operator share", required=True, range=NONNEG, unit="currency/year"),
        _c("hours_per_year", "float", "available machine hours of one printer per year", required=True, range=POSITIVE, unit="h/year"),
        _c("max_utilisation", "float", "usable share of those hours", default=0.85, range=SHARE_OPEN_LOW),
        _c("min_utilisation", "float", "installed printers at a site must be used at least this share on average", default=0.0, range=SHARE_OPEN_HIGH),
        _c("make_to_stock", "bool", "true: what it makes goes into the site's stock and ships from there (batch production, e.g. moulding); false: made to order (printing)", default=False),
        _c("dispatch_days", "float", "order-to-dispatch days of a unit made to order on it (build, cool-down, post-processing, packing)", default=0.0, range=NONNEG, unit="days"),
        _c("job_hours", "float", "mean printer hours of one job (a build), for Kingman's queue of its utilisation bands", default=8.0, range=POSITIVE, unit="h"),
        _c("cv_arrival", "float", "coefficient of variation of the time between jobs (1 = random arrivals)", default=1.0, range=NONNEG),
        _c("cv_service", "float", "coefficient of variation of a job's duration", default=0.5, range=NONNEG),
    ),
))

_table(Table(
    "utilisation_bands", "How a site's planned utilisation of a technology sets the queue delay of what it makes to order (absent = no queue, the technology's max_utilisation).",
    key=("technology", "band"),
    references=(("technology", "technologies", "technology"),),
    columns=(
        _c("technology", "id", "technology", required=True),
        _c("band", "id", "band id, e.g. relaxed, normal, busy", required=True),
        _c("max_utilisation", "float", "usable share of printer hours when a site runs the technology in this band", required=True, range=SHARE_OPEN_LOW),
        _c("queue_days", "float", "days an order waits for a free printer in this band (empty = Kingman's G/G/1 wait at max_utilisation from the technology's job_hours, cv_arrival and cv_service, in days of 24 h)", default=None, range=NONNEG, unit="days"),
    ),
))

_table(Table(
    "products", "Parts or product families.", required=True, key=("product",),
    columns=(
        _c("product", "id", "product id", required=True),
        _c("weight_kg", "float", "shipped weight of one unit", required=True, range=NONNEG, unit="kg"),
        _c("value", "float", "customs value of one unit (base of ad-valorem duty)", default=0.0, range=NONNEG, unit="currency/unit"),
        _c("duty_class", "id", "tariff class used to match duties rows (empty = the product id)", default=COPY_ID),
        _c("demand_variability", "float", "variance-to-mean ratio of its demand (1 = Poisson; empty = settings demand_variability)", default=None, range=NONNEG),
        _c("review_days", "float", "days between replenishments of its stock: the batch cycle of a slow mover made once or twice a year (empty = settings review_days)", default=None, range=POSITIVE, unit="days"),
    ),
))

_table(Table(
    "processes", "How a product can be made: one row per product × technology.", required=True,
    key=("product", "technology"),
    references=(("product", "products", "product"), ("technology", "technologies", "technology")),
    columns=(
        _c("product", "id", "product", required=True),
        _c("technology", "id", "technology", required=True),
        _c("hours_per_unit", "float", "machine hours per unit", required=True, range=POSITIVE, unit="h/unit"),
        _c("variable_cost", "float", "material, energy, post-processing per unit", default=0.0, range=NONNEG, unit="currency/unit"),
        _c("setup_cost", "float", "annual fixed cost at each site that makes this product on this technology (tooling, qualification)", default=0.0, range=NONNEG, unit="currency/year"),
        _c("co2_kg_per_unit", "float", "production emissions per unit", default=0.0, range=NONNEG, unit="kg CO2/unit"),
    ),
))

_table(Table(
    "zones", "Demand zones (aggregated customers).", required=True, key=("zone",),
    columns=(
        _c("zone", "id", "zone id", required=True),
        _c("name", "str", "label for reports", default=COPY_ID),
        _c("lat", "float", "latitude, WGS84; needed unless every lane to the zone is listed", range=LATITUDE, unit="degrees"),
        _c("lon", "float", "longitude, WGS84", range=LONGITUDE, unit="degrees"),
        _c("country", "id", "as for sites", required=True),
    ),
))

_table(Table(
    "demand", "One row per zone × product.", required=True, key=("zone", "product"),
    references=(("zone", "zones", "zone"), ("product", "products", "product")),
    columns=(
        _c("zone", "id", "zone", required=True),
        _c("product", "id", "product", required=True),
        _c("quantity", "float", "demand", required=True, range=NONNEG, unit="units/year"),
        _c("lead_time_target_days", "float", "delivery promise (empty = no target)", default=None, range=POSITIVE, unit="days"),
        _c("unmet_penalty", "float", "cost per unit not served (empty = settings unmet_penalty; neither = must be served)", default=None, range=NONNEG, unit="currency/unit"),
    ),
))

_table(Table(
    "modes", "Transport modes. Required unless lanes lists every lane.", key=("mode",),
    columns=(
        _c("mode", "id", "mode id", required=True),
        _c("cost_per_unit", "float", "handling cost per unit shipped", default=0.0, range=NONNEG, unit="currency/unit"),
        _c("cost_per_kg_km", "float", "cost per kg per km travelled", default=0.0, range=NONNEG, unit="currency/(kg·km)"),
        _c("speed_km_per_day", "float", "door-to-door speed", required=True, range=POSITIVE, unit="km/day"),
        _c("handling_days", "float", "fixed transit days added to every shipment", default=0.0, range=NONNEG, unit="days"),
        _c("circuity", "float", "factor from great-circle to travelled distance", default=1.0, range=AT_LEAST_ONE),
        _c("max_distance_km", "float", "longest lane this mode serves (empty = unlimited)", default=UNLIMITED, range=POSITIVE, unit="km"),
        _c("min_distance_km", "float", "shortest lane this mode serves (intercontinental modes such as air and sea freight)", default=0.0, range=NONNEG, unit="km"),
        _c("cost_per_kg", "float", "cost per kg shipped whatever the distance (parcel tariffs priced by weight)", default=0.0, range=NONNEG, unit="currency/kg"),
        _c("cross_border_cost", "float", "added per unit when the lane crosses a border (origin and destination countries differ)", default=0.0, range=NONNEG, unit="currency/unit"),
        _c("cross_border_days", "float", "added to the transit time when the lane crosses a border", default=0.0, range=NONNEG, unit="days"),
        _c("whole_days", "bool", "true: transit times round up to whole days (scheduled services: a parcel arrives on day D+n)", default=False),
        _c("co2_kg_per_tonne_km", "float", "transport emissions", default=0.0, range=NONNEG, unit="kg CO2/(t·km)"),
        _c("co2_kg_per_kg", "float", "transport emissions per kg shipped whatever the distance (as carriers report them per shipment)", default=0.0, range=NONNEG, unit="kg CO2/kg"),
    ),
))

_table(Table(
    "lanes", "Overrides for listed site × zone × mode lanes; unlisted lanes are computed.",
    key=("site", "zone", "mode"),
    references=(("site", "sites", "site"), ("zone", "zones", "zone"), ("mode", "modes", "mode")),
    columns=(
        _c("site", "id", "site", required=True),
        _c("zone", "id", "zone", required=True),
        _c("mode", "id", "mode", required=True),
        _c("distance_km", "float", "travelled distance (empty = computed)", default=None, range=NONNEG, unit="km"),
        _c("cost_per_unit", "float", "per-unit cost, replaces the mode formula (empty = computed)", default=None, range=NONNEG, unit="currency/unit"),
        _c("cost_per_kg", "float", "added per kg of product when cost_per_unit is given", default=0.0, range=NONNEG, unit="currency/kg"),
        _c("transit_days", "float", "transit time (empty = computed)", default=None, range=NONNEG, unit="days"),
        _c("allowed", "bool", "false removes the lane", default=True),
    ),
))

_table(Table(
    "site_technologies", "Which technologies a site can host (absent = every site hosts every technology).",
    key=("site", "technology"),
    references=(("site", "sites", "site"), ("technology", "technologies", "technology")),
    columns=(
        _c("site", "id", "site", required=True),
        _c("technology", "id", "technology", required=True),
        _c("max_printers", "int", "printer limit of this technology at this site (empty = unlimited)", default=UNLIMITED, range=NONNEG, unit="printers"),
        _c("printer_cost", "float", "local override of the technology's printer cost (empty = the technology's)", default=None, range=NONNEG, unit="currency/year"),
    ),
))

_table(Table(
    "tiers", "Site size tiers (absent = one implicit tier with no extra cost or limit).", key=("tier",),
    columns=(
        _c("tier", "id", "tier id, e.g. micro, hub, plant", required=True),
        _c("fixed_cost", "float", "added to the site's fixed cost when it opens at this tier", default=0.0, range=NONNEG, unit="currency/year"),
        _c("max_printers", "int", "printer limit of a site at this tier (empty = unlimited)", default=UNLIMITED, range=NONNEG, unit="printers"),
        _c("cost_multiplier", "float", "factor on process variable cost at this tier (above 1 = loss of scale)", default=1.0, range=POSITIVE),
    ),
))

_table(Table(
    "duties", "Import duties per unit shipped across a border.", key=("duty_class", "origin", "destination"),
    columns=(
        _c("origin", "id", "a country, a group from country_groups, or *", required=True),
        _c("destination", "id", "a country, a group from country_groups, or *", required=True),
        _c("duty_class", "id", "a product duty class, or *", default="*"),
        _c("rate", "float", "share of the product's value", default=0.0, range=NONNEG),
        _c("per_unit", "float", "fixed amount per unit", default=0.0, range=NONNEG, unit="currency/unit"),
    ),
))

_table(Table(
    "country_groups", "Membership of customs unions or regions.", key=("group", "country"),
    columns=(
        _c("group", "id", "group id, e.g. EU", required=True),
        _c("country", "id", "member country", required=True),
        _c("customs_union", "bool", "true: the group is one customs territory (the same on every row of the group)", default=False),
    ),
))

_table(Table(
    "transfers", "Overrides for listed site → warehouse transfer lanes; unlisted ones are computed.",
    key=("from_site", "to_site", "mode"),
    references=(("from_site", "sites", "site"), ("to_site", "sites", "site"), ("mode", "modes", "mode")),
    columns=(
        _c("from_site", "id", "site that makes to stock", required=True),
        _c("to_site", "id", "warehouse site", required=True),
        _c("mode", "id", "mode", required=True),
        _c("distance_km", "float", "travelled distance (empty = computed)", default=None, range=NONNEG, unit="km"),
        _c("cost_per_unit", "float", "per-unit cost, replaces the mode formula (empty = computed)", default=None, range=NONNEG, unit="currency/unit"),
        _c("cost_per_kg", "float", "added per kg of product when cost_per_unit is given", default=0.0, range=NONNEG, unit="currency/kg"),
        _c("transit_days", "float", "transit time (empty = computed)", default=None, range=NONNEG, unit="days"),
        _c("allowed", "bool", "false removes the transfer lane", default=True),
    ),
))

_table(Table(
    "settings", "Case-wide settings (key, value).", key=("key",),
    columns=(
        _c("key", "id", "setting name", required=True),
        _c("value", "str", "setting value", required=True),
    ),
))

REQUIRED_TABLES = [t.name for t in TABLES.values() if t.required]
