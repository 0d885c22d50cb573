"""Derive the default ("base") input case from the public figures in source_data/.

Run from anywhere:  python inputs/base/derive_base.py

Reads  source_data/commodities.csv and source_data/supply.csv (verbatim copies of
the shared seed data, see source_data/SOURCES.md) and source_data/import_sources.csv
(observed US import shares, issue 10), and writes countries.csv, commodities.csv,
supply.csv, recipes.csv and restrictions.csv next to this file. pandas only, no
network; the output is deterministic (same inputs give byte-identical files).

supply.csv carries `today` (what the US buys from that supplier today: observed
shares x demand, see "Today's sourcing" below) and `status` (operating, standby,
planned). The script fails loudly if a `today` exceeds its capacity or if the
switching premium in case.toml does not exceed the spread of delivered costs within
a commodity (then the no-cap solve would not reproduce today's mix).

Every modelling assumption is a named constant below with a one-line reason.
SOURCES.md (next to this file) gives the public source of every figure, or marks
it as an estimate and explains it.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SRC = HERE / "source_data"

# ---------------------------------------------------------------------------
# Capacity available to the US buyer (estimates)
# ---------------------------------------------------------------------------
# A foreign country's output is sold to the whole world; the US buys a slice of it.
# 0.30 is a little above the US share of world use of most of these materials
# (~15-25%), i.e. a well-paying buyer can win somewhat more than its pro-rata share.
ACCESSIBLE_SHARE_FOREIGN = 0.30
# Domestic output is assumed fully available to the domestic buyer.
ACCESSIBLE_SHARE_DOMESTIC = 1.0

# ---------------------------------------------------------------------------
# Unit cost (estimates)
# ---------------------------------------------------------------------------
# China and the largest producer of each commodity set the market price: factor 1.00.
PRICE_SETTER_FACTOR = 1.00
# Premium over the market price for every other supplier, by stage: mining costs are
# deposit-driven (small premium); refining and magnet making outside China carry higher
# capital, energy, labour and environmental-compliance costs.
STAGE_PREMIUM = {"mining": 0.05, "refining": 0.20, "component": 0.30}
# Ocean freight and insurance to the US for foreign suppliers, as a share of value
# (small for these high-value goods); domestic supply pays none.
FREIGHT_FACTOR = 0.02
# Tie-break: suppliers with the same factor are ranked by capacity (largest first,
# then country code) and each rank adds 0.1%, so no two unit costs are equal.
TIE_BREAK_STEP = 0.001
# Floor on a downstream stage's conversion cost, as a share of its own price: toll
# refining/processing charges are rarely below ~10% of product value.
MIN_CONVERSION_SHARE = 0.10
# Uranium enrichment has no price in the source: ~USD 170 per SWU (2024 spot SWU
# indicators were roughly USD 150-190), i.e. USD 170,000 per tSWU.
PRICE_OVERRIDE = {"uranium_enrichment": 170_000}

# ---------------------------------------------------------------------------
# Corrections to the seed quantities for "today" (sourced; see SOURCES.md)
# ---------------------------------------------------------------------------
# (commodity id, seed country name) -> source quantity used instead of the seed's.
QUANTITY_OVERRIDE = {
    # USGS MCS 2026 Cobalt: DR Congo export quota "up to 96,600 tons ... per year in
    # 2026 and 2027" (export ban Feb 2025): what can leave the country, not mine output.
    ("cobalt_mine", "DR Congo"): 96_600,
    # BHP Nickel West (Kwinana refinery) suspended Oct 2024; Glencore's Murrin Murrin,
    # "the final domino ... still standing", produced 31,100 t Ni in 2023 (The West
    # Australian, 2024). The seed's 70,000 t (estimate) predates the suspension.
    ("nickel_refining", "Australia"): 31_100,
    # USGS MCS 2026: US rare-earth compounds and metals production 8,900 t (2025e);
    # the seed row is 2024 (4,300 t). Today's capacity is the latest output.
    ("rare_earths_refining", "United States"): 8_900,
}
QUANTITY_NOTE = {
    ("cobalt_mine", "COD"): "quantity = export quota 2026-27",
    ("nickel_refining", "AUS"): "quantity = Murrin Murrin 2023 (Nickel West suspended)",
    ("rare_earths_refining", "USA"): "quantity = 2025e output",
}
# Solar Power World (Jul 2025, citing Intertek CEA): "92,000 metric tons (mt) of
# polysilicon capacity ... operational outside of China"; the seed's non-China rows
# (estimates) add up to 127,000 t, so they are scaled down to this total.
POLYSILICON_OPERATING_OUTSIDE_CHINA = 92_000
# US Section 301 duty on Chinese polysilicon: 50% from 1 Jan 2025 (USTR four-year
# review; pv-tech 12 Dec 2024), as the model's ad-valorem `tariff` column.
TARIFF = {("polysilicon", "CHN"): 0.50}

# ---------------------------------------------------------------------------
# Today's sourcing (issue 10): `today`, `status`, switching premium
# ---------------------------------------------------------------------------
# Cost of moving volume to a supplier beyond what it sells the US today, as a share
# of its delivered cost: qualifying a new source of an engineered or high-purity
# material (audits, sample lots, customer re-qualification: typically 1-3 years),
# new contracts and logistics, and the risk premium on an untried supplier.
# ESTIMATE. It must exceed the largest spread of delivered costs within a commodity
# (30% for magnets: STAGE_PREMIUM["component"] plus tie-breaks), otherwise the no-cap
# solve would leave today's mix for a cheaper supplier; main() checks this and that
# case.toml sets the same value.
SWITCHING_PREMIUM = 0.35
# In import_sources.csv the code XOT means "other": every supplier not named there
# for that commodity. Their share is allocated to the unnamed rows pro rata to
# capacity; a named country's share bounds each unnamed real country (USGS lists
# the leading sources, so an unlisted country sold less than the smallest listed
# one); an aggregate row (XOT, many countries) has no such bound and takes any rest.
OTHER = "XOT"
# The seed's germanium "Other countries" residual (56 t, estimate) includes Canada,
# Belgium and Germany, which now have rows of their own: their capacity is taken out of
# it (floored at the residual's own `today`), so no capacity is counted twice.
RESIDUAL_INCLUDES = {"germanium_refined": ("BEL", "CAN", "DEU")}
# Comprehensive US sanctions (31 CFR 515.204, 560.201; EO 13570): group "sanctioned".
SANCTIONED = {"CUB", "IRN", "PRK"}
# Russian rows are excluded in the shipped cases (case.toml rules); they get no
# `today` volume except where one is observed (enrichment, 2022).
RUSSIA = "RUS"
# restrictions.csv: suppliers a US buyer cannot or may not use (commodity "" = all).
# Exclusion itself is done by rules in case.toml. (restriction, source) per entry.
SANCTION_TEXT = {
    "CUB": (
        "US comprehensive sanctions since 1963: no goods of Cuban origin, incl. goods made "
        "abroad from Cuban material",
        "OFAC Cuban Assets Control Regulations, 31 CFR 515.204",
    ),
    "IRN": (
        "US comprehensive sanctions: no goods of Iranian origin (EO 12613 of 1987, "
        "EO 12959 of 1995)",
        "OFAC Iranian Transactions and Sanctions Regulations, 31 CFR 560.201",
    ),
    "PRK": (
        "US comprehensive sanctions: no goods from North Korea, direct or indirect, "
        "since 19 Apr 2011",
        "EO 13570 of 18 Apr 2011; North Korea Sanctions Regulations, 31 CFR 510",
    ),
}
RUSSIA_NICKEL = (
    "US ban on nickel of Russian origin produced on or after 13 Apr 2024",
    "OFAC determination of 12 Apr 2024 under EO 14068 as amended by EO 14114",
)
RUSSIA_TEXT = {
    "uranium_enrichment": (
        "US ban on Russian low-enriched uranium 11 Aug 2024 to 31 Dec 2040; DOE waivers "
        "only until 1 Jan 2028 (none found for 2026-27); Russian one-off export licences "
        "since 15 Nov 2024",
        "Prohibiting Russian Uranium Imports Act, Public Law 118-62 (13 May 2024); DOE "
        "89 FR 45871 (24 May 2024); World Nuclear News 15 Nov 2024",
    ),
    "nickel_refining": RUSSIA_NICKEL,
    "nickel_mine": RUSSIA_NICKEL,
}
RUSSIA_OTHER = (
    "Russia: no ban found for this item, but column-2 tariffs since Apr 2022 and "
    "sanctions risk; excluded by policy in the shipped cases",
    "Suspending Normal Trade Relations with Russia and Belarus Act, Public Law 117-110 "
    "(8 Apr 2022); policy choice, see SOURCES.md",
)
CHINA_BAN = (
    "China: exports to the US not permitted in principle from 3 Dec 2024 (Ann. 46/2024 "
    "cl. 2), suspended 9 Nov 2025 to 27 Nov 2026 (Ann. 72/2025), status after 27 Nov 2026 "
    "unknown; export licences required (Ga, Ge from 1 Aug 2023; Sb from 15 Sep 2024)",
    "MOFCOM Announcements 23/2023, 33/2024, 46/2024 and 72/2025 (Xinhua via Pakistan "
    "Today; Business Times/Bloomberg 9 Nov 2025; um-material.com)",
)
RESTRICTED_CHINA = {
    "antimony_mine": CHINA_BAN,
    "gallium": CHINA_BAN,
    "gallium_primary": CHINA_BAN,
    "germanium_refined": CHINA_BAN,
    "polysilicon": (
        "US: Section 301 duty 50% from 1 Jan 2025 and the UFLPA presumption against "
        "Xinjiang-linked goods since 21 Jun 2022; not excluded, the duty is in `tariff`",
        "USTR Section 301 four-year review (pv-tech 12 Dec 2024); Uyghur Forced Labor "
        "Prevention Act (Bernreuter Research 29 Feb 2024)",
    ),
}
# Rows that are not operating today: (commodity, code) -> status.
STATUS = {
    # USGS MCS 2026 Gallium, fn. 6: the "Other countries" capacity (Germany, Hungary,
    # Kazakhstan, Korea, Ukraine) produced 0 in 2024 and 2025e; Germany, Hungary and
    # Kazakhstan ceased primary production in 2016, 2015 and 2013.
    ("gallium_primary", "XOT"): "standby",
}
# Rows not in the seed data: (commodity, code, status, source quantity, note).
# Source quantity None = an importer/processor row whose capacity is its observed US
# import volume (`today`): a lower bound on what it can sell the US (ESTIMATE).
# Otherwise capacity = source quantity x accessible share, as for seed rows.
EXTRA_ROWS = [
    ("antimony_mine", "BEL", "operating", None, "smelter of imported ore (oxide, metal)"),
    ("antimony_mine", "THA", "operating", None, "smelter of imported ore"),
    ("antimony_mine", "IND", "operating", None, "smelter of imported ore"),
    ("tungsten_mine", "DEU", "operating", None, "processor (APT, powders, carbide) and recycler"),
    ("germanium_refined", "BEL", "operating", None, "refiner (GeO2, metal) of imported feed"),
    ("germanium_refined", "CAN", "operating", None, "refiner (Trail; feed incl. Alaskan zinc)"),
    ("germanium_refined", "DEU", "operating", None, "refiner and recycler"),
    ("nickel_refining", "BRA", "operating", None, "primary nickel exporter"),
    ("graphite_anode", "IDN", "operating", None, "Chinese-owned SPG plant, Central Java (USGS)"),
    # Refined (high-purity) gallium, made from primary gallium (recipe below).
    ("gallium", "CAN", "operating", None, "refiner of imported low-purity metal and scrap"),
    ("gallium", "JPN", "operating", None, "refiner of imported low-purity metal and scrap"),
    ("gallium", "DEU", "operating", None, "refiner; primary output ceased 2016"),
    ("gallium", "XOT", "operating", None, "other refiners"),
    # ESTIMATE: China refines its own primary output; taken equal to its capacity.
    ("gallium", "CHN", "operating", 1_600, "refined from Chinese primary; capacity as primary"),
    # Noveon Magnetics, San Marcos TX: "built to manufacture 2,000 metric tons ...
    # annually" (noveon.co, Feb 2023); operating since 2022, output not published.
    ("ndfeb_magnets", "USA", "operating", 2_000, "Noveon nameplate; output not published"),
    # Syrah Vidalia LA: production of active anode material started Feb 2024 at
    # 11.25 ktpa (NS Energy, Feb 2024); utilisation not published.
    ("graphite_anode", "USA", "operating", 11_250, "Syrah Vidalia nameplate from 2024"),
    # Planned (excluded unless a scenario includes "planned"):
    # Alcoa Wagerup (JAGA/Japan, US, Australia): 100 t/yr, FID and production
    # targeted for 2026 (Project Blue, Oct 2025).
    ("gallium_primary", "AUS", "planned", 100, "Alcoa Wagerup, FID/production targeted 2026"),
    # Korea Zinc: ex-China capacity "increasing to 130.5tpy Ga with Korea Zinc's
    # announcement on 19 October" 2025, i.e. ~15.5 t (Project Blue); year not found.
    ("gallium_primary", "KOR", "planned", 15.5, "Korea Zinc, announced Oct 2025"),
    # Korea Zinc Onsan: ~10 t Ge/yr, trial 2027, full production H1 2028 (Evertiq).
    ("germanium_refined", "KOR", "planned", 10, "Korea Zinc Onsan, full production 2028"),
]

# ---------------------------------------------------------------------------
# Recipes: one unit of product consumes `quantity` units of input (estimates)
# ---------------------------------------------------------------------------
RECIPES = [
    # ~91% recovery of REO from concentrate through cracking, leaching and separation.
    ("rare_earths_refining", "rare_earths_mine", 1.10),
    # Sintered NdFeB holds ~31 wt% RE metal (Nd, Pr, Dy, Tb); 1 t RE metal needs
    # ~1.17 t oxide (Nd2O3 is 85.7% Nd), so 0.31 x 1.17 = 0.36 t REO per t magnet.
    ("ndfeb_magnets", "rare_earths_refining", 0.36),
    # ~91% lithium recovery from spodumene concentrate or brine to carbonate/hydroxide.
    ("lithium_refining", "lithium_mine", 1.10),
    # ~95% cobalt recovery from hydroxide/concentrate to refined metal or sulphate.
    ("cobalt_refining", "cobalt_mine", 1.05),
    # ~95% nickel recovery from matte/MHP/ore to refined nickel.
    ("nickel_refining", "nickel_mine", 1.05),
    # Spheronising flake keeps ~40% of the mass (30-50% reported): 2.5 t flake per t
    # anode. Synthetic-graphite anode is ignored, so this overstates flake needs.
    ("graphite_anode", "graphite_natural_mine", 2.5),
    # High-purity (6N-7N) gallium is refined from low-purity primary metal; losses are
    # small and refiners also use scrap, which is not modelled (ESTIMATE: 1 t per t).
    ("gallium", "gallium_primary", 1.0),
]

# ---------------------------------------------------------------------------
# Direct US demand: what the US buys of that form itself. Use by downstream stages
# of the model is added by the LP through RECIPES, so it is NOT included here.
# ---------------------------------------------------------------------------
# Upstream forms whose US need is carried by the refined stage (US buys refined
# lithium, cobalt, nickel and separated rare earths, not mine concentrate).
ZERO_DIRECT_DEMAND = (
    "rare_earths_mine",
    "lithium_mine",
    "cobalt_mine",
    "nickel_mine",
    "gallium_primary",
)
# USGS MCS 2026: secondary cobalt (from purchased scrap) in 2023; domestic recycling
# is not a modelled supplier, so it is taken off apparent consumption.
COBALT_SECONDARY_2023 = 2_030
# USGS MCS 2026: antimony apparent consumption and secondary production, 2024. The
# 2025e figure (45,000 t) jumped 57% on an oxide-import surge and is not used.
ANTIMONY_APPARENT_2024 = 28_600
ANTIMONY_SECONDARY_2024 = 3_330
# Estimate: China shipped ~7,100 t of RE magnets to the US in 2024 (~590 t/month in
# Chinese customs data) and supplies about three quarters of US NdFeB imports.
NDFEB_DEMAND = 9_500
# Estimate: ~100 GWh of US cell output (2024) x ~0.9 t anode graphite per MWh.
GRAPHITE_ANODE_DEMAND = 90_000
# Estimate: ~5,000 t electronic-grade (US wafer makers) + ~7,000 t for the first US
# solar ingot/wafer plants (~3.3 GW x ~2.1 t/MW).
POLYSILICON_DEMAND = 12_000
# Estimate: US reactors need roughly 14-15 million SWU a year.
URANIUM_SWU_DEMAND = 14_500

# ---------------------------------------------------------------------------
# The commodities of the base case: id, source row, name, unit, stage
# ---------------------------------------------------------------------------
COMMODITIES = [
    ("rare_earths_mine", "rare_earths_mine", "Rare-earth mineral concentrate", "t REO", "mining"),
    (
        "rare_earths_refining",
        "rare_earths_refining",
        "Separated rare-earth oxides",
        "t REO",
        "refining",
    ),
    ("ndfeb_magnets", "ndfeb_magnets", "Sintered NdFeB permanent magnets", "t", "component"),
    ("lithium_mine", "lithium_mine", "Lithium mine output", "t Li", "mining"),
    (
        "lithium_refining",
        "lithium_refining",
        "Lithium chemicals (carbonate, hydroxide)",
        "t Li",
        "refining",
    ),
    ("cobalt_mine", "cobalt_mine", "Cobalt mine output", "t Co", "mining"),
    ("cobalt_refining", "cobalt_refining", "Refined cobalt", "t Co", "refining"),
    ("nickel_mine", "nickel_mine", "Nickel mine output", "t Ni", "mining"),
    ("nickel_refining", "nickel_refining", "Refined nickel (all classes)", "t Ni", "refining"),
    (
        "graphite_natural_mine",
        "graphite_natural_mine",
        "Natural graphite (mine output)",
        "t",
        "mining",
    ),
    ("graphite_anode", "graphite_anode", "Battery anode graphite", "t", "refining"),
    (
        "gallium_primary",
        "gallium_primary_capacity",
        "Gallium, primary (low-purity)",
        "t Ga",
        "refining",
    ),
    # No seed rows: the refiners come from EXTRA_ROWS; price and demand from the seed.
    ("gallium", "gallium_primary", "Gallium metal, refined (high-purity)", "t Ga", "refining"),
    ("germanium_refined", "germanium_refined", "Refined germanium", "t Ge", "refining"),
    ("tungsten_mine", "tungsten_mine", "Tungsten mine output", "t W", "mining"),
    ("antimony_mine", "antimony_mine", "Antimony mine output", "t Sb", "mining"),
    ("polysilicon", "polysilicon", "Polysilicon (solar and electronic grade)", "t", "refining"),
    ("uranium_enrichment", "uranium_enrichment", "Uranium enrichment services", "tSWU", "refining"),
]

# Commodities whose supply rows all come from EXTRA_ROWS (the seed row gives price only).
ROWLESS = {"gallium"}

# Short basis of each direct demand, for the `note` column of commodities.csv.
DEMAND_NOTE = {
    "rare_earths_mine": "demand 0: US need carried by the refined stage",
    "rare_earths_refining": "demand: USGS apparent consumption of compounds and metals 2024",
    "ndfeb_magnets": "demand: estimate",
    "lithium_mine": "demand 0: US need carried by the refined stage",
    "lithium_refining": "demand: estimate (USGS withholds consumption)",
    "cobalt_mine": "demand 0: US need carried by the refined stage",
    "cobalt_refining": "demand: USGS apparent consumption 2023 less secondary",
    "nickel_mine": "demand 0: US need carried by the refined stage",
    "nickel_refining": "demand: USGS apparent primary consumption 2024",
    "graphite_natural_mine": "demand: USGS apparent consumption 2025e (non-anode uses)",
    "graphite_anode": "demand: estimate",
    "gallium_primary": "demand 0: US need carried by refined gallium",
    "gallium": "demand: USGS reported consumption 2025e",
    "germanium_refined": "demand: USGS estimated consumption 2021 (latest)",
    "tungsten_mine": "demand: estimate (USGS net imports 2025e)",
    "antimony_mine": "demand: USGS apparent consumption 2024 less secondary",
    "polysilicon": "demand: estimate",
    "uranium_enrichment": "demand and price: estimate",
}

# Short source label used in the `note` column of supply.csv.
SOURCE_LABEL = {
    "rare_earths_mine": "USGS MCS 2026",
    "rare_earths_refining": "MIIT quota/IEA GCMO/USGS",
    "ndfeb_magnets": "CREIA/BIS",
    "lithium_mine": "USGS MCS 2026",
    "lithium_refining": "IEA GCMO 2025",
    "cobalt_mine": "USGS MCS 2026",
    "cobalt_refining": "ReportLinker (indicative)",
    "nickel_mine": "USGS MCS 2026",
    "nickel_refining": "IEA GCMO 2025",
    "graphite_natural_mine": "USGS MCS 2026",
    "graphite_anode": "IEA GCMO 2025",
    "gallium_primary_capacity": "USGS MCS 2026 (capacity)",
    "gallium_primary": "USGS MCS 2026 import sources",
    "germanium_refined": "CRMA via Reuters",
    "tungsten_mine": "USGS MCS 2026",
    "antimony_mine": "USGS MCS 2026",
    "polysilicon": "Bernreuter/CNMIA",
    "uranium_enrichment": "Thunder Said Energy/WNA",
}

# ---------------------------------------------------------------------------
# Countries: source name -> (ISO 3166-1 alpha-3 code, display name)
# Aggregates use the ISO user-assigned range X..; they get the tag "aggregate".
# ---------------------------------------------------------------------------
PARTNERS = {"JPN", "KOR", "SGP", "NLD", "GBR", "ISR", "ARE", "AUS"}  # the eight partner nations
DOMESTIC = "USA"
CHINA = "CHN"
COUNTRY_CODES = {
    "Argentina": ("ARG", "Argentina"),
    "Australia": ("AUS", "Australia"),
    "Austria": ("AUT", "Austria"),
    "Belgium": ("BEL", "Belgium"),
    "Bolivia": ("BOL", "Bolivia"),
    "Brazil": ("BRA", "Brazil"),
    "Canada": ("CAN", "Canada"),
    "Chile": ("CHL", "Chile"),
    "China": ("CHN", "China"),
    "Cuba": ("CUB", "Cuba"),
    "DR Congo": ("COD", "DR Congo"),
    "Estonia": ("EST", "Estonia"),
    "Finland": ("FIN", "Finland"),
    "France": ("FRA", "France"),
    "Germany": ("DEU", "Germany"),
    "Guatemala": ("GTM", "Guatemala"),
    "India": ("IND", "India"),
    "Indonesia": ("IDN", "Indonesia"),
    "Iran": ("IRN", "Iran"),
    "Japan": ("JPN", "Japan"),
    "Kazakhstan": ("KAZ", "Kazakhstan"),
    "Kyrgyzstan": ("KGZ", "Kyrgyzstan"),
    "Laos": ("LAO", "Laos"),
    "Madagascar": ("MDG", "Madagascar"),
    "Malaysia": ("MYS", "Malaysia"),
    "Mali": ("MLI", "Mali"),
    "Mexico": ("MEX", "Mexico"),
    "Mozambique": ("MOZ", "Mozambique"),
    "Myanmar (Burma)": ("MMR", "Myanmar (Burma)"),
    "Netherlands": ("NLD", "Netherlands"),
    "New Caledonia": ("NCL", "New Caledonia"),
    "Nigeria": ("NGA", "Nigeria"),
    "North Korea": ("PRK", "North Korea"),
    "Norway": ("NOR", "Norway"),
    "Pakistan": ("PAK", "Pakistan"),
    "Papua New Guinea": ("PNG", "Papua New Guinea"),
    "Philippines": ("PHL", "Philippines"),
    "Portugal": ("PRT", "Portugal"),
    "Qatar": ("QAT", "Qatar"),
    "Russia": ("RUS", "Russia"),
    "Rwanda": ("RWA", "Rwanda"),
    "South Korea": ("KOR", "South Korea"),
    "Spain": ("ESP", "Spain"),
    "Sri Lanka": ("LKA", "Sri Lanka"),
    "Taiwan": ("TWN", "Taiwan"),
    "Tajikistan": ("TJK", "Tajikistan"),
    "Tanzania": ("TZA", "Tanzania"),
    "Thailand": ("THA", "Thailand"),
    "Turkey": ("TUR", "Turkey"),
    "Ukraine": ("UKR", "Ukraine"),
    "United Arab Emirates": ("ARE", "United Arab Emirates"),
    "United Kingdom": ("GBR", "United Kingdom"),
    "United States": ("USA", "United States"),
    "Vietnam": ("VNM", "Vietnam"),
    "Zambia": ("ZMB", "Zambia"),
    "Zimbabwe": ("ZWE", "Zimbabwe"),
    "Other countries": ("XOT", "Other countries"),
    "Europe & Mideast (region)": ("XEU", "Europe & Mideast (region)"),
    "Americas (region, mostly United States)": ("XAM", "Americas (region)"),
    "Southeast Asia (region)": ("XSE", "Southeast Asia (region)"),
}
AGGREGATES = {"XOT", "XEU", "XAM", "XSE"}


def round_today(x: float) -> float:
    """`today` volumes and capacities set from them: 5 significant figures."""
    return round_sig(x, 5)


def round_sig(x: float, digits: int = 3) -> float:
    """Round to `digits` significant figures (0 stays 0)."""
    if x == 0:
        return 0.0
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def fmt(x: float) -> str:
    """Write a number without a spurious '.0' (81000, 25.2)."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def direct_demand(us_demand: dict[str, float]) -> dict[str, float]:
    """Direct US demand per base-case commodity (see the constants above)."""
    demand = {k: 0.0 for k in ZERO_DIRECT_DEMAND}
    demand.update(
        {
            # USGS apparent consumption of compounds & metals, 2024 (= refining-row year).
            "rare_earths_refining": us_demand["rare_earths_refining"],
            "ndfeb_magnets": NDFEB_DEMAND,
            # Estimate in the source (USGS withholds lithium consumption).
            "lithium_refining": us_demand["lithium_refining"],
            "cobalt_refining": us_demand["cobalt_refining"] - COBALT_SECONDARY_2023,
            # USGS apparent primary consumption, 2024.
            "nickel_refining": us_demand["nickel_refining"],
            # USGS apparent consumption 2025e (natural graphite in HTS 2504: non-anode uses).
            "graphite_natural_mine": us_demand["graphite_natural_mine"],
            "graphite_anode": GRAPHITE_ANODE_DEMAND,
            "gallium": us_demand["gallium_primary_capacity"],
            "germanium_refined": us_demand["germanium_refined"],
            "tungsten_mine": us_demand["tungsten_mine"],
            "antimony_mine": ANTIMONY_APPARENT_2024 - ANTIMONY_SECONDARY_2024,
            "polysilicon": POLYSILICON_DEMAND,
            "uranium_enrichment": URANIUM_SWU_DEMAND,
        }
    )
    return demand


