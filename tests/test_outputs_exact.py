"""Secondary outputs with hand-worked values: ranging, capacity values, what binds,
row numbers in errors, run-folder permissions and the report's numbers as text."""

from __future__ import annotations

import math
import os
import stat

import pytest

from model import load_case, solve
from model.errors import InputError
from model.formats import dollars, pct, qty
from model.formats import millions as money
from model.numbers import clean
from model.numbers import money as clean_money
from model.report import load_run, run_from_result
from model.report.document import render_md
from model.report.solve import _solve_headline

APPROX = dict(rel=1e-9, abs=1e-6)


def rows(result):
    return result.commodities.set_index("commodity")


# --- ranging ------------------------------------------------------------------------------------
def test_binding_cap_range_is_a_share_of_the_supplied_total(case_dir):
    # a, demand 100: CHN at 1, AUS at 2 (room for 70), JPN at 3; China capped at 0.5.
    # Optimum CHN 50, AUS 50. The cap row x_CHN - 0.5 S <= r keeps its basis while
    # AUS = 50 - r stays in [0, 70]: r in [-20, 50], i.e. the cap in
    # [0.5 - 20/100, 0.5 + 50/100] = [0.3, 1.0]. Its dual is -1 (one more unit of China
    # saves 2 - 1), so one point of cap is worth 0.01 * 1 * 100 = 1.
    case = load_case(
        case_dir(
            commodities=[("a", 100)],
            supply=[("a", "CHN", 1000, 1), ("a", "AUS", 70, 2), ("a", "JPN", 1000, 3)],
            policy={"max_china_share": 0.5},
        )
    )
    r = solve(case)
    lim = r.limit_ranges.set_index(["limit", "commodity"])
    row = lim.loc[("china_cap", "a")]
    assert row["value"] == 0.5
    assert row["lower"] == pytest.approx(0.3, **APPROX)
    assert row["upper"] == pytest.approx(1.0, **APPROX)
    assert row["shadow_price"] == pytest.approx(1.0, **APPROX)
    assert row["basis"] == "first-order"
    assert rows(r).loc["a", "marginal_cost_per_pp"] == pytest.approx(1.0, **APPROX)
    # one point tighter, exactly: CHN 49, AUS 51 -> +1 of cost, no shortfall
    assert rows(r).loc["a", "cost_of_next_pp"] == pytest.approx(1.0, **APPROX)
    assert rows(r).loc["a", "shortfall_of_next_pp"] == 0
    # demand: the basis (CHN, AUS basic) holds while AUS = d/2 <= 70 -> d in [0, 140]
    d = lim.loc[("demand", "a")]
    assert d["shadow_price"] == pytest.approx(1.5, **APPROX)
    assert d["upper"] == pytest.approx(140, **APPROX)
    # cost ranges: CHN's cost can rise to 2 (AUS's) before the mix changes
    cr = r.cost_ranges.set_index("country")
    assert cr.loc["CHN", "quantity"] == 50
    assert cr.loc["CHN", "cost_upper"] == pytest.approx(2.0, **APPROX)
    assert r.commodities.loc[0, "binding"] == "China cap 50%"


def test_slack_cap_range_is_china_share_to_one(case_dir):
    # China can sell only 40 of 100 (its capacity), cap 0.9: not binding, range [0.4, 1]
    case = load_case(
        case_dir(
            commodities=[("a", 100)],
            supply=[("a", "CHN", 40, 1), ("a", "AUS", 1000, 2)],
            policy={"max_china_share": 0.9},
        )
    )
    r = solve(case)
    row = r.limit_ranges.set_index(["limit", "commodity"]).loc[("china_cap", "a")]
    assert (row["lower"], row["upper"], row["shadow_price"], row["basis"]) == (
        0.4,
        1.0,
        0.0,
        "exact",
    )
    cap = r.limit_ranges.set_index(["limit", "country"]).loc[("capacity", "CHN")]
    assert cap["value"] == 40 and cap["shadow_price"] == pytest.approx(1.0, **APPROX)
    assert rows(r).loc["a", "binding"] == "capacity CHN"


