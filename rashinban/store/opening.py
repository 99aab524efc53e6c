"""Opening a store safely: what ``--db`` names, and one clear sentence when it cannot be used.

* Only DuckDB files (a path or ``duckdb:///path``) and PostgreSQL URLs (``postgresql://``,
  ``postgres://``, ``postgresql+psycopg://``) are stores; any other scheme is named as
  unsupported (never an import error from a missing driver).
* A command that must not create a store (everything but ``db init``, ``demo generate`` and
  ``import``) refuses a missing path; every command refuses a path that is not a DuckDB
  file (a SQLite database, a CSV, a folder…) before DuckDB itself sees it — DuckDB would
  try to download an extension for SQLite and create a store in an empty file.
* A DuckDB file held by another process (``rashinban serve`` in another terminal) is named
  with that process, and — when it is a ``serve`` that left its address beside the store
  (:func:`server_note`) — with the address to read the same data from.
* PostgreSQL errors are sorted into unreachable / no such database / refused.

A new DuckDB store is first written to a hidden file beside its final path and moved there
only when the command that creates it succeeds (:func:`staging_path`); stale hidden files
of processes that no longer run are removed the next time a store in that folder is opened.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

from rashinban.errors import StoreError

DUCKDB_MAGIC = b"DUCK"  # at byte 8 of every DuckDB database file
SCHEMES = ("duckdb", "postgresql", "postgres", "postgresql+psycopg")
STAGING = re.compile(r"^\.(?P<name>.+)\.new-(?P<pid>\d+)\.duckdb(\.wal)?$")


def scheme_of(value: str) -> str | None:
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", value)
    return m.group(1).lower() if m else None


def check_scheme(value: str) -> None:
    scheme = scheme_of(value)
    if scheme is not None and scheme not in SCHEMES:
        raise StoreError("store_unsupported_url", scheme=scheme, url=_hide_password(value))


def _hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def file_kind(path: Path) -> str | None:
    """None for a DuckDB file, else what the file is (for the message)."""
    if path.is_dir():
        return "directory"
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as e:
        raise StoreError("store_unreadable", path=str(path), reason=e.strerror or str(e)) from None
    if head[8:12] == DUCKDB_MAGIC:
        return None
    if not head:
        return "empty"
    if head.startswith(b"SQLite format 3"):
        return "sqlite"
    if head.startswith(b"PK"):
        return "zip"
    if head.startswith(b"PGDMP"):
        return "pg_dump"
    try:
        head.decode("utf-8")
        return "text"
    except UnicodeDecodeError:
        return "unknown"


def check_duckdb_path(path: Path, create: bool) -> None:
    """Refuse a path that is not a DuckDB store (or a missing one, unless ``create``)."""
    if not path.exists():
        if create:
            if not path.parent.exists():
                return  # the creating command makes the folder
            if not os.access(path.parent, os.W_OK | os.X_OK):
                raise StoreError("store_folder_unwritable", path=str(path), folder=str(path.parent))
            return
        raise StoreError("store_missing", path=str(path))
    kind = file_kind(path)
    if kind == "directory":
        raise StoreError("store_is_directory", path=str(path))
    if kind == "sqlite":
        raise StoreError("store_is_sqlite", path=str(path))
    if kind == "empty":
        raise StoreError("store_empty_file", path=str(path))
    if kind is not None:
        raise StoreError("store_not_duckdb", path=str(path))


def staging_path(final: Path) -> Path:
    """Where a new store is built before it is moved to ``final``."""
    return final.with_name(f".{final.name}.new-{os.getpid()}.duckdb")


def clean_stale(folder: Path) -> list[Path]:
    """Remove the hidden staging files that processes which no longer run left in ``folder``
    (a store creation that was killed): they never were a store anyone could use."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = STAGING.match(entry.name)
        if m and not pid_alive(int(m.group("pid"))):
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- who holds a DuckDB file ---------------------------------------------------------------


def server_note(path: Path) -> Path:
    """The file where ``rashinban serve`` leaves its address beside a DuckDB store."""
    return path.with_name(path.name + ".serve.json")


def write_server_note(path: Path, address: str) -> Path:
    note = server_note(path)
    note.write_text(json.dumps({"pid": os.getpid(), "address": address}), encoding="utf-8")
    return note


def remove_server_note(path: Path) -> None:
    note = server_note(path)
    with contextlib.suppress(OSError, ValueError):
        if json.loads(note.read_text(encoding="utf-8")).get("pid") == os.getpid():
            note.unlink()


def _command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    parts = [p.decode("utf-8", "replace") for p in raw.split(b"\0") if p]
    text = " ".join([Path(parts[0]).name, *parts[1:]]) if parts else ""
    return " ".join(text.split())[:120]  # one line, however the process was started


def locked_error(path: Path, message: str) -> StoreError:
    """``store_locked`` naming the process that holds ``path`` and what to do."""
    m = re.search(r"\(PID (\d+)\)", message)
    pid = int(m.group(1)) if m else None
    note: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        note = json.loads(server_note(path).read_text(encoding="utf-8"))
    if pid is not None and note.get("pid") == pid and note.get("address"):
        return StoreError("store_held_by_server", path=str(path), pid=pid, address=note["address"])
    holder = _command_line(pid) if pid is not None else ""
    return StoreError("store_locked", path=str(path), pid=pid or "?", holder=holder or "?")


def create_database(url: str) -> bool:
    """``db init`` on a PostgreSQL URL whose database does not exist: create it through the
    server's ``postgres`` database (True), or False when that is not allowed."""
    import psycopg
    import sqlalchemy as sa

    u = sa.engine.make_url(url)
    name = u.database
    if not name:
        return False
    admin = u.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name.replace(chr(34), chr(34) * 2)}"')
    except psycopg.Error:
        return False
    return True


def classify(error: BaseException, url: str, dialect: str, path: Path | None) -> StoreError:
    """A database driver's error on opening, as the one sentence a user needs."""
    orig = getattr(error, "orig", error)
    text = str(orig or error).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    if dialect == "duckdb" and path is not None:
        if "Could not set lock" in text or "Conflicting lock" in text:
            return locked_error(path, text)
        return StoreError("store_unavailable", url=url, reason=first)
    m = re.search(r'database "([^"]+)" does not exist', text)
    if m:
        return StoreError("store_no_database", url=url, database=m.group(1))
    if re.search(r'role "[^"]+" does not exist|password authentication failed|no pg_hba.conf entry', text):
        reason = text.split("FATAL:", 1)[-1].strip().splitlines()[0]
        return StoreError("store_denied", url=url, reason=reason)
    if re.search(r"Connection refused|failed to resolve host|could not translate host|timeout expired", text):
        reason = re.sub(r"^connection failed: ", "", first)
        return StoreError("store_unreachable", url=url, reason=reason)
    return StoreError("store_unavailable", url=url, reason=first)
