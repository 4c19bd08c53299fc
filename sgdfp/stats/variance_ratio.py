r"""Tests and intervals for the ratio :math:`\theta = V_2/V_1` of two variances.

- the same replicas measured twice (correlated samples): Pitman--Morgan -- with :math:`Y_1, Y_2` the two
  measurements, :math:`\operatorname{corr}(Y_2/\sqrt\theta + Y_1,\ Y_2/\sqrt\theta - Y_1)` is zero exactly when
  :math:`V_2/V_1 = \theta`, a :math:`t_{R-2}` test;
- independent ensembles: the :math:`F` test, exact for them (conservative for one ensemble followed in time).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from sgdfp.stats.multiple_testing import two_sided

__all__ = ["ratio_p_values", "ratio_interval"]


def _dof(value, name: str) -> np.ndarray:
    """Degrees of freedom (a number or an array of them) as float64; checked even where they are not used."""
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a number of degrees of freedom or an array of them; "
                        f"got {type(value).__name__} {value!r:.80}")
    return array.astype(np.float64, copy=False)


def ratio_p_values(var1, var2, theta, dof1, dof2, corr=None) -> np.ndarray:
    """Two-sided p-values of ``V2/V1 = theta`` from sample variances (``corr``: their sample correlation, or None
    for independent ensembles)."""
    dof1, dof2 = _dof(dof1, "dof1"), _dof(dof2, "dof2")
    fold = np.asarray(var2, dtype=np.float64) / np.asarray(var1, dtype=np.float64) / np.asarray(theta)
    with np.errstate(divide="ignore", invalid="ignore"):
        if corr is None:
            p = two_sided(stats.f.cdf(fold, dof2, dof1), stats.f.sf(fold, dof2, dof1))
        else:
            n = dof1 + 1
            r = (fold - 1) / np.sqrt((fold + 1) ** 2 - 4 * np.asarray(corr) ** 2 * fold)
            t = r * np.sqrt((n - 2) / np.maximum(1 - r**2, 1e-300))
            p = np.minimum(1.0, 2 * stats.t.sf(np.abs(t), n - 2))
    return np.nan_to_num(p, nan=1.0)


def ratio_interval(var1, var2, dof1, dof2, level: float, corr=None) -> tuple[np.ndarray, np.ndarray]:
    """Exact interval of ``V2/V1`` at ``level`` (inverts :func:`ratio_p_values`)."""
    dof1, dof2 = _dof(dof1, "dof1"), _dof(dof2, "dof2")
    ratio = np.asarray(var2, dtype=np.float64) / np.asarray(var1, dtype=np.float64)
    tail = (1 - level) / 2
    if corr is None:
        low_fold, high_fold = stats.f.isf(tail, dof2, dof1), stats.f.ppf(tail, dof2, dof1)
    else:
        n = dof1 + 1
        t = stats.t.isf(tail, n - 2)
        rc2 = t**2 / (n - 2 + t**2)
        b = 1 + rc2 - 2 * rc2 * np.asarray(corr) ** 2
        root = np.sqrt(np.maximum(b**2 - (1 - rc2) ** 2, 0.0))
        low_fold, high_fold = (b + root) / (1 - rc2), (b - root) / (1 - rc2)
    return ratio / low_fold, ratio / high_fold
