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
class PipelineTiming:
    """How real B2B pipelines close (the forecast issue, item 6).  Fixed parameters of the
    generator, chosen from what sales organisations report — not fitted to any model.

    - ``product_cycle``: stage durations × this factor per product (``org.PRODUCTS`` order:
      std, pro, ent, bi, onb, trn): a data option sells in weeks, an enterprise plan in months.
    - ``size_exponent``: stage durations × (amount ÷ 1,000,000円) ** this — bigger deals take longer.
    - ``month_end_pull``: chance that a win lands on one of the last ``bunch_days`` business
      days of its month instead of its natural day (reps and buyers close at month end);
      ``quarter_end_pull`` in the months that end a quarter (6, 9, 12) and ``fy_end_pull``
      in March (年度末: the customers' budgets expire).
    - ``quarter_pull_back``: chance that a win due in the first ``pull_back_days`` business
      days after a quarter end is pulled into that quarter's last days (March has its own
      stronger pull from April and May in ``deals.py``).
    - ``slip_rate`` / ``slip_days``: chance that a win slips at closing (legal review, budget
      approval) and the mean business days it slips (gamma, shape 2).
    - ``close_optimism``: the rep's first close date is the natural cycle × this (reps are
      optimistic), set to the month's last business day; a date that has passed when the
      deal moves on is pushed to the end of the month the remaining stages point to — the
      pushes are kept in ``deal_stage_history.expected_close_on``.
    """

    product_cycle: tuple[float, ...] = (0.75, 1.0, 1.6, 0.6, 0.9, 1.1)
    size_exponent: float = 0.25
    month_end_pull: float = 0.30
    quarter_end_pull: float = 0.45
    fy_end_pull: float = 0.55
    bunch_days: int = 3
    quarter_pull_back: float = 0.30
    pull_back_days: int = 5
    slip_rate: float = 0.25
    slip_days: float = 12.0
    close_optimism: float = 0.8


TIMING = PipelineTiming()


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
