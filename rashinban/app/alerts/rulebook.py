"""The rules: the store's own (edited on the settings page and by API), the model files'
``alerts:`` sections (synced into the store, edited in the file), and the defaults a store
starts with.

A model file's rules::

    alerts:
      - name: 架電数のペース
        kind: off_pace
        check: pace            # or projected
        nodes: [calls]         # default: the model's main KPIs
        enter: 80%             # fires below 80 % of pace …
        leave: 90%             # … and clears at 90 % (hysteresis)
        min_elapsed: 20%       # not in the first fifth of the period
        teams: {東日本営業部: {enter: 70%}}
        members: {rep001: {enter: 60%, leave: 75%}}
      - {name: 入力遅延, kind: late_entry, check: rate, within_hours: 24, enter: 60%}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rashinban.alerts.spec import RuleSpec, parse_spec
from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.errors import FormInvalid
from rashinban.kpi.model import Model
from rashinban.org.scopes import MEMBER, TEAM, ScopeIndex
from rashinban.store import admin as settings_store
from rashinban.store import alerts as repo

DEFAULTS_SETTING = "alerts_defaults"
DEFAULT_RULES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("主要KPIのペース遅れ", {"kind": "off_pace", "check": "pace"}),
    (
        "着地見込みの未達（チーム・全社）",
        {
            "kind": "off_pace",
            "check": "projected",
            "scope_types": ["company", "team"],
            "severity": "critical",
        },
    ),
    (
        "即時入力率の低下（1時間以内の入力が50%未満）",
        {"kind": "late_entry", "check": "rate", "within_hours": 1, "enter": 0.5, "leave": 0.6},
    ),
    (
        "活動量の不足（直近5営業日で20件未満）",
        {
            "kind": "late_entry",
            "check": "count",
            "enter": 20,
            "window_days": 5,
            "member_roles": ["field_sales", "inside_sales"],
        },
    ),
    ("停滞商談（14日間活動なし）", {"kind": "stalled_deal", "check": "no_activity", "days": 14}),
    ("ステージ滞留（過去実績のP90超え）", {"kind": "stalled_deal", "check": "stage_time"}),
    ("完了予定日の超過", {"kind": "stalled_deal", "check": "past_close", "days": 0}),
    ("データ更新の停止", {"kind": "stale_data", "check": "none", "days": 3}),
)


@dataclass(frozen=True)
class Rule:
    """A stored rule with its parsed spec."""

    id: int
    name: str
    kind: str
    enabled: bool
    origin: str
    spec: RuleSpec
    row: repo.RuleRow


def resolver(scopes: ScopeIndex) -> Any:
    def resolve(kind: str, text: str) -> int | None:
        found = scopes.find(text, TEAM if kind == "team" else MEMBER)
        return found.id if found is not None else None

    return resolve


def read_spec(data: Mapping[str, Any], scopes: ScopeIndex) -> RuleSpec:
    """A spec from a form or JSON body; field errors as :class:`FormInvalid`."""
    spec, errors = parse_spec(data, resolver(scopes))
    if spec is None:
        raise FormInvalid(errors)
    return spec


def stored_rules(ctx: AppContext, include_disabled: bool = True) -> list[Rule]:
    """Every rule that is not deleted (cached on the data version)."""

    def load() -> list[Rule]:
        out = []
        for r in repo.list_rules(ctx.store):
            try:
                spec = RuleSpec.from_json(r.spec)
            except ValueError:  # a stored spec from a newer version: leave it alone
                continue
            out.append(Rule(r.id, r.name, r.kind, r.enabled, r.origin, spec, r))
        return out

    rules = ctx.cached(("alert_rules",), load)
    return [r for r in rules if include_disabled or r.enabled]


def ensure_defaults(ctx: AppContext) -> None:
    """Create the default rules once per store (deleting them later does not bring them back)."""
    if org.settings(ctx).get(DEFAULTS_SETTING):
        return
    if repo.list_rules(ctx.store, include_deleted=True):
        settings_store.set_setting(ctx.store, DEFAULTS_SETTING, True, "rashinban", ctx.now())
        ctx.refresh()
        return
    writes = []
    for name, data in DEFAULT_RULES:
        spec, errors = parse_spec(data)
        assert spec is not None, errors
        writes.append((None, repo.RuleWrite(name, spec.kind, True, spec.to_json())))
    repo.save_rules(ctx.store, writes, "rashinban", ctx.now())
    settings_store.set_setting(ctx.store, DEFAULTS_SETTING, True, "rashinban", ctx.now())
    ctx.refresh()


def model_rules(
    model: Model, scopes: ScopeIndex
) -> tuple[list[tuple[str, RuleSpec, bool]], list[dict[str, Any]]]:
    """A model file's ``alerts:`` entries: (name, spec, enabled) and the entries that do not
    read (name, field, code, line)."""
    raw = model.extra.get("alerts")
    line = model.extra.get("alerts__line")
    good: list[tuple[str, RuleSpec, bool]] = []
    bad: list[dict[str, Any]] = []
    if raw is None:
        return good, bad
    items = raw if isinstance(raw, list) else []
    if not isinstance(raw, list):
        bad.append({"model": model.name, "rule": "-", "field": "alerts", "code": "bad_choice", "line": line})
    seen: set[str] = set()
    for i, item in enumerate(items):
        name = str(item.get("name") or "").strip() if isinstance(item, dict) else ""
        if not name or name in seen or len(name) > 200 or not isinstance(item, dict):
            code = "duplicate" if name in seen else "required"
            bad.append(
                {
                    "model": model.name,
                    "rule": name or f"#{i + 1}",
                    "field": "name",
                    "code": code,
                    "line": line,
                }
            )
            continue
        seen.add(name)
        spec, errors = parse_spec(item, resolver(scopes))
        if spec is None:
            field, code = next(iter(errors.items()))
            bad.append({"model": model.name, "rule": name, "field": field, "code": code, "line": line})
            continue
        good.append((name, spec, bool(item.get("enabled", True))))
    return good, bad


def sync_models(ctx: AppContext, models: list[Model]) -> list[dict[str, Any]]:
    """Bring the model files' rules into the store (origin ``model:<name>``): new ones are
    added, changed ones updated, removed ones deleted.  Writes only what differs; returns
    the entries that do not read."""
    scopes = org.scope_index(ctx)
    stored = {(r.origin, r.name): r for r in repo.list_rules(ctx.store, include_deleted=True)}
    writes: list[tuple[int | None, repo.RuleWrite]] = []
    problems: list[dict[str, Any]] = []
    keep: set[tuple[str, str]] = set()
    origins = set()
    for model in models:
        origin = f"model:{model.name}"[:220]
        origins.add(origin)
        good, bad = model_rules(model, scopes)
        problems += bad
        for name, spec, enabled in good:
            keep.add((origin, name))
            old = stored.get((origin, name))
            body = spec.to_json()
            if old is None or old.deleted or old.enabled != enabled or _canon(old.spec) != _canon(body):
                writes.append(
                    (old.id if old else None, repo.RuleWrite(name, spec.kind, enabled, body, origin))
                )
    removed = [r for key, r in stored.items() if r.origin in origins and key not in keep and not r.deleted]
    if writes:
        repo.save_rules(ctx.store, writes, "model", ctx.now())
    for r in removed:
        repo.delete_rule(ctx.store, r.id, "model", ctx.now())
    if writes or removed:
        ctx.refresh()
    return problems


def _canon(spec: Mapping[str, Any]) -> str:
    return json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)


__all__ = [
    "DEFAULT_RULES",
    "Rule",
    "ensure_defaults",
    "model_rules",
    "read_spec",
    "resolver",
    "stored_rules",
    "sync_models",
]
