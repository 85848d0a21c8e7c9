"""Intervals against statsmodels, and the coverage of the relative-lift interval."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from segmently.core.stats import (
    VariantStats,
    absolute_lift_interval,
    relative_lift_interval,
    wilson_interval,
)
from segmently.core.stats.distributions import normal_ppf

rng = random.Random(11)
CASES = [
    (n1, rng.randint(1, n1 - 1), n2, rng.randint(1, n2 - 1))
    for n1, n2 in ((rng.randint(20, 10**6), rng.randint(20, 10**6)) for _ in range(100))
]


@pytest.mark.parametrize(("n1", "c1", "n2", "c2"), CASES)
def test_against_statsmodels(n1: int, c1: int, n2: int, c2: int) -> None:
    control, treatment = VariantStats(n1, c1), VariantStats(n2, c2)
    for level in (0.9, 0.95, 0.99):
        low, high = proportion_confint(c1, n1, alpha=1 - level, method="wilson")
        wilson = wilson_interval(control, level)
        assert (wilson.low, wilson.high) == pytest.approx((low, high), rel=1e-9, abs=1e-12)
        low, high = confint_proportions_2indep(
            c2, n2, c1, n1, method="wald", compare="diff", alpha=1 - level
        )
        lift = absolute_lift_interval(control, treatment, level)
        assert (lift.low, lift.high) == pytest.approx((low, high), rel=1e-9, abs=1e-12)
        # delta method, written out independently with scipy's quantile
        p1, p2 = c1 / n1, c2 / n2
        se = math.sqrt(p2 * (1 - p2) / (n2 * p1**2) + p2**2 * p1 * (1 - p1) / (n1 * p1**4))
        z = normal_ppf(0.5 + level / 2)
        relative = relative_lift_interval(control, treatment, level)
        assert relative is not None
        assert (relative.estimate, relative.low, relative.high) == pytest.approx(
            (p2 / p1 - 1, p2 / p1 - 1 - z * se, p2 / p1 - 1 + z * se), rel=1e-9, abs=1e-12
        )


def test_relative_lift_interval_covers_the_truth() -> None:
    generator = np.random.default_rng(3)
    p1, p2, n = 0.08, 0.09, 20_000
    c1 = generator.binomial(n, p1, 2000)
    c2 = generator.binomial(n, p2, 2000)
    truth = p2 / p1 - 1
    covered = 0
    for a, b in zip(c1, c2, strict=True):
        interval = relative_lift_interval(VariantStats(n, int(a)), VariantStats(n, int(b)))
        assert interval is not None
        covered += interval.contains(truth)
    assert 0.93 <= covered / 2000 <= 0.97


def test_edges_are_defined() -> None:
    empty = VariantStats(0, 0)
    assert wilson_interval(empty) == wilson_interval(VariantStats(0, 0))
    assert (wilson_interval(empty).low, wilson_interval(empty).high) == (0.0, 1.0)
    assert absolute_lift_interval(empty, VariantStats(10, 1)).low == -1.0
    assert relative_lift_interval(VariantStats(100, 0), VariantStats(100, 5)) is None
    zeros = absolute_lift_interval(VariantStats(1000, 0), VariantStats(1000, 0))
    assert zeros.estimate == 0.0 and zeros.low < 0.0 < zeros.high  # keeps a width
    all_in = relative_lift_interval(VariantStats(1000, 1000), VariantStats(1000, 1000))
    assert all_in is not None and all_in.low < 0.0 < all_in.high
    huge = absolute_lift_interval(VariantStats(10**9, 10**8), VariantStats(10**9, 10**8 + 10**5))
    assert huge.low > 0 and all(math.isfinite(v) for v in (huge.low, huge.high))
    with pytest.raises(ValueError):
        wilson_interval(VariantStats(10, 1), confidence=95)
