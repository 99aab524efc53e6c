"""KPI models: which model a page or a command uses, and the stored, versioned models.

A command or page given a file uses that file.  Otherwise the store decides: the model bound
to the scope's team (or the nearest team above it), else the store's default model (the
``default_model`` setting, else the first model pushed).  A store with no stored model
falls back to the file beside it (``rashinban.duckdb`` → ``rashinban.model.yaml``), as
before models were stored.  Every model is read with the store's admin settings applied
(company holidays, funnel stages).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.errors import ModelError, NotFoundError
from rashinban.kpi.model import Model
from rashinban.kpi.modelfile import parse_model
from rashinban.kpi.solve import Plan, solve
from rashinban.metrics.actuals import bound_measures, model_measures
from rashinban.metrics.measures import Measure
from rashinban.org.roles import Permission
from rashinban.org.scopes import MEMBER, TEAM
from rashinban.store import models as model_store
from rashinban.store.db import resolve_url

DEFAULT_MODEL = "default_model"  # app setting: the name of the store's default model


def read_model_file(path: str | Path) -> Model:
    """Read and validate a model file."""
    return parse_model(read_text(path), str(path))


def read_text(path: str | Path) -> str:
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ModelError("file_not_found", path=str(p)) from None
    except IsADirectoryError:
        raise ModelError("file_unreadable", path=str(p), reason="is a directory") from None
    except UnicodeDecodeError as e:
        raise ModelError("file_not_utf8", path=str(p), detail=e.reason) from None
    except OSError as e:
        raise ModelError("file_unreadable", path=str(p), reason=e.strerror or str(e)) from None


def default_model_path(db: str | None) -> Path:
    """The model file beside a DuckDB store (``rashinban.duckdb`` → ``rashinban.model.yaml``)."""
    url = resolve_url(db)
    if url.startswith("duckdb:///"):
        p = Path(url.removeprefix("duckdb:///"))
        return p.with_name(p.stem + ".model.yaml")
    return Path("rashinban.model.yaml")


@dataclass(frozen=True)
class ModelRef:
    """Which model, precisely: a file (path and its stamp) or a stored version."""

    source: str  # file | store
    name: str  # the path for a file
    version: int | None = None  # the stored version
    stamp: tuple[int, int] | None = None  # a file's mtime and size


@dataclass
class Bundle:
    """A parsed model with what every read derives from it (cached per ref and settings)."""

    ref: ModelRef
    model: Model
    plan: Plan
    measures: dict[str, Measure]
    bound: list[str]
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)  # derived caches (targets)


def with_settings(model: Model, holidays: list[Any], stages: list[str]) -> Model:
    """The model with the store's company holidays and funnel stages (when set)."""
    if not holidays and not stages:
        return model
    extra = dict(model.extra)
    if stages:
        extra["funnel"] = stages
    return dataclasses.replace(
        model, holidays=tuple(sorted(set(model.holidays) | set(holidays))), extra=extra
    )


