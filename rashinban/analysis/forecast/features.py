"""The features of an open deal at an instant, and their names as users read them.

Numbers are transformed so that a linear model can use them (logs of durations and counts,
the amount relative to its product's median, the owner's shrunk win rate as a logit);
categories are one-hot with their rare levels pooled.  ``FACTOR_OF`` maps every column to
the factor it belongs to, so contributions add up per factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NUMERIC = (
    "days_in_stage",
    "age_days",
    "amount_rel",
    "acts_30d",
    "acts_total",
    "days_since_act",
    "pushes",
    "overdue_days",
    "close_gap",
    "owner_rate",
)
CATEGORIES = ("stage", "qualified", "product", "channel", "industry", "period_kind")
WIN_CATEGORIES = CATEGORIES[:-1]  # the eventual outcome does not depend on the month's kind
MIN_LEVEL = 30  # a category level needs this many training rows, else it joins the reference
# (the kind of month is always kept: one March a year is all the history has of 年度末)


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-3, 1 - 1e-3)
    out: np.ndarray = np.log(q / (1 - q))
    return out


def numeric(
    snap: pd.DataFrame, owner_rate: dict[int, float], base: float, medians: dict[str, float], t: pd.Timestamp
) -> pd.DataFrame:
    """The numeric features of a snapshot (``data.deals_at``) taken at ``t``."""
    gap = (pd.to_datetime(snap["expected_close"]) - pd.Timestamp(t).normalize()) / pd.Timedelta(days=1)
    med = snap["product"].map(medians).astype(float)
    med = med.fillna(np.nanmedian(list(medians.values())) if medians else 1.0)
    rel = np.log(np.clip(snap["amount"].astype(float).fillna(med) / med.clip(lower=1.0), 0.05, 20.0))
    rate = snap["owner_id"].map(owner_rate).astype(float).fillna(base).to_numpy()
    return pd.DataFrame(
        {
            "days_in_stage": np.log1p(snap["days_in_stage"].astype(float).clip(lower=0)),
            "age_days": np.log1p(snap["age_days"].astype(float).clip(lower=0)),
            "amount_rel": rel,
            "acts_30d": np.log1p(snap["acts_30d"].astype(float)),
            "acts_total": np.log1p(snap["acts_total"].astype(float)),
            "days_since_act": np.log1p(snap["days_since_act"].astype(float).clip(lower=0, upper=365)),
            "pushes": snap["pushes"].astype(float).clip(upper=5),
            "overdue_days": np.log1p(snap["overdue_days"].astype(float).clip(lower=0, upper=365)),
            "close_gap": np.log1p(gap.astype(float).clip(lower=0, upper=365).fillna(0.0)),
            "owner_rate": _logit(rate),
        }
    )


@dataclass(frozen=True)
class Encoder:
    """One-hot levels per category (fitted on the training rows) and the numeric columns kept."""

    levels: dict[str, tuple[str, ...]]
    numeric: tuple[str, ...]

    @classmethod
    def fit(
        cls, snap: pd.DataFrame, num: pd.DataFrame, categories: tuple[str, ...] = WIN_CATEGORIES
    ) -> Encoder:
        levels = {}
        for c in categories:
            counts = snap[c].astype(str).value_counts()
            always = c == "period_kind"
            kept = tuple(sorted(str(k) for k, v in counts.items() if v >= MIN_LEVEL or always))
            levels[c] = kept[1:] if len(kept) > 1 else ()  # the first level is the reference
        keep = tuple(c for c in NUMERIC if float(num[c].std()) > 0)
        return cls(levels, keep)

    @property
    def columns(self) -> list[str]:
        return [*self.numeric] + [f"{c}={v}" for c, vs in self.levels.items() for v in vs]

    def transform(self, snap: pd.DataFrame, num: pd.DataFrame) -> np.ndarray:
        parts = [num[list(self.numeric)].to_numpy(float)]
        for c, vs in self.levels.items():
            col = snap[c].astype(str).to_numpy()
            parts.append(
                np.stack([col == v for v in vs], axis=1).astype(float) if vs else np.zeros((len(snap), 0))
            )
        return np.concatenate(parts, axis=1) if parts else np.zeros((len(snap), 0))


def factor_of(column: str) -> str:
    """The factor a column belongs to: ``stage=提案・見積`` → ``stage``."""
    return column.split("=", 1)[0]
