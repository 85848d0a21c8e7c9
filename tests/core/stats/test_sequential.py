"""The always-valid sequential test: seeded A/A simulations with daily peeking."""

from __future__ import annotations

import math

import numpy as np
import pytest

from segmently.core.stats import VariantStats, pooled_z_test, running_p_value, sequential_test
from segmently.core.stats.sequential import mixture_variance

SIMULATIONS, DAYS, DAILY, RATE = 1000, 30, 200, 0.05


def _simulate(
    rate_b: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # cumulative conversions and visitors
    generator = np.random.default_rng(seed)
    a = generator.binomial(DAILY, RATE, (SIMULATIONS, DAYS)).cumsum(axis=1)
    b = generator.binomial(DAILY, rate_b, (SIMULATIONS, DAYS)).cumsum(axis=1)
    return a, b, DAILY * np.arange(1, DAYS + 1)


def test_aa_daily_peeking_30_days() -> None:
    a, b, visitors = _simulate(RATE, seed=2024)
    naive = sequential = fixed = 0
    for s in range(SIMULATIONS):
        naive_hit = sequential_hit = False
        p_running: float | None = None
        for d in range(DAYS):
            control = VariantStats(int(visitors[d]), int(a[s, d]))
            treatment = VariantStats(int(visitors[d]), int(b[s, d]))
            naive_hit |= pooled_z_test(control, treatment).p_value < 0.05
            p_running = running_p_value(p_running, sequential_test(control, treatment).p_value)
            sequential_hit |= p_running <= 0.05
        fixed += pooled_z_test(control, treatment).p_value < 0.05  # one look, at the end
        naive += naive_hit
        sequential += sequential_hit
    assert 0.03 <= fixed / SIMULATIONS <= 0.07  # the fixed-horizon test: ~5%
    assert naive / SIMULATIONS >= 0.15  # peeking every day with it: far more
    assert sequential / SIMULATIONS <= 0.05  # the sequential test stays valid


def test_detects_a_real_difference() -> None:
    a, b, visitors = _simulate(0.07, seed=99)
    detected = 0
    for s in range(300):
        control = VariantStats(int(visitors[-1]), int(a[s, -1]))
        treatment = VariantStats(int(visitors[-1]), int(b[s, -1]))
        result = sequential_test(control, treatment)
        detected += result.p_value <= 0.05
        assert result.interval.low <= result.difference <= result.interval.high
    assert detected / 300 >= 0.8


def test_interval_and_p_value_are_the_same_test() -> None:
    control, treatment = VariantStats(4000, 200), VariantStats(4000, 250)
    result = sequential_test(control, treatment)
    assert (result.p_value <= 0.05) == (not result.interval.contains(0.0))
    # half-width written as GrowthBook writes it (gbstats sequential_interval_halfwidth)
    p1, p2, n = 200 / 4000, 250 / 4000, 8000
    variance = p1 * (1 - p1) / 4000 + p2 * (1 - p2) / 4000
    s2 = variance * n
    rho2 = mixture_variance(variance, n, 0.05, 5000) / s2
    half = math.sqrt(s2) * math.sqrt(
        2 * (n * rho2 + 1) * math.log(math.sqrt(n * rho2 + 1) / 0.05) / (n**2 * rho2)
    )
    assert result.interval.high - result.difference == pytest.approx(half, rel=1e-12)


@pytest.mark.parametrize(
    ("control", "treatment"),
    [
        (VariantStats(0, 0), VariantStats(0, 0)),
        (VariantStats(1000, 0), VariantStats(1000, 0)),
        (VariantStats(1000, 1000), VariantStats(1000, 1000)),
        (VariantStats(1000, 0), VariantStats(1000, 1000)),
        (VariantStats(10**9, 10**7), VariantStats(10**9, 10**7 + 10**5)),
        (VariantStats(1, 1), VariantStats(1, 0)),
    ],
)
def test_edges_are_defined(control: VariantStats, treatment: VariantStats) -> None:
    result = sequential_test(control, treatment)
    for value in (result.p_value, result.confidence, result.interval.low, result.interval.high):
        assert math.isfinite(value)
    assert 0.0 <= result.p_value <= 1.0 and 0.0 <= result.confidence <= 99.9