class Models:
    """Model resolution and the stored models (push, list, show, diff, bind)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    # resolution ---------------------------------------------------------------------------
    def ref(self, path: str | Path | None = None, team_id: int | None = None) -> ModelRef:
        if path is not None:
            return _file_ref(Path(path))
        ctx = self.ctx
        if not self._store_usable():
            return _file_ref(default_model_path(ctx.db))
        stored = ctx.org_cached(("model_refs",), lambda: _stored_refs(ctx))
        latest, binds, default = stored
        if latest:
            name = None
            if team_id is not None:
                chain = org.scope_index(ctx).team_chain(team_id)
                name = next((binds[t] for t in chain if t in binds and binds[t] in latest), None)
            chosen = name or default
            assert chosen is not None  # latest is not empty, so there is a first model
            return ModelRef("store", chosen, latest[chosen])
        beside = default_model_path(ctx.db)
        if not beside.exists():
            raise NotFoundError("model_none", path=str(beside), store=ctx.store.display)
        return _file_ref(beside)

    def bundle(self, path: str | Path | None = None, team_id: int | None = None) -> Bundle:
        """The model (with the store's settings when a store is at hand), solved, with its
        measures — parsed once per model version and settings."""
        ref = self.ref(path, team_id)
        holidays, stages = (
            (org.company_holidays(self.ctx), org.funnel_stages(self.ctx))
            if self._store_usable()
            else ([], [])
        )
        key = ("bundle", ref, tuple(holidays), tuple(stages))

        def build() -> Bundle:
            model = with_settings(self._read(ref), holidays, stages)
            return Bundle(ref, model, solve(model), model_measures(model), bound_measures(model))

        if not self.ctx.has_store:
            return build()
        return self.ctx.cached_forever(key, build)

    def load(self, path: str | Path | None = None, team_id: int | None = None) -> Model:
        return self.bundle(path, team_id).model

    def for_scope(self, path: str | Path | None, key: tuple[str, int] | None) -> Bundle:
        """The bundle for a dashboard scope: its team's model (a member: their team's)."""
        team_id = None
        if key is not None and key[0] == TEAM:
            team_id = key[1]
        elif key is not None and key[0] == MEMBER:
            team_id = org.scope_index(self.ctx).member_team.get(key[1])
        return self.bundle(path, team_id)

    def version_of(self, model: Model) -> int | None:
        """The newest stored version of the model named like ``model`` (None: not stored)."""
        if not self._store_usable():
            return None
        latest, _, _ = self.ctx.org_cached(("model_refs",), lambda: _stored_refs(self.ctx))
        return latest.get(model.name)

    def _store_usable(self) -> bool:
        ctx = self.ctx
        if ctx.has_store:
            return True
        url = resolve_url(ctx.db)
        if ctx.db or os.environ.get("RASHINBAN_DB"):
            return True
        return Path(url.removeprefix("duckdb:///")).exists()

    def _read(self, ref: ModelRef) -> Model:
        if ref.source == "file":
            return read_model_file(ref.name)
        stored = model_store.get(self.ctx.store, ref.name, ref.version)
        if stored is None:
            raise NotFoundError("model_unknown", model=ref.name)
        return parse_model(stored.body, f"{ref.name}@v{stored.version}")

    # stored models ------------------------------------------------------------------------
    def push(self, path: str | Path, name: str | None = None, message: str | None = None) -> dict[str, Any]:
        """Store a model file as a new version (a file that does not parse stores nothing)."""
        self._require()
        text = read_text(path)
        model = parse_model(text, str(path))  # ModelError with file/line/node: nothing stored
        target = name or model.name
        version, created = model_store.push(
            self.ctx.store, target, text, self.ctx.actor, message, self.ctx.now()
        )
        return {"name": target, "version": version, "created": created}

    def push_text(self, text: str, source: str, name: str | None = None, message: str | None = None) -> int:
        model = parse_model(text, source)
        version, _ = model_store.push(
            self.ctx.store, name or model.name, text, self.ctx.actor, message, self.ctx.now()
        )
        return version

    def stored(self) -> dict[str, Any]:
        """Every stored model's newest version, its default flag and the teams bound to it."""
        store = self.ctx.store
        latest, binds, default = _stored_refs(self.ctx)
        scopes = org.scope_index(self.ctx)
        out = []
        for info in model_store.versions(store):
            if info.version != latest.get(info.name):
                continue
            teams = sorted(
                (
                    scopes.scopes[(TEAM, t)].name
                    for t, n in binds.items()
                    if n == info.name and (TEAM, t) in scopes.scopes
                )
            )
            out.append(
                {
                    "name": info.name,
                    "version": info.version,
                    "author": info.author,
                    "created_at": info.created_at.isoformat(timespec="seconds"),
                    "message": info.message,
                    "default": info.name == default,
                    "teams": teams,
                }
            )
        return {"models": out}

    def history(self, name: str) -> list[dict[str, Any]]:
        rows = model_store.versions(self.ctx.store, name)
        if not rows:
            raise NotFoundError("model_unknown", model=name)
        return [
            {
                "version": r.version,
                "author": r.author,
                "created_at": r.created_at.isoformat(timespec="seconds"),
                "message": r.message,
            }
            for r in rows
        ]

    def show(self, name: str, version: int | None = None) -> dict[str, Any]:
        stored = model_store.get(self.ctx.store, name, version)
        if stored is None:
            raise NotFoundError("model_unknown", model=name if version is None else f"{name}@v{version}")
        return {
            "name": stored.name,
            "version": stored.version,
            "author": stored.author,
            "created_at": stored.created_at.isoformat(timespec="seconds"),
            "message": stored.message,
            "body": stored.body,
        }

    def diff(self, name: str, old: int | None = None, new: int | None = None) -> dict[str, Any]:
        """What changed between two versions (default: the newest and the one before)."""
        newer = model_store.get(self.ctx.store, name, new)
        if newer is None:
            raise NotFoundError("model_unknown", model=name)
        older = model_store.get(self.ctx.store, name, old if old is not None else newer.version - 1)
        if older is None:
            raise NotFoundError(
                "model_unknown", model=f"{name}@v{old if old is not None else newer.version - 1}"
            )
        a = parse_model(older.body, f"{name}@v{older.version}")
        b = parse_model(newer.body, f"{name}@v{newer.version}")
        lines = list(
            difflib.unified_diff(
                older.body.splitlines(),
                newer.body.splitlines(),
                f"{name}@v{older.version}",
                f"{name}@v{newer.version}",
                lineterm="",
            )
        )
        return {
            "name": name,
            "old": older.version,
            "new": newer.version,
            "nodes": _node_changes(a, b),
            "text": lines,
        }

    def bind(self, team: str, name: str | None) -> dict[str, Any]:
        """Bind a team (name or id) to a stored model; ``None`` unbinds it."""
        self._require()
        scopes = org.scope_index(self.ctx)
        found = scopes.find(team, TEAM)
        if found is None:
            raise NotFoundError("team_unknown", team=team)
        if name is not None and model_store.get(self.ctx.store, name) is None:
            raise NotFoundError("model_unknown", model=name)
        model_store.bind(self.ctx.store, found.id, name, self.ctx.actor, self.ctx.now())
        return {"team": found.name, "team_id": found.id, "model": name}

    def set_default(self, name: str) -> None:
        from rashinban.store import admin as admin_store

        self._require()
        if model_store.get(self.ctx.store, name) is None:
            raise NotFoundError("model_unknown", model=name)
        admin_store.set_setting(self.ctx.store, DEFAULT_MODEL, name, self.ctx.actor, self.ctx.now())

    def _require(self) -> None:
        self.ctx.require(Permission.MANAGE_MODELS)


