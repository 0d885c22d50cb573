"""The fast CSV writer gives exactly pandas' bytes, whatever the values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from model.output import _csv_columns, csv_bytes


def pandas_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, 1e16, 1e-5, 0.1 + 0.2, 123456.789, 1e15, math.nan]
)
texts = st.text(max_size=8) | st.sampled_from(["a,b", 'say "hi"', "x\ny", "r\r", "", " pad "])


@st.composite
def frames(draw) -> pd.DataFrame:
    n = draw(st.integers(0, 6))
    data = {
        "f": draw(st.lists(floats, min_size=n, max_size=n)),
        "i": draw(st.lists(st.integers(-(10**12), 10**12), min_size=n, max_size=n)),
        "b": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        "s": draw(st.lists(texts | st.none(), min_size=n, max_size=n)),
    }
    frame = pd.DataFrame(
        {
            "f": pd.Series(data["f"], dtype=float),
            "i": pd.Series(data["i"], dtype="int64"),
            "b": pd.Series(data["b"], dtype=bool),
            "s": pd.Series(data["s"], dtype=object),
        }
    )
    names = draw(st.permutations(["f", "i", "b", "s"]))
    return frame[list(names)]


@settings(max_examples=300, deadline=None)
@given(frames())
def test_csv_bytes_equal_pandas(frame: pd.DataFrame) -> None:
    assert csv_bytes(frame) == pandas_bytes(frame)


def test_the_fast_path_really_runs_and_odd_columns_fall_back() -> None:
    usual = pd.DataFrame({"a": ["x,1", "y"], "b": [0.5, np.nan], "c": pd.array(["p", None])})
    assert _csv_columns(usual) is not None
    assert csv_bytes(usual) == pandas_bytes(usual) == b'a,b,c\n"x,1",0.5,p\ny,,\n'
    odd = pd.DataFrame({"a": [1, 2], "when": pd.to_datetime(["2026-01-01", "2026-01-02"])})
    assert _csv_columns(odd) is None
    assert csv_bytes(odd) == pandas_bytes(odd)
    mixed = pd.DataFrame({"a": ["x", 1.5], "b": [1, 2]})  # a float inside a text column
    assert _csv_columns(mixed) is None and csv_bytes(mixed) == pandas_bytes(mixed)
