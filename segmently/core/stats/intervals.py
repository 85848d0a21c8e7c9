"""Confidence intervals for a rate and for the lift of a treatment over the control.

* one rate: Wilson score interval, p̃ ± z/(1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²);
* absolute lift p₂ − p₁: Wald, ± z √(p₁q₁/n₁ + p₂q₂/n₂) (the unpooled variance);
* relative lift p₂/p₁ − 1: delta method, Var ≈ p₂q₂/(n₂p₁²) + p₂²p₁q₁/(n₁p₁⁴).

When both rates are 0% or 100% the Wald variance is 0; it is then computed with
p̃ = (c + ½)/(n + 1) so the interval keeps a width (a Jeffreys-style continuity guard).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from segmently.core.stats.distributions import normal_ppf
from segmently.core.stats.sufficient import VariantStats

__all__ = [
    "Interval",
    "absolute_lift_interval",
    "critical_z",
    "difference_variance",
    "relative_lift_interval",
    "wilson_interval",
]


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate and a two-sided interval around it."""

    estimate: float
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


def critical_z(confidence: float) -> float:
    """z_{1−α/2} for a two-sided interval at ``confidence`` (e.g. 0.95 → 1.959964)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError("the confidence level must be strictly between 0 and 1 (e.g. 0.95)")
    return normal_ppf(0.5 + confidence / 2.0)


def wilson_interval(stats: VariantStats, confidence: float = 0.95) -> Interval:
    """Wilson score interval of the conversion rate; (0, 0, 1) without visitors."""
    n = stats.visitors
    if n == 0:
        return Interval(0.0, 0.0, 1.0)
    z = critical_z(confidence)
    p = stats.conversion_rate
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def _rate_variance(stats: VariantStats) -> float:
    p = stats.conversion_rate
    return p * (1.0 - p) / stats.visitors


def _smoothed_variance(stats: VariantStats) -> float:
    p = (stats.conversions + 0.5) / (stats.visitors + 1.0)
    return p * (1.0 - p) / stats.visitors


def difference_variance(control: VariantStats, treatment: VariantStats) -> float:
    """Var(p̂₂ − p̂₁) unpooled, with the continuity guard when it would be 0 (n ≥ 1 each)."""
    variance = _rate_variance(control) + _rate_variance(treatment)
    if variance > 0.0:
        return variance
    return _smoothed_variance(control) + _smoothed_variance(treatment)


def absolute_lift_interval(
    control: VariantStats, treatment: VariantStats, confidence: float = 0.95
) -> Interval:
    """Wald interval of p₂ − p₁; (0, −1, 1) when a variant has no visitors."""
    if control.visitors == 0 or treatment.visitors == 0:
        return Interval(0.0, -1.0, 1.0)
    z = critical_z(confidence)
    difference = treatment.conversion_rate - control.conversion_rate
    half = z * math.sqrt(difference_variance(control, treatment))
    return Interval(difference, difference - half, difference + half)


def relative_lift_interval(
    control: VariantStats, treatment: VariantStats, confidence: float = 0.95
) -> Interval | None:
    """Delta-method interval of p₂/p₁ − 1; None when the control's rate is 0 (undefined)."""
    if control.visitors == 0 or treatment.visitors == 0 or control.conversions == 0:
        return None
    z = critical_z(confidence)
    p1, p2 = control.conversion_rate, treatment.conversion_rate
    var1 = _rate_variance(control) or _smoothed_variance(control)
    var2 = _rate_variance(treatment) or _smoothed_variance(treatment)
    # Var(p₂/p₁) ≈ Var(p₂)/p₁² + p₂² Var(p₁)/p₁⁴   (first-order Taylor expansion)
    variance = var2 / p1**2 + p2**2 * var1 / p1**4
    lift = p2 / p1 - 1.0
    half = z * math.sqrt(variance)
    return Interval(lift, lift - half, lift + half)
