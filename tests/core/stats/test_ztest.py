"""The spec's z-test and winner rule, against statsmodels and at the edges."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportions_ztest

from segmently.core.stats import VariantStats, determine_winner, pooled_z_test


def _random_pairs(count: int) -> list[tuple[int, int, int, int]]:
    rng = random.Random(7)
    pairs = []
    for _ in range(count):
        n1, n2 = rng.randint(10, 10 ** rng.randint(2, 7)), rng.randint(10, 10 ** rng.randint(2, 7))
        p = rng.random() * rng.choice([0.05, 0.3, 1.0])
        c1 = min(n1, int(n1 * p * rng.uniform(0.8, 1.2)))
        c2 = min(n2, int(n2 * p * rng.uniform(0.8, 1.25)))
        pairs.append((n1, c1, n2, c2))
    return pairs


@pytest.mark.parametrize(("n1", "c1", "n2", "c2"), _random_pairs(300))
def test_agrees_with_statsmodels(n1: int, c1: int, n2: int, c2: int) -> None:
    result = pooled_z_test(VariantStats(n1, c1), VariantStats(n2, c2))
    pooled = (c1 + c2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        assert (result.z, result.p_value, result.confidence) == (0.0, 1.0, 0.0)
        return
    z, p = proportions_ztest([c2, c1], [n2, n1])  # treatment − control, pooled variance
    assert result.z == pytest.approx(z, rel=1e-9, abs=1e-9)
    assert result.p_value == pytest.approx(p, rel=1e-9, abs=1e-12)
    assert result.confidence == pytest.approx(min((1 - p) * 100, 99.9), rel=1e-9, abs=1e-9)


def test_spec_example_numbers() -> None:
    # 5.2% vs 6.5% on 1,000 visitors each: pooled 5.85%, z ≈ 1.2386, p ≈ 0.2155
    result = pooled_z_test(VariantStats(1000, 52), VariantStats(1000, 65))
    assert result.z == pytest.approx(1.2386, abs=1e-4)
    assert result.confidence == pytest.approx(78.45, abs=0.01)
    assert not result.significant


@pytest.mark.parametrize(
    ("control", "treatment"),
    [
        (VariantStats(0, 0), VariantStats(0, 0)),
        (VariantStats(9, 1), VariantStats(1000, 500)),  # under 10 visitors: 0
        (VariantStats(1000, 500), VariantStats(9, 9)),
        (VariantStats(1000, 0), VariantStats(1000, 0)),  # pooled rate 0
        (VariantStats(1000, 1000), VariantStats(1000, 1000)),  # pooled rate 1
        (VariantStats(500, 20), VariantStats(0, 0)),  # one variant empty
    ],
)
def test_undefined_cases_give_zero_confidence(
    control: VariantStats, treatment: VariantStats
) -> None:
    result = pooled_z_test(control, treatment)
    assert (result.z, result.p_value, result.confidence) == (0.0, 1.0, 0.0)


def test_confidence_is_capped_and_huge_counts_work() -> None:
    result = pooled_z_test(VariantStats(10**9, 10**7), VariantStats(10**9, 10**7 + 10**6))
    assert result.confidence == 99.9 and math.isfinite(result.z)
    zero_vs_all = pooled_z_test(VariantStats(1000, 0), VariantStats(1000, 1000))
    assert zero_vs_all.confidence == 99.9
    tiny = pooled_z_test(VariantStats(10**9, 10**8), VariantStats(10**9, 10**8 + 1))
    assert 0.0 <= tiny.confidence < 1.0


counts = st.integers(0, 10**9).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n)))


@settings(max_examples=150, deadline=None)
@given(counts, counts)
def test_always_defined_and_symmetric(a: tuple[int, int], b: tuple[int, int]) -> None:
    one = pooled_z_test(VariantStats(*a), VariantStats(*b))
    other = pooled_z_test(VariantStats(*b), VariantStats(*a))
    for value in (one.z, one.p_value, one.confidence):
        assert math.isfinite(value)
    assert 0.0 <= one.p_value <= 1.0 and 0.0 <= one.confidence <= 99.9
    assert one.confidence == other.confidence and one.z == -other.z


def test_winner_is_the_most_confident_treatment_that_beats_control() -> None:
    variants = [
        VariantStats(5000, 500),  # control 10%
        VariantStats(5000, 400),  # worse, very "confident": never the winner
        VariantStats(5000, 565),  # better, ~96.5%
        VariantStats(5000, 530),  # better, less confident
    ]
    decision = determine_winner(variants)
    assert decision.tests[0] is None
    assert decision.tests[1] is not None and decision.tests[1].confidence > 99
    assert decision.leader == 2 and decision.winner == 2 and decision.declared
    assert decision.confidence == pytest.approx(decision.tests[2].confidence)  # type: ignore[union-attr]


def test_no_winner_below_95_but_a_leader() -> None:
    decision = determine_winner([VariantStats(1000, 52), VariantStats(1000, 65)])
    assert decision.leader == 1 and decision.winner is None and not decision.declared
    nobody = determine_winner([VariantStats(1000, 80), VariantStats(1000, 50)])
    assert nobody.leader is None and nobody.confidence == 0.0


def test_winner_with_a_non_first_control_and_ties() -> None:
    variants = [VariantStats(2000, 260), VariantStats(2000, 200), VariantStats(2000, 260)]
    decision = determine_winner(variants, control=1)
    assert decision.tests[1] is None
    assert decision.leader == 0  # equal confidence and rate: the lower index
    with pytest.raises(IndexError):
        determine_winner(variants, control=3)
