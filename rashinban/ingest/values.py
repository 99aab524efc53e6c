"""Reading cell values, a whole column at a time (pyarrow compute, no Python loop per row).

Every converter takes a string array (``None`` for an empty cell) and returns the typed
array plus a boolean mask of the cells it could not read; the caller turns the mask into
rejects.  What people type in Japanese spreadsheets is accepted: full-width digits,
``2026/3/31``, ``2026年3月31日``, Excel serial dates, ``2024-01-22T16:14:25.000+0000``
(converted to Japan time), ``1``/empty/``TRUE``/``true``; amounts follow the grammar of
:mod:`rashinban.ingest.amounts` (``1,234,567``, ``¥1,234円``, ``1.5万``, ``1,000万円``).
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from rashinban.ingest.amounts import (
    Converted,
    clean_text,
    no_bad,
    nonempty,
    to_int,
    to_number,
    to_percent,
    try_cast,
)
from rashinban.ingest.amounts import bad_mask as _bad
from rashinban.ingest.amounts import normalized as _normalized

JST_OFFSET_SECONDS = 9 * 3600
_EXCEL_EPOCH_US = -2209161600 * 1_000_000  # 1899-12-30T00:00:00 in µs since 1970
_US = 1_000_000

TRUE_WORDS = ("1", "true", "t", "yes", "y", "on", "はい", "○", "◯", "✓", "済")
FALSE_WORDS = ("0", "false", "f", "no", "n", "off", "いいえ", "×", "-")

_DATE_RE = (
    r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)
_SERIAL_RE = r"^\d{1,5}(\.\d+)?$"


def _as_int(s: pa.Array) -> pa.Array:
    """Digit strings to int64; empty strings (unmatched regex groups) to null."""
    return pc.cast(pc.if_else(pc.equal(s, ""), pa.scalar(None, pa.string()), s), pa.int64())


def to_text(arr: pa.Array, max_length: int | None = None, *, cleaned: bool = False) -> Converted:
    values = arr if cleaned else clean_text(arr)
    if max_length is None:
        return Converted(values, pa.array([False] * len(arr), pa.bool_()))
    too_long = pc.fill_null(pc.greater(pc.utf8_length(values), max_length), False)
    return Converted(pc.if_else(too_long, pa.scalar(None, pa.string()), values), too_long)


def to_bool(arr: pa.Array, default: bool | None = None, *, cleaned: bool = False) -> Converted:
    """``1``/``TRUE``/``true``/``はい`` → true, ``0``/``FALSE``/``いいえ`` → false, empty → default."""
    arr = arr if cleaned else clean_text(arr)
    low = pc.utf8_lower(_normalized(arr))
    true = pc.is_in(low, pa.array(TRUE_WORDS))
    false = pc.is_in(low, pa.array(FALSE_WORDS))
    values = pc.if_else(true, True, pc.if_else(false, False, pa.scalar(None, pa.bool_())))
    bad = _bad(arr, values)
    if default is not None:
        values = pc.fill_null(values, default)
    return Converted(values, bad)


_SLASHED = r"^(\d{4})[/.年](\d{1,2})[/.月](\d{1,2})日?"
_TZ_SUFFIX = r"(Z|[+-]\d{2}:?\d{2})$"


def _iso_shaped(s: pa.Array) -> pa.Array:
    """2026/3/31 9:05 → 2026-03-31 09:05 (only the rewrites some cell needs)."""
    slashed = pc.fill_null(pc.match_substring(s, "/"), False)
    if pc.any(slashed).as_py():
        simple = pc.fill_null(pc.match_substring_regex(s, r"^\d{4}/\d{1,2}/\d{1,2}$"), False)
        parts = pc.split_pattern(pc.if_else(simple, s, pa.scalar(None, pa.string())), "/")
        joined = pc.binary_join_element_wise(
            pc.list_element(parts, 0),
            pc.utf8_lpad(pc.list_element(parts, 1), 2, "0"),
            pc.utf8_lpad(pc.list_element(parts, 2), 2, "0"),
            "-",
        )
        s = pc.if_else(simple, joined, s)
        if not pc.all(pc.or_(simple, pc.invert(slashed))).as_py():
            s = pc.replace_substring_regex(s, _SLASHED, r"\1-\2-\3")
    if pc.any(pc.fill_null(pc.match_substring(s, "年"), False)).as_py():
        s = pc.replace_substring_regex(s, _SLASHED, r"\1-\2-\3")
    # cheap checks first: a padded ISO date is 10 characters, its hour ends at index 12
    if (
        pc.any(pc.fill_null(pc.less(pc.utf8_length(s), 10), False)).as_py()
        or pc.any(pc.fill_null(pc.not_equal(pc.utf8_slice_codeunits(s, 7, 8), "-"), False)).as_py()
    ):
        s = pc.replace_substring_regex(s, r"^(\d{4})-(\d)-", r"\1-0\2-")
        s = pc.replace_substring_regex(s, r"^(\d{4}-\d{2})-(\d)(\D|$)", r"\1-0\2\3")
    if pc.any(pc.fill_null(pc.equal(pc.utf8_slice_codeunits(s, 12, 13), ":"), False)).as_py():
        s = pc.replace_substring_regex(s, r"^(\d{4}-\d{2}-\d{2})[ T]+(\d):", r"\1 0\2:")
    return s


def _fast_timestamp(s: pa.Array) -> pa.Array | None:
    """Arrow's strict ISO-8601 cast (it rejects 2026-02-30); None when some cell needs more care."""
    tail = pc.utf8_slice_codeunits(s, -5, None)
    maybe_tz = pc.fill_null(
        pc.or_(pc.ends_with(s, "Z"), pc.or_(pc.match_substring(tail, "+"), pc.match_substring(tail, "-"))),
        False,
    )
    if not pc.any(maybe_tz).as_py():
        return try_cast(s, pa.timestamp("us"))
    has_tz = pc.fill_null(pc.match_substring_regex(s, _TZ_SUFFIX), False)
    if not pc.any(has_tz).as_py():
        return try_cast(s, pa.timestamp("us"))
    if pc.all(pc.or_(has_tz, pc.is_null(s))).as_py():
        plain = pa.nulls(len(s), pa.timestamp("us"))
        aware = try_cast(s, pa.timestamp("us", "UTC"))
    else:
        plain = try_cast(pc.if_else(has_tz, pa.scalar(None, pa.string()), s), pa.timestamp("us"))
        aware = try_cast(pc.if_else(has_tz, s, pa.scalar(None, pa.string())), pa.timestamp("us", "UTC"))
    if plain is None or aware is None:
        return None
    jst = pc.cast(pc.add(pc.cast(aware, pa.int64()), JST_OFFSET_SECONDS * _US), pa.timestamp("us"))
    return pc.coalesce(plain, jst)


