"""sgdfp.stats.variance_ratio: tests and intervals of a ratio of two variances (Pitman--Morgan, F).

References: the Pitman--Morgan construction computed from the samples themselves (the correlation of
``Y2/sqrt(theta) + Y1`` and ``Y2/sqrt(theta) - Y1``, tested by ``scipy.stats.pearsonr``), the F law by mpmath's
regularised incomplete beta function, and seeded Monte Carlo for coverage.
"""

import mpmath
import numpy as np
import pytest
from scipy.stats import binomtest, pearsonr

from sgdfp.stats import ratio_interval, ratio_p_values


def _consistent(hits: int, trials: int, rate: float) -> bool:
    """``hits`` of ``trials`` is consistent with ``rate`` (exact binomial test, two-sided, at 0.1 %)."""
    return binomtest(int(hits), trials, rate).pvalue > 1e-3


def _correlated_pairs(rng, trials, replicas, ratio, rho):
    """Sample variances and correlation of (Y1, Y2) Gaussian with V1 = 1, V2 = ratio, corr(Y1, Y2) = rho."""
    covariance = np.array([[1.0, rho * np.sqrt(ratio)], [rho * np.sqrt(ratio), ratio]])
    y = rng.standard_normal((trials, replicas, 2)) @ np.linalg.cholesky(covariance).T
    centred = y - y.mean(axis=1, keepdims=True)
    ss = (centred**2).sum(axis=1)
    corr = (centred[..., 0] * centred[..., 1]).sum(axis=1) / np.sqrt(ss[:, 0] * ss[:, 1])
    return ss[:, 0] / (replicas - 1), ss[:, 1] / (replicas - 1), corr


def test_pitman_morgan_p_value_is_the_correlation_test_of_sum_and_difference():
    rng = np.random.default_rng(0)
    for replicas, rho, theta in [(10, 0.3, 1.0), (50, 0.9, 2.0), (300, -0.5, 0.7), (25, 0.0, 1.4)]:
        y = rng.standard_normal((replicas, 2)) @ np.linalg.cholesky([[1.0, rho], [rho, 1.5]]).T
        y1, y2 = y[:, 0], y[:, 1]
        corr = np.corrcoef(y1, y2)[0, 1]
        p = ratio_p_values(y1.var(ddof=1), y2.var(ddof=1), theta, replicas - 1, replicas - 1, corr)
        reference = pearsonr(y2 / np.sqrt(theta) + y1, y2 / np.sqrt(theta) - y1).pvalue
        assert p == pytest.approx(reference, rel=1e-8)


def test_f_test_p_value_against_the_incomplete_beta_function():
    def two_sided_f(fold, d2, d1):
        with mpmath.workdps(30):
            x = mpmath.mpf(d2) * fold / (mpmath.mpf(d2) * fold + d1)
            lower = mpmath.betainc(mpmath.mpf(d2) / 2, mpmath.mpf(d1) / 2, 0, x, regularized=True)
            return float(min(1, 2 * min(lower, 1 - lower)))

    for var1, var2, theta, dof1, dof2 in [(1.0, 1.3, 1.0, 20, 30), (2.0, 1.0, 0.25, 5, 8), (1.0, 4.2, 2.0, 100, 40)]:
        p = ratio_p_values(var1, var2, theta, dof1, dof2)
        assert p == pytest.approx(two_sided_f(var2 / var1 / theta, dof2, dof1), rel=1e-9)


@pytest.mark.parametrize("corr", [None, 0.0, 0.6, -0.95])
@pytest.mark.parametrize("level", [0.8, 0.99])
def test_ratio_interval_is_the_exact_inversion_of_the_p_values(corr, level):
    var1, var2, dof1, dof2 = 1.3, 2.9, 60.0, 60.0 if corr is not None else 45.0
    low, high = ratio_interval(var1, var2, dof1, dof2, level, corr)
    assert low < var2 / var1 < high
    ends = ratio_p_values(var1, var2, np.array([low, high]), dof1, dof2, corr)
    assert ends == pytest.approx([1 - level, 1 - level], rel=1e-7)
    inside = np.exp(np.linspace(np.log(low), np.log(high), 7)[1:-1])
    assert np.all(ratio_p_values(var1, var2, inside, dof1, dof2, corr) > 1 - level)
    outside = np.array([0.95 * low, 1.05 * high])
    assert np.all(ratio_p_values(var1, var2, outside, dof1, dof2, corr) < 1 - level)


@pytest.mark.parametrize("rho, ratio", [(0.0, 1.0), (0.8, 2.5), (-0.6, 0.4)])
def test_pitman_morgan_interval_covers_the_true_ratio_of_correlated_variances(rho, ratio):
    rng = np.random.default_rng(int(10 * ratio))
    trials, replicas, level = 20_000, 15, 0.9
    var1, var2, corr = _correlated_pairs(rng, trials, replicas, ratio, rho)
    low, high = ratio_interval(var1, var2, replicas - 1, replicas - 1, level, corr)
    assert _consistent(np.sum((low <= ratio) & (ratio <= high)), trials, level)
    assert _consistent(np.sum(high < ratio), trials, (1 - level) / 2)  # equal tails


def test_f_interval_covers_the_true_ratio_of_independent_ensembles():
    rng = np.random.default_rng(4)
    trials, r1, r2, ratio, level = 20_000, 8, 21, 3.0, 0.95
    var1 = rng.normal(size=(trials, r1)).var(axis=1, ddof=1)
    var2 = ratio * rng.normal(size=(trials, r2)).var(axis=1, ddof=1)
    low, high = ratio_interval(var1, var2, r1 - 1, r2 - 1, level)
    assert _consistent(np.sum((low <= ratio) & (ratio <= high)), trials, level)
    assert _consistent(np.sum(low > ratio), trials, (1 - level) / 2)


def test_the_f_test_ignores_correlation_and_is_conservative_for_positively_correlated_samples():
    """Why the paired test exists: on one ensemble followed in time (corr > 0) the F test rejects less often."""
    rng = np.random.default_rng(5)
    trials, replicas = 20_000, 40
    var1, var2, corr = _correlated_pairs(rng, trials, replicas, 1.0, 0.9)
    paired = ratio_p_values(var1, var2, 1.0, replicas - 1, replicas - 1, corr)
    unpaired = ratio_p_values(var1, var2, 1.0, replicas - 1, replicas - 1)
    assert _consistent(np.sum(paired <= 0.05), trials, 0.05)
    assert np.mean(unpaired <= 0.05) < 0.01
