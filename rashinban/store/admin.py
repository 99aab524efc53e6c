"""Admin writes: users and roles, teams, and the app settings the dashboards read."""

from __future__ import annotations

import json
import uuid
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


def set_setting(store: Store, key: str, value: Any, actor: str | None, now: datetime) -> None:
    text = json.dumps(value, ensure_ascii=False)
    with store.write() as conn:
        conn.execute(sa.delete(app_settings).where(app_settings.c.key == key))
        if value is not None:
            row = {"key": key, "value_json": text, "updated_at": now, "updated_by": actor}
            conn.execute(app_settings.insert().values(**row))


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
) -> int:
    with store.write() as conn:
        uid = reserve(conn, "users", 1)
        conn.execute(
            users.insert().values(
                id=uid,
                username=username,
                display_name=display_name,
                password_hash=password_hash,
                role=role,
                member_id=member_id,
                team_id=team_id,
                active=True,
                created_at=now,
            )
        )
    return uid


def update_user(store: Store, user_id: int, **values: Any) -> bool:
    with store.write() as conn:
        result = conn.execute(users.update().where(users.c.id == user_id).values(**values))
    return bool(result.rowcount)


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


def insert_team(store: Store, name: str, parent_id: int | None, kind: str, client: str | None) -> int:
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
    return tid


def update_team(store: Store, team_id: int, **values: Any) -> bool:
    with store.write() as conn:
        result = conn.execute(teams.update().where(teams.c.id == team_id).values(**values))
    return bool(result.rowcount)


def member_exists(store: Store, member_id: int) -> bool:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(members.c.id).where(members.c.id == member_id)).first() is not None
