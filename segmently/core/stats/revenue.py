"""Revenue per visitor: Welch's t-test and intervals from per-visitor revenue sums.

With means m, sample variances s² and sizes n::

    se² = s₁²/n₁ + s₂²/n₂,   t = (m₂ − m₁)/se
    df  = se⁴ / ((s₁²/n₁)²/(n₁ − 1) + (s₂²/n₂)²/(n₂ − 1))      (Welch–Satterthwaite)
    p   = P(|T_df| ≥ |t|);   interval: (m₂ − m₁) ± t_{df, 1−α/2} · se

Relative lift m₂/m₁ − 1 by the delta method, Var ≈ s₂²/(n₂m₁²) + m₂²s₁²/(n₁m₁⁴), with
normal quantiles. Below two visitors in a variant nothing is estimated (p = 1, no interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from segmently.core.stats.distributions import t_ppf, t_two_sided_p
from segmently.core.stats.intervals import Interval, critical_z
from segmently.core.stats.sufficient import VariantStats

__all__ = ["RevenueComparison", "welch_test"]


@dataclass(frozen=True, slots=True)
class RevenueComparison:
    """``t`` and ``degrees_of_freedom`` are None when undefined (too few visitors, or
    no variance); the intervals are None when they cannot be estimated."""

    control_mean: float
    treatment_mean: float
    difference: float
    t: float | None
    degrees_of_freedom: float | None
    p_value: float
    interval: Interval | None
    relative_interval: Interval | None


def welch_test(
    control: VariantStats, treatment: VariantStats, confidence: float = 0.95
) -> RevenueComparison:
    """Welch's unequal-variance t-test of revenue per visitor, treatment against control."""
    m1, m2 = control.revenue_per_visitor, treatment.revenue_per_visitor
    difference = m2 - m1
    n1, n2 = control.visitors, treatment.visitors
    undefined = RevenueComparison(m1, m2, difference, None, None, 1.0, None, None)
    if n1 < 2 or n2 < 2:
        return undefined
    a = control.revenue_variance / n1
    b = treatment.revenue_variance / n2
    se2 = a + b
    if se2 <= 0.0:
        # No variance at all: identical constants are no evidence; different ones are.
        return RevenueComparison(
            m1,
            m2,
            difference,
            None,
            None,
            1.0 if difference == 0 else 0.0,
            Interval(difference, difference, difference),
            None,
        )
    se = math.sqrt(se2)
    t = difference / se
    df = se2**2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
    p_value = t_two_sided_p(t, df)
    half = t_ppf(0.5 + confidence / 2.0, df) * se
    relative: Interval | None = None
    if m1 != 0.0:
        variance = b / m1**2 + m2**2 * a / m1**4
        lift = m2 / m1 - 1.0
        spread = critical_z(confidence) * math.sqrt(variance)
        relative = Interval(lift, lift - spread, lift + spread)
    return RevenueComparison(
        control_mean=m1,
        treatment_mean=m2,
        difference=difference,
        t=t,
        degrees_of_freedom=df,
        p_value=p_value,
        interval=Interval(difference, difference - half, difference + half),
        relative_interval=relative,
    )
