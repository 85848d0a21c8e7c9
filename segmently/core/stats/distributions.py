"""The few probability distributions the tests need, in pure Python.

Normal: ``math.erfc`` and ``statistics.NormalDist`` (Wichura's AS241 quantile). Student's t
and chi-square: the regularized incomplete beta and gamma functions, evaluated with the
continued fractions of Numerical Recipes (§6.2, §6.4) by the modified Lentz method.
Agreement with scipy is tested to 1e-9.
"""

from __future__ import annotations

import math
from statistics import NormalDist

__all__ = [
    "chi2_sf",
    "normal_cdf",
    "normal_pdf",
    "normal_ppf",
    "normal_two_sided_p",
    "regularized_beta",
    "regularized_gamma_q",
    "t_ppf",
    "t_two_sided_p",
]

_STANDARD = NormalDist()
_EPS = 1e-16
_TINY = 1e-300
_MAX_ITERATIONS = 100_000
# Above this many degrees of freedom Student's t is the normal to better than 1e-7.
_T_NORMAL_DF = 1e7


def normal_cdf(x: float) -> float:
    """Φ(x), accurate in both tails (via erfc)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def normal_pdf(x: float) -> float:
    """φ(x) = exp(−x²/2) / √(2π)."""
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def normal_two_sided_p(z: float) -> float:
    """P(|Z| ≥ |z|) = erfc(|z| / √2)."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def normal_ppf(p: float) -> float:
    """Φ⁻¹(p) for 0 < p < 1."""
    return _STANDARD.inv_cdf(p)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (Numerical Recipes betacf), by modified Lentz."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = _TINY if abs(d) < _TINY else d
    d = 1.0 / d
    h = d
    for m in range(1, _MAX_ITERATIONS):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def _stirling_correction(z: float) -> float:
    # lnΓ(z) − [(z − ½)ln z − z + ½ln 2π], asymptotic series (error < 1e-18 for z ≥ 50)
    z2 = z * z
    return (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - 1.0 / (1680.0 * z2)) / z2) / z2) / z


def _log_gamma_ratio(a: float, b: float) -> float:
    """lnΓ(a + b) − lnΓ(a), without the cancellation of two huge lgamma values."""
    if a < 50.0:
        return math.lgamma(a + b) - math.lgamma(a)
    return (
        (a - 0.5) * math.log1p(b / a)
        + b * math.log(a + b)
        - b
        + _stirling_correction(a + b)
        - _stirling_correction(a)
    )


def _log_beta(a: float, b: float) -> float:
    """ln B(a, b) = lnΓ(a) + lnΓ(b) − lnΓ(a + b), accurate when one argument is huge."""
    small, large = (a, b) if a <= b else (b, a)
    return math.lgamma(small) - _log_gamma_ratio(large, small)


def _regularized_beta(x: float, y: float, a: float, b: float) -> float:
    """I_x(a, b) given x and y = 1 − x, each computed accurately by the caller."""
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    log_front = a * math.log(x) + b * math.log(y) - _log_beta(a, b)
    # The fraction converges fast for x < (a + 1)/(a + b + 2); use the symmetry otherwise.
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, y) / b


def regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, for a, b > 0."""
    return _regularized_beta(x, 1.0 - x, a, b)


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| ≥ |t|) for Student's t with ``df`` degrees of freedom = I_{df/(df+t²)}(df/2, 1/2)."""
    if df <= 0 or math.isnan(t):
        return 1.0
    if math.isinf(t):
        return 0.0
    if df > _T_NORMAL_DF:
        return normal_two_sided_p(t)
    t2 = t * t
    return min(1.0, _regularized_beta(df / (df + t2), t2 / (df + t2), df / 2.0, 0.5))


def _t_pdf(t: float, df: float) -> float:
    log_density = (
        _log_gamma_ratio(df / 2.0, 0.5)
        - 0.5 * math.log(df * math.pi)
        - (df + 1.0) / 2.0 * math.log1p(t * t / df)
    )
    return math.exp(log_density)


def t_ppf(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t, by safeguarded Newton on the CDF (0 < p < 1)."""
    if df > _T_NORMAL_DF:
        return normal_ppf(p)
    if p == 0.5:
        return 0.0
    upper_tail = 1.0 - p if p > 0.5 else p  # solve P(T ≥ t) = upper_tail for t > 0
    target = 2.0 * upper_tail  # as a two-sided p-value
    low, high = 0.0, 1.0
    while t_two_sided_p(high, df) > target:
        low, high = high, high * 2.0
        if high > 1e300:
            break
    t = min(max(abs(normal_ppf(upper_tail)), low), high)
    for _ in range(200):
        excess = t_two_sided_p(t, df) - target  # decreasing in t
        if excess > 0:
            low = t
        else:
            high = t
        step = excess / (2.0 * _t_pdf(t, df)) if t > 0 else 0.0
        candidate = t + step
        if not low < candidate < high or step == 0.0:
            candidate = 0.5 * (low + high)
        if abs(candidate - t) <= 1e-15 * max(1.0, t):
            t = candidate
            break
        t = candidate
    return t if p > 0.5 else -t


def regularized_gamma_q(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x)/Γ(a), the regularized upper incomplete gamma function (a > 0)."""
    if x <= 0.0:
        return 1.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:
        # series for P(a, x) (Numerical Recipes gser), then Q = 1 − P
        term = total = 1.0 / a
        ap = a
        for _ in range(_MAX_ITERATIONS):
            ap += 1.0
            term *= x / ap
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        return max(0.0, 1.0 - total * math.exp(log_front))
    # continued fraction for Q(a, x) (Numerical Recipes gcf), modified Lentz
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITERATIONS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(log_front) * h


def chi2_sf(x: float, df: float) -> float:
    """P(χ²_df ≥ x)."""
    if df <= 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    return min(1.0, regularized_gamma_q(df / 2.0, x / 2.0))