# --- capacity values ----------------------------------------------------------------------------
def test_capacity_value_when_it_only_saves_cost(case_dir):
    # AUS (at 1, room 60) is full; JPN at 2 fills the rest. One more AUS unit replaces a
    # JPN unit: objective and supply cost both fall by 1; no shortfall involved.
    case = load_case(
        case_dir(commodities=[("a", 100)], supply=[("a", "AUS", 60, 1), ("a", "JPN", 1000, 2)])
    )
    cv = solve(case).capacity_values
    assert len(cv) == 1
    row = cv.iloc[0]
    assert (row["commodity"], row["country"], row["groups"]) == ("a", "AUS", "partner")
    assert row["marginal_value"] == pytest.approx(1.0, **APPROX)
    assert row["supply_cost_saving"] == pytest.approx(1.0, **APPROX)
    assert not row["relieves_shortfall"]
    assert row["dual_value"] == pytest.approx(1.0, **APPROX)
    assert row["quantity"] == 60 and row["capacity"] == 60


def test_capacity_value_when_it_relieves_shortfall(case_dir):
    # AUS (at 1, room 60) is the only supplier of 100: 40 short at a penalty of 10.
    # One more unit: objective -10 + 1 = -9 (saves 9); supply cost +1 (saving -1).
    case = load_case(case_dir(commodities=[("a", 100)], supply=[("a", "AUS", 60, 1)]))
    r = solve(case)
    row = r.capacity_values.iloc[0]
    assert row["marginal_value"] == pytest.approx(9.0, **APPROX)
    assert row["supply_cost_saving"] == pytest.approx(-1.0, **APPROX)
    assert row["relieves_shortfall"]
    assert row["dual_value"] == pytest.approx(9.0, **APPROX)
    assert r.summary["shortfall_value"] == pytest.approx(400, **APPROX)
    assert r.summary["total_shortfall"] == {"a": 40.0}
    assert r.summary["commodities_with_shortfall"] == 1


def test_capacity_values_order_most_valuable_first(case_dir):
    # AUS at 1 (room 10), JPN at 2 (room 10), USA at 4: one more AUS saves 3, JPN 2
    case = load_case(
        case_dir(
            commodities=[("a", 30)],
            supply=[("a", "JPN", 10, 2), ("a", "AUS", 10, 1), ("a", "USA", 100, 4)],
        )
    )
    cv = solve(case).capacity_values
    assert cv["country"].tolist() == ["AUS", "JPN"]
    assert cv["marginal_value"].tolist() == pytest.approx([3, 2], **APPROX)


# --- what binds ---------------------------------------------------------------------------------
def test_cap_of_100_percent_never_binds(case_dir):
    # China is the only supplier and the cap is 1: China's share is 100% = the cap,
    # yet nothing holds the mix (nothing is full).
    case = load_case(case_dir(commodities=[("a", 100)], supply=[("a", "CHN", 1000, 1)]))
    r = solve(case)
    c = rows(r)
    assert c.loc["a", "china_share"] == 1.0
    assert c.loc["a", "binding"] == ""


def test_binding_traces_a_short_products_inputs(case_dir):
    # magnets need 1 oxide each; oxide only from China, capped at 0.5 of oxide supply...
    # with no other oxide supplier the cap forces oxide supply to 0 -> 10 magnets short,
    # and the magnet names the oxide's cap, and that it forces supply to zero, as the reason.
    case = load_case(
        case_dir(
            commodities=[("magnet", 10, "component", 1.0), ("oxide", 0, "refining", 0.5)],
            supply=[("magnet", "JPN", 100, 5), ("oxide", "CHN", 100, 1)],
            recipes=[("magnet", "oxide", 1.0)],
        )
    )
    c = rows(solve(case))
    assert c.loc["magnet", "shortfall"] == 10
    assert c.loc["magnet", "binding"] == (
        "input oxide (supply forced to zero by China cap 50% with no other supplier)"
    )


