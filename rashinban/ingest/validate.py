"""Matching a file's headers to a preset; what a batch's rows become (rejects and notes).

``match_part`` finds, for each canonical column, the file's headers that feed it
(headers are compared after NFKC, case folding and removing spaces, so ``商談 所有者``
and ``商談所有者`` are one header).  :mod:`.transform` converts one batch column by column;
:mod:`.fit` refuses an explicit preset that another fits clearly better.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rashinban.errors import IngestError
from rashinban.ingest.spec import ColumnSpec, PartSpec, Preset

REF_PREFIX = "__ref_"


def normalize_header(name: str) -> str:
    s = unicodedata.normalize("NFKC", name).removeprefix("\ufeff").casefold()
    return "".join(s.split())


@dataclass(frozen=True)
class Reject:
    row: int
    column: str
    value: str | None
    reason: str  # key under ``reject.`` in the catalogue
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Notes:
    """Counted notes: (code, params) → rows, with an optional breakdown by a column's values."""

    counts: dict[tuple[str, tuple[tuple[str, str], ...]], int] = field(default_factory=dict)
    breakdown: dict[tuple[str, tuple[tuple[str, str], ...]], Counter[str]] = field(default_factory=dict)

    def add(self, code: str, count: int, by: Counter[str] | None = None, **params: Any) -> None:
        if count <= 0:
            return
        key = (code, tuple(sorted((k, str(v)) for k, v in params.items())))
        self.counts[key] = self.counts.get(key, 0) + count
        if by:
            self.breakdown.setdefault(key, Counter()).update(by)

    def merge(self, other: Notes) -> None:
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        for key, c in other.breakdown.items():
            self.breakdown.setdefault(key, Counter()).update(c)

    def as_list(self) -> list[dict[str, Any]]:
        out = []
        for (code, params), n in self.counts.items():
            item: dict[str, Any] = {"code": code, "count": n, **dict(params)}
            by = self.breakdown.get((code, params))
            if by:
                item["by"] = dict(by.most_common())
            out.append(item)
        return out


@dataclass(frozen=True)
class ColumnPlan:
    spec: ColumnSpec
    headers: tuple[str, ...]  # the file's own header names, in the preset's order of preference


@dataclass(frozen=True)
class PartPlan:
    part: PartSpec
    key_headers: tuple[str, ...]
    columns: tuple[ColumnPlan, ...]
    lenient: frozenset[str] = frozenset()  # checks that only warn (see checks.CHECKS)

    @property
    def used_headers(self) -> set[str]:
        return set(self.key_headers) | {h for c in self.columns for h in c.headers}

    @property
    def ref_columns(self) -> list[ColumnPlan]:
        return [c for c in self.columns if c.spec.ref is not None]


def _present(headers: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in headers:
        out.setdefault(normalize_header(h), h)
    return out


def missing_headers(part: PartSpec, headers: list[str]) -> list[str]:
    """Required headers (first alternative named) that the file lacks."""
    have = _present(headers)
    missing = []
    if not any(all(normalize_header(h) in have for h in alt) for alt in part.keys):
        missing.append(" + ".join(part.keys[0]))
    for alts in part.required_headers():
        if alts in [(h,) for h in part.keys[0]]:
            continue
        if not any(normalize_header(a) in have for a in alts):
            missing.append(alts[0])
    return missing


def match_score(part: PartSpec, headers: list[str]) -> float:
    have = _present(headers)
    wanted = [part.keys[0], *[c.sources for c in part.columns if c.sources]]
    hits = sum(any(normalize_header(a) in have for a in alts) for alts in wanted)
    return hits / max(len(wanted), 1)


def match_part(
    part: PartSpec,
    headers: list[str],
    path: str,
    preset: Preset,
    all_presets: list[Preset],
    duplicates: dict[str, list[int]] | None = None,
) -> PartPlan:
    missing = missing_headers(part, headers)
    if missing:
        best = closest_preset(headers, all_presets)
        raise IngestError(
            "headers_missing",
            path=path,
            preset=preset.name,
            missing=", ".join(missing),
            closest=best[0] if best else "-",
            score=f"{best[1]:.0%}" if best else "0%",
            found=", ".join(headers[:12]) + (" …" if len(headers) > 12 else ""),
        )
    have = _present(headers)
    key = next(alt for alt in part.keys if all(normalize_header(h) in have for h in alt))
    cols = []
    for c in part.columns:
        hs = tuple(have[normalize_header(s)] for s in c.sources if normalize_header(s) in have)
        if hs or c.const is not None or c.default is not None:
            cols.append(ColumnPlan(c, hs))
    plan = PartPlan(part, tuple(have[normalize_header(h)] for h in key), tuple(cols))
    used = {normalize_header(h) for h in plan.used_headers}
    for header, columns in (duplicates or {}).items():
        if normalize_header(header) in used:
            raise IngestError(
                "duplicate_header",
                path=path,
                header=header,
                columns=", ".join(f"{column_letter(c)} ({c})" for c in columns),
                preset=preset.name,
            )
    return plan


def column_letter(n: int) -> str:
    """The spreadsheet's name of the 1-based column ``n`` (1 → A, 27 → AA)."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def closest_preset(headers: list[str], presets: list[Preset]) -> tuple[str, float] | None:
    scored = [(p.name, max(match_score(part, headers) for part in p.parts)) for p in presets]
    scored.sort(key=lambda x: -x[1])
    return scored[0] if scored else None


def detect_preset(headers: list[str], presets: list[Preset]) -> Preset | None:
    """The preset whose part fits the headers best, among those with nothing required missing."""
    fitting = [
        (max(match_score(part, headers) for part in p.parts if not missing_headers(part, headers)), p)
        for p in presets
        if any(not missing_headers(part, headers) for part in p.parts)
    ]
    fitting.sort(key=lambda x: -x[0])
    return fitting[0][1] if fitting else None
