"""Running totals per month while the chunks stream by: the figures the model file's
targets are derived from, and the row counts reported at the end."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rashinban.demo.context import month_index

MONTHLY = (
    "leads",
    "deals_created",
    "won_deals",
    "revenue",
    "calls",
    "connected_calls",
    "appointments",
    "visits",
    "web_meetings",
    "emails_sent",
)


@dataclass
class Stats:
    month_starts: np.ndarray  # datetime64[D]
    rows: dict[str, int] = field(default_factory=dict)
    monthly: dict[str, np.ndarray] = field(default_factory=dict)
    revenue_by_owner: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.monthly = {k: np.zeros(len(self.month_starts)) for k in MONTHLY}

    def _count(self, key: str, when: pa.ChunkedArray | pa.Array, weights: np.ndarray | None = None) -> None:
        t = np.asarray(pc.cast(when, pa.timestamp("s")).to_numpy(zero_copy_only=False), dtype="datetime64[s]")
        m = month_index(self.month_starts, t[~np.isnat(t)])
        w = None if weights is None else weights[~np.isnat(t)]
        ok = (m >= 0) & (m < len(self.month_starts))
        self.monthly[key] += np.bincount(
            m[ok], weights=None if w is None else w[ok], minlength=len(self.month_starts)
        )

    def observe(self, table: str, data: pa.Table) -> None:
        self.rows[table] = self.rows.get(table, 0) + data.num_rows
        if data.num_rows == 0:
            return
        if table == "leads":
            self._count("leads", data["created_at"])
        elif table == "deals":
            self._count("deals_created", data["created_at"])
            won = data.filter(data["is_won"])
            self._count("won_deals", won["closed_at"])
            amount = won["amount"].to_numpy().astype(np.float64)
            self._count("revenue", won["closed_at"], amount)
            owners = won["owner_id"].to_numpy()
            last = self.month_starts[-4] if len(self.month_starts) >= 4 else self.month_starts[0]
            closed = won["closed_at"].to_numpy().astype("datetime64[D]")
            recent = closed >= last
            for owner, value in zip(*_sum_by(owners[recent], amount[recent]), strict=True):
                self.revenue_by_owner[int(owner)] = self.revenue_by_owner.get(int(owner), 0.0) + float(value)
        elif table == "activities":
            kind = data["type"]
            outcome = data["outcome"]
            when = data["occurred_at"]
            self._count("calls", when.filter(pc.equal(kind, "call")))
            self._count(
                "connected_calls", when.filter(pc.is_in(outcome, pa.array(["connected", "appointment"])))
            )
            self._count("appointments", when.filter(pc.equal(outcome, "appointment")))
            self._count("visits", when.filter(pc.equal(kind, "visit")))
            self._count("web_meetings", when.filter(pc.equal(kind, "web_meeting")))
            self._count("emails_sent", when.filter(pc.equal(kind, "email")))


def _sum_by(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, inv = np.unique(keys, return_inverse=True)
    return uniq, np.bincount(inv, weights=values, minlength=len(uniq))
