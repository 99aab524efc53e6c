"""Rejected rows of an import: streamed to a temporary CSV, kept next to the file or dropped."""

from __future__ import annotations

import os
from pathlib import Path

from rashinban.csvsafe import SafeWriter
from rashinban.ingest.interface import reject_text
from rashinban.ingest.tempfiles import rejects_temp
from rashinban.ingest.validate import Reject

SHOWN_REJECTS = 20


class RejectSink:
    """Rejects stream to a temporary CSV (memory stays flat); the first few are kept."""

    HEADER = ("file", "row", "column", "value", "reason", "message")

    def __init__(self) -> None:
        fd, name = rejects_temp()  # named after this process: a killed run's file is swept
        self.path = Path(name)
        self._f = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
        self._w = SafeWriter(self._f)  # values from the file: no cell may start a formula
        self._w.writerow(self.HEADER)
        self.count = 0
        self.first: list[tuple[str, Reject]] = []
        self.rows: set[tuple[str, int]] = set()

    def add(self, file: str, rejects: list[Reject]) -> None:
        for r in rejects:
            self._w.writerow(
                (file, r.row, r.column, "" if r.value is None else r.value, r.reason, reject_text(r))
            )
            self.rows.add((file, r.row))
            if len(self.first) < SHOWN_REJECTS:
                self.first.append((file, r))
        self.count += len(rejects)

    def close(self) -> None:
        if not self._f.closed:
            self._f.close()

    def keep(self, dest: Path) -> Path:
        self.close()
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.path, dest) if _same_fs(self.path, dest) else _copy(self.path, dest)
        return dest

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


def _same_fs(a: Path, b: Path) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(b.parent).st_dev
    except OSError:
        return False


def _copy(src: Path, dest: Path) -> None:
    import shutil

    shutil.copyfile(src, dest)
    src.unlink(missing_ok=True)
