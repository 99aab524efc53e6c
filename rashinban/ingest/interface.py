"""What a caller of an import deals with: its options, its result, the progress reporter
protocol and the wording of rejected rows."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rashinban.clock import Clock
from rashinban.ingest.people import Choices
from rashinban.ingest.scope import ImportScope
from rashinban.ingest.validate import Reject


def reject_text(reject: Reject, lang: str = "en") -> str:
    """Why a row was rejected, in words (``expected a date (2026-03-31, …)``)."""
    from rashinban.i18n import t

    params = dict(reject.params)
    if "expected" in params and reject.reason == "bad_value":
        params["expected_text"] = t(f"import.expected.{params['expected']}", lang)
    return t(f"import.reject.{reject.reason}", lang, **params)


class Reporter(Protocol):
    """Where an import reports progress (the CLI draws a Rich progress bar)."""

    def start(self, label: str, total: int, unit: str) -> None: ...

    def advance(self, position: int, rows: int) -> None: ...

    def finish(self) -> None: ...


class NullReporter:
    def start(self, label: str, total: int, unit: str) -> None:
        pass

    def advance(self, position: int, rows: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass
class ImportOptions:
    preset: str | None = None
    mapping: str | Path | None = None
    dry_run: bool = False
    skip_invalid: bool = False
    encoding: str | None = None
    rejects_path: str | Path | None = None
    actor: str = "import"
    clock: Clock | None = None  # where started_at/finished_at come from (default: the process clock)
    lock_timeout: float = 600.0  # seconds to wait for other writers before StoreBusy
    scope: ImportScope | None = None  # a manager's import: rows outside it are rejected (ingest/scope.py)
    force: bool = False  # use ``preset`` even when another preset fits the file clearly better
    sheet: str | None = None  # XLSX: the sheet to read (default: the first)
    warn: frozenset[str] = frozenset()  # checks that only warn (ingest/checks.py: CHECKS, or "all")
    # entered around the commit: the CLI defers Ctrl-C there, so "committed" is never a lie
    commit_guard: Callable[[], AbstractContextManager[object]] | None = None
    choices: Choices | None = None  # owners and stages mapped in the preview (ingest/people.py)


@dataclass
class ImportResult:
    file: str
    preset: str
    source: str
    encoding: str | None
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_file: str | None = None
    dry_run: bool = False
    run_id: int | None = None
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)  # the first few, for messages
    files: list[str] = field(default_factory=list)
    file_rows: dict[str, int] = field(default_factory=dict)  # data rows per file read
    people: dict[str, Any] = field(default_factory=dict)  # owners and stages matched (people.py)

    def as_dict(self) -> dict[str, Any]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejects_file": self.rejects_file,
            "rows": self.rows,
            "file": self.file,
            "files": self.files,
            "file_rows": self.file_rows,
            "preset": self.preset,
            "source": self.source,
            "encoding": self.encoding,
            "dry_run": self.dry_run,
            "run_id": self.run_id,
            "tables": self.tables,
            "notes": self.notes,
            "people": self.people,
        }
