"""Per-variant sufficient statistics: everything the tests need, and nothing more.

They add up across days and shards (``a + b``), so results can be computed from pre-aggregated
rows. Revenue is per *visitor*: ``revenue_sum`` is Σ rᵢ and ``revenue_sum_squares`` is Σ rᵢ²
over the variant's visitors, where rᵢ is the total revenue of visitor i (0 for most).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["VariantStats", "combine"]


@dataclass(frozen=True, slots=True)
class VariantStats:
    """Visitors, converted visitors and per-visitor revenue sums of one variant.

    Raises ``ValueError`` for impossible data (negative counts, more conversions than
    visitors, non-finite revenue); use :meth:`clamped` for data that may be inconsistent.
    """

    visitors: int
    conversions: int
    revenue_sum: float = 0.0
    revenue_sum_squares: float = 0.0

    def __post_init__(self) -> None:
        if self.visitors < 0 or self.conversions < 0:
            raise ValueError("visitor and conversion counts cannot be negative")
        if self.conversions > self.visitors:
            raise ValueError(
                f"{self.conversions} conversions for {self.visitors} visitors: "
                "a visitor converts at most once"
            )
        if not (math.isfinite(self.revenue_sum) and math.isfinite(self.revenue_sum_squares)):
            raise ValueError("revenue sums must be finite numbers")
        if self.revenue_sum_squares < 0:
            raise ValueError("a sum of squares cannot be negative")

    @classmethod
    def clamped(
        cls,
        visitors: int,
        conversions: int,
        revenue_sum: float = 0.0,
        revenue_sum_squares: float = 0.0,
    ) -> VariantStats:
        """Like the constructor, but repairs inconsistent counts instead of raising."""
        visitors = max(0, int(visitors))
        conversions = min(max(0, int(conversions)), visitors)
        revenue_sum = revenue_sum if math.isfinite(revenue_sum) else 0.0
        squares = revenue_sum_squares if math.isfinite(revenue_sum_squares) else 0.0
        return cls(visitors, conversions, revenue_sum, max(0.0, squares))

    def __add__(self, other: VariantStats) -> VariantStats:
        return VariantStats(
            self.visitors + other.visitors,
            self.conversions + other.conversions,
            self.revenue_sum + other.revenue_sum,
            self.revenue_sum_squares + other.revenue_sum_squares,
        )

    @property
    def conversion_rate(self) -> float:
        """conversions / visitors, 0 for no visitors (the spec's rate, as a fraction)."""
        return self.conversions / self.visitors if self.visitors else 0.0

    @property
    def revenue_per_visitor(self) -> float:
        return self.revenue_sum / self.visitors if self.visitors else 0.0

    @property
    def revenue_variance(self) -> float:
        """Sample variance of per-visitor revenue, (Σr² − (Σr)²/n) / (n − 1); 0 below 2."""
        n = self.visitors
        if n < 2:
            return 0.0
        # Clamped: the subtraction can go slightly negative in floating point.
        return max(0.0, (self.revenue_sum_squares - self.revenue_sum**2 / n) / (n - 1))


def combine(parts: Iterable[VariantStats]) -> VariantStats:
    """The sum of several partial statistics (days, shards) of the same variant."""
    total = VariantStats(0, 0)
    for part in parts:
        total = total + part
    return total
