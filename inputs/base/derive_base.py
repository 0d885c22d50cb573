"""Derive the default ("base") input case from the public figures in source_data/.

Run from anywhere:  python inputs/base/derive_base.py

Reads  source_data/commodities.csv and source_data/supply.csv (verbatim copies of
the shared seed data, see source_data/SOURCES.md) and writes countries.csv,
commodities.csv, supply.csv and recipes.csv next to this file. pandas only, no
network; the output is deterministic (same inputs give byte-identical files).

Every modelling assumption is a named constant below with a one-line reason.
SOURCES.md (next to this file) gives the public source of every figure, or marks
it as an estimate and explains it.
"""

from __future__ import annotations

import math
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
]

# ---------------------------------------------------------------------------
# Direct US demand: what the US buys of that form itself. Use by downstream stages
# of the model is added by the LP through RECIPES, so it is NOT included here.
# ---------------------------------------------------------------------------
# Upstream forms whose US need is carried by the refined stage (US buys refined
# lithium, cobalt, nickel and separated rare earths, not mine concentrate).
ZERO_DIRECT_DEMAND = ("rare_earths_mine", "lithium_mine", "cobalt_mine", "nickel_mine")
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
    ("gallium", "gallium_primary_capacity", "Gallium, primary (low-purity)", "t Ga", "refining"),
    ("germanium_refined", "germanium_refined", "Refined germanium", "t Ge", "refining"),
    ("tungsten_mine", "tungsten_mine", "Tungsten mine output", "t W", "mining"),
    ("antimony_mine", "antimony_mine", "Antimony mine output", "t Sb", "mining"),
    ("polysilicon", "polysilicon", "Polysilicon (solar and electronic grade)", "t", "refining"),
    ("uranium_enrichment", "uranium_enrichment", "Uranium enrichment services", "tSWU", "refining"),
]

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
    "gallium": "demand: USGS reported consumption 2025e; capacity rows used as supply",
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
    supply_parts, dropped = [], []
    for k in ids:
        sk = source_of[k]
        year = int(src_c.loc[sk, "year"])
        rows = src_s[(src_s["commodity"] == sk) & (src_s["year"] == year)].copy()
        for _, r in rows[rows["quantity"].isna() | (rows["quantity"] <= 0)].iterrows():
            dropped.append(f"{k}/{r['country']}: {'withheld' if pd.isna(r['quantity']) else 0}")
        rows = rows[rows["quantity"] > 0]
        rows["country"] = rows["country"].map(lambda n: COUNTRY_CODES[n][0])
        bad = rows[(rows["is_partner"] == "yes") != rows["country"].isin(PARTNERS)]
        assert bad.empty, f"partner flags disagree with PARTNERS: {bad['country'].tolist()}"
        share = rows["country"].map(
            lambda c: ACCESSIBLE_SHARE_DOMESTIC if c == DOMESTIC else ACCESSIBLE_SHARE_FOREIGN
        )
        rows["source_qty"] = rows["quantity"]
        rows["capacity"] = (rows["quantity"] * share).map(round_sig)
        rows["unit_cost"] = unit_costs(rows, charged[k], stage_of[k])
        rows["note"] = [
            f"{SOURCE_LABEL[sk]}, {year} data"
            + ("; source quantity is an estimate" if est == "yes" else "")
            + f"; accessible share {s:g}"
            for est, s in zip(rows["is_estimate"], share, strict=True)
        ]
        rows["commodity"] = k
        supply_parts.append(rows)
    supply = pd.concat(supply_parts).sort_values(["commodity", "country"])
    supply = supply[["commodity", "country", "capacity", "unit_cost", "note"]]

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

    # --- write ---------------------------------------------------------------------
    for col in ("capacity", "unit_cost"):
        supply[col] = supply[col].map(fmt)
    commodities["demand"] = commodities["demand"].map(fmt)
    recipes["quantity"] = recipes["quantity"].map(fmt)
    # semiconductor items last, on the finished (formatted) tables: see add_semiconductors
    countries, commodities, supply = add_semiconductors(countries, commodities, supply)
    for name, df in [
        ("countries", countries),
        ("commodities", commodities),
        ("supply", supply),
        ("recipes", recipes),
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
