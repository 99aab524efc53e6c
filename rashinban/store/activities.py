"""Activities logged in Rashinban itself: one short, race-free write per activity.

Ids are writer-assigned (``store/ids.py``).  Every write goes through
:meth:`Store.transaction`, which serialises the writers of this process (DuckDB allows one
writing transaction) and, on PostgreSQL, of every process (advisory lock), and bumps the
data version in the same transaction.

Idempotency: a client-supplied key becomes the row's ``external_id`` (a UUID derived from
the user and the key), so a retried POST finds the row of the first attempt — the unique
``(source, external_id)`` constraint makes a double insert impossible.  A key used again with
a different activity (another type, outcome, member, note, duration, deal or — when the
request names it — time) is a conflict (``idempotency_conflict``, HTTP 409), never the old row.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from rashinban.errors import ConflictError
from rashinban.store.db import Store, StoreBusy
from rashinban.store.ids import reserve
from rashinban.store.schema import activities, members

SOURCE = "rashinban"
TYPES = ("call", "email", "visit", "web_meeting", "other")
OUTCOMES: dict[str, tuple[str, ...]] = {
    "call": ("connected", "appointment", "no_answer"),
    "email": ("sent", "opened", "replied"),
    "visit": ("completed", "appointment", "cancelled"),
    "web_meeting": ("completed", "appointment", "cancelled"),
    "other": ("completed",),
}
_NS = uuid.UUID("6f1d7c1e-52a4-4f1b-9a57-7261736869bb")


@dataclass(frozen=True)
class NewActivity:
    member_id: int
    type: str
    outcome: str | None
    occurred_at: datetime
    note: str | None = None
    duration_minutes: int | None = None
    deal_id: int | None = None
    lead_id: int | None = None
    account_id: int | None = None
    occurred_given: bool = True  # False: occurred_at is "now" (a retry's own now differs)

    def same_as(self, row: LoggedActivity | NewActivity) -> bool:
        """Whether a replay of an idempotency key carries this same activity."""
        mine = (self.member_id, self.type, self.outcome, self.note, self.duration_minutes, self.deal_id)
        theirs = (row.member_id, row.type, row.outcome, row.note, row.duration_minutes, row.deal_id)
        if mine != theirs:
            return False
        if isinstance(row, NewActivity) and (self.lead_id, self.account_id) != (row.lead_id, row.account_id):
            return False
        given = self.occurred_given and (not isinstance(row, NewActivity) or row.occurred_given)
        return not given or self.occurred_at == row.occurred_at


@dataclass(frozen=True)
class LoggedActivity:
    id: int
    external_id: str
    member_id: int | None
    member: str | None
    type: str
    outcome: str | None
    occurred_at: datetime
    logged_at: datetime | None
    note: str | None
    duration_minutes: int | None
    deal_id: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "external_id": self.external_id,
            "member_id": self.member_id,
            "member": self.member,
            "type": self.type,
            "outcome": self.outcome,
            "occurred_at": self.occurred_at.isoformat(timespec="minutes"),
            "logged_at": self.logged_at.isoformat(timespec="seconds") if self.logged_at else None,
            "note": self.note,
            "duration_minutes": self.duration_minutes,
            "deal_id": self.deal_id,
        }


def external_id_for(user_id: int, key: str | None) -> str:
    """The row's UUID: derived from (user, idempotency key), else random."""
    if key:
        return str(uuid.uuid5(_NS, f"{user_id}:{key}"))
    return str(uuid.uuid4())


_COLUMNS = (
    activities.c.id,
    activities.c.external_id,
    activities.c.member_id,
    members.c.name.label("member"),
    activities.c.type,
    activities.c.outcome,
    activities.c.occurred_at,
    activities.c.logged_at,
    activities.c.subject,
    activities.c.duration_minutes,
    activities.c.deal_id,
)


