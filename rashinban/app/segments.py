"""Segment insights over a scope's closed deals, lost-reason Paretos, and next actions for a
stalled deal — with their counts, in the user's language."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from rashinban.analysis.coded import Coded
from rashinban.analysis.funnel import DEFAULT_STAGES
from rashinban.analysis.next_actions import StageActions, action_matrix, suggest
from rashinban.analysis.segments import (
    DealFacts,
    Options,
    ParetoRow,
    SegmentReport,
    Test,
    analyse,
    pareto,
    size_band,
)
from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.app.insight_text import scope_ref
from rashinban.app.insights import Insights
from rashinban.app.results.insights import (
    NextActionsResult,
    ParetoItem,
    SegmentFinding,
    SegmentRate,
    SegmentsResult,
    StageDuration,
    SuggestionItem,
)
from rashinban.errors import NotFoundError, UsageError
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.kpi.calendar import parse_period
from rashinban.metrics.backends import ibis_connection
from rashinban.metrics.facts import closed_deals, day_number, deal_actions, deal_row, stage_entries
from rashinban.org.access import ScopeKey
from rashinban.org.roles import Permission
from rashinban.org.scopes import COMPANY, MEMBER

DEFAULT_MONTHS = 12


class Segments:
    def __init__(self, ctx: AppContext, insights: Insights) -> None:
        self.ctx = ctx
        self.insights = insights

    def _owners(self, key: ScopeKey) -> list[int] | None:
        scopes = org.scope_index(self.ctx)
        if key[0] == COMPANY:
            return None
        return [key[1]] if key[0] == MEMBER else scopes.members_of(key[1])

    def _stages(self) -> tuple[str, ...]:
        configured = org.funnel_stages(self.ctx)
        return tuple(configured) if configured else DEFAULT_STAGES

    def analyse(
        self,
        period: str | None = None,
        scope: str | None = None,
        as_of: str | None = None,
        min_support: int = 30,
        fdr: float = 0.05,
        min_diff: float = 0.05,
        team: str | None = None,
        member: str | None = None,
    ) -> SegmentsResult:
        """Findings over deals closed in ``period`` (default: the last 12 months)."""
        key = self.insights.resolve(scope, team, member)
        if min_support < 5 or not 0 < fdr < 1 or not 0 <= min_diff < 1:
            raise UsageError("segments_bad_options", min_support=min_support, fdr=fdr, min_diff=min_diff)
        day = self.ctx.as_of(as_of)
        if period is None:
            start, end, label = (
                day - timedelta(days=365),
                day + timedelta(days=1),
                f"{day - timedelta(days=365)}..{day}",
            )
        else:
            span = parse_period(period)
            start, end, label = span.start, span.end + timedelta(days=1), span.label or period

        def compute() -> SegmentsResult:
            opts = Options(min_support=min_support, fdr=fdr, min_diff=min_diff)
            facts, rows = self._facts(key, start, end)
            report, by_stage, by_product = self.ctx.cached(
                ("segment_report", start, end, rows, opts), lambda: _report(facts, opts)
            )
            lang = self.ctx.lang
            return SegmentsResult(
                scope=scope_ref(org.scope_index(self.ctx), key),
                period=label,
                as_of=day,
                deals=report.deals,
                tests=report.tests,
                method=t(
                    "segments.method",
                    lang,
                    support=min_support,
                    fdr=fmt.percent(fdr),
                    diff=fmt.percent(min_diff),
                ),
                min_support=min_support,
                fdr=fdr,
                min_diff=min_diff,
                findings=[_finding(f, lang) for f in report.findings],
                win_rates=[
                    SegmentRate(dimension=d, segment=s, deals=n, won=w, win_rate=w / n if n else 0.0)
                    for d, rows in report.win_rates.items()
                    for s, n, w in rows
                ],
                durations=[
                    StageDuration(dimension=d, segment=s, transition=tr, median_days=m, deals=n)
                    for d, rows in report.durations.items()
                    for s, tr, m, n in rows
                ],
                lost_by_stage=[_pareto(r) for r in by_stage],
                lost_by_product=[_pareto(r) for r in by_product],
            )

        return self.ctx.cached(
            ("segments", key, start, end, min_support, fdr, min_diff, self.ctx.lang), compute
        )

    def _facts(self, key: ScopeKey, start: date, end: date) -> tuple[DealFacts, str]:
        """The scope's closed deals: the company's, read once per data version, then masked;
        with a digest of which rows they are (scopes with the same deals share one analysis)."""
        facts, owner = self.ctx.cached(("segment_facts", start, end), lambda: self._all_facts(start, end))
        owners = self._owners(key)
        keep = np.ones(facts.n, bool) if owners is None else np.isin(owner, np.array(owners, dtype=np.int64))
        if keep.all():
            return facts, "all"
        rows = hashlib.sha256(np.packbits(keep).tobytes()).hexdigest()
        return (
            DealFacts(
                facts.won[keep],
                {k: v[keep] for k, v in facts.dims.items()},
                {k: v[keep] for k, v in facts.entered.items()},
                facts.stages,
                facts.lost_stage[keep],
                facts.lost_reason[keep],
            ),
            rows,
        )

    def _all_facts(self, start: date, end: date) -> tuple[DealFacts, np.ndarray]:
        """Every deal closed in [start, end): segments as codes, stage entry days per stage."""
        con = ibis_connection(self.ctx.store)
        d = closed_deals(con, _dt(start), _dt(end), None, coded=True)
        h = stage_entries(con, coded=True, closed_between=(_dt(start), _dt(end)))
        stages = self._stages()
        ids = d["id"]
        n = len(ids)
        pos = np.argsort(ids)
        idx = np.full(len(h["deal_id"]), -1, dtype=np.int64)
        if n:
            loc = np.minimum(np.searchsorted(ids[pos], h["deal_id"]), n - 1)
            idx = np.where(ids[pos][loc] == h["deal_id"], pos[loc], -1)
        # the history's stage codes -> funnel positions (-1: not a funnel stage)
        funnel = {st: i for i, st in enumerate(stages)}
        stage_pos = np.array([funnel.get(str(v), -1) for v in h["stage_values"]], dtype=np.int64)[h["stage"]]
        entered: dict[str, np.ndarray] = {}
        for i, st in enumerate(stages):
            sel = (stage_pos == i) & (idx >= 0)
            if sel.any():
                col = np.full(n, np.inf)
                np.minimum.at(col, idx[sel], h["entered"][sel])
                col[np.isinf(col)] = np.nan
                entered[st] = col
        # the funnel stage a deal was last in: where a lost deal was lost
        last_pos = np.full(n, len(stages), dtype=np.int64)  # len(stages): none ("")
        fun = (idx >= 0) & (stage_pos >= 0)
        ii, ee, ss = idx[fun], h["entered"][fun], stage_pos[fun]
        ee = np.where(np.isnan(ee), np.inf, ee)  # as a sort puts them: last
        latest = np.full(n, -np.inf)
        np.maximum.at(latest, ii, ee)
        tied = np.nonzero(ee == latest[ii])[0]  # of entries on the latest day: the last row
        row = np.full(n, -1, dtype=np.int64)
        np.maximum.at(row, ii[tied], tied)
        last_pos[row >= 0] = ss[row[row >= 0]]
        last_pos[d["won"]] = len(stages)
        lost_stage = Coded.of([*stages, ""], last_pos)
        dims: dict[str, np.ndarray | Coded] = {
            k: Coded.of(list(d[f"{k}_values"]), d[k]) for k in ("product", "industry", "channel", "rep")
        }
        dims["size_band"] = size_band(d["amount"])
        reason = Coded.of(list(d["lost_reason_values"]), d["lost_reason"])
        return DealFacts(d["won"], dims, entered, stages, lost_stage, reason), d["owner"]

    def next_actions(self, deal_id: int, as_of: str | None = None) -> NextActionsResult:
        """What preceded wins at the deal's current stage, and which of it the deal has not done."""
        self.ctx.require(Permission.READ)
        con = ibis_connection(self.ctx.store)
        deal = deal_row(con, deal_id)
        if deal is None:
            raise NotFoundError("deal_unknown", id=deal_id)
        owner = deal["owner_id"]
        scopes = org.scope_index(self.ctx)
        acc = org.access(self.ctx)
        if owner is None and not acc.everything:
            raise NotFoundError("deal_unknown", id=deal_id)
        if owner is not None:
            acc.check((MEMBER, int(owner)), str(deal_id))
        team = scopes.member_team.get(int(owner)) if owner is not None else None
        key: ScopeKey = (
            (COMPANY, 0)
            if acc.everything
            else (
                ("team", team) if team is not None and acc.can_see(("team", team)) else (MEMBER, int(owner))
            )
        )
        return self.ctx.cached(
            ("next_actions", deal_id, key, as_of, self.ctx.lang), lambda: self._next(deal, key, as_of)
        )

    def _next(self, deal: dict[str, Any], key: ScopeKey, as_of: str | None) -> NextActionsResult:
        con = ibis_connection(self.ctx.store)
        day = self.ctx.as_of(as_of)
        stage = str(deal["stage"])
        owners = self._owners(key)
        d = closed_deals(con, datetime(1970, 1, 1), _dt(day + timedelta(days=1)), owners)
        h = stage_entries(con, deal_ids=np.r_[d["id"], np.array([int(deal["id"])])])
        acts = deal_actions(con, owners)
        # each deal's time at the stage: from entering it to its next stage entry (or close)
        ids = d["id"].tolist()
        row = {v: i for i, v in enumerate(ids)}
        at_from = np.full(len(ids), np.nan)
        at_to = np.full(len(ids), np.inf)
        own_from = None
        order = np.lexsort((h["entered"], h["deal_id"]))
        dd, ss, ee = h["deal_id"][order], h["stage"][order], h["entered"][order]
        for k in range(len(dd)):
            if ss[k] != stage:
                continue
            nxt = ee[k + 1] if k + 1 < len(dd) and dd[k + 1] == dd[k] else np.inf
            if int(dd[k]) == int(deal["id"]):
                own_from = ee[k]
            i = row.get(int(dd[k]))
            if i is not None:
                at_from[i], at_to[i] = ee[k], min(nxt, d["closed"][i])
        sel = ~np.isnan(at_from)
        pos = {v: i for i, v in enumerate(np.array(ids)[sel].tolist())}
        won = d["won"][sel]
        a_idx = np.array([pos.get(x, -1) for x in acts["deal_id"].tolist()], dtype=np.int64)
        ok = a_idx >= 0
        frm, to = at_from[sel], at_to[sel]
        ok[ok] &= (acts["occurred"][ok] >= frm[a_idx[ok]]) & (acts["occurred"][ok] < to[a_idx[ok]])
        label = np.array(
            [f"{ty}:{su}" if su else ty for ty, su in zip(acts["type"], acts["subject"], strict=True)],
            dtype=object,
        )
        matrix = action_matrix(a_idx[ok], label[ok], int(sel.sum()))
        mine = acts["deal_id"] == int(deal["id"])
        if own_from is not None:
            mine &= acts["occurred"] >= own_from
        done = {str(x) for x in label[mine]}
        found = suggest(StageActions(stage, won, matrix), done)
        lang = self.ctx.lang
        days_in = float(day_number_of(day) - own_from) if own_from is not None else None
        return NextActionsResult(
            deal_id=int(deal["id"]),
            deal=str(deal["name"]) if deal.get("name") else None,
            stage=stage,
            days_in_stage=days_in,
            closed_at_stage=int(sel.sum()),
            won_at_stage=int(won.sum()),
            suggestions=[
                SuggestionItem(
                    action=s.action,
                    n_with=s.n_with,
                    won_with=s.won_with,
                    rate_with=s.rate_with,
                    n_without=s.n_without,
                    won_without=s.won_without,
                    rate_without=s.rate_without,
                    q_value=s.q_value,
                    done=s.done,
                    sentence=t(
                        "segments.suggestion",
                        lang,
                        action=_action_label(s.action, lang),
                        stage=stage,
                        a=fmt.percent(s.rate_with),
                        n=s.n_with,
                        b=fmt.percent(s.rate_without),
                        m=s.n_without,
                    ),
                )
                for s in found
            ],
        )