def stage_prices(prices: dict[str, float]) -> dict[str, float]:
    """Market price per unit charged at each stage: conversion cost only downstream.

    The LP pays for a product's inputs separately (through the recipe), so a
    downstream stage costs its price minus its inputs at their market price,
    floored at MIN_CONVERSION_SHARE of its own price.
    """
    out = dict(prices)
    for product, inp, qty in RECIPES:
        margin = prices[product] - qty * prices[inp]
        out[product] = max(margin, MIN_CONVERSION_SHARE * prices[product])
    return out


def unit_costs(rows: pd.DataFrame, base: float, stage: str) -> pd.Series:
    """Unit cost of each supplier of one commodity (rows: country, source_qty, capacity)."""
    largest = (
        rows.loc[~rows["country"].isin(AGGREGATES)]
        .sort_values(["source_qty", "country"], ascending=[False, True])["country"]
        .iloc[0]
    )
    premium = STAGE_PREMIUM[stage]

    def factor(code: str) -> float:
        setter = PRICE_SETTER_FACTOR if code in (CHINA, largest) else 1.0 + premium
        return setter if code == DOMESTIC else setter * (1.0 + FREIGHT_FACTOR)

    f = rows["country"].map(factor).round(12)
    # Rank within groups of equal factor: larger capacity first, then country code.
    order = rows.assign(f=f).sort_values(
        ["f", "capacity", "country"], ascending=[True, False, True]
    )
    rank = order.groupby("f").cumcount().reindex(rows.index)
    raw = base * f * (1.0 + TIE_BREAK_STEP * rank)
    # Whole dollars; if rounding made two equal, lift the later one by $1 (order kept).
    cost = raw.round().astype(int)
    last = None
    for idx in raw.sort_values(kind="mergesort").index:
        if last is not None and cost[idx] <= last:
            cost[idx] = last + 1
        last = cost[idx]
    return cost


