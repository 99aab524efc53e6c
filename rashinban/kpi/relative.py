"""Relative targets: 「前年比120%」 (seed 003), 「前月比110%」 — a target stated as a multiple of
an earlier actual, resolved once that actual is known.

Written in a model file as ``target: 前年比120%`` (also ``前年同月比``, ``前年同期比``,
``yoy 120%``), ``target: 前月比110%`` (also ``前期比``, ``mom 1.1``), or with the keys
``yoy: 1.2`` / ``mom: 110%``.  The comparison period of a period is the same span a year
earlier (``yoy``) or the period just before it of the same kind (``mom``: the previous month
of a month, the previous quarter of a quarter …).

Resolution is pure: the caller measures the comparison actuals and hands them in; a missing
actual leaves the tier without a value and a finding (``relative_no_basis``), never a guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

from rashinban.kpi.calendar import Span, parse_period, span_of
from rashinban.kpi.findings import Finding, Severity
from rashinban.kpi.model import Model, Node
from rashinban.kpi.numbers import parse_number
from rashinban.kpi.units import Period

BASES = ("yoy", "mom")
_WORDS = {
    "前年比": "yoy",
    "前年同月比": "yoy",
    "前年同期比": "yoy",
    "前年度比": "yoy",
    "昨対": "yoy",
    "昨対比": "yoy",
    "yoy": "yoy",
    "前月比": "mom",
    "前期比": "mom",
    "mom": "mom",
}
_RELATIVE = re.compile(r"^(?P<word>[^\d+\-.]+?)\s*[:：]?\s*(?P<num>[+\-]?[\d.,]+\s*%?)$", re.IGNORECASE)


def parse_relative(text: str) -> tuple[str, Fraction] | None:
    """``前年比120%`` → ("yoy", 6/5); ``mom 1.1`` → ("mom", 11/10); anything else → None."""
    s = unicodedata.normalize("NFKC", text).strip()
    m = _RELATIVE.match(s)
    if not m:
        return None
    basis = _WORDS.get(m.group("word").strip().lower())
    if basis is None:
        return None
    factor = parse_number(m.group("num"))
    if factor is None:
        return None
    return basis, factor


def _shift_year(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


KIND_PERIOD = {
    "day": Period.DAY,
    "week": Period.WEEK,
    "month": Period.MONTH,
    "quarter": Period.QUARTER,
    "fiscal_quarter": Period.QUARTER,
    "fiscal_half": Period.HALF,
    "fiscal_year": Period.FISCAL_YEAR,
}


def comparison_span(span: Span, basis: str, fiscal_year_start: int = 4) -> Span:
    """The span a relative target of ``span`` is compared with (see the module doc)."""
    if basis == "yoy":
        if span.kind == "week":
            y, w, _ = span.start.isocalendar()
            try:
                start = date.fromisocalendar(y - 1, w, 1)
            except ValueError:  # week 53 of a year whose predecessor has 52
                start = date.fromisocalendar(y - 1, 52, 1)
            return Span(start, start + timedelta(days=6), "week", f"{y - 1:04d}-W{w:02d}")
        start, end = _shift_year(span.start, -1), _shift_year(span.end, -1)
        if span.end == _month_end(span.end):
            end = _month_end(end)
        label = start.isoformat() if span.kind == "day" else _relabel(span.label, -1)
        return Span(start, end, span.kind, label)
    kind = KIND_PERIOD.get(span.kind)
    if kind is not None:  # mom: the period of the same kind just before
        return span_of(span.start - timedelta(days=1), kind, fiscal_year_start)
    if span.start.day == 1 and span.end == _month_end(span.end):  # a range of whole months
        months = (span.end.year * 12 + span.end.month) - (span.start.year * 12 + span.start.month) + 1
        idx = span.start.year * 12 + span.start.month - 1 - months
        start = date(idx // 12, idx % 12 + 1, 1)
        end = span.start - timedelta(days=1)
        return Span(start, end, "range", f"{start:%Y-%m}..{end:%Y-%m}")
    end = span.start - timedelta(days=1)
    start = end - timedelta(days=span.days - 1)
    return Span(start, end, "range", f"{start.isoformat()}..{end.isoformat()}")


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _relabel(label: str, years: int) -> str:
    """The label of the same period ``years`` earlier/later (``2026-10`` → ``2025-10``)."""

    def bump(m: re.Match[str]) -> str:
        return f"{int(m.group(0)) + years:04d}"

    return re.sub(r"(?<!\d)\d{4}(?!\d)", bump, label)


def comparison_label(label: str, basis: str, fiscal_year_start: int = 4) -> Span:
    return comparison_span(parse_period(label, fiscal_year_start), basis, fiscal_year_start)


def relative_nodes(model: Model) -> list[tuple[str, str, str, Fraction]]:
    """(node, tier, basis, factor) of every relative tier of the model."""
    return [(n.id, r.tier, r.basis, r.factor) for n in model.nodes.values() for r in n.relative]


def resolve(
    model: Model, basis: Mapping[tuple[str, str], Fraction | None], period: str = ""
) -> tuple[Model, list[Finding]]:
    """The model with its relative tiers replaced by numbers: ``basis[(node, basis)]`` is the
    comparison actual (company).  A missing one leaves the tier empty, with a finding."""
    nodes: dict[str, Node] = dict(model.nodes)
    findings: list[Finding] = []
    for nid, node in model.nodes.items():
        if not node.relative:
            continue
        kw: dict[str, Fraction | None] = {}
        for r in node.relative:
            actual = basis.get((nid, r.basis))
            if actual is None:
                findings.append(
                    Finding(
                        "relative_no_basis",
                        Severity.WARNING,
                        "T",
                        nid,
                        r.line or node.line,
                        {"basis": r.basis, "tier": r.tier, "factor": r.factor, "period": period},
                    )
                )
                continue
            kw[r.tier] = actual * r.factor
        nodes[nid] = replace(
            node,
            target=kw.get("target", node.target),
            stretch=kw.get("stretch", node.stretch),
            floor=kw.get("floor", node.floor),
        )
    return replace(model, nodes=nodes), findings
