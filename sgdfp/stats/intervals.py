r"""Exact intervals and tests for a variance measured from independent replicas, and the noise floor of a log ratio.

Replicas are independent, so the unbiased sample variance :math:`s^2` of :math:`R` replicas satisfies
:math:`(R-1)s^2/\sigma^2 \sim \chi^2_{R-1}` for Gaussian fluctuations: this gives each mode's exact
interval (:func:`chi2_interval`), the two-sided test of a predicted variance that it inverts
(:func:`chi2_p_values`), and the *sampling-noise floor* -- the median :math:`|\log(s^2/\sigma^2)|` that a
perfect prediction would still show with R replicas (:func:`noise_floor`).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy import optimize, stats

from sgdfp.stats.multiple_testing import two_sided

__all__ = ["chi2_interval", "chi2_p_values", "chi2_dof", "noise_floor"]


def chi2_interval(sample_variance, replicas, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact interval for the population variance from the unbiased sample variance of ``replicas`` replicas
    (``replicas`` may be fractional: ``dof + 1`` for moment-matched degrees of freedom)."""
    dof = np.asarray(replicas, dtype=np.float64) - 1
    alpha = 1 - level
    variance = np.asarray(sample_variance, dtype=np.float64)
    lower = dof * variance / stats.chi2.ppf(1 - alpha / 2, dof)
    upper = dof * variance / stats.chi2.ppf(alpha / 2, dof)
    return lower, upper


def chi2_p_values(ratio, dof) -> np.ndarray:
    r"""Two-sided p-values of :math:`\sigma^2 = \sigma_0^2` from :math:`\nu s^2/\sigma^2 \sim \chi^2_\nu`.

    The test that :func:`chi2_interval` inverts: :math:`\sigma_0^2` lies outside the interval at ``level``
    exactly when its p-value is below :math:`1 - \text{level}` (with ``replicas = dof + 1``).

    Args:
        ratio: :math:`s^2/\sigma_0^2`, the measured over the hypothesised variance (any shape).
        dof: degrees of freedom :math:`\nu` (broadcast against ``ratio``; fractional ones allowed).

    Returns:
        :math:`\min(1, 2\min(F_\nu(\nu r), 1 - F_\nu(\nu r)))` with :math:`F_\nu` the :math:`\chi^2_\nu` CDF.
    """
    dof = np.asarray(dof, dtype=np.float64)
    statistic = dof * np.asarray(ratio, dtype=np.float64)
    return two_sided(stats.chi2.cdf(statistic, dof), stats.chi2.sf(statistic, dof))


def chi2_dof(replicas, excess_kurtosis=0.0) -> np.ndarray:
    r"""Degrees of freedom :math:`\nu` of :math:`\nu s^2/\sigma^2 \sim \chi^2_\nu`: :math:`R - 1` for Gaussian
    fluctuations, :math:`2/(2/(R-1) + \kappa/R)` (variance matched) with excess kurtosis :math:`\kappa`."""
    replicas = np.asarray(replicas, dtype=np.float64)
    return 2.0 / (2.0 / (replicas - 1) + np.asarray(excess_kurtosis) / replicas)


@cache
def noise_floor(replicas: int) -> float:
    r"""Median of :math:`|\log(\chi^2_{R-1}/(R-1))|`: the |log ratio| of a perfect prediction with R replicas."""
    if int(replicas) < 2:
        raise ValueError(f"a noise floor needs at least 2 replicas; got {replicas!r}")
    dof = int(replicas) - 1

    def coverage(m):
        return stats.chi2.cdf(dof * np.exp(m), dof) - stats.chi2.cdf(dof * np.exp(-m), dof) - 0.5

    return float(optimize.brentq(coverage, 1e-9, 10.0))
