"""Migrations: db init creates the schema, db upgrade moves an older store forward."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from rashinban.cli import main
from rashinban.store import Store, migrate
from rashinban.store.ids import lock_for_write, reserve
from rashinban.store.schema import metadata


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "duckdb":
        return str(tmp_path / "store.duckdb")
    pg: str = request.getfixturevalue("pg_url")
    return pg


def test_db_init_creates_every_table(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "init", "--db", url, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["before"] is None and info["after"] == migrate.head_revision()
    store = Store.open(url)
    try:
        assert set(metadata.tables) <= set(sa.inspect(store.engine).get_table_names())
    finally:
        store.dispose()
    assert main(["db", "upgrade", "--db", url, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["before"] == again["after"] == migrate.head_revision()


def test_upgrade_from_the_initial_revision(url: str) -> None:
    store = Store.open(url)
    try:
        migrate.upgrade(store.engine, migrate.INITIAL_REVISION)
        insp = sa.inspect(store.engine)
        assert "contacts" not in insp.get_table_names()
        with store.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO deals (id, source, external_id, stage, created_at) "
                    "VALUES (1, 'x', 'a', 'won', TIMESTAMP '2026-01-01 00:00:00')"
                )
            )
        assert store.upgrade() == (migrate.INITIAL_REVISION, migrate.head_revision())
        insp = sa.inspect(store.engine)
        assert {"contacts", "campaigns", "campaign_members"} <= set(insp.get_table_names())
        with store.engine.begin() as conn:
            conn.execute(sa.text("SELECT contact_id FROM activities"))  # the new column exists
            assert conn.execute(sa.text("SELECT external_id FROM deals")).scalar_one() == "a"
            conn.execute(
                sa.text("INSERT INTO deals (id, source, external_id, stage) VALUES (2, 'x', 'b', 'open')")
            )
    finally:
        store.dispose()


def test_head_constant_matches_the_migration_files() -> None:
    assert migrate.head_revision() == migrate.head_from_files()


def test_store_made_by_create_all_is_stamped(tmp_path: Path) -> None:
    url = str(tmp_path / "old.duckdb")
    store = Store.open(url)
    try:
        metadata.create_all(store.engine)
        assert store.revision() is None
        store.create_all()
        assert store.revision() == migrate.head_revision()
    finally:
        store.dispose()


def test_writer_ids_follow_the_largest(url: str) -> None:
    store = Store.open(url)
    try:
        store.create_all()
        with store.engine.begin() as conn:
            lock_for_write(conn)
            assert reserve(conn, "members", 5) == 1
            conn.execute(
                sa.text("INSERT INTO members (id, source, external_id, name) VALUES (41, 's', 'e', 'n')")
            )
            assert reserve(conn, "members", 1) == 42
    finally:
        store.dispose()


def test_unreachable_store_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "db", "init", "--db", "postgresql://postgres@127.0.0.1:1/none"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "cannot reach PostgreSQL for postgresql://postgres@127.0.0.1:1/none" in err
    assert "Connection refused" in err and "Traceback" not in err
