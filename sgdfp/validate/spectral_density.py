r"""Stochastic Lanczos quadrature: the Hessian's spectral density from Hessian--vector products alone.

For a unit probe :math:`u = z/\sqrt P` with Rademacher :math:`z`, :math:`E[u^\top f(H) u] = \operatorname{tr} f(H)/P`
exactly. ``steps`` Lanczos steps from :math:`u` give a tridiagonal :math:`T` with eigenpairs
:math:`(\theta_j, y_j)`; the Gauss quadrature :math:`\sum_j y_{j1}^2 f(\theta_j)` equals :math:`u^\top f(H) u` for
every polynomial of degree below :math:`2\,` ``steps``. Averaging over probes gives the density
:math:`\phi(t) \approx \frac1n \sum_{\text{probes}} \sum_j y_{j1}^2\,\delta(t - \theta_j)` (Ubaru, Chen & Saad 2017;
PyHessian). The error of a moment is the probes' (Hutchinson's) sampling error alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from sgdfp.errors import check_integer

__all__ = ["SpectralDensity", "lanczos_quadrature", "hessian_spectral_density"]


@dataclass
class SpectralDensity:
    """Quadrature nodes and weights ``(probes, steps)``: each probe's weights sum to one."""

    nodes: np.ndarray
    weights: np.ndarray

    def moment(self, power: int) -> float:
        r"""The estimate of :math:`\operatorname{tr} H^k / P`."""
        return float(np.mean(np.sum(self.weights * self.nodes ** power, axis=1)))

    def cdf(self, at) -> np.ndarray:
        """The estimated fraction of eigenvalues at or below each value of ``at``."""
        at = np.atleast_1d(np.asarray(at, dtype=float))
        return np.array([np.mean(np.sum(self.weights * (self.nodes <= t), axis=1)) for t in at])

    def density(self, grid, width: float) -> np.ndarray:
        """The density on ``grid``, each node smoothed by a Gaussian of standard deviation ``width``."""
        grid = np.asarray(grid, dtype=float)[:, None]
        nodes, weights = self.nodes.reshape(-1), self.weights.reshape(-1) / self.nodes.shape[0]
        kernel = np.exp(-0.5 * ((grid - nodes) / width) ** 2) / (width * np.sqrt(2 * np.pi))
        return kernel @ weights


def _tridiagonal(matvec: Callable, start: torch.Tensor, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Lanczos with full reorthogonalisation (steps are few; it keeps the nodes free of ghost copies)."""
    basis = [start]
    alphas, betas = [], []
    for j in range(steps):
        w = matvec(basis[-1]).to(torch.float64)
        alphas.append(float(w @ basis[-1]))
        stacked = torch.stack(basis, dim=1)
        for _ in range(2):  # twice is enough (Kahan--Parlett)
            w = w - stacked @ (stacked.T @ w)
        beta = float(torch.linalg.norm(w))
        if j == steps - 1 or beta <= 1e-12 * max(abs(a) for a in alphas):  # an invariant subspace: exact
            break
        betas.append(beta)
        basis.append(w / beta)
    return np.array(alphas), np.array(betas)


def lanczos_quadrature(matvec: Callable, dimension: int, steps: int = 64, probes: int = 8, seed: int = 0,
                       device: str | torch.device = "cpu") -> SpectralDensity:
    """Stochastic Lanczos quadrature of a symmetric operator given by ``matvec`` (a float64 torch vector in and out).

    Args:
        matvec: ``v -> H v`` on vectors of length ``dimension``.
        steps: Lanczos steps per probe (quadrature nodes); probes: Rademacher start vectors; seed: their stream.

    Raises:
        TypeError, ValueError: a count that is not a positive integer.
    """
    dimension = check_integer("dimension", dimension, 1)
    steps = min(check_integer("steps", steps, 1), dimension)
    probes = check_integer("probes", probes, 1)
    generator = torch.Generator(device=device).manual_seed(check_integer("seed", seed, 0))
    nodes = np.zeros((probes, steps))
    weights = np.zeros((probes, steps))
    for p in range(probes):
        z = torch.randint(0, 2, (dimension,), generator=generator, device=device).to(torch.float64) * 2 - 1
        alphas, betas = _tridiagonal(matvec, z / np.sqrt(dimension), steps)
        T = np.diag(alphas) + np.diag(betas[:len(alphas) - 1], 1) + np.diag(betas[:len(alphas) - 1], -1)
        theta, vectors = np.linalg.eigh(T)
        n = len(theta)  # fewer than steps when the probe's Krylov space closed early: pad with zero weight
        nodes[p, :n], weights[p, :n] = theta, vectors[0] ** 2
        nodes[p, n:] = theta[-1]
    return SpectralDensity(nodes, weights)


def hessian_spectral_density(model, theta: torch.Tensor, inputs: torch.Tensor, targets: torch.Tensor,
                             steps: int = 64, probes: int = 8, seed: int = 0) -> SpectralDensity:
    """:func:`lanczos_quadrature` of the Hessian of ``model``'s mean loss (a :class:`FlatModel`) at ``theta``."""
    def matvec(v):
        return model.hvp(theta, v.to(theta.dtype), inputs, targets).to(torch.float64)

    return lanczos_quadrature(matvec, model.num_parameters, steps, probes, seed, theta.device)
