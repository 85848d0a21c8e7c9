"""analyze(): everything at once, defined for every input, sums that add up."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmently.core.stats import VariantStats, analyze


def _numbers(value: object) -> list[float]:
    """Every float inside a (nested) frozen dataclass result."""
    if isinstance(value, float):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [x for f in dataclasses.fields(value) for x in _numbers(getattr(value, f.name))]
    if isinstance(value, tuple):
        return [x for item in value for x in _numbers(item)]
    return []


def test_abn_report() -> None:
    variants = [
        VariantStats(10_000, 1000, 41_000.0, 2.1e7),
        VariantStats(10_000, 1100, 45_000.0, 2.3e7),
        VariantStats(10_000, 990, 40_000.0, 2.0e7),
    ]
    report = analyze(variants, weights=(34, 33, 33))
    assert [c.variant for c in report.comparisons] == [1, 2]
    assert report.winner.winner == 1
    first = report.comparisons[0]
    assert first.adjusted_p_value == pytest.approx(min(1.0, 2 * first.z_test.p_value))
    assert first.adjusted_confidence <= first.z_test.confidence
    assert first.bayesian.chance_to_beat_control > 0.95
    assert first.absolute_lift.low > 0
    assert report.sample_ratio is not None and not report.sample_ratio.mismatch
    assert report.variants[1].conversion_rate == pytest.approx(0.11)


counts = st.integers(0, 10**9).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n)))


@settings(max_examples=60, deadline=None)
@given(st.lists(counts, min_size=2, max_size=4))
def test_never_nan(pairs: list[tuple[int, int]]) -> None:
    variants = [VariantStats(n, c, float(c) * 3.5, float(c) * 20.0) for n, c in pairs]
    report = analyze(variants, weights=[1] * len(variants))
    assert all(not math.isnan(x) for x in _numbers(report))


def test_impossible_data_is_refused_or_clamped() -> None:
    with pytest.raises(ValueError, match="converts at most once"):
        VariantStats(10, 11)
    assert VariantStats.clamped(10, 11) == VariantStats(10, 10)
    assert VariantStats.clamped(-1, 3, float("nan")) == VariantStats(0, 0)
