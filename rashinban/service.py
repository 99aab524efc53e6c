"""The one facade that the CLI, the web app and jobs call.

Everything with I/O around the pure engine lives behind this class: reading model files,
loading templates, and (in later layers) the store.  Callers get domain objects back and
render them; errors are :class:`~rashinban.errors.RashinbanError` subclasses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
        raise ModelError("file_unreadable", path=str(p), reason=f"not UTF-8 ({e.reason})") from None
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
        return read_model(path)

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
                raise UsageError("bad_option", option="--target", reason=f"'{target}' is not a number")
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
            before, after = store.upgrade()
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
            store.upgrade()
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
        day = self.parse_date(as_of)
        return build_status(model, self._db(db), period, team, member, day, engine)

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
        try:
            kind = Period(by) if by else None
        except ValueError:
            raise UsageError(
                "bad_option", option="--by-period", reason=f"'{by}' is not a period kind"
            ) from None
        return build_funnel(model, self._db(db), period, team, member, self.parse_date(as_of), kind)

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
        from rashinban.demo.model import default_model_path
        from rashinban.store.db import Store, resolve_url

        cfg = DemoConfig.build(
            scale=scale, reps=reps, months=months, seed=seed, end_month=end_month, password=password
        )
        url = resolve_url(db)
        if url.startswith("duckdb:///"):
            path = Path(url.removeprefix("duckdb:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            out = Path(model_out) if model_out else default_model_path(path)
        else:
            name = url.rsplit("/", 1)[-1].split("?", 1)[0] or "rashinban"
            out = Path(model_out) if model_out else Path(f"{name}.model.yaml")
        store = Store.open(db)
        try:
            return generate(store, cfg, replace=replace, model_out=out, progress=progress)
        finally:
            store.dispose()

    @staticmethod
    def parse_date(text: str | None) -> date:
        if text is None:
            return date.today()
        span = parse_period(text)
        if span.kind != "day":
            raise UsageError("bad_option", option="--as-of", reason=f"'{text}' is not a date (YYYY-MM-DD)")
        return span.start


__all__ = ["Rashinban", "RashinbanError", "parse_sets", "read_model"]
