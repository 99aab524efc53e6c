"""Imports of SFA/CRM exports: the CLI's ``import``, the web's upload → check → confirm,
presets and the preview of how a file's columns map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rashinban.app import audit, org
from rashinban.app.context import AppContext, Progress
from rashinban.app.import_jobs import ImportJobs
from rashinban.ingest.people import Choices
from rashinban.ingest.run import ImportOptions, ImportResult, run_import
from rashinban.ingest.scope import ImportScope
from rashinban.org.roles import Permission, allowed, require
from rashinban.org.scopes import MEMBER, TEAM
from rashinban.store.audit import DATA

PREVIEW_ROWS = 5


def import_scope(ctx: AppContext) -> ImportScope | None:
    """What the signed-in importer may write: None (everything) for admins, else the members
    and teams of their branch (rows outside it are rejected by the loader)."""
    user = ctx.user
    if user is None or allowed(user, Permission.ADMINISTER):
        return None
    acc = org.access(ctx)
    visible = acc.visible or frozenset()
    return ImportScope(
        members=frozenset(i for k, i in visible if k == MEMBER),
        teams=frozenset(i for k, i in visible if k == TEAM),
    )


class Imports:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    @property
    def jobs(self) -> ImportJobs:
        """Web imports as durable jobs (upload → check → confirm → load)."""
        return ImportJobs(self.ctx)

    def run_job(self, payload: dict[str, Any], reporter: Progress) -> dict[str, Any]:
        """The ``import`` job's work (called by the jobs runner through the facade)."""
        return ImportJobs(self.ctx).run(payload, reporter, self)

    def presets(self) -> list[dict[str, Any]]:
        from rashinban.ingest.catalog import preset_infos

        return preset_infos(self.ctx.lang)

    def preset_names(self) -> set[str]:
        return {p["name"] for p in self.presets()}

    def run(
        self, path: str | Path, options: ImportOptions | None = None, reporter: Progress | None = None
    ) -> ImportResult:
        """Import one file (CSV/XLSX) with a preset (all or nothing; a repeat changes nothing)."""
        options = options or ImportOptions()
        options.clock = options.clock or self.ctx.clock
        user = self.ctx.require(Permission.IMPORT)
        if user is not None:
            options.actor = user.username
            options.scope = import_scope(self.ctx)
        self.ctx.creates = True  # an import may create the store: kept only once rows are committed
        result = run_import(self.ctx.store, path, options, reporter)
        if not options.dry_run:
            self.ctx.publish()
        self.ctx.refresh()
        if not result.dry_run:
            detail = {k: v for k, v in result.as_dict().items() if k not in ("files", "notes", "file_rows")}
            detail["file"] = Path(result.file).name
            ev = audit.event(
                self.ctx, "import", DATA, table="import_runs", key=str(result.run_id), detail=detail
            )
            audit.record(self.ctx, ev)
        return result

    def upload(
        self,
        path: str | Path,
        *,
        preset: str | None = None,
        skip_invalid: bool = False,
        dry_run: bool = True,
        rejects_path: str | Path | None = None,
        reporter: Progress | None = None,
        choices: Choices | None = None,
    ) -> ImportResult:
        """Check (``dry_run``) or load an uploaded file (admins and managers); ``choices``: the
        owners and stages mapped in the preview."""
        user = require(self.ctx.user, Permission.IMPORT)
        options = ImportOptions(
            preset=preset or None,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            rejects_path=rejects_path,
            actor=user.username,
            choices=choices,
        )
        return self.run(path, options, reporter)

    def preview(self, path: Path, preset_name: str | None) -> dict[str, Any]:
        """The preset that fits and the first rows: each target column with its source header
        and the first values found there."""
        from rashinban.ingest import presets as P
        from rashinban.ingest.readers import open_table
        from rashinban.ingest.validate import detect_preset, match_part

        tf = open_table(path)
        all_presets = list(P.builtin_presets())
        preset = P.get_preset(preset_name) if preset_name else detect_preset(tf.headers, all_presets)
        if preset is None:
            return {"preset": None, "tables": [], "columns": [], "rows": []}
        part = next((p for p in preset.parts if not p.file or p.file == path.name), preset.parts[0])
        plan = match_part(part, tf.headers, path.name, preset, all_presets)
        sample: dict[str, list[str | None]] = {}
        for batch in tf.batches():
            table = batch.table.slice(0, PREVIEW_ROWS)
            sample = {
                name: [None if v is None else str(v) for v in table.column(name).to_pylist()]
                for name in table.column_names
            }
            break
        n = len(next(iter(sample.values()), []))
        columns = [{"target": "external_id", "source": " + ".join(plan.key_headers)}]
        columns += [{"target": c.spec.target, "source": " / ".join(c.headers) or "—"} for c in plan.columns]
        rows = []
        for i in range(n):
            key = " / ".join(str(sample.get(h, [None] * n)[i] or "") for h in plan.key_headers)
            cells = [key]
            for c in plan.columns:
                value = next(
                    (sample[h][i] for h in c.headers if h in sample and sample[h][i] not in (None, "")), None
                )
                cells.append(
                    value if value is not None else (str(c.spec.const) if c.spec.const is not None else "")
                )
            rows.append(cells)
        return {"preset": preset.name, "tables": [part.table], "columns": columns, "rows": rows}
