"""Null directions: modes with no noise to move them (input pixels that are always zero, say).

Their measured and predicted variances are rounding error, so a summary that counted them would be deciding on
noise: they are counted (``null_modes``) and set aside from every summary metric and the report's breakdowns.
numpy only, so the report can use it without torch.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NULL_NOISE", "null_directions"]

#: A mode whose gradient (and curvature) noise is below this fraction of the largest has nothing to move it: on
#: mnist-mlp 9 modes sit at 1e-27 of the largest (always-zero pooled pixels), the next at 3e-11.
NULL_NOISE = 1e-20


def null_directions(grad_noise, curvature_noise=None) -> np.ndarray:
    """The modes without noise to move them (input pixels that are always zero, say): gradient noise below
    :data:`NULL_NOISE` times the largest and no larger curvature noise. Their variance is rounding error; they are
    counted and set aside from every summary metric."""
    grad_noise = np.nan_to_num(np.asarray(grad_noise, dtype=float))
    scale = max(float(grad_noise.max(initial=0.0)), 1e-300)
    null = grad_noise < NULL_NOISE * scale
    if curvature_noise is not None:
        curvature_noise = np.nan_to_num(np.asarray(curvature_noise, dtype=float))
        null &= curvature_noise < NULL_NOISE * max(float(curvature_noise.max(initial=0.0)), 1e-300)
    return null
