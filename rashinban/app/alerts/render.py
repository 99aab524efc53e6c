"""Alerts in words: messages, history steps and rule summaries in the reader's language.

An alert stores a message code and its raw values; the text is made when it is read (the
inbox, an e-mail in the recipient's language), from the catalogue's ``alerts`` section.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rashinban.alerts.spec import RuleSpec
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.i18n.stages import stage_label

RATIO_KEYS = ("value", "enter", "leave", "elapsed")


def _pct(v: Any) -> str:
    return fmt.percent(v) if isinstance(v, int | float) else "—"


def _hours(v: Any, lang: str) -> str:
    return fmt.value(round(float(v), 1), "hours", lang) if isinstance(v, int | float) else "—"


def _count(v: Any, lang: str) -> str:
    return fmt.value(v, "count", lang) if isinstance(v, int | float) else "—"


def activity_type(kind: str, lang: str) -> str:
    return t(f"alerts.activity.{kind}", lang)


def message(code: str, params: Mapping[str, Any], lang: str) -> str:
    """The alert's text, e.g. 「山田 太郎: 架電数のペースが 62.0%（基準 80.0%）」."""
    p: dict[str, Any] = dict(params)
    if code in ("off_pace", "off_projection"):
        unit = str(p.get("unit") or "number")
        p["node"] = p.get("node_en") if lang == "en" and p.get("node_en") else p.get("node")
        for k in RATIO_KEYS:
            p[k] = _pct(p.get(k))
        p["target"] = fmt.value(p.get("target"), unit, lang) if p.get("target") is not None else "—"
        p["actual"] = fmt.value(p.get("actual"), unit, lang) if p.get("actual") is not None else "—"
    elif code == "late_rate":
        p["value"], p["enter"] = _pct(p.get("value")), _pct(p.get("enter"))
    elif code == "late_lag":
        p["value"], p["enter"] = _hours(p.get("value"), lang), _hours(p.get("enter"), lang)
    elif code == "late_count":
        p["value"], p["enter"] = _count(p.get("value"), lang), _count(p.get("enter"), lang)
        p["type"] = activity_type(str(p.get("activity_type") or "any"), lang)
    elif code.startswith("stalled_"):
        amount = p.get("amount")
        p["amount"] = fmt.yen(amount, lang) if isinstance(amount, int | float) else "—"
        p["owner"] = p.get("owner") or t("alerts.no_owner", lang)
        if p.get("stage"):  # a stage the system defines in the reader's language
            p["stage"] = stage_label(str(p["stage"]), lang)
    return t(f"alerts.msg.{code}", lang, **p)


def event_text(event: str, data: Mapping[str, Any], actor: str | None, lang: str) -> str:
    who = actor or t("alerts.system", lang)
    p: dict[str, Any] = {"who": who, **{k: v for k, v in data.items() if isinstance(v, str | int | float)}}
    if event == "resolved":
        p["resolution"] = t(f"alerts.resolution.{data.get('resolution') or 'cleared'}", lang)
        p["note"] = f" — {data['note']}" if data.get("note") else ""
    if event == "snoozed":
        p["reason"] = f" — {data['reason']}" if data.get("reason") else ""
    if event == "delivered":
        p["channel"] = t(f"alerts.channel.{data.get('channel', 'email')}", lang)
    if event == "opened":
        p["value"] = ""
    return t(f"alerts.event.{event}", lang, **p)


def summary(spec: RuleSpec, lang: str) -> str:
    """What a rule checks, in one line."""
    p: dict[str, Any] = {"days": spec.days, "window": spec.window_days, "within": spec.within_hours}
    if spec.check in ("pace", "projected", "rate"):
        p["enter"], p["leave"] = _pct(_f(spec.enter)), _pct(_f(spec.leave))
    elif spec.check == "lag":
        p["enter"], p["leave"] = _hours(_f(spec.enter), lang), _hours(_f(spec.leave), lang)
    else:
        p["enter"], p["leave"] = _count(_f(spec.enter), lang), _count(_f(spec.leave), lang)
    p["elapsed"] = _pct(_f(spec.min_elapsed))
    p["type"] = activity_type(spec.activity_type, lang)
    p["nodes"] = ", ".join(spec.nodes) if spec.nodes else t("alerts.main_kpis", lang)
    p["limit"] = t("alerts.limit_p90", lang) if spec.limit == "p90" else t("alerts.limit_fixed", lang)
    p["sources"] = ", ".join(spec.sources) if spec.sources else t("alerts.all_sources", lang)
    return t(f"alerts.summary.{spec.check}", lang, **p)


def problem(p: Mapping[str, Any], lang: str) -> str:
    """A model file's alert rule that does not read."""
    field = t(f"forms.err.{p.get('code', 'form')}", lang)
    return t(
        "alerts.model_problem",
        lang,
        model=p.get("model"),
        rule=p.get("rule"),
        field=p.get("field"),
        reason=field,
        line=p.get("line") or "-",
    )


def _f(v: Any) -> float | None:
    return float(v) if v is not None else None


__all__ = ["activity_type", "event_text", "message", "problem", "summary"]