def total_need(demand: dict[str, float]) -> dict[str, float]:
    """Direct demand plus what downstream production consumes, through RECIPES."""
    need: dict[str, float] = {}

    def of(k: str) -> float:
        if k not in need:
            need[k] = demand[k] + sum(q * of(p) for p, i, q in RECIPES if i == k)
        return need[k]

    for k in demand:
        of(k)
    return need


def usable_today(rows: pd.DataFrame) -> pd.Series:
    """Rows a US buyer uses today: operating, not sanctioned, not Russian (policy)."""
    return (rows["status"] == "operating") & ~rows["country"].isin(SANCTIONED | {RUSSIA})


def water_fill(qty: float, weight: pd.Series, bound: pd.Series) -> pd.Series:
    """Share `qty` pro rata to `weight`, no row above its `bound` (excess re-shared)."""
    alloc = pd.Series(0.0, index=weight.index)
    free = weight.index[weight > 0]
    while qty > 1e-12 and len(free):
        part = qty * weight[free] / weight[free].sum()
        over = part > bound[free] - alloc[free]
        if not over.any():
            alloc[free] += part
            return alloc
        qty -= (bound[free][over] - alloc[free][over]).sum()
        alloc[free[over]] = bound[free][over]
        free = free[~over.to_numpy()]
    return alloc


