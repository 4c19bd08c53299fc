"""Two-sided p-values and Holm's step-down adjustment, vectorised over leading axes."""

from __future__ import annotations

import numpy as np

__all__ = ["two_sided", "holm"]


def two_sided(lower_tail, upper_tail) -> np.ndarray:
    """``min(1, 2 min(lower, upper))``: the two-sided p-value from both tail probabilities."""
    return np.minimum(1.0, 2.0 * np.minimum(lower_tail, upper_tail))


def holm(p) -> np.ndarray:
    """Holm-adjusted p-values over the last axis, in the original order (reject where adjusted <= level).

    Valid at family-wise level whatever the dependence between the tests."""
    p = np.asarray(p, dtype=np.float64)
    m = p.shape[-1]
    order = np.argsort(p, axis=-1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=-1) * (m - np.arange(m))
    ranked = np.minimum(1.0, np.maximum.accumulate(ranked, axis=-1))
    adjusted = np.empty_like(ranked)
    np.put_along_axis(adjusted, order, ranked, axis=-1)
    return adjusted