def to_timestamp(arr: pa.Array, *, cleaned: bool = False) -> Converted:
    """Dates and date-times as naive Japan-time timestamps (µs)."""
    arr = arr if cleaned else clean_text(arr)
    s = _normalized(arr)
    fast = _fast_timestamp(_iso_shaped(s))
    if fast is not None:
        return Converted(fast, no_bad(arr))
    parts = pc.extract_regex(s, _DATE_RE)
    matched = pc.fill_null(pc.is_valid(parts), False)

    def field(name: str, default: str) -> pa.Array:
        f = pc.struct_field(parts, name)
        f = pc.if_else(pc.fill_null(pc.equal(f, ""), True), default, f)
        return pc.utf8_lpad(f, 2, "0")

    iso = pc.binary_join_element_wise(
        pc.struct_field(parts, "y"),
        "-",
        field("m", "01"),
        "-",
        field("d", "01"),
        " ",
        field("H", "00"),
        ":",
        field("M", "00"),
        ":",
        field("S", "00"),
        "",
    )
    iso = pc.if_else(matched, iso, pa.scalar(None, pa.string()))
    ts = pc.strptime(iso, format="%Y-%m-%d %H:%M:%S", unit="us", error_is_null=True)
    # strptime rolls 2026-02-30 over to March: check the day and month it kept
    day_ok = pc.equal(pc.day(ts), _as_int(pc.struct_field(parts, "d")))
    month_ok = pc.equal(pc.month(ts), _as_int(pc.struct_field(parts, "m")))
    hour_ok = pc.less(_as_int(field("H", "00")), 24)
    valid = pc.fill_null(pc.and_(pc.and_(day_ok, month_ok), hour_ok), False)
    ts = pc.if_else(valid, ts, pa.scalar(None, pa.timestamp("us")))
    ts = _apply_offset(ts, pc.struct_field(parts, "tz"))
    ts = _with_serials(ts, s)
    return Converted(ts, _bad(arr, ts))