def observed_today(rows: pd.DataFrame, obs: pd.DataFrame, base: float, k: str) -> pd.Series:
    """Today's volume per row from the observed shares of `base` (direct demand or need).

    Named countries get share x base (rows of domestic apparent consumption first; the
    import shares then apply to the rest). "Other" (XOT in import_sources.csv) goes to
    the unnamed usable rows, see OTHER.
    """
    share = dict(zip(obs["country"], obs["share"], strict=True))
    apparent = obs["basis"] == "apparent consumption"
    domestic = obs.loc[apparent, "share"].sum()
    imports = {
        c: v * (1.0 - domestic) for c, v in share.items() if c not in set(obs[apparent].country)
    }
    today = pd.Series(0.0, index=rows.index)
    by_code = pd.Series(rows.index, index=rows["country"])
    for c, v in [*imports.items(), *zip(obs[apparent].country, obs[apparent].share, strict=True)]:
        if c == OTHER:
            continue
        assert c in by_code, f"{k}: observed supplier {c} has no supply row"
        today[by_code[c]] = v * base
    other = imports.get(OTHER, 0.0) * base
    if other > 0:
        # "other" origins of imports: never the domestic row, nor a named country
        named = [c for c in share if c != OTHER] + [DOMESTIC]
        pick = usable_today(rows) & ~rows["country"].isin(named)
        smallest = min(v for c, v in imports.items() if c != OTHER) * base
        cap = rows["capacity"].fillna(0.0)
        bound = cap.where(rows["country"].isin(AGGREGATES), cap.clip(upper=smallest))
        alloc = water_fill(other, cap.where(pick, 0.0), bound.where(pick, 0.0))
        rest = other - alloc.sum()
        if rest > 1e-9:  # the aggregate row takes the rest (its capacity is then raised)
            agg = rows.index[pick & rows["country"].isin(AGGREGATES)]
            assert len(agg) == 1, f"{k}: 'other' share does not fit the unnamed rows"
            alloc[agg[0]] += rest
        today += alloc
    return today


