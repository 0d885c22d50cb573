"""Sensitivity sweeps: many values of one or more parameters, one built model.

    from model import load_case
    from model.sweep import sweep
    s = sweep(load_case("inputs/base"), {"max_china_share": "1:0:0.05"})
    s.table      # a row per point and commodity
    s.points     # a row per point
    s.mix        # every point's mix, long form

Each point reports supply cost, shortfall (units and share of need), the value
of the shortfall (at the shortfall penalty) and their total, and the premium of
that total against two references: the same point without share rules, and
"today", the sweep's case as given.

A sweep can also be a TOML file under ``inputs/sweeps/``::

    name = "cap-curve"
    case = "../base"                  # optional; the CLI's CASE overrides it
    combine = "product"               # or "zip"
    [[parameters]]
    name = "max_china_share"
    values = "1.0:0.0:0.05"           # or a list
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from model.case import Case, load_case, load_target
from model.case.horizon import label_years
from model.case.params import Grid, apply_values, parse_grid, parse_parameter
from model.case.policy import Strict, parse, read_toml
from model.constants import MAX_NAME, NAME_PATTERN
from model.errors import InputError
from model.numbers import vclean
from model.optimization.evaluate import Point, Record
from model.optimization.results import Reference, inputs_hash, package_versions
from model.optimization.runner import Checkpoint, run_points
from model.output import TablesRun, canonical_inputs
from model.solve import today_reference


class SweepParameter(Strict):
    name: str
    values: str | list[float] | float


class SweepFile(Strict):
    name: str | None = Field(default=None, pattern=NAME_PATTERN, max_length=MAX_NAME)
    description: str = ""
    case: str | None = None
    combine: Literal["product", "zip"] = "product"
    parameters: list[SweepParameter] = Field(min_length=1)


def make_grid(
    parameters: dict[str, Any], combine: str = "product", where: str = "command line"
) -> Grid:
    """Parse {parameter text: grid} into a Grid (validated before anything solves)."""
    parsed = []
    for text, values in parameters.items():
        param = parse_parameter(text, where)
        parsed.append((param, parse_grid(values, where, text)))
    return Grid(parsed, combine, where)


def read_sweep_file(path: Path) -> tuple[SweepFile, Grid]:
    spec = parse(SweepFile, read_toml(path), path)
    seen: set[str] = set()
    for i, p in enumerate(spec.parameters):
        if p.name in seen:
            raise InputError(
                f"parameter '{p.name}' is given twice", path, column=f"parameters[#{i + 1}].name"
            )
        seen.add(p.name)
    grid = make_grid({p.name: p.values for p in spec.parameters}, spec.combine, str(path))
    return spec, grid


def fingerprint(case: Case, points: list[Point], extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "inputs_sha256": inputs_hash(canonical_inputs(case)),
        "points": [[[p.text, v] for p, v in point] for point in points],
        **extra,
    }


@dataclass
class SweepResult(TablesRun):
    """Tables of a sweep; `write` puts them in a run folder."""

    case: Case
    names: list[str]
    points_spec: list[Point]
    records: dict[int, Record]
    summary: dict[str, Any] = field(default_factory=dict)
    source_files: list[Path] = field(default_factory=list)
    mix_rows: MixRows | None = field(default=None, repr=False)
    today: Reference | None = field(default=None, repr=False)  # the case as given, solved

    def __post_init__(self) -> None:
        self.points, self.table, self.mix = tables(
            self.case, self.names, self.records, self.mix_rows, self.today
        )
        self.mix_rows = None  # folded into self.mix

    kind = "sweep"

    def run_tables(self) -> dict[str, pd.DataFrame]:
        # a horizon case: commodity as given and a year column, like solve's tables
        table, mix = (label_years(f, self.case) for f in (self.table, self.mix))
        return {"sweep": table, "sweep_points": self.points, "sweep_mix": mix}

    def run_sources(self) -> list[Path]:
        return self.source_files

    @property
    def plot(self):
        """Figures of this result: ``.sweep()``."""
        from model.plots import SweepPlots  # here, not above: matplotlib only when drawing

        return SweepPlots(self)


def _ratio(num: np.ndarray, den: np.ndarray, decimals: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, np.round(num / np.where(den > 0, den, 1.0), decimals), np.nan)


class MixRows:
    """Each point's rows of the long mix table, as numbers, prepared as records land.

    A sweep adds records while the workers are still solving, so this work
    overlaps theirs (and runs on small, cache-friendly arrays); `tables` then
    only stacks the pieces.
    """

    def __init__(self, case: Case) -> None:
        ks = case.commodities["commodity"].tolist()
        kidx = {k: i for i, k in enumerate(ks)}
        self.row_k = np.array([kidx[k] for k in case.supply["commodity"].tolist()], dtype=np.int64)
        self.rows: dict[int, tuple[np.ndarray, ...]] = {}

    def add(self, records: list[Record]) -> None:
        for rec in records:
            m = np.asarray(rec["mix"], dtype=float).reshape(-1, 3)
            q = vclean(m[:, 1], m[:, 1])
            keep = q > 0
            j, q, unit = m[keep, 0].astype(np.int64), q[keep], m[keep, 2]
            supplied = np.asarray(rec["supplied"], dtype=float)[self.row_k[j]]
            share = np.round(q / supplied, 9)
            self.rows[int(rec["point"])] = (j, q, share, unit, vclean(q * unit, q * unit))


# Result columns that a parameter written without a selector can share a name with
# (`demand`, `max_china_share`, `unit_cost`): when it does, the parameter keeps the name
# (it is the point's value, as in sweep_points.csv) and the result column takes a prefix.
SHADOWED = {"demand": "commodity_", "max_china_share": "commodity_", "unit_cost": "supplier_"}


def result_column(column: str, names: list[str]) -> str:
    """Name of a result column in a table whose parameter columns are `names`."""
    return SHADOWED.get(column, "") + column if column in names else column


def today_of(case: Case) -> Reference:
    """The sweep's case as given, solved: "today" for its premiums."""
    return today_reference(case)


