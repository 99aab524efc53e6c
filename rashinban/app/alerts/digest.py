"""The weekly progress digest: one message per user per week.

* a manager (and a partner, a viewer, an admin): their scope's KGI and main KPIs with pace,
  the open alerts of their scope, its stalled deals, and the sections other areas add;
* a member: their own KPIs and pace, what each still needs by the month's end (per business
  day left), their open alerts and stalled deals.

Other areas add sections with :func:`register_section` — the review issue's "action items
due" goes there: ``register_section("action_items", provider)`` where ``provider(ctx, user,
as_of)`` returns a :class:`~rashinban.app.results.alerts.DigestSection` or None.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from rashinban.alerts.message import Item, Message
from rashinban.app import org
from rashinban.app.alerts import dispatch, inbox
from rashinban.app.alerts.people import inbox_scopes
from rashinban.app.context import AppContext
from rashinban.app.dashboards import pages
from rashinban.app.dashboards.board import Board
from rashinban.app.models import Models
from rashinban.app.results.alerts import DigestNeed, DigestPreview, DigestRun, DigestSection
from rashinban.app.results.common import NodeStatus
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.kpi.calendar import BusinessCalendar
from rashinban.kpi.prorate import remaining_business_days
from rashinban.org.access import EVERYTHING, access_for
from rashinban.org.roles import Role, role_of
from rashinban.org.scopes import MEMBER
from rashinban.org.users import User
from rashinban.store import alert_deliveries as D
from rashinban.store import alerts as repo

SectionProvider = Callable[[AppContext, User, date], DigestSection | None]
SECTIONS: dict[str, SectionProvider] = {}


def register_section(key: str, provider: SectionProvider) -> None:
    """Add a digest section (e.g. the review issue's action items due)."""
    SECTIONS[key] = provider


def home_scope(user: User, ctx: AppContext) -> tuple[str, tuple[str, int] | None]:
    scopes = org.scope_index(ctx)
    if role_of(user) is Role.MEMBER:
        key = (MEMBER, user.member_id) if user.member_id is not None else None
        return "member", key if key in scopes.scopes else None
    return "manager", access_for(user, scopes).home


def preview(ctx: AppContext, models: Models, model_path: Any, user: User, as_of: date) -> DigestPreview:
    lang = dispatch.user_lang(user) if ctx.user is None or ctx.user.id != user.id else ctx.lang
    audience, key = home_scope(user, ctx)
    scopes = org.scope_index(ctx)
    kgi: NodeStatus | None = None
    kpis: list[NodeStatus] = []
    needs: list[DigestNeed] = []
    period = f"{as_of:%Y-%m}"
    if key is not None:
        board = Board(ctx.store, models.for_scope(model_path, key), scopes, EVERYTHING, as_of)
        home = pages.home(board, key, None, lang)
        kgi, kpis, period = home.kgi, list(home.kpis), home.period
        if audience == "member":
            needs = _needs(board, [home.kgi, *home.kpis], as_of, lang)
    visible = inbox_scopes(user, scopes)
    rows, total = repo.list_alerts(ctx.store, visible, ("open", "acknowledged"), limit=500)
    names = inbox.rule_names(ctx)
    sub = _as(ctx, lang)
    stalled = [inbox.item(sub, a, names, False) for a in rows if a.kind == "stalled_deal"][:10]
    others = [inbox.item(sub, a, names, False) for a in rows if a.kind != "stalled_deal"][:10]
    sections = [s for s in (p(ctx, user, as_of) for p in SECTIONS.values()) if s is not None]
    out = DigestPreview(
        user=user.username,
        audience=audience,  # type: ignore[arg-type]
        scope=inbox.scope_ref(scopes, key) if key else None,
        period=period,
        as_of=as_of,
        kgi=kgi,
        kpis=kpis,
        needs=needs,
        open_alerts=others,
        open_total=total,
        stalled_deals=stalled,
        sections=sections,
        subject="",
        text="",
    )
    msg = message(ctx, user, out, lang)
    return out.model_copy(update={"subject": msg.subject, "text": msg.text})


def _as(ctx: AppContext, lang: str) -> AppContext:
    """The context to render alert texts in the recipient's language."""
    from dataclasses import replace

    return replace(ctx, lang=lang) if lang != ctx.lang else ctx


def _needs(board: Board, cards: list[NodeStatus], as_of: date, lang: str) -> list[DigestNeed]:
    span = board.month(None)
    cal = BusinessCalendar(board.model.holidays)
    left = remaining_business_days(span, as_of, cal)
    out = []
    for c in cards:
        node = board.model.nodes[c.id]
        additive = board.bundle.plan.additive.get(c.id, False)
        if c.target is None or c.actual is None or not additive or c.direction != "higher":
            continue
        remaining = Fraction(str(c.target)) - Fraction(str(c.actual))
        if remaining <= 0:
            continue
        per_day = remaining / left if left else None
        out.append(
            DigestNeed(
                node=c.id,
                label=c.label,
                unit=c.unit,
                remaining=float(remaining),
                per_day=float(per_day) if per_day is not None else None,
                remaining_text=fmt.value(remaining, str(node.unit), lang),
                per_day_text=fmt.value(per_day, str(node.unit), lang) if per_day is not None else None,
            )
        )
    return out


def message(ctx: AppContext, user: User, d: DigestPreview, lang: str) -> Message:
    base = dispatch.public_url(ctx)
    items: list[Item] = []
    for card in [c for c in (d.kgi, *d.kpis) if c is not None]:
        pace = fmt.percent(card.pace) if card.pace is not None else "—"
        status = t(f"status.{card.status}", lang)
        text = t("digest.kpi_line", lang, label=card.label, actual=card.actual_text, target=card.target_text)
        items.append(
            Item(f"{text} · {t('digest.pace', lang)} {pace} ({status})", None, _severity(card.status))
        )
    for n in d.needs:
        items.append(
            Item(
                t(
                    "digest.need_line",
                    lang,
                    label=n.label,
                    remaining=n.remaining_text,
                    per_day=n.per_day_text or "—",
                ),
                None,
                "info",
            )
        )
    for a in d.open_alerts:
        items.append(Item(a.message, f"{base}{a.url}", a.severity))
    for a in d.stalled_deals:
        items.append(
            Item(a.message, f"{base}/deals/{a.deal_id}" if a.deal_id else f"{base}{a.url}", a.severity)
        )
    for s in d.sections:
        items += [Item(f"{s.title}: {i.text}", i.url, "info") for i in s.items]
    scope = d.scope.name if d.scope is not None else "-"
    subject = t("digest.subject", lang, scope=scope, period=d.period, date=d.as_of.isoformat())
    intro = t("digest.intro", lang, name=user.label, total=d.open_total, stalled=len(d.stalled_deals))
    data = {
        "event": "weekly_digest",
        "user": user.username,
        "digest": d.model_dump(mode="json", exclude={"text"}),
    }
    return Message(
        subject=subject,
        title=t("digest.title", lang, scope=scope, period=d.period),
        items=tuple(items),
        created_at=ctx.clock.instant(),
        message_id=dispatch.message_id(),
        intro=intro,
        footer=t("alerts.mail.footer", lang),
        url=f"{base}/digest",
        url_label=t("digest.open", lang),
        data=data,
    )


def send_all(ctx: AppContext, models: Models, model_path: Any, dry_run: bool) -> DigestRun:
    """One weekly digest per user and channel (users with the weekly digest on and a push
    channel; a user already sent one this week is skipped).  ``dry_run``: nothing is sent,
    and every user with the digest on is previewed (in-app users read it on /digest)."""
    today = ctx.today()
    year, week, _ = today.isocalendar()
    label = f"{year:04d}-W{week:02d}"
    monday = datetime.combine(today - timedelta(days=today.weekday()), time())
    already = D.weekly_sent_since(ctx.store, monday)
    stored, emails = D.all_prefs(ctx.store), D.member_emails(ctx.store)
    now = ctx.now()
    names: list[str] = []
    previews: list[DigestPreview] = []
    queued = 0
    for user in D.active_users(ctx.store):
        p = dispatch.prefs_of(ctx, user, stored, emails)
        targets = [(c, str(p.target(c))) for c in p.channels if p.target(c)]
        if not p.weekly_digest or user.id in already or home_scope(user, ctx)[1] is None:
            continue
        if dry_run:
            previews.append(preview(ctx, models, model_path, user, today))
            if targets:
                names.append(user.username)
            continue
        if not targets:
            continue
        d = preview(ctx, models, model_path, user, today)
        msg = message(ctx, user, d, dispatch.user_lang(user)).to_json()
        news = [D.NewDelivery(user.id, c, "weekly", target, msg) for c, target in targets]
        later = dispatch.quiet_end(p, now, ctx.clock.zone)
        queued += len(D.create_batch(ctx.store, news, [], now, dispatch.enqueue_delivery(ctx, later)))
        names.append(user.username)
    ctx.refresh()
    return DigestRun(dry_run=dry_run, week=label, users=names, deliveries=queued, previews=previews)


def _severity(status: str) -> str:
    return {"at_risk": "critical", "behind": "warning"}.get(status, "info")


__all__ = ["SECTIONS", "home_scope", "message", "preview", "register_section", "send_all"]