def _row(r: sa.Row[object]) -> LoggedActivity:
    m = r._mapping
    return LoggedActivity(
        m["id"],
        m["external_id"],
        m["member_id"],
        m["member"],
        m["type"],
        m["outcome"],
        m["occurred_at"],
        m["logged_at"],
        m["subject"],
        m["duration_minutes"],
        m["deal_id"],
    )


def _select() -> sa.Select[tuple[object, ...]]:
    return sa.select(*_COLUMNS).select_from(
        activities.outerjoin(members, members.c.id == activities.c.member_id)
    )


def log_activity(
    store: Store, new: NewActivity, external_id: str, now: datetime, timeout: float = 30.0
) -> tuple[LoggedActivity, bool]:
    """Insert one activity; returns (the row, True) or — for a repeated key — (the first row, False).

    The row is committed when this returns.  Concurrent calls are committed together
    (group commit by :class:`_BatchWriter`): one transaction per batch, not per row.
    """
    logged_at = now.replace(microsecond=0)
    return _writer(store).submit(new, external_id, logged_at, timeout)


@dataclass
class _Pending:
    new: NewActivity
    external_id: str
    logged_at: datetime
    done: threading.Event = field(default_factory=threading.Event)
    result: tuple[LoggedActivity, bool] | None = None
    error: BaseException | None = None


class _BatchWriter:
    """One thread per store that writes queued activities in batches (group commit)."""

    MAX_BATCH = 500
    IDLE_SECONDS = 5.0

    def __init__(self, store: Store) -> None:
        self.store = store
        self.queue: queue.Queue[_Pending] = queue.Queue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.next_id: int | None = None
        self.seen_other = -1

    def submit(
        self, new: NewActivity, external_id: str, logged_at: datetime, timeout: float
    ) -> tuple[LoggedActivity, bool]:
        item = _Pending(new, external_id, logged_at)
        with self.lock:
            self.queue.put(item)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._run, name="rashinban-activity-writer", daemon=True
                )
                self.thread.start()
        if not item.done.wait(timeout):
            raise StoreBusy("store_busy")
        if item.error is not None:
            raise item.error
        assert item.result is not None
        return item.result

    def _run(self) -> None:
        while True:
            try:
                first = self.queue.get(timeout=self.IDLE_SECONDS)
            except queue.Empty:
                with self.lock:
                    if self.queue.empty():
                        self.thread = None
                        return
                continue
            batch = [first]
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            except BaseException as e:  # every waiter hears about the failure
                for item in batch:
                    if not item.done.is_set():
                        item.error = e if isinstance(e, Exception) else StoreBusy("store_busy")
                        item.done.set()

    def _write(self, batch: list[_Pending]) -> None:
        """Insert the batch in one transaction.  Optimistic: most keys are new, so insert
        first; only when the unique (source, external_id) constraint objects, look the
        existing rows up and insert the rest."""
        try:
            found, fresh = self._insert(batch, lookup=False)
        except sa.exc.DBAPIError:
            self.next_id = None
            try:
                found, fresh = self._insert(batch, lookup=True)
            except BaseException:
                self.next_id = None
                raise
        names = _member_names(self.store, {item.new.member_id for item in batch})
        for item in batch:  # committed: answer every waiter
            first: LoggedActivity | NewActivity | None = found.get(item.external_id)
            if first is None and fresh[item.external_id][1] is not item:
                first = fresh[item.external_id][1].new
            if first is not None and not item.new.same_as(first):
                item.error = ConflictError("idempotency_conflict")
            elif item.external_id in found:
                item.result = (found[item.external_id], False)
            else:
                rid, owner = fresh[item.external_id]
                n = owner.new
                row = LoggedActivity(
                    rid,
                    item.external_id,
                    n.member_id,
                    names.get(n.member_id),
                    n.type,
                    n.outcome,
                    n.occurred_at,
                    owner.logged_at,
                    n.note,
                    n.duration_minutes,
                    n.deal_id,
                )
                item.result = (row, owner is item)
            item.done.set()

    def _reserve(self, conn: sa.Connection, count: int) -> int:
        """Ids for ``count`` rows.  On DuckDB (one writing process) the next id is kept in
        memory between batches — read again after anyone else wrote (imports) or a failure;
        on PostgreSQL other processes write too, so it is read under the advisory lock."""
        if not self.store.is_duckdb:
            return reserve(conn, "activities", count)
        if self.next_id is None or self.seen_other != self.store.other_writes():
            self.next_id = reserve(conn, "activities", count)
            self.seen_other = self.store.other_writes()
        first = self.next_id
        self.next_id = first + count
        return first

    def _insert(
        self, batch: list[_Pending], lookup: bool
    ) -> tuple[dict[str, LoggedActivity], dict[str, tuple[int, _Pending]]]:
        found: dict[str, LoggedActivity] = {}
        fresh: dict[str, tuple[int, _Pending]] = {}
        with (
            self.store.engine.connect() as conn,
            self.store.transaction(conn, activity=True) as tx,
        ):
            if lookup:
                keys = list({item.external_id for item in batch})
                where = sa.and_(activities.c.source == SOURCE, activities.c.external_id.in_(keys))
                found = {r.external_id: _row(r) for r in conn.execute(_select().where(where))}
            for item in batch:
                if item.external_id not in found and item.external_id not in fresh:
                    fresh[item.external_id] = (0, item)
            if not fresh:
                tx.commit()
                return found, fresh
            first = self._reserve(conn, len(fresh))
            rows = []
            for i, (key, (_, item)) in enumerate(list(fresh.items())):
                fresh[key] = (first + i, item)
                n = item.new
                rows.append(
                    {
                        "id": first + i,
                        "source": SOURCE,
                        "external_id": key,
                        "member_id": n.member_id,
                        "type": n.type,
                        "outcome": n.outcome,
                        "subject": n.note,
                        "duration_minutes": n.duration_minutes,
                        "deal_id": n.deal_id,
                        "lead_id": n.lead_id,
                        "account_id": n.account_id,
                        "occurred_at": n.occurred_at,
                        "logged_at": item.logged_at,
                    }
                )
            conn.execute(activities.insert().values(rows))
            tx.commit()
        return found, fresh


