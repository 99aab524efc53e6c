"""The evidence of a miss diagnosis, read from the store, and its result in the user's language."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from rashinban.analysis.bottleneck import history_reference, peer_reference
from rashinban.analysis.diagnosis import Diagnosis, Evidence, diagnose
from rashinban.app.insight_data import Frame, heads, month_span, months_back, peers_of, read_frame
from rashinban.app.insight_text import kgi_value, label, scope_ref
from rashinban.app.insight_tree import scope_tree
from rashinban.app.models import Bundle
from rashinban.app.results.insights import ActionItem, DiagnosisResult, SignItem
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.kpi.errors import FormulaError
from rashinban.kpi.smart import smart_findings
from rashinban.kpi.units import Direction
from rashinban.metrics.backends import ibis_connection
from rashinban.metrics.facts import leads_by_channel
from rashinban.org.access import ScopeKey
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex
from rashinban.store.db import Store

HISTORY = 6


def _ratio(a: Fraction | None, b: Fraction | None) -> float | None:
    return float(a / b) if a is not None and b else None


def _hist(frame: Frame, key: ScopeKey, labels: list[str], node: str) -> Fraction | None:
    return history_reference([frame.value(key, h, node) for h in labels], HISTORY)


def _extra(frame: Frame, key: ScopeKey, label_: str, name: str, project: bool) -> Fraction | None:
    v = frame.extra.get((key, label_), {}).get(name)
    share = frame.share.get(label_, Fraction(1))
    if v is not None and project and 0 < share < 1:
        v = v / share
    return v


def _agency(scopes: ScopeIndex, key: ScopeKey) -> int | None:
    team = key[1] if key[0] == TEAM else scopes.member_team.get(key[1]) if key[0] == MEMBER else None
    chain = scopes.team_chain(team)
    return next((t_ for t_ in chain if t_ in scopes.agency_teams), None)


def _client(store: Store, team_id: int) -> str | None:
    con = ibis_connection(store)
    t_ = con.table("teams")
    rows = t_.filter(t_.id == team_id).select("client").to_pyarrow().to_pylist()
    return str(rows[0]["client"]) if rows and rows[0]["client"] else None


Market = tuple[tuple[int, int] | None, tuple[int, int] | None, float | None, float | None]


def frame_for(
    store: Store, b: Bundle, scopes: ScopeIndex, keys: list[ScopeKey], months: list[Any], day: date
) -> Frame:
    """The frame a diagnosis reads: the scopes, their peers, every team and the company."""
    peers = [p for k in keys for p in peers_of(scopes, k)]
    teams = [(TEAM, tid) for tid in scopes.team_parent]
    wanted = [*keys, *peers, *teams, (COMPANY, 0)]
    return read_frame(store, b, scopes, wanted, months, day, extra=True, target_labels=[months[-1].label])


def market(
    store: Store, b: Bundle, scopes: ScopeIndex, frame: Frame, label_: str, months: list[Any], day: date
) -> Market:
    """The company-wide signs (the same for every scope): teams down, channels down, last year, leads."""
    kgi = b.model.kgi
    history = [m.label for m in months[:-1]]
    teams = [(TEAM, tid) for tid in scopes.team_parent]
    down = 0
    counted = 0
    for k in teams:
        r = _ratio(frame.value(k, label_, kgi), _hist(frame, k, history, kgi))
        if r is not None:
            counted += 1
            down += r < 0.9
    con = ibis_connection(store)
    start = datetime.combine(months[0].start, datetime.min.time())
    end = datetime.combine(months[-1].end, datetime.min.time())
    by_channel: dict[str, dict[date, int]] = {}
    for ch, month, count in leads_by_channel(con, start, end + timedelta(days=1)):
        by_channel.setdefault(ch, {})[month] = count
    share = frame.share.get(label_, Fraction(1))
    ch_down = ch_n = 0
    for series in by_channel.values():
        now = series.get(months[-1].start, 0) / (float(share) if 0 < share < 1 else 1.0)
        past = [series.get(m.start, 0) for m in months[:-1]]
        if sum(past) >= 10:
            ch_n += 1
            ch_down += now < 0.9 * (sum(past) / len(past))
    ly = _last_year(store, b, scopes, months[-1], day)
    company = (COMPANY, 0)
    leads_ratio = _ratio(
        _extra(frame, company, label_, "leads", True),
        history_reference([_extra(frame, company, h, "leads", False) for h in history], HISTORY),
    )
    return ((down, counted) if counted else None, (ch_down, ch_n) if ch_n else None, ly, leads_ratio)


def evidence(
    b: Bundle, scopes: ScopeIndex, frame: Frame, mk: Market, key: ScopeKey, label_: str, months: list[Any]
) -> Evidence:
    model = b.model
    kgi = model.kgi
    tree = scope_tree(b, frame, key, label_)
    history = [m.label for m in months[:-1]]
    peers = peers_of(scopes, key)
    target = frame.target(key, label_, kgi)
    projected = frame.value(key, label_, kgi)
    leaf_targets = {leaf: frame.target(key, label_, leaf) for leaf in tree.leaves}
    tree_gap = None
    if target and all(v is not None for v in leaf_targets.values()):
        try:
            tree_gap = float(
                tree.value({k: v for k, v in leaf_targets.items() if v is not None}) / target - 1
            )
        except FormulaError:
            tree_gap = None
    findings = b.extra.get("insight_smart")
    if findings is None:  # the model's own findings: the same for every scope
        findings = b.extra["insight_smart"] = smart_findings(model)
    mains = [n for n, node in model.nodes.items() if node.role == "main"]
    unmeasured = tuple(
        label(model, n, "ja") for n in mains if all(frame.value(key, m.label, n) is None for m in months)
    )
    stretch = {}
    for n in (kgi, *tree.leaves):
        if n == kgi or b.plan.additive.get(n):
            r = _ratio(frame.target(key, label_, n), _hist(frame, key, history, n))
            if r is not None:
                stretch[n] = r
    vs_hist, vs_peers = {}, {}
    own = heads(scopes, key)
    for leaf in tree.leaves:
        lower = model.nodes[leaf].direction is Direction.LOWER
        value = frame.value(key, label_, leaf)
        h = _ratio(value, _hist(frame, key, history, leaf))
        add = bool(b.plan.additive.get(leaf))
        p = _ratio(
            value, peer_reference([(frame.value(k, label_, leaf), heads(scopes, k)) for k in peers], own, add)
        )
        if h is not None:
            vs_hist[leaf] = 1 / h if lower and h else h
        if p is not None:
            vs_peers[leaf] = 1 / p if lower and p else p

    def acts(lbl: str, project: bool) -> Fraction | None:
        parts = [_extra(frame, key, lbl, n, project) for n in ("calls", "visits", "emails_sent")]
        known = [p for p in parts if p is not None]
        return sum(known, Fraction(0)) if known else None

    act_hist = history_reference([acts(h, False) for h in history], HISTORY)
    lag_hist = history_reference([_extra(frame, key, h, "entry_lag_hours", False) for h in history], HISTORY)

    def bare(lbl: str) -> Fraction | None:
        n = _extra(frame, key, lbl, "activity_count", False)
        return _extra(frame, key, lbl, "bare_activities", False) / n if n else None  # type: ignore[operator]

    bare_hist = history_reference([bare(h) for h in history], HISTORY)
    return Evidence(
        kgi_target=float(target) if target is not None else None,
        kgi_projected=float(projected) if projected is not None else None,
        is_agency=_agency(scopes, key) is not None,
        tree_gap=tree_gap,
        unmeasured_main=unmeasured,
        not_measurable=tuple(f.node or "" for f in findings if f.code == "not_measurable"),
        target_vs_history=stretch,
        volume_without_quality=tuple(f.node or "" for f in findings if f.code == "volume_without_quality"),
        leaf_vs_history=vs_hist,
        leaf_vs_peers=vs_peers,
        activity_vs_history=_ratio(acts(label_, True), act_hist),
        entry_lag_hours=_f(_extra(frame, key, label_, "entry_lag_hours", False)),
        entry_lag_history=_f(lag_hist),
        bare_share=_f(bare(label_)),
        bare_share_history=_f(bare_hist),
        teams_down=mk[0],
        channels_down=mk[1],
        last_year_vs_history=mk[2],
        leads_vs_history=mk[3],
    )


def _f(v: Fraction | None) -> float | None:
    return float(v) if v is not None else None


def _last_year(store: Store, b: Bundle, scopes: ScopeIndex, span: Any, day: date) -> float | None:
    """The company's KGI in the same month last year against the six months before it."""
    fys = b.model.fiscal_year_start
    then = month_span(f"{span.start.year - 1:04d}-{span.start.month:02d}", day, fys)
    months = months_back(then, HISTORY + 1, fys)
    kgi_only = [b.model.kgi]
    frame = read_frame(store, b, scopes, [(COMPANY, 0)], months, day, target_labels=[], nodes=kgi_only)
    kgi = b.model.kgi
    hist = history_reference([frame.value((COMPANY, 0), m.label, kgi) for m in months[:-1]], HISTORY)
    return _ratio(frame.value((COMPANY, 0), then.label, kgi), hist)


