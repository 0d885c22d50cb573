"""Sweep parameters and grids, parsed by hand-written expectations: values, modes and
every error's file, column and message (found by mutation testing, tests/MUTATION.md)."""

from __future__ import annotations

import pytest

from model import load_case
from model.case.params import Grid, apply_values, parse_grid, parse_parameter
from model.errors import InputError
from model.sweep import make_grid


def test_grids_as_text_lists_and_numbers():
    assert parse_grid("1:0:0.25", "f", "c") == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert parse_grid("0:1:0.4", "f", "c") == [0.0, 0.4, 0.8]  # stop off the grid
    assert parse_grid("0.5, 0.3,", "f", "c") == [0.5, 0.3]
    assert parse_grid([1, 2], "f", "c") == [1.0, 2.0]
    assert parse_grid(0.7, "f", "c") == [0.7]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("1:0:0", "grid '1:0:0' needs a positive step"),
        ("a:b:c", "grid 'a:b:c' is not start:stop:step"),
        ("0.5,x", "grid '0.5,x' is not a list of numbers"),
        (",", "the grid is empty"),
        ([], "the grid is empty"),
        (["a"], "grid ['a'] holds a non-number"),
        (True, "grid True is not understood"),
        ("0:1:0.000001", "the grid has more than 100,000 values"),
        (list(range(100_001)), "the grid has more than 100,000 values"),
    ],
)
def test_grid_errors_name_where_and_what(spec, message):
    with pytest.raises(InputError) as err:
        parse_grid(spec, "sweep.toml", "capacity")
    assert (err.value.file, err.value.column, err.value.message) == (
        "sweep.toml",
        "capacity",
        message,
    )


def test_parameters_parse_to_their_mode_and_selection():
    p = parse_parameter(" capacity[country=group:partner|CHN, commodity=ga] ")
    assert (p.name, p.mode, p.table, p.all_rows) == ("capacity", "scale", "supply", False)
    assert p.selection() == {"country": ["group:partner", "CHN"], "commodity": ["ga"]}
    assert parse_parameter("demand").all_rows and parse_parameter("demand").mode == "scale"
    assert parse_parameter("demand").table == "commodities"
    cap = parse_parameter("max_china_share")
    assert (cap.mode, cap.all_rows, cap.is_policy) == ("set", False, True)
    assert parse_parameter("max_china_share[all]").all_rows
    assert parse_parameter("capacity[]").all_rows and parse_parameter("capacity[*]").all_rows
    # only the first '=' splits a selector (the value is checked against the case later)
    assert parse_parameter("capacity[country=A=B]").selection() == {"country": ["A=B"]}
    assert parse_parameter("tariff[country=CHN]").mode == "set"
    rule = parse_parameter("rule[#2].min_share")
    assert (rule.rule, rule.bound, rule.is_policy) == ("#2", "min_share", True)
    assert not parse_parameter("freight").is_policy


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Capacity", "not a parameter"),
        ("penalty", "unknown parameter 'penalty'"),
        ("shortfall_penalty", "unknown parameter 'shortfall_penalty'"),
        ("rule[#1]", "a rule parameter is rule[<name or #n>].min_share or .max_share"),
        ("rule[#1].max", "a rule parameter is rule[<name or #n>].min_share or .max_share"),
        ("capacity.min_share", "'.min_share' only applies to rule parameters"),
        ("capacity[nation=CHN]", "selector 'nation=CHN' must be commodity=..."),
        ("demand[country=CHN]", "'demand' is per commodity; it cannot select by country"),
    ],
)
def test_parameter_errors(text, message):
    with pytest.raises(InputError) as err:
        parse_parameter(text, "sweep.toml")
    assert err.value.file == "sweep.toml" and err.value.column == text.strip()
    assert err.value.message.startswith(message)


def test_parameter_error_messages_in_full():
    with pytest.raises(InputError) as err:
        parse_parameter("Capacity")
    assert err.value.file == "command line"
    assert err.value.message == (
        "not a parameter (e.g. max_china_share, capacity[country=CHN], rule[#1].min_share)"
    )
    with pytest.raises(InputError) as err:
        parse_parameter("penalty")
    assert err.value.message == (
        "unknown parameter 'penalty' (choose from buildout, capacity, demand, freight, "
        "max_china_share, max_china_share_by_year, rule, stockpile, tariff, tariff_per_unit, "
        "unit_cost)"
    )


@pytest.mark.parametrize(
    ("text", "value", "message"),
    [
        ("capacity", -0.5, "multiplier -0.5 is negative"),
        ("capacity", float("inf"), "value inf is not a finite number"),
        ("max_china_share", 1.5, "share 1.5 is outside [0, 1]"),
        ("rule[#1].max_share", -0.1, "share -0.1 is outside [0, 1]"),
        ("tariff", -0.2, "tariff -0.2 is negative"),
    ],
)
def test_value_checks(text, value, message):
    p = parse_parameter(text, "f.toml")
    with pytest.raises(InputError) as err:
        p.check_value(value)
    assert (err.value.file, err.value.column, err.value.message) == ("f.toml", text, message)


