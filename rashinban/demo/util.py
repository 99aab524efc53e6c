"""Small vectorised helpers shared by the generators."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SECOND = np.timedelta64(1, "s")
NAT = np.datetime64("NaT", "s")


def seconds(values: np.ndarray | int) -> np.ndarray:
    """Whole seconds as ``timedelta64[s]``."""
    return np.asarray(values).astype(np.int64).astype("timedelta64[s]")


def at_time(days: np.ndarray, secs: np.ndarray) -> np.ndarray:
    """``datetime64[D]`` days plus seconds after midnight → ``datetime64[s]``."""
    out: np.ndarray = days.astype("datetime64[s]") + seconds(secs)
    return out


def office_seconds(rng: np.random.Generator, n: int, start_h: float, end_h: float) -> np.ndarray:
    """Times of day within office hours, busier mid-morning and mid-afternoon."""
    a = rng.beta(1.6, 1.6, size=n)
    return (start_h * 3600 + a * (end_h - start_h) * 3600).astype(np.int64)


def ext_ids(prefix: str, local: np.ndarray, width: int = 9) -> pa.Array:
    """Stable external ids such as ``demo-act-000000123``."""
    s = pc.utf8_lpad(pc.cast(pa.array(local, type=pa.int64()), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), s, "")


def labels(choices: Sequence[str | None], idx: np.ndarray) -> pa.Array:
    """Strings by index into ``choices`` (a dictionary decoded in Arrow, not in Python)."""
    values = pa.array(list(choices), type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(idx, type=pa.int32()), values).cast(pa.string())


def nullable(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """An Arrow array with nulls where ``valid`` is False (NaT is null for times)."""
    if values.dtype.kind == "M":
        return pa.array(values, from_pandas=True)
    if valid is None:
        return pa.array(values)
    return pa.array(values, mask=~valid)


def poisson_rows(rng: np.random.Generator, lam: np.ndarray) -> np.ndarray:
    """Parent index for each child row, with Poisson(lam) children per parent."""
    counts = rng.poisson(lam)
    return np.repeat(np.arange(len(counts)), counts)


def spread(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A uniform integer in [lo, hi] (inclusive) per row; hi < lo gives lo."""
    width = np.maximum(hi - lo, 0) + 1
    out: np.ndarray = lo + (rng.random(len(lo)) * width).astype(np.int64)
    return out