def _apply_offset(ts: pa.Array, tz: pa.Array) -> pa.Array:
    """Times with an offset (``+0000``, ``Z``) are moved to Japan time."""
    has_tz = pc.fill_null(pc.not_equal(tz, ""), False)
    if not pc.any(has_tz).as_py():
        return ts
    digits = pc.replace_substring(pc.replace_substring(tz, ":", ""), "Z", "+0000")
    sign = pc.if_else(pc.starts_with(digits, "-"), -1, 1)
    hh = _as_int(pc.utf8_slice_codeunits(digits, 1, 3))
    mm = _as_int(pc.utf8_slice_codeunits(digits, 3, 5))
    offset_s = pc.multiply(sign, pc.add(pc.multiply(hh, 3600), pc.multiply(mm, 60)))
    shift_us = pc.multiply(pc.subtract(JST_OFFSET_SECONDS, offset_s), _US)
    raw = pc.cast(ts, pa.int64())
    moved = pc.cast(pc.add(raw, pc.fill_null(pc.if_else(has_tz, shift_us, 0), 0)), pa.timestamp("us"))
    return moved


def _with_serials(ts: pa.Array, s: pa.Array) -> pa.Array:
    """Excel serial dates (days since 1899-12-30, as an unformatted XLSX cell gives them)."""
    serial = pc.fill_null(pc.match_substring_regex(s, _SERIAL_RE), False)
    if not pc.any(serial).as_py():
        return ts
    days = pc.cast(pc.if_else(serial, s, pa.scalar(None, pa.string())), pa.float64())
    in_range = pc.fill_null(pc.and_(pc.greater_equal(days, 1), pc.less(days, 2958466)), False)
    us = pc.cast(pc.round(pc.multiply(days, 86400 * _US)), pa.int64())
    from_serial = pc.cast(pc.add(us, _EXCEL_EPOCH_US), pa.timestamp("us"))
    return pc.if_else(in_range, from_serial, ts)


def to_date(arr: pa.Array, *, cleaned: bool = False) -> Converted:
    c = to_timestamp(arr, cleaned=cleaned)
    return Converted(pc.cast(c.values, pa.date32()), c.bad)


def map_values(
    arr: pa.Array, mapping: dict[str, str], default: str | None, keep_unmapped: bool
) -> tuple[pa.Array, pa.Array]:
    """Translate labels (case- and width-insensitive); returns (values, unmapped mask)."""
    arr = clean_text(arr)
    keys = list(mapping)
    low = pc.utf8_lower(_normalized(arr))
    idx = pc.index_in(low, value_set=pa.array([normalize_label(k) for k in keys], pa.string()))
    mapped = pc.take(pa.array([mapping[k] for k in keys], pa.string()), idx)
    unmapped = pc.and_(nonempty(arr), pc.is_null(idx))
    fallback = arr if keep_unmapped else pa.scalar(default, pa.string())
    values = pc.if_else(unmapped, fallback, mapped)
    if default is not None:
        values = pc.fill_null(values, default) if not keep_unmapped else values
    return values, unmapped


def normalize_label(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", text).strip().lower()


__all__ = ["Converted", "clean_text", "to_int", "to_number", "to_percent"]

CONVERTERS: dict[str, Callable[[pa.Array], Converted]] = {
    "date": to_date,
    "datetime": to_timestamp,
    "percent": to_percent,
}
