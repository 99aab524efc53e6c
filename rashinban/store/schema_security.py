"""The security tables (migration 0008): server-side sessions, the login throttle and the
audit log's id sequence.  Re-exported by ``store.schema``.

Times here are naive UTC instants (like the jobs tables), not business-local time: they are
compared with the clock's ``instant()`` only.  None of these tables is read through a
version-keyed cache, so their small writes (``Store.side_write``) bump no data version.
"""

from __future__ import annotations

import sqlalchemy as sa

from rashinban.store.schema_app import audit_log
from rashinban.store.schema_base import metadata

# One row per signed-in browser.  The cookie holds a random token; only its SHA-256 is kept.
# A session is live while it is not revoked, before ``expires_at`` (absolute lifetime),
# within the idle timeout of ``last_seen_at`` and while ``stamp`` equals the user's
# ``security_stamp`` (bumped by a password change, a role/team change, a deactivation, an
# admin's "sign out everywhere"): every worker sees a revocation on its next request.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # sha256 hex of the cookie's token
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("stamp", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime, nullable=True),
    sa.Column("user_agent", sa.String(200), nullable=True),
    sa.Column("address", sa.String(64), nullable=True),
)
sa.Index("ix_sessions_user", sessions.c.user_id)

# Login throttling state, one row per key (``acct:<name>``, ``addr:<ip>``, ``dev:<id>``),
# updated with one atomic statement per attempt so that parallel requests on any worker
# never get more password checks than the limit.
login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("window_start", sa.DateTime, nullable=False),
    sa.Column("checks", sa.Integer, nullable=False),  # password checks started in the window
    sa.Column("failures", sa.Integer, nullable=False),  # failures in a row (progressive delay)
    sa.Column("next_at", sa.DateTime, nullable=True),  # no check before this instant
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# Audit rows written outside the writers' lock (sign-ins, refusals) take their ids from a
# sequence, as does the import's audit of changed rows: ids never collide.
audit_log_seq = sa.Sequence("audit_log_seq", metadata=metadata)
sa.Index("ix_audit_log_occurred", audit_log.c.occurred_at)

__all__ = ["audit_log_seq", "login_throttle", "sessions"]