def _report(facts: DealFacts, opts: Options) -> tuple[SegmentReport, list[ParetoRow], list[ParetoRow]]:
    """The findings and the lost-reason Paretos (by stage, by product) of some closed deals."""
    lost = ~facts.won
    by_stage = pareto(facts.lost_stage[lost], facts.lost_reason[lost])
    by_product = pareto(facts.dims["product"][lost], facts.lost_reason[lost])
    return analyse(facts, opts), by_stage, by_product


def day_number_of(d: date) -> float:
    return day_number(d)


def _dt(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def _action_label(action: str, lang: str) -> str:
    kind, _, subject = action.partition(":")
    name = t(f"segments.activity_{kind}", lang)
    return (
        f"{name}（{subject}）" if subject and lang == "ja" else (f"{name} ({subject})" if subject else name)
    )


def _finding(f: Test, lang: str) -> SegmentFinding:
    seg = f.segment or t("segments.all_deals", lang)
    params = dict(
        segment=seg,
        dimension=t(f"segments.dim_{f.dimension}", lang),
        a=fmt.percent(f.rate_in),
        b=fmt.percent(f.rate_out),
        n=f"{f.n_in:,}",
        m=f"{f.n_out:,}",
    )
    if f.kind == "duration":
        key = "segments.finding_duration_all" if not f.segment else "segments.finding_duration"
        sentence = t(key, lang, **params, src=f.stage_from, dst=f.stage_to, days=f.threshold_days)
    else:
        sentence = t("segments.finding_segment", lang, **params)
    return SegmentFinding(
        kind=f.kind,  # type: ignore[arg-type]
        dimension=f.dimension,
        segment=f.segment,
        stage_from=f.stage_from,
        stage_to=f.stage_to,
        threshold_days=f.threshold_days,
        n_in=f.n_in,
        won_in=f.won_in,
        rate_in=f.rate_in,
        n_out=f.n_out,
        won_out=f.won_out,
        rate_out=f.rate_out,
        p_value=f.p_value,
        q_value=f.q_value,
        method=f.method,  # type: ignore[arg-type]
        sentence=sentence,
    )


def _pareto(r: ParetoRow) -> ParetoItem:
    return ParetoItem(
        group=r.group, reason=r.reason, count=r.count, share=float(r.share), cumulative=float(r.cumulative)
    )
