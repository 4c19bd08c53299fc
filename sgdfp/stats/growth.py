"""Growth exponents: the slope of log variance against log step, and power laws fitted with intervals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["growth_exponents", "power_law_fit", "PowerLaw"]


def growth_exponents(steps, variance) -> np.ndarray:
    """Per mode (columns of ``variance``, rows by step), the least-squares slope of log variance against
    log step over the second half of the run; NaN with fewer than two usable steps."""
    steps = np.asarray(steps, dtype=float)
    variance = np.asarray(variance, dtype=float)
    late = (steps >= steps[-1] / 2) & (steps > 0)
    if late.sum() < 2:
        return np.full(variance.shape[1], np.nan)
    x = np.log(steps[late])
    y = np.log(np.clip(variance[late], 1e-300, None))
    x = x - x.mean()
    return (x[:, None] * (y - y.mean(0))).sum(0) / (x**2).sum()


@dataclass(frozen=True)
class PowerLaw:
    """``y ∝ x**exponent``: the fitted exponent, its 95 % interval (None with two points) and the points used."""

    exponent: float | None
    interval: tuple[float, float] | None
    points: list[tuple[float, float]]


def power_law_fit(x, y, level: float = 0.95) -> PowerLaw:
    """Least-squares slope of log y against log x over the pairs with positive finite values; the interval is
    Student's t with n - 2 degrees of freedom."""
    pairs = [(float(a), float(b)) for a, b in zip(x, y)
             if a is not None and b is not None and np.isfinite(a) and np.isfinite(b) and a > 0 and b > 0]
    if len(pairs) < 2:
        return PowerLaw(None, None, pairs)
    fit = stats.linregress(np.log([p[0] for p in pairs]), np.log([p[1] for p in pairs]))
    interval = None
    if len(pairs) > 2:
        half = stats.t.ppf(0.5 + level / 2, len(pairs) - 2) * fit.stderr
        interval = (float(fit.slope - half), float(fit.slope + half))
    return PowerLaw(float(fit.slope), interval, pairs)