def tables(
    case: Case,
    names: list[str],
    records: dict[int, Record],
    mix_rows: MixRows | None = None,
    today: Reference | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Point table, point x commodity table and long mix from records (vectorized).

    ``mix_rows`` may hold the mix rows of some points already (see `MixRows`).
    Parameter columns always hold the point's values; a result column of the
    same name is renamed (see `result_column`). ``today`` is the record of the
    case as given (`today_of`; solved here when not given).
    """
    ks = list(case.commodities["commodity"])
    nk = len(ks)
    order = sorted(records)
    recs = [records[i] for i in order]
    npts = len(recs)

    def stack(key: str) -> np.ndarray:
        return np.array([r[key] for r in recs], dtype=float).reshape(npts, nk)

    values = np.array([r["values"] for r in recs], dtype=float).reshape(npts, len(names))
    supplied, cost, demand = stack("supplied"), stack("cost"), stack("demand")
    s = vclean(supplied, supplied)
    shortfall = vclean(stack("shortfall"), demand)
    penalty = stack("penalty")
    c_clean = vclean(cost, cost)
    value = np.round(penalty * shortfall, 6) + 0.0
    # a horizon case's stock holding and build-out costs (records have them only when the
    # case has a stockpile / build-out): parts of the total, with columns of their own
    others = {
        col: stack(key)
        for key, col in (("holding", "holding_cost"), ("build", "buildout_cost"))
        if npts and key in recs[0]
    }
    other = sum(others.values(), np.zeros((npts, nk)))
    total_k = np.round(c_clean + other + value, 6) + 0.0
    if today is None:
        today = today_of(case)
    t_total_k = np.array([today.total(k) for k in ks], dtype=float)
    com = {
        "point": np.repeat(order, nk),
        **{n: np.repeat(values[:, j], nk) for j, n in enumerate(names)},
        "commodity": np.tile(ks, npts),
        "stage": np.tile(case.commodities["stage"].to_numpy(), npts),
        result_column("demand", names): demand.ravel(),
        "downstream_use": vclean(stack("downstream"), stack("downstream")).ravel(),
        "supplied": s.ravel(),
        "shortfall": shortfall.ravel(),
        "china_share": _ratio(vclean(stack("china"), supplied), s, 9).ravel(),
        result_column("max_china_share", names): stack("cap").ravel(),
        "shortfall_share": np.nan_to_num(_ratio(shortfall, s + shortfall, 9)).ravel(),
        "cost": c_clean.ravel(),
        "average_unit_cost": _ratio(cost, np.where(s > 0, supplied, 0.0), 6).ravel(),
        "shortfall_penalty": penalty.ravel(),
        "shortfall_value": value.ravel(),
        **{col: (np.round(v, 6) + 0.0).ravel() for col, v in others.items()},
        "total": total_k.ravel(),
    }
    has_u = npts > 0 and "uncapped_cost" in recs[0]
    if has_u:
        u_cost, u_s = stack("uncapped_cost"), stack("uncapped_supplied")
        with np.errstate(divide="ignore", invalid="ignore"):
            unit = cost / supplied - u_cost / u_s
        ok = (s > 0) & (vclean(u_s, u_s) > 0)
        u_short = vclean(stack("uncapped_shortfall"), demand)
        u_other = sum(
            (
                stack(f"uncapped_{key}")
                for key in ("holding", "build")
                if f"uncapped_{key}" in recs[0]
            ),
            np.zeros((npts, nk)),
        )
        u_total_k = np.round(vclean(u_cost, u_cost) + u_other + penalty * u_short, 6) + 0.0
        com.update(
            uncapped_cost=vclean(u_cost, u_cost).ravel(),
            supply_cost_change=vclean(cost - u_cost, np.maximum(cost, u_cost), 1e-11).ravel(),
            unit_cost_premium=np.where(ok, np.round(unit, 6), np.nan).ravel(),
            uncapped_shortfall=u_short.ravel(),
            uncapped_total=u_total_k.ravel(),
            premium_vs_no_share_rules=vclean(
                total_k - u_total_k, np.maximum(total_k, u_total_k), 1e-11
            ).ravel(),
        )
    com["premium_vs_today"] = vclean(
        total_k - t_total_k, np.maximum(total_k, t_total_k), 1e-11
    ).ravel()
    table = pd.DataFrame(com)
    objective = np.array([r["objective"] for r in recs], dtype=float)
    supply = vclean(c_clean.sum(axis=1), 1.0)
    total = vclean(total_k.sum(axis=1), 1.0)
    points = pd.DataFrame(
        {
            "point": order,
            **{n: values[:, j] for j, n in enumerate(names)},
            "objective": vclean(objective, objective),
            "supply_cost": supply,
            "shortfall_value": vclean(value.sum(axis=1), 1.0),
            **{col: vclean(v.sum(axis=1), 1.0) for col, v in others.items()},
            "total": total,
        }
    )
    if has_u:
        points["premium_vs_no_share_rules"] = vclean(total - u_total_k.sum(axis=1), total, 1e-11)
    points["premium_vs_today"] = vclean(total - float(t_total_k.sum()), total, 1e-11)
    points["commodities_with_shortfall"] = (shortfall > 0).sum(axis=1).astype(int)
    points["worst_shortfall_share"] = (
        np.nan_to_num(_ratio(shortfall, s + shortfall, 9)).max(axis=1, initial=0.0)
        if npts
        else np.zeros(0)
    )

    countries = np.array(case.supply["country"].tolist(), dtype=object)
    unit_cost_col = result_column("unit_cost", names)
    mix_cols = ["point", *names, "commodity", "country", "quantity", "share", unit_cost_col, "cost"]
    mix_rows = mix_rows or MixRows(case)
    row_k = mix_rows.row_k
    mix_rows.add([records[i] for i in order if i not in mix_rows.rows])
    pieces = [mix_rows.rows[i] for i in order]
    at = np.repeat(np.arange(npts), [len(piece[0]) for piece in pieces])
    j, q, share, unit_cost, cost = (
        np.concatenate([piece[c] for piece in pieces]) if pieces else np.zeros(0) for c in range(5)
    )
    j = j.astype(np.int64)
    if len(q):
        mix = pd.DataFrame(
            {
                "point": np.asarray(order, dtype=np.int64)[at],
                **{n: values[at, c] for c, n in enumerate(names)},
                "commodity": np.array(ks, dtype=object)[row_k[j]],
                "country": countries[j],
                "quantity": q,
                "share": share,
                unit_cost_col: unit_cost,
                "cost": cost,
            },
            copy=False,  # fresh arrays: one copy (pandas' own block) is enough at 10^6 rows
        )
    else:
        mix = pd.DataFrame(columns=mix_cols)
    return points, table, mix


def sweep(
    case: Case,
    parameters: dict[str, Any] | Grid,
    *,
    combine: str = "product",
    workers: int = 1,
    client: Any = None,
    progress: bool = False,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    name: str | None = None,
) -> SweepResult:
    """Solve `case` at every point of a parameter grid on one built model.

    ``parameters`` maps parameter strings (see `model.case.params`) to grids
    (``"start:stop:step"``, ``"a,b,c"`` or a list). ``combine`` is ``"product"``
    or ``"zip"``. ``workers`` > 1 uses local processes; ``client`` (a
    ``dask.distributed.Client``) runs on that cluster. With ``checkpoint`` (a
    folder), finished points are logged and ``resume=True`` continues from them.
    """
    grid = parameters if isinstance(parameters, Grid) else make_grid(parameters, combine)
    if workers < 1:
        raise InputError(f"workers must be at least 1 (got {workers})")
    # every point is applied once up front, so a bad value stops the run before any solve
    for point in grid.points:
        apply_values(case, point)
    t0 = time.perf_counter()
    fp = fingerprint(case, grid.points, {"kind": "sweep", "combine": grid.combine})
    token = fp["inputs_sha256"]
    kwargs = dict(token=token, workers=workers, client=client, progress=progress, label="sweep")
    mix_rows = MixRows(case)
    if checkpoint is not None:
        cp = Checkpoint(Path(checkpoint), fp)
        done = cp.open(resume)

        def landed(recs: list[Record]) -> None:
            cp.add(recs)
            mix_rows.add(recs)

        with cp:
            records = run_points(case, grid.points, done=done, on_records=landed, **kwargs)
    else:
        records = run_points(case, grid.points, on_records=mix_rows.add, **kwargs)
    today = today_of(case)
    summary = {
        "kind": "sweep",
        "name": name or f"{case.name}-sweep",
        "case": case.name,
        "parameters": grid.names,
        "combine": grid.combine,
        "points": len(grid.points),
        "currency": case.currency,
        # the reference of premium_vs_today: the sweep's case as given
        "today": {"case": case.name, **today.totals()},
        "workers": workers if client is None else "dask",
        "versions": package_versions(),
        "inputs_sha256": token,
        "timings_seconds": {"total": round(time.perf_counter() - t0, 4)},
    }
    return SweepResult(
        case, grid.names, grid.points, records, summary, mix_rows=mix_rows, today=today
    )


def load_sweep(path: str | Path, case: str | Path | None = None) -> tuple[Case, Grid, SweepFile]:
    """Read a sweep file and its case (the file's ``case`` unless `case` is given)."""
    path = Path(path)
    spec, grid = read_sweep_file(path)
    if case is None:
        if spec.case is None:
            raise InputError("the sweep file names no case; give one", path, column="case")
        return load_target(path, spec.case, "case"), grid, spec
    return load_case(case), grid, spec
