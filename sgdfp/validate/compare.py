r"""Measured per-mode variances against predictions, with honest statistics.

Replicas are independent, so the sample variance :math:`s^2` of R replicas satisfies
:math:`(R-1)s^2/\sigma^2 \sim \chi^2_{R-1}` for Gaussian fluctuations: this gives each mode's exact
95 % interval, and the *sampling-noise floor* -- the median :math:`|\log(s^2/\sigma^2)|` that a perfect
prediction would still show with R replicas -- against which the median :math:`|\log|` ratio is to be read.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import optimize, stats

from sgdfp.derive.modes import REGIMES

__all__ = ["chi2_interval", "noise_floor", "growth_exponents", "summarise", "TOP_MODES", "STIFFNESS_BINS",
           "VALIDITY_TOLERANCE"]

TOP_MODES = 48
# Bins of eta * lambda for the discrete-vs-Langevin breakdown: escaping, flat, soft, stiff (>= 0.2, where
# the two models part), very stiff, and beyond the stability edge eta * lambda = 2.
STIFFNESS_BINS = (-np.inf, 0.0, 0.05, 0.2, 1.0, 2.0, np.inf)
# A mode is inside the local quadratic theory while the gradient its replicas see beyond the theory's
# line would change its predicted variance by less than this (in |log|; see run._validity_error).
VALIDITY_TOLERANCE = 0.1


def chi2_interval(sample_variance: np.ndarray, replicas: np.ndarray | int, level: float = 0.95):
    """Exact interval for the population variance from the unbiased sample variance of R replicas."""
    dof = np.asarray(replicas) - 1
    alpha = 1 - level
    lower = dof * sample_variance / stats.chi2.ppf(1 - alpha / 2, dof)
    upper = dof * sample_variance / stats.chi2.ppf(alpha / 2, dof)
    return lower, upper


@lru_cache(maxsize=None)
def noise_floor(replicas: int) -> float:
    r"""Median of :math:`|\log(\chi^2_{R-1}/(R-1))|`: the |log ratio| of a perfect prediction."""
    dof = replicas - 1

    def coverage(m):
        return stats.chi2.cdf(dof * np.exp(m), dof) - stats.chi2.cdf(dof * np.exp(-m), dof) - 0.5

    return float(optimize.brentq(coverage, 1e-9, 10.0))


def growth_exponents(steps: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """Per mode, the slope of log variance against log step over the second half of the run."""
    steps = np.asarray(steps, dtype=float)
    late = steps >= steps[-1] / 2
    late &= steps > 0
    if late.sum() < 2:
        return np.full(variance.shape[1], np.nan)
    x = np.log(steps[late])
    y = np.log(np.clip(variance[late], 1e-300, None))
    x = x - x.mean()
    return (x[:, None] * (y - y.mean(0))).sum(0) / (x**2).sum()


def _log_corr(a, b):
    good = (a > 0) & (b > 0) & np.isfinite(a) & np.isfinite(b)
    if good.sum() < 3:
        return float("nan")
    return float(np.corrcoef(np.log(a[good]), np.log(b[good]))[0, 1])


def _median_abs_log_ratio(measured, predicted):
    good = (measured > 0) & (predicted > 0) & np.isfinite(measured) & np.isfinite(predicted)
    return float(np.median(np.abs(np.log(measured[good] / predicted[good])))) if good.any() else float("nan")


def _stiffness_breakdown(stiffness, discrete_error, langevin_error) -> list[dict]:
    """Per bin of eta * lambda: how many modes, and the median |log ratio| of both models."""
    rows = []
    for low, high in zip(STIFFNESS_BINS[:-1], STIFFNESS_BINS[1:]):
        mask = (stiffness >= low) & (stiffness < high) & np.isfinite(discrete_error) & np.isfinite(langevin_error)
        if mask.any():
            rows.append({"lr_curvature": [None if np.isinf(low) else float(low), None if np.isinf(high) else float(high)],
                         "modes": int(mask.sum()),
                         "median_abs_log_ratio": float(np.median(discrete_error[mask])),
                         "langevin_median_abs_log_ratio": float(np.median(langevin_error[mask]))})
    return rows


def summarise(curvature, lr, steps, measured, predicted, langevin, stationary, regimes, live,
              validity_error=None) -> tuple[dict, dict]:
    """Summary metrics and the per-mode table for one run (final checkpoint = last row).

    ``validity_error`` (per mode, NaN where not measured) is the |log| change of the predicted variance
    that the gradient measured beyond the quadratic theory's line would cause; modes above
    :data:`VALIDITY_TOLERANCE` have left the local quadratic theory, and the summary splits the error
    between the modes inside and outside it."""
    final_measured, final_predicted, final_langevin = measured[-1], predicted[-1], langevin[-1]
    top = np.argsort(np.abs(curvature))[-TOP_MODES:]
    lower, upper = chi2_interval(final_measured, live[-1])
    outside = (final_predicted < lower) | (final_predicted > upper)
    exponents = growth_exponents(steps, measured)
    regimes = np.asarray(regimes)
    stiff = lr * curvature >= 0.2
    with np.errstate(divide="ignore", invalid="ignore"):  # a mode without noise: 0/0, left out as NaN
        log_ratio = np.log(final_measured / final_predicted)
        langevin_log_ratio = np.log(final_measured / final_langevin)
    discrete_error, langevin_error = np.abs(log_ratio), np.abs(langevin_log_ratio)

    def median_over(values, mask):
        values = values[mask & np.isfinite(values)]
        return float(np.median(values)) if values.size else None

    summary = {
        "log_corr_top": _log_corr(final_measured[top], final_predicted[top]),
        "log_corr_all": _log_corr(final_measured, final_predicted),
        "stationary_log_corr_top": _log_corr(final_measured[top], stationary[top]),
        "median_abs_log_ratio_top": _median_abs_log_ratio(final_measured[top], final_predicted[top]),
        "median_abs_log_ratio_all": _median_abs_log_ratio(final_measured, final_predicted),
        "langevin_median_abs_log_ratio_top": _median_abs_log_ratio(final_measured[top], final_langevin[top]),
        "langevin_median_abs_log_ratio_all": _median_abs_log_ratio(final_measured, final_langevin),
        "noise_floor_abs_log_ratio": noise_floor(int(live[-1])),
        "fraction_outside_interval": float(np.mean(outside)),
        "confined_growth_exponent": median_over(exponents, regimes == "confined"),
        "diffusive_growth_exponent": median_over(exponents, regimes == "diffusive"),
        "stiff_modes": int(stiff.sum()),
        "median_abs_log_ratio_stiff": median_over(discrete_error, stiff),
        "langevin_median_abs_log_ratio_stiff": median_over(langevin_error, stiff),
        "regime_counts": {name: int((regimes == name).sum()) for name in REGIMES},
        "by_lr_curvature": _stiffness_breakdown(lr * curvature, discrete_error, langevin_error),
    }
    validity = np.full(curvature.shape, np.nan) if validity_error is None else np.asarray(validity_error, float)
    checked = np.isfinite(validity)
    inside = checked & (validity <= VALIDITY_TOLERANCE)
    beyond = checked & (validity > VALIDITY_TOLERANCE)
    summary.update({
        "validity_modes_checked": int(checked.sum()),
        "locally_valid_fraction": float(inside.sum() / checked.sum()) if checked.any() else None,
        "median_abs_log_ratio_locally_valid": median_over(discrete_error, inside),
        "median_abs_log_ratio_beyond_local": median_over(discrete_error, beyond),
        "langevin_median_abs_log_ratio_beyond_local": median_over(langevin_error, beyond),
        "regime_counts_beyond_local": {name: int((beyond & (regimes == name)).sum()) for name in REGIMES},
    })
    table = {"lower": lower, "upper": upper, "outside": outside, "growth_exponent": exponents,
             "log_ratio": log_ratio, "langevin_log_ratio": langevin_log_ratio, "validity_error": validity}
    return summary, table
