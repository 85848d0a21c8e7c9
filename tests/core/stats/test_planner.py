"""Sample-size planner against statsmodels and against a simulation of its power."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

from segmently.core.stats import VariantStats, plan_sample_size, pooled_z_test, power


@pytest.mark.parametrize("baseline", [0.01, 0.05, 0.2, 0.5])
@pytest.mark.parametrize("effect", [0.05, 0.1, 0.3, -0.1])
@pytest.mark.parametrize("target_power", [0.8, 0.9])
def test_against_statsmodels(baseline: float, effect: float, target_power: float) -> None:
    plan = plan_sample_size(baseline, effect, power=target_power)
    reference = samplesize_proportions_2indep_onetail(
        diff=plan.target_rate - baseline, prop2=baseline, power=target_power, alpha=0.05
    )
    assert plan.visitors_per_variant == math.ceil(reference - 1e-9)
    assert power(plan.visitors_per_variant, baseline, plan.target_rate) >= target_power
    assert power(plan.visitors_per_variant - 1, baseline, plan.target_rate) < target_power


def test_simulated_power_matches_the_plan() -> None:
    plan = plan_sample_size(0.10, 0.2)  # 10% -> 12%
    n = plan.visitors_per_variant
    generator = np.random.default_rng(8)
    a = generator.binomial(n, 0.10, 1500)
    b = generator.binomial(n, 0.12, 1500)
    hits = sum(
        pooled_z_test(VariantStats(n, int(x)), VariantStats(n, int(y))).p_value < 0.05
        for x, y in zip(a, b, strict=True)
    )
    assert 0.76 <= hits / 1500 <= 0.84


def test_duration_and_abn() -> None:
    plan = plan_sample_size(0.05, 0.01, relative=False, daily_visitors=1000, traffic_percent=50)
    assert plan.target_rate == pytest.approx(0.06)
    assert plan.days == math.ceil(plan.total_visitors / 500)
    three = plan_sample_size(0.05, 0.01, relative=False, variants=3)
    assert three.alpha_per_comparison == pytest.approx(0.025)
    assert three.visitors_per_variant > plan.visitors_per_variant


@pytest.mark.parametrize(
    "kwargs",
    [
        {"baseline_rate": 0.0, "minimum_effect": 0.1},
        {"baseline_rate": 0.5, "minimum_effect": 1.5},
        {"baseline_rate": 0.5, "minimum_effect": 0.0},
        {"baseline_rate": 0.5, "minimum_effect": 0.1, "power": 1.0},
        {"baseline_rate": 0.5, "minimum_effect": 0.1, "variants": 1},
        {"baseline_rate": 0.5, "minimum_effect": 0.1, "daily_visitors": 0},
    ],
)
def test_invalid_plans_are_refused_with_a_message(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        plan_sample_size(**kwargs)  # type: ignore[arg-type]
