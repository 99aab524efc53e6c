"""Schedule specs and their slots: pure, no I/O.

A spec names wall-clock times in a time zone (the schedule's ``timezone``):

=========================  ===============================================================
``hourly``                 every hour at :00
``hourly business``        business days, every hour 09:00–18:00 (``hourly business 8-20``)
``daily HH:MM``            every day
``weekdays HH:MM``         Monday to Friday
``business HH:MM``         Japanese business days: weekdays that are not public holidays
                           (``jpholiday``) nor company holidays
``weekly DAY HH:MM``       one day a week: mon … sun (monday, 月, 月曜日 work too)
``monthly D HH:MM``        day D of every month; a month shorter than D runs on its last
                           day (``monthly last HH:MM`` is the month end)
``every N minutes``        every N minutes from local midnight (also ``every N hours``)
=========================  ===============================================================

Daylight saving time (none in Asia/Tokyo, but other zones have it): a wall time that does
not exist (the clock jumps forward) runs as many minutes later as the jump; a wall time
that happens twice (the clock goes back) runs once, at its first occurrence, for the daily
and longer specs, and at both occurrences for ``hourly`` and ``every N minutes`` (they mean
"every hour", and that hour really passes twice).

Slots are aware instants; :func:`next_after` and :func:`latest_at_or_before` return them in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rashinban.errors import UsageError
from rashinban.kpi.calendar import BusinessCalendar

ACCEPTED = (
    "hourly, hourly business, daily HH:MM, weekdays HH:MM, business HH:MM, "
    "weekly DAY HH:MM, monthly D HH:MM, monthly last HH:MM, every N minutes, every N hours"
)
SUB_DAILY = frozenset({"hourly", "every"})
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_JA = "月火水木金土日"
_SEARCH_DAYS = 800  # business days with long company holidays still fit; beyond: no slot


def _day_names() -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(7):
        out[_DAYS[i]] = out[_FULL[i]] = i
        out[_JA[i]] = out[_JA[i] + "曜"] = out[_JA[i] + "曜日"] = i
    return out


DAY_NAMES = _day_names()


@dataclass(frozen=True)
class Spec:
    """A parsed spec.  ``kind`` is hourly | daily | weekdays | business | weekly | monthly | every."""

    text: str
    kind: str
    at: time | None = None  # the wall time of the daily-and-longer kinds
    weekday: int | None = None  # weekly: 0 = Monday
    day: int | None = None  # monthly: 1–31, 0 = the last day
    minutes: int | None = None  # every: the step
    hours: tuple[int, int] | None = None  # hourly business: first and last hour
    business: bool = False  # only business days


def _bad(spec: str) -> UsageError:
    return UsageError("schedule_bad_spec", spec=spec, accepted=ACCEPTED)


def _hhmm(text: str, spec: str) -> time:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise _bad(spec)
    return time(int(m.group(1)), int(m.group(2)))


def parse(spec: str) -> Spec:
    """Parse a spec (case and spacing do not matter); a bad one is ``schedule_bad_spec``."""
    return _parse(" ".join(str(spec).split()).lower())


@lru_cache(maxsize=512)
def _parse(text: str) -> Spec:
    words = text.split(" ")
    head, n = words[0], len(words)
    if head == "hourly" and n == 1:
        return Spec(text, "hourly")
    if head == "hourly" and words[1:2] == ["business"] and n in (2, 3):
        first, last = 9, 18
        if n == 3:
            m = re.fullmatch(r"(\d{1,2})-(\d{1,2})", words[2])
            if not m or not int(m.group(1)) <= int(m.group(2)) <= 23:
                raise _bad(text)
            first, last = int(m.group(1)), int(m.group(2))
        return Spec(text, "hourly", hours=(first, last), business=True)
    if head in ("daily", "weekdays", "business") and n == 2:
        return Spec(text, head, at=_hhmm(words[1], text), business=head == "business")
    if head == "weekly" and n == 3 and words[1] in DAY_NAMES:
        return Spec(text, "weekly", at=_hhmm(words[2], text), weekday=DAY_NAMES[words[1]])
    if head == "monthly" and n == 3 and (words[1] == "last" or re.fullmatch(r"\d{1,2}", words[1])):
        day = 0 if words[1] == "last" else int(words[1])
        if words[1] != "last" and not 1 <= day <= 31:
            raise _bad(text)
        return Spec(text, "monthly", at=_hhmm(words[2], text), day=day)
    if head == "every" and n == 3 and re.fullmatch(r"\d{1,4}", words[1]):
        unit = {"minute": 1, "minutes": 1, "min": 1, "hour": 60, "hours": 60}.get(words[2])
        step = int(words[1]) * (unit or 0)
        if not 1 <= step <= 1440:
            raise _bad(text)
        return Spec(text, "every", minutes=step)
    raise _bad(text)


def zone_of(name: str) -> tzinfo:
    """The zone called ``name``; an unknown one is ``schedule_bad_timezone``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError("schedule_bad_timezone", timezone=name) from None