# --- stage table --------------------------------------------------------------------------------
def test_stage_table_in_money(case_dir):
    # a (refining): CHN 50 at 1 + AUS 50 at 2 = 150, China 50 of 150 spend; uncapped 100
    # b (refining): AUS 10 at 2 = 20; uncapped the same. Stage cost 170, China 50/170.
    # unit-cost premium: a 1.5 - 1 = 0.5 per unit on 100 -> 50 over a base of 100 + 20
    # nothing short: total = cost, 170 against 120 uncapped -> premium 50; today is itself
    case = load_case(
        case_dir(
            commodities=[("a", 100, "refining"), ("b", 10, "refining")],
            supply=[("a", "CHN", 1000, 1), ("a", "AUS", 1000, 2), ("b", "AUS", 100, 2)],
            policy={"max_china_share": 0.5},
        )
    )
    st = solve(case).stages.set_index("stage").loc["refining"]
    assert st["commodities"] == 2 and st["with_shortfall"] == 0
    assert st["cost"] == pytest.approx(170, **APPROX)
    assert st["china_cost_share"] == pytest.approx(50 / 170, abs=1e-9)
    assert st["supply_cost_change"] == pytest.approx(50, **APPROX)
    assert st["shortfall_value"] == 0 and st["total"] == pytest.approx(170, **APPROX)
    assert st["premium_vs_no_share_rules"] == pytest.approx(50, **APPROX)
    assert st["premium_vs_today"] == 0
    # a fraction like every share: 50 / 120, to 9 decimals (not the percentage 41.67)
    assert st["unit_cost_premium_share"] == 0.416666667


# --- row numbers in errors ----------------------------------------------------------------------
def test_error_rows_count_blank_lines(case_dir):
    # line 1 header, line 2 row 1, line 3 blank (row 2), line 4 row 3 holds the fault
    folder = case_dir(commodities=[("a", 1)], supply=[("a", "AUS", 1, 1)])
    path = folder / "supply.csv"
    path.write_text("commodity,country,capacity,unit_cost\na,AUS,1,1\n\na,JPN,x,1\n")
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert (err.value.file, err.value.row, err.value.column) == (str(path), 3, "capacity")
    assert "row 3 (line 4)" in str(err.value)
    # a cross-table check after a blank line names the file's row too
    path.write_text("commodity,country,capacity,unit_cost\na,AUS,1,1\n\n\nzz,JPN,1,1\n")
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert (err.value.row, err.value.column) == (4, "commodity")
    # and a duplicate names both rows as the file counts them
    path.write_text("commodity,country,capacity,unit_cost\na,AUS,1,1\n\na,AUS,2,1\n")
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert err.value.row == 3 and "first given in row 1" in err.value.message


