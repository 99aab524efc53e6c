"""Turning one batch of text columns into typed rows: the valid rows, the rejects (row,
column, value, reason) and the notes (quirks handled: misspellings fixed, empty cells,
unmapped labels, zeros read as "no value"; checks that only warn, see :mod:`.checks`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from rashinban.ingest import checks
from rashinban.ingest import values as V
from rashinban.ingest.checks import Problem
from rashinban.ingest.spec import ColumnSpec
from rashinban.ingest.validate import REF_PREFIX, ColumnPlan, Notes, PartPlan, Reject
from rashinban.ingest.xlsx import FORMULA_MARK, FORMULAS_KEY

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
    problems: list[Problem] = []
    out: dict[str, pa.Array] = {"_row": pa.array(range(first_row, first_row + n), pa.int64())}
    if batch.schema.metadata and FORMULAS_KEY in batch.schema.metadata:
        batch, found = checks.formulas(batch, FORMULA_MARK)
        problems += [p for p in found if p.header in plan.used_headers]
    ext = _external_id(plan, batch)
    key_header = plan.key_headers[0] if plan.key_headers else "external_id"
    problems.append(Problem(key_header, pc.is_null(ext), _null(pa.string(), n), "required"))
    too_long = pc.fill_null(pc.greater(pc.utf8_length(ext), 120), False)
    problems.append(Problem(key_header, too_long, ext, "too_long", {"max": 120}))
    problems += checks.key(ext, key_header)
    out["external_id"] = ext
    headers: dict[str, str] = {}
    for col in plan.columns:
        spec = col.spec
        name = REF_PREFIX + spec.target if spec.ref else spec.target
        if spec.const is not None and not col.headers:
            out[name] = _const(spec, n)
            continue
        header = col.headers[0] if col.headers else spec.target
        headers[spec.target] = header
        raw = _prepared(col, header, batch, notes, problems)
        if spec.ref is not None:
            out[name] = _reference(spec, raw)
            continue
        conv = _convert(spec, raw)
        reason = "too_long" if spec.type == "text" else "bad_value"
        params: dict[str, Any] = {"max": spec.max_length} if spec.type == "text" else {}
        params["expected"] = EXPECTED.get(spec.type, spec.type)
        bad = conv.bad
        for subset in (conv.ambiguous, conv.over):
            if subset is not None:
                bad = pc.and_(bad, pc.invert(pc.fill_null(subset, False)))
        problems.append(Problem(header, bad, raw, reason, params))
        problems += checks.converted(spec, header, conv, raw)
        if spec.required:
            missing = pc.and_(pc.is_null(conv.values), pc.invert(conv.bad))
            problems.append(Problem(header, missing, raw, "required"))
        out[name] = conv.values
    problems += checks.flags(plan.part.table, out, headers)

    # a column that only counts when a flag column is true (closed_at when is_closed)
    for col in plan.columns:
        if col.spec.when and col.spec.when in out and col.spec.target in out:
            flag = pc.fill_null(out[col.spec.when], False)
            out[col.spec.target] = pc.if_else(flag, out[col.spec.target], _null(out[col.spec.target].type, n))
    return _sorted_out(plan, pa.table(out), problems, notes, first_row)


def _external_id(plan: PartPlan, batch: pa.Table) -> pa.Array:
    """The key header(s), joined with "|", after the part's prefix."""
    keys = [_coalesce(batch, (h,)) for h in plan.key_headers]
    if len(keys) == 1:
        ext = keys[0]
    else:
        ext = pc.binary_join_element_wise(*keys, "|", null_handling="replace", null_replacement="")
        ext = pc.if_else(pc.is_null(keys[0]), pa.scalar(None, pa.string()), ext)
    if plan.part.key_prefix:
        ext = pc.binary_join_element_wise(plan.part.key_prefix, ext, "")
    return ext


def _prepared(
    col: ColumnPlan, header: str, batch: pa.Table, notes: Notes, problems: list[Problem]
) -> pa.Array:
    """The column's cells after the preset's fixes, zeros-as-empty, label mapping and default."""
    spec = col.spec
    raw = _coalesce(batch, col.headers)
    for wrong, right in spec.fixes.items():
        hit = pc.fill_null(pc.equal(raw, wrong), False)
        count = pc.sum(pc.cast(hit, pa.int64())).as_py() or 0
        if count:
            notes.add("fixed_value", count, column=header, value=wrong, fixed=right)
            raw = pc.if_else(hit, right, raw)
    for other, labels in (spec.zero_is_null_when or {}).items():
        if other not in batch.column_names:
            continue
        other_raw = _coalesce(batch, (other,))
        number = V.to_number(raw, cleaned=True).values
        zero = pc.fill_null(pc.and_(pc.equal(number, 0), pc.is_in(other_raw, pa.array(labels))), False)
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
        default = None if spec.default is None else str(spec.default)
        mapped, unmapped = V.map_values(raw, spec.mapping, default, spec.keep_unmapped)
        count = pc.sum(pc.cast(unmapped, pa.int64())).as_py() or 0
        if count and spec.default is not None and not spec.keep_unmapped and spec.type != "bool":
            vals = Counter(str(v) for v in pc.filter(raw, unmapped).to_pylist())
            notes.add("unmapped_value", count, by=vals, column=header, default=spec.default)
        elif count and spec.default is None and not spec.keep_unmapped:
            allowed = ", ".join(sorted(set(spec.mapping.values())))
            problems.append(Problem(header, unmapped, raw, "not_in_choices", {"allowed": allowed}))
        return mapped
    if spec.default is not None and spec.type not in ("bool",):
        return pc.fill_null(raw, str(spec.default))
    return raw


def _reference(spec: ColumnSpec, raw: pa.Array) -> pa.Array:
    """The external id a reference column names (the loader resolves it to an id)."""
    assert spec.ref is not None
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
    return value


def _sorted_out(
    plan: PartPlan, table: pa.Table, problems: list[Problem], notes: Notes, first_row: int
) -> Transformed:
    """Rows with a problem become rejects, or — for a check the import only warns about — a
    note naming the rows (the values are kept)."""
    rejects: list[Reject] = []
    seen: set[tuple[int, str, str]] = set()
    any_bad = pa.array([False] * table.num_rows, pa.bool_())
    for p in problems:
        mask = pc.fill_null(p.mask, False)
        if not pc.any(mask).as_py():
            continue
        idx = pc.indices_nonzero(mask)
        rows = [first_row + i for i in idx.to_pylist()]
        if p.check is not None and p.check in plan.lenient:
            values: Counter[str] = Counter()
            for r, v in zip(rows, pc.take(p.shown, idx).to_pylist(), strict=True):
                if (r, p.header, p.reason) not in seen:  # one cell read into two columns: once
                    seen.add((r, p.header, p.reason))
                    values[str(v)] += 1
            count = sum(values.values())
            notes.add(f"warn_{p.reason}", count, by=values, column=p.header, check=p.check, **p.params)
            continue
        any_bad = pc.or_(any_bad, mask)
        params = {**p.params, "check": p.check} if p.check else p.params
        for row, v in zip(rows, pc.take(p.shown, idx).to_pylist(), strict=True):
            if (row, p.header, p.reason) not in seen:  # one cell read into two columns: once
                seen.add((row, p.header, p.reason))
                rejects.append(Reject(row, p.header, v, p.reason, params))
    if rejects:
        table = table.filter(pc.invert(any_bad))
    rejects.sort(key=lambda r: r.row)
    return Transformed(table, rejects, notes)
