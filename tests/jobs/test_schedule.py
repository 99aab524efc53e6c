"""Schedule specs: parsing, and the next slot in a time zone (checked against a separate oracle)."""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import jpholiday
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rashinban.errors import UsageError
from rashinban.schedule import is_slot, latest_at_or_before, next_after, parse

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def jst(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TOKYO)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- the oracle: wall-clock rules written out again, independently of the implementation ---


def _wall_matches(spec: str, wall: datetime, holidays: frozenset[date]) -> bool:
    if wall.second or wall.microsecond:
        return False
    d, minute = wall.date(), wall.hour * 60 + wall.minute
    business = d.weekday() < 5 and not jpholiday.is_holiday(d) and d not in holidays
    words = spec.split()

    def at(text: str) -> bool:
        hh, mm = text.split(":")
        return minute == int(hh) * 60 + int(mm)

    match words:
        case ["hourly"]:
            return wall.minute == 0
        case ["hourly", "business", *hours]:
            first, last = map(int, hours[0].split("-")) if hours else (9, 18)
            return business and wall.minute == 0 and first <= wall.hour <= last
        case ["daily", t]:
            return at(t)
        case ["weekdays", t]:
            return d.weekday() < 5 and at(t)
        case ["business", t]:
            return business and at(t)
        case ["weekly", day, t]:
            return d.weekday() == DAYS.index(day) and at(t)
        case ["monthly", day, t]:
            last = calendar.monthrange(d.year, d.month)[1]
            return d.day == (last if day == "last" else min(int(day), last)) and at(t)
        case ["every", n, unit]:
            return minute % (int(n) * (60 if unit.startswith("hour") else 1)) == 0
    raise AssertionError(spec)


def oracle_is_slot(spec: str, t: datetime, zone: ZoneInfo, holidays: frozenset[date] = frozenset()) -> bool:
    local = t.astimezone(zone)
    wall = local.replace(tzinfo=None)
    sub_daily = spec.startswith(("hourly", "every"))
    if _wall_matches(spec, wall, holidays) and (sub_daily or local.fold == 0):
        return True
    # a wall time the clock jumped over runs as much later as the jump
    jump = local.utcoffset() - (t - timedelta(hours=3)).astimezone(zone).utcoffset()  # type: ignore[operator]
    if jump > timedelta(0):
        skipped = wall - jump
        back = skipped.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != skipped and _wall_matches(spec, skipped, holidays):
            return skipped.replace(tzinfo=zone, fold=0).astimezone(UTC) == t
    return False


# --- examples ---------------------------------------------------------------------------------


def test_weekly_monday_0800_tokyo() -> None:
    assert next_after("weekly mon 08:00", jst("2026-11-25T10:00"), "Asia/Tokyo") == utc("2026-11-29T23:00")
    assert next_after("weekly mon 08:00", jst("2026-11-30T07:59:59"), TOKYO) == utc("2026-11-29T23:00")
    assert next_after("weekly mon 08:00", jst("2026-11-30T08:00"), TOKYO) == utc("2026-12-06T23:00")
    assert not is_slot("weekly mon 08:00", jst("2026-11-30T07:59:59"), TOKYO)
    assert is_slot("weekly mon 08:00", jst("2026-11-30T08:00"), TOKYO)
    assert latest_at_or_before("weekly mon 08:00", jst("2026-12-03T00:00"), TOKYO) == jst("2026-11-30T08:00")


def test_business_days_skip_weekends_public_and_company_holidays() -> None:
    # 2026-11-23 (Mon) is Labour Thanksgiving Day
    assert next_after("business 09:00", jst("2026-11-20T10:00"), TOKYO) == jst("2026-11-24T09:00")
    assert next_after("weekdays 09:00", jst("2026-11-20T10:00"), TOKYO) == jst("2026-11-23T09:00")
    # New Year: 12-31 is a weekday; with company holidays the next slot is 2027-01-05
    assert next_after("business 09:00", jst("2026-12-30T12:00"), TOKYO) == jst("2026-12-31T09:00")
    company = {date(2026, 12, 31), date(2027, 1, 4)}
    assert next_after("business 09:00", jst("2026-12-30T12:00"), TOKYO, company) == jst("2027-01-05T09:00")


