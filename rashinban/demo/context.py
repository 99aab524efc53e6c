"""What every chunk generator needs: the settings, the organisation, the calendar, ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from rashinban.demo.config import DemoConfig
from rashinban.demo.days import BusinessDays
from rashinban.demo.org import Accounts, Org, Product

# tables whose ids are counted across chunks
COUNTED = (
    "leads",
    "deals",
    "deal_stage_history",
    "activities",
    "contracts",
    "surveys",
    "spend",
    "experiments",
)


@dataclass
class Ids:
    """Surrogate ids: ``base`` (first free id in the store) + a running local number."""

    base: dict[str, int]
    used: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))

    def take(self, table: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, local numbers starting at 1) for ``n`` new rows of ``table``."""
        start = self.used[table]
        self.used[table] = start + n
        local = np.arange(start + 1, start + n + 1, dtype=np.int64)
        return self.base[table] + local - 1, local


@dataclass
class Ctx:
    cfg: DemoConfig
    org: Org
    accounts: Accounts
    products: tuple[Product, ...]
    product_ids: np.ndarray
    bd: BusinessDays
    ids: Ids
    cut: np.datetime64 = field(init=False)
    window_start: np.datetime64 = field(init=False)
    cut_idx: int = field(init=False)  # business days on or before the cutoff date

    def __post_init__(self) -> None:
        self.cut = np.datetime64(self.cfg.cutoff, "s")
        self.window_start = np.datetime64(self.cfg.start, "D").astype("datetime64[s]")
        self.cut_idx = int(
            np.searchsorted(self.bd.days, np.datetime64(self.cfg.cutoff.date(), "D"), side="right")
        )


def make_calendar(cfg: DemoConfig) -> BusinessDays:
    """Business days from the first month to well after the cutoff: events run past it and
    are then cut, so beyond a margin after the cutoff only weekends matter."""
    cutoff = cfg.cutoff.date()
    return BusinessDays.between(
        cfg.warmup_starts[0], cutoff + timedelta(days=900), cutoff + timedelta(days=14)
    )


def month_index(starts: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Index of the covered month for each ``datetime64`` (−1 before, len(starts) after)."""
    return np.searchsorted(starts, when.astype("datetime64[D]"), side="right") - 1


def month_starts_array(cfg: DemoConfig) -> np.ndarray:
    return np.array(cfg.month_starts, dtype="datetime64[D]")


def as_dt64(value: datetime) -> np.datetime64:
    return np.datetime64(value, "s")
