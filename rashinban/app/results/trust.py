"""The result types of issue 10's areas (manual KPI values, members, breakdowns), re-exported
by the facade as one module (``rashinban.service.trust_results``)."""

from __future__ import annotations

from rashinban.app.results.breakdowns import BreakdownResult, BreakdownValue, ScopeBreakdown
from rashinban.app.results.manual import ManualNode, ManualSaved, ManualValue, ManualValues
from rashinban.app.results.members import MemberChanged, MemberInfo, MembersList, MembersMerged, TeamChoice

__all__ = [
    "BreakdownResult",
    "BreakdownValue",
    "ManualNode",
    "ManualSaved",
    "ManualValue",
    "ManualValues",
    "MemberChanged",
    "MemberInfo",
    "MembersList",
    "MembersMerged",
    "ScopeBreakdown",
    "TeamChoice",
]
