"""Sample size and duration planning for a conversion-rate experiment.

Visitors per variant to detect p₁ → p₂ with a two-sided test at level α and power 1 − β
(Fleiss, without continuity correction; the same normal approximation as the pooled z-test)::

    n = ( z_{1−α/2} √(2 p̄ (1 − p̄)) + z_{1−β} √(p₁(1 − p₁) + p₂(1 − p₂)) )² / (p₂ − p₁)²

with p̄ = (p₁ + p₂)/2. For A/B/n tests α is split over the k − 1 comparisons with the control
(Bonferroni), which keeps the plan valid under the Holm correction shown in the results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from segmently.core.stats.distributions import normal_cdf, normal_ppf

__all__ = ["SampleSizePlan", "plan_sample_size", "power"]


@dataclass(frozen=True, slots=True)
class SampleSizePlan:
    baseline_rate: float
    target_rate: float
    alpha_per_comparison: float
    power: float
    visitors_per_variant: int
    total_visitors: int
    days: int | None  # None without a daily traffic estimate


def _target(baseline_rate: float, minimum_effect: float, relative: bool) -> float:
    if not 0.0 < baseline_rate < 1.0:
        raise ValueError("the baseline conversion rate must be between 0 and 1 (e.g. 0.05)")
    target = baseline_rate * (1.0 + minimum_effect) if relative else baseline_rate + minimum_effect
    if minimum_effect == 0 or not 0.0 < target < 1.0:
        raise ValueError(
            "the minimum detectable effect must be non-zero and keep the rate between 0 and 1"
        )
    return target


def plan_sample_size(
    baseline_rate: float,
    minimum_effect: float,
    *,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
    variants: int = 2,
    daily_visitors: float | None = None,
    traffic_percent: float = 100.0,
) -> SampleSizePlan:
    """Visitors needed per variant, in total, and days at ``daily_visitors`` (before traffic).

    ``minimum_effect`` is relative (0.1 = +10% of the baseline) unless ``relative=False``.
    Raises ``ValueError`` with a message for inputs that cannot be planned.
    """
    if not 0.0 < alpha < 1.0 or not 0.0 < power < 1.0:
        raise ValueError("alpha and power must be strictly between 0 and 1")
    if variants < 2:
        raise ValueError("an experiment has at least two variants")
    if not 0.0 < traffic_percent <= 100.0:
        raise ValueError("the traffic percentage must be above 0 and at most 100")
    p1 = baseline_rate
    p2 = _target(baseline_rate, minimum_effect, relative)
    alpha_each = alpha / (variants - 1)
    z_alpha = normal_ppf(1.0 - alpha_each / 2.0)
    z_power = normal_ppf(power)
    mean = (p1 + p2) / 2.0
    root = z_alpha * math.sqrt(2.0 * mean * (1.0 - mean)) + z_power * math.sqrt(
        p1 * (1.0 - p1) + p2 * (1.0 - p2)
    )
    per_variant = math.ceil(root**2 / (p2 - p1) ** 2)
    total = per_variant * variants
    days: int | None = None
    if daily_visitors is not None:
        if daily_visitors <= 0:
            raise ValueError("daily visitors must be positive")
        days = math.ceil(total / (daily_visitors * traffic_percent / 100.0))
    return SampleSizePlan(
        baseline_rate=p1,
        target_rate=p2,
        alpha_per_comparison=alpha_each,
        power=power,
        visitors_per_variant=per_variant,
        total_visitors=total,
        days=days,
    )


def power(
    visitors_per_variant: int, baseline_rate: float, target_rate: float, alpha: float = 0.05
) -> float:
    """Power of the two-sided pooled z-test with n visitors per variant (the near tail)."""
    if visitors_per_variant <= 0:
        return 0.0
    p1, p2 = baseline_rate, target_rate
    mean = (p1 + p2) / 2.0
    z_alpha = normal_ppf(1.0 - alpha / 2.0)
    spread = math.sqrt(p1 * (1.0 - p1) + p2 * (1.0 - p2))
    if spread == 0.0:
        return 1.0 if p1 != p2 else alpha
    numerator = abs(p2 - p1) * math.sqrt(visitors_per_variant) - z_alpha * math.sqrt(
        2.0 * mean * (1.0 - mean)
    )
    return normal_cdf(numerator / spread)
