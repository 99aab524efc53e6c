"""Migration 0007: a fresh store gets the alert tables; a store at the revision before them
upgrades (DuckDB and PostgreSQL); the revision chain has one head."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from rashinban.store import Store, migrate

TABLES = {"alert_rules", "alerts", "alert_events", "alert_preferences", "alert_notices", "alert_deliveries"}


def test_one_head_and_0007_in_the_chain() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate._config())
    assert len(script.get_heads()) == 1
    revision = script.get_revision("0007")
    assert revision is not None and revision.down_revision is not None


def upgrade_from_before(db: str) -> None:
    from alembic.script import ScriptDirectory

    before = ScriptDirectory.from_config(migrate._config()).get_revision("0007").down_revision
    store = Store.open(db)
    try:
        migrate.upgrade(store.engine, str(before))
        names = set(sa.inspect(store.engine).get_table_names())
        assert not names & TABLES and "jobs" in names
        store.ready()  # to the head
        assert set(sa.inspect(store.engine).get_table_names()) >= TABLES
        assert store.revision() == migrate.head_from_files()
        with store.write() as conn:  # the unique open key holds
            conn.execute(
                sa.text(
                    "INSERT INTO alert_rules (id, name, kind, spec_json, created_at, updated_at) "
                    "VALUES (1, 'r', 'stale_data', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
    finally:
        store.dispose()


def test_duckdb_fresh_and_from_the_previous_revision(tmp_path: Path) -> None:
    fresh = Store.open(str(tmp_path / "fresh.duckdb"))
    try:
        fresh.ready()
        assert set(fresh.table_names()) >= TABLES
    finally:
        fresh.dispose()
    upgrade_from_before(str(tmp_path / "old.duckdb"))


@pytest.mark.postgres
def test_postgresql_from_the_previous_revision(pg_url: str) -> None:
    upgrade_from_before(pg_url)
