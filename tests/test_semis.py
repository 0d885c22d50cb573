"""The semiconductor side of the partner initiative in the default case (issue 10,
item 8): its items, their observed baseline, and a concentration rule that binds on
a country other than China.

Hand-worked figures (inputs/base/source_data/semis.csv, SOURCES.md "Semiconductor
items"):
  HBM world revenue 2024 = 84,200 x 0.201 = 16,924.2 USD M (TrendForce).
  US demand = 0.70 x 16,924.2 = 11,846.9 -> 11,847 USD M.
  Capacity: KOR 0.79 x 16,924.2 = 13,370 -> 13,400; TWN 0.21 x 16,924.2 = 3,554 -> 3,550.
  Rule "any one country <= 50%" (share of what is supplied): KOR <= 0.5 (KOR + TWN),
  i.e. KOR <= TWN <= 3,550. Shortfall is dearer than any purchase, so TWN sells all
  3,550, KOR is held at 3,550 (50%), 7,100 are bought and 11,847 - 7,100 = 4,747 short.
"""

from __future__ import annotations

import pandas as pd
import pytest

from model import load_case, solve
from tests.conftest import BASE, ROOT

SCENARIO = ROOT / "inputs" / "scenarios" / "single-supplier-cap.toml"
SEMIS = ("semi_equipment", "semiconductors", "hbm_memory")
RULE = "any one country <= 50% (semiconductors)"


@pytest.fixture(scope="module")
def capped():
    return solve(load_case(SCENARIO))


def test_rule_holds_korea_at_half_of_hbm(capped):
    mix = capped.mix[capped.mix["commodity"] == "hbm_memory"].set_index("country")
    assert mix["quantity"].to_dict() == pytest.approx({"KOR": 3_550, "TWN": 3_550}, abs=1e-6)
    assert mix.loc["KOR", "share"] == pytest.approx(0.5, abs=1e-9)
    c = capped.commodities.set_index("commodity").loc["hbm_memory"]
    assert c["supplied"] == pytest.approx(7_100, abs=1e-6)
    assert c["shortfall"] == pytest.approx(4_747, abs=1e-6)
    # the explanation names the rule and the country it holds
    assert f"rule {RULE} (KOR)" in c["binding"]


def test_base_meets_hbm_need_mostly_from_korea():
    # without the rule Korea's 13,400 alone covers the 11,847 needed
    r = solve(load_case(BASE))
    c = r.commodities.set_index("commodity")
    assert (c.loc[list(SEMIS), "shortfall"] == 0).all()
    kor = r.mix[(r.mix["commodity"] == "hbm_memory") & (r.mix["country"] == "KOR")]
    assert float(kor["share"].iloc[0]) > 0.5


def test_today_is_the_observed_import_mix():
    """`today` per item sums to its demand and gives the published shares."""
    supply = pd.read_csv(BASE / "supply.csv")
    commodities = pd.read_csv(BASE / "commodities.csv").set_index("commodity")
    today = supply[supply["commodity"].isin(SEMIS)].pivot(
        index="country", columns="commodity", values="today"
    )
    # HS 8486, Jan-Nov 2024 x 12/11: JPN 3,500 -> 3,818; SGP 1,903 -> 2,076;
    # NLD 1,166 -> 1,272; rest 5,548 -> 6,052; total 13,218 (29% / 16% / 10% / 46%)
    assert today["semi_equipment"].dropna().to_dict() == {
        "JPN": 3_818,
        "NLD": 1_272,
        "SGP": 2_076,
        "XOT": 6_052,
    }
    # 2023 US imports: Taiwan 21,979 of 113,476; Israel 2,863; Korea 8,679
    assert today.loc[["TWN", "ISR", "KOR"], "semiconductors"].tolist() == [21_979, 2_863, 8_679]
    assert today["hbm_memory"].dropna().to_dict() == {"KOR": 9_359, "TWN": 2_488}
    for k, total in (
        ("semi_equipment", 13_218),
        ("semiconductors", 113_476),
        ("hbm_memory", 11_847),
    ):
        assert today[k].sum() == total
        assert commodities.loc[k, "demand"] == total
    assert (supply["today"].fillna(0) <= supply["capacity"]).all()
