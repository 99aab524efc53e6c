"""The planning page's revision history: one entry per save (who, when, why, which period),
what it changed (old → new) at the planner's own level first and every team's and member's
row on demand — every revision, a page at a time (no cap)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from math import ceil

from rashinban.app.results.planning import TargetRevision
from rashinban.org.scopes import COMPANY, TEAM

PER_PAGE = 10


@dataclass
class RevisionGroup:
    created_at: datetime
    author: str | None
    reason: str | None
    period: str
    tier: str
    top: list[TargetRevision] = field(default_factory=list)  # the planner's own level
    below: list[TargetRevision] = field(default_factory=list)  # teams and members

    @property
    def count(self) -> int:
        return len(self.top) + len(self.below)


@dataclass(frozen=True)
class HistoryPage:
    groups: list[RevisionGroup]
    page: int
    pages: int
    total: int  # revisions (saves) in all


def group(
    revs: list[TargetRevision], top: tuple[str, int | None], order: dict[str, int] | None = None
) -> list[RevisionGroup]:
    """Rows of one save together (same time, author, reason, period and tier), newest first;
    within a save the planner's level first, the KPIs in the tree's order (``order``)."""
    groups: dict[tuple[object, ...], RevisionGroup] = {}
    for r in revs:
        key = (r.created_at, r.author, r.reason, r.period, r.tier)
        g = groups.get(key)
        if g is None:
            g = groups[key] = RevisionGroup(r.created_at, r.author, r.reason, r.period, r.tier)
        (g.top if (r.scope_type, r.scope_id) == top else g.below).append(r)
    out = sorted(groups.values(), key=lambda g: g.created_at, reverse=True)
    rank = {COMPANY: 0, TEAM: 1}
    pos = order or {}
    for g in out:
        g.top.sort(key=lambda r: (pos.get(r.node, len(pos)), r.node))
        g.below.sort(key=lambda r: (rank.get(r.scope_type, 2), r.scope, pos.get(r.node, len(pos)), r.node))
    return out


def paginate(groups: list[RevisionGroup], page: int, per_page: int = PER_PAGE) -> HistoryPage:
    pages = max(1, ceil(len(groups) / per_page))
    page = min(max(1, page), pages)
    return HistoryPage(groups[(page - 1) * per_page : page * per_page], page, pages, len(groups))
