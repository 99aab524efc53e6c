"""Matching a file's headers to a preset, and turning string batches into typed rows.

``match_part`` finds, for each canonical column, the file's headers that feed it
(headers are compared after NFKC, case folding and removing spaces, so ``商談 所有者``
and ``商談所有者`` are one header).  ``transform`` converts one batch column by column and
returns the typed rows that are valid, the rejects (row, column, value, reason) and the
notes (quirks handled: misspellings fixed, empty cells, unmapped labels, zeros read as
"no value").
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from rashinban.errors import IngestError
from rashinban.ingest import values as V
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
    part: PartSpec, headers: list[str], path: str, preset: Preset, all_presets: list[Preset]
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
    return PartPlan(part, tuple(have[normalize_header(h)] for h in key), tuple(cols))


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


# --- converting a batch -------------------------------------------------------------------

EXPECTED = {
    "int": "int",
    "number": "number",
    "money": "number",
    "percent": "percent",
    "bool": "bool",
    "date": "date",
    "datetime": "datetime",
}


@dataclass
class Transformed:
    table: pa.Table  # _row, external_id, typed columns, __ref_* columns
    rejects: list[Reject]
    notes: Notes


def _null(t: pa.DataType, n: int) -> pa.Array:
    return pa.nulls(n, t)


def _coalesce(table: pa.Table, headers: tuple[str, ...]) -> pa.Array:
    arrays = [V.clean_text(table.column(h).combine_chunks()) for h in headers]
    if not arrays:
        return _null(pa.string(), table.num_rows)
    return arrays[0] if len(arrays) == 1 else pc.coalesce(*arrays)


def _convert(spec: ColumnSpec, raw: pa.Array) -> V.Converted:
    """``raw`` is already trimmed, with blanks as null (see ``_coalesce``)."""
    t = spec.type
    if t == "text":
        return V.to_text(raw, spec.max_length, cleaned=True)
    if t == "int":
        return V.to_int(raw, spec.scale, cleaned=True)
    if t in ("number", "money"):
        return V.to_number(raw, spec.scale, cleaned=True)
    if t == "percent":
        return V.to_percent(raw, cleaned=True)
    if t == "bool":
        default = None if spec.default is None else str(spec.default).lower() in V.TRUE_WORDS
        return V.to_bool(raw, default, cleaned=True)
    if t == "date":
        return V.to_date(raw, cleaned=True)
    return V.to_timestamp(raw, cleaned=True)


def _const(spec: ColumnSpec, n: int) -> pa.Array:
    c = _convert(spec, pa.array([str(spec.const)], pa.string()))
    return pa.repeat(c.values[0], n)


def transform(plan: PartPlan, batch: pa.Table, first_row: int) -> Transformed:
    n = batch.num_rows
    notes = Notes()
    bad_masks: list[tuple[ColumnPlan, pa.Array, pa.Array, str, dict[str, Any]]] = []
    out: dict[str, pa.Array] = {"_row": pa.array(range(first_row, first_row + n), pa.int64())}
    raws: dict[str, pa.Array] = {}

    # external id: the key header(s), joined with "|", after the part's prefix
    keys = [_coalesce(batch, (h,)) for h in plan.key_headers]
    if len(keys) == 1:
        ext = keys[0]
    else:
        ext = pc.binary_join_element_wise(*keys, "|", null_handling="replace", null_replacement="")
        ext = pc.if_else(pc.is_null(keys[0]), pa.scalar(None, pa.string()), ext)
    if plan.part.key_prefix:
        ext = pc.binary_join_element_wise(plan.part.key_prefix, ext, "")
    missing_key = pc.is_null(ext)
    too_long = pc.fill_null(pc.greater(pc.utf8_length(ext), 120), False)
    key_col = ColumnPlan(ColumnSpec(target="external_id", sources=plan.key_headers), plan.key_headers)
    bad_masks.append((key_col, missing_key, _null(pa.string(), n), "required", {}))
    bad_masks.append((key_col, too_long, ext, "too_long", {"max": 120}))
    out["external_id"] = ext

    for col in plan.columns:
        spec = col.spec
        name = REF_PREFIX + spec.target if spec.ref else spec.target
        if spec.const is not None and not col.headers:
            out[name] = _const(spec, n)
            continue
        raw = _coalesce(batch, col.headers)
        header = col.headers[0] if col.headers else spec.target
        for wrong, right in spec.fixes.items():
            hit = pc.fill_null(pc.equal(raw, wrong), False)
            count = pc.sum(pc.cast(hit, pa.int64())).as_py() or 0
            if count:
                notes.add("fixed_value", count, column=header, value=wrong, fixed=right)
                raw = pc.if_else(hit, right, raw)
        if spec.zero_is_null_when:
            for other, labels in spec.zero_is_null_when.items():
                other_raw = _coalesce(batch, (other,)) if other in batch.column_names else None
                if other_raw is None:
                    continue
                number = V.to_number(raw, cleaned=True).values
                zero = pc.fill_null(
                    pc.and_(pc.equal(number, 0), pc.is_in(other_raw, pa.array(labels))), False
                )
                count = pc.sum(pc.cast(zero, pa.int64())).as_py() or 0
                if count:
                    notes.add("zero_as_empty", count, column=header, when=f"{other} = {'/'.join(labels)}")
                    raw = pc.if_else(zero, pa.scalar(None, pa.string()), raw)
        if spec.note_empty:
            empty = pc.is_null(raw)
            count = pc.sum(pc.cast(empty, pa.int64())).as_py() or 0
            if count:
                by_col = spec.note_empty if isinstance(spec.note_empty, str) else None
                by = None
                if by_col and by_col in batch.column_names:
                    vals = pc.filter(_coalesce(batch, (by_col,)), empty).to_pylist()
                    by = Counter(str(v) for v in vals)
                notes.add("empty_values", count, by=by, column=header)
        if spec.mapping is not None:
            mapped, unmapped = V.map_values(
                raw, spec.mapping, None if spec.default is None else str(spec.default), spec.keep_unmapped
            )
            count = pc.sum(pc.cast(unmapped, pa.int64())).as_py() or 0
            if count and spec.default is not None and not spec.keep_unmapped and spec.type != "bool":
                vals = Counter(str(v) for v in pc.filter(raw, unmapped).to_pylist())
                notes.add("unmapped_value", count, by=vals, column=header, default=spec.default)
            elif count and spec.default is None and not spec.keep_unmapped:
                bad_masks.append(
                    (
                        col,
                        unmapped,
                        raw,
                        "not_in_choices",
                        {"allowed": ", ".join(sorted(set(spec.mapping.values())))},
                    )
                )
            raw = mapped
        elif spec.default is not None and spec.type not in ("bool",):
            raw = pc.fill_null(raw, str(spec.default))
        raws[spec.target] = raw
        if spec.ref is not None:
            value = raw
            if spec.ref.only_prefix:
                keep = pc.fill_null(
                    pc.or_(*[pc.starts_with(value, p) for p in spec.ref.only_prefix])
                    if len(spec.ref.only_prefix) > 1
                    else pc.starts_with(value, spec.ref.only_prefix[0]),
                    False,
                )
                value = pc.if_else(keep, value, pa.scalar(None, pa.string()))
            if spec.ref.prefix:
                value = pc.binary_join_element_wise(spec.ref.prefix, value, "")
            out[name] = value
            continue
        conv = _convert(spec, raw)
        reason = "too_long" if spec.type == "text" else "bad_value"
        params: dict[str, Any] = {"max": spec.max_length} if spec.type == "text" else {}
        params["expected"] = EXPECTED.get(spec.type, spec.type)
        bad_masks.append((col, conv.bad, raw, reason, params))
        if spec.required:
            missing = pc.and_(pc.is_null(conv.values), pc.invert(conv.bad))
            bad_masks.append((col, missing, raw, "required", {}))
        out[name] = conv.values

    # a column that only counts when a flag column is true (closed_at when is_closed)
    for col in plan.columns:
        if col.spec.when and col.spec.when in out and col.spec.target in out:
            flag = pc.fill_null(out[col.spec.when], False)
            out[col.spec.target] = pc.if_else(flag, out[col.spec.target], _null(out[col.spec.target].type, n))

    rejects: list[Reject] = []
    any_bad = pa.array([False] * n, pa.bool_())
    for col, bad, raw, reason, params in bad_masks:
        mask = pc.fill_null(bad, False)
        if not pc.any(mask).as_py():
            continue
        any_bad = pc.or_(any_bad, mask)
        header = col.headers[0] if col and col.headers else (col.spec.target if col else "")
        idx = pc.indices_nonzero(mask)
        for i, v in zip(idx.to_pylist(), pc.take(raw, idx).to_pylist(), strict=True):
            rejects.append(Reject(first_row + i, header, v, reason, params))
    table = pa.table(out)
    if rejects:
        table = table.filter(pc.invert(any_bad))
    rejects.sort(key=lambda r: r.row)
    return Transformed(table, rejects, notes)
