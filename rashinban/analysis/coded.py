"""Labels as codes: the sorted distinct labels and each row's index into them.

Segment statistics group rows by label again and again (per dimension, transition and scope);
grouping integer codes with ``bincount`` is what makes that cheap.  A :class:`Coded` column
is masked like an array; :func:`factorize` turns either form into (labels, codes) with only
the labels present in the rows, in ``np.unique`` order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True, eq=False)
class Coded:
    values: tuple[str, ...]  # sorted, distinct
    codes: np.ndarray  # int64 per row, into ``values``

    @classmethod
    def of(cls, values: Sequence[str], codes: np.ndarray) -> Coded:
        """From any vocabulary (sorted and made distinct here) and codes into it."""
        distinct = sorted(set(values))
        where = {v: i for i, v in enumerate(distinct)}
        rank = np.array([where[v] for v in values], dtype=np.int64)
        codes = np.asarray(codes, dtype=np.int64)
        return cls(tuple(distinct), rank[codes] if len(codes) else codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, rows: Any) -> Coded:
        return Coded(self.values, self.codes[rows])

    def labels(self) -> np.ndarray:
        vocab = np.array(self.values, dtype=object)
        out: np.ndarray = vocab[self.codes] if len(vocab) else np.zeros(0, dtype=object)
        return out

    def code_of(self, label: str) -> int:
        """The code of ``label`` (−1 when no row could have it)."""
        i = int(np.searchsorted(np.array(self.values, dtype=object), label)) if self.values else 0
        return i if i < len(self.values) and self.values[i] == label else -1

    def relabel(self, mapping: dict[str, str]) -> Coded:
        return Coded.of([mapping.get(v, v) for v in self.values], self.codes)


def factorize(labels: np.ndarray | Coded) -> tuple[list[str], np.ndarray]:
    """The distinct labels of the rows in sorted order (as ``np.unique``) and each row's index."""
    if isinstance(labels, Coded):
        if not len(labels.values):
            return [], labels.codes
        used = np.bincount(labels.codes, minlength=len(labels.values)) > 0
        if used.all():
            return list(labels.values), labels.codes
        new = np.cumsum(used) - 1
        return [v for v, u in zip(labels.values, used.tolist(), strict=True) if u], new[labels.codes]
    return factorize(coded(labels))


def coded(labels: np.ndarray | Coded) -> Coded:
    """A label array hashed into codes (Arrow), or the :class:`Coded` itself."""
    if isinstance(labels, Coded):
        return labels
    try:
        arr = pa.array(np.asarray(labels, dtype=object), type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not strings: by their text
        uniq, inverse = np.unique(np.asarray(labels).astype(str), return_inverse=True)
        return Coded(tuple(str(v) for v in uniq), inverse.astype(np.int64).reshape(-1))
    enc = pc.dictionary_encode(pc.fill_null(arr, ""))
    values = [str(v) for v in enc.dictionary.to_pylist()]
    return Coded.of(values, np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64))
