"""Bayesian chance to beat and expected loss, against seeded Monte Carlo estimates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from segmently.core.stats import VariantStats, compare_bayesian
from segmently.core.stats.bayesian import EXACT_LIMIT, Posterior, probability_greater

DRAWS = 400_000


@pytest.mark.parametrize(
    ("control", "treatment"),
    [
        ((100, 10), (100, 15)),
        ((1000, 50), (1000, 65)),
        ((30, 0), (30, 1)),
        ((10, 10), (10, 9)),
        ((0, 0), (0, 0)),
        ((50_000, 500), (50_000, 560)),
        ((200_000, 3), (200_000, 9)),
        ((10**6, 30_000), (10**6, 30_500)),  # normal regime
        ((3 * EXACT_LIMIT, EXACT_LIMIT + 10), (3 * EXACT_LIMIT, EXACT_LIMIT + 200)),
    ],
)
def test_agrees_with_monte_carlo(control: tuple[int, int], treatment: tuple[int, int]) -> None:
    generator = np.random.default_rng(sum(control) + sum(treatment))
    c, t = VariantStats(*control), VariantStats(*treatment)
    x = generator.beta(1 + c.conversions, 1 + c.visitors - c.conversions, DRAWS)
    y = generator.beta(1 + t.conversions, 1 + t.visitors - t.conversions, DRAWS)
    result = compare_bayesian(c, t)
    chance = float((y > x).mean())
    # within 5 standard errors of the Monte Carlo estimate (plus the normal approximation)
    tolerance = 5 * math.sqrt(max(chance * (1 - chance), 1e-6) / DRAWS) + (
        0 if result.exact else 2e-3
    )
    assert result.chance_to_beat_control == pytest.approx(chance, abs=tolerance)
    for loss, sample in (
        (result.expected_loss_treatment, np.maximum(x - y, 0)),
        (result.expected_loss_control, np.maximum(y - x, 0)),
    ):
        error = 5 * sample.std() / math.sqrt(DRAWS) + (0 if result.exact else 0.02 * sample.mean())
        assert loss == pytest.approx(sample.mean(), abs=error + 1e-12)


def test_complementary_and_exact_near_the_switch() -> None:
    x, y = Posterior(40, 960), Posterior(55, 945)
    assert probability_greater(x, y) + probability_greater(y, x) == pytest.approx(1, abs=1e-12)
    # every symmetric form of the exact sum gives the same answer
    assert probability_greater(Posterior(3, 7), Posterior(5, 5)) == pytest.approx(
        1 - probability_greater(Posterior(5, 5), Posterior(3, 7)), abs=1e-12
    )
    below = probability_greater(
        Posterior(EXACT_LIMIT, 4 * EXACT_LIMIT), Posterior(EXACT_LIMIT + 150, 4 * EXACT_LIMIT)
    )
    above = probability_greater(
        Posterior(EXACT_LIMIT + 1, 4 * EXACT_LIMIT), Posterior(EXACT_LIMIT + 151, 4 * EXACT_LIMIT)
    )
    assert below == pytest.approx(above, abs=5e-3)


def test_huge_counts_are_finite() -> None:
    result = compare_bayesian(VariantStats(10**9, 10**7), VariantStats(10**9, 10**7 + 20_000))
    values = (
        result.chance_to_beat_control,
        result.expected_loss_treatment,
        result.expected_loss_control,
    )
    assert all(math.isfinite(v) and v >= 0 for v in values)
    assert result.chance_to_beat_control > 0.99
    everything = compare_bayesian(VariantStats(10**9, 10**9), VariantStats(10**9, 0))
    assert everything.chance_to_beat_control == pytest.approx(0.0, abs=1e-12)
