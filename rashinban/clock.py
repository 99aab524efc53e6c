"""The one clock: every "now" and "today" in Rashinban comes from here.

Business time is wall-clock time in the company's time zone (``RASHINBAN_TZ``, default
``Asia/Tokyo``): today's date for pace and periods, ``logged_at`` of an activity, the time
a target was saved.  Stored timestamps are naive datetimes in that zone.  Schedules work
on aware instants (:meth:`Clock.instant`) so that "every Monday 08:00 Asia/Tokyo" means
the same moment on every worker whatever the machine's zone.

Tests inject a :class:`FixedClock` (and move it with :meth:`FixedClock.advance`);
``RASHINBAN_NOW`` (an ISO instant) starts a process's clock at that instant and lets it run
on from there, so a server started by a test sees a chosen time.  ``RASHINBAN_NOW_AT`` (real
seconds since the epoch) says when the clock read ``RASHINBAN_NOW``; without it, each process
starts its clock when it first asks the time — so the workers of ``serve --workers N`` need
it to agree (they start seconds apart).
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TZ = "Asia/Tokyo"


def business_zone(name: str | None = None) -> tzinfo:
    """The zone of business time (``RASHINBAN_TZ``; unknown names fall back to Tokyo)."""
    try:
        return ZoneInfo(name or os.environ.get("RASHINBAN_TZ") or DEFAULT_TZ)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TZ)


class Clock(Protocol):
    """Where time comes from."""

    zone: tzinfo

    def instant(self) -> datetime:
        """Now as an aware UTC datetime."""
        ...

    def now(self) -> datetime:
        """Now as a naive wall-clock datetime in the business zone, to the second."""
        ...

    def today(self) -> date:
        """Today's date in the business zone."""
        ...


class _Base:
    zone: tzinfo

    def instant(self) -> datetime:  # pragma: no cover - overridden
        raise NotImplementedError

    def now(self) -> datetime:
        return self.instant().astimezone(self.zone).replace(tzinfo=None, microsecond=0)

    def today(self) -> date:
        return self.instant().astimezone(self.zone).date()


class SystemClock(_Base):
    """Real time (optionally shifted so that it started at ``start``)."""

    def __init__(
        self, zone: tzinfo | None = None, start: datetime | None = None, at: float | None = None
    ) -> None:
        self.zone = zone or business_zone()
        self._offset = 0.0
        if start is not None:  # the clock read ``start`` at real time ``at`` (default: now)
            self._offset = _aware(start, self.zone).timestamp() - (time.time() if at is None else at)

    def instant(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self._offset, UTC)


class FixedClock(_Base):
    """A clock that stands still until a test moves it (thread-safe)."""

    def __init__(self, at: datetime | str, zone: tzinfo | None = None) -> None:
        self.zone = zone or business_zone()
        self._at = _aware(datetime.fromisoformat(at) if isinstance(at, str) else at, self.zone)
        self._lock = threading.Lock()

    def instant(self) -> datetime:
        with self._lock:
            return self._at.astimezone(UTC)

    def set(self, at: datetime | str) -> None:
        with self._lock:
            self._at = _aware(datetime.fromisoformat(at) if isinstance(at, str) else at, self.zone)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` (or ``timedelta(**kwargs)``); returns the new instant."""
        with self._lock:
            self._at = self._at + (delta or timedelta(**kwargs))
            return self._at.astimezone(UTC)


def _aware(value: datetime, zone: tzinfo) -> datetime:
    """A naive datetime is read as wall time in ``zone``."""
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def clock_from_env() -> Clock:
    """The process clock: real time, or real time starting at ``RASHINBAN_NOW`` (at the real
    time ``RASHINBAN_NOW_AT`` when given, so that several processes run one clock)."""
    start = os.environ.get("RASHINBAN_NOW")
    zone = business_zone()
    if start:
        try:
            at = os.environ.get("RASHINBAN_NOW_AT")
            return SystemClock(zone, datetime.fromisoformat(start), float(at) if at else None)
        except ValueError:
            pass
    return SystemClock(zone)


_DEFAULT: list[Clock] = []
_DEFAULT_LOCK = threading.Lock()


def default_clock() -> Clock:
    """The process-wide clock for code that is handed none (created from the environment)."""
    with _DEFAULT_LOCK:
        if not _DEFAULT:
            _DEFAULT.append(clock_from_env())
        return _DEFAULT[0]


__all__ = ["Clock", "FixedClock", "SystemClock", "business_zone", "clock_from_env", "default_clock"]
