"""The KPI model: nodes linked by formulas, a KGI, members, a calendar."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction

from rashinban.kpi.formula import Expr, refs
from rashinban.kpi.units import Direction, Period, Unit

TIERS = ("target", "stretch", "floor")  # 目標 / ストレッチ目標 / 最低ライン


@dataclass(frozen=True, slots=True)
class Relative:
    """A target stated against an earlier actual: 前年比120% (``yoy``), 前月比110% (``mom``)."""

    tier: str  # target | stretch | floor
    basis: str  # yoy | mom
    factor: Fraction
    line: int = 0


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    name: str
    unit: Unit
    line: int = 0
    name_en: str | None = None
    formula_text: str | None = None
    expr: Expr | None = None
    target: Fraction | None = None
    assume: Fraction | None = None
    period: Period | None = None  # None: the model's period
    definition: str | None = None
    direction: Direction = Direction.HIGHER
    owner: str | None = None
    controllable: bool | None = None
    role: str | None = None  # main | aux
    ksf: str | None = None
    manual: bool = False
    measure: str | None = None
    additive: bool | None = None  # None: inferred from the unit and the formulas
    stretch: Fraction | None = None  # the stretch tier (ストレッチ目標)
    floor: Fraction | None = None  # the floor tier (最低ライン)
    relative: tuple[Relative, ...] = ()  # tiers stated as 前年比 / 前月比, resolved from actuals
    field_lines: tuple[tuple[str, int], ...] = ()

    @property
    def children(self) -> list[str]:
        return refs(self.expr) if self.expr is not None else []

    @property
    def derived(self) -> bool:
        return self.expr is not None

    def line_of(self, field_name: str) -> int:
        return dict(self.field_lines).get(field_name, self.line)

    def tier_value(self, tier: str) -> Fraction | None:
        return self.target if tier == "target" else self.stretch if tier == "stretch" else self.floor

    def with_value(self, key: str, value: Fraction | None) -> Node:
        """The node with ``target``, ``assume``, ``stretch`` or ``floor`` set to ``value``."""
        if key == "target":
            return replace(self, target=value)
        if key == "assume":
            return replace(self, assume=value)
        if key == "stretch":
            return replace(self, stretch=value)
        if key == "floor":
            return replace(self, floor=value)
        raise KeyError(key)

    def relative_of(self, tier: str) -> Relative | None:
        return next((r for r in self.relative if r.tier == tier), None)


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    weight: Fraction = Fraction(1)
    team: str | None = None


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    kgi: str
    nodes: dict[str, Node]
    period: Period = Period.MONTH
    fiscal_year_start: int = 4
    members: tuple[Member, ...] = ()
    holidays: tuple[date, ...] = ()
    plan_period: str | None = None
    deadline: date | None = None
    description: str | None = None
    tolerance: Fraction = Fraction(1, 1000)
    business_days_per_year: int | None = None
    max_main_kpis: int = 5
    file: str | None = None
    line: int = 0
    field_lines: tuple[tuple[str, int], ...] = ()
    extra: dict[str, object] = field(default_factory=dict)

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def period_of(self, node_id: str) -> Period:
        return self.nodes[node_id].period or self.period

    def parents(self) -> dict[str, list[str]]:
        """For each node id, the ids of the nodes whose formula references it."""
        out: dict[str, list[str]] = {nid: [] for nid in self.nodes}
        for nid, node in self.nodes.items():
            for child in node.children:
                if child in out and nid not in out[child]:
                    out[child].append(nid)
        return out

    def reachable(self, root: str | None = None) -> list[str]:
        """Ids reachable from ``root`` (default: the KGI), parents before children."""
        start = root or self.kgi
        seen: list[str] = []
        stack = [start]
        while stack:
            nid = stack.pop()
            if nid in seen or nid not in self.nodes:
                continue
            seen.append(nid)
            stack.extend(reversed(self.nodes[nid].children))
        return seen

    def leaves(self, root: str | None = None) -> list[str]:
        return [nid for nid in self.reachable(root) if not self.nodes[nid].derived]

    def line_of(self, field_name: str) -> int:
        return dict(self.field_lines).get(field_name, self.line)
