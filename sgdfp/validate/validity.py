r"""The validity diagnostic: per mode, how far a run has left the local quadratic theory.

The quadratic theory says the full-batch gradient at a replica's position :math:`\theta^* + x` is
:math:`\bar g + Hx`, so along mode :math:`i` it is :math:`\bar g_i + \lambda_i y_i`. At the end of the run
the gradient is measured at a few replicas; what it has beyond that line -- third-order terms, the
curvature changing along the way, stiff modes' fluctuations pushing flat ones -- differs from replica to
replica and acts on the mode like extra gradient noise. Its variance over the replicas, relative to the
gradient noise :math:`D_i` the prediction uses, changes the predicted variance by about
:math:`\log(1 + \mathrm{Var}_r/D_i)`: the diagnostic. A mode is beyond the local theory above
:data:`VALIDITY_TOLERANCE`.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["VALIDITY_TOLERANCE", "validity_error"]

VALIDITY_TOLERANCE = 0.1


def validity_error(model, theta, stats, positions, inputs, targets) -> np.ndarray:
    """Per mode, :math:`\\log(1 + \\mathrm{Var}_r/D_i)` from the replicas at ``positions`` (NaN when not measured)."""
    error = np.full(len(stats.curvature), np.nan)
    if positions is None or positions.shape[0] < 2:
        return error
    vectors = stats.eigenvectors
    gradients = torch.stack([model.full_loss_and_gradient(point, inputs, targets)[1] for point in positions])
    along = (gradients.to(vectors.dtype) @ vectors).cpu().numpy()                     # (replicas, modes)
    displacement = ((positions - theta).to(vectors.dtype) @ vectors).cpu().numpy()
    residual = along - stats.mean_grad - stats.curvature * displacement
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.var(residual, axis=0, ddof=1) / stats.grad_noise
    measured = (stats.grad_noise > 0) & np.isfinite(ratio)
    error[measured] = np.log1p(ratio[measured])
    return error
