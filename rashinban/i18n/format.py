"""Numbers as people read them: 1,000万円 / ¥10,000,000, 20.0%, 1,234件."""

from __future__ import annotations

import math
from fractions import Fraction

_JA_UNITS = ((10**12, "兆"), (10**8, "億"), (10**4, "万"))


def _num(value: Fraction | float | int) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2)) if value >= 0 else -math.floor(-value + Fraction(1, 2))


def yen_full(value: Fraction | float | int) -> str:
    """¥10,000,000 (whole yen, half up)."""
    v = _round_half_up(_num(value))
    return f"-¥{-v:,}" if v < 0 else f"¥{v:,}"


def yen_ja(value: Fraction | float | int) -> str:
    """1,000万円, 3億6,000万円, 10億円, 12,345円 — exact to the yen, with 兆/億/万 groups."""
    v = _round_half_up(_num(value))
    sign, v = ("-" if v < 0 else ""), abs(v)
    if v < 10_000:
        return f"{sign}{v:,}円"
    parts = []
    rest = v
    for size, label in _JA_UNITS:
        if rest >= size:
            parts.append(f"{rest // size:,}{label}")
            rest %= size
    if rest:
        parts.append(f"{rest:,}")
    return sign + "".join(parts) + "円"


def yen(value: Fraction | float | int, lang: str = "ja") -> str:
    return yen_ja(value) if lang == "ja" else yen_full(value)


def usd(value: Fraction | float | int) -> str:
    v = _round_half_up(_num(value))
    return f"-${-v:,}" if v < 0 else f"${v:,}"


def number(value: Fraction | float | int, digits: int = 2) -> str:
    v = _num(value)
    if v.denominator == 1:
        return f"{int(v):,}"
    text = f"{float(v):,.{digits}f}".rstrip("0").rstrip(".")
    return text


def percent(value: Fraction | float | int, digits: int = 1) -> str:
    return f"{float(_num(value)) * 100:.{digits}f}%"


COUNT_SUFFIX = {"ja": "件", "en": ""}


def value(v: Fraction | float | int | None, unit: str, lang: str = "ja") -> str:
    """A value in its unit, for tables and messages."""
    if v is None:
        return "—"
    if unit == "yen":
        return yen(v, lang)
    if unit == "usd":
        return usd(v)
    if unit == "ratio":
        return percent(v)
    if unit == "count":
        return number(v) + COUNT_SUFFIX.get(lang, "")
    suffix = {
        "days": {"ja": "日", "en": " d"},
        "hours": {"ja": "時間", "en": " h"},
        "minutes": {"ja": "分", "en": " min"},
    }.get(unit, {})
    return number(v) + suffix.get(lang, "")


def short_value(v: Fraction | float | None, unit: str, lang: str) -> str:
    """A value for a summary card: yen as 万円/億円 rounded to 万 (ja) or ¥12.3M (en)."""
    if v is None:
        return "—"
    if unit != "yen":
        return value(v, unit, lang)
    x = float(v)
    if lang == "ja":
        return yen_ja(round(x / 10_000) * 10_000 if abs(x) >= 10_000 else round(x))
    for size, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "K")):
        if abs(x) >= size:
            text = f"{abs(x) / size:,.1f}".removesuffix(".0")
            return f"{'-' if x < 0 else ''}¥{text}{suffix}"
    return yen_full(round(x))
