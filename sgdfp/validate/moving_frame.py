r"""The moving frame: the replicas' covariance propagated along the mean path, for references that are not critical.

The fixed-frame theory linearises once, at the reference point :math:`\theta^*`. Away from a critical point the
replicas' mean drifts along the gradient-descent path and the curvature and the gradient noise change on the way
(on ``mnist-mlp`` at the published reference the mean ends ~10 spreads from :math:`\theta^*`). Here the dynamics are
linearised along the mean path instead:

- the mean :math:`\bar\theta_k` runs the replicas' own optimiser (:class:`~sgdfp.validate.optimizer.Optimizer`) on
  the full-batch gradient (weight decay and momentum included);
- the deviation :math:`x = \theta - \bar\theta_k` follows the linearised step: for SGD
  :math:`S_{k+1} = A_k S_k A_k^\top + \eta^2 \Xi_k`, :math:`A_k = I - \eta(H(\bar p_k) + \omega I)`, with the
  per-step noise covariance :math:`\Xi_k = C_k + \mathrm{E}[\delta H\,S_k\,\delta H]`: :math:`C_k` the minibatch
  covariance of the gradient at the mean path (per-sample gradients times the minibatch factor) and the curvature
  noise of the reference point on the diagonal of its eigenbasis,
  :math:`\mathrm{E}[\delta H S \delta H]_{ii} \approx \sum_j V_{ij} S_{jj}` with the pairs' curvature noise
  :math:`V_{ij} = \operatorname{Var}_B[e_i^\top H_B e_j]` where it was measured (the coupled closure of
  :mod:`sgdfp.derive.coupled`: the stiff modes' variance feeds the flat ones), :math:`\Gamma_i S_{ii}` otherwise.
  With momentum the state is :math:`(x, v)`
  and the same recursion runs on its :math:`2P \times 2P` covariance (the map of
  :class:`sgdfp.derive.MomentumMode`, with the matrix :math:`H` in place of :math:`\lambda`).

The gradient noise's correlation with the curvature noise (:math:`\rho`) drops out: the deviation has mean zero
about the path and is independent of the step's minibatch. :math:`H(\bar p_k)` and :math:`C_k` are refreshed every
``refresh`` steps (dense Hessian and per-sample gradients at the path's gradient point) and held in between; the
prediction is :math:`\mathrm{Var}(e_i^\top\theta_k) = e_i^\top S_k e_i` in the fixed eigenbasis :math:`e_i` of
:math:`H(\theta^*)`, and the mean displacement :math:`e_i^\top(\bar\theta_k - \theta^*)`.

Memory is a few :math:`P \times P` float64 matrices (:math:`2P \times 2P` with momentum), so the frame needs a model
whose dense Hessian fits, and time P^3 per step (:func:`frame_applies`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from sgdfp.validate.functional import FlatModel
from sgdfp.validate.optimizer import Optimizer
from sgdfp.validate.projections import projected_gradients

__all__ = ["MovingFrame", "moving_frame", "frame_applies", "complete_basis", "FRAME_AUTO_LIMIT"]

#: ``moving_frame="auto"`` applies the frame up to this many parameters: each step costs two P x P matrix products
#: (2P^3 flops; 4x that with momentum): 0.01 s at P = 386, 0.1 s at 1 072, 0.2 s at 1 500 and 1.3 s at 3 000 on two
#: cores, so 500 steps at 3 000 would take ten minutes. ``"on"`` goes up to the dense limit.
FRAME_AUTO_LIMIT = 1500


@dataclass(frozen=True)
class MovingFrame:
    """The moving-frame prediction of one run, at the checkpoints.

    Attributes:
        variance: ``(C, m)`` predicted :math:`\\mathrm{Var}(e_i^\\top\\theta_k)` (inf where it overflowed).
        mean: ``(C, m)`` predicted mean displacement :math:`e_i^\\top(\\bar\\theta_k - \\theta^*)`.
        refresh: steps between refreshes; ``refreshes``: how many Hessians were taken.
        curvature_end, noise_end: ``(m,)`` :math:`e_i^\\top H e_i` and :math:`D_i` at the last refresh: how far the
            curvature and the gradient noise moved from the reference point's along the path.
        seconds: wall time, and ``hessian_seconds`` the part spent on the refreshes.
    """

    variance: np.ndarray
    mean: np.ndarray
    refresh: int
    refreshes: int
    curvature_end: np.ndarray
    noise_end: np.ndarray
    seconds: float
    hessian_seconds: float

    @property
    def overflowed(self) -> bool:
        """The linearised recursion blew up (the path's curvature beyond the step's stability edge, where the
        replicas are held by the nonlinearity instead): no prediction to compare with."""
        return not bool(np.isfinite(self.variance[-1]).all())


def frame_applies(parameters: int, dense_limit: int, automatic: bool = True) -> bool:
    """Whether the moving frame fits: it holds dense :math:`P \\times P` Hessians, as the dense eigensolver does (up
    to ``dense_limit``), and is chosen ``automatic``-ally only up to :data:`FRAME_AUTO_LIMIT` parameters."""
    return parameters <= (min(dense_limit, FRAME_AUTO_LIMIT) if automatic else dense_limit)


def complete_basis(vectors: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """An orthonormal basis of the whole space whose first columns are ``vectors`` (orthonormal, ``(P, m)``): the
    frame's coordinates, exact for the measured modes whether or not the eigensolver found all of them."""
    P, m = vectors.shape
    if m == P:
        return vectors
    generator = torch.Generator(device="cpu").manual_seed(seed)
    extra = torch.randn(P, P - m, generator=generator, dtype=vectors.dtype).to(vectors.device)
    extra = extra - vectors @ (vectors.T @ extra)  # twice: classical Gram-Schmidt loses orthogonality once
    extra = extra - vectors @ (vectors.T @ extra)
    return torch.cat([vectors, torch.linalg.qr(extra).Q], dim=1)


