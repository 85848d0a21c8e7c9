"""Experiment statistics from per-variant sufficient statistics (see docs/statistics.md).

The headline confidence and winner are the spec's pooled z-test (:mod:`.ztest`);
:func:`analyze` computes everything shown beside them.
"""

from segmently.core.stats.bayesian import BayesianComparison, compare_bayesian
from segmently.core.stats.corrections import bonferroni, holm_bonferroni
from segmently.core.stats.intervals import (
    Interval,
    absolute_lift_interval,
    relative_lift_interval,
    wilson_interval,
)
from segmently.core.stats.planner import SampleSizePlan, plan_sample_size, power
from segmently.core.stats.report import Comparison, ExperimentAnalysis, VariantSummary, analyze
from segmently.core.stats.revenue import RevenueComparison, welch_test
from segmently.core.stats.sequential import SequentialTest, running_p_value, sequential_test
from segmently.core.stats.srm import SampleRatioCheck, sample_ratio_mismatch
from segmently.core.stats.sufficient import VariantStats, combine
from segmently.core.stats.ztest import (
    MAX_CONFIDENCE,
    MIN_VISITORS,
    SIGNIFICANT_CONFIDENCE,
    WinnerDecision,
    ZTest,
    beats,
    determine_winner,
    pooled_z_test,
)

__all__ = [
    "MAX_CONFIDENCE",
    "MIN_VISITORS",
    "SIGNIFICANT_CONFIDENCE",
    "BayesianComparison",
    "Comparison",
    "ExperimentAnalysis",
    "Interval",
    "RevenueComparison",
    "SampleRatioCheck",
    "SampleSizePlan",
    "SequentialTest",
    "VariantStats",
    "VariantSummary",
    "WinnerDecision",
    "ZTest",
    "absolute_lift_interval",
    "analyze",
    "beats",
    "bonferroni",
    "combine",
    "compare_bayesian",
    "determine_winner",
    "holm_bonferroni",
    "plan_sample_size",
    "pooled_z_test",
    "power",
    "relative_lift_interval",
    "running_p_value",
    "sample_ratio_mismatch",
    "sequential_test",
    "welch_test",
    "wilson_interval",
]
