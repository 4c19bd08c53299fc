r"""Replica ensembles of SGD from a reference point, vectorised with ``torch.func.vmap``.

R replicas start at :math:`\theta^*` and draw independent minibatches every step (with replacement by
default, or a fresh draw without replacement). The displacement :math:`\theta - \theta^*` is projected on
the eigenvectors and reduced to per-mode mean and variance at the checkpoints as the run goes, so memory
is :math:`O(R \cdot P)`. A replica whose parameters stop being finite is counted as diverged and left
out from then on. A replica is diverged when its parameters or its minibatch loss stop being finite, or
when its loss or its displacement leaves the bounds of :class:`DivergenceBounds` (a huge but finite
replica is no sample of the theory's law either); each is counted by its cause, and a diverged replica is
left out of the moments from then on (its state is reset so that its arithmetic stays finite).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch.func import vmap

from sgdfp.validate.functional import FlatModel

__all__ = ["EnsembleResult", "DivergenceBounds", "run_ensemble", "draw_batches"]


@dataclass(frozen=True)
class DivergenceBounds:
    """A replica whose minibatch loss exceeds ``loss`` or whose distance from the reference point exceeds
    ``displacement`` is diverged (infinite bounds: only non-finite values count)."""

    loss: float = float("inf")
    displacement: float = float("inf")


@dataclass
class EnsembleResult:
    """Per-mode moments of the displacement at the checkpoints: arrays ``(checkpoints, m)``.

    ``variance`` is the unbiased sample variance over the live replicas (``live`` per checkpoint);
    ``final_positions`` holds the parameters of the first few live replicas at the end ``(n, P)``."""

    steps: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    live: np.ndarray
    diverged: int
    replicas: int
    final_positions: torch.Tensor | None = None
    diverged_by: dict = field(default_factory=dict)


def draw_batches(generator: torch.Generator, replicas: int, batch_size: int, num_samples: int, sampling: str,
                 device) -> torch.Tensor:
    """``(replicas, batch_size)`` sample indices for one step."""
    if sampling == "with":
        return torch.randint(num_samples, (replicas, batch_size), generator=generator, device=device)
    if sampling == "without":
        keys = torch.rand(replicas, num_samples, generator=generator, device=device)
        return keys.argsort(dim=1)[:, :batch_size]
    raise ValueError(f"sampling must be 'with' or 'without'; got {sampling!r}")


def run_ensemble(model: FlatModel, theta: torch.Tensor, inputs: torch.Tensor, targets: torch.Tensor,
                 eigenvectors: torch.Tensor, lr: float, batch_size: int, replicas: int, steps: int,
                 checkpoints, sampling: str = "with", seed: int = 0, progress: bool = False,
                 keep_final: int = 0, bounds: DivergenceBounds | None = None) -> EnsembleResult:
    """Run R replicas of SGD for ``steps`` steps and record per-mode moments at ``checkpoints``.

    ``keep_final`` live replicas' final parameters are returned too (for the validity diagnostic);
    ``bounds`` says when a finite replica counts as diverged."""
    bounds = bounds or DivergenceBounds()
    device = theta.device
    checkpoints = np.unique(np.asarray(checkpoints, dtype=np.int64))
    if checkpoints.size == 0 or checkpoints[0] < 0 or checkpoints[-1] > steps:
        raise ValueError(f"checkpoints must lie in 0..{steps}")
    generator = torch.Generator(device=device)
    generator.manual_seed(int(seed))
    thetas = theta.detach().unsqueeze(0).repeat(replicas, 1)
    alive = torch.ones(replicas, dtype=torch.bool, device=device)
    batched_loss = vmap(model.loss, in_dims=(0, 0, 0))

    def step_gradient(stacked, x, y):
        # vmap for the forward pass only, then one ordinary backward pass: the replicas' losses are
        # separable, so the gradient of their sum is every replica's own gradient (8x faster than
        # vmap(grad) here)
        stacked = stacked.detach().requires_grad_(True)
        losses = batched_loss(stacked, x, y)
        (gradients,) = torch.autograd.grad(losses.sum(), stacked)
        return gradients, losses.detach()
    causes = {"non-finite": 0, "loss": 0, "displacement": 0}
    means, variances, live = [], [], []
    N = inputs.shape[0]
    iterator = range(steps + 1)
    if progress:
        from tqdm import tqdm

        iterator = tqdm(iterator, desc="ensemble", unit="step")
    for k in iterator:
        if k in checkpoints:
            # the moments in the eigenvectors' precision (float64), whatever the model's
            displacement = (thetas[alive] - theta).to(eigenvectors.dtype) @ eigenvectors
            means.append(displacement.mean(0).cpu().numpy())
            variances.append(displacement.var(0, unbiased=True).cpu().numpy() if displacement.shape[0] > 1
                             else np.full(eigenvectors.shape[1], np.nan))
            live.append(int(alive.sum()))
        if k == steps:
            break
        index = draw_batches(generator, replicas, batch_size, N, sampling, device)
        gradients, losses = step_gradient(thetas, inputs[index], targets[index])
        with torch.no_grad():
            thetas = thetas - lr * gradients
            finite = torch.isfinite(thetas).all(dim=1) & torch.isfinite(losses)
            distance = torch.linalg.vector_norm(torch.where(finite[:, None], thetas - theta, 0), dim=1)
            too_lossy = finite & (losses > bounds.loss)
            too_far = finite & ~too_lossy & (distance > bounds.displacement)
            for cause, mask in (("non-finite", ~finite), ("loss", too_lossy), ("displacement", too_far)):
                causes[cause] += int((alive & mask).sum())
            alive = alive & finite & ~too_lossy & ~too_far
            thetas = torch.where(alive[:, None], thetas, theta)  # the dead stay put: no overflow in their arithmetic
    return EnsembleResult(checkpoints, np.array(means), np.array(variances), np.array(live),
                          replicas - int(alive.sum()), replicas, thetas[alive][:keep_final].clone(), causes)


def run_loop(model: FlatModel, theta, inputs, targets, eigenvectors, lr, batch_size, replicas, steps, checkpoints,
             sampling="with", seed=0) -> EnsembleResult:
    """The same ensemble with a plain per-replica loop (the reference the vectorised engine is tested against)."""
    device = theta.device
    checkpoints = np.unique(np.asarray(checkpoints, dtype=np.int64))
    generator = torch.Generator(device=device)
    generator.manual_seed(int(seed))
    thetas = [theta.detach().clone() for _ in range(replicas)]
    means, variances = [], []
    for k in range(steps + 1):
        if k in checkpoints:
            displacement = (torch.stack(thetas) - theta).to(eigenvectors.dtype) @ eigenvectors
            means.append(displacement.mean(0).cpu().numpy())
            variances.append(displacement.var(0, unbiased=True).cpu().numpy())
        if k == steps:
            break
        index = draw_batches(generator, replicas, batch_size, inputs.shape[0], sampling, device)
        for r in range(replicas):
            g = torch.func.grad(model.loss)(thetas[r], inputs[index[r]], targets[index[r]])
            thetas[r] = thetas[r] - lr * g
    return EnsembleResult(checkpoints, np.array(means), np.array(variances), np.full(len(checkpoints), replicas), 0,
                          replicas)
