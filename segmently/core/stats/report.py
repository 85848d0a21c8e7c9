"""Everything the results page shows, from one call: :func:`analyze`.

The headline is the spec's z-test confidence and winner (:mod:`.ztest`); beside it, never
instead of it: Holm-adjusted p-values for A/B/n, lift intervals, Bayesian chance to beat
the control, the always-valid sequential test, revenue per visitor and the SRM check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from segmently.core.stats.bayesian import BayesianComparison, compare_bayesian
from segmently.core.stats.corrections import holm_bonferroni
from segmently.core.stats.intervals import (
    Interval,
    absolute_lift_interval,
    relative_lift_interval,
    wilson_interval,
)
from segmently.core.stats.revenue import RevenueComparison, welch_test
from segmently.core.stats.sequential import DEFAULT_TUNING, SequentialTest, sequential_test
from segmently.core.stats.srm import SampleRatioCheck, sample_ratio_mismatch
from segmently.core.stats.sufficient import VariantStats
from segmently.core.stats.ztest import MAX_CONFIDENCE, WinnerDecision, ZTest, determine_winner

__all__ = ["Comparison", "ExperimentAnalysis", "VariantSummary", "analyze"]


@dataclass(frozen=True, slots=True)
class VariantSummary:
    visitors: int
    conversions: int
    conversion_rate: float
    rate_interval: Interval
    revenue_per_visitor: float


@dataclass(frozen=True, slots=True)
class Comparison:
    """One treatment against the control."""

    variant: int
    z_test: ZTest
    adjusted_p_value: float  # Holm–Bonferroni over all treatments
    adjusted_confidence: float
    absolute_lift: Interval
    relative_lift: Interval | None
    bayesian: BayesianComparison
    sequential: SequentialTest
    revenue: RevenueComparison


@dataclass(frozen=True, slots=True)
class ExperimentAnalysis:
    control: int
    variants: tuple[VariantSummary, ...]
    comparisons: tuple[Comparison, ...]  # one per treatment, in variant order
    winner: WinnerDecision
    sample_ratio: SampleRatioCheck | None  # None when no weights were given


def analyze(
    variants: Sequence[VariantStats],
    weights: Sequence[float] | None = None,
    control: int = 0,
    confidence: float = 0.95,
    sequential_tuning: float = DEFAULT_TUNING,
) -> ExperimentAnalysis:
    """All statistics of an experiment from its per-variant sufficient statistics."""
    if len(variants) < 2:
        raise ValueError("an experiment has at least two variants")
    winner = determine_winner(variants, control)
    base = variants[control]
    treatments = [i for i in range(len(variants)) if i != control]
    tests = [test for test in winner.tests if test is not None]
    adjusted = holm_bonferroni([test.p_value for test in tests])
    comparisons = tuple(
        Comparison(
            variant=index,
            z_test=test,
            adjusted_p_value=p_adjusted,
            adjusted_confidence=(
                0.0 if test.confidence == 0.0 else min((1.0 - p_adjusted) * 100, MAX_CONFIDENCE)
            ),
            absolute_lift=absolute_lift_interval(base, variants[index], confidence),
            relative_lift=relative_lift_interval(base, variants[index], confidence),
            bayesian=compare_bayesian(base, variants[index]),
            sequential=sequential_test(
                base, variants[index], alpha=1.0 - confidence, tuning=sequential_tuning
            ),
            revenue=welch_test(base, variants[index], confidence),
        )
        for index, test, p_adjusted in zip(treatments, tests, adjusted, strict=True)
    )
    summaries = tuple(
        VariantSummary(
            visitors=v.visitors,
            conversions=v.conversions,
            conversion_rate=v.conversion_rate,
            rate_interval=wilson_interval(v, confidence),
            revenue_per_visitor=v.revenue_per_visitor,
        )
        for v in variants
    )
    sample_ratio = (
        sample_ratio_mismatch([v.visitors for v in variants], weights)
        if weights is not None
        else None
    )
    return ExperimentAnalysis(
        control=control,
        variants=summaries,
        comparisons=comparisons,
        winner=winner,
        sample_ratio=sample_ratio,
    )
