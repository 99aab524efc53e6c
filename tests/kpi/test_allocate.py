from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from rashinban.kpi.allocate import split_whole


@settings(max_examples=400, deadline=None)
@given(
    st.integers(0, 10**12),
    st.lists(
        st.fractions(min_value=Fraction(1, 10), max_value=100, max_denominator=100), min_size=1, max_size=50
    ),
)
def test_split_sums_exactly_and_stays_within_one_unit(total: int, weights: list[Fraction]) -> None:
    parts = split_whole(Fraction(total), weights)
    assert sum(parts) == total
    assert all(p.denominator == 1 for p in parts)
    wsum = sum(weights)
    for p, w in zip(parts, weights, strict=True):
        assert abs(p - total * w / wsum) < 1


def test_ties_go_to_earlier_members() -> None:
    assert split_whole(Fraction(10), [Fraction(1)] * 3) == [4, 3, 3]


def test_fractional_total_keeps_the_odd_part() -> None:
    parts = split_whole(Fraction(101, 2), [Fraction(1), Fraction(1)])
    assert sum(parts) == Fraction(101, 2)
