"""Why a scope missed (or is projected to miss) its KGI: KPI design, execution or market.

Seed 000 (「成果が出ない場合、KPIと営業代行どちらに問題がある?」) tells the three apart by
their signs; each sign here is a number with a threshold:

* **design** — the tree does not reach the KGI (the KPI targets imply another KGI), a KPI
  cannot be measured (main KPIs without data, ``not_measurable``), a target far above the
  scope's own history, volume targets without a quality KPI (``volume_without_quality``);
* **execution** — a phase's KPI low against the scope's own history *and* its peers,
  activity volume low against history, activities entered late, reports thin (activities
  without an outcome or a subject);
* **market** — the teams of the company down together, every lead channel down, the same
  period last year down against its own history too (season), lead inflow down.

A cause whose share of signs present is highest (at least half of its measurable signs, or
two signs) is the verdict; none: unclear.  Each cause carries the seed's recommended
actions; for an agency scope each action says whom it is for (the agency or its client).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DESIGN, EXECUTION, MARKET, UNCLEAR = "design", "execution", "market", "unclear"
CAUSES = (DESIGN, EXECUTION, MARKET)


@dataclass(frozen=True)
class Thresholds:
    tree_gap: float = 0.05  # |KGI implied by the KPI targets ÷ KGI target − 1|
    target_stretch: float = 1.3  # target ÷ own history above this: unrealistic
    phase_low: float = 0.85  # value ÷ history and ÷ peers below this: low
    activity_low: float = 0.85
    entry_lag_factor: float = 1.5  # entry lag above history × this (and over 24 h)
    thin_increase: float = 0.10  # share of bare activities above history + this
    down: float = 0.90  # a team / a channel / last year below its history × this: down
    together: float = 0.75  # share of teams / channels down
    leads_low: float = 0.85


@dataclass(frozen=True)
class Evidence:
    """The numbers the diagnosis reads (None: not measurable for this scope)."""

    kgi_target: float | None
    kgi_projected: float | None
    is_agency: bool = False
    tree_gap: float | None = None
    unmeasured_main: tuple[str, ...] = ()
    not_measurable: tuple[str, ...] = ()
    target_vs_history: Mapping[str, float] = field(default_factory=dict)
    volume_without_quality: tuple[str, ...] = ()
    leaf_vs_history: Mapping[str, float] = field(default_factory=dict)
    leaf_vs_peers: Mapping[str, float] = field(default_factory=dict)
    activity_vs_history: float | None = None
    entry_lag_hours: float | None = None
    entry_lag_history: float | None = None
    bare_share: float | None = None
    bare_share_history: float | None = None
    teams_down: tuple[int, int] | None = None  # (down, of)
    channels_down: tuple[int, int] | None = None
    last_year_vs_history: float | None = None
    leads_vs_history: float | None = None


@dataclass(frozen=True)
class Sign:
    cause: str
    code: str
    present: bool
    value: float | None
    threshold: float | None
    subject: str | None = None  # the KPI or item the sign is about


@dataclass(frozen=True)
class Action:
    cause: str
    code: str
    audience: str  # all | agency | client


@dataclass(frozen=True)
class Diagnosis:
    missed: bool
    verdict: str
    scores: Mapping[str, float]
    signs: tuple[Sign, ...]
    actions: tuple[Action, ...]


ACTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    DESIGN: (
        ("review_tree", "client"),
        ("recheck_definitions", "all"),
        ("reset_targets", "client"),
        ("balance_quality", "all"),
    ),
    EXECUTION: (
        ("check_phase_kpis", "agency"),
        ("verify_reports", "client"),
        ("share_feedback", "all"),
        ("review_contract", "client"),
    ),
    MARKET: (
        ("market_research", "all"),
        ("competitor_analysis", "all"),
        ("reassess_product", "client"),
        ("revise_strategy", "client"),
    ),
}


def signs(e: Evidence, th: Thresholds | None = None) -> list[Sign]:
    th = th or Thresholds()
    out: list[Sign] = []
    if e.tree_gap is not None:
        out.append(Sign(DESIGN, "tree_inconsistent", abs(e.tree_gap) > th.tree_gap, e.tree_gap, th.tree_gap))
    out.append(
        Sign(
            DESIGN,
            "not_measurable",
            bool(e.unmeasured_main or e.not_measurable),
            float(len(e.unmeasured_main) + len(e.not_measurable)),
            0.0,
            ", ".join((*e.unmeasured_main, *e.not_measurable)) or None,
        )
    )
    if e.target_vs_history:
        node, ratio = max(e.target_vs_history.items(), key=lambda kv: kv[1])
        out.append(
            Sign(DESIGN, "target_unrealistic", ratio > th.target_stretch, ratio, th.target_stretch, node)
        )
    out.append(
        Sign(
            DESIGN,
            "volume_without_quality",
            bool(e.volume_without_quality),
            float(len(e.volume_without_quality)),
            0.0,
            ", ".join(e.volume_without_quality) or None,
        )
    )
    low = {k: v for k, v in e.leaf_vs_history.items() if k in e.leaf_vs_peers}
    if low:
        node = min(low, key=lambda k: max(low[k], e.leaf_vs_peers[k]))
        worst = max(low[node], e.leaf_vs_peers[node])
        out.append(Sign(EXECUTION, "phase_low", worst < th.phase_low, worst, th.phase_low, node))
    if e.activity_vs_history is not None:
        out.append(
            Sign(
                EXECUTION,
                "activity_low",
                e.activity_vs_history < th.activity_low,
                e.activity_vs_history,
                th.activity_low,
            )
        )
    if e.entry_lag_hours is not None and e.entry_lag_history is not None:
        limit = max(24.0, e.entry_lag_history * th.entry_lag_factor)
        out.append(Sign(EXECUTION, "entry_late", e.entry_lag_hours > limit, e.entry_lag_hours, limit))
    if e.bare_share is not None and e.bare_share_history is not None:
        limit = e.bare_share_history + th.thin_increase
        out.append(Sign(EXECUTION, "reports_thin", e.bare_share > limit, e.bare_share, limit))
    for code, pair in (("teams_down", e.teams_down), ("channels_down", e.channels_down)):
        if pair is not None and pair[1] >= 2:
            share = pair[0] / pair[1]
            out.append(Sign(MARKET, code, share >= th.together, share, th.together))
    if e.last_year_vs_history is not None:
        out.append(
            Sign(MARKET, "last_year_down", e.last_year_vs_history < th.down, e.last_year_vs_history, th.down)
        )
    if e.leads_vs_history is not None:
        out.append(
            Sign(MARKET, "leads_down", e.leads_vs_history < th.leads_low, e.leads_vs_history, th.leads_low)
        )
    return out


def diagnose(e: Evidence, th: Thresholds | None = None) -> Diagnosis:
    found = signs(e, th)
    missed = e.kgi_target is not None and e.kgi_projected is not None and e.kgi_projected < e.kgi_target
    scores: dict[str, float] = {}
    hits: dict[str, int] = {}
    for cause in CAUSES:
        mine = [s for s in found if s.cause == cause]
        hits[cause] = sum(s.present for s in mine)
        scores[cause] = hits[cause] / len(mine) if mine else 0.0
    best = max(CAUSES, key=lambda c: (scores[c], hits[c]))
    verdict = best if (scores[best] >= 0.5 or hits[best] >= 2) and hits[best] > 0 else UNCLEAR
    causes = CAUSES if verdict == UNCLEAR else (verdict,)
    actions = tuple(
        Action(c, code, audience if e.is_agency else "all") for c in causes for code, audience in ACTIONS[c]
    )
    return Diagnosis(missed, verdict, scores, tuple(found), actions)
