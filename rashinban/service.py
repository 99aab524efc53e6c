"""The one facade that the CLI, the web app and jobs call.

Everything with I/O around the pure engine lives behind this class: reading model files,
loading templates, and (in later layers) the store.  Callers get domain objects back and
render them; errors are :class:`~rashinban.errors.RashinbanError` subclasses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rashinban import templates
from rashinban.errors import ModelError, NotFoundError, RashinbanError, UsageError
from rashinban.kpi.allocate import AllocationMode
from rashinban.kpi.calendar import BusinessCalendar, Span, parse_period, public_holiday_name
from rashinban.kpi.findings import Finding, sort_findings
from rashinban.kpi.model import Model
from rashinban.kpi.modelfile import parse_model
from rashinban.kpi.numbers import parse_number, to_float
from rashinban.kpi.smart import smart_findings
from rashinban.kpi.solve import Plan, solve

if TYPE_CHECKING:
    from rashinban.analysis.funnel import FunnelRow
    from rashinban.auth.access import Access
    from rashinban.auth.users import User
    from rashinban.metrics.report import StatusReport
    from rashinban.store import Store


def read_model(path: str | Path) -> Model:
    """Read and validate a model file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ModelError("file_not_found", path=str(p)) from None
    except IsADirectoryError:
        raise ModelError("file_unreadable", path=str(p), reason="is a directory") from None
    except UnicodeDecodeError as e:
        raise ModelError("file_not_utf8", path=str(p), detail=e.reason) from None
    except OSError as e:
        raise ModelError("file_unreadable", path=str(p), reason=e.strerror or str(e)) from None
    return parse_model(text, str(p))


def default_model_path(db: str | None) -> Path:
    """The model next to the store (``rashinban.duckdb`` → ``rashinban.model.yaml``)."""
    from rashinban.store.db import resolve_url

    url = resolve_url(db)
    if url.startswith("duckdb:///"):
        p = Path(url.removeprefix("duckdb:///"))
        return p.with_name(p.stem + ".model.yaml")
    return Path("rashinban.model.yaml")


def store_available(db: str | None) -> bool:
    """A store was named, or the default DuckDB file exists."""
    import os

    from rashinban.store.db import resolve_url

    if db or os.environ.get("RASHINBAN_DB"):
        return True
    url = resolve_url(None)
    return Path(url.removeprefix("duckdb:///")).exists()


def parse_sets(items: Iterable[str]) -> dict[str, Fraction]:
    """``node=value`` pairs from ``--set`` (values as in model files: 1200万, 25%, 0.25)."""
    out: dict[str, Fraction] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        value = parse_number(raw) if sep else None
        if not key.strip() or value is None:
            raise UsageError("set_bad_format", value=item)
        out[key.strip()] = value
    return out


