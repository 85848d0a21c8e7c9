"""Revenue per visitor: Welch's t-test against scipy, from sufficient statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from segmently.core.stats import VariantStats, combine, welch_test


def _stats(revenue: np.ndarray) -> VariantStats:
    return VariantStats(
        len(revenue),
        int((revenue > 0).sum()),
        float(revenue.sum()),
        float((revenue**2).sum()),
    )


@pytest.mark.parametrize("seed", range(12))
def test_against_scipy(seed: int) -> None:
    generator = np.random.default_rng(seed)
    n1, n2 = generator.integers(5, 5000, 2)
    # mostly zeros, a few purchases: what revenue per visitor looks like
    a = generator.exponential(60, n1) * (generator.random(n1) < 0.1)
    b = generator.exponential(70, n2) * (generator.random(n2) < 0.12)
    result = welch_test(_stats(a), _stats(b))
    reference = stats.ttest_ind_from_stats(
        b.mean(), b.std(ddof=1), n2, a.mean(), a.std(ddof=1), n1, equal_var=False
    )
    assert result.t == pytest.approx(reference.statistic, rel=1e-9)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert result.p_value == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue, rel=1e-9)
    se = math.sqrt(a.var(ddof=1) / n1 + b.var(ddof=1) / n2)
    half = stats.t.ppf(0.975, result.degrees_of_freedom) * se
    assert result.interval is not None
    assert result.interval.low == pytest.approx(b.mean() - a.mean() - half, rel=1e-9, abs=1e-9)
    assert result.interval.high == pytest.approx(b.mean() - a.mean() + half, rel=1e-9, abs=1e-9)


def test_sums_add_up_across_days() -> None:
    generator = np.random.default_rng(1)
    days = [generator.exponential(50, 300) * (generator.random(300) < 0.1) for _ in range(7)]
    assert combine(_stats(d) for d in days).revenue_variance == pytest.approx(
        np.concatenate(days).var(ddof=1), rel=1e-9
    )


@pytest.mark.parametrize(
    ("control", "treatment"),
    [
        (VariantStats(0, 0), VariantStats(0, 0)),
        (VariantStats(1, 1, 10.0, 100.0), VariantStats(5, 1, 10.0, 100.0)),
        (VariantStats(100, 0), VariantStats(100, 0)),  # no revenue anywhere
        (VariantStats(10, 10, 100.0, 1000.0), VariantStats(10, 10, 200.0, 4000.0)),  # constants
        (VariantStats(10**9, 10**7, 5e8, 1e11), VariantStats(10**9, 10**7, 5.1e8, 1.05e11)),
    ],
)
def test_edges_are_defined(control: VariantStats, treatment: VariantStats) -> None:
    result = welch_test(control, treatment)
    assert 0.0 <= result.p_value <= 1.0
    for value in (result.control_mean, result.treatment_mean, result.difference, result.t):
        assert value is None or math.isfinite(value)
