"""The pure-Python distributions against scipy, to 1e-9."""

from __future__ import annotations

import pytest
from scipy import special, stats

from segmently.core.stats.distributions import (
    chi2_sf,
    normal_cdf,
    normal_ppf,
    normal_two_sided_p,
    regularized_beta,
    regularized_gamma_q,
    t_ppf,
    t_two_sided_p,
)

DFS = [1, 2, 3, 4.5, 10, 29.7, 49.9, 50.1, 100, 1e3, 1e5, 1e6]


@pytest.mark.parametrize("df", DFS)
def test_student_t(df: float) -> None:
    for t in [0.0, 1e-6, 0.1, 0.5, 1.0, 1.96, 3.0, 6.0, 12.0, 40.0]:
        assert t_two_sided_p(t, df) == pytest.approx(2 * stats.t.sf(t, df), rel=1e-9, abs=1e-300)
        assert t_two_sided_p(-t, df) == t_two_sided_p(t, df)
    for p in [1e-10, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.995, 1 - 1e-9]:
        assert t_ppf(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("df", [1, 2, 3, 7, 10, 50, 1000, 1e5])
def test_chi_square(df: float) -> None:
    for x in [0.0, 0.01, 0.5, 1.0, 3.0, 10.0, 50.0, 200.0, 1000.0, 5000.0]:
        assert chi2_sf(x, df) == pytest.approx(stats.chi2.sf(x, df), rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("a", [0.5, 1.0, 2.5, 10.0, 100.0, 1e4])
@pytest.mark.parametrize("b", [0.5, 1.0, 3.0, 50.0, 1e3])
def test_incomplete_beta_and_gamma(a: float, b: float) -> None:
    for x in [1e-6, 0.01, 0.3, 0.5, 0.7, 0.99, 0.999999]:
        assert regularized_beta(x, a, b) == pytest.approx(
            special.betainc(a, b, x), rel=1e-9, abs=1e-14
        )
    for x in [0.1, 1.0, a, 2 * a + 5]:
        assert regularized_gamma_q(a, x) == pytest.approx(
            special.gammaincc(a, x), rel=1e-9, abs=1e-14
        )


def test_normal() -> None:
    for z in [-40.0, -5.0, -1.96, 0.0, 0.3, 1.0, 8.0, 38.0]:
        assert normal_cdf(z) == pytest.approx(stats.norm.cdf(z), rel=1e-12, abs=1e-300)
        assert normal_two_sided_p(z) == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-12)
    for p in [1e-12, 0.025, 0.5, 0.9, 0.999]:
        assert normal_ppf(p) == pytest.approx(stats.norm.ppf(p), rel=1e-12)
