"""Driver attribution: why the KGI moved between two periods (or against its target).

The KGI is a formula of the tree's leaves.  Its change from ``before`` to ``after`` is split
into one contribution per leaf so that the contributions add up *exactly* to the change:

* ``shapley`` (default, any formula): each leaf gets its Shapley value — the average over
  the orders in which the leaves could move from before to after of the change it causes
  when it moves.  Computed exactly in rational arithmetic (every subset for up to
  ``EXACT_LEAVES`` leaves; above that a fixed set of orders, which still telescopes to the
  exact change).  For a sum the Shapley value of each addend is its own change.
* ``log`` (a pure product of positive leaves): the logarithmic mean Divisia split
  ``ΔY × ln(x₁/x₀) ÷ ln(Y₁/Y₀)`` — the share of the change proportional to the leaf's log
  change; falls back to Shapley when the tree is not a pure product or a value is ≤ 0.

One level down, :func:`mix_split` splits a change of ``KGI = volume × per-unit value`` over
child scopes (teams, members) into volume, mix and rate effects that add up per child.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

from rashinban.kpi.errors import FormulaError
from rashinban.kpi.formula import BinOp, Expr, Ref, evaluate
from rashinban.kpi.formula import refs as _refs
from rashinban.kpi.model import Model

EXACT_LEAVES = 10
HOLDS = Fraction(1, 10**6)  # a formula holds on actuals within this relative gap
SAMPLED_ORDERS = 256


@dataclass(frozen=True)
class Tree:
    """A KGI's formula tree: derived nodes with their expressions, and the leaves."""

    kgi: str
    exprs: Mapping[str, Expr]
    leaves: tuple[str, ...]

    @classmethod
    def from_model(cls, model: Model, root: str | None = None) -> Tree:
        reach = model.reachable(root)
        exprs = {n: model.nodes[n].expr for n in reach if model.nodes[n].expr is not None}
        leaves = tuple(n for n in reach if model.nodes[n].expr is None)
        return cls(root or model.kgi, {k: v for k, v in exprs.items() if v is not None}, leaves)

    def holding(self, measured: Mapping[str, Fraction | None]) -> Tree:
        """The tree as it holds on one scope's actuals.  A node below the KGI whose measured
        value its formula does not give from its inputs' measured values becomes a leaf,
        measured directly: its inputs are credited to another side at this scope (a field
        team's 商談数 counts the deals it works, its リード数 × 商談化率 only those it sourced
        itself).  Nodes no longer reached drop out; where a value is missing the node stays."""
        exprs = dict(self.exprs)
        for nid, expr in self.exprs.items():
            own = measured.get(nid)
            if nid == self.kgi or own is None:
                continue
            env = {r: measured.get(r) for r in _refs(expr)}
            if any(v is None for v in env.values()):
                continue
            try:
                given = evaluate(expr, {k: v for k, v in env.items() if v is not None})
            except FormulaError:
                continue
            if abs(given - own) > HOLDS * max(abs(own), abs(given)):
                del exprs[nid]
        if len(exprs) == len(self.exprs):
            return self
        reach: list[str] = []
        todo = [self.kgi]
        while todo:
            nid = todo.pop()
            if nid in reach:
                continue
            reach.append(nid)
            if nid in exprs:
                todo += sorted(_refs(exprs[nid]))
        leaves = tuple(n for n in (*self.leaves, *self.exprs) if n in reach and n not in exprs)
        return Tree(self.kgi, {k: v for k, v in exprs.items() if k in reach}, leaves)

    def value(self, leaves: Mapping[str, Fraction], node: str | None = None) -> Fraction:
        """The node (default: the KGI) evaluated from leaf values (FormulaError if it cannot)."""
        memo: dict[str, Fraction] = dict(leaves)

        def ev(nid: str) -> Fraction:
            if nid not in memo:
                expr = self.exprs.get(nid)
                if expr is None:
                    raise FormulaError("formula_missing_value", ref=nid)
                env = {r: ev(r) for r in _refs(expr)}
                memo[nid] = evaluate(expr, env)
            return memo[nid]

        return ev(node or self.kgi)

    def product_leaves(self) -> list[str] | None:
        """The leaves of a pure product tree (KGI = x₁ × x₂ × …), else None."""

        def walk(expr: Expr) -> list[str] | None:
            if isinstance(expr, Ref):
                sub = self.exprs.get(expr.name)
                return [expr.name] if sub is None else walk(sub)
            if isinstance(expr, BinOp) and expr.op == "*":
                a, b = walk(expr.left), walk(expr.right)
                return a + b if a is not None and b is not None else None
            return None

        root = self.exprs.get(self.kgi)
        found = walk(root) if root is not None else None
        return found if found is not None and len(set(found)) == len(found) else None


@dataclass(frozen=True)
class Contribution:
    leaf: str
    before: Fraction
    after: Fraction
    contribution: Fraction  # KGI units (yen for 売上)


@dataclass(frozen=True)
class Attribution:
    kgi_before: Fraction
    kgi_after: Fraction
    method: str  # shapley | shapley_sampled | log
    rows: tuple[Contribution, ...]

    @property
    def change(self) -> Fraction:
        return self.kgi_after - self.kgi_before

    @property
    def residual(self) -> Fraction:
        """Change minus the sum of contributions: 0 for Shapley, float rounding for ``log``."""
        return self.change - sum((r.contribution for r in self.rows), Fraction(0))