# --- run folders --------------------------------------------------------------------------------
def test_run_folder_permissions_follow_the_umask(case_dir, tmp_path):
    case = load_case(case_dir(commodities=[("a", 1)], supply=[("a", "AUS", 1, 1)]))
    result = solve(case)
    old = os.umask(0o022)
    try:
        folder = result.write(tmp_path / "out", name="perm")
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert stat.S_IMODE((folder / "mix.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE((folder / "inputs").stat().st_mode) == 0o755


# --- numbers as text ----------------------------------------------------------------------------
def test_money_text_keeps_the_sign():
    assert money(-2_500_000) == "-$2.5M"
    assert money(-2_500_000, signed=True) == "-$2.5M"
    assert money(2_500_000, signed=True) == "+$2.5M"
    assert money(2_500_000) == "$2.5M"
    assert money(1_234_567_890) == "$1,234.6M"
    assert money(0, signed=True) == "$0.0M"
    assert money(float("nan")) == "-" and money(None) == "-"
    assert dollars(-1234.4) == "-$1,234"
    assert dollars(1234.6) == "$1,235"
    assert dollars(9.5) == "$9.50"
    assert dollars(math.nan) == "-"
    assert pct(0.126) == "13%" and pct(0.125, 1) == "12.5%" and pct(math.nan) == "-"
    assert qty(1234.4, "t") == "1,234 t" and qty(-150.0) == "-150"
    assert qty(2.5) == "2.50" and qty(3.0) == "3" and qty(150.0, "kg") == "150 kg"


def test_clean_and_money_rounding():
    assert clean(1e-8) == 0.0 and clean(6e-7) == 1e-6
    assert clean(5e-8, 1.0) == 0.0
    assert clean(0.1234567891) == 0.123457
    assert clean(-3.0) == -3.0
    assert clean(1.0, 1e9) == 0.0  # noise against a large scale
    assert clean_money(1e-12) == 0.0
    assert clean_money(5e-11) == 0.0  # rounds to 6 decimals
    assert clean_money(-0.5) == -0.5
    assert clean_money(0.0001, 1e9) == 0.0
    assert clean_money(0.02, 1e9) == 0.02


def report_md(case, tmp_path) -> str:
    """The headline section of the report, as Markdown, read back from a run folder
    (the headline only: drawing the plots would cost seconds)."""
    folder = solve(case).write(tmp_path / "out", plots=False)
    return render_md("t", _solve_headline(load_run(folder)))


def test_report_premium_percentage_is_over_the_uncapped_cost(case_dir, tmp_path):
    # demand 1,000,000: China at 1, Australia at 2, cap 0.5 -> cost $1.5M, uncapped $1.0M:
    # premium +$0.5M, +50.0% (over $1.0M, not 33.3% over $1.5M)
    case = load_case(
        case_dir(
            commodities=[("a", 1_000_000)],
            supply=[("a", "CHN", 10**7, 1), ("a", "AUS", 10**7, 2)],
            policy={"max_china_share": 0.5},
        )
    )
    md = report_md(case, tmp_path)
    assert "$1.5M" in md
    assert "+$0.5M" in md
    assert "+50.0% against the same case with its China caps and share rules relaxed" in md


def test_report_premium_counts_unmet_need_at_its_value(case_dir, tmp_path):
    # only China sells and its cap is 0: nothing is bought ($0), all 1,000,000 short at
    # the default penalty 10 x 2 = 20 -> valued $20.0M; total $20.0M against $2.0M
    # uncapped: premium +$18.0M (+900.0%), never a saving (it was -$2.0M before issue 10)
    case = load_case(
        case_dir(
            commodities=[("a", 1_000_000)],
            supply=[("a", "CHN", 10**7, 2)],
            policy={"max_china_share": 0.0},
        )
    )
    md = report_md(case, tmp_path)
    assert "+$18.0M" in md and "-$2.0M" not in md
    assert "+900.0% against the same case" in md


def headline_cards(result) -> list[tuple[str, str, str]]:
    blocks = _solve_headline(run_from_result(result))
    assert blocks[0] == ("h2", "Headline numbers") and blocks[1][0] == "cards"
    assert blocks[2] == (
        "note",
        "A premium is the total (supply cost plus unmet need valued at each commodity's "
        "shortfall penalty, by default 10 times its full cost) against a reference's total, "
        "so a rule that leaves need unmet never shows as a saving. "
        "China's share by stage is its share of the stage's spend (quantities of different "
        "commodities do not add up); by commodity it is its share of the quantity supplied, "
        "in the table below.",
    )
    return blocks[1][1]


VALUE_NOTE = "each commodity's shortfall at its shortfall penalty, the value of the lost supply"
RELAXED = "the same case with its China caps and share rules relaxed"


def test_report_headline_cards_by_hand(case_dir):
    # a (refining): CHN 0.5M at 1 + AUS 0.5M at 2 = $1.5M (uncapped $1.0M, premium $0.5M)
    # b (mining): AUS 0.4M of 1M at 3 = $1.2M, 0.6M short at 30 = $18M
    # c (mining): AUS 0.5M of 1M at 2 = $1.0M, 0.5M short at 20 = $10M
    # supply cost $3.7M; unmet need valued 18 + 10 = $28M; total 3.7 + 28 = $31.7M
    # uncapped: a $1.0M, b and c as above: total $31.2M -> premium $0.5M, +1.6%
    # today is the case itself: premium $0.0M against its own total
    # refining spend $1.5M, China 0.5 of it = 33%; mining $2.2M, China 0%, 2 short
    m = 1_000_000
    case = load_case(
        case_dir(
            commodities=[("a", m, "refining"), ("b", m, "mining"), ("c", m, "mining")],
            supply=[
                ("a", "CHN", 10 * m, 1),
                ("a", "AUS", 10 * m, 2),
                ("b", "AUS", 400_000, 3),
                ("c", "AUS", 500_000, 2),
            ],
            policy={"max_china_share": 0.5},
        )
    )
    result = solve(case)
    assert headline_cards(result) == [
        ("supply cost", "$3.7M", "a year, what is bought at delivered unit costs"),
        ("commodities short (of 3)", "2", "share of need unmet: b 60%, c 50%"),
        ("value of unmet need", "$28.0M", VALUE_NOTE),
        ("total", "$31.7M", "supply cost + value of unmet need"),
        ("premium over no share rules", "+$0.5M", f"+1.6% against {RELAXED}, total $31.2M"),
        (
            "premium over today",
            "$0.0M",
            "+0.0% against this case as given, its own today, total $31.7M",
        ),
        ("China's share, refining", "33%", "of $1.5M spend"),
        ("China's share, mining", "0%", "of $2.2M spend; 2 commodities short"),
    ]
    # a run folder without the stage table (older runs) still gets its headline
    run = run_from_result(result)
    del run.tables["stages"]
    assert [c[0] for c in _solve_headline(run)[1][1]][-1] == "premium over today"


def test_report_headline_cards_unmet_need_is_no_saving(case_dir):
    # only China sells and its cap is 0: nothing bought ($0), 1M short at 20 = $20M;
    # total $20M against $2M uncapped -> premium +$18.0M, +900.0% of $2M
    m = 1_000_000
    case = load_case(
        case_dir(
            commodities=[("a", m)],
            supply=[("a", "CHN", 10 * m, 2)],
            policy={"max_china_share": 0.0},
        )
    )
    assert headline_cards(solve(case)) == [
        ("supply cost", "$0.0M", "a year, what is bought at delivered unit costs"),
        ("commodities short (of 1)", "1", "share of need unmet: a 100%"),
        ("value of unmet need", "$20.0M", VALUE_NOTE),
        ("total", "$20.0M", "supply cost + value of unmet need"),
        ("premium over no share rules", "+$18.0M", f"+900.0% against {RELAXED}, total $2.0M"),
        (
            "premium over today",
            "$0.0M",
            "+0.0% against this case as given, its own today, total $20.0M",
        ),
        ("China's share, (none)", "-", "of $0.0M spend; 1 commodity short"),
    ]


def test_report_headline_cards_all_met(case_dir):
    case = load_case(case_dir(commodities=[("a", 2_000_000)], supply=[("a", "AUS", 10**7, 1)]))
    assert headline_cards(solve(case)) == [
        ("supply cost", "$2.0M", "a year, what is bought at delivered unit costs"),
        ("commodities short (of 1)", "0", "all need is met"),
        ("value of unmet need", "$0.0M", VALUE_NOTE),
        ("total", "$2.0M", "supply cost + value of unmet need"),
        ("premium over no share rules", "$0.0M", f"+0.0% against {RELAXED}, total $2.0M"),
        (
            "premium over today",
            "$0.0M",
            "+0.0% against this case as given, its own today, total $2.0M",
        ),
        ("China's share, (none)", "0%", "of $2.0M spend"),
    ]


def test_number_format_edges():
    assert dollars(10) == "$10" and dollars(10.5) == "$10" and dollars(9.994) == "$9.99"
    assert dollars(-10) == "-$10"
    # a sign only on what prints as non-zero: $1 is $0.0M either way (issue 10)
    assert money(1.0, signed=True) == "$0.0M" and money(60_000, signed=True) == "+$0.1M"
    assert money(1e12) == "$1,000,000.0M"
    assert qty(100.25) == "100" and qty(99.5) == "99.50" and qty(float("nan")) == "-"


def test_binding_cap_range_stops_at_china_capacity(case_dir):
    # as above but China can sell only 80: the cap row keeps its basis while
    # x_CHN = 50 + r <= 80 and AUS = 50 - r <= 70: r in [-20, 30] -> cap in [0.3, 0.8]
    case = load_case(
        case_dir(
            commodities=[("a", 100)],
            supply=[("a", "CHN", 80, 1), ("a", "AUS", 70, 2), ("a", "JPN", 1000, 3)],
            policy={"max_china_share": 0.5},
        )
    )
    lim = solve(case).limit_ranges
    row = lim.set_index(["limit", "commodity"]).loc[("china_cap", "a")]
    assert (row["lower"], row["upper"]) == pytest.approx((0.3, 0.8), abs=1e-9)
    assert set(lim.loc[lim["limit"] == "demand", "basis"]) == {"HiGHS ranging"}


def test_zero_capacity_worth_having_is_listed(case_dir):
    # AUS has no capacity but would sell at 1.5 against JPN's 2: its first unit is worth 0.5
    case = load_case(
        case_dir(
            commodities=[("a", 100)],
            supply=[("a", "AUS", 0, 1.5), ("a", "JPN", 1000, 2), ("a", "USA", 0, 3)],
        )
    )
    cv = solve(case).capacity_values
    assert cv["country"].tolist() == ["AUS"]  # USA's first unit is worth nothing
    row = cv.iloc[0]
    assert (row["capacity"], row["quantity"]) == (0.0, 0.0)
    assert row["dual_value"] == pytest.approx(0.5, **APPROX)
    assert row["marginal_value"] == pytest.approx(0.5, **APPROX)
    assert row["supply_cost_saving"] == pytest.approx(0.5, **APPROX)


def test_make_result_serializes_inputs_itself(case_dir):
    from model.optimization.highs import Solver
    from model.optimization.results import make_result

    case = load_case(case_dir(commodities=[("a", 10)], supply=[("a", "AUS", 100, 1)]))
    solver = Solver(case)
    main = solver.run()
    r = make_result(solver, main, None, probe=False)
    assert r.summary["inputs_sha256"] == solve(case).summary["inputs_sha256"]
    assert r.commodities.loc[0, "name"] == "A" and r.commodities.loc[0, "unit"] == "t"
    assert "cost_premium" not in r.commodities and "total_cost_premium" not in r.summary


def test_solver_refuses_a_structural_change(case_dir):
    from model.errors import SolveError
    from model.optimization.data import ModelData
    from model.optimization.highs import Solver

    small = load_case(case_dir(commodities=[("a", 10)], supply=[("a", "AUS", 100, 1)]))
    more = load_case(
        case_dir(commodities=[("a", 10)], supply=[("a", "AUS", 100, 1), ("a", "JPN", 5, 1)])
    )
    solver = Solver(small)
    with pytest.raises(SolveError, match="cannot change which supply rows"):
        solver.apply(ModelData.from_case(more))


def test_no_minus_sign_on_a_number_that_prints_as_zero():
    # issue 10: "Zero supply prints $-0.0M"; -$40,000 is -0.04 M, shown as 0.0 M
    from model.formats import millions_plain, money_label, table_number

    assert money(-40_000) == "$0.0M"
    assert money(-40_000, signed=True) == "$0.0M"
    assert money(-2_600_000) == "-$2.6M"  # a real negative keeps its sign
    assert dollars(-0.004) == "$0.00"
    assert dollars(-5.5) == "-$5.50"  # the sign before the $, as for larger amounts
    assert pct(-0.0001) == "0%"
    assert millions_plain(-40_000) == "0.0"
    assert money_label(-0.3) == "$0"
    assert table_number(-0.004) == "0.00"


def test_shares_in_the_terminal_always_read_as_percentages():
    # issue 10: the CLI printed China "0" beside "47.5%"
    from model.formats import table_number

    assert table_number(0.0, pct=True) == "0.0%"
    assert table_number(0.475, pct=True) == "47.5%"
    assert table_number(0.0) == "0"  # a quantity of zero stays a plain 0