def test_grid_combinations_and_errors():
    a, b = parse_parameter("capacity"), parse_parameter("demand")
    g = Grid([(a, [1.0, 2.0]), (b, [3.0, 4.0, 5.0])])
    assert [[v for _, v in p] for p in g.points] == [
        [1, 3],
        [1, 4],
        [1, 5],
        [2, 3],
        [2, 4],
        [2, 5],
    ]
    assert g.names == ["capacity", "demand"]
    z = Grid([(a, [1.0, 2.0]), (b, [3.0, 4.0])], "zip")
    assert [[v for _, v in p] for p in z.points] == [[1, 3], [2, 4]]
    cases = [
        (([], "product"), "a sweep needs at least one parameter", None),
        (([(a, [1.0]), (a, [2.0])], "product"), "a parameter is given twice", "capacity"),
        (([(a, [1.0])], "cross"), "combine must be 'product' or 'zip'", "combine"),
        (
            ([(a, [1.0, 2.0]), (b, [1.0])], "zip"),
            "zipped parameters need grids of the same length (2, 1)",
            "combine",
        ),
    ]
    for (params, combine), message, column in cases:
        with pytest.raises(InputError) as err:
            Grid(params, combine, "s.toml")
        assert (err.value.file, err.value.message, err.value.column) == ("s.toml", message, column)
    big = [(parse_parameter(t), [float(i) for i in range(1001)]) for t in ("capacity", "demand")]
    with pytest.raises(InputError) as err:
        Grid(big, "product", "s.toml")
    assert err.value.file == "s.toml"
    assert err.value.message == "the sweep has 1,002,001 points, more than 1,000,000"
    with pytest.raises(InputError, match="multiplier -1 is negative"):
        make_grid({"capacity": [1, -1]})


def test_rule_lookup_by_name_label_and_number(case_dir):
    case = load_case(
        case_dir(
            commodities=[("a", 10)],
            supply=[("a", "AUS", 10, 1)],
            policy={
                "rules": [
                    {"name": "partners", "country": "group:partner", "min_share": 0.2},
                    {"country": "AUS", "max_share": 0.9},
                ]
            },
        )
    )
    out = apply_values(case, [(parse_parameter("rule[AUS max 90%].max_share"), 0.8)])
    assert out.policy.rules[1].max_share == 0.8 and case.policy.rules[1].max_share == 0.9
    out = apply_values(case, [(parse_parameter("rule[#1].min_share"), 0.3)])
    assert out.policy.rules[0].min_share == 0.3
    for ref in ("#3", "#0", "nobody"):
        with pytest.raises(InputError) as err:
            apply_values(case, [(parse_parameter(f"rule[{ref}].min_share", "s.toml"), 0.3)])
        assert err.value.file == "s.toml" and err.value.column == f"rule[{ref}].min_share"
        assert err.value.message == (
            f"no share rule '{ref}' (rules: #1 'partners', #2 'AUS max 90%')"
        )
    with pytest.raises(InputError) as err:
        apply_values(case, [(parse_parameter("rule[#2].min_share", "s.toml"), 0.3)])
    assert err.value.message == (
        "rule 'AUS max 90%' has no min_share to change; give it one in the case"
    )
    bare = load_case(case_dir(commodities=[("a", 10)], supply=[("a", "AUS", 10, 1)]))
    with pytest.raises(InputError) as err:
        apply_values(bare, [(parse_parameter("rule[#1].max_share"), 0.3)])
    assert err.value.message == "no share rule '#1' (rules: none)"


def test_apply_values_copies_only_what_it_changes(case_dir):
    case = load_case(case_dir(commodities=[("a", 10)], supply=[("a", "AUS", 10, 1)]))
    out = apply_values(case, [(parse_parameter("max_china_share"), 0.4)])
    assert out.policy.max_china_share == 0.4 and case.policy.max_china_share == 1.0
    assert out.supply is case.supply and out.commodities is case.commodities
    out = apply_values(case, [(parse_parameter("capacity"), 2.0)])
    assert out.supply is not case.supply and out.commodities is case.commodities
    assert out.supply["capacity"].tolist() == [20.0] and case.supply["capacity"].tolist() == [10.0]
    out = apply_values(case, [(parse_parameter("max_china_share[all]"), 0.25)])
    assert out.commodities["max_china_share"].tolist() == [0.25]
    assert case.commodities["max_china_share"].isna().all()


def test_both_bounds_of_an_unnamed_rule_change_in_one_point(case_dir):
    # the rule's label ("AUS min 20% max 60%") holds its bounds: after the first bound
    # of a point changes, the second must still find the rule; and the bounds are
    # checked together, so min 0.7 with max 0.9 is fine although 0.7 > the old max 0.6
    case = load_case(
        case_dir(
            commodities=[("a", 10)],
            supply=[("a", "AUS", 100, 1), ("a", "JPN", 100, 2)],
            policy={"rules": [{"country": "AUS", "min_share": 0.2, "max_share": 0.6}]},
        )
    )
    label = case.policy.rules[0].label
    assert label == "AUS min 20% max 60%"
    grid = [(parse_parameter(f"rule[{label}].min_share"), 0.7)]
    grid.append((parse_parameter(f"rule[{label}].max_share"), 0.9))
    rule = apply_values(case, grid).policy.rules[0]
    assert (rule.min_share, rule.max_share) == (0.7, 0.9)
    bad = [(parse_parameter(f"rule[{label}].min_share"), 0.7)]
    with pytest.raises(InputError, match=r"min_share 0\.7 would be above max_share 0\.6"):
        apply_values(case, bad)