def _member_names(store: Store, ids: set[int]) -> dict[int, str | None]:
    with store.engine.connect() as conn:
        got = dict(conn.execute(sa.select(members.c.id, members.c.name).where(members.c.id.in_(ids))).all())
    return {i: got.get(i) for i in ids}


_WRITERS: dict[int, _BatchWriter] = {}
_WRITERS_LOCK = threading.Lock()


def _writer(store: Store) -> _BatchWriter:
    with _WRITERS_LOCK:
        w = _WRITERS.get(id(store))
        if w is None or w.store is not store:
            w = _WRITERS[id(store)] = _BatchWriter(store)
        return w


def recent_activities(
    store: Store, member_ids: Sequence[int] | None, limit: int = 20
) -> list[LoggedActivity]:
    """The latest activities of these members (None: everyone): by when they happened, then
    by entry time (an activity logged late still lands where it belongs)."""
    order = (
        activities.c.occurred_at.desc(),
        activities.c.logged_at.desc().nulls_last(),
        activities.c.id.desc(),
    )
    q = _select().order_by(*order).limit(limit)
    if member_ids is not None:
        if not member_ids:
            return []
        q = q.where(activities.c.member_id.in_(list(member_ids)))
    with store.engine.connect() as conn:
        return [_row(r) for r in conn.execute(q)]


def count_activities(store: Store, source: str | None = SOURCE) -> int:
    q = sa.select(sa.func.count()).select_from(activities)
    if source is not None:
        q = q.where(activities.c.source == source)
    with store.engine.connect() as conn:
        return int(conn.execute(q).scalar_one())
