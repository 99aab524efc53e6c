"""Web imports as durable jobs: upload → check (a dry run) → confirm → load.

The uploaded file waits in the store's spool folder (beside a DuckDB store, or
``RASHINBAN_SPOOL`` for PostgreSQL: every worker of one host sees it); the check and the load
run as ``import`` jobs, so their state, progress and report live in the store — they survive
a restart and any worker can show them.  A job belongs to the user who uploaded the file
(admins see every job).  The folder goes once the file is loaded, when a job fails, and
after a day unused (swept at each upload).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rashinban.app.context import AppContext, Progress
from rashinban.errors import IngestError, NotFoundError, RashinbanError, UsageError
from rashinban.ingest.people import Choices
from rashinban.ingest.validate import Reject
from rashinban.org.roles import Permission, allowed, require
from rashinban.store import jobs as queue
from rashinban.store.db import resolve_url

KIND = "import"
SUFFIXES = (".csv", ".xlsx", ".txt", ".tsv")
SPOOL_DAYS = 1.0
ORPHAN_MINUTES = 60  # an upload folder no job refers to, untouched this long, is a killed upload
SHOWN_REJECTS = 100


@dataclass(frozen=True)
class ImportJob:
    """What the import page shows of one job."""

    id: int
    file: str
    phase: str  # check | load
    status: str  # running | checked | rejected | done | failed
    total: int
    position: int
    unit: str
    rows: int
    rate: float
    result: dict[str, Any] | None
    rejected: int
    rejects: list[dict[str, Any]] = field(default_factory=list)
    error: RashinbanError | None = None
    preview: dict[str, Any] | None = None
    people: dict[str, Any] = field(default_factory=dict)  # owners and stages matched (ingest/people.py)

    @property
    def can_confirm(self) -> bool:
        return self.phase == "check" and self.status in ("checked", "rejected")

    def as_dict(self, message: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "file": self.file,
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
            "message": message,
            "preview": self.preview,
            "people": self.people,
            "can_confirm": self.can_confirm,
        }


def safe_name(name: str | None) -> str:
    base = Path(name or "upload.csv").name
    base = re.sub(r"[^\w.\-]+", "_", base, flags=re.UNICODE).strip("._") or "upload.csv"
    return base[:120]


def spool_root(db_url: str) -> Path:
    """Where uploads wait: beside a DuckDB store, else ``RASHINBAN_SPOOL`` or the temp dir."""
    if env := os.environ.get("RASHINBAN_SPOOL"):
        return Path(env)
    if db_url.startswith("duckdb:///"):
        p = Path(db_url.removeprefix("duckdb:///"))
        return p.with_name(p.name + ".uploads")
    name = re.sub(r"[^\w]+", "_", db_url.rsplit("/", 1)[-1]) or "store"
    return Path(tempfile.gettempdir()) / f"rashinban-uploads-{name}"


class JobProgress:
    """An import's reporter writing into its job: position of total, and rows in the label."""

    def __init__(self, report: Any) -> None:
        self.report = report  # (done, total, label, unit) -> None
        self.total = 0
        self.unit = "bytes"
        self.rows = 0
        self.started = time.monotonic()

    def start(self, label: str, total: int, unit: str) -> None:
        self.total, self.unit = total, unit
        self.report(0, total, self._label(), unit)

    def advance(self, position: int, rows: int) -> None:
        self.rows += rows
        self.report(min(position, self.total), self.total, self._label(), self.unit)

    def finish(self) -> None:
        self.report(self.total, self.total, self._label(), self.unit)

    def _label(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return json.dumps({"rows": self.rows, "rate": round(self.rows / elapsed, 1)})


class ImportJobs:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    # the web's steps -----------------------------------------------------------------
    def new_folder(self) -> Path:
        """A fresh folder in the spool for one upload (old ones are swept)."""
        require(self.ctx.user, Permission.IMPORT)
        root = spool_root(resolve_url(self.ctx.store.url))
        root.mkdir(parents=True, exist_ok=True)
        self._sweep(root)
        return Path(tempfile.mkdtemp(prefix="upload-", dir=root))

    def start(self, path: Path, preset: str | None, skip_invalid: bool) -> int:
        """Queue the check (dry run) of an uploaded file; returns the job id."""
        user = require(self.ctx.user, Permission.IMPORT)
        payload: dict[str, Any] = {"phase": "check", "path": str(path), "folder": str(path.parent)}
        payload |= {"preset": preset, "skip_invalid": skip_invalid, "lang": self.ctx.lang}
        return queue.enqueue(
            self.ctx.store,
            KIND,
            payload,
            now_utc=self.ctx.clock.instant(),
            max_attempts=2,
            owner_user_id=user.id,
            created_by=user.username,
        )

    def confirm(self, job_id: int, skip_invalid: bool, choices: dict[str, Any] | None = None) -> int:
        """Queue the load of a checked file; returns the new job's id.  ``choices``: the owners
        and stages mapped in the preview (``{"owners": {label: member id | "new:TEAM"},
        "stages": {value: stage}, "team": TEAM}``, see ``ingest/people.py``)."""
        user = require(self.ctx.user, Permission.IMPORT)
        row = self._row(job_id)
        if row.payload.get("phase") == "check" and self._load_of(row) is not None:
            raise NotFoundError("import_expired", id=job_id)  # confirmed already
        view = self._view(row)
        if not view.can_confirm or not Path(row.payload["path"]).exists():
            raise NotFoundError("import_expired", id=job_id)
        chosen = Choices.from_payload(choices)
        _require_choices(view, chosen)
        payload = dict(row.payload) | {"phase": "load", "check_job": job_id}
        payload["skip_invalid"] = bool(skip_invalid or row.payload.get("skip_invalid"))
        payload["choices"] = chosen.as_payload()
        return queue.enqueue(
            self.ctx.store,
            KIND,
            payload,
            now_utc=self.ctx.clock.instant(),
            max_attempts=2,
            owner_user_id=user.id,
            created_by=user.username,
        )

    def get(self, job_id: int) -> ImportJob:
        """The job as the page shows it (404 when it is not the user's or not an import).  A
        confirmed check answers with its load job, so one id follows the file to the end."""
        row = self._row(job_id)
        if row.payload.get("phase") == "check":
            row = self._load_of(row) or row
        return self._view(row)

    def _load_of(self, check: queue.JobRow) -> queue.JobRow | None:
        """The newest load job queued from this check (None: not confirmed)."""
        owner = check.owner_user_id
        for row in queue.list_jobs(self.ctx.store, kinds={KIND}, owner_user_id=owner, limit=200):
            if row.payload.get("check_job") == check.id:
                return row
        return None

    def _row(self, job_id: int) -> queue.JobRow:
        user = self.ctx.user
        row = queue.get(self.ctx.store, job_id)
        mine = row is not None and (
            (user is None and self.ctx.privileged)
            or (
                user is not None and (row.owner_user_id == user.id or allowed(user, Permission.VIEW_ALL_JOBS))
            )
        )
        if row is None or row.kind != KIND or not mine:
            raise NotFoundError("import_expired", id=job_id)
        return row

    def _view(self, row: queue.JobRow) -> ImportJob:
        p = row.payload
        result = row.result or {}
        status = {"queued": "running", "running": "running", "failed": "failed", "cancelled": "failed"}.get(
            row.state, result.get("status", "done")
        )
        try:
            extra = json.loads(row.progress.label or "{}")
        except ValueError:
            extra = {}
        return ImportJob(
            id=row.id,
            file=Path(str(p.get("path", ""))).name,
            phase=str(p.get("phase", "check")),
            status=status,
            total=row.progress.total or 0,
            position=row.progress.done or 0,
            unit=row.progress.unit or "bytes",
            rows=int(extra.get("rows", 0)),
            rate=float(extra.get("rate", 0.0)),
            result=result.get("result"),
            rejected=int(result.get("rejected", 0)),
            rejects=list(result.get("rejects", [])),
            error=_error(row) if status == "failed" else None,
            preview=result.get("preview"),
            people=dict((result.get("result") or {}).get("people") or result.get("people") or {}),
        )

    def _sweep(self, root: Path) -> None:
        """Folders past ``SPOOL_DAYS``, and uploads that no job knows (the server stopped while
        the file came in) once they have been still for ``ORPHAN_MINUTES``."""
        now = self.ctx.clock.instant().timestamp()
        folders = list(root.glob("upload-*"))
        known: set[str] | None = None
        for folder in folders:
            try:
                age = now - folder.stat().st_mtime
                if age > SPOOL_DAYS * 86400:
                    shutil.rmtree(folder, ignore_errors=True)
                elif age > ORPHAN_MINUTES * 60:
                    if known is None:
                        rows = queue.list_jobs(self.ctx.store, kinds={KIND}, limit=10_000)
                        known = {str(r.payload.get("folder", "")) for r in rows}
                    if str(folder) not in known:
                        shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                pass

    def sweep(self) -> None:
        """Clean the spool now (``serve`` does it when it starts)."""
        root = spool_root(resolve_url(self.ctx.store.url))
        if root.is_dir():
            self._sweep(root)

    # the job -------------------------------------------------------------------------
    def run(self, payload: dict[str, Any], reporter: Progress, imports: Any) -> dict[str, Any]:
        """The ``import`` job: check or load the file; returns the report the page shows."""
        path = Path(str(payload.get("path", "")))
        folder = Path(str(payload.get("folder", path.parent)))
        phase = payload.get("phase", "check")
        if not path.exists():
            raise UsageError("import_expired", id=str(path.name))
        out: dict[str, Any] = {"phase": phase}
        try:
            if phase == "check":
                out["preview"] = imports.preview(path, payload.get("preset"))
            try:
                result = imports.upload(
                    path,
                    preset=payload.get("preset"),
                    skip_invalid=bool(payload.get("skip_invalid")),
                    dry_run=phase == "check",
                    rejects_path=folder / "rejects.csv",
                    reporter=reporter,
                    choices=Choices.from_payload(payload.get("choices")),
                )
            except IngestError as e:
                if e.code != "rows_rejected":
                    raise
                out["status"] = "rejected"
                out["rejected"] = int(e.params.get("count", 0))
                out["rejects"] = [_reject(r) for _, r in e.params.get("details", [])][:SHOWN_REJECTS]
                out["people"] = e.params.get("people") or {}
                return out
            data = result.as_dict()
            out["result"] = {k: v for k, v in data.items() if k not in ("file", "files", "rejects_file")}
            out["rejected"] = result.rejected
            out["rejects"] = [_reject(r) for r in result.rejects][:SHOWN_REJECTS]
            out["status"] = "checked" if phase == "check" else "done"
            return out
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            if phase == "load":
                shutil.rmtree(folder, ignore_errors=True)


def _require_choices(view: ImportJob, chosen: Choices) -> None:
    """A load whose check found owners matching no member needs a choice for each (a member, or
    a team to create it in) or one team for all: refused before anything is queued, so the
    uploaded file stays for a second try."""
    unmatched: dict[str, int] = view.people.get("owners_unmatched") or {}
    if chosen.team is not None:
        return
    left = {k: v for k, v in unmatched.items() if k not in chosen.owners}
    if left:
        shown = sorted(left.items(), key=lambda kv: -kv[1])
        raise IngestError(
            "import_unmatched_owners",
            count=len(left),
            rows=sum(left.values()),
            owners=", ".join(f"{k} ({v})" for k, v in shown[:10]),
            labels=[k for k, _ in shown],
        )


def _reject(r: Reject) -> dict[str, Any]:
    value = "" if r.value is None else str(r.value)[:200]
    return {"row": r.row, "column": r.column, "value": value, "reason": r.reason, "params": dict(r.params)}


def _error(row: queue.JobRow) -> RashinbanError:
    from rashinban.app.jobs import stored_error

    error = stored_error(row)
    if error is not None:
        return error
    code = "job_cancelled" if row.state == "cancelled" else "job_crashed"
    return RashinbanError(code, type="", message="")
