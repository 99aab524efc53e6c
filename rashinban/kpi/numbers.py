"""Exact reading of the numbers people write in plans: 1000万, 10億円, ¥10,000,000, 20%."""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from rashinban.errors import LimitError
from rashinban.kpi.limits import MAX_ABS, MAX_ABS_TEXT

_SCALE = {"千": 1_000, "万": 10_000, "億": 100_000_000, "兆": 1_000_000_000_000}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text: str) -> Fraction | None:
    """Read ``text`` as an exact number, or return ``None`` when it is not one.

    Accepts grouping commas and underscores, full-width digits, a leading ``¥``/``￥``,
    a trailing ``円``, ``%`` (divides by 100) and the Japanese units 千/万/億/兆, also
    combined (``3億6,000万``).  A number of 10^15 or more in size is refused
    (``number_too_large``, see ``kpi/limits.py``): no plan needs it and the store cannot hold it.
    """
    if len(text) > 100:  # no number people write is this long; 1e400-style digits stay bounded
        return None
    value = _parse(text)
    return None if value is None else bounded(value, text)


def bounded(value: Fraction, text: object) -> Fraction:
    """``value``, or ``LimitError("number_too_large")`` when it is 10^15 or more in size."""
    if abs(value) >= MAX_ABS:
        raise LimitError("number_too_large", value=str(text)[:40], max=MAX_ABS_TEXT)
    return value


def _parse(text: str) -> Fraction | None:
    s = unicodedata.normalize("NFKC", text).strip()
    s = s.replace(",", "").replace("_", "").replace(" ", "")
    if not s:
        return None
    sign = 1
    if s[0] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    s = s.lstrip("¥\\")
    s = s.removesuffix("円")
    percent = s.endswith("%")
    s = s.removesuffix("%")
    total = Fraction(0)
    rest = s
    matched_scale = False
    for unit, scale in sorted(_SCALE.items(), key=lambda kv: -kv[1]):
        if unit in rest:
            head, _, rest = rest.partition(unit)
            value = _plain(head)
            if value is None:
                return None
            total += value * scale
            matched_scale = True
    if rest:
        value = _plain(rest)
        if value is None:
            return None
        total += value
    elif not matched_scale:
        return None
    if percent:
        total /= 100
    return sign * total


def _plain(text: str) -> Fraction | None:
    if not _NUMBER.match(text):
        return None
    try:
        d = Decimal(text)
        if d.is_finite() and d.adjusted() > 20:  # 1e400: refuse before building a huge Fraction
            return MAX_ABS * 10
        return Fraction(d)
    except (InvalidOperation, ValueError):
        return None


def to_fraction(value: object) -> Fraction | None:
    """A YAML/JSON scalar (int, float, Decimal, str) as an exact Fraction."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return bounded(Fraction(value), value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise LimitError("number_too_large", value=str(value), max=MAX_ABS_TEXT)
        return bounded(Fraction(Decimal(repr(value))), value)
    if isinstance(value, Decimal):
        return bounded(Fraction(value), value) if value.is_finite() else None
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str):
        return parse_number(value)
    return None


def to_float(value: Fraction | None) -> float | int | None:
    """JSON-friendly: whole numbers as int, others as float."""
    if value is None:
        return None
    if value.denominator == 1:
        return int(value)
    return float(value)
