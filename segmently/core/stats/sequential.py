"""Always-valid inference for the difference of two conversion rates.

Looking at a fixed-horizon p-value every day and stopping at the first p < 0.05 rejects a
true null far more than 5% of the time. The mixture sequential probability ratio test
(mSPRT; Johari et al. 2017, as Optimizely and GrowthBook use) stays valid at every look.

With θ̂ = p̂₂ − p̂₁, its variance V = p̂₁q̂₁/n₁ + p̂₂q̂₂/n₂ and a normal mixture θ ~ N(0, τ²)
over the alternatives, the likelihood ratio against θ = θ₀ is::

    Λ(θ₀) = √(V / (V + τ²)) · exp( (θ̂ − θ₀)² τ² / (2 V (V + τ²)) )

Always-valid p-value: p = min(1, 1/Λ(0)); P(p ever ≤ α) ≤ α under the null. Inverting
Λ(θ₀) < 1/α gives the confidence sequence θ̂ ± √( 2V(V+τ²)/τ² · (ln(1/α) + ½ ln((V+τ²)/V)) ).

τ² is tuned so the sequence is tightest near ``tuning`` total visitors (Howard et al. 2021,
eq. 14): τ² = V·N·ρ² with ρ² = (2 ln(1/α) + ln(1 + 2 ln(1/α))) / tuning, where N = n₁ + n₂
(V·N is the per-visitor variance, stable over time). To use the p-value as the strictly
always-valid one, keep the running minimum over looks (:func:`running_p_value`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from segmently.core.stats.intervals import Interval, difference_variance
from segmently.core.stats.sufficient import VariantStats

__all__ = [
    "DEFAULT_TUNING",
    "SequentialTest",
    "mixture_variance",
    "running_p_value",
    "sequential_test",
]

DEFAULT_TUNING = 5_000


@dataclass(frozen=True, slots=True)
class SequentialTest:
    """Always-valid p-value, its confidence (percent, capped at 99.9) and the interval."""

    difference: float
    p_value: float
    confidence: float
    interval: Interval


def mixture_variance(variance: float, total_visitors: int, alpha: float, tuning: float) -> float:
    """τ² = V·N·ρ², ρ² = (2 ln(1/α) + ln(1 + 2 ln(1/α))) / tuning."""
    log_inverse_alpha = math.log(1.0 / alpha)
    rho2 = (2.0 * log_inverse_alpha + math.log1p(2.0 * log_inverse_alpha)) / tuning
    return variance * total_visitors * rho2


def sequential_test(
    control: VariantStats,
    treatment: VariantStats,
    alpha: float = 0.05,
    tuning: float = DEFAULT_TUNING,
) -> SequentialTest:
    """The mSPRT p-value and confidence sequence for p₂ − p₁ at level ``alpha``.

    Without visitors in a variant: p = 1 and the interval is the whole range [−1, 1].
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError("alpha must be strictly between 0 and 1 (e.g. 0.05)")
    if tuning <= 0:
        raise ValueError("the tuning sample size must be positive")
    if control.visitors == 0 or treatment.visitors == 0:
        return SequentialTest(0.0, 1.0, 0.0, Interval(0.0, -1.0, 1.0))
    difference = treatment.conversion_rate - control.conversion_rate
    variance = difference_variance(control, treatment)
    tau2 = mixture_variance(variance, control.visitors + treatment.visitors, alpha, tuning)
    total = variance + tau2
    # ln Λ(0) = ½ ln(V/(V+τ²)) + θ̂² τ² / (2 V (V+τ²))
    log_lambda = 0.5 * math.log(variance / total) + difference**2 * tau2 / (2.0 * variance * total)
    p_value = 1.0 if log_lambda <= 0.0 else math.exp(-log_lambda)
    half = math.sqrt(
        2.0 * variance * total / tau2 * (math.log(1.0 / alpha) + 0.5 * math.log(total / variance))
    )
    confidence = min((1.0 - p_value) * 100.0, 99.9)
    return SequentialTest(
        difference=difference,
        p_value=p_value,
        confidence=confidence,
        interval=Interval(difference, difference - half, difference + half),
    )


def running_p_value(previous: float | None, current: float) -> float:
    """The always-valid p-value over time: the minimum of every p-value seen so far."""
    return current if previous is None else min(previous, current)