def _file_ref(p: Path) -> ModelRef:
    try:
        st = p.stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = (-1, -1)
    return ModelRef("file", str(p), None, stamp)


def _stored_refs(ctx: AppContext) -> tuple[dict[str, int], dict[int, str], str | None]:
    """(newest version per model, team bindings, the default model's name)."""
    latest = model_store.latest_versions(ctx.store)
    if not latest:
        return {}, {}, None
    binds = model_store.bindings(ctx.store)
    default = org.settings(ctx).get(DEFAULT_MODEL)
    if not isinstance(default, str) or default not in latest:
        default = model_store.first_name(ctx.store)
    return latest, binds, default


def _node_changes(a: Model, b: Model) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for nid in sorted(set(a.nodes) | set(b.nodes)):
        old, new = a.nodes.get(nid), b.nodes.get(nid)
        if old is None or new is None:
            out.append({"node": nid, "change": "added" if old is None else "removed"})
            continue
        fields = [
            f
            for f in (
                "name",
                "unit",
                "formula_text",
                "target",
                "assume",
                "period",
                "measure",
                "definition",
                "owner",
            )
            if getattr(old, f) != getattr(new, f)
        ]
        if fields:
            out.append(
                {
                    "node": nid,
                    "change": "changed",
                    "fields": {f: [_plain(getattr(old, f)), _plain(getattr(new, f))] for f in fields},
                }
            )
    return out


def _plain(v: Any) -> Any:
    if v is None or isinstance(v, str | int | float | bool):
        return v
    return str(v)
