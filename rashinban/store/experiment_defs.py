"""A/B test definitions (``experiment_defs``) and assignments written by the app
(``experiments`` facts with source ``rashinban``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.ids import lock_for_write, reserve
from rashinban.store.schema import experiment_defs, experiments


def all_defs(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(experiment_defs).order_by(experiment_defs.c.id)).mappings().all()
    return [{**dict(r), "variants": json.loads(r["variants_json"])} for r in rows]


def save_def(store: Store, data: dict[str, Any], actor: str | None, now: datetime) -> None:
    """Insert or update a definition by name."""
    row = {
        k: data[k]
        for k in ("target", "kpi", "unit_type", "description", "mde", "alpha", "power", "baseline", "status")
    }
    row["variants_json"] = json.dumps(list(data["variants"]), ensure_ascii=False)
    with store.write() as conn:
        lock_for_write(conn)
        found = conn.execute(
            sa.select(experiment_defs.c.id).where(experiment_defs.c.name == data["name"])
        ).scalar()
        if found is None:
            conn.execute(
                experiment_defs.insert().values(
                    id=reserve(conn, "experiment_defs", 1),
                    name=data["name"],
                    created_by=actor,
                    created_at=now,
                    updated_at=now,
                    **row,
                )
            )
        else:
            conn.execute(
                experiment_defs.update().where(experiment_defs.c.id == found).values(updated_at=now, **row)
            )


def assign(store: Store, name: str, unit_type: str, unit_id: int, variant: str, at: datetime) -> bool:
    """Record a unit's variant (once: a second assignment of the same unit changes nothing)."""
    ext = f"{name}:{unit_type}:{unit_id}"
    with store.write() as conn:
        lock_for_write(conn)
        exists = conn.execute(
            sa.select(experiments.c.id).where(
                experiments.c.experiment == name,
                experiments.c.unit_type == unit_type,
                experiments.c.unit_id == unit_id,
            )
        ).first()
        if exists is not None:
            return False
        conn.execute(
            experiments.insert().values(
                id=reserve(conn, "experiments", 1),
                source="rashinban",
                external_id=ext,
                experiment=name,
                variant=variant,
                unit_type=unit_type,
                unit_id=unit_id,
                assigned_at=at,
            )
        )
    return True
