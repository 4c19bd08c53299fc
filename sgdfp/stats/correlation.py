r"""The effective number of independent variables among correlated ones, from their sample correlations.

A sum of :math:`m` sample variances of correlated Gaussian variables, each :math:`\sigma_i^2\chi^2_\nu/\nu`,
has :math:`\operatorname{Cov}(s_i^2/\sigma_i^2, s_j^2/\sigma_j^2) = 2\rho_{ij}^2/\nu`, so its mean ratio has
the variance of :math:`m_\text{eff}` independent ones,

.. math:: m_\text{eff} = \frac{m^2}{\sum_{ij}\rho_{ij}^2},

the number that Satterthwaite's :math:`\chi^2` approximation of the pooled sum needs. Modes of one SGD run
share the minibatch, so their fluctuations are correlated; this estimates :math:`m_\text{eff}` from samples.
"""

from __future__ import annotations

import numpy as np

__all__ = ["effective_modes"]


def effective_modes(samples) -> np.ndarray:
    r"""Effective number of independent modes among the columns of ``samples``, estimated from the samples.

    :math:`m^2/\sum_{ij}\tilde\rho_{ij}^2`, where :math:`\tilde\rho_{ij}^2 = r_{ij}^2 - (1 - r_{ij}^2)/(R - 2)`
    removes the bias of the squared sample correlation :math:`r_{ij}^2` (whose mean is :math:`1/(R - 1)` for
    independent modes; applied from :math:`R > 3` on), and the result is kept in :math:`[1, m]`. A column of
    zero variance adds nothing to the sum (not even its diagonal term).

    Args:
        samples: shape ``(..., R, m)``: ``R`` replicas (rows) of ``m`` modes (columns), any leading batch axes.

    Returns:
        :math:`m_\text{eff}`, shape ``(...)``; exactly 1 for a single mode.

    Raises:
        ValueError: ``samples`` has fewer than two axes.
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim < 2:
        raise ValueError(f"samples need shape (..., replicas, modes); got shape {samples.shape}")
    n, m = samples.shape[-2:]
    if m == 1:
        return np.ones(samples.shape[:-2])
    centred = samples - samples.mean(axis=-2, keepdims=True)
    norm = np.sqrt(np.einsum("...rm,...rm->...m", centred, centred))[..., None, :]
    unit = np.divide(centred, norm, out=np.zeros_like(centred), where=norm > 0)
    # the smaller of the two Gram matrices has the same squared Frobenius norm
    gram = (np.swapaxes(unit, -1, -2) @ unit) if m <= n else (unit @ np.swapaxes(unit, -1, -2))
    total = np.einsum("...ij,...ij->...", gram, gram)  # sum over all ordered pairs, the diagonal included
    if n > 3:
        total = m + (total - m) * (n - 1) / (n - 2) - m * (m - 1) / (n - 2)
    return m**2 / np.clip(total, m, m**2)
