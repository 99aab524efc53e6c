"""Reading amounts and other numbers, a whole column at a time — one documented grammar.

An amount cell, after NFKC (full-width digits, ``，``, ``．``, ``￥`` become ASCII) and
trimming, is::

    [sign] [currency] number [unit…] [円]          (percent columns also take a final %)

    sign      +  -  −  ▲  △            (▲/△: the minus of Japanese accounts)
    currency  ¥  \\  $                 (before or after the sign)
    number    1234567   1234.5   1,234,567   1,234,567.89   1.5e6
              — grouping commas only between groups of exactly three digits, a point
              only as the decimal separator
    unit      兆 億 万 千, largest first, each after a number: 1.5万, 1,000万, 3億6,000万,
              1万2千 (the last number may stand alone: 12万3456)

Anything else is not a number.  A cell made only of digits, commas and points that does
not fit the grammar — ``1.234,56`` (a European decimal comma), ``1,2,3``, ``12,34,567``,
``1,23`` — is *ambiguous*: it is refused as such (never read as 1.23 or 123), so the row is
reported instead of being stored wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pyarrow as pa
import pyarrow.compute as pc

_N = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
GROUPED = rf"^[+-]?{_N}$"
EXPONENT = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+$"
NUMERIC_LOOKING = r"^[+-]?[\d.,]*\d[\d.,]*$"
_UNITS = (("兆", 10**12), ("億", 10**8), ("万", 10**4), ("千", 10**3))
_JAPANESE = re.compile(
    r"^(?P<sign>[+-])?"
    + "".join(rf"(?:(?P<u{i}>{_N}){u})?" for i, (u, _) in enumerate(_UNITS))
    + rf"(?P<rest>{_N})?$"
)


@dataclass(frozen=True)
class Converted:
    values: pa.Array
    bad: pa.Array  # bool: a non-empty cell that could not be read
    ambiguous: pa.Array | None = None  # bool, a subset of ``bad``: digits in no form we can trust
    over: pa.Array | None = None  # bool, a subset of ``bad``: a whole number too large to hold


def no_bad(arr: pa.Array) -> pa.Array:
    return pa.nulls(len(arr), pa.bool_()).fill_null(False)


def nonempty(arr: pa.Array) -> pa.Array:
    return pc.fill_null(pc.invert(pc.is_null(arr)), False)


def bad_mask(original: pa.Array, result: pa.Array) -> pa.Array:
    return pc.and_(nonempty(original), pc.is_null(result))


def clean_text(arr: pa.Array) -> pa.Array:
    """Trimmed text; blank cells become null."""
    trimmed = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def normalized(arr: pa.Array) -> pa.Array:
    """NFKC (full-width digits and letters to ASCII), trimmed, only where needed."""
    ascii_only = pc.fill_null(pc.string_is_ascii(arr), True)
    if pc.all(ascii_only).as_py():
        return arr
    return pc.utf8_trim_whitespace(pc.utf8_normalize(arr, "NFKC"))


def try_cast(arr: pa.Array, t: pa.DataType) -> pa.Array | None:
    """Arrow's own strict cast, or None when any cell does not fit (then the careful path runs)."""
    try:
        return pc.cast(arr, t)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _number_text(arr: pa.Array, percent: bool) -> pa.Array:
    """The cell without its sign marks, currency and 円 (and % in a percent column)."""
    s = normalized(arr)
    if not pc.all(pc.fill_null(pc.string_is_ascii(s), True)).as_py():
        s = pc.replace_substring_regex(s, r"^[▲△−]\s*", "-")
        s = pc.replace_substring_regex(s, r"\s*円$", "")
    s = pc.replace_substring_regex(s, r"^([+-]?)\s*[¥\\$]\s*", r"\1")
    s = pc.replace_substring_regex(s, r"^[¥\\$]\s*([+-])", r"\1")
    if percent:
        s = pc.replace_substring_regex(s, r"\s*%$", "")
    return s