def test_hourly_business_hours() -> None:
    assert next_after("hourly business", jst("2026-11-27T17:30"), TOKYO) == jst("2026-11-27T18:00")
    assert next_after("hourly business", jst("2026-11-27T18:00"), TOKYO) == jst("2026-11-30T09:00")
    assert next_after("hourly business 8-20", jst("2026-11-27T19:10"), TOKYO) == jst("2026-11-27T20:00")
    assert next_after("hourly", jst("2026-11-27T23:10:05"), TOKYO) == jst("2026-11-28T00:00")


def test_monthly_runs_on_the_last_day_of_short_months() -> None:
    assert next_after("monthly 31 18:00", jst("2027-02-01T00:00"), TOKYO) == jst("2027-02-28T18:00")
    assert next_after("monthly 31 18:00", jst("2028-02-01T00:00"), TOKYO) == jst("2028-02-29T18:00")
    assert next_after("monthly last 18:00", jst("2026-11-30T18:00"), TOKYO) == jst("2026-12-31T18:00")
    assert next_after("monthly 1 00:00", jst("2026-11-30T18:00"), TOKYO) == jst("2026-12-01T00:00")


def test_every_n_minutes_restarts_at_midnight() -> None:
    assert next_after("every 15 minutes", jst("2026-11-27T10:07"), TOKYO) == jst("2026-11-27T10:15")
    # 1440 = 7 × 205 + 5: 23:55 is the last slot of the day, then midnight
    assert next_after("every 7 minutes", jst("2026-11-27T23:55"), TOKYO) == jst("2026-11-28T00:00")
    assert next_after("every 2 hours", jst("2026-11-27T23:00"), TOKYO) == jst("2026-11-28T00:00")


def test_daylight_saving_gap_and_fold() -> None:
    # New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist
    assert next_after("daily 02:30", utc("2026-03-08T00:00"), NEW_YORK) == utc("2026-03-08T07:30")
    assert next_after("hourly", utc("2026-03-08T06:30"), NEW_YORK) == utc("2026-03-08T07:00")  # 03:00 EDT
    # 2026-11-01: 02:00 EDT goes back to 01:00 EST; 01:30 happens twice
    daily = [utc("2026-11-01T00:00")]
    for _ in range(2):
        daily.append(next_after("daily 01:30", daily[-1], NEW_YORK))
    assert daily[1:] == [utc("2026-11-01T05:30"), utc("2026-11-02T06:30")]  # once on the day
    hourly = [utc("2026-11-01T04:30")]
    for _ in range(3):
        hourly.append(next_after("hourly", hourly[-1], NEW_YORK))
    assert hourly[1:] == [utc("2026-11-01T05:00"), utc("2026-11-01T06:00"), utc("2026-11-01T07:00")]


def test_specs_are_case_and_space_insensitive_and_know_japanese_day_names() -> None:
    assert replace(parse("  Weekly   MONDAY 8:00 "), text="") == replace(parse("weekly mon 08:00"), text="")
    assert parse("weekly 月曜日 08:00").weekday == 0
    assert parse("weekly 金 17:30").weekday == 4


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "daily",
        "daily 25:00",
        "daily 9",
        "weekly xyz 08:00",
        "monthly 0 08:00",
        "monthly 32 08:00",
        "every 0 minutes",
        "every 1441 minutes",
        "every 5 seconds",
        "hourly business 18-9",
        "hourly 09:00",
        "weekdays",
        "cron * * * * *",
    ],
)
def test_bad_spec_is_a_usage_error_naming_the_spec_and_the_forms(spec: str) -> None:
    with pytest.raises(UsageError) as err:
        parse(spec)
    assert err.value.code == "schedule_bad_spec"
    assert err.value.params["spec"] == " ".join(spec.lower().split())
    assert "weekly DAY HH:MM" in str(err.value) and "every N minutes" in str(err.value)


