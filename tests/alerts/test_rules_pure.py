"""The rules as pure functions: reading specs, hysteresis, per-team/member thresholds,
stage limits — no store."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from rashinban.alerts.rules import (
    EntryStats,
    OpenDeal,
    PaceRow,
    SourceSeen,
    in_alert,
    late_entry,
    off_pace,
    stage_limit,
    stale_sources,
    stalled_deals,
    thresholds,
)
from rashinban.alerts.spec import RuleSpec, parse_spec
from rashinban.org.scopes import ScopeIndex

TEAMS = [
    {"id": 1, "parent_id": None, "name": "営業本部"},
    {"id": 2, "parent_id": 1, "name": "東日本営業部"},
    {"id": 3, "parent_id": 2, "name": "東京第一課"},
    {"id": 4, "parent_id": 1, "name": "西日本営業部"},
]
MEMBERS = [
    {"id": 10, "team_id": 3, "name": "山田", "external_id": "rep001"},
    {"id": 11, "team_id": 3, "name": "佐藤", "external_id": "rep002"},
    {"id": 12, "team_id": 4, "name": "鈴木", "external_id": "rep003"},
]
SCOPES = ScopeIndex.from_rows(TEAMS, MEMBERS)


def spec(**data: object) -> RuleSpec:
    s, errors = parse_spec(data, lambda kind, text: {"東日本営業部": 2, "rep001": 10}.get(text))
    assert s is not None, errors
    return s


def test_defaults_and_the_stored_form_round_trip() -> None:
    s = spec(kind="off_pace")
    assert (s.check, s.enter, s.leave, s.min_elapsed) == (
        "pace",
        Fraction(4, 5),
        Fraction(9, 10),
        Fraction(1, 5),
    )
    s = spec(
        kind="off_pace",
        enter="70%",
        leave=0.85,
        teams={"東日本営業部": {"enter": "60%"}},
        members={"rep001": {"enter": 0.5, "leave": 0.55}},
        overrides=[{"scope": "team:4", "min_elapsed": 0.5}],
    )
    assert RuleSpec.from_json(s.to_json()) == s
    late = spec(
        kind="late_entry", check="count", enter=20, window_days=5, member_roles="field_sales, inside_sales"
    )
    assert (late.enter, late.window_days, late.member_roles) == (20, 5, ("field_sales", "inside_sales"))
    assert RuleSpec.from_json(late.to_json()) == late


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({}, "kind", "required"),
        ({"kind": "nope"}, "kind", "bad_choice"),
        ({"kind": "off_pace", "check": "count"}, "check", "bad_choice"),
        ({"kind": "off_pace", "enter": "abc"}, "enter", "not_number"),
        ({"kind": "off_pace", "enter": 0.9, "leave": 0.8}, "leave", "leave_before_enter"),
        ({"kind": "late_entry", "check": "lag", "enter": 24, "leave": 30}, "leave", "leave_before_enter"),
        ({"kind": "late_entry", "check": "rate", "enter": 1.5}, "enter", "out_of_range"),
        ({"kind": "late_entry", "window_days": 2.5}, "window_days", "not_integer"),
        ({"kind": "stalled_deal", "stage_limits": "提案・見積=abc"}, "stage_limits", "out_of_range"),
        ({"kind": "off_pace", "teams": {"どこにもない部": {"enter": 0.5}}}, "overrides", "bad_scope"),
        ({"kind": "off_pace", "scope_types": ["company", "galaxy"]}, "scope_types", "bad_choice"),
    ],
)
def test_bad_specs_name_the_field(data: dict[str, object], field: str, code: str) -> None:
    s, errors = parse_spec(data, lambda kind, text: None)
    assert s is None
    assert errors.get(field) == code, errors


def test_hysteresis_enters_at_enter_and_leaves_at_leave() -> None:
    e, lv = Fraction(4, 5), Fraction(9, 10)
    assert in_alert(Fraction(79, 100), e, lv, below=True, was_open=False)
    assert not in_alert(Fraction(85, 100), e, lv, below=True, was_open=False)  # not in yet
    assert in_alert(Fraction(85, 100), e, lv, below=True, was_open=True)  # stays in
    assert not in_alert(Fraction(90, 100), e, lv, below=True, was_open=True)  # out at leave
    assert in_alert(30.0, Fraction(24), Fraction(12), below=False, was_open=False)
    assert in_alert(13.0, Fraction(24), Fraction(12), below=False, was_open=True)
    assert not in_alert(12.0, Fraction(24), Fraction(12), below=False, was_open=True)
    assert not in_alert(None, e, lv, below=True, was_open=True)


def test_member_beats_team_beats_company() -> None:
    s = spec(
        kind="off_pace",
        enter=0.8,
        leave=0.9,
        teams={"東日本営業部": {"enter": 0.6}},
        members={"rep001": {"enter": 0.5, "leave": 0.55}},
    )
    assert thresholds(s, ("company", 0), SCOPES)["enter"] == Fraction(4, 5)
    assert thresholds(s, ("team", 4), SCOPES)["enter"] == Fraction(4, 5)  # another department
    t = thresholds(s, ("team", 3), SCOPES)  # inherits 東日本営業部's, keeping the rule's gap
    assert (t["enter"], t["leave"]) == (Fraction(3, 5), Fraction(7, 10))
    assert thresholds(s, ("member", 11), SCOPES)["enter"] == Fraction(3, 5)  # the team's
    m = thresholds(s, ("member", 10), SCOPES)
    assert (m["enter"], m["leave"]) == (Fraction(1, 2), Fraction(11, 20))


def pace_row(scope: tuple[str, int], pace: str, elapsed: str = "0.5") -> PaceRow:
    name = SCOPES.scopes[scope].name
    return PaceRow(
        scope,
        name,
        "calls",
        "架電数",
        "Calls",
        "count",
        "2026-11",
        Fraction(100),
        Fraction(40),
        Fraction(pace),
        Fraction(pace),
        Fraction(elapsed),
    )


def test_off_pace_waits_for_the_period_then_holds_until_leave() -> None:
    s = spec(kind="off_pace", enter=0.8, leave=0.9, min_elapsed=0.25)
    early = off_pace(s, [pace_row(("member", 10), "0.5", "0.2")], set(), SCOPES)
    assert early == []  # too early in the month to judge
    hit = off_pace(s, [pace_row(("member", 10), "0.5")], set(), SCOPES)
    assert [(h.entity_type, h.entity_id, h.period, h.scope) for h in hit] == [
        ("member", "10/calls", "2026-11", ("member", 10))
    ]
    key = hit[0].key
    assert off_pace(s, [pace_row(("member", 10), "0.85")], {key}, SCOPES)  # held
    assert off_pace(s, [pace_row(("member", 10), "0.85")], set(), SCOPES) == []  # not entered
    assert off_pace(s, [pace_row(("member", 10), "0.9")], {key}, SCOPES) == []  # cleared


def test_late_entry_checks() -> None:
    rows = [
        EntryStats(10, "山田", 30, 30, 9, 5.0),  # 30 % within the hour, median 5 h
        EntryStats(11, "佐藤", 30, 30, 27, 0.2),
        EntryStats(12, "鈴木", 4, 4, 0, 30.0),  # too few activities for a verdict on rates
    ]
    rate = late_entry(spec(kind="late_entry", check="rate", enter=0.5), rows, set(), SCOPES)
    assert [h.entity_id for h in rate] == ["10"]
    assert rate[0].value == pytest.approx(0.3)
    lag = late_entry(spec(kind="late_entry", check="lag", enter=4, min_activities=5), rows, set(), SCOPES)
    assert [h.entity_id for h in lag] == ["10"]
    count = late_entry(spec(kind="late_entry", check="count", enter=20), rows, set(), SCOPES)
    assert [h.entity_id for h in count] == ["12"]


def test_stalled_deals_and_stage_limits() -> None:
    now = datetime(2026, 11, 20, 10)
    deals = [
        OpenDeal(
            1,
            "A",
            10,
            1e6,
            "提案・見積",
            now - timedelta(days=40),
            now - timedelta(days=20),
            None,
            date(2026, 11, 1),
        ),
        OpenDeal(
            2,
            "B",
            11,
            1e6,
            "提案・見積",
            now - timedelta(days=10),
            now - timedelta(days=1),
            None,
            date(2026, 12, 1),
        ),
        OpenDeal(3, "C", None, None, "初回訪問", None, None, now - timedelta(days=30), None),
    ]
    idle = stalled_deals(spec(kind="stalled_deal", check="no_activity", days=14), deals, now, SCOPES)
    assert [(h.entity_id, h.scope) for h in idle] == [("1", ("member", 10)), ("3", ("company", 0))]
    learned = {"提案・見積": (25.0, 50)}
    stage = stalled_deals(spec(kind="stalled_deal", check="stage_time"), deals, now, SCOPES, learned)
    assert [(h.entity_id, h.period) for h in stage] == [("1", "提案・見積")]
    s = spec(kind="stalled_deal", check="stage_time", stage_limits={"提案・見積": 5})
    assert stage_limit(s, "提案・見積", learned, 30.0) == 5
    few = spec(kind="stalled_deal", check="stage_time", min_samples=100, days=45)
    assert stage_limit(few, "提案・見積", learned, 45.0) == 45  # too few stays to learn from
    close = stalled_deals(spec(kind="stalled_deal", check="past_close", days=0), deals, now, SCOPES)
    assert [(h.entity_id, h.period) for h in close] == [("1", "2026-11-01")]
    # 山田 (rep001) is allowed 30 idle days: deal 1 (20 days) is no longer stalled
    tuned = spec(kind="stalled_deal", check="no_activity", days=14, members={"rep001": {"days": 30}})
    assert [h.entity_id for h in stalled_deals(tuned, deals, now, SCOPES)] == ["3"]


def test_stale_sources() -> None:
    now = datetime(2026, 11, 20, 10)
    seen = [
        SourceSeen("salesforce", now - timedelta(days=5), now - timedelta(days=4)),
        SourceSeen("rashinban", None, now - timedelta(hours=2)),
    ]
    hits = stale_sources(spec(kind="stale_data", days=3), seen, now)
    assert [(h.entity_id, h.params["days"]) for h in hits] == [("salesforce", 4)]
    assert stale_sources(spec(kind="stale_data", days=3, sources="rashinban"), seen, now) == []


def test_stalled_messages_name_system_stages_in_the_readers_language() -> None:
    """A stalled-deal alert stores the stage as the data names it; the English inbox reads the
    system's stages in English (a stage the organisation named stays as written)."""
    import re

    import yaml

    from rashinban.app.alerts import render

    english = yaml.safe_load((Path(render.__file__).parents[2] / "i18n" / "en.yaml").read_text("utf-8"))
    params = {"deal": "Acme / Plan", "owner": "Sato", "days": 43, "stage": "アポイント", "limit": 17.9}
    en = render.message("stalled_stage", params, "en")
    assert english["funnel_stage"]["appointment"] in en
    assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", en), en
    assert "アポイント" in render.message("stalled_stage", params, "ja")
    assert "技術検証" in render.message("stalled_stage", {**params, "stage": "技術検証"}, "en")
