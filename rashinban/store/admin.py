"""Admin writes: users and roles, teams, and the app settings the dashboards read."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import app_settings, members, teams, users

FUNNEL_STAGES = "funnel_stages"
COMPANY_HOLIDAYS = "company_holidays"


# settings -----------------------------------------------------------------------------
def all_settings(store: Store) -> dict[str, Any]:
    """Every setting (decoded JSON) in one query; empty when the table is missing (a store
    not yet upgraded).  Callers cache it on the data version."""
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(sa.select(app_settings.c.key, app_settings.c.value_json)).all()
    except sa.exc.DBAPIError:
        rows = []
    return {key: json.loads(raw) for key, raw in rows if raw}


def get_setting(store: Store, key: str) -> Any:
    """The setting's value, or None when unset."""
    return all_settings(store).get(key)


# writes call ``audit(conn, old, new)`` inside their transaction (the audit row commits with
# the change, or not at all)
Audit = Callable[[sa.Connection, dict[str, Any] | None, dict[str, Any] | None], None]


def set_setting(
    store: Store, key: str, value: Any, actor: str | None, now: datetime, audit: Audit | None = None
) -> None:
    text = json.dumps(value, ensure_ascii=False)
    with store.write() as conn:
        old = conn.execute(sa.select(app_settings.c.value_json).where(app_settings.c.key == key)).scalar()
        conn.execute(sa.delete(app_settings).where(app_settings.c.key == key))
        if value is not None:
            row = {"key": key, "value_json": text, "updated_at": now, "updated_by": actor}
            conn.execute(app_settings.insert().values(**row))
        if audit is not None:
            before = json.loads(old) if old else None
            if before != value:
                audit(conn, {"value": before}, {"value": value})


def company_holidays(store: Store) -> list[date]:
    value = get_setting(store, COMPANY_HOLIDAYS)
    return [date.fromisoformat(d) for d in value] if isinstance(value, list) else []


def funnel_stages(store: Store) -> list[str]:
    value = get_setting(store, FUNNEL_STAGES)
    return [str(s) for s in value] if isinstance(value, list) else []


# users --------------------------------------------------------------------------------
@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str | None
    role: str
    member_id: int | None
    team_id: int | None
    active: bool


_USER_FIELDS = ("username", "display_name", "role", "member_id", "team_id", "active")


def _user_row(conn: sa.Connection, user_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(*(users.c[f] for f in _USER_FIELDS)).where(users.c.id == user_id)).first()
    return dict(row._mapping) if row is not None else None


def usernames(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return [str(r[0]) for r in conn.execute(sa.select(users.c.username))]


def list_users(store: Store) -> list[UserRow]:
    q = sa.select(
        users.c.id,
        users.c.username,
        users.c.display_name,
        users.c.role,
        users.c.member_id,
        users.c.team_id,
        users.c.active,
    ).order_by(users.c.id)
    with store.engine.connect() as conn:
        return [UserRow(*r) for r in conn.execute(q)]


def username_taken(store: Store, username: str) -> bool:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(users.c.id).where(users.c.username == username)).first() is not None


def insert_user(
    store: Store,
    username: str,
    password_hash: str,
    role: str,
    display_name: str | None,
    team_id: int | None,
    member_id: int | None,
    now: datetime,
    username_key: str | None = None,
    taken: Callable[[list[str]], str | None] | None = None,
    audit: Audit | None = None,
) -> int:
    """A new user.  ``taken(existing names)`` is asked inside the transaction (serialised
    with every other writer): a code it returns is raised as a field error on ``username``."""
    from rashinban.errors import FormInvalid

    with store.write() as conn:
        if taken is not None:
            code = taken([str(r[0]) for r in conn.execute(sa.select(users.c.username))])
            if code:
                raise FormInvalid({"username": code})
        uid = reserve(conn, "users", 1)
        conn.execute(
            users.insert().values(
                id=uid,
                username=username,
                username_key=username_key,
                display_name=display_name,
                password_hash=password_hash,
                password_changed_at=now,
                security_stamp=0,
                role=role,
                member_id=member_id,
                team_id=team_id,
                active=True,
                created_at=now,
            )
        )
        if audit is not None:
            audit(conn, None, _user_row(conn, uid))
    return uid


def update_user(
    store: Store, user_id: int, now: datetime | None = None, audit: Audit | None = None, **values: Any
) -> bool:
    """Change a user.  A change of role, team or active flag ends every session of the user
    (the security stamp moves on); a deactivation also revokes every API token, so that a
    later reactivation brings none of them back."""
    from rashinban.store.schema import api_tokens
    from rashinban.store.sessions import bump_stamp

    with store.write() as conn:
        old = _user_row(conn, user_id)
        if old is None:
            return False
        conn.execute(users.update().where(users.c.id == user_id).values(**values))
        new = _user_row(conn, user_id)
        assert new is not None
        changed = {k for k in _USER_FIELDS if old[k] != new[k]}
        if changed & {"role", "team_id", "active", "member_id"}:
            bump_stamp(conn, user_id)
        if old["active"] and not new["active"]:
            conn.execute(
                api_tokens.update()
                .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        if audit is not None and changed:
            audit(conn, {k: old[k] for k in sorted(changed)}, {k: new[k] for k in sorted(changed)})
    return True


def end_sessions(store: Store, user_id: int, audit: Audit | None = None) -> bool:
    """End every session of a user (on every worker, at their next request)."""
    from rashinban.store.sessions import bump_stamp

    with store.write() as conn:
        if _user_row(conn, user_id) is None:
            return False
        bump_stamp(conn, user_id)
        if audit is not None:
            audit(conn, None, None)
    return True


# teams --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TeamRow:
    id: int
    name: str
    parent_id: int | None
    kind: str
    client: str | None


def list_teams(store: Store) -> list[TeamRow]:
    q = sa.select(teams.c.id, teams.c.name, teams.c.parent_id, teams.c.kind, teams.c.client).order_by(
        teams.c.id
    )
    with store.engine.connect() as conn:
        return [TeamRow(*r) for r in conn.execute(q)]


def _team_row(conn: sa.Connection, team_id: int) -> dict[str, Any] | None:
    q = sa.select(teams.c.name, teams.c.parent_id, teams.c.kind, teams.c.client).where(teams.c.id == team_id)
    row = conn.execute(q).first()
    return dict(row._mapping) if row is not None else None


def insert_team(
    store: Store, name: str, parent_id: int | None, kind: str, client: str | None, audit: Audit | None = None
) -> int:
    with store.write() as conn:
        tid = reserve(conn, "teams", 1)
        conn.execute(
            teams.insert().values(
                id=tid,
                source="rashinban",
                external_id=str(uuid.uuid4()),
                name=name,
                parent_id=parent_id,
                kind=kind,
                client=client,
            )
        )
        if audit is not None:
            audit(conn, None, {"id": tid, **(_team_row(conn, tid) or {})})
    return tid


def update_team(store: Store, team_id: int, audit: Audit | None = None, **values: Any) -> bool:
    with store.write() as conn:
        old = _team_row(conn, team_id)
        result = conn.execute(teams.update().where(teams.c.id == team_id).values(**values))
        new = _team_row(conn, team_id)
        if audit is not None and old is not None and new is not None:
            changed = sorted(k for k in new if old[k] != new[k])
            if changed:
                audit(conn, {k: old[k] for k in changed}, {k: new[k] for k in changed})
    return bool(result.rowcount)


def member_exists(store: Store, member_id: int) -> bool:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(members.c.id).where(members.c.id == member_id)).first() is not None