def _japanese(text: str) -> float | None:
    """``1.5万`` → 15000, ``3億6,000万`` → 360000000 (exact in Decimal, then float)."""
    m = _JAPANESE.match(text)
    if m is None:
        return None
    total = Decimal(0)
    seen = False
    for i, (_, scale) in enumerate(_UNITS):
        part = m.group(f"u{i}")
        if part is not None:
            total += _decimal(part) * scale
            seen = True
    if m.group("rest") is not None:
        if not seen:
            return None  # a plain number: not this path's business
        total += _decimal(m.group("rest"))
    if not seen:
        return None
    return float(-total if m.group("sign") == "-" else total)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex admits digits only
        return Decimal(0)


def to_number(
    arr: pa.Array, scale: float | None = None, percent: bool = False, *, cleaned: bool = False
) -> Converted:
    """Amounts and other decimals (float64; the store rounds to its column's scale)."""
    arr = arr if cleaned else clean_text(arr)
    fast = try_cast(arr, pa.float64())
    if fast is not None and pc.all(pc.fill_null(pc.is_finite(fast), True)).as_py():
        values = pc.multiply(fast, scale) if scale is not None else fast
        return Converted(values, no_bad(arr))
    s = _number_text(arr, percent)
    plain = pc.fill_null(
        pc.or_(pc.match_substring_regex(s, GROUPED), pc.match_substring_regex(s, EXPONENT)), False
    )
    digits = pc.if_else(plain, pc.replace_substring(s, ",", ""), pa.scalar(None, pa.string()))
    values = pc.cast(digits, pa.float64())
    values = _with_units(arr, s, values)
    if scale is not None:
        values = pc.multiply(values, scale)
    bad = bad_mask(arr, values)
    ambiguous = pc.and_(bad, pc.fill_null(pc.match_substring_regex(s, NUMERIC_LOOKING), False))
    return Converted(values, bad, ambiguous)


def _with_units(arr: pa.Array, s: pa.Array, values: pa.Array) -> pa.Array:
    """The few cells with Japanese units (120万円, 3億6,000万) are read one by one."""
    missed = pc.and_(nonempty(arr), pc.is_null(values))
    units = pc.fill_null(pc.match_substring_regex(s, "[千万億兆]"), False)
    todo = pc.and_(missed, units)
    if not pc.any(todo).as_py():
        return values
    idx = pc.indices_nonzero(todo).to_pylist()
    out = values.to_pylist()
    for i, text in zip(idx, pc.take(s, pa.array(idx, pa.int64())).to_pylist(), strict=True):
        out[i] = _japanese(str(text))
    return pa.array(out, pa.float64())


def to_percent(arr: pa.Array, *, cleaned: bool = False) -> Converted:
    """Percent 0-100 as Salesforce writes it: ``10``, ``10%``, ``１０％``."""
    return to_number(arr, percent=True, cleaned=cleaned)


MAX_EXACT_INT = 2**53  # beyond this a float64 no longer holds every whole number


def to_int(arr: pa.Array, scale: float | None = None, *, cleaned: bool = False) -> Converted:
    """Whole numbers, in the same grammar as amounts (``1,200``, ``3万``); ``2.5`` is refused."""
    arr = arr if cleaned else clean_text(arr)
    if scale is None:
        fast = try_cast(arr, pa.int64())
        if fast is not None:
            return Converted(fast, no_bad(arr))
    number = to_number(arr, scale, cleaned=True)
    v = number.values
    if scale is not None:
        v = pc.round(v)
    over = pc.fill_null(pc.greater_equal(pc.abs(v), float(MAX_EXACT_INT)), False)
    whole = pc.and_(pc.fill_null(pc.equal(v, pc.floor(v)), False), pc.invert(over))
    values = pc.cast(pc.if_else(whole, v, pa.scalar(None, pa.float64())), pa.int64())
    return Converted(values, bad_mask(arr, values), number.ambiguous, over)
