"""Splitting plan targets among members so that they sum exactly to the parent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from rashinban.kpi.model import Member, Model
from rashinban.kpi.units import WHOLE_UNITS


class AllocationMode(StrEnum):
    EQUAL = "equal"
    WEIGHTS = "weights"


@dataclass(frozen=True, slots=True)
class Allocation:
    member: str
    node: str
    target: Fraction
    split: str  # "share": a part of the parent's volume; "same": the parent's rate for everyone


def split_whole(total: Fraction, weights: Sequence[Fraction], step: Fraction = Fraction(1)) -> list[Fraction]:
    """Split ``total`` in proportion to ``weights`` in multiples of ``step``, summing exactly.

    Largest-remainder method (Hamilton): everyone gets the floor of their exact share, and
    the units left over go to the largest remainders (ties to the earlier member).  When
    ``total`` is not a multiple of ``step`` the last part absorbs the odd fraction.
    """
    if not weights:
        return []
    wsum = sum(weights, Fraction(0))
    if wsum <= 0:
        raise ValueError("weights must sum to a positive number")
    units = total / step
    whole_units = Fraction(int(units)) if units >= 0 else -Fraction(int(-units))
    exact = [whole_units * w / wsum for w in weights]
    base = [Fraction(int(e)) for e in exact]
    left = int(whole_units - sum(base, Fraction(0)))
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - base[i]), i))
    for i in order[:left]:
        base[i] += 1
    parts = [b * step for b in base]
    parts[-1] += total - sum(parts, Fraction(0))  # the odd fraction, if any
    return parts


def allocate(
    model: Model,
    values: Mapping[str, Fraction],
    additive: Mapping[str, bool],
    mode: AllocationMode = AllocationMode.EQUAL,
    members: Sequence[Member] | None = None,
) -> list[Allocation]:
    """Per-member targets for every valued node: volumes split, rates shared."""
    people = list(members if members is not None else model.members)
    if not people:
        return []
    weights = [m.weight if mode is AllocationMode.WEIGHTS else Fraction(1) for m in people]
    out: list[Allocation] = []
    for nid, value in values.items():
        node = model.nodes[nid]
        if additive[nid]:
            step = Fraction(1) if node.unit in WHOLE_UNITS else Fraction(0)
            parts = (
                split_whole(value, weights, step)
                if step
                else [value * w / sum(weights, Fraction(0)) for w in weights]
            )
            out += [Allocation(m.name, nid, p, "share") for m, p in zip(people, parts, strict=True)]
        else:
            out += [Allocation(m.name, nid, value, "same") for m in people]
    return out
