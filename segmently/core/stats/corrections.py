"""Multiple-comparison corrections for A/B/n tests (each treatment against the control).

Holm–Bonferroni step-down: sort the m p-values ascending, p₍ᵢ₎ ↦ max_{j≤i} min(1,
(m − j + 1) p₍ⱼ₎). It controls the family-wise error rate like Bonferroni (p ↦ min(1, m·p))
but is uniformly more powerful.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["bonferroni", "holm_bonferroni"]


def holm_bonferroni(p_values: Sequence[float]) -> tuple[float, ...]:
    """Holm-adjusted p-values, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        # monotone: an adjusted p-value is never below the one of a smaller raw p-value
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return tuple(adjusted)


def bonferroni(p_values: Sequence[float]) -> tuple[float, ...]:
    """Bonferroni-adjusted p-values, min(1, m·p)."""
    m = len(p_values)
    return tuple(min(1.0, m * p) for p in p_values)
