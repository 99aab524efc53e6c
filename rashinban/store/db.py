"""Opening the store: a DuckDB file by default, or any ``postgresql://`` URL.

``--db`` / ``RASHINBAN_DB`` take either a path (``./rashinban.duckdb``) or a URL
(``duckdb:///path``, ``postgresql://user@host/db``).  PostgreSQL URLs use psycopg 3.
What is refused, and how a new store comes into being, is in ``store/opening.py``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from rashinban.errors import StoreError
from rashinban.store import opening
from rashinban.store.schema import metadata

DEFAULT_DB = "rashinban.duckdb"
PG_CONNECT_TIMEOUT = 10  # seconds: an unreachable host fails instead of hanging


def resolve_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from ``--db``, ``RASHINBAN_DB`` or the default DuckDB file."""
    value = db or os.environ.get("RASHINBAN_DB") or DEFAULT_DB
    opening.check_scheme(value)
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    if "://" in value:
        return value
    return f"duckdb:///{Path(value).expanduser()}"


def duckdb_path(url: str) -> Path | None:
    """The file of a DuckDB URL (None for PostgreSQL and in-memory DuckDB)."""
    if not url.startswith("duckdb:///"):
        return None
    raw = url.removeprefix("duckdb:///").split("?", 1)[0]
    return None if raw in ("", ":memory:") else Path(raw)


class StoreBusy(StoreError):
    """The store's write lock is held too long (an import is running)."""

    http_status = 503


_WRITE_LOCKS: dict[str, threading.Lock] = {}
_OTHER_WRITES: dict[str, int] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(url: str) -> threading.Lock:
    """The in-process mutex of every writer of one store (DuckDB allows one writing
    transaction at a time; across processes PostgreSQL's advisory lock serialises)."""
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(url)
        if lock is None:
            lock = _WRITE_LOCKS[url] = threading.Lock()
        return lock


_SIDE_LOCKS: dict[str, threading.Lock] = {}


def _side_lock(url: str) -> threading.Lock:
    with _WRITE_LOCKS_GUARD:
        lock = _SIDE_LOCKS.get(url)
        if lock is None:
            lock = _SIDE_LOCKS[url] = threading.Lock()
        return lock


@dataclass
class WriteTransaction:
    """An open writing transaction (see :meth:`Store.transaction`)."""

    conn: sa.Connection
    trans: sa.RootTransaction
    org: bool = True  # may change teams, members, users, settings or models

    def commit(self) -> None:
        from rashinban.store.version import bump_version

        bump_version(self.conn, self.org)
        self.trans.commit()

    def rollback(self) -> None:
        self.trans.rollback()

    def commit_and_continue(self) -> None:
        """Commit what is written so far and go on in a new transaction — only for a staged
        new store, which nobody sees before it is published (the demo's chunks)."""
        self.commit()
        self.trans = self.conn.begin()


