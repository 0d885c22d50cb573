"""Sensitivity sweeps: many values of one or more parameters, one built model.

    from model import load_case, sweep
    s = sweep(load_case("inputs/base"), {"max_china_share": "1:0:0.05"})
    s.table      # a row per point and commodity
    s.points     # a row per point
    s.mix        # every point's mix, long form

A sweep can also be a TOML file under ``inputs/sweeps/``::

    name = "cap-curve"
    case = "../base"                  # optional; the CLI's CASE overrides it
    combine = "product"               # or "zip"
    [[parameters]]
    name = "max_china_share"
    values = "1.0:0.0:0.05"           # or a list
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from model.case import Case, load_case
from model.errors import InputError
from model.evaluate import Point, Record
from model.output import canonical_inputs, write_folder_atomically
from model.params import Grid, parse_grid, parse_parameter
from model.policy import NAME_PATTERN, parse, read_toml
from model.results import clean, inputs_hash, package_versions
from model.runner import Checkpoint, run_points


class SweepParameter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    values: str | list[float] | float


class SweepFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, pattern=NAME_PATTERN)
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
    grid = make_grid({p.name: p.values for p in spec.parameters}, spec.combine, str(path))
    return spec, grid


def fingerprint(case: Case, points: list[Point], extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "inputs_sha256": inputs_hash(canonical_inputs(case)),
        "points": [[[p.text, v] for p, v in point] for point in points],
        **extra,
    }


@dataclass
class SweepResult:
    """Tables of a sweep; `write` puts them in a run folder."""

    case: Case
    names: list[str]
    points_spec: list[Point]
    records: dict[int, Record]
    summary: dict[str, Any] = field(default_factory=dict)
    source_files: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.points, self.table, self.mix = tables(self.case, self.names, self.records)

    def write(self, out: str | Path = ".", *, name: str | None = None, force: bool = False) -> Path:
        from model.output import csv_bytes, run_files_common

        files = {
            "sweep.csv": csv_bytes(self.table),
            "sweep_points.csv": csv_bytes(self.points),
            "sweep_mix.csv": csv_bytes(self.mix),
        }
        files.update(run_files_common(self.case, self.summary, self.source_files))
        target = Path(out) / "solutions" / (name or self.summary.get("name") or "sweep")
        return write_folder_atomically(files, target, force=force)


def tables(
    case: Case, names: list[str], records: dict[int, Record]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Point table, point x commodity table and long mix from records."""
    ks = list(case.commodities["commodity"])
    stage = dict(zip(ks, case.commodities["stage"], strict=True))
    rows = list(zip(case.supply["commodity"], case.supply["country"], strict=True))
    point_rows, com_rows, mix_rows = [], [], []
    for i in sorted(records):
        rec = records[i]
        params = dict(zip(names, rec["values"], strict=True))
        has_u = "uncapped_cost" in rec
        short = 0
        for j, k in enumerate(ks):
            s = clean(rec["supplied"][j], rec["supplied"][j])
            cost = rec["cost"][j]
            row = {
                "point": i,
                **params,
                "commodity": k,
                "stage": stage[k],
                "demand": rec["demand"][j],
                "downstream_use": clean(rec["downstream"][j], rec["downstream"][j]),
                "supplied": s,
                "shortfall": clean(rec["shortfall"][j], rec["demand"][j]),
                "china_share": round(clean(rec["china"][j], s) / s, 9) if s > 0 else math.nan,
                "max_china_share": rec["cap"][j],
                "cost": clean(cost, cost),
                "average_unit_cost": round(cost / rec["supplied"][j], 6) if s > 0 else math.nan,
            }
            if has_u:
                u_cost, u_s = rec["uncapped_cost"][j], rec["uncapped_supplied"][j]
                row["uncapped_cost"] = clean(u_cost, u_cost)
                row["cost_premium"] = clean(cost - u_cost, max(cost, u_cost))
                row["unit_cost_premium"] = (
                    round(cost / rec["supplied"][j] - u_cost / u_s, 6)
                    if s > 0 and clean(u_s, u_s) > 0
                    else math.nan
                )
                row["uncapped_shortfall"] = clean(rec["uncapped_shortfall"][j], rec["demand"][j])
            short += row["shortfall"] > 0
            com_rows.append(row)
        total = clean(sum(rec["cost"]), 1.0)
        prow = {
            "point": i,
            **params,
            "objective": clean(rec["objective"], rec["objective"]),
            "total_cost": total,
        }
        if has_u:
            prow["total_cost_premium"] = clean(total - sum(rec["uncapped_cost"]), total)
        prow["commodities_with_shortfall"] = int(short)
        point_rows.append(prow)
        supplied = rec["supplied"]
        for j, qty, unit_cost in rec["mix"]:
            k, n = rows[j]
            q = clean(qty, qty)
            if q <= 0:
                continue
            kj = ks.index(k)
            mix_rows.append(
                {
                    "point": i,
                    **params,
                    "commodity": k,
                    "country": n,
                    "quantity": q,
                    "share": round(q / supplied[kj], 9),
                    "unit_cost": unit_cost,
                    "cost": clean(q * unit_cost, q * unit_cost),
                }
            )
    mix_cols = ["point", *names, "commodity", "country", "quantity", "share", "unit_cost", "cost"]
    return (
        pd.DataFrame(point_rows),
        pd.DataFrame(com_rows),
        pd.DataFrame(mix_rows, columns=mix_cols),
    )


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

    ``parameters`` maps parameter strings (see `model.params`) to grids
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
        from model.params import apply_values

        apply_values(case, point)
    t0 = time.perf_counter()
    fp = fingerprint(case, grid.points, {"kind": "sweep", "combine": grid.combine})
    token = fp["inputs_sha256"]
    kwargs = dict(token=token, workers=workers, client=client, progress=progress, label="sweep")
    if checkpoint is not None:
        cp = Checkpoint(Path(checkpoint), fp)
        done = cp.open(resume)
        with cp:
            records = run_points(case, grid.points, done=done, on_records=cp.add, **kwargs)
    else:
        records = run_points(case, grid.points, **kwargs)
    summary = {
        "kind": "sweep",
        "name": name or f"{case.name}-sweep",
        "case": case.name,
        "parameters": grid.names,
        "combine": grid.combine,
        "points": len(grid.points),
        "workers": workers if client is None else "dask",
        "versions": package_versions(),
        "inputs_sha256": token,
        "timings_seconds": {"total": round(time.perf_counter() - t0, 4)},
    }
    return SweepResult(case, grid.names, grid.points, records, summary)


def load_sweep(path: str | Path, case: str | Path | None = None) -> tuple[Case, Grid, SweepFile]:
    """Read a sweep file and its case (the file's ``case`` unless `case` is given)."""
    path = Path(path)
    spec, grid = read_sweep_file(path)
    if case is None:
        if spec.case is None:
            raise InputError("the sweep file names no case; give one", path, column="case")
        case = (path.parent / spec.case).resolve()
        if not case.exists():
            raise InputError(f"case '{spec.case}' does not exist", path, column="case")
    return load_case(case), grid, spec
