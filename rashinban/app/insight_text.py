"""Sentences and small result pieces of the insights, in the request's language."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from rashinban.analysis.attribution import Attribution
from rashinban.analysis.bottleneck import LeafGap
from rashinban.app.results.common import CompanyRef, MemberRef, ScopeRef, TeamKind, TeamRef
from rashinban.app.results.insights import KgiValue, LeafGapItem
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.kpi.model import Model
from rashinban.org.access import ScopeKey
from rashinban.org.scopes import MEMBER, TEAM, ScopeIndex


def scope_ref(scopes: ScopeIndex, key: ScopeKey) -> ScopeRef:
    s = scopes.scopes[key]
    if s.type == MEMBER:
        return MemberRef(type="member", id=s.id, name=s.name, team_id=s.team_id)
    if s.type == TEAM:
        kind: TeamKind = "agency" if s.id in scopes.agency_teams else "in_house"
        return TeamRef(type="team", id=s.id, name=s.name, kind=kind)
    return CompanyRef(type="company", id=0, name=s.name)


def label(model: Model, nid: str, lang: str) -> str:
    node = model.nodes[nid]
    return str(node.name_en if lang == "en" and node.name_en else node.name)


def value_text(model: Model, nid: str, v: Fraction | float | None, lang: str) -> str:
    return fmt.value(v, str(model.nodes[nid].unit), lang)


def kgi_value(model: Model, v: Fraction | None, lang: str) -> KgiValue:
    kgi = model.kgi
    return KgiValue(
        id=kgi,
        label=label(model, kgi, lang),
        unit=str(model.nodes[kgi].unit),  # type: ignore[arg-type]
        value=float(v) if v is not None else None,
    )


def _f(v: Fraction | None) -> float | None:
    return float(v) if v is not None else None


def gap_item(model: Model, r: LeafGap, lang: str) -> LeafGapItem:
    kgi_unit = str(model.nodes[model.kgi].unit)
    if r.reference is None:
        text = t("insights.gap_no_reference", lang, kpi=label(model, r.leaf, lang))
    elif not r.cost:
        text = t(
            "insights.gap_ok",
            lang,
            kpi=label(model, r.leaf, lang),
            value=value_text(model, r.leaf, r.value, lang),
            reference=value_text(model, r.leaf, r.reference, lang),
            basis=t(f"insights.basis_{r.basis}", lang),
        )
    else:
        text = t(
            "insights.gap_cost",
            lang,
            kpi=label(model, r.leaf, lang),
            value=value_text(model, r.leaf, r.value, lang),
            reference=value_text(model, r.leaf, r.reference, lang),
            basis=t(f"insights.basis_{r.basis}", lang),
            cost=fmt.value(r.cost, kgi_unit, lang),
            kgi=label(model, model.kgi, lang),
        )
    return LeafGapItem(
        node=r.leaf,
        label=label(model, r.leaf, lang),
        unit=str(model.nodes[r.leaf].unit),  # type: ignore[arg-type]
        value=float(r.value),
        reference=_f(r.reference),
        gap=_f(r.gap),
        gap_ratio=_f(r.gap_ratio),
        elasticity=_f(r.elasticity),
        cost=_f(r.cost),
        text=text,
    )


def driver_sentence(model: Model, res: Attribution, lang: str) -> str:
    unit = str(model.nodes[model.kgi].unit)
    rows = sorted(res.rows, key=lambda r: -abs(r.contribution))
    top = [r for r in rows if r.contribution][:2]
    if not top:
        return t("insights.explain_flat", lang, kgi=label(model, model.kgi, lang))
    parts = [
        t(
            "insights.explain_part",
            lang,
            kpi=label(model, r.leaf, lang),
            before=value_text(model, r.leaf, r.before, lang),
            after=value_text(model, r.leaf, r.after, lang),
            effect=("+" if r.contribution > 0 else "−") + fmt.value(abs(r.contribution), unit, lang),
        )
        for r in top
    ]
    return t(
        "insights.explain_sentence",
        lang,
        kgi=label(model, model.kgi, lang),
        change=("+" if res.change >= 0 else "−") + fmt.value(abs(res.change), unit, lang),
        parts=t("insights.list_sep", lang).join(parts),
    )


def pct(v: float | None) -> str:
    return "—" if v is None else fmt.percent(v)


def plain(v: Any) -> Any:
    return float(v) if isinstance(v, Fraction) else v