@dataclass
class Store:
    url: str
    engine: sa.Engine
    # long-lived resources other layers hang on the store (e.g. the metrics layer's DuckDB
    # connection); closed by dispose()
    on_dispose: list[Callable[[], None]] = field(default_factory=list)
    resources: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None  # a DuckDB store's file
    pending: Path | None = None  # a new DuckDB store: its final path until publish()

    @classmethod
    def open(cls, db: str | None = None, *, create: bool = True, staged: bool = False) -> Store:
        """The store ``db`` names.  ``create=False`` refuses a missing DuckDB file; ``staged``
        builds a new DuckDB store in a hidden file that :meth:`publish` moves into place (a
        failed or interrupted command leaves no store behind).  A path that is not a DuckDB
        file, or a URL of another database, is refused either way."""
        url = resolve_url(db)
        path = duckdb_path(url)
        pending = None
        if path is not None:
            opening.clean_stale(path.parent)
            try:
                opening.check_duckdb_path(path, create)
            except StoreError as e:
                if e.code == "store_missing" and not (db or os.environ.get("RASHINBAN_DB")):
                    raise StoreError("store_missing_default", path=str(path)) from None
                raise
            if staged and not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                pending, path = path, opening.staging_path(path)
                url = f"duckdb:///{path}"
        args = {"connect_timeout": PG_CONNECT_TIMEOUT} if url.startswith("postgresql") else {}
        engine = sa.create_engine(url, future=True, connect_args=args)
        return cls(url=url, engine=engine, path=path, pending=pending)

    @property
    def display(self) -> str:
        """The store as the user named it (password hidden)."""
        if self.pending is not None:
            return str(self.pending)
        if self.path is not None:
            return str(self.path)
        url = self.engine.url.render_as_string(hide_password=True)
        return url.replace("postgresql+psycopg://", "postgresql://", 1)

    def publish(self) -> bool:
        """Move a new store built by a staged open to its final path; True when it did."""
        if self.pending is None:
            return False
        staging, final = self.path, self.pending
        assert staging is not None
        self.pending = None
        self.dispose()  # DuckDB checkpoints and closes the file
        try:
            os.link(staging, final)  # fails if someone created the store meanwhile
        except FileExistsError:
            staging.unlink(missing_ok=True)
            raise StoreError("store_appeared", path=str(final)) from None
        except OSError:
            os.replace(staging, final)
        staging.unlink(missing_ok=True)
        wal = staging.with_name(staging.name + ".wal")
        if wal.exists():  # not checkpointed on close: it belongs to the store
            os.replace(wal, final.with_name(final.name + ".wal"))
        self.url, self.path, self.pending = f"duckdb:///{final}", final, None
        self.engine = sa.create_engine(self.url, future=True)
        return True

    @property
    def dialect(self) -> str:
        """``duckdb`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def is_duckdb(self) -> bool:
        return self.dialect == "duckdb"

    def create_all(self) -> None:
        """Bring the store to the newest schema (runs the Alembic migrations)."""
        self.upgrade()

    def upgrade(self) -> tuple[str | None, str | None]:
        """Run the migrations; returns the revision before and after."""
        from rashinban.store import migrate

        return migrate.upgrade(self.engine)

    def ready(self, create: bool = True) -> tuple[str | None, str | None]:
        """Upgrade the schema; a store that cannot be reached or opened is a ``StoreError``.
        ``create=False``: a database without a Rashinban store in it is refused, not filled."""
        from alembic.util.exc import CommandError

        url = self.display
        try:
            if not create and not self.initialised():
                raise StoreError("store_not_initialised", url=self.display)
            out = self.upgrade()
            self.protect()
            return out
        except (sa.exc.DBAPIError, sa.exc.InterfaceError) as e:
            raise opening.classify(e, url, self.dialect, self.path) from None
        except CommandError as e:  # a revision this version does not know: a newer Rashinban
            reason = str(e).splitlines()[0]
            raise StoreError("store_schema_unknown", url=self.display, reason=reason) from None

    def initialised(self) -> bool:
        """Whether the database holds a Rashinban store (migrated, or made by create_all)."""
        with self.engine.connect() as conn:
            inspector = sa.inspect(conn)
            return inspector.has_table("alembic_version") or inspector.has_table("teams")

    def protect(self) -> None:
        """A DuckDB file holds password and token hashes and the session signing key: only
        its owner may read it (0600, and its write-ahead log)."""
        if not self.is_duckdb:
            return
        path = self.engine.url.database
        if not path or path == ":memory:":
            return
        for p in (Path(path), Path(path + ".wal")):
            try:
                if p.exists() and p.stat().st_mode & 0o077:
                    p.chmod(0o600)
            except OSError:  # not ours to change (a read-only copy): leave it
                pass

    def revision(self) -> str | None:
        from rashinban.store import migrate

        return migrate.current_revision(self.engine)

    def table_names(self) -> list[str]:
        return [name for name in metadata.tables if sa.inspect(self.engine).has_table(name)]

    @contextmanager
    def write(self, timeout: float = 15.0) -> Iterator[sa.Connection]:
        """One writing transaction, committed on success — see :meth:`transaction`."""
        with self.engine.connect() as conn, self.transaction(conn, timeout) as tx:
            yield conn
            tx.commit()

    @contextmanager
    def transaction(
        self, conn: sa.Connection, timeout: float = 15.0, *, activity: bool = False
    ) -> Iterator[WriteTransaction]:
        """The only way anything writes to the store: a transaction on ``conn`` that holds
        this process's write lock for the store (``StoreBusy`` after ``timeout`` seconds)
        and, on PostgreSQL, the advisory lock that serialises writers across processes.
        :meth:`WriteTransaction.commit` bumps the data version in the same transaction, so
        every cache in every worker sees the change once it is committed; leaving the block
        without committing rolls back."""
        from rashinban.store.ids import lock_for_write

        lock = _write_lock(self.url)
        if not lock.acquire(timeout=timeout):
            raise StoreBusy("store_busy")
        try:
            if not activity:
                _OTHER_WRITES[self.url] = _OTHER_WRITES.get(self.url, 0) + 1
            trans = conn.begin()
            tx = WriteTransaction(conn, trans, org=not activity)
            try:
                lock_for_write(conn)
                yield tx
            finally:
                if tx.trans.is_active:
                    tx.trans.rollback()
        finally:
            lock.release()

    @contextmanager
    def side_write(self) -> Iterator[sa.Connection]:
        """A small write to the security tables (sessions, the login throttle, audit events):
        committed on exit, never waiting for the writers' lock (an import may hold it for
        minutes) and bumping no data version (no cache reads these tables).  Only for
        single-row statements on rows no other writer touches, and ids from a sequence;
        serialised within this process (DuckDB reports concurrent updates of one row as a
        conflict), atomic per statement on PostgreSQL."""
        with _side_lock(self.url), self.engine.begin() as conn:
            yield conn

    def other_writes(self) -> int:
        """How many non-activity write transactions this process has opened on the store
        (the activity writer re-reads its next id after any of them)."""
        return _OTHER_WRITES.get(self.url, 0)

    def data_versions(self) -> tuple[int, int]:
        """The committed (data, organisation) versions — see ``store/version.py``."""
        return self.all_versions()[:2]

    def all_versions(self) -> tuple[int, int, int, int]:
        """The committed (data, organisation, sessions, alerts) versions, in one query."""
        from rashinban.store.version import read_versions

        return read_versions(self)

    def dispose(self) -> None:
        for close in self.on_dispose:
            close()
        self.on_dispose.clear()
        self.engine.dispose()
        if self.pending is not None and self.path is not None:  # never published: no store
            for leftover in (self.path, self.path.with_name(self.path.name + ".wal")):
                leftover.unlink(missing_ok=True)
