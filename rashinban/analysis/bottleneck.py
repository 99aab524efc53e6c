"""The bottleneck: the KPI whose shortfall costs the KGI most, in the KGI's own unit (yen).

For each leaf of the tree, its reference — the target, the scope's own history (mean of
the last complete months) or its peers (median of the sibling scopes, per head for
volumes) — is compared with its value.  The cost of the shortfall is what the KGI would
gain if that leaf alone reached its reference, everything else unchanged::

    cost(leaf) = KGI(x with leaf := reference) − KGI(x)

— the gap times the leaf's elasticity in the tree, taken exactly rather than to first
order.  Leaves at or above their reference cost nothing.  The bottleneck is the leaf with
the largest cost, the runner-up the next one.  For a lower-is-better leaf "above" means
"below".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from rashinban.analysis.attribution import Tree
from rashinban.kpi.errors import FormulaError

BASES = ("target", "history", "peers")
ONE_PERCENT = Fraction(101, 100)


@dataclass(frozen=True)
class LeafGap:
    leaf: str
    value: Fraction
    reference: Fraction | None
    basis: str  # target | history | peers
    gap: Fraction | None  # reference − value (in the leaf's unit)
    gap_ratio: Fraction | None  # value ÷ reference − 1
    elasticity: Fraction | None  # % change of the KGI for +1 % of the leaf
    cost: Fraction | None  # KGI gained if the leaf alone reached its reference (≥ 0)


@dataclass(frozen=True)
class Bottleneck:
    basis: str
    kgi_value: Fraction
    rows: tuple[LeafGap, ...]  # by cost, largest first (leaves without a reference last)

    @property
    def top(self) -> LeafGap | None:
        return self.rows[0] if self.rows and (self.rows[0].cost or 0) > 0 else None

    @property
    def runner_up(self) -> LeafGap | None:
        return self.rows[1] if len(self.rows) > 1 and (self.rows[1].cost or 0) > 0 else None


def elasticity(tree: Tree, values: Mapping[str, Fraction], leaf: str) -> Fraction | None:
    """The KGI's % change for +1 % of ``leaf`` (as the planner's levers define it)."""
    try:
        base = tree.value(values)
        if base == 0 or values[leaf] == 0:
            return None
        bumped = tree.value({**values, leaf: values[leaf] * ONE_PERCENT})
    except FormulaError:
        return None
    return (bumped - base) / base * 100


def rank(
    tree: Tree,
    values: Mapping[str, Fraction],
    references: Mapping[str, Fraction | None],
    basis: str,
    lower_is_better: frozenset[str] = frozenset(),
) -> Bottleneck:
    """Rank the leaves by the KGI cost of their shortfall against ``references``."""
    kgi = tree.value(values)
    rows: list[LeafGap] = []
    for leaf in tree.leaves:
        value = values[leaf]
        ref = references.get(leaf)
        if ref is None:
            rows.append(LeafGap(leaf, value, None, basis, None, None, elasticity(tree, values, leaf), None))
            continue
        try:
            moved = tree.value({**values, leaf: ref})
        except FormulaError:
            moved = kgi
        gain = moved - kgi
        short = value > ref if leaf in lower_is_better else value < ref
        cost = max(gain, Fraction(0)) if short else Fraction(0)
        ratio = value / ref - 1 if ref else None
        rows.append(
            LeafGap(leaf, value, ref, basis, ref - value, ratio, elasticity(tree, values, leaf), cost)
        )
    rows.sort(key=lambda r: (r.cost is None, -(r.cost or 0), r.leaf))
    return Bottleneck(basis, kgi, tuple(rows))


def history_reference(series: list[Fraction | None], window: int = 6) -> Fraction | None:
    """The mean of the last ``window`` known values (the scope's own history)."""
    known = [v for v in series[-window:] if v is not None]
    return sum(known, Fraction(0)) / len(known) if known else None


def peer_reference(
    peers: list[tuple[Fraction | None, int]], own_heads: int, additive: bool
) -> Fraction | None:
    """The median of the peers' values (volumes per head, scaled to the scope's own heads)."""
    vals: list[Fraction] = []
    for value, heads in peers:
        if value is None:
            continue
        if additive:
            if heads <= 0:
                continue
            vals.append(value / heads)
        else:
            vals.append(value)
    if len(vals) < 2:
        return None
    vals.sort()
    mid = len(vals) // 2
    med = vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2
    return med * own_heads if additive else med
