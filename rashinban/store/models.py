"""Stored KPI models: every push is a new version (author, time, message); teams are bound
to a model by name.  The body is the model file's YAML text, parsed by ``kpi.modelfile``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import kpi_models, model_bindings


@dataclass(frozen=True)
class StoredModel:
    name: str
    version: int
    body: str
    author: str | None
    created_at: datetime
    message: str | None
    digest: str | None


@dataclass(frozen=True)
class ModelVersionInfo:
    name: str
    version: int
    author: str | None
    created_at: datetime
    message: str | None


def digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def push(
    store: Store, name: str, body: str, author: str | None, message: str | None, now: datetime
) -> tuple[int, bool]:
    """Store ``body`` as the next version of ``name``; returns (version, created).  The same
    text as the newest version stores nothing and returns that version."""
    d = digest(body)
    with store.write() as conn:
        last = conn.execute(
            sa.select(kpi_models.c.version, kpi_models.c.digest, kpi_models.c.body)
            .where(kpi_models.c.name == name)
            .order_by(kpi_models.c.version.desc())
            .limit(1)
        ).first()
        if last is not None and (last.digest == d or (last.digest is None and last.body == body)):
            return int(last.version), False
        version = int(last.version) + 1 if last is not None else 1
        conn.execute(
            kpi_models.insert().values(
                id=reserve(conn, "kpi_models", 1),
                name=name,
                version=version,
                body=body,
                author=author,
                created_at=now,
                message=message,
                digest=d,
            )
        )
    return version, True


def get(store: Store, name: str, version: int | None = None) -> StoredModel | None:
    """A version of a model (None: the newest)."""
    q = sa.select(kpi_models).where(kpi_models.c.name == name)
    q = q.where(kpi_models.c.version == version) if version is not None else q
    q = q.order_by(kpi_models.c.version.desc()).limit(1)
    with store.engine.connect() as conn:
        row = conn.execute(q).first()
    if row is None:
        return None
    m = row._mapping
    return StoredModel(
        m["name"], m["version"], m["body"], m["author"], m["created_at"], m["message"], m["digest"]
    )


def versions(store: Store, name: str | None = None) -> list[ModelVersionInfo]:
    """Every version (of one model, or of all), newest first within each name."""
    q = sa.select(
        kpi_models.c.name,
        kpi_models.c.version,
        kpi_models.c.author,
        kpi_models.c.created_at,
        kpi_models.c.message,
    ).order_by(kpi_models.c.name, kpi_models.c.version.desc())
    if name is not None:
        q = q.where(kpi_models.c.name == name)
    with store.engine.connect() as conn:
        return [ModelVersionInfo(*r) for r in conn.execute(q)]


def latest_versions(store: Store) -> dict[str, int]:
    """Each stored model's newest version."""
    q = sa.select(kpi_models.c.name, sa.func.max(kpi_models.c.version)).group_by(kpi_models.c.name)
    with store.engine.connect() as conn:
        return {str(n): int(v) for n, v in conn.execute(q)}


def bindings(store: Store) -> dict[int, str]:
    """team id → model name."""
    with store.engine.connect() as conn:
        return {
            int(t): str(m)
            for t, m in conn.execute(sa.select(model_bindings.c.team_id, model_bindings.c.model))
        }


def bind(store: Store, team_id: int, name: str | None, actor: str | None, now: datetime) -> None:
    """Bind a team to a model (None: unbind — the team inherits from above)."""
    with store.write() as conn:
        conn.execute(sa.delete(model_bindings).where(model_bindings.c.team_id == team_id))
        if name is not None:
            conn.execute(
                model_bindings.insert().values(team_id=team_id, model=name, updated_by=actor, updated_at=now)
            )


def first_name(store: Store) -> str | None:
    """The name of the first model ever pushed."""
    with store.engine.connect() as conn:
        value = conn.execute(sa.select(kpi_models.c.name).order_by(kpi_models.c.id).limit(1)).scalar()
    return None if value is None else str(value)
