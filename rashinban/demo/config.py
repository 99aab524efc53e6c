"""Demo-generation settings: scales, defaults and the period covered."""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from rashinban.clock import default_clock
from rashinban.errors import UsageError


class Scale(StrEnum):
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


@dataclass(frozen=True)
class ScaleProfile:
    reps: int
    months: int
    intensity: float  # volume per rep relative to a realistic small team
    accounts_per_rep: int
    chunk_leads: int  # at most this many leads per generated chunk (flat memory)


PROFILES: dict[Scale, ScaleProfile] = {
    Scale.SMALL: ScaleProfile(reps=10, months=12, intensity=1.0, accounts_per_rep=60, chunk_leads=50_000),
    Scale.MEDIUM: ScaleProfile(reps=40, months=24, intensity=2.0, accounts_per_rep=120, chunk_leads=60_000),
    Scale.LARGE: ScaleProfile(reps=200, months=24, intensity=10.0, accounts_per_rep=1000, chunk_leads=30_000),
}

MIN_REPS = 4
MAX_REPS = 5000
MAX_MONTHS = 120
DEFAULT_PASSWORD = "rashinban-demo"
# months generated before the window so that it opens with a pipeline, as real data does;
# their leads and deals are kept (created before the window), their activities are not
WARMUP_MONTHS = 3


@dataclass(frozen=True)
class DemoConfig:
    """What to generate.  ``end_month`` is the last month (``YYYY-MM``); data stops at
    ``cutoff`` (the end of that month, or now when it is the current month)."""

    scale: Scale = Scale.SMALL
    reps: int = 10
    months: int = 12
    seed: int = 1
    end_year: int = 2026
    end_month: int = 11
    cutoff: datetime = field(default_factory=lambda: datetime(2026, 11, 30, 23, 59, 59))
    password: str = DEFAULT_PASSWORD
    intensity: float = 1.0
    accounts: int = 600
    chunk_leads: int = 50_000

    @classmethod
    def build(
        cls,
        *,
        scale: str | Scale = Scale.SMALL,
        reps: int | None = None,
        months: int | None = None,
        seed: int = 1,
        end_month: str | None = None,
        password: str | None = None,
        now: datetime | None = None,
    ) -> DemoConfig:
        try:
            sc = Scale(scale)
        except ValueError:
            raise UsageError("demo_bad_scale", value=str(scale)) from None
        prof = PROFILES[sc]
        n_reps = prof.reps if reps is None else reps
        n_months = prof.months if months is None else months
        if not MIN_REPS <= n_reps <= MAX_REPS:
            raise UsageError("demo_bad_reps", value=n_reps, lo=MIN_REPS, hi=MAX_REPS)
        if not 1 <= n_months <= MAX_MONTHS:
            raise UsageError("demo_bad_months", value=n_months, hi=MAX_MONTHS)
        if seed < 0:
            raise UsageError("demo_bad_seed", value=seed)
        now = (now or default_clock().now()).replace(microsecond=0)
        if end_month:
            year, month = _parse_month(end_month)
            if (year, month) > (now.year, now.month):
                raise UsageError("demo_future_end_month", value=end_month, current=f"{now:%Y-%m}")
        else:
            year, month = now.year, now.month
        last_day = date(year, month, _cal.monthrange(year, month)[1])
        end_of_month = datetime.combine(last_day, datetime.max.time()).replace(microsecond=0)
        if (year, month) == (now.year, now.month):
            # the current month: data up to the end of yesterday (today is still being worked)
            cutoff = datetime.combine(now.date() - timedelta(days=1), datetime.max.time()).replace(
                microsecond=0
            )
            cutoff = max(cutoff, datetime(year, month, 1))
        else:
            cutoff = end_of_month
        pw = password if password is not None else DEFAULT_PASSWORD
        if not pw:
            raise UsageError("demo_empty_password")
        return cls(
            scale=sc,
            reps=n_reps,
            months=n_months,
            seed=seed,
            end_year=year,
            end_month=month,
            cutoff=cutoff,
            password=pw,
            intensity=prof.intensity,
            accounts=max(200, n_reps * prof.accounts_per_rep),
            chunk_leads=prof.chunk_leads,
        )

    @property
    def month_starts(self) -> list[date]:
        """The first day of every month covered, oldest first."""
        out = []
        y, m = self.end_year, self.end_month
        for _ in range(self.months):
            out.append(date(y, m, 1))
            y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        return out[::-1]

    @property
    def start(self) -> date:
        return self.month_starts[0]

    @property
    def warmup_starts(self) -> list[date]:
        """The months before ``start`` whose leads and deals make the opening pipeline."""
        out = []
        y, m = self.start.year, self.start.month
        for _ in range(WARMUP_MONTHS):
            y, m = (y - 1, 12) if m == 1 else (y, m - 1)
            out.append(date(y, m, 1))
        return out[::-1]


def _parse_month(text: str) -> tuple[int, int]:
    raw = text.strip().replace("/", "-")
    try:
        y, m = (int(p) for p in raw.split("-"))
        if not (1 <= m <= 12 and 1990 <= y <= 2200):
            raise ValueError
    except ValueError:
        raise UsageError("demo_bad_end_month", value=text) from None
    return y, m
