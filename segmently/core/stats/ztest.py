"""The spec's significance test and winner rule, exactly as the product documents them.

Pooled two-proportion z-test (spec, "Analytics & Results Dashboard")::

    p̂ = (c₁ + c₂) / (n₁ + n₂)
    z = |p₂ − p₁| / √(p̂ (1 − p̂) (1/n₁ + 1/n₂))
    p = 2 (1 − Φ(|z|)) = erfc(|z| / √2)                          (two-sided)
    confidence = min((1 − p) × 100, 99.9);  0 if n₁ < 10 or n₂ < 10

Winner: the treatment with the highest confidence among those whose rate beats the
control's; declared when that confidence is ≥ 95.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from segmently.core.stats.distributions import normal_two_sided_p
from segmently.core.stats.sufficient import VariantStats

__all__ = [
    "MAX_CONFIDENCE",
    "MIN_VISITORS",
    "SIGNIFICANT_CONFIDENCE",
    "WinnerDecision",
    "ZTest",
    "beats",
    "determine_winner",
    "pooled_z_test",
]

MIN_VISITORS = 10
MAX_CONFIDENCE = 99.9
SIGNIFICANT_CONFIDENCE = 95.0


@dataclass(frozen=True, slots=True)
class ZTest:
    """``z`` is signed (treatment − control); ``confidence`` is in percent, 0–99.9."""

    z: float
    p_value: float
    confidence: float

    @property
    def significant(self) -> bool:
        return self.confidence >= SIGNIFICANT_CONFIDENCE


_NOT_COMPUTED = ZTest(z=0.0, p_value=1.0, confidence=0.0)


def pooled_z_test(control: VariantStats, treatment: VariantStats) -> ZTest:
    """The spec's pooled two-proportion z-test of ``treatment`` against ``control``.

    Defined everywhere: below 10 visitors in either variant, or when the pooled variance is
    0 (both at 0% or both at 100%), z = 0, p = 1 and confidence = 0.
    """
    n1, n2 = control.visitors, treatment.visitors
    if n1 < MIN_VISITORS or n2 < MIN_VISITORS:
        return _NOT_COMPUTED
    p1, p2 = control.conversion_rate, treatment.conversion_rate
    pooled = (control.conversions + treatment.conversions) / (n1 + n2)
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if variance <= 0.0:
        return _NOT_COMPUTED
    z = (p2 - p1) / math.sqrt(variance)
    p_value = normal_two_sided_p(z)
    confidence = min((1.0 - p_value) * 100.0, MAX_CONFIDENCE)
    return ZTest(z=z, p_value=p_value, confidence=confidence)


def beats(treatment: VariantStats, control: VariantStats) -> bool:
    """Whether the treatment's conversion rate is strictly higher (exact, in integers)."""
    if treatment.visitors == 0 or control.visitors == 0:
        return False
    # c₂/n₂ > c₁/n₁  ⇔  c₂·n₁ > c₁·n₂
    return treatment.conversions * control.visitors > control.conversions * treatment.visitors


@dataclass(frozen=True, slots=True)
class WinnerDecision:
    """``leader``: the best treatment that beats the control (even below 95%);
    ``winner``: the leader once its confidence is ≥ 95, else None. Indices into the variants.
    """

    leader: int | None
    winner: int | None
    confidence: float
    tests: tuple[ZTest | None, ...]  # per variant; None for the control

    @property
    def declared(self) -> bool:
        return self.winner is not None


def determine_winner(variants: Sequence[VariantStats], control: int = 0) -> WinnerDecision:
    """The spec's winner rule over every treatment compared with ``variants[control]``.

    Ties in confidence go to the higher conversion rate, then to the lower index.
    """
    if not 0 <= control < len(variants):
        raise IndexError(f"control index {control} is outside the {len(variants)} variants")
    base = variants[control]
    tests: list[ZTest | None] = []
    leader: int | None = None
    best = (-1.0, 0.0)
    for index, variant in enumerate(variants):
        if index == control:
            tests.append(None)
            continue
        test = pooled_z_test(base, variant)
        tests.append(test)
        if beats(variant, base):
            key = (test.confidence, variant.conversion_rate)
            if key > best:
                best, leader = key, index
    confidence = best[0] if leader is not None else 0.0
    declared = leader is not None and confidence >= SIGNIFICANT_CONFIDENCE
    return WinnerDecision(
        leader=leader,
        winner=leader if declared else None,
        confidence=confidence,
        tests=tuple(tests),
    )
