r"""Per-mode noise statistics at a reference point, measured from per-sample gradients and curvatures.

In the eigenbasis :math:`v_i` of the mean Hessian, a minibatch of size :math:`b` gives per step

- :math:`\lambda_i`, the eigenvalue;
- :math:`\bar g_i = v_i^\top \nabla L`, the mean gradient;
- :math:`D_i = f_b\,\operatorname{Var}_a(v_i^\top \nabla\ell_a)`, the gradient noise;
- :math:`\Gamma_i = f_b\,\operatorname{Var}_a(v_i^\top H_a v_i)`, the curvature noise;
- :math:`\rho_i = f_b\,\operatorname{Cov}_a(v_i^\top H_a v_i,\ v_i^\top\nabla\ell_a)`, their covariance;
- where asked for (``coupling_samples``), the pairs' curvature noise
  :math:`V_{ij} = f_b\,\operatorname{Var}_a(v_i^\top H_a v_j)` and
  :math:`R_{ij} = f_b\,\operatorname{Cov}_a(v_i^\top H_a v_j,\ v_i^\top\nabla\ell_a)` between every pair of the
  measured modes (the coupled closure of :mod:`sgdfp.numerics.coupled`), from a random subsample of the data; their
  diagonals are :math:`\Gamma` and :math:`\rho` from the larger sample;

with population (1/N) moments over the N samples and the minibatch factor :math:`f_b` of
:func:`sgdfp.derive.minibatch_cumulant` (:math:`1/b` with replacement, :math:`(N-b)/(b(N-1))` for a fresh
draw without). The per-sample curvatures :math:`v_i^\top H_a v_i` come from
:meth:`FlatModel.directional_curvatures` (one pass over the data per eigenvector), and their mean
over samples must equal :math:`\lambda_i`: a built-in consistency check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp
import torch

from sgdfp.derive import minibatch_cumulant, per_sample_cumulant
from sgdfp.numerics import offdiagonal_fraction
from sgdfp.validate.eigensolvers import get_eigensolver
from sgdfp.validate.functional import FlatModel
from sgdfp.validate.projections import pair_curvature_sums, projected_curvatures, projected_gradients

__all__ = ["ModeStatistics", "mode_statistics", "minibatch_factor"]


def minibatch_factor(batch_size: int, num_samples: int, sampling: str) -> float:
    """Per-step variance over per-sample variance for one minibatch mean (derived in sgdfp.derive)."""
    factor = minibatch_cumulant(2, sampling, batch_size, num_samples) / per_sample_cumulant(2)
    return float(sp.simplify(factor))


@dataclass
class ModeStatistics:
    """Per-mode statistics (numpy arrays of length m, eigenvalues ascending) and diagnostics."""

    curvature: np.ndarray
    grad_noise: np.ndarray
    curvature_noise: np.ndarray
    mean_grad: np.ndarray
    cross: np.ndarray
    eigenvectors: torch.Tensor
    batch_size: int
    num_samples: int
    sampling: str
    factor: float
    grad_noise_offdiagonal: float
    curvature_noise_offdiagonal: float
    curvature_consistency: float
    method: str
    residuals: np.ndarray | None = None
    #: (m, m) V_ij = Var_B[v_i^T H_B v_j] and R_ij = Cov_B(v_i^T H_B v_j, v_i^T g_B), or None (not measured)
    pair_curvature_noise: np.ndarray | None = None
    pair_cross: np.ndarray | None = None
    coupling_samples: int | None = None

    def as_dict(self) -> dict:
        return {"curvature": self.curvature, "grad_noise": self.grad_noise,
                "curvature_noise": self.curvature_noise, "mean_grad": self.mean_grad, "cross": self.cross}


def mode_statistics(model: FlatModel, theta: torch.Tensor, inputs: torch.Tensor, targets: torch.Tensor,
                    batch_size: int, sampling: str = "with", modes: int | None = None, dense_limit: int = 3000,
                    pairs: int = 64, seed: int = 0, curvature_samples: int | None = None,
                    direction_chunk: int = 32, eigensolver=None, sample_chunk: int | None = None,
                    coupling_samples: int | None = None, coupling_limit: int | None = None) -> ModeStatistics:
    """Measure :math:`\\lambda, D, \\Gamma, \\bar g, \\rho` for every mode (or the ``modes`` of largest |λ|).

    Args:
        model, theta, inputs, targets: the model, the reference point and the data set it is trained on.
        batch_size, sampling: the minibatch rule of the runs to predict.
        modes, dense_limit: for the default eigensolver (``"auto"`` of :func:`~sgdfp.validate.eigensolvers.get_eigensolver`):
            all eigenpairs (dense Hessian) when ``modes`` is None and P <= ``dense_limit``, otherwise Lanczos for
            the ``modes`` of largest magnitude.
        eigensolver: a strategy of :mod:`sgdfp.validate.eigensolvers` (overrides ``modes``/``dense_limit``).
        pairs: random mode pairs sampled to measure how diagonal the curvature fluctuations are.
        curvature_samples: estimate Γ and ρ from this many randomly chosen samples (all when None);
            λ, D and ḡ always use every sample.
        direction_chunk: directions per vmapped pass of the per-sample curvatures (1: a loop).
        sample_chunk: samples per pass of the per-sample gradients and curvatures (default: the memory budget of
            :mod:`~sgdfp.validate.projections`); they are projected on the directions chunk by chunk, so neither
            the ``(N, P)`` per-sample gradients nor an ``(N, P, m)`` tensor is ever held.
        coupling_samples: measure the pairs' curvature noise :math:`V` and :math:`R` from this many randomly chosen
            samples (``None``: not measured): N m single-sample Hessian--vector products; ``coupling_limit``: only
            when at most this many modes were found (``None``: whatever their number).
    """
    N, P = int(inputs.shape[0]), model.num_parameters
    if not 1 <= batch_size <= N or (sampling == "without" and batch_size > N):
        raise ValueError(f"batch size must be between 1 and {N}; got {batch_size}")
    solver = eigensolver or get_eigensolver("auto", P, modes, dense_limit, seed)
    pairs_found = solver.solve(model, theta, inputs, targets)
    eigenvalues, method = pairs_found.values, pairs_found.method
    vectors = pairs_found.vectors.to(torch.float64)  # kept in float64 for projections; cast for the model below
    rng = np.random.default_rng(seed)
    gradients = projected_gradients(model, theta, vectors, inputs, targets, sample_chunk)  # (N, m), float64
    chosen = (np.arange(N) if curvature_samples is None or curvature_samples >= N
              else np.sort(rng.choice(N, curvature_samples, replace=False)))
    index = torch.as_tensor(chosen, device=inputs.device)
    curvatures = projected_curvatures(model, theta, vectors, inputs[index], targets[index], direction_chunk,
                                      sample_chunk)  # (n, m)
    g = gradients.detach().cpu().numpy().astype(np.float64)
    h = curvatures.detach().cpu().numpy().astype(np.float64)
    lam = eigenvalues.detach().cpu().numpy().astype(np.float64)
    mean_g = g.mean(0)
    gc = g - mean_g
    # the curvature fluctuations about the exact eigenvalue (the mean over all samples)
    mean_h = h.mean(0) if len(chosen) == N else lam
    hc = h - mean_h
    gc_sub = gc[chosen]
    factor = minibatch_factor(batch_size, N, sampling)
    # off-diagonal structure in the eigenbasis
    grad_cov = gc.T @ gc / N
    m = vectors.shape[1]
    curvature_off = 0.0
    if m >= 2 and pairs > 0:
        i, j = rng.integers(0, m, size=(2, pairs))
        keep = i != j
        i, j = i[keep], j[keep]
        if len(i):
            pair_sums = (vectors[:, i] + vectors[:, j]).to(theta.dtype)
            mixed = projected_curvatures(model, theta, pair_sums, inputs[index], targets[index], direction_chunk,
                                         sample_chunk)
            # v_i^T H_a v_j by polarisation
            cross_terms = (mixed.detach().cpu().numpy().astype(np.float64) - h[:, i] - h[:, j]) / 2
            off = np.mean(np.var(cross_terms, axis=0))
            diag = np.mean(np.var(h, axis=0))
            curvature_off = float(np.sqrt(off / (off + diag))) if off + diag > 0 else 0.0
    curvature_noise, cross = factor * np.mean(hc**2, axis=0), factor * np.mean(gc_sub * hc, axis=0)
    pair_noise = pair_cross = None
    if coupling_samples is not None and (coupling_limit is None or vectors.shape[1] <= coupling_limit):
        pair_noise, pair_cross = _pair_statistics(model, theta, vectors, inputs, targets, gradients, rng,
                                                  coupling_samples, factor, curvature_noise, cross, sample_chunk)
    return ModeStatistics(
        curvature=lam, grad_noise=factor * np.mean(gc**2, axis=0), curvature_noise=curvature_noise,
        mean_grad=mean_g, cross=cross, eigenvectors=vectors, batch_size=batch_size,
        num_samples=N, sampling=sampling, factor=factor, grad_noise_offdiagonal=offdiagonal_fraction(grad_cov),
        curvature_noise_offdiagonal=curvature_off,
        curvature_consistency=float(np.max(np.abs(h.mean(0) - lam)) / max(np.max(np.abs(lam)), 1e-300)),
        method=method, residuals=pairs_found.residuals, pair_curvature_noise=pair_noise, pair_cross=pair_cross,
        coupling_samples=None if pair_noise is None else min(int(coupling_samples), N))


def _pair_statistics(model, theta, vectors, inputs, targets, gradients, rng, samples, factor, curvature_noise,
                     cross, chunk):
    """V and R (see the module docstring) from ``samples`` random samples; the diagonals from the larger sample."""
    N = int(inputs.shape[0])
    chosen = np.arange(N) if samples >= N else np.sort(rng.choice(N, int(samples), replace=False))
    index = torch.as_tensor(chosen, device=inputs.device)
    centred = gradients[index] - gradients[index].mean(0)
    total, squares, with_gradient = pair_curvature_sums(model, theta, vectors, inputs[index], targets[index],
                                                        centred, chunk)
    n = len(chosen)
    mean = total / n
    pair_noise = (factor * (squares / n - mean**2)).cpu().numpy()
    pair_cross = (factor * with_gradient / n).cpu().numpy()  # the gradients are centred over the subsample
    pair_noise = np.maximum((pair_noise + pair_noise.T) / 2, 0.0)
    np.fill_diagonal(pair_noise, curvature_noise)
    np.fill_diagonal(pair_cross, cross)
    return pair_noise, pair_cross
