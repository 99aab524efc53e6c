"""Data versions: counters bumped in the same transaction as every write.

Row 1 counts every write; row 2 counts writes that may change the organisation, users,
settings or models (everything but the activity log's own inserts).  Every cache is keyed
on one of them — results on row 1, the scope index, settings, users and models on row 2 —
so a change committed by any process (a web worker, the CLI, the jobs runner) is seen by
every other one on its next read, and logging an activity does not throw away the
organisation caches.  Row 3 counts sessions ended one by one (a sign-out): the web's
session cache is keyed on rows 2 and 3 (every other way a session ends moves the user's
security stamp, an organisation write).  Row 4 counts writes of the alerts' own state
(``store/alerts.state_write``), on which the inbox badge's count is cached.  Reading all
four is one small query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from rashinban.store.schema import data_version

if TYPE_CHECKING:
    from rashinban.store.db import Store

DATA, ORG, SESSIONS, ALERTS = 1, 2, 3, 4
_BUMP = "UPDATE data_version SET version = version + 1 WHERE id IN ({ids})"
_READ = (
    f"SELECT id, version FROM data_version WHERE id IN ({DATA}, {ORG}, {SESSIONS}, {ALERTS})"  # per request
)


def bump_version(conn: sa.Connection, org: bool = True) -> None:
    """Bump inside the caller's (writing) transaction."""
    _bump(conn, (DATA, ORG) if org else (DATA,))


def bump_sessions(conn: sa.Connection) -> None:
    """A session ended: bump row 3 inside the caller's transaction."""
    _bump(conn, (SESSIONS,))


def bump_alerts(conn: sa.Connection) -> None:
    """The alerts' own state changed (an evaluation, an acknowledgement): bump row 4."""
    _bump(conn, (ALERTS,))


def _bump(conn: sa.Connection, ids: tuple[int, ...]) -> None:
    done = conn.exec_driver_sql(_BUMP.format(ids=", ".join(map(str, ids)))).rowcount
    if done < len(ids):  # a store made by create_all or before 0004's second row
        have = {int(r[0]) for r in conn.execute(sa.select(data_version.c.id))}
        for i in ids:
            if i not in have:
                conn.execute(data_version.insert().values(id=i, version=2))


def read_versions(store: Store) -> tuple[int, int, int, int]:
    """(data version, organisation version, sessions version, alerts version)."""
    with store.engine.connect() as conn:
        got = {int(i): int(v) for i, v in conn.exec_driver_sql(_READ)}
    return got.get(DATA, 0), got.get(ORG, 0), got.get(SESSIONS, 0), got.get(ALERTS, 0)