def attribute(
    tree: Tree,
    before: Mapping[str, Fraction],
    after: Mapping[str, Fraction],
    method: str = "shapley",
) -> Attribution:
    """Split ``KGI(after) − KGI(before)`` over the leaves (see the module text)."""
    leaves = list(tree.leaves)
    y0, y1 = tree.value(before), tree.value(after)
    if method == "log":
        rows = _log_split(tree, before, after, y0, y1)
        if rows is not None:
            return Attribution(y0, y1, "log", rows)
    moving = [leaf for leaf in leaves if before[leaf] != after[leaf]]
    contrib = dict.fromkeys(leaves, Fraction(0))
    if len(moving) <= EXACT_LEAVES:
        contrib.update(_shapley_exact(tree, before, after, moving))
        used = "shapley"
    else:
        contrib.update(_shapley_sampled(tree, before, after, moving))
        used = "shapley_sampled"
    rows = tuple(Contribution(leaf, before[leaf], after[leaf], contrib[leaf]) for leaf in leaves)
    return Attribution(y0, y1, used, rows)


def _mixed(
    before: Mapping[str, Fraction], after: Mapping[str, Fraction], moved: frozenset[str]
) -> dict[str, Fraction]:
    return {k: (after[k] if k in moved else v) for k, v in before.items()}


def _shapley_exact(
    tree: Tree, before: Mapping[str, Fraction], after: Mapping[str, Fraction], moving: list[str]
) -> dict[str, Fraction]:
    n = len(moving)
    values: dict[frozenset[str], Fraction] = {}
    for k in range(n + 1):
        for subset in combinations(moving, k):
            s = frozenset(subset)
            values[s] = tree.value(_mixed(before, after, s))
    weights = [Fraction(math.factorial(k) * math.factorial(n - k - 1), math.factorial(n)) for k in range(n)]
    out: dict[str, Fraction] = {}
    for leaf in moving:
        total = Fraction(0)
        for s, v in values.items():
            if leaf not in s:
                total += weights[len(s)] * (values[s | {leaf}] - v)
        out[leaf] = total
    return out


def _shapley_sampled(
    tree: Tree, before: Mapping[str, Fraction], after: Mapping[str, Fraction], moving: list[str]
) -> dict[str, Fraction]:
    """Average marginal change over a fixed set of orders (each order and its reverse): every
    order telescopes to the whole change, so the average does too — exactly."""
    rng = random.Random(0)
    out = dict.fromkeys(moving, Fraction(0))
    orders: list[list[str]] = []
    for _ in range(SAMPLED_ORDERS // 2):
        order = moving[:]
        rng.shuffle(order)
        orders += [order, order[::-1]]
    for order in orders:
        moved: set[str] = set()
        prev = tree.value(before)
        for leaf in order:
            moved.add(leaf)
            cur = tree.value(_mixed(before, after, frozenset(moved)))
            out[leaf] += cur - prev
            prev = cur
    return {k: v / len(orders) for k, v in out.items()}


def _log_split(
    tree: Tree,
    before: Mapping[str, Fraction],
    after: Mapping[str, Fraction],
    y0: Fraction,
    y1: Fraction,
) -> tuple[Contribution, ...] | None:
    factors = tree.product_leaves()
    if factors is None or set(factors) != set(tree.leaves):
        return None
    if any(before[f] <= 0 or after[f] <= 0 for f in factors) or y0 <= 0 or y1 <= 0:
        return None
    weight = float(y0) if y0 == y1 else float(y1 - y0) / (math.log(float(y1)) - math.log(float(y0)))
    return tuple(
        Contribution(
            f,
            before[f],
            after[f],
            Fraction(weight * (math.log(float(after[f])) - math.log(float(before[f])))),
        )
        for f in tree.leaves
    )


# one level down: child scopes ---------------------------------------------------------------
@dataclass(frozen=True)
class ChildChange:
    key: tuple[str, int]
    volume_before: Fraction
    volume_after: Fraction
    kgi_before: Fraction
    kgi_after: Fraction


@dataclass(frozen=True)
class MixRow:
    key: tuple[str, int]
    kgi_before: Fraction
    kgi_after: Fraction
    volume: Fraction  # the parent's volume change at the child's old share and per-unit value
    mix: Fraction  # the child's share of the volume moving, at its old per-unit value
    rate: Fraction  # the child's per-unit value moving, at its new volume

    @property
    def change(self) -> Fraction:
        return self.kgi_after - self.kgi_before


def mix_split(children: Sequence[ChildChange]) -> list[MixRow]:
    """Volume / mix / rate effects per child of ``KGI_c = V × share_c × unit_c``:

    ``V₁s₁u₁ − V₀s₀u₀ = (V₁−V₀)s₀u₀ + V₁(s₁−s₀)u₀ + V₁s₁(u₁−u₀)`` — exact per child.  A child
    without volume before takes its new per-unit value as the old one (all of it is mix).
    """
    v0 = sum((c.volume_before for c in children), Fraction(0))
    v1 = sum((c.volume_after for c in children), Fraction(0))
    rows = []
    for c in children:
        s0 = c.volume_before / v0 if v0 else Fraction(0)
        s1 = c.volume_after / v1 if v1 else Fraction(0)
        u1 = c.kgi_after / c.volume_after if c.volume_after else None
        u0 = c.kgi_before / c.volume_before if c.volume_before else u1
        if u0 is None:  # no volume before or after: whatever moved is not volume-driven
            change = c.kgi_after - c.kgi_before
            rows.append(MixRow(c.key, c.kgi_before, c.kgi_after, Fraction(0), Fraction(0), change))
            continue
        volume = (v1 - v0) * s0 * u0
        mix = v1 * (s1 - s0) * u0
        rate = c.kgi_after - c.kgi_before - volume - mix
        rows.append(MixRow(c.key, c.kgi_before, c.kgi_after, volume, mix, rate))
    return rows