def fill_least_cost(rows: pd.DataFrame, qty: float, k: str) -> pd.Series:
    """Fill need not covered by observed shares cheapest-first (delivered cost).

    This is the derived use of upstream stages (ore in refined metal, REO in magnets,
    flake in anode) and the whole need of commodities without observed data.
    """
    cost = rows["unit_cost"] * (1.0 + rows["tariff"])
    room = (rows["capacity"] - rows["today"]).clip(lower=0.0).where(usable_today(rows), 0.0)
    out = pd.Series(0.0, index=rows.index)
    for i in cost.sort_values(kind="mergesort").index:
        take = min(qty, room[i])
        out[i], qty = take, qty - take
    assert qty <= 1e-9, f"{k}: usable capacity cannot cover today's need"
    return out


def check_switching_premium(parts: dict[str, pd.DataFrame]) -> None:
    """Fail unless case.toml's premium equals SWITCHING_PREMIUM and exceeds the spread.

    The no-cap solve keeps today's mix only if buying a unit beyond `today` anywhere
    costs more than any unit bought today: (1 + premium) x cheapest delivered cost of
    a row with spare capacity > dearest delivered cost of a row bought today.
    """
    with (HERE / "case.toml").open("rb") as fh:
        given = tomllib.load(fh)["policy"].get("switching_premium")
    if given != SWITCHING_PREMIUM:
        raise SystemExit(f"case.toml switching_premium {given} != {SWITCHING_PREMIUM}")
    worst, where = 0.0, ""
    for k, rows in parts.items():
        cost = rows["unit_cost"] * (1.0 + rows["tariff"])
        bought = cost[rows["today"] > 0]
        spare = cost[(rows["capacity"] > rows["today"]) & (rows["status"] == "operating")]
        if len(bought) and len(spare) and bought.max() / spare.min() - 1.0 > worst:
            worst, where = bought.max() / spare.min() - 1.0, k
    if worst >= SWITCHING_PREMIUM:
        raise SystemExit(
            f"switching premium {SWITCHING_PREMIUM} does not exceed the spread of delivered "
            f"costs in {where} ({worst:.4f}): the no-cap solve would not reproduce today"
        )
    print(f"largest spread of delivered costs: {worst:.4f} ({where}) < {SWITCHING_PREMIUM}")


