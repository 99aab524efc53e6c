"""Security: server-side sessions, the login throttle, normalised user names, password
change times and security stamps, the audit log's event columns and id sequence.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _key(name: str) -> str:
    """The name as compared (as ``auth.names.username_key`` did when this was written)."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("stamp", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sessions_user", "sessions", ["user_id"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.add_column("users", sa.Column("username_key", sa.String(length=100), nullable=True))
    op.add_column("users", sa.Column("password_changed_at", sa.DateTime(), nullable=True))
    op.add_column("users", sa.Column("security_stamp", sa.Integer(), server_default="0", nullable=True))
    op.add_column("audit_log", sa.Column("category", sa.String(length=20), nullable=True))
    op.add_column("audit_log", sa.Column("actor_id", sa.BigInteger(), nullable=True))
    op.add_column("audit_log", sa.Column("address", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("detail_json", sa.Text(), nullable=True))
    conn = op.get_bind()
    # every user gets the key that sign-in compares; a later user whose key collides with
    # an earlier one's (``Admin`` beside ``admin``) keeps a key no sign-in produces, so it
    # must be renamed by an admin before it can sign in again
    seen: set[str] = set()
    rows = conn.execute(sa.text("SELECT id, username FROM users ORDER BY id")).all()
    for uid, name in rows:
        key = _key(str(name))
        if key in seen:
            key = f"{key}#{uid}"[:100]
        seen.add(key)
        conn.execute(
            sa.text("UPDATE users SET username_key = :k, security_stamp = 0 WHERE id = :i"),
            {"k": key, "i": uid},
        )
    start = int(conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) + 1 FROM audit_log")).scalar_one())
    op.execute(f"CREATE SEQUENCE audit_log_seq START WITH {start}")
    op.create_index("ix_audit_log_occurred", "audit_log", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_occurred", table_name="audit_log")
    op.execute("DROP SEQUENCE audit_log_seq")
    for col in ("detail_json", "address", "actor_id", "category"):
        op.drop_column("audit_log", col)
    for col in ("security_stamp", "password_changed_at", "username_key"):
        op.drop_column("users", col)
    op.drop_table("login_throttle")
    op.drop_index("ix_sessions_user", table_name="sessions")
    op.drop_table("sessions")
