"""sgdfp.stats.intervals: chi-squared intervals and tests of a variance, moment-matched dof, the noise floor.

References: seeded Monte Carlo of Gaussian (and Laplace) replicas, and mpmath's regularised incomplete gamma
function for the chi-squared law.
"""

import mpmath
import numpy as np
import pytest
from scipy.stats import binomtest

from sgdfp.stats import chi2_dof, chi2_interval, chi2_p_values, noise_floor


def _consistent(hits: int, trials: int, rate: float) -> bool:
    """``hits`` of ``trials`` is consistent with ``rate`` (exact binomial test, two-sided, at 0.1 %)."""
    return binomtest(int(hits), trials, rate).pvalue > 1e-3


@pytest.mark.parametrize("replicas, level", [(5, 0.9), (40, 0.95), (400, 0.99)])
def test_chi2_interval_covers_the_true_variance_at_its_level_with_equal_tails(replicas, level):
    rng = np.random.default_rng(replicas)
    trials, sigma2 = 20_000, 2.5
    variance = rng.normal(0.0, np.sqrt(sigma2), size=(trials, replicas)).var(axis=1, ddof=1)
    lower, upper = chi2_interval(variance, replicas, level)
    assert _consistent(np.sum(upper < sigma2), trials, (1 - level) / 2)  # each tail misses half the rest
    assert _consistent(np.sum(lower > sigma2), trials, (1 - level) / 2)
    assert _consistent(np.sum((lower <= sigma2) & (sigma2 <= upper)), trials, level)


@pytest.mark.parametrize("dof", [1, 4.5, 99, 2_000])
@pytest.mark.parametrize("level", [0.5, 0.95, 0.999])
def test_chi2_p_values_invert_the_interval(dof, level):
    """The p-value of a variance at either end of its interval is 1 - level; inside it is larger."""
    sample_variance = 1.7
    lower, upper = chi2_interval(sample_variance, dof + 1, level)
    ends = chi2_p_values(sample_variance / np.array([lower, upper]), dof)
    assert ends == pytest.approx([1 - level, 1 - level], rel=1e-9)
    inside = np.exp(np.linspace(np.log(lower), np.log(upper), 9)[1:-1])
    assert np.all(chi2_p_values(sample_variance / inside, dof) > 1 - level)
    outside = np.array([0.9 * lower, 1.1 * upper])
    assert np.all(chi2_p_values(sample_variance / outside, dof) < 1 - level)


def test_chi2_p_values_against_mpmath():
    def by_hand(ratio, dof):
        with mpmath.workdps(30):
            lower = mpmath.gammainc(mpmath.mpf(dof) / 2, 0, mpmath.mpf(dof) * ratio / 2, regularized=True)
            return float(min(1, 2 * min(lower, 1 - lower)))

    for ratio, dof in [(0.5, 3), (1.0, 10), (1.3, 50), (0.93, 1199), (2.0, 2.5)]:
        assert chi2_p_values(ratio, dof) == pytest.approx(by_hand(ratio, dof), rel=1e-9)


def test_chi2_p_values_are_uniform_under_the_null():
    rng = np.random.default_rng(1)
    trials, replicas = 20_000, 12
    ratio = rng.normal(size=(trials, replicas)).var(axis=1, ddof=1)
    p = chi2_p_values(ratio, replicas - 1)
    for alpha in (0.01, 0.1, 0.5):
        assert _consistent(np.sum(p <= alpha), trials, alpha)


@pytest.mark.parametrize("draw, excess_kurtosis", [
    (lambda rng, shape: rng.normal(size=shape), 0.0),
    (lambda rng, shape: rng.laplace(size=shape) / np.sqrt(2), 3.0),
    (lambda rng, shape: rng.uniform(-np.sqrt(3), np.sqrt(3), size=shape), -1.2),
])
def test_chi2_dof_matches_the_variance_of_the_sample_variance(draw, excess_kurtosis):
    """Var(s^2) = sigma^4 (2/(R - 1) + kappa/R) for any law: nu = 2 sigma^4/Var(s^2) is what chi2_dof returns."""
    rng = np.random.default_rng(2)
    trials, replicas = 40_000, 30
    variance = draw(rng, (trials, replicas)).var(axis=1, ddof=1)  # unit population variance
    measured_dof = 2 / variance.var(ddof=1)
    # the relative standard error of a variance estimate from n draws is about sqrt((2 + kappa_s)/n) < 2.5 %
    assert float(chi2_dof(replicas, excess_kurtosis)) == pytest.approx(measured_dof, rel=0.05)
    assert float(chi2_dof(replicas, 0.0)) == pytest.approx(replicas - 1, rel=1e-14)


def _noise_floor_by_mpmath(replicas):
    """The m with P(dof e^-m < chi2_dof < dof e^m) = 1/2, by mpmath's root finder on the incomplete gamma."""
    dof = mpmath.mpf(replicas - 1)

    def cdf(x):
        return mpmath.gammainc(dof / 2, 0, x / 2, regularized=True)

    with mpmath.workdps(30):
        return float(mpmath.findroot(lambda m: cdf(dof * mpmath.exp(m)) - cdf(dof * mpmath.exp(-m)) - 0.5,
                                     (mpmath.mpf("1e-6"), mpmath.mpf(5)), solver="anderson"))


@pytest.mark.parametrize("replicas", [2, 3, 10, 1200])
def test_noise_floor_against_an_mpmath_root(replicas):
    assert noise_floor(replicas) == pytest.approx(_noise_floor_by_mpmath(replicas), rel=1e-8)


def test_noise_floor_is_the_median_abs_log_ratio_of_a_perfect_prediction():
    rng = np.random.default_rng(3)
    replicas = 20
    ratio = rng.normal(size=(40_000, replicas)).var(axis=1, ddof=1)
    median = np.median(np.abs(np.log(ratio)))
    assert noise_floor(replicas) == pytest.approx(median, rel=0.02)


def test_noise_floor_needs_two_replicas():
    with pytest.raises(ValueError, match="at least 2 replicas"):
        noise_floor(1)