class Rashinban:
    """Service facade.  One instance per request/command."""

    def __init__(self, lang: str = "ja", user: User | None = None, store: Store | None = None) -> None:
        self.lang = lang
        self.user = user  # the signed-in user (web/API); None for the CLI, which sees everything
        self.store = store  # a long-lived store (the web app's); None: open one per call

    def _db(self, db: str | None) -> Store | str | None:
        return self.store if self.store is not None else db

    # planning ------------------------------------------------------------------
    def load_model(self, path: str | Path) -> Model:
        model = read_model(path)
        # the web app's store: its company holidays and funnel stages (admin settings)
        return self._with_settings(model, self.store) if self.store is not None else model

    def plan(
        self,
        path: str | Path,
        sets: Mapping[str, Fraction] | None = None,
        mode: AllocationMode = AllocationMode.EQUAL,
    ) -> Plan:
        return solve(self.load_model(path), sets or {}, mode)

    def check(
        self, path: str | Path, db: str | None = None, as_of: str | None = None
    ) -> tuple[Model, list[Finding]]:
        """SMART findings, the plan's consistency findings and — when a store with history is
        at hand (``db``, ``RASHINBAN_DB`` or the default file) — achievability (A)."""
        from rashinban.analysis.achievability import AchievabilityRule, achievability_findings

        model = self.load_model(path)
        plan = solve(model)
        findings = smart_findings(model) + plan.findings
        if store_available(db):
            from rashinban.metrics.report import history_for_check

            history, _ = history_for_check(model, self._db(db), self.parse_date(as_of))
            rule = AchievabilityRule.from_model(model.extra.get("achievability"))
            findings += achievability_findings(plan, history, rule)
        return model, sort_findings(findings)

    # templates -----------------------------------------------------------------
    def templates(self) -> list[templates.TemplateInfo]:
        return templates.list_templates()

    def init_model(self, template: str, path: str | Path, force: bool = False) -> Path:
        p = Path(path)
        if p.exists() and not force:
            raise UsageError("file_exists", path=str(p))
        text = templates.template_text(template)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        return p

    # calendar ------------------------------------------------------------------
    def period(self, name: str, model_path: str | Path | None = None) -> tuple[Span, BusinessCalendar]:
        model = self.load_model(model_path) if model_path else None
        start = model.fiscal_year_start if model else 4
        span = parse_period(name, start)
        cal = BusinessCalendar(model.holidays if model else ())
        return span, cal

    def period_info(
        self,
        name: str,
        model_path: str | Path | None = None,
        as_of: str | None = None,
        target: str | None = None,
    ) -> dict[str, Any]:
        """Business days of a period and (optionally) a target prorated to ``as_of``."""
        span, cal = self.period(name, model_path)
        day = self.parse_date(as_of)
        amount = None
        if target is not None:
            amount = parse_number(target)
            if amount is None:
                raise UsageError("option_not_number", option="--target", value=target)
        holidays = []
        d = span.start
        while d <= span.end:
            hname = public_holiday_name(d)
            if hname or d in cal.company_holidays:
                holidays.append({"date": d.isoformat(), "name": hname or "company"})
            d += timedelta(days=1)
        share = cal.elapsed_share(span, day)
        return {
            "label": span.label,
            "kind": span.kind,
            "start": span.start.isoformat(),
            "end": span.end.isoformat(),
            "as_of": day.isoformat(),
            "business_days": cal.business_days(span.start, span.end),
            "business_days_elapsed": cal.business_days(span.start, min(day, span.end)),
            "elapsed_share": float(share),
            "holidays": holidays,
            "target": to_float(amount),
            "prorated": to_float(amount * share) if amount is not None else None,
        }

    # data layer (store, imports) ---------------------------------------------------
    def open_store(self, db: str | None = None) -> Any:
        from rashinban.store import Store

        return Store.open(db)

    def db_upgrade(self, db: str | None = None) -> dict[str, Any]:
        """Create or upgrade the store's schema (``db init`` and ``db upgrade``)."""
        store = self.open_store(db)
        try:
            before, after = store.ready()
            return {
                "url": store.engine.url.render_as_string(hide_password=True),
                "before": before,
                "after": after,
            }
        finally:
            store.dispose()

    def import_file(
        self, path: str | Path, db: str | None = None, options: Any = None, reporter: Any = None
    ) -> Any:
        """Import one file (CSV/XLSX) with a preset; returns an ``ImportResult``."""
        from rashinban.ingest.run import ImportOptions, run_import

        store = self.open_store(db)
        try:
            store.ready()
            return run_import(store, path, options or ImportOptions(), reporter)
        finally:
            store.dispose()

    def presets(self) -> list[dict[str, Any]]:
        from rashinban.ingest.catalog import preset_infos

        return preset_infos(self.lang)

    # demo data ---------------------------------------------------------------------

    # users and tokens -------------------------------------------------------------
    def create_token(self, username: str, db: str | None = None, name: str | None = None) -> str:
        from rashinban.auth.users import create_token, find_user
        from rashinban.metrics.report import opened

        with opened(self._db(db)) as store:
            user = find_user(store, username)
            if user is None:
                raise NotFoundError("user_unknown", user=username)
            return create_token(store, user, name)

    def revoke_tokens(self, username: str, db: str | None = None) -> int:
        from rashinban.auth.users import find_user, revoke_tokens
        from rashinban.metrics.report import opened

        with opened(self._db(db)) as store:
            user = find_user(store, username)
            if user is None:
                raise NotFoundError("user_unknown", user=username)
            return revoke_tokens(store, user)

    # metrics and status ------------------------------------------------------------
    def status(
        self,
        model_path: str | Path | None,
        db: str | None = None,
        period: str | None = None,
        team: str | None = None,
        member: str | None = None,
        as_of: str | None = None,
        engine: str = "default",
    ) -> StatusReport:
        """Target, actual, achievement, pace, projection and grade per scope × node × period."""
        from rashinban.metrics.report import build_status

        model = self.load_model(model_path or default_model_path(db))
        if self.store is None and store_available(db):
            model = self._with_settings(model, db)
        day = self.parse_date(as_of)
        access = self._check_scope_args(db, team, member)
        report = build_status(model, self._db(db), period, team, member, day, engine)
        if access is not None:
            report.rows = [r for r in report.rows if access.can_see((r.scope_type, r.scope_id))]
        return report

    def funnel(
        self,
        model_path: str | Path | None,
        db: str | None = None,
        period: str | None = None,
        team: str | None = None,
        member: str | None = None,
        as_of: str | None = None,
        by: str | None = None,
    ) -> list[FunnelRow]:
        """Stage counts, conversion, drop-off and days in stage by entry cohort and scope."""
        from rashinban.kpi.units import Period
        from rashinban.metrics.report import build_funnel

        path = model_path or default_model_path(db)
        model = self.load_model(path) if model_path or Path(path).exists() else None
        if model is not None and self.store is None and store_available(db):
            model = self._with_settings(model, db)
        try:
            kind = Period(by) if by else None
        except ValueError:
            raise UsageError("option_not_period_kind", option="--by-period", value=by) from None
        access = self._check_scope_args(db, team, member)
        visible = access.visible if access is not None else None
        rows = build_funnel(model, self._db(db), period, team, member, self.parse_date(as_of), kind, visible)
        if access is not None:
            rows = [r for r in rows if access.can_see((r.scope_type, r.scope_id))]
        return rows

    # access ----------------------------------------------------------------------------
    def access(self, db: str | None = None) -> Access:
        """The scopes the signed-in user may see (everything for the CLI)."""
        from rashinban.auth.access import EVERYTHING, access_for

        if self.user is None:
            return EVERYTHING
        from rashinban.analysis.dashboard import scope_index
        from rashinban.metrics.report import opened

        with opened(self._db(db)) as store:
            return access_for(self.user, scope_index(store))

    def _check_scope_args(self, db: str | None, team: str | None, member: str | None) -> Access | None:
        """For a signed-in user: the access, after checking that a named team/member is
        visible (ForbiddenError otherwise); None for the CLI."""
        if self.user is None:
            return None
        from rashinban.analysis.dashboard import scope_index
        from rashinban.auth.access import access_for
        from rashinban.metrics.report import opened
        from rashinban.metrics.scopes import MEMBER, TEAM

        with opened(self._db(db)) as store:
            scopes = scope_index(store)
        access = access_for(self.user, scopes)
        for kind, text in ((TEAM, team), (MEMBER, member)):
            found = scopes.find(text, kind) if text is not None else None
            if found is not None:
                access.check((kind, found.id), text)
        return access

    # dashboards (web) ------------------------------------------------------------------
    def _cached(self, key: tuple[Any, ...], compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Dashboard results per user, language and the store's data version (see metrics.cache);
        ``as_of`` defaults to today, so the key carries the date."""
        from rashinban.metrics.cache import cached

        if self.store is None:
            return compute()
        who = (self.user.id, self.user.role, self.user.team_id, self.user.member_id) if self.user else None
        return cached(self.store, (*key, str(date.today()), who, self.lang), compute)

    def _dashboard(self, model_path: str | Path | None, as_of: str | None) -> Any:
        from rashinban.analysis.dashboard import context
        from rashinban.store import admin as S

        store = self.store
        if store is None:
            raise UsageError("store_required")
        settings = (tuple(S.company_holidays(store)), tuple(S.funnel_stages(store) or ()))
        path = model_path or default_model_path(None)
        return context(
            store,
            path,
            lambda p: self._with_settings(read_model(p), store),
            self.user,
            self.parse_date(as_of),
            settings,
        )

    def dashboard_home(
        self,
        model_path: str | Path | None,
        period: str | None = None,
        scope: str | None = None,
        as_of: str | None = None,
    ) -> dict[str, Any]:
        """The KGI and main KPIs of a scope (default: the user's own) for one month."""
        from rashinban.analysis import dashboard as d

        return self._cached(
            ("home", model_path, period, scope, as_of),
            lambda: d.home(self._dashboard(model_path, as_of), d.parse_scope(scope), period, self.lang),
        )

    def dashboard_tree(
        self,
        model_path: str | Path | None,
        period: str | None = None,
        scope: str | None = None,
        as_of: str | None = None,
    ) -> dict[str, Any]:
        """Every KPI of the model with its status for a scope and month."""
        from rashinban.analysis import dashboard as d

        return self._cached(
            ("tree", model_path, period, scope, as_of),
            lambda: d.tree(self._dashboard(model_path, as_of), d.parse_scope(scope), period, self.lang),
        )

    def dashboard_node(
        self,
        model_path: str | Path | None,
        node: str,
        period: str | None = None,
        scope: str | None = None,
        as_of: str | None = None,
    ) -> dict[str, Any]:
        """A node's 12-month trend and its breakdown by team/member."""
        from rashinban.analysis import dashboard as d

        return self._cached(
            ("node", model_path, node, period, scope, as_of),
            lambda: d.node_detail(
                self._dashboard(model_path, as_of), node, d.parse_scope(scope), period, self.lang
            ),
        )

    def dashboard_teams(
        self, model_path: str | Path | None, period: str | None = None, as_of: str | None = None
    ) -> dict[str, Any]:
        from rashinban.analysis import dashboard as d

        return self._cached(
            ("teams", model_path, period, as_of),
            lambda: d.teams(self._dashboard(model_path, as_of), period, self.lang),
        )

    def dashboard_team(
        self, model_path: str | Path | None, team_id: int, period: str | None = None, as_of: str | None = None
    ) -> dict[str, Any]:
        from rashinban.analysis import dashboard as d

        return self._cached(
            ("team", model_path, team_id, period, as_of),
            lambda: d.team(self._dashboard(model_path, as_of), team_id, period, self.lang),
        )

    def dashboard_member(
        self,
        model_path: str | Path | None,
        member_id: int,
        period: str | None = None,
        as_of: str | None = None,
    ) -> dict[str, Any]:
        from rashinban.analysis import dashboard as d

        return self._cached(
            ("member", model_path, member_id, period, as_of),
            lambda: d.member(self._dashboard(model_path, as_of), member_id, period, self.lang),
        )

    def dashboard_scopes(self, model_path: str | Path | None = None) -> list[dict[str, Any]]:
        """The scopes the user may pick on dashboards (company, teams, members)."""
        from rashinban.analysis import dashboard as d

        return d.scope_choices(self._dashboard(model_path, None))

    def dashboard_funnel(
        self,
        model_path: str | Path | None,
        period: str | None = None,
        scope: str | None = None,
        as_of: str | None = None,
    ) -> dict[str, Any]:
        """Funnel stages of one scope (default: the user's own) by month, from ``funnel``."""
        from rashinban.analysis import dashboard as d

        ctx = self._dashboard(model_path, as_of)
        key = ctx.resolve(d.parse_scope(scope))
        span = d.funnel_span(ctx, period)
        rows = self.funnel(
            model_path or default_model_path(None),
            period=span.label,
            team=str(key[1]) if key[0] == "team" else None,
            member=str(key[1]) if key[0] == "member" else None,
            as_of=as_of,
            by="month",
        )
        return d.funnel(ctx, key, span, rows, self.lang)

    def save_plan(
        self,
        model_path: str | Path,
        db: str | None,
        period: str | None,
        author: str | None,
        reason: str | None,
        sets: Mapping[str, Fraction] | None = None,
        mode: AllocationMode = AllocationMode.EQUAL,
    ) -> int:
        """Store the plan's company, team and member targets as a new revision."""
        from rashinban.metrics.report import save_plan_targets

        plan = self.plan(model_path, sets, mode)
        return save_plan_targets(plan, self._db(db), period, author, reason)

    def generate_demo(
        self,
        db: str | None = None,
        *,
        scale: str = "small",
        reps: int | None = None,
        months: int | None = None,
        seed: int = 1,
        password: str | None = None,
        end_month: str | None = None,
        model_out: str | Path | None = None,
        replace: bool = False,
        progress: Any = None,
    ) -> Any:
        """Generate the demo organisation and history into ``db`` (see :mod:`rashinban.demo`)."""
        from rashinban.demo import DemoConfig, generate
        from rashinban.store.db import Store, resolve_url

        cfg = DemoConfig.build(
            scale=scale, reps=reps, months=months, seed=seed, end_month=end_month, password=password
        )
        url = resolve_url(db)
        if url.startswith("duckdb:///"):
            Path(url.removeprefix("duckdb:///")).parent.mkdir(parents=True, exist_ok=True)
        out = Path(model_out) if model_out else default_model_path(db)
        store = Store.open(db)
        try:
            return generate(store, cfg, replace=replace, model_out=out, progress=progress)
        finally:
            store.dispose()

    # imports (web) --------------------------------------------------------------------
    def import_upload(
        self,
        path: str | Path,
        *,
        preset: str | None = None,
        skip_invalid: bool = False,
        dry_run: bool = True,
        rejects_path: str | Path | None = None,
        reporter: Any = None,
    ) -> Any:
        """Import an uploaded file into the facade's store (admins and managers).

        Holds the process-wide write lock, so activity writes wait for the import."""
        from rashinban.auth.write_access import require
        from rashinban.ingest.run import ImportOptions, run_import
        from rashinban.metrics.report import opened
        from rashinban.store.activities import process_write_lock

        user = require(self.user, "admin", "manager")
        options = ImportOptions(
            preset=preset or None,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            rejects_path=rejects_path,
            actor=user.username,
        )
        with opened(self._db(None)) as store, process_write_lock(timeout=600):
            return run_import(store, path, options, reporter)

    # activity log ---------------------------------------------------------------------
    def activity_members(self) -> list[Any]:
        """Members the signed-in user may log activities for (``MemberChoice`` rows)."""
        from rashinban.auth.write_access import all_members, writable_members
        from rashinban.metrics.report import opened

        with opened(self._db(None)) as store:
            allowed = writable_members(store, self.user)
            return all_members(store) if allowed is None else allowed

    def log_activity(self, data: Mapping[str, Any], idempotency_key: str | None = None) -> tuple[Any, bool]:
        """Validate and store one activity; returns (``LoggedActivity``, created).

        ``data``: type, outcome, occurred_at (default now), member_id (default: the user's
        member), note, duration_minutes, deal_id.  Raises :class:`FormInvalid` with field
        errors, ``Forbidden`` for a member outside the user's scope or a read-only user.
        """
        from datetime import datetime

        from rashinban import forms
        from rashinban.auth.write_access import Forbidden, can_log_for, require
        from rashinban.metrics.report import opened
        from rashinban.store import activities as A
        from rashinban.store.admin import member_exists

        user = require(self.user, "admin", "manager", "member", "partner")
        err = forms.Errors()
        kind = forms.text(err, "type", data.get("type"), required=True, max_len=20)
        if kind is not None and kind not in A.TYPES:
            err.add("type", "bad_choice")
            kind = None
        outcome = forms.text(err, "outcome", data.get("outcome"), required=True, max_len=30)
        if kind and outcome is not None and outcome not in A.OUTCOMES[kind]:
            err.add("outcome", "bad_choice")
        now = datetime.now().replace(microsecond=0)
        occurred = forms.timestamp(err, "occurred_at", data.get("occurred_at")) or now
        if occurred > now + timedelta(minutes=10):
            err.add("occurred_at", "in_future")
        elif occurred < now - timedelta(days=400):
            err.add("occurred_at", "too_old")
        member_id = forms.integer(err, "member_id", data.get("member_id"), lo=1)
        note = forms.text(err, "note", data.get("note"), max_len=300)
        duration = forms.integer(err, "duration_minutes", data.get("duration_minutes"), lo=0, hi=24 * 60)
        deal_id = forms.integer(err, "deal_id", data.get("deal_id"), lo=1)
        key = forms.text(err, "idempotency_key", idempotency_key or data.get("idempotency_key"), max_len=100)
        if member_id is None:
            member_id = user.member_id
            if member_id is None:
                err.add("member_id", "required")
        err.check()
        assert kind is not None and outcome is not None and member_id is not None
        with opened(self._db(None)) as store:
            if not can_log_for(store, user, member_id):
                if not member_exists(store, member_id):
                    raise forms.FormInvalid({"member_id": "unknown_member"})
                raise Forbidden("forbidden_member", member=member_id)
            new = A.NewActivity(member_id, kind, outcome, occurred, note, duration, deal_id)
            return A.log_activity(store, new, A.external_id_for(user.id, key), now)

    def recent_activities(self, mine: bool = True, limit: int = 20) -> list[Any]:
        """The newest logged activities: the user's own member, or everyone in scope."""
        from rashinban.auth.write_access import writable_members
        from rashinban.metrics.report import opened
        from rashinban.store.activities import recent_activities

        with opened(self._db(None)) as store:
            if self.user is None:
                ids: list[int] | None = None
            elif mine:
                ids = [self.user.member_id] if self.user.member_id is not None else []
            else:
                allowed = writable_members(store, self.user)
                ids = None if allowed is None else [m.id for m in allowed]
            return recent_activities(store, ids, max(1, min(limit, 200)))

    # planning (web) -------------------------------------------------------------------
    def plan_inputs(
        self, model_path: str | Path, values: Mapping[str, str], weights: Mapping[str, str]
    ) -> tuple[Model, dict[str, Fraction], dict[str, Fraction], dict[str, str]]:
        """Parse the planning form: node values (KGI target, assumptions) and member weights.

        Returns (model with the weights, overrides, weights, field errors)."""
        import dataclasses

        from rashinban.kpi.units import Unit

        model = self.load_model(model_path)
        errors: dict[str, str] = {}
        sets: dict[str, Fraction] = {}
        for nid, raw in values.items():
            if nid not in model.nodes or raw is None or not str(raw).strip():
                continue
            v = parse_number(str(raw).strip()) if len(str(raw)) <= 40 else None
            field = f"node.{nid}"
            if v is None:
                errors[field] = "not_number"
            elif v < 0:
                errors[field] = "negative"
            elif model.nodes[nid].unit is Unit.RATIO and v > 1:
                errors[field] = "ratio_above_one"
            elif nid == model.kgi and v == 0:
                errors[field] = "zero"
            else:
                sets[nid] = v
        ws: dict[str, Fraction] = {}
        for m in model.members:
            wraw = weights.get(m.name)
            if wraw is None or not str(wraw).strip():
                ws[m.name] = m.weight
                continue
            w = parse_number(str(wraw).strip()) if len(str(wraw)) <= 40 else None
            if w is None:
                errors[f"weight.{m.name}"] = "not_number"
            elif w < 0:
                errors[f"weight.{m.name}"] = "negative"
            else:
                ws[m.name] = w
        if model.members and not errors and sum(ws.values(), Fraction(0)) <= 0:
            errors[f"weight.{model.members[0].name}"] = "weights_zero"
        if model.members and len(ws) == len(model.members):
            model = dataclasses.replace(
                model, members=tuple(dataclasses.replace(m, weight=ws[m.name]) for m in model.members)
            )
        return model, sets, ws, errors

    def plan_live(
        self,
        model_path: str | Path,
        values: Mapping[str, str],
        weights: Mapping[str, str],
        mode: AllocationMode = AllocationMode.WEIGHTS,
    ) -> tuple[Plan | None, dict[str, str]]:
        """The reverse calculation for the planning page (no I/O but the model file)."""
        model, sets, _, errors = self.plan_inputs(model_path, values, weights)
        if errors:
            return None, errors
        try:
            return solve(model, sets, mode), {}
        except ModelError as e:
            return None, {f"node.{e.node}" if e.node else "form": e.code}

    def save_plan_web(
        self,
        model_path: str | Path,
        values: Mapping[str, str],
        weights: Mapping[str, str],
        mode: AllocationMode,
        period: str | None,
        reason: str | None,
    ) -> int:
        """Save the planning form's targets (company, teams, members) as a new revision."""
        from rashinban import forms
        from rashinban.auth.write_access import require
        from rashinban.errors import PeriodError
        from rashinban.metrics.report import save_plan_targets

        user = require(self.user, "admin", "manager")
        err = forms.Errors()
        why = forms.text(err, "reason", reason, required=True, max_len=500)
        model, sets, _, errors = self.plan_inputs(model_path, values, weights)
        label = forms.text(err, "period", period, max_len=30) or model.plan_period
        if label is None:
            err.add("period", "required")
        else:
            try:
                parse_period(label, model.fiscal_year_start)
            except PeriodError:
                err.add("period", "bad_period")
        for k, v in errors.items():
            err.add(k, v)
        err.check()
        try:
            plan = solve(model, sets, mode)
        except ModelError as e:
            raise forms.FormInvalid({f"node.{e.node}" if e.node else "form": e.code}) from None
        return save_plan_targets(plan, self._db(None), label, user.username, why)

    def target_history(self, model_path: str | Path, limit: int = 200) -> list[dict[str, Any]]:
        """Every stored target revision (newest first) with scope names, old → new."""
        from rashinban.metrics.backends import load_scope_index
        from rashinban.metrics.report import opened
        from rashinban.store.targets import history

        model = self.load_model(model_path)
        with opened(self._db(None)) as store:
            scopes = load_scope_index(store)
            revs = history(store, model.name)[:limit]
        out = []
        for r in revs:
            key = (r.scope_type, r.scope_id if r.scope_id is not None else 0)
            scope = scopes.scopes.get(key)
            node = model.nodes.get(r.node)
            out.append(
                {
                    "node": r.node,
                    "node_name": (node.name_en if self.lang == "en" and node.name_en else node.name)
                    if node
                    else r.node,
                    "unit": node.unit.value if node else "count",
                    "scope_type": r.scope_type,
                    "scope_id": r.scope_id,
                    "scope": scope.name if scope else r.scope_type,
                    "period": r.period,
                    "tier": r.tier,
                    "revision": r.revision,
                    "old": r.previous,
                    "new": r.value,
                    "author": r.author,
                    "reason": r.reason,
                    "created_at": r.created_at,
                }
            )
        return out

    # admin ----------------------------------------------------------------------------
    def _admin(self) -> User:
        from rashinban.auth.write_access import require

        return require(self.user, "admin")

    def admin_overview(self) -> dict[str, Any]:
        from rashinban.auth.write_access import all_members
        from rashinban.metrics.report import opened
        from rashinban.store import admin as S

        self._admin()
        with opened(self._db(None)) as store:
            return {
                "users": S.list_users(store),
                "teams": S.list_teams(store),
                "members": all_members(store),
                "funnel_stages": S.funnel_stages(store),
                "company_holidays": S.company_holidays(store),
            }

    def _check_team(self, store: Store, err: Any, field: str, team_id: int | None) -> None:
        from rashinban.store.admin import list_teams

        if team_id is not None and all(t.id != team_id for t in list_teams(store)):
            err.add(field, "unknown_team")

    def create_user(self, data: Mapping[str, Any]) -> int:
        from rashinban import forms
        from rashinban.auth.passwords import hash_password
        from rashinban.auth.users import ROLES
        from rashinban.metrics.report import opened
        from rashinban.store import admin as S

        self._admin()
        err = forms.Errors()
        username = forms.text(err, "username", data.get("username"), required=True, max_len=100)
        if username is not None and not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
            err.add("username", "bad_username")
        password = data.get("password")
        if not isinstance(password, str) or not password:
            err.add("password", "required")
        elif len(password) < 10 or len(password) > 200:
            err.add("password", "password_length")
        role = forms.text(err, "role", data.get("role"), required=True, max_len=20)
        if role is not None and role not in ROLES:
            err.add("role", "bad_choice")
        display = forms.text(err, "display_name", data.get("display_name"), max_len=200)
        team_id = forms.integer(err, "team_id", data.get("team_id"), lo=1)
        member_id = forms.integer(err, "member_id", data.get("member_id"), lo=1)
        if role in ("partner", "viewer", "manager") and team_id is None:
            err.add("team_id", "required")
        with opened(self._db(None)) as store:
            self._check_team(store, err, "team_id", team_id)
            if member_id is not None and not S.member_exists(store, member_id):
                err.add("member_id", "unknown_member")
            if username is not None and S.username_taken(store, username):
                err.add("username", "taken")
            err.check()
            assert username is not None and role is not None and isinstance(password, str)
            return S.insert_user(store, username, hash_password(password), role, display, team_id, member_id)

    def update_user(self, user_id: int, data: Mapping[str, Any]) -> None:
        """Change a user's role and scope team, or (``active`` = false) deactivate them."""
        from rashinban import forms
        from rashinban.auth.users import ROLES
        from rashinban.metrics.report import opened
        from rashinban.store import admin as S

        me = self._admin()
        err = forms.Errors()
        values: dict[str, Any] = {}
        if "role" in data:
            role = forms.text(err, "role", data.get("role"), required=True, max_len=20)
            if role is not None and role not in ROLES:
                err.add("role", "bad_choice")
            values["role"] = role
        if "team_id" in data:
            values["team_id"] = forms.integer(err, "team_id", data.get("team_id"), lo=1)
        if "active" in data:
            values["active"] = str(data.get("active")).lower() in ("1", "true", "on", "yes")
        if user_id == me.id and (values.get("active") is False or values.get("role", "admin") != "admin"):
            err.add("role", "not_self")
        with opened(self._db(None)) as store:
            self._check_team(store, err, "team_id", values.get("team_id"))
            err.check()
            if not values:
                return
            if not S.update_user(store, user_id, **values):
                raise NotFoundError("user_unknown", user=str(user_id))

    def create_team(self, data: Mapping[str, Any]) -> int:
        from rashinban import forms
        from rashinban.metrics.report import opened
        from rashinban.store import admin as S

        self._admin()
        err = forms.Errors()
        name = forms.text(err, "name", data.get("name"), required=True, max_len=200)
        parent = forms.integer(err, "parent_id", data.get("parent_id"), lo=1)
        kind = forms.text(err, "kind", data.get("kind"), max_len=20) or "in_house"
        if kind not in ("in_house", "agency"):
            err.add("kind", "bad_choice")
        client = forms.text(err, "client", data.get("client"), max_len=200)
        with opened(self._db(None)) as store:
            self._check_team(store, err, "parent_id", parent)
            err.check()
            assert name is not None
            return S.insert_team(store, name, parent, kind, client)

    def update_team(self, team_id: int, data: Mapping[str, Any]) -> None:
        """Rename (``name``) or move (``parent_id``; empty: to the top) a team."""
        from rashinban import forms
        from rashinban.auth.write_access import team_subtree
        from rashinban.metrics.report import opened
        from rashinban.store import admin as S

        self._admin()
        err = forms.Errors()
        values: dict[str, Any] = {}
        if "name" in data:
            values["name"] = forms.text(err, "name", data.get("name"), required=True, max_len=200)
        with opened(self._db(None)) as store:
            if all(t.id != team_id for t in S.list_teams(store)):
                raise NotFoundError("team_unknown", team=str(team_id))
            if "parent_id" in data:
                parent = forms.integer(err, "parent_id", data.get("parent_id"), lo=1)
                self._check_team(store, err, "parent_id", parent)
                if parent is not None and parent in team_subtree(store, team_id):
                    err.add("parent_id", "team_cycle")
                values["parent_id"] = parent
            err.check()
            if values:
                S.update_team(store, team_id, **values)

    def set_funnel_stages(self, text: str | None) -> list[str]:
        """One stage per line (empty: back to the model's or the default stages)."""
        from rashinban import forms
        from rashinban.metrics.report import opened
        from rashinban.store import admin as S

        user = self._admin()
        err = forms.Errors()
        raw = text if isinstance(text, str) else ""
        stages = [s.strip() for s in raw.splitlines() if s.strip()]
        if len(raw) > 5000 or len(stages) > 20 or any(len(s) > 60 for s in stages):
            err.add("stages", "too_long")
        elif len(set(stages)) != len(stages):
            err.add("stages", "duplicate")
        elif len(stages) == 1:
            err.add("stages", "too_few")
        err.check()
        with opened(self._db(None)) as store:
            S.set_setting(store, S.FUNNEL_STAGES, stages or None, user.username)
        return stages

    def set_company_holidays(self, text: str | None) -> list[date]:
        """Dates and ranges (``2026-12-29..2027-01-03``), one per line or comma-separated."""
        from rashinban import forms
        from rashinban.kpi.calendar import parse_holidays
        from rashinban.metrics.report import opened
        from rashinban.store import admin as S

        user = self._admin()
        err = forms.Errors()
        raw = text if isinstance(text, str) else ""
        items = [s.strip() for s in raw.replace(",", "\n").splitlines() if s.strip()]
        days: set[date] = set()
        if len(raw) > 20000:
            err.add("holidays", "too_long")
        else:
            for item in items:
                try:
                    days.update(parse_holidays([item]))
                except (RashinbanError, ValueError):
                    err.add("holidays", "bad_date")
                    break
        if len(days) > 3000:
            err.add("holidays", "too_long")
        err.check()
        out = sorted(days)
        with opened(self._db(None)) as store:
            S.set_setting(store, S.COMPANY_HOLIDAYS, [d.isoformat() for d in out] or None, user.username)
        return out

    def _with_settings(self, model: Model, db: Store | str | None) -> Model:
        """The model with the store's company holidays and funnel stages (when set)."""
        import dataclasses

        from rashinban.metrics.report import opened
        from rashinban.store import admin as S

        with opened(db) as store:
            holidays = S.company_holidays(store)
            stages = S.funnel_stages(store)
        if not holidays and not stages:
            return model
        extra = dict(model.extra)
        if stages:
            extra["funnel"] = stages
        return dataclasses.replace(
            model, holidays=tuple(sorted(set(model.holidays) | set(holidays))), extra=extra
        )

    @staticmethod
    def parse_date(text: str | None) -> date:
        if text is None:
            return date.today()
        span = parse_period(text)
        if span.kind != "day":
            raise UsageError("option_not_date", option="--as-of", value=text)
        return span.start


__all__ = ["Rashinban", "RashinbanError", "parse_sets", "read_model"]
