"""Web imports: uploaded files in a temporary folder, checked (dry run) and loaded in a
background thread, with progress that the page polls.

A job belongs to the user who uploaded the file.  Its folder is removed once the file is
loaded, when a load fails, and when the job expires (an hour after its last use).
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rashinban.errors import IngestError, RashinbanError
from rashinban.i18n import render_error, t
from rashinban.service import Rashinban

EXPIRE_SECONDS = 3600
PREVIEW_ROWS = 5
SUFFIXES = (".csv", ".xlsx", ".txt", ".tsv")


@dataclass
class Job:
    id: str
    owner: int
    folder: Path
    path: Path
    preset: str | None
    skip_invalid: bool
    lang: str
    phase: str = "check"  # check | load
    status: str = "running"  # running | checked | rejected | done | failed
    label: str = ""
    unit: str = "bytes"
    total: int = 0
    position: int = 0
    rows: int = 0
    started: float = field(default_factory=time.monotonic)
    touched: float = field(default_factory=time.monotonic)
    result: dict[str, Any] | None = None
    rejects: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0
    message: str | None = None
    preview: dict[str, Any] | None = None

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.rows / elapsed if elapsed > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "file": self.path.name,
            "phase": self.phase,
            "status": self.status,
            "total": self.total,
            "position": self.position,
            "unit": self.unit,
            "rows": self.rows,
            "rows_per_second": round(self.rate, 1),
            "result": self.result,
            "rejected": self.rejected,
            "rejects": self.rejects,
            "message": self.message,
            "preview": self.preview,
            "can_confirm": self.can_confirm,
        }

    @property
    def can_confirm(self) -> bool:
        return self.phase == "check" and self.status in ("checked", "rejected")


class _Progress:
    """The import's reporter: positions and row counts for the polling page."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def start(self, label: str, total: int, unit: str) -> None:
        self.job.label, self.job.total, self.job.unit, self.job.position = label, total, unit, 0

    def advance(self, position: int, rows: int) -> None:
        self.job.position = position
        self.job.rows += rows

    def finish(self) -> None:
        self.job.position = self.job.total


_JOBS: dict[str, Job] = {}
_LOCK = threading.Lock()


@atexit.register
def _remove_all() -> None:
    """Uploaded files never outlive the server process."""
    for job in list(_JOBS.values()):
        shutil.rmtree(job.folder, ignore_errors=True)


def safe_name(name: str | None) -> str:
    base = Path(name or "upload.csv").name
    base = re.sub(r"[^\w.\-]+", "_", base, flags=re.UNICODE).strip("._") or "upload.csv"
    return base[:120]


def new_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="rashinban-upload-"))


def sweep() -> None:
    """Remove expired jobs and their folders."""
    now = time.monotonic()
    with _LOCK:
        old = [j for j in _JOBS.values() if j.status != "running" and now - j.touched > EXPIRE_SECONDS]
        for j in old:
            _JOBS.pop(j.id, None)
    for j in old:
        shutil.rmtree(j.folder, ignore_errors=True)


def get(job_id: str, user_id: int, admin: bool = False) -> Job | None:
    with _LOCK:
        job = _JOBS.get(job_id)
    if job is None or (job.owner != user_id and not admin):
        return None
    job.touched = time.monotonic()
    return job


def start(service: Rashinban, folder: Path, path: Path, preset: str | None, skip_invalid: bool) -> Job:
    sweep()
    assert service.user is not None
    job = Job(uuid.uuid4().hex, service.user.id, folder, path, preset, skip_invalid, service.lang)
    with _LOCK:
        _JOBS[job.id] = job
    threading.Thread(target=_run, args=(service, job), name=f"import-{job.id[:8]}", daemon=True).start()
    return job


def confirm(service: Rashinban, job: Job, skip_invalid: bool) -> Job:
    job.phase, job.status, job.skip_invalid = "load", "running", skip_invalid or job.skip_invalid
    job.rows, job.position, job.started, job.message = 0, 0, time.monotonic(), None
    threading.Thread(target=_run, args=(service, job), name=f"import-{job.id[:8]}", daemon=True).start()
    return job


def _run(service: Rashinban, job: Job) -> None:
    try:
        if job.phase == "check" and job.preview is None:
            job.preview = service.imports.preview(job.path, job.preset)
        result = service.imports.upload(
            job.path,
            preset=job.preset,
            skip_invalid=job.skip_invalid,
            dry_run=job.phase == "check",
            rejects_path=job.folder / "rejects.csv",
            reporter=_Progress(job),
        )
        job.result = {k: v for k, v in result.as_dict().items() if k not in ("file", "files", "rejects_file")}
        job.result["notes_text"] = [note_text(n, job.lang) for n in result.notes]
        job.rejected = result.rejected
        job.rejects = [_reject(r, job.lang) for r in result.rejects]
        job.status = "checked" if job.phase == "check" else "done"
    except IngestError as e:
        if e.code == "rows_rejected":
            job.rejected = int(e.params.get("count", 0))
            job.rejects = [_reject(r, job.lang) for _, r in e.params.get("details", [])]
            job.status = "rejected"
        else:
            job.status, job.message = "failed", render_error(e, job.lang)
    except RashinbanError as e:
        job.status, job.message = "failed", render_error(e, job.lang)
    except Exception as e:  # an unexpected failure is reported, never a dead page
        job.status, job.message = "failed", f"{type(e).__name__}: {e}"
    finally:
        job.touched = time.monotonic()
        if job.phase == "load" or job.status == "failed":
            shutil.rmtree(job.folder, ignore_errors=True)


def note_text(note: dict[str, Any], lang: str) -> str:
    params = dict(note)
    by = params.pop("by", None)
    params["by_text"] = " (" + ", ".join(f"{k}: {v:,}" for k, v in by.items()) + ")" if by else ""
    return t(f"import.note.{note['code']}", lang, **params)


def _reject(r: Any, lang: str) -> dict[str, Any]:
    from rashinban.service import reject_text

    return {
        "row": r.row,
        "column": r.column,
        "value": "" if r.value is None else str(r.value)[:200],
        "reason": r.reason,
        "message": reject_text(r, lang),
    }


def unit_text(job: Job, lang: str) -> str:
    return t(f"forms.import.unit_{'rows' if job.unit == 'rows' else 'bytes'}", lang)