def diagnosis_result(
    store: Store, b: Bundle, scopes: ScopeIndex, key: ScopeKey, period: str | None, day: date, lang: str
) -> DiagnosisResult:
    model = b.model
    span = month_span(period, day, model.fiscal_year_start)
    months = months_back(span, HISTORY + 1, model.fiscal_year_start)
    frame = frame_for(store, b, scopes, [key], months, day)
    mk = market(store, b, scopes, frame, span.label, months, day)
    return build_result(store, b, scopes, frame, mk, key, span.label, months, day, lang)


def build_result(
    store: Store,
    b: Bundle,
    scopes: ScopeIndex,
    frame: Frame,
    mk: Market,
    key: ScopeKey,
    label_: str,
    months: list[Any],
    day: date,
    lang: str,
    clients: dict[int, str | None] | None = None,
) -> DiagnosisResult:
    """The diagnosis of ``key`` (``clients``: agency team → client, filled as they are read)."""
    model = b.model
    ev = evidence(b, scopes, frame, mk, key, label_, months)
    d = diagnose(ev)
    agency = _agency(scopes, key)
    client = None
    if agency is not None:
        clients = {} if clients is None else clients
        if agency not in clients:
            clients[agency] = _client(store, agency)
        client = clients[agency]
    return DiagnosisResult(
        model=model.name,
        scope=scope_ref(scopes, key),
        period=label_,
        as_of=day,
        missed=d.missed,
        kgi=kgi_value(model, Fraction(ev.kgi_projected) if ev.kgi_projected is not None else None, lang),
        kgi_target=ev.kgi_target,
        kgi_projected=ev.kgi_projected,
        verdict=d.verdict,  # type: ignore[arg-type]
        scores=dict(d.scores),
        signs=[_sign(model, s, lang) for s in d.signs],
        actions=[
            ActionItem(
                cause=a.cause,  # type: ignore[arg-type]
                code=a.code,
                audience=a.audience,  # type: ignore[arg-type]
                text=t(f"insights.action_{a.code}", lang),
            )
            for a in d.actions
        ],
        agency=agency is not None,
        client=client,
        summary=_summary(model, d, ev, lang),
    )


def _sign(model: Any, s: Any, lang: str) -> SignItem:
    subject = s.subject
    if subject and subject in model.nodes:
        subject = label(model, subject, lang)
    value = "—" if s.value is None else fmt.number(s.value, 2)
    text = t(
        f"insights.sign_{s.code}",
        lang,
        value=value,
        threshold=fmt.number(s.threshold or 0, 2),
        subject=subject or "—",
        pct=fmt.percent(s.value) if s.value is not None else "—",
    )
    return SignItem(
        cause=s.cause,
        code=s.code,
        present=s.present,
        value=s.value,
        threshold=s.threshold,
        subject=subject,
        text=text,
    )


def _summary(model: Any, d: Diagnosis, ev: Evidence, lang: str) -> str:
    unit = str(model.nodes[model.kgi].unit)
    state = "missed" if d.missed else "on_track" if ev.kgi_target is not None else "no_target"
    return t(
        f"insights.diagnosis_{state}",
        lang,
        kgi=label(model, model.kgi, lang),
        projected=fmt.value(ev.kgi_projected, unit, lang),
        target=fmt.value(ev.kgi_target, unit, lang),
        verdict=t(f"insights.verdict_{d.verdict}", lang),
    )
