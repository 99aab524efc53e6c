"""Alert rules as data: what each kind checks, its thresholds, and where it reads them.

A rule is one check of one kind:

==============  ================  ==========================================================
kind            check             fires when (``enter``; it clears at ``leave``)
==============  ================  ==========================================================
off_pace        ``pace``          a KPI's pace (actual ÷ target prorated by business days)
                                  is below ``enter`` (default 80 %) once ``min_elapsed`` of
                                  the period has passed; clears at ``leave`` (90 %)
off_pace        ``projected``     the projected achievement (the actual extrapolated to the
                                  period end ÷ target) is below ``enter``
late_entry      ``rate``          即時入力率 — the share of a member's activities logged
                                  within ``within_hours`` of occurring — is below ``enter``
late_entry      ``lag``           the median entry lag (hours) is above ``enter``
late_entry      ``count``         fewer than ``enter`` activities (of ``activity_type``) in
                                  the last ``window_days`` business days
stalled_deal    ``no_activity``   no activity on an open deal for ``days`` days
stalled_deal    ``stage_time``    time in the current stage beyond the stage's P90 (learned
                                  from the stays that ended in the last ``history_days``), or
                                  a fixed limit (``stage_limits``, else ``days``)
stalled_deal    ``past_close``    the expected close date is more than ``days`` days past and
                                  the deal is still open
stale_data      ``none``          no import and no activity from a source for ``days`` days
==============  ================  ==========================================================

Thresholds (``enter``, ``leave``, ``min_elapsed``, ``days``) may be overridden per team and
per member: a member's override wins over their team's, a team's over the teams above it,
and those over the rule's own values (company default → team → member).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from rashinban.kpi.numbers import to_fraction

KINDS = ("off_pace", "late_entry", "stalled_deal", "stale_data")
CHECKS: dict[str, tuple[str, ...]] = {
    "off_pace": ("pace", "projected"),
    "late_entry": ("rate", "lag", "count"),
    "stalled_deal": ("no_activity", "stage_time", "past_close"),
    "stale_data": ("none",),
}
SEVERITIES = ("info", "warning", "critical")
SCOPE_TYPES = ("company", "team", "member")
ACTIVITY_TYPES = ("any", "call", "email", "visit", "web_meeting", "other")
# the checks whose value must stay *below* the threshold to be fine are "below" checks
BELOW = frozenset({"pace", "projected", "rate", "count"})
TUNABLE: dict[str, tuple[str, ...]] = {
    "off_pace": ("enter", "leave", "min_elapsed"),
    "late_entry": ("enter", "leave"),
    "stalled_deal": ("days",),
    "stale_data": (),
}
# (enter, leave) defaults per check; ratios as fractions, lags in hours, counts in activities
DEFAULTS: dict[str, tuple[Fraction | None, Fraction | None]] = {
    "pace": (Fraction(4, 5), Fraction(9, 10)),
    "projected": (Fraction(9, 10), Fraction(19, 20)),
    "rate": (Fraction(1, 2), Fraction(3, 5)),
    "lag": (Fraction(24), Fraction(12)),
    "count": (Fraction(20), Fraction(20)),
}
DAYS_DEFAULT = {"no_activity": 14, "stage_time": 30, "past_close": 0, "none": 3}
WINDOW_DEFAULT = {"rate": 10, "lag": 10, "count": 5}

Resolver = Callable[[str, str], int | None]  # (team | member, text) → id


@dataclass(frozen=True)
class Override:
    """Thresholds of one team or member (only the values it sets)."""

    scope: tuple[str, int]  # (team | member, id)
    values: Mapping[str, Fraction]


@dataclass(frozen=True)
class RuleSpec:
    """One rule's check and thresholds (the fields that do not apply to its kind are unused)."""

    kind: str
    check: str
    enter: Fraction | None = None
    leave: Fraction | None = None
    min_elapsed: Fraction = Fraction(1, 5)
    nodes: tuple[str, ...] = ()  # off_pace: empty = the model's main KPIs
    scope_types: tuple[str, ...] = SCOPE_TYPES
    within_hours: int = 1
    window_days: int = 10
    min_activities: int = 10  # rate/lag: fewer activities in the window give no verdict
    activity_type: str = "any"
    member_roles: tuple[str, ...] = ()  # late_entry: only members with these roles (empty: all)
    days: int = 14
    limit: str = "p90"  # stage_time: p90 | fixed
    stage_limits: Mapping[str, int] = field(default_factory=dict)
    history_days: int = 365
    min_samples: int = 20
    sources: tuple[str, ...] = ()  # stale_data: empty = every source seen in lookback_days
    lookback_days: int = 90
    overrides: tuple[Override, ...] = ()
    severity: str = "warning"
    notify_manager: bool = False
    escalate_after_days: int = 2  # business days unacknowledged; 0: never

    @property
    def below(self) -> bool:
        return self.check in BELOW

    def to_json(self) -> dict[str, Any]:
        """The stored form (``alert_rules.spec_json``)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "overrides":
                v = [
                    {"scope": f"{o.scope[0]}:{o.scope[1]}", **{k: _plain(x) for k, x in o.values.items()}}
                    for o in v
                ]
            elif isinstance(v, Fraction):
                v = _plain(v)
            elif isinstance(v, tuple):
                v = list(v)
            elif isinstance(v, Mapping):
                v = dict(v)
            out[f.name] = v
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleSpec:
        spec, errors = parse_spec(data)
        if spec is None:
            raise ValueError(f"stored alert rule does not read: {errors}")
        return spec


def _plain(v: Fraction) -> int | float:
    return int(v) if v.denominator == 1 else float(v)


class _Reader:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def has(self, key: str) -> bool:
        v = self.data.get(key)
        return v is not None and not (isinstance(v, str) and not v.strip())

    def number(self, key: str, default: Fraction | None, lo: Fraction, hi: Fraction) -> Fraction | None:
        if not self.has(key):
            return default
        v = to_fraction(self.data[key])
        if v is None:
            self.errors.setdefault(key, "not_number")
            return default
        if not lo <= v <= hi:
            self.errors.setdefault(key, "out_of_range")
            return default
        return v

    def integer(self, key: str, default: int, lo: int, hi: int) -> int:
        v = self.number(key, Fraction(default), Fraction(lo), Fraction(hi))
        if v is not None and v.denominator != 1:
            self.errors.setdefault(key, "not_integer")
            return default
        return int(v) if v is not None else default

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        if not self.has(key):
            return default
        v = str(self.data[key]).strip()
        if v not in choices:
            self.errors.setdefault(key, "bad_choice")
            return default
        return v

    def words(self, key: str, choices: tuple[str, ...] | None = None) -> tuple[str, ...] | None:
        if not self.has(key):
            return None
        raw = self.data[key]
        items = raw.replace("、", ",").split(",") if isinstance(raw, str) else raw
        if not isinstance(items, list | tuple):
            self.errors.setdefault(key, "bad_choice")
            return None
        out = tuple(dict.fromkeys(str(x).strip() for x in items if str(x).strip()))
        if choices is not None and any(x not in choices for x in out):
            self.errors.setdefault(key, "bad_choice")
            return None
        if any(len(x) > 100 for x in out):
            self.errors.setdefault(key, "too_long")
            return None
        return out

    def flag(self, key: str, default: bool) -> bool:
        if not self.has(key):
            return default
        v = self.data[key]
        if isinstance(v, bool):
            return v
        text = str(v).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        self.errors.setdefault(key, "bad_choice")
        return default


def _threshold_bounds(check: str) -> tuple[Fraction, Fraction]:
    if check in ("pace", "projected"):
        return Fraction(0), Fraction(10)
    if check == "rate":
        return Fraction(0), Fraction(1)
    return Fraction(0), Fraction(100_000)


def parse_spec(
    data: Mapping[str, Any], resolve: Resolver | None = None
) -> tuple[RuleSpec | None, dict[str, str]]:
    """Read a rule from a form, a JSON body, a model file's ``alerts:`` entry or the store.

    Returns the spec and no errors, or None and the errors by field (codes of
    ``forms.err``).  ``resolve`` turns the team and member names of the model file's
    ``teams:`` / ``members:`` overrides into ids (None: only ``overrides`` by id are read).
    """
    r = _Reader(data)
    kind = r.choice("kind", KINDS, "")
    if not kind:
        r.errors.setdefault("kind", "required" if not r.has("kind") else "bad_choice")
        return None, r.errors
    checks = CHECKS[kind]
    check = r.choice("check", checks, checks[0])
    lo, hi = _threshold_bounds(check)
    enter0, leave0 = DEFAULTS.get(check, (None, None))
    enter = r.number("enter", enter0, lo, hi)
    leave = r.number("leave", None, lo, hi)
    if leave is None:
        leave = enter if r.has("enter") or leave0 is None else leave0
    if enter is not None and leave is not None and "enter" not in r.errors:
        wrong_side = leave < enter if check in BELOW else leave > enter
        if wrong_side:
            r.errors.setdefault("leave", "leave_before_enter")
    kw: dict[str, Any] = {"kind": kind, "check": check, "enter": enter, "leave": leave}
    kw["min_elapsed"] = r.number("min_elapsed", Fraction(1, 5), Fraction(0), Fraction(1))
    kw["nodes"] = r.words("nodes") or ()
    kw["scope_types"] = r.words("scope_types", SCOPE_TYPES) or SCOPE_TYPES
    kw["within_hours"] = r.integer("within_hours", 1, 1, 24 * 30)
    kw["window_days"] = r.integer("window_days", WINDOW_DEFAULT.get(check, 10), 1, 60)
    kw["min_activities"] = r.integer("min_activities", 10, 1, 10_000)
    kw["activity_type"] = r.choice("activity_type", ACTIVITY_TYPES, "any")
    kw["member_roles"] = r.words("member_roles") or ()
    kw["days"] = r.integer("days", DAYS_DEFAULT.get(check, 14), 0, 3650)
    kw["limit"] = r.choice("limit", ("p90", "fixed"), "p90")
    kw["stage_limits"] = _stage_limits(r)
    kw["history_days"] = r.integer("history_days", 365, 7, 3650)
    kw["min_samples"] = r.integer("min_samples", 20, 1, 100_000)
    kw["sources"] = r.words("sources") or ()
    kw["lookback_days"] = r.integer("lookback_days", 90, 1, 3650)
    kw["severity"] = r.choice("severity", SEVERITIES, "warning")
    kw["notify_manager"] = r.flag("notify_manager", kind == "late_entry")
    kw["escalate_after_days"] = r.integer("escalate_after_days", 2, 0, 60)
    kw["overrides"] = _overrides(r, kind, check, resolve)
    if r.errors:
        return None, r.errors
    return RuleSpec(**kw), {}


def _stage_limits(r: _Reader) -> dict[str, int]:
    raw = r.data.get("stage_limits")
    if raw in (None, "", {}):
        return {}
    if isinstance(raw, str):  # a form: "提案・見積=30, クロージング=20"
        pairs = [p.partition("=")[::2] for p in raw.replace("、", ",").split(",") if p.strip()]
        raw = {k.strip(): v.strip() for k, v in pairs}
    if not isinstance(raw, Mapping):
        r.errors.setdefault("stage_limits", "bad_choice")
        return {}
    out: dict[str, int] = {}
    for stage, days in raw.items():
        v = to_fraction(days)
        if not str(stage).strip() or v is None or v.denominator != 1 or not 0 < v <= 3650:
            r.errors.setdefault("stage_limits", "out_of_range")
            return {}
        out[str(stage).strip()] = int(v)
    return out


def _overrides(r: _Reader, kind: str, check: str, resolve: Resolver | None) -> tuple[Override, ...]:
    """``overrides: [{scope: team:3, enter: 0.7}]`` and the model file's ``teams:`` /
    ``members:`` mappings (name or external id → values)."""
    entries: list[tuple[str, Any, Any]] = []  # (kind, ref, values)
    raw = r.data.get("overrides")
    if raw not in (None, "", []):
        if not isinstance(raw, list):
            r.errors.setdefault("overrides", "bad_choice")
            return ()
        for item in raw:
            if not isinstance(item, Mapping) or ":" not in str(item.get("scope", "")):
                r.errors.setdefault("overrides", "bad_scope")
                return ()
            stype, _, ref = str(item["scope"]).partition(":")
            entries.append((stype, ref, item))
    for key, stype in (("teams", "team"), ("members", "member")):
        mapping = r.data.get(key)
        if mapping in (None, {}):
            continue
        if not isinstance(mapping, Mapping):
            r.errors.setdefault("overrides", "bad_choice")
            return ()
        entries += [(stype, str(name), values) for name, values in mapping.items()]
    lo, hi = _threshold_bounds(check)
    out: dict[tuple[str, int], Override] = {}
    for stype, ref, values in entries:
        sid = int(ref) if ref.isdigit() else (resolve(stype, ref) if resolve else None)
        if stype not in ("team", "member") or sid is None or not isinstance(values, Mapping):
            r.errors.setdefault("overrides", "bad_scope")
            return ()
        sub = _Reader(values)
        got: dict[str, Fraction] = {}
        for name in TUNABLE[kind]:
            if not sub.has(name):
                continue
            bounds = (Fraction(0), Fraction(1)) if name == "min_elapsed" else (lo, hi)
            if name == "days":
                bounds = (Fraction(0), Fraction(3650))
            v = sub.number(name, None, *bounds)
            if v is not None:
                got[name] = v
        if sub.errors:
            r.errors.setdefault("overrides", next(iter(sub.errors.values())))
            return ()
        if got:
            out[(stype, sid)] = Override((stype, sid), got)
    return tuple(out.values())


__all__ = [
    "ACTIVITY_TYPES",
    "CHECKS",
    "KINDS",
    "SCOPE_TYPES",
    "SEVERITIES",
    "TUNABLE",
    "Override",
    "RuleSpec",
    "parse_spec",
]
