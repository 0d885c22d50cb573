"""Random small cases: every rule holds in the answer, and the optimum matches an
independent matrix formulation solved with scipy.optimize.linprog."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import load_case, solve
from model.solve import today_reference
from tests.conftest import COUNTRIES, write_case
from tests.reference import reference_objective

CODES = [c[0] for c in COUNTRIES]
TOL = 1e-5

RULES = [
    {"country": "group:partner", "min_share": 0.3},
    {"country": "group:partner", "max_share": 0.5},
    {"country": "each", "max_share": 0.65},
    {"country": "USA", "min_share": 0.1, "max_share": 0.6},
    {"country": "CHN", "max_share": 0.2, "stage": "refining"},
    # several countries and groups in one rule, and shares of need
    {"country": ["USA", "group:partner"], "min_share": 0.4},
    {"country": "CHN|USA", "max_share": 0.5},
    {"country": "each", "max_share": 0.3, "basis": "need"},
    {"country": ["CHN", "JPN"], "max_share": 0.4, "basis": "need"},
    {"country": "group:partner|CHN", "max_share": 0.45, "basis": "need", "stage": "mining"},
]


@st.composite
def cases(draw, chains: bool = True):
    n = draw(st.integers(1, 3))
    ks = [f"k{i}" for i in range(n)]
    stages = [draw(st.sampled_from(["mining", "refining"])) for _ in ks]
    commodities = [(k, draw(st.integers(0, 150)), s) for k, s in zip(ks, stages, strict=True)]
    # supply tiers and statuses: today's volumes (at most capacity; 0 unless operating),
    # switching premiums (the policy's, and some commodities' own), statuses included
    tiers = draw(st.booleans())
    supply = []
    for k in ks:
        for c in draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=4, unique=True)):
            row = (k, c, draw(st.integers(0, 120)), draw(st.integers(100, 1000)) / 100)
            if tiers:
                status = draw(st.sampled_from(["", "", "standby", "planned"]))
                today = draw(st.integers(0, row[2])) if status == "" else 0
                row = (*row, today, status)
            supply.append(row)
    recipes = []
    if chains and n > 1 and draw(st.booleans()):
        # k1 consumes k0 (and k2 consumes k1): a chain, never a cycle
        for i in range(1, n):
            recipes.append((ks[i], ks[i - 1], draw(st.sampled_from([0.5, 1.0, 1.2, 2.0]))))
    rules = draw(st.lists(st.sampled_from(RULES), max_size=2, unique_by=str))
    rules = [r for r in rules if "stage" not in r or r["stage"] in stages]
    cap = draw(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 1.0]))
    basis = draw(st.sampled_from(["supplied", "need"]))
    policy = {"max_china_share": cap, "china_cap_basis": basis, "rules": rules}
    extra = {}
    if tiers:
        policy["switching_premium"] = draw(st.sampled_from([0.0, 0.1, 0.5]))
        policy["include_status"] = draw(
            st.sampled_from([["operating"], ["operating", "standby"], ["standby", "planned"]])
        )
        extra = dict(
            supply_columns=("today", "status"),
            premiums={k: draw(st.sampled_from([None, 0.0, 0.3])) for k in ks},
        )
    return dict(commodities=commodities, supply=supply, recipes=recipes, policy=policy, **extra)


def check_feasible(case, r) -> None:
    caps = case.china_caps()
    com = r.commodities.set_index("commodity")
    mix = r.mix
    supplied = mix.groupby("commodity")["quantity"].sum()
    counted = case.supply["status"].isin(case.policy.include_status)
    capacity = case.supply["capacity"].where(counted, 0.0)
    capacity.index = pd.MultiIndex.from_frame(case.supply[["commodity", "country"]])
    for row in mix.itertuples():
        assert row.quantity >= -TOL
        assert row.quantity <= capacity[(row.commodity, row.country)] + TOL
    downstream = {k: 0.0 for k in com.index}
    for p, i, q in case.recipes[["product", "input", "quantity"]].itertuples(index=False):
        downstream[i] += q * supplied.get(p, 0.0)
    for k, c in com.iterrows():
        s = supplied.get(k, 0.0)
        assert s + c["shortfall"] == pytest.approx(c["demand"] + downstream[k], abs=TOL)
        assert -TOL <= c["shortfall"] <= c["demand"] + TOL
        chn = mix[(mix.commodity == k) & (mix.country == "CHN")]["quantity"].sum()
        if case.policy.china_cap_basis == "supplied":
            assert chn <= caps[k] * s + TOL
        else:  # a share of need: demand plus what full downstream demand consumes
            assert chn <= caps[k] * need(case, k) + TOL


def need(case, k: str) -> float:
    """Gross requirement of k, by walking the recipes up from k (they form no cycle)."""
    demand = dict(zip(case.commodities["commodity"], case.commodities["demand"], strict=True))
    uses = [
        (p, q)
        for p, i, q in case.recipes[["product", "input", "quantity"]].itertuples(index=False)
        if i == k
    ]
    return float(demand[k]) + sum(q * need(case, p) for p, q in uses)


@pytest.mark.parametrize("shortage", ["proportional", "penalty"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_random_cases_match_linprog_and_respect_rules(shortage, spec):
    """Under both shortage policies (the reference solves the proportional one by two
    linprog calls, as the tool does in one HiGHS instance)."""
    spec = {**spec, "policy": {**spec["policy"], "shortage": shortage}}
    with tempfile.TemporaryDirectory() as tmp:
        case = load_case(write_case(Path(tmp) / "c", **spec))
        r = solve(case, compare=False)
        check_feasible(case, r)
        assert r.objective == pytest.approx(reference_objective(case), rel=1e-7, abs=1e-4)
        # the supply cost reported holds every tier: with the shortfall, the objective
        spent = r.total_cost + r.total_shortfall_penalty
        assert spent == pytest.approx(r.objective, rel=1e-7, abs=1e-4)
        assert r.mix["cost"].sum() == pytest.approx(r.total_cost, rel=1e-7, abs=1e-4)


def unmet(r) -> float:
    """U = sum_k shortfall[k] / demand[k] over commodities with demand."""
    c = r.commodities[r.commodities["demand"] > 0]
    return float((c["shortfall"] / c["demand"]).sum())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_cost_never_falls_as_the_cap_tightens(spec):
    """Under the penalty policy the objective is one LP's over a shrinking feasible set;
    under the proportional one what never falls is the first level, the unmet need U*."""
    for shortage, measure in (("penalty", lambda r: r.objective), ("proportional", unmet)):
        spec = {**spec, "policy": {**spec["policy"], "shortage": shortage}}
        with tempfile.TemporaryDirectory() as tmp:
            case = load_case(write_case(Path(tmp) / "c", **spec))
            # only the optimum matters here: "today" solved once, not per cap; no ranging
            today = today_reference(case)
            values = [
                measure(solve(case, cap, compare=False, ranging=False, today=today))
                for cap in (1.0, 0.6, 0.3, 0.0)
            ]
            for looser, tighter in itertools.pairwise(values):
                assert tighter >= looser - 1e-6 * max(1.0, abs(looser)), shortage
