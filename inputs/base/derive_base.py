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


if __name__ == "__main__":
    main()
