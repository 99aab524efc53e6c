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


def _yen_ja_short(x: float) -> str:
    """3億1,660万円: rounded half away from zero to 万 (to the yen below 1万)."""
    sign = -1 if x < 0 else 1
    size = 10_000 if abs(x) >= 10_000 else 1
    return yen_ja(sign * math.floor(abs(x) / size + 0.5) * size)


def _yen_en_short(x: float, keep_decimal: bool) -> str:
    """¥12.3M / ¥1.2B / ¥950.0K (cards) or ¥300M / ¥1.5B (axes: ``keep_decimal=False``);
    tenths rounded half up, as the charts' JavaScript does."""
    sign = "-" if x < 0 else ""
    for size, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "K")):
        if abs(x) >= size:
            tenths = math.floor(abs(x) / size * 10 + 0.5)
            text = f"{tenths // 10:,}.{tenths % 10}"
            if not keep_decimal:
                text = text.removesuffix(".0")
            return f"{sign}¥{text}{suffix}"
    return yen_full(x)


def short_value(v: Fraction | float | None, unit: str, lang: str) -> str:
    """A value for a summary card: yen as 万円/億円 rounded to 万 (ja: 3億1,660万円) or
    ¥ with K/M/B and one decimal (en: ¥316.6M); other units as :func:`value`."""
    if v is None:
        return "—"
    if unit != "yen":
        return value(v, unit, lang)
    x = float(v)
    if lang == "ja":
        return _yen_ja_short(x)
    return _yen_en_short(x, keep_decimal=True)


def axis_value(v: Fraction | float | int, unit: str, lang: str) -> str:
    """A chart axis tick: yen as 万円/億円 (ja: 3億円, 1,500万円) or ¥ with K/M/B without a
    trailing .0 (en: ¥300M, ¥1.5B); ratios as whole percents; counts plain.  The charts'
    JavaScript (``static/format.js``) mirrors this function; a browser test compares them."""
    x = float(v)
    if unit == "ratio":
        return f"{math.floor(x * 100 + 0.5)}%"
    if unit == "yen":
        if lang == "ja":
            return _yen_ja_short(x)
        return _yen_en_short(x, keep_decimal=False)
    r = math.floor(x * 100 + 0.5) / 100
    whole, _, frac = repr(abs(r)).partition(".")
    frac = "" if frac in ("", "0") else "." + frac
    return f"{'-' if r < 0 else ''}{int(whole):,}{frac}"
