"""What a planner types and reads on the planning page, in their units and words:

* :func:`parse_yen` / :func:`parse_value` read an amount as people write it — ``3億1,660万``,
  ``31,660万``, ``316,600,000``, ``¥316,600,000``, ``3億1660万円`` — exactly, and say which
  kind of number was expected when they cannot (a field error code, never a guess);
* :func:`readback` says the value back in the page's unit (3億1,660万円 / ¥316,600,000);
* :func:`formula_label` renders a node's formula from the model with the KPIs' names
  (「売上 = 受注件数 × 平均受注単価」 / "Revenue = Won deals × Average deal size").
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

from rashinban.errors import LimitError
from rashinban.i18n import format as fmt
from rashinban.kpi.formula import BinOp, Call, Expr, Neg, Num, Ref
from rashinban.kpi.model import Model
from rashinban.kpi.numbers import parse_number
from rashinban.kpi.units import Unit

MAX_INPUT = 40  # characters: no amount people write is longer
# digits with optional grouping, then optional 兆/億/万/千 groups — the shapes of a yen amount
_YEN = re.compile(r"^[¥\\]?(?:\d[\d,]*(?:\.\d+)?[兆億万千])*(?:\d[\d,]*(?:\.\d+)?)?円?$")


_GROUPS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


def _clean(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip().replace(" ", "").replace("_", "")


def _grouped(text: str) -> bool:
    """Grouping commas, where written, every three digits (1,660 / 316,600,000; not 1,2,3)."""
    chunks = re.split(r"[¥\\兆億万千円]", text)
    return all("," not in c or _GROUPS.match(c) for c in chunks)


def parse_yen(raw: str) -> tuple[Fraction | None, str | None]:
    """(whole yen, None) or (None, a field error code).

    Codes: ``yen_expected`` (not an amount: letters, a percent, a misplaced unit),
    ``yen_fraction`` (a part of a yen), ``negative``, ``too_large``."""
    text = _clean(str(raw))
    if len(text) > MAX_INPUT or not text:
        return None, "yen_expected"
    if text.startswith("-"):
        rest = parse_yen(text[1:])[0]
        return (None, "negative") if rest is not None else (None, "yen_expected")
    try:
        value = parse_number(text)
    except LimitError:  # 1e20, 1000兆: a number, but more than any plan holds
        return None, "too_large"
    if not _YEN.match(text) or not any(c.isdigit() for c in text) or not _grouped(text):
        return None, "yen_expected"
    if value is None:
        return None, "yen_expected"
    if value.denominator != 1:
        return None, "yen_fraction"
    return value, None


def parse_value(raw: str, unit: Unit) -> tuple[Fraction | None, str | None]:
    """A planning field in its node's unit: yen as :func:`parse_yen`, a rate as ``17.8%`` or
    ``0.178``, other units as plain numbers (1,680 / 1680件).  (value, None) or (None, code)."""
    if unit is Unit.YEN:
        return parse_yen(raw)
    text = _clean(str(raw))
    if unit is Unit.COUNT:
        text = text.removesuffix("件")
    if len(text) > MAX_INPUT:
        return None, "not_number"
    try:
        value = parse_number(text)
    except LimitError:
        return None, "too_large"
    if value is None:
        return None, "ratio_expected" if unit is Unit.RATIO else "not_number"
    if value < 0:
        return None, "negative"
    if unit is Unit.RATIO and value > 1:
        return None, "ratio_above_one"
    return value, None


def readback(value: Fraction | None, unit: Unit | str, lang: str) -> str:
    """The value as the page reads it back beside its input (3億1,660万円 / ¥316,600,000)."""
    if value is None:
        return ""
    u = Unit(unit)
    if u is Unit.YEN and lang == "en":
        return f"{fmt.yen_full(value)} ({fmt.short_value(value, 'yen', 'en')})"
    return fmt.value(value, u.value, lang)


_OPS = {"*": "×", "/": "÷", "+": "+", "-": "−"}
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def _name(model: Model, nid: str, lang: str) -> str:
    node = model.nodes.get(nid)
    if node is None:
        return nid
    return node.name_en if lang == "en" and node.name_en else node.name


def expr_label(model: Model, expr: Expr, lang: str, parent: int = 0, right: bool = False) -> str:
    """An expression with the KPIs' names and ×, ÷ (parentheses only where needed)."""
    if isinstance(expr, Num):
        return fmt.number(expr.value, 4)
    if isinstance(expr, Ref):
        return _name(model, expr.name, lang)
    if isinstance(expr, Neg):
        return "−" + expr_label(model, expr.operand, lang, 3)
    if isinstance(expr, Call):
        return f"{expr.func}({', '.join(expr_label(model, a, lang) for a in expr.args)})"
    assert isinstance(expr, BinOp)
    prec = _PREC[expr.op]
    text = (
        f"{expr_label(model, expr.left, lang, prec)} {_OPS[expr.op]} "
        f"{expr_label(model, expr.right, lang, prec, True)}"
    )
    return f"({text})" if prec < parent or (right and prec == parent) else text


def formula_label(model: Model, nid: str, lang: str) -> str:
    """「売上 = 受注件数 × 平均受注単価」, or "" for a node without a formula."""
    node = model.nodes.get(nid)
    if node is None or node.expr is None:
        return ""
    return f"{_name(model, nid, lang)} = {expr_label(model, node.expr, lang)}"
