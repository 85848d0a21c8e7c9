"""Sample ratio mismatch against scipy; Holm and Bonferroni against statsmodels."""

from __future__ import annotations

import random

import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from segmently.core.stats import bonferroni, holm_bonferroni, sample_ratio_mismatch


@pytest.mark.parametrize(
    ("visitors", "weights"),
    [
        ((5000, 5000), (50, 50)),
        ((5100, 4900), (50, 50)),
        ((5300, 4700), (50, 50)),
        ((3300, 3400, 3300), (33, 34, 33)),
        ((900, 120), (90, 10)),
        ((10, 7, 3, 1), (25, 25, 25, 25)),
    ],
)
def test_against_scipy(visitors: tuple[int, ...], weights: tuple[int, ...]) -> None:
    expected = [sum(visitors) * w / sum(weights) for w in weights]
    reference = stats.chisquare(visitors, expected)
    check = sample_ratio_mismatch(visitors, weights)
    assert check.chi_square == pytest.approx(reference.statistic, rel=1e-12)
    assert check.p_value == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-300)
    assert check.mismatch == bool(reference.pvalue < 0.001)


def test_mismatch_and_edges() -> None:
    assert sample_ratio_mismatch((5300, 4700), (50, 50)).mismatch
    assert not sample_ratio_mismatch((0, 0), (50, 50)).mismatch
    stray = sample_ratio_mismatch((100, 3), (100, 0))  # a 0% variant got visitors
    assert stray.mismatch and stray.p_value == 0.0 and stray.chi_square is None
    closed = sample_ratio_mismatch((100, 0, 95), (50, 0, 50))  # a 0% variant, empty: left out
    assert not closed.mismatch
    with pytest.raises(ValueError):
        sample_ratio_mismatch((1, 2), (1,))


_rng = random.Random(3)
P_VALUE_LISTS = [[_rng.random() ** 3 for _ in range(_rng.randint(1, 8))] for _ in range(12)] + [
    [0.01, 0.01, 0.04],
    [1.0, 0.0, 0.5],
    [0.2],
]


@pytest.mark.parametrize("p_values", P_VALUE_LISTS)
def test_holm_and_bonferroni_match_statsmodels(p_values: list[float]) -> None:
    assert holm_bonferroni(p_values) == pytest.approx(
        tuple(multipletests(p_values, method="holm")[1]), abs=1e-12
    )
    assert bonferroni(p_values) == pytest.approx(
        tuple(multipletests(p_values, method="bonferroni")[1]), abs=1e-12
    )


def test_holm_is_monotone_and_bounded() -> None:
    rng = random.Random(5)
    values = [rng.random() / 10 for _ in range(6)]
    adjusted = holm_bonferroni(values)
    order = sorted(range(6), key=values.__getitem__)
    assert all(adjusted[i] >= values[i] for i in range(6))
    assert [adjusted[i] for i in order] == sorted(adjusted[i] for i in order)
    assert holm_bonferroni([]) == ()