def check_exclusions(supply: pd.DataFrame) -> None:
    """Fail unless case.toml holds every sanctioned and every Russian row at zero."""
    with (HERE / "case.toml").open("rb") as fh:
        rules = tomllib.load(fh)["policy"].get("rules", [])
    held = set()
    for r in rules:
        if r.get("max_share") != 0.0:
            continue
        ks = r.get("commodities") or sorted(set(supply["commodity"]))
        who = SANCTIONED if r["country"] == "group:sanctioned" else {r["country"]}
        held |= {(k, c) for k in ks for c in who}
    tagged = supply[supply["country"].isin(SANCTIONED | {RUSSIA})]
    free = [
        f"{k}/{c}"
        for k, c in zip(tagged["commodity"], tagged["country"], strict=True)
        if (k, c) not in held
    ]
    if free:
        raise SystemExit(f"case.toml does not exclude these restricted rows: {', '.join(free)}")


def main() -> None:
    src_c = pd.read_csv(SRC / "commodities.csv").set_index("commodity")
    src_s = pd.read_csv(SRC / "supply.csv")

    ids = [c[0] for c in COMMODITIES]
    source_of = {c[0]: c[1] for c in COMMODITIES}
    stage_of = {c[0]: c[4] for c in COMMODITIES}
    prices = {
        k: float(src_c.loc[source_of[k], "price_usd_per_unit"])
        for k in ids
        if k not in PRICE_OVERRIDE
    }
    prices.update(PRICE_OVERRIDE)
    charged = stage_prices(prices)
    us_demand = src_c["us_demand"].to_dict()
    demand = direct_demand(us_demand)
    assert set(demand) == set(ids), "every commodity needs a direct demand"

    # --- supply ---------------------------------------------------------------
    supply_parts, dropped = {}, []
    for k in ids:
        sk = source_of[k]
        year = int(src_c.loc[sk, "year"])
        rows = src_s[(src_s["commodity"] == sk) & (src_s["year"] == year)].copy()
        if k in ROWLESS:
            rows = rows.iloc[0:0]
        for _, r in rows[rows["quantity"].isna() | (rows["quantity"] <= 0)].iterrows():
            dropped.append(f"{k}/{r['country']}: {'withheld' if pd.isna(r['quantity']) else 0}")
        rows = rows[rows["quantity"] > 0]
        rows["quantity"] = [
            QUANTITY_OVERRIDE.get((k, name), q)
            for name, q in zip(rows["country"], rows["quantity"], strict=True)
        ]
        rows["country"] = rows["country"].map(lambda n: COUNTRY_CODES[n][0])
        bad = rows[(rows["is_partner"] == "yes") != rows["country"].isin(PARTNERS)]
        assert bad.empty, f"partner flags disagree with PARTNERS: {bad['country'].tolist()}"
        if k == "polysilicon":
            abroad = rows["country"] != CHINA
            scale = POLYSILICON_OPERATING_OUTSIDE_CHINA / rows.loc[abroad, "quantity"].sum()
            rows.loc[abroad, "quantity"] = rows.loc[abroad, "quantity"] * scale
        rows["status"] = [STATUS.get((k, c), "operating") for c in rows["country"]]
        label = [
            f"{SOURCE_LABEL[sk]}, {year} data"
            + (
                "; source quantity is an estimate"
                if est == "yes" and (k, c) not in QUANTITY_NOTE
                else ""
            )
            + (f"; {QUANTITY_NOTE[(k, c)]}" if (k, c) in QUANTITY_NOTE else "")
            + ("; scaled to 92,000 t operational" if k == "polysilicon" and c != CHINA else "")
            for est, c in zip(rows["is_estimate"], rows["country"], strict=True)
        ]
        extra = [e for e in EXTRA_ROWS if e[0] == k]
        rows = pd.concat(
            [
                rows[["country", "quantity", "status"]].assign(label=label, processor=False),
                pd.DataFrame(
                    {
                        "country": [e[1] for e in extra],
                        "quantity": [float("nan") if e[3] is None else e[3] for e in extra],
                        "status": [e[2] for e in extra],
                        "label": [
                            e[4]
                            + (
                                "; capacity = today's US imports (estimate)"
                                if e[3] is None
                                else "; source quantity is an estimate"
                            )
                            for e in extra
                        ],
                        "processor": [e[3] is None for e in extra],
                    }
                ),
            ],
            ignore_index=True,
        )
        rows["processor"] = rows["processor"].astype(bool)
        share = rows["country"].map(
            lambda c: ACCESSIBLE_SHARE_DOMESTIC if c == DOMESTIC else ACCESSIBLE_SHARE_FOREIGN
        )
        rows["share"] = share.where(~rows["processor"])
        rows["source_qty"] = rows["quantity"].fillna(0.0)
        rows["capacity"] = (rows["quantity"] * share).map(
            lambda x: float("nan") if pd.isna(x) else round_sig(x)
        )
        rows["commodity"] = k
        supply_parts[k] = rows

    # --- today's sourcing: observed shares x demand, then derived use ----------------
    need = total_need(demand)
    observed = pd.read_csv(SRC / "import_sources.csv")
    observed = observed[observed["used"] == "yes"]
    for k, rows in supply_parts.items():
        obs = observed[observed["commodity"] == k]
        base = need[k] if (obs["applies_to"] == "need").any() else demand[k]
        rows["today"] = observed_today(rows, obs, base, k) if len(obs) else 0.0
        lifted = rows["capacity"].isna() | (rows["today"] > rows["capacity"])
        rows["lifted"] = lifted & ~rows["processor"]
        rows["capacity"] = rows["capacity"].where(~lifted, rows["today"].map(round_today))
        if k in RESIDUAL_INCLUDES:  # take the new importer rows out of the residual row
            agg = rows["country"] == OTHER
            inside = rows.loc[rows["country"].isin(RESIDUAL_INCLUDES[k]), "capacity"].sum()
            rows.loc[agg, "capacity"] = max(
                round_sig(rows.loc[agg, "capacity"].iloc[0] - inside),
                round_today(rows.loc[agg, "today"].iloc[0]),
            )
    for k, rows in supply_parts.items():
        rows["unit_cost"] = unit_costs(rows, charged[k], stage_of[k])
        rows["tariff"] = [TARIFF.get((k, c), 0.0) for c in rows["country"]]
        rest = need[k] - rows["today"].sum()
        rows["derived"] = fill_least_cost(rows, rest, k) if rest > 1e-9 else 0.0
        rows["today"] = [
            min(round_today(t + d), cap)
            for t, d, cap in zip(rows["today"], rows["derived"], rows["capacity"], strict=True)
        ]
        assert (rows["today"] <= rows["capacity"]).all(), f"{k}: today above capacity"
        got = rows["today"].sum()
        assert abs(got - need[k]) <= 1e-3 * need[k] + 1e-9, f"{k}: today {got} != need {need[k]}"
        rows["note"] = [
            f"{lab}; accessible share {s:g}" if not pd.isna(s) else lab
            for lab, s in zip(rows["label"], rows["share"], strict=True)
        ]
        rows["note"] = rows["note"] + [
            "; capacity raised to today's volume" if up else "" for up in rows["lifted"]
        ]
    check_switching_premium(supply_parts)
    supply = pd.concat(supply_parts.values()).sort_values(["commodity", "country"])
    check_exclusions(supply)
    supply = supply[
        ["commodity", "country", "capacity", "unit_cost", "tariff", "today", "status", "note"]
    ]

    # --- countries --------------------------------------------------------------
    names = {code: name for code, name in COUNTRY_CODES.values()}
    names.update({"SGP": "Singapore", "ISR": "Israel", "NLD": "Netherlands"})
    # every partner nation is listed (tagged) even where the data show no supply,
    # so scenarios can give partners new capacity
    codes = sorted(set(supply["country"]) | PARTNERS)

    def groups(code: str) -> str:
        tags = (
            (["partner"] if code in PARTNERS else [])
            + (["domestic"] if code == DOMESTIC else [])
            + (["aggregate"] if code in AGGREGATES else [])
            + (["sanctioned"] if code in SANCTIONED else [])
        )
        return ";".join(tags)

    countries = pd.DataFrame(
        {"country": codes, "name": [names[c] for c in codes], "groups": [groups(c) for c in codes]}
    )

    # --- commodities ----------------------------------------------------------------
    commodities = pd.DataFrame(
        {
            "commodity": ids,
            "name": [c[2] for c in COMMODITIES],
            "unit": [c[3] for c in COMMODITIES],
            "stage": [stage_of[k] for k in ids],
            "demand": [demand[k] for k in ids],
            "max_china_share": "",
            "shortfall_penalty": "",
            "note": [
                DEMAND_NOTE[k]
                + ("; unit_cost is conversion cost only" if k in {p for p, _, _ in RECIPES} else "")
                + "; see SOURCES.md"
                for k in ids
            ],
        }
    ).sort_values("commodity")

    recipes = pd.DataFrame(RECIPES, columns=["product", "input", "quantity"]).sort_values(
        ["product", "input"]
    )

    # --- restrictions -----------------------------------------------------------------
    tagged = [("", c, *SANCTION_TEXT[c]) for c in sorted(SANCTIONED)]
    for k in sorted(supply.loc[supply["country"] == RUSSIA, "commodity"]):
        tagged.append((k, RUSSIA, *RUSSIA_TEXT.get(k, RUSSIA_OTHER)))
    for k in sorted(RESTRICTED_CHINA):
        tagged.append((k, CHINA, *RESTRICTED_CHINA[k]))
    restrictions = pd.DataFrame(tagged, columns=["commodity", "country", "restriction", "source"])

    # --- write ---------------------------------------------------------------------
    for col in ("capacity", "unit_cost", "today"):
        supply[col] = supply[col].map(fmt)
    supply["tariff"] = supply["tariff"].map(lambda t: fmt(t) if t else "")
    commodities["demand"] = commodities["demand"].map(fmt)
    recipes["quantity"] = recipes["quantity"].map(fmt)
    # semiconductor items last, on the finished (formatted) tables: see add_semiconductors
    countries, commodities, supply = add_semiconductors(countries, commodities, supply)
    for name, df in [
        ("countries", countries),
        ("commodities", commodities),
        ("supply", supply),
        ("recipes", recipes),
        ("restrictions", restrictions),
    ]:
        df.to_csv(HERE / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")

    print(
        f"wrote {len(countries)} countries, {len(commodities)} commodities, "
        f"{len(supply)} supply rows, {len(recipes)} recipes to {HERE}"
    )
    print("dropped source rows (withheld or zero):", "; ".join(dropped))


# ===========================================================================
# Semiconductor manufacturing: the partner initiative's semiconductor side
# (issue 10, item 8). Self-contained: reads source_data/semis.csv and appends
# countries, commodities and supply rows to the finished tables, so the mineral
# pipeline above is untouched. Every figure is in SOURCES.md, section
# "Semiconductor items".
# ===========================================================================
SEMIS_SRC = SRC / "semis.csv"
# One stage label for the three items, so scenarios can select them together.
SEMIS_STAGE = "semiconductors"
# Value-denominated items: one unit is USD 1 million of goods at today's customs
# value (imports) or price (HBM). A supplier's unit_cost is USD 1,000,000 times its
# cost factor, i.e. what USD 1M of today's goods costs the buyer delivered.
SEMIS_UNIT_PRICE = 1_000_000
# HS 8486 imports are published for January-November 2024: x 12/11 for a year.
SME_MONTHS_REPORTED = 11
# Semiconductor imports: a supplier can ship the US up to 1.5x the most it shipped
# in 2023 or (annualised) January-August 2024. Estimate: the 2024 surge (Taiwan
# +68%, Israel +96% year on year) shows 2023 volumes were not capacity limits.
SEMIS_IMPORT_HEADROOM = 1.5
# Estimate: US chip designers (Nvidia, AMD, Broadcom for Google, Amazon, Marvell)
# buy about 70% of the world's HBM.
HBM_US_SHARE_OF_WORLD = 0.70
# Estimate: as the dominant buyer, a US buyer can contract any supplier's whole
# HBM output (Chinese buyers are barred from advanced HBM by US export controls).
HBM_ACCESSIBLE_SHARE = 1.0
# id, name, unit (value units say what the money buys)
SEMIS_COMMODITIES = [
    (
        "semi_equipment",
        "Semiconductor manufacturing equipment (US imports, HS 8486)",
        "USD M of equipment",
    ),
    (
        "semiconductors",
        "Semiconductors and electronic components (US imports)",
        "USD M of chips",
    ),
    ("hbm_memory", "High-bandwidth memory (HBM) for AI accelerators", "USD M of HBM"),
]
SEMIS_DEMAND_NOTE = {
    "semi_equipment": "demand: US imports 2024 Jan-Nov (USITC DataWeb) x 12/11",
    "semiconductors": "demand: US imports 2023 (US Commerce)",
    "hbm_memory": "demand: estimate, 70% of world HBM revenue 2024 (TrendForce)",
}
SEMIS_SUPPLY_NOTE = {
    "semi_equipment": (
        "today: USITC DataWeb HS 8486 imports 2024 Jan-Nov x 12/11; capacity: world "
        "SME exports 2023 (USITC EBOT) x accessible share 0.3"
    ),
    "semiconductors": (
        "today: US Commerce imports 2023; capacity: 1.5 x max(2023, 2024 Jan-Aug x 12/8) (estimate)"
    ),
    "hbm_memory": (
        "today: estimate, Counterpoint HBM shipment shares 2025 Q2 x demand; capacity: "
        "world HBM revenue 2024 (TrendForce) x share"
    ),
}
# Countries the semiconductor data need beyond the mineral pipeline's.
SEMIS_COUNTRY_NAMES = {"TWN": "Taiwan"}


def semis_rows(src: pd.DataFrame) -> list[dict[str, object]]:
    """Supply rows (commodity, country, capacity, today) of the semiconductor items."""

    def values(k: str, measure: str, period: str) -> dict[str, float]:
        sel = src[(src["commodity"] == k) & (src["measure"] == measure)]
        sel = sel[sel["period"] == period]
        return dict(zip(sel["country"], sel["value"].astype(float), strict=True))

    rows: list[dict[str, object]] = []
    # Equipment: today = annualised imports; capacity = world exports x share x 0.3.
    imports = values("semi_equipment", "us_imports", "2024-01..11")
    imports.pop("WLD")
    shares = values("semi_equipment", "world_export_share", "2023")
    world = values("semi_equipment", "world_exports", "2023")["USA"] / shares["USA"]
    for n, v in imports.items():
        cap = round_sig(world * shares[n] * ACCESSIBLE_SHARE_FOREIGN)
        rows.append(
            dict(
                commodity="semi_equipment",
                country=n,
                capacity=cap,
                today=float(round(v * 12 / SME_MONTHS_REPORTED)),
            )
        )
    # Chips: today = 2023 imports; capacity = headroom x best observed annual rate.
    y2023 = values("semiconductors", "us_imports", "2023")
    y2024 = values("semiconductors", "us_imports", "2024-01..08")
    for n in sorted(set(y2023) - {"WLD"}):
        best = max(y2023[n], y2024[n] * 12 / 8)
        rows.append(
            dict(
                commodity="semiconductors",
                country=n,
                capacity=round_sig(SEMIS_IMPORT_HEADROOM * best),
                today=y2023[n],
            )
        )
    # HBM: world revenue x shipment share; today = demand split by those shares.
    hbm_world = (
        values("hbm_memory", "dram_revenue", "2024")["WLD"]
        * values("hbm_memory", "hbm_share_of_dram_revenue", "2024")["WLD"]
    )
    demand = float(round(HBM_US_SHARE_OF_WORLD * hbm_world))
    ship = values("hbm_memory", "shipment_share", "2025-Q2")
    largest = max(ship, key=lambda n: (ship[n], n))
    for n, share in ship.items():
        today = float(round(demand * share)) if n != largest else 0.0
        rows.append(
            dict(
                commodity="hbm_memory",
                country=n,
                capacity=round_sig(hbm_world * share * HBM_ACCESSIBLE_SHARE),
                today=today,
            )
        )
    # the largest supplier takes the rounding remainder, so today sums to demand
    hbm = [r for r in rows if r["commodity"] == "hbm_memory"]
    next(r for r in hbm if r["country"] == largest)["today"] = demand - sum(
        float(r["today"]) for r in hbm
    )
    return rows


def semis_unit_costs(rows: list[dict[str, object]]) -> None:
    """unit_cost per row: USD 1M x (1 + freight) x tie-break (today's largest first,
    aggregates last), so no two suppliers of an item cost the same."""
    for k in {r["commodity"] for r in rows}:
        mine = sorted(
            (r for r in rows if r["commodity"] == k),
            key=lambda r: (r["country"] in AGGREGATES, -float(r["today"]), r["country"]),
        )
        for rank, r in enumerate(mine):
            factor = (1.0 + FREIGHT_FACTOR) * (1.0 + TIE_BREAK_STEP * rank)
            r["unit_cost"] = float(round(SEMIS_UNIT_PRICE * factor))


def add_semiconductors(
    countries: pd.DataFrame, commodities: pd.DataFrame, supply: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The finished tables with the semiconductor items appended (cells as text).

    Adds a `today` supply column if the tables do not have one yet (blank for the
    other rows); any other column the tables have is left blank on the new rows.
    """
    src = pd.read_csv(SEMIS_SRC, dtype={"period": str})
    rows = semis_rows(src)
    semis_unit_costs(rows)
    for r in rows:
        cap, today = float(r["capacity"]), float(r["today"])
        assert 0 <= today <= cap, f"{r['commodity']}/{r['country']}: today above capacity"

    demand = {
        k: sum(float(r["today"]) for r in rows if r["commodity"] == k)
        for k, _, _ in SEMIS_COMMODITIES
    }
    new_c = pd.DataFrame(
        [
            {
                "commodity": k,
                "name": name,
                "unit": unit,
                "stage": SEMIS_STAGE,
                "demand": fmt(demand[k]),
                "note": SEMIS_DEMAND_NOTE[k] + "; value item, 1 unit = USD 1M; see SOURCES.md",
            }
            for k, name, unit in SEMIS_COMMODITIES
        ]
    )
    new_s = pd.DataFrame(
        [
            {
                "commodity": r["commodity"],
                "country": r["country"],
                "capacity": fmt(float(r["capacity"])),
                "unit_cost": fmt(float(r["unit_cost"])),
                "today": fmt(float(r["today"])),
                "note": SEMIS_SUPPLY_NOTE[str(r["commodity"])],
            }
            for r in rows
        ]
    )
    if "today" not in supply.columns:
        supply = supply.assign(today="")
        supply = supply[[*supply.columns.drop(["today", "note"]), "today", "note"]]
    commodities = (
        pd.concat([commodities, new_c], ignore_index=True)
        .fillna("")
        .sort_values("commodity", kind="mergesort")
    )
    supply = (
        pd.concat([supply, new_s], ignore_index=True)
        .fillna("")
        .sort_values(["commodity", "country"], kind="mergesort")
    )
    names = dict(zip(countries["country"], countries["name"], strict=True))
    missing = sorted(set(new_s["country"]) - set(names))
    unknown = set(missing) - set(SEMIS_COUNTRY_NAMES)
    assert not unknown, f"semis.csv countries without a name: {sorted(unknown)}"
    countries = (
        pd.concat(
            [
                countries,
                pd.DataFrame(
                    {
                        "country": missing,
                        "name": [SEMIS_COUNTRY_NAMES[c] for c in missing],
                        "groups": "",
                    }
                ),
            ],
            ignore_index=True,
        )
        .fillna("")
        .sort_values("country", kind="mergesort")
    )
    return countries, commodities, supply


if __name__ == "__main__":
    main()