def test_bad_time_zone() -> None:
    with pytest.raises(UsageError) as err:
        next_after("daily 09:00", jst("2026-11-27T10:00"), "Mars/Olympus")
    assert err.value.code == "schedule_bad_timezone"


def test_no_slot_at_all() -> None:
    every_day = {date(2026, 11, 1) + timedelta(days=i) for i in range(900)}
    with pytest.raises(UsageError) as err:
        next_after("business 09:00", jst("2026-11-27T10:00"), TOKYO, every_day)
    assert err.value.code == "schedule_no_slot"


# --- properties -------------------------------------------------------------------------------

ZONES = ["Asia/Tokyo", "UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu"]
times = st.builds(lambda h, q: f"{h:02d}:{q * 15:02d}", st.integers(0, 23), st.integers(0, 3))
long_specs = st.one_of(
    st.builds("daily {}".format, times),
    st.builds("weekdays {}".format, times),
    st.builds("business {}".format, times),
    st.builds("weekly {} {}".format, st.sampled_from(DAYS), times),
    st.builds("monthly {} {}".format, st.sampled_from(["1", "15", "28", "29", "30", "31", "last"]), times),
)
short_specs = st.one_of(
    st.just("hourly"),
    st.just("hourly business"),
    st.builds("every {} minutes".format, st.sampled_from([1, 5, 7, 15, 45, 90])),
    st.builds("every {} hours".format, st.sampled_from([1, 3, 5])),
)
instants = st.datetimes(datetime(2025, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC))


def _check(spec: str, after: datetime, zone_name: str, step: timedelta) -> None:
    zone = ZoneInfo(zone_name)
    slot = next_after(spec, after, zone)
    assert slot > after and slot.tzinfo is not None
    assert oracle_is_slot(spec, slot, zone), (spec, slot.astimezone(zone))
    assert is_slot(spec, slot, zone)
    # no slot strictly between: every candidate instant on the step grid (slots are whole
    # minutes, and with quarter-hour times and zones on the quarter-hour grid)
    t = after.replace(second=0, microsecond=0)
    t = t + (step - timedelta(minutes=t.minute % (step.seconds // 60)))
    while t < slot:
        assert not oracle_is_slot(spec, t, zone), (spec, after, t.astimezone(zone), slot.astimezone(zone))
        t += step
    latest = latest_at_or_before(spec, after, zone)
    assert latest is not None and latest <= after
    assert next_after(spec, latest, zone) == slot
    assert latest_at_or_before(spec, slot, zone) == slot


@settings(max_examples=80, deadline=None)
@given(spec=long_specs, after=instants, zone=st.sampled_from(ZONES))
def test_next_slot_of_daily_and_longer_specs(spec: str, after: datetime, zone: str) -> None:
    _check(spec, after, zone, timedelta(minutes=15))


@settings(max_examples=80, deadline=None)
@given(spec=short_specs, after=instants, zone=st.sampled_from(ZONES))
def test_next_slot_of_hourly_and_every_specs(spec: str, after: datetime, zone: str) -> None:
    if spec == "hourly business":  # may wait over a long weekend: walk quarter hours
        _check(spec, after, zone, timedelta(minutes=15))
    else:
        _check(spec, after, zone, timedelta(minutes=1))


@settings(max_examples=40, deadline=None)
@given(after=instants, days=st.lists(st.integers(0, 20), max_size=6), t=times)
def test_company_holidays_are_never_slots(after: datetime, days: list[int], t: str) -> None:
    holidays = frozenset(after.astimezone(TOKYO).date() + timedelta(days=d) for d in days)
    slot = next_after(f"business {t}", after, TOKYO, holidays)
    assert slot.astimezone(TOKYO).date() not in holidays
    day = after.astimezone(TOKYO).date()
    while day < slot.astimezone(TOKYO).date():
        candidate = datetime.combine(day, parse(f"business {t}").at or datetime.min.time(), TOKYO)
        assert candidate <= after or not oracle_is_slot(f"business {t}", candidate, TOKYO, holidays)
        day += timedelta(days=1)