def _wall_times(spec: Spec, d: date, calendar: BusinessCalendar) -> list[time]:
    """The wall times of ``d`` that the spec names (none if the date does not qualify)."""
    if spec.business and not calendar.is_business_day(d):
        return []
    if spec.kind == "hourly":
        first, last = spec.hours or (0, 23)
        return [time(h) for h in range(first, last + 1)]
    if spec.kind == "every":
        step = spec.minutes or 1
        return [time(m // 60, m % 60) for m in range(0, 1440, step)]
    assert spec.at is not None
    if spec.kind == "weekdays" and d.weekday() >= 5:
        return []
    if spec.kind == "weekly" and d.weekday() != spec.weekday:
        return []
    if spec.kind == "monthly":
        last = ((d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
        if d.day != (min(spec.day, last) if spec.day else last):
            return []
    return [spec.at]


def resolve(d: date, wall: time, zone: tzinfo, *, both_folds: bool) -> list[datetime]:
    """The UTC instants at which wall time ``wall`` of ``d`` happens in ``zone`` (DST policy above)."""
    naive = datetime.combine(d, wall)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first == second:
        return [first]
    if first.astimezone(zone).replace(tzinfo=None) != naive:  # in a gap: shifted by the jump
        return [first]
    return [first, second] if both_folds else [first]


def _slots_of(spec: Spec, d: date, zone: tzinfo, calendar: BusinessCalendar) -> list[datetime]:
    both = spec.kind in SUB_DAILY
    out = {t for wall in _wall_times(spec, d, calendar) for t in resolve(d, wall, zone, both_folds=both)}
    return sorted(out)


def _dates(start: date, step: int) -> Iterator[date]:
    for i in range(_SEARCH_DAYS):
        yield start + timedelta(days=i * step)


def _prepare(
    spec: Spec | str, instant: datetime, zone: tzinfo | str, holidays: Iterable[date]
) -> tuple[Spec, tzinfo, datetime, BusinessCalendar]:
    parsed = spec if isinstance(spec, Spec) else parse(spec)
    tz = zone_of(zone) if isinstance(zone, str) else zone
    at = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
    return parsed, tz, at.astimezone(UTC), BusinessCalendar(holidays)


def next_after(
    spec: Spec | str, instant: datetime, zone: tzinfo | str, holidays: Iterable[date] = ()
) -> datetime:
    """The first slot strictly after ``instant`` (naive means UTC), as an aware UTC datetime."""
    parsed, tz, at, calendar = _prepare(spec, instant, zone, holidays)
    # a slot on local date D lies within a day of D's midnight, so start a day early
    for d in _dates(at.astimezone(tz).date() - timedelta(days=1), 1):
        later = [t for t in _slots_of(parsed, d, tz, calendar) if t > at]
        if later:
            return later[0]
    raise UsageError("schedule_no_slot", spec=parsed.text)


def latest_at_or_before(
    spec: Spec | str, instant: datetime, zone: tzinfo | str, holidays: Iterable[date] = ()
) -> datetime | None:
    """The last slot at or before ``instant`` (None if there is none within two years)."""
    parsed, tz, at, calendar = _prepare(spec, instant, zone, holidays)
    for d in _dates(at.astimezone(tz).date() + timedelta(days=1), -1):
        earlier = [t for t in _slots_of(parsed, d, tz, calendar) if t <= at]
        if earlier:
            return earlier[-1]
    return None


def is_slot(spec: Spec | str, instant: datetime, zone: tzinfo | str, holidays: Iterable[date] = ()) -> bool:
    """Whether ``instant`` is one of the spec's slots."""
    parsed, tz, at, calendar = _prepare(spec, instant, zone, holidays)
    local = at.astimezone(tz).date()
    return any(at in _slots_of(parsed, d, tz, calendar) for d in (local - timedelta(days=1), local))


__all__ = ["ACCEPTED", "Spec", "is_slot", "latest_at_or_before", "next_after", "parse", "resolve", "zone_of"]
