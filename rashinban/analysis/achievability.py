"""The A of SMART: is a target within reach of what the company has actually done?

A target that needs more than ``max_improvement`` (default 20 %) over the best actual of
the last ``periods`` periods (default 6) is flagged; lower-is-better KPIs compare with the
lowest actual.  Targets come from the plan (stated or worked backwards), in the plan's
period; actuals are the company's.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from rashinban.kpi.findings import Finding, Severity
from rashinban.kpi.solve import Plan
from rashinban.kpi.units import Direction


@dataclass(frozen=True)
class AchievabilityRule:
    periods: int = 6
    max_improvement: Fraction = Fraction(1, 5)

    @classmethod
    def from_model(cls, spec: Any) -> AchievabilityRule:
        if not isinstance(spec, dict):
            return cls()
        return cls(int(spec.get("periods", 6)), Fraction(str(spec.get("max_improvement", "0.2"))))


def achievability_findings(
    plan: Plan, history: dict[str, list[Fraction | None]], rule: AchievabilityRule
) -> list[Finding]:
    """``history``: node id → its company actuals over the last periods (None: no data)."""
    out: list[Finding] = []
    model = plan.model
    for nid, values in history.items():
        pv = plan.values.get(nid)
        known = [v for v in values if v is not None]
        if pv is None or pv.value is None or not known:
            continue
        node = model.nodes[nid]
        lower = node.direction is Direction.LOWER
        best = min(known) if lower else max(known)
        target = pv.value
        if lower:
            needed = (best - target) / best if best else None
        else:
            needed = (target - best) / best if best else (Fraction(1) if target > 0 else None)
        if needed is None or needed <= rule.max_improvement:
            continue
        out.append(
            Finding(
                "achievability",
                Severity.WARNING,
                "A",
                nid,
                node.line,
                {
                    "target": target,
                    "best": best,
                    "needed": needed,
                    "needed_pct": f"{float(needed) * 100:+.1f}%",
                    "periods": len(values),
                    "unit": node.unit.value,
                    "limit": rule.max_improvement,
                },
            )
        )
    return out
