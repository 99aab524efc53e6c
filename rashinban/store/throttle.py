"""Login throttling state in the store, so that every worker agrees (one row per key).

A password check must first *reserve* a slot on each of its keys: the rows are locked
(PostgreSQL: ``SELECT … FOR UPDATE`` in key order; DuckDB: the process's side-write mutex,
one process per DuckDB file), checked and updated in one transaction, so parallel requests
never get more checks than the policy allows.  Policy (``Limits``): ``attempts`` checks in a
row come at once; after that each further check waits ``delay`` seconds, doubling up to
``max_delay`` — a progressive delay, never a long lockout.  A key quiet for ``window``
seconds starts over; a success resets the account and device keys and gives the address
back its slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.schema import login_throttle as T


@dataclass(frozen=True)
class Limits:
    attempts: int
    window: float  # seconds
    delay: float
    max_delay: float

    def wait_after(self, checks: int) -> float:
        """Seconds before the next check once ``checks`` checks were made in a row."""
        if checks < self.attempts:
            return 0.0
        return float(min(self.delay * 2 ** (checks - self.attempts), self.max_delay))


def reserve(store: Store, keys: dict[str, Limits], now: datetime) -> float:
    """Reserve one password check on every key; 0 when granted, else the seconds to wait
    (nothing is reserved then)."""
    ordered = sorted(keys)
    with store.side_write() as conn:
        pg = conn.dialect.name == "postgresql"
        for key in ordered:
            if pg:
                conn.execute(
                    sa.text(
                        "INSERT INTO login_throttle (key, window_start, checks, failures, updated_at) "
                        "VALUES (:k, :now, 0, 0, :now) ON CONFLICT (key) DO NOTHING"
                    ),
                    {"k": key, "now": now},
                )
        q = sa.select(T).where(T.c.key.in_(ordered)).order_by(T.c.key)
        rows = {r.key: r for r in conn.execute(q.with_for_update() if pg else q)}
        wait = 0.0
        plans: dict[str, int] = {}
        for key in ordered:
            limits = keys[key]
            row = rows.get(key)
            fresh = row is None or row.updated_at <= now - timedelta(seconds=limits.window)
            checks = 0 if fresh or row is None else int(row.checks)
            # a check within the free attempts never waits, whatever the clocks: a parallel
            # request that read ``now`` a moment before the one it queued behind (another
            # worker) would otherwise see that one's ``next_at`` a few ms ahead and get a 429
            due = row.next_at if row is not None and not fresh and limits.wait_after(checks) > 0 else None
            if due is not None and due > now:
                wait = max(wait, (due - now).total_seconds())
            plans[key] = checks + 1
        if wait > 0:
            return wait
        for key in ordered:
            checks = plans[key]
            next_at = now + timedelta(seconds=keys[key].wait_after(checks))
            values = {"checks": checks, "next_at": next_at, "updated_at": now}
            if key in rows:
                if checks == 1:
                    values |= {"window_start": now, "failures": 0}
                conn.execute(T.update().where(T.c.key == key).values(**values))
            else:
                conn.execute(T.insert().values(key=key, window_start=now, failures=0, **values))
    return 0.0


def failed(store: Store, keys: list[str], now: datetime) -> None:
    with store.side_write() as conn:
        conn.execute(T.update().where(T.c.key.in_(keys)).values(failures=T.c.failures + 1, updated_at=now))


def succeeded(store: Store, reset: list[str], refund: list[str], limits: dict[str, Limits]) -> None:
    """A good password: ``reset`` keys start over, ``refund`` keys get their slot back."""
    with store.side_write() as conn:
        if reset:
            conn.execute(T.delete().where(T.c.key.in_(reset)))
        for key in refund:
            row = conn.execute(sa.select(T.c.checks, T.c.updated_at).where(T.c.key == key)).first()
            if row is None:
                continue
            checks = max(int(row.checks) - 1, 0)
            wait = limits[key].wait_after(checks) if key in limits else 0.0
            conn.execute(
                T.update()
                .where(T.c.key == key)
                .values(checks=checks, next_at=row.updated_at + timedelta(seconds=wait))
            )


def refund(store: Store, keys: list[str], limits: dict[str, Limits]) -> None:
    """A reserved check that never ran (no capacity to run it): give the slots back."""
    succeeded(store, [], keys, limits)


def purge(store: Store, now: datetime, older_than: timedelta = timedelta(days=1)) -> int:
    with store.side_write() as conn:
        result = conn.execute(T.delete().where(T.c.updated_at < now - older_than))
    return int(result.rowcount or 0)
