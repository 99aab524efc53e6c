"""What the audit trail and the account pages return: events, sessions and tokens."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from rashinban.app.results.common import LocalTime, Result

Category = Literal["security", "config", "data"]


class AuditEntry(Result):
    """One event: when, who, from where, what, and what changed (old → new)."""

    id: int
    occurred_at: LocalTime = Field(description="when, business-local time")
    actor: str | None = Field(description="the user name (as typed, for a failed sign-in)")
    actor_id: int | None
    action: str = Field(description="login, login_failed, user_updated, targets_saved, import, …")
    category: Category
    address: str | None = Field(description="the client address")
    table: str | None = Field(description="what was changed: users, teams, app_settings, deals …")
    key: str | None = Field(description="which row")
    before: Any = Field(description="the old values (None: created, or nothing to show)")
    after: Any = Field(description="the new values")
    detail: Any = Field(description="anything else the event says (reason, path, counts …)")
    import_run_id: int | None

    @classmethod
    def of(cls, row: Any) -> AuditEntry:
        return cls(
            id=row.id,
            occurred_at=row.occurred_at,
            actor=row.actor,
            actor_id=row.actor_id,
            action=row.action,
            category=row.category or "data",
            address=row.address,
            table=row.table_name,
            key=row.row_key,
            before=row.before,
            after=row.after,
            detail=row.detail,
            import_run_id=row.import_run_id,
        )


class AuditPage(Result):
    """Events newest first; ``next_before_id`` pages back (None: no older ones)."""

    entries: list[AuditEntry]
    next_before_id: int | None


class TokenInfo(Result):
    """An API token (the token itself is shown once, when it is created)."""

    id: int
    user_id: int
    username: str
    name: str | None
    created_at: LocalTime
    revoked_at: LocalTime | None

    @classmethod
    def of(cls, row: Any) -> TokenInfo:
        return cls(
            id=row.id,
            user_id=row.user_id,
            username=row.username,
            name=row.name,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )


class TokenList(Result):
    tokens: list[TokenInfo]


class TokenCreated(Result):
    id: int
    token: str = Field(description="send it as Authorization: Bearer …; it is not shown again")


class RevokedCount(Result):
    revoked: int


__all__ = ["AuditEntry", "AuditPage", "Category", "RevokedCount", "TokenCreated", "TokenInfo", "TokenList"]