def _noise_covariance(model, point, basis, inputs, targets, factor):
    """The per-step minibatch covariance of the gradient at ``point`` in the frame's coordinates ``(P, P)``."""
    gradients = projected_gradients(model, point, basis, inputs, targets)  # (N, P), float64
    centred = gradients - gradients.mean(0)
    return factor * (centred.T @ centred) / gradients.shape[0]


def moving_frame(model: FlatModel, theta: torch.Tensor, inputs: torch.Tensor, targets: torch.Tensor, stats,
                 lr: float, checkpoints, refresh: int, optimizer: Optimizer | None = None,
                 progress: bool = False) -> MovingFrame:
    """Propagate the mean and the covariance of the replicas along the mean path from ``theta`` (see the module).

    ``stats`` (a :class:`~sgdfp.validate.statistics.ModeStatistics`) gives the fixed eigenbasis, the curvature noise
    and the minibatch factor; ``checkpoints`` the steps to report (the last is the horizon); ``refresh`` the steps
    between refreshes of the path's Hessian and noise (``CurvatureConfig.frame_refresh``).

    Raises:
        ValueError: ``refresh`` < 1, checkpoints that are not steps >= 0.
    """
    if isinstance(refresh, bool) or not isinstance(refresh, int) or refresh < 1:
        raise ValueError(f"refresh must be an integer >= 1 (steps between refreshes); got {refresh!r}")
    checkpoints = np.unique(np.asarray(checkpoints, dtype=np.int64))
    if checkpoints.size == 0 or checkpoints[0] < 0:
        raise ValueError("checkpoints must be steps >= 0")
    start = time.perf_counter()
    optimizer = optimizer or Optimizer()
    eta, beta, decay = float(lr), optimizer.momentum, optimizer.weight_decay
    lookahead = beta if optimizer.nesterov else 0.0
    vectors = stats.eigenvectors.to(torch.float64)
    P, m = vectors.shape
    basis = complete_basis(vectors)
    device = basis.device
    identity = torch.eye(P, dtype=torch.float64, device=device)
    # the reference point's curvature noise in its eigenbasis, between pairs of modes where measured (V, whose
    # diagonal is Gamma), on the diagonal otherwise; none known off the measured modes
    pairs = getattr(stats, "pair_curvature_noise", None)
    feed = torch.zeros(P, P, dtype=torch.float64, device=device)
    if pairs is not None:
        feed[:m, :m] = torch.as_tensor(pairs, dtype=torch.float64, device=device)
    else:
        feed[range(m), range(m)] = torch.as_tensor(stats.curvature_noise, dtype=torch.float64, device=device)
    theta = theta.detach()
    mean = theta.unsqueeze(0).clone()
    velocity = torch.zeros_like(mean) if optimizer.has_velocity else None
    size = 2 * P if optimizer.has_velocity else P
    covariance = torch.zeros(size, size, dtype=torch.float64, device=device)
    variances, means = [], []
    hessian_seconds, refreshes = 0.0, 0
    transition = noise = hessian = None
    overflowed = False
    horizon = int(checkpoints[-1])
    steps = range(horizon + 1)
    if progress:
        from tqdm import tqdm

        steps = tqdm(steps, desc="moving frame", unit="step")
    for k in steps:
        if k in checkpoints:
            diagonal = torch.diagonal(covariance)[:m]
            variances.append(np.full(m, np.inf) if overflowed else diagonal.cpu().numpy().copy())
            means.append(np.full(m, np.inf) if overflowed else
                         ((mean[0] - theta).to(torch.float64) @ vectors).cpu().numpy())
        if k == horizon:
            break
        point = optimizer.gradient_point(mean, velocity)
        if k % refresh == 0:
            refresh_start = time.perf_counter()
            dense = model.hessian(point[0], inputs, targets).to(torch.float64)
            hessian = basis.T @ dense @ basis + decay * identity  # the regularised objective's curvature
            noise = _noise_covariance(model, point[0], basis, inputs, targets, stats.factor)
            transition = _transition(hessian, eta, beta, lookahead, identity)
            hessian_seconds += time.perf_counter() - refresh_start
            refreshes += 1
        _, gradient = model.full_loss_and_gradient(point[0], inputs, targets)
        with torch.no_grad():
            mean, velocity = optimizer.step(mean, velocity, gradient.unsqueeze(0), point, eta)
        if overflowed:
            continue
        # Xi = C + E[dH S_p dH], S_p the covariance of this step's gradient point; it enters x (and v) with -eta
        point_variance = torch.diagonal(covariance)[:P] if not optimizer.has_velocity else (
            torch.diagonal(covariance)[:P] + 2 * lookahead * torch.diagonal(covariance[:P, P:])
            + lookahead**2 * torch.diagonal(covariance)[P:])
        kick = eta**2 * (noise + torch.diag(feed @ point_variance))
        covariance = transition @ covariance @ transition.T + (kick.repeat(2, 2) if optimizer.has_velocity else kick)
        overflowed = not bool(torch.isfinite(covariance).all()) or not bool(torch.isfinite(mean).all())
    return MovingFrame(
        variance=np.array(variances), mean=np.array(means), refresh=refresh, refreshes=refreshes,
        curvature_end=torch.diagonal(hessian)[:m].cpu().numpy() - decay if hessian is not None else np.full(m, np.nan),
        noise_end=torch.diagonal(noise)[:m].cpu().numpy() if noise is not None else np.full(m, np.nan),
        seconds=time.perf_counter() - start, hessian_seconds=hessian_seconds)


def _transition(hessian: torch.Tensor, eta: float, beta: float, lookahead: float, identity: torch.Tensor):
    """The linearised step on the deviation: ``x' = A x`` for SGD, and on ``(x, v)`` with momentum
    ``v' = beta v - eta H (x + lookahead v)``, ``x' = x + v'`` (lookahead = beta for Nesterov, 0 for heavy ball)."""
    push = eta * hessian
    if beta == 0:
        return identity - push
    carry = beta * identity - lookahead * push
    velocity_row = torch.cat([-push, carry], dim=1)
    return torch.cat([torch.cat([identity - push, carry], dim=1), velocity_row], dim=0)
