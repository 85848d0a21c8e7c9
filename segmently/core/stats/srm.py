"""Sample ratio mismatch: do the visitor counts match the configured weights?

Pearson's chi-square goodness of fit, χ² = Σ (observedᵢ − expectedᵢ)² / expectedᵢ with
expectedᵢ = N · wᵢ / Σw, on k − 1 degrees of freedom. A p-value below 0.001 means the
assignment or the tracking is broken (a redirect losing visitors, a bot, a caching bug),
and no result of the experiment should be trusted until it is explained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from segmently.core.stats.distributions import chi2_sf

__all__ = ["SRM_THRESHOLD", "SampleRatioCheck", "sample_ratio_mismatch"]

SRM_THRESHOLD = 0.001


@dataclass(frozen=True, slots=True)
class SampleRatioCheck:
    chi_square: float | None  # None when a 0% variant received visitors (certain mismatch)
    p_value: float
    expected: tuple[float, ...]
    mismatch: bool


def sample_ratio_mismatch(
    visitors: Sequence[int], weights: Sequence[float], threshold: float = SRM_THRESHOLD
) -> SampleRatioCheck:
    """Chi-square test of ``visitors`` per variant against ``weights`` (any positive scale).

    A variant with weight 0 that still has visitors is a certain mismatch (p = 0); variants
    with weight 0 and no visitors are left out. No visitors at all: p = 1.
    """
    if len(visitors) != len(weights):
        raise ValueError("one weight per variant is needed")
    if any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("weights must be non-negative with a positive total")
    total = sum(visitors)
    weight_total = float(sum(weights))
    expected = tuple(total * w / weight_total for w in weights)
    if total == 0:
        return SampleRatioCheck(0.0, 1.0, expected, False)
    if any(w == 0 and n > 0 for n, w in zip(visitors, weights, strict=True)):
        return SampleRatioCheck(None, 0.0, expected, True)
    chi_square = 0.0
    cells = 0
    for observed, wanted in zip(visitors, expected, strict=True):
        if wanted > 0:
            chi_square += (observed - wanted) ** 2 / wanted
            cells += 1
    p_value = chi2_sf(chi_square, cells - 1) if cells > 1 else 1.0
    return SampleRatioCheck(chi_square, p_value, expected, p_value < threshold)
