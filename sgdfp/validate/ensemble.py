r"""Replica ensembles of SGD from a reference point, vectorised with ``torch.func.vmap``.

R replicas start at :math:`\theta^*` and draw independent minibatches every step (with replacement by
default, or a fresh draw without replacement). Every replica has its own random stream, seeded from the
run's seed and the replica's index (:func:`replica_seed`), so a replica's trajectory does not depend on
which other replicas run beside it: the ensemble can be split over processes or GPUs
(:mod:`sgdfp.validate.distributed`) and gives the same replicas. The displacement
:math:`d = \theta - \theta^*` is projected on the eigenvectors and reduced at the checkpoints as the run
goes, to float64 sums :math:`\sum_r d_r` and :math:`\sum_r d_r^2` over the live replicas
(:class:`EnsembleSums`; sums of disjoint sets of replicas add up), so memory is :math:`O(R \cdot P)`; the
mean and the unbiased variance follow from them (:meth:`EnsembleSums.moments`).

A replica is diverged when its parameters or its minibatch loss stop being finite, or when its loss or its
displacement leaves the bounds of :class:`DivergenceBounds` (a huge but finite replica is no sample of the
theory's law either); each is counted by its cause, and a diverged replica is left out of the moments from
then on (its state is reset so that its arithmetic stays finite).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.func import vmap

from sgdfp.validate.functional import FlatModel
from sgdfp.validate.optimizer import Optimizer

__all__ = ["EnsembleResult", "EnsembleSums", "DivergenceBounds", "run_ensemble", "ensemble_sums", "draw_batches",
           "replica_seed", "block_steps", "CAUSES"]

#: The causes a replica is counted as diverged by.
CAUSES = ("non-finite", "loss", "displacement")
# The minibatch indices are drawn a block of steps at a time per replica (one generator call per replica and
# block, not per step): at most this many indices are held for the whole ensemble, this many random keys per
# replica (sampling without replacement), and this many steps.
_BLOCK_INDICES = 2**24
_BLOCK_KEYS = 2**22
_BLOCK_STEPS = 256


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


@dataclass
class EnsembleSums:
    r"""Sums over a set of replicas at each checkpoint, in float64: the live count :math:`n_c`, the sum
    :math:`\sum_r d_r` and the sum of squares :math:`\sum_r d_r^2` of the projected displacement (``(C, m)``).

    Attributes:
        steps: the checkpoints ``(C,)``.
        count, total, squares: the sums ``(C,)``, ``(C, m)``, ``(C, m)`` (float64 tensors).
        survivors: replicas still live after the last step.
        replicas: how many replicas the sums are over.
        causes: diverged replicas by cause (:data:`CAUSES`).
        final_positions: the parameters of the first live replicas at the end (in replica order), ``(n, P)``.
    """

    steps: np.ndarray
    count: torch.Tensor
    total: torch.Tensor
    squares: torch.Tensor
    survivors: int
    replicas: int
    causes: dict[str, int]
    final_positions: torch.Tensor

    @classmethod
    def combine(cls, parts: Sequence[EnsembleSums], keep_final: int) -> EnsembleSums:
        """The sums over the union of disjoint sets of replicas (``parts`` in replica order)."""
        first = parts[0]
        return cls(first.steps, sum(p.count for p in parts), sum(p.total for p in parts),
                   sum(p.squares for p in parts), sum(p.survivors for p in parts), sum(p.replicas for p in parts),
                   {cause: sum(p.causes[cause] for p in parts) for cause in CAUSES},
                   torch.cat([p.final_positions for p in parts])[:keep_final])

    def moments(self) -> EnsembleResult:
        r"""Mean :math:`\bar d = \sum d / n` and unbiased variance :math:`(\sum d^2 - n \bar d^2)/(n - 1)` (NaN for
        :math:`n < 2`; never negative). The difference of sums costs a relative error of about
        :math:`(\bar d/s)^2\,\epsilon` (:math:`s` the spread, :math:`\epsilon = 2^{-52}`): under :math:`10^{-4}` for a mean
        up to :math:`10^6` spreads, far below a variance's sampling error :math:`\sqrt{2/(n-1)}`."""
        count = self.count.to(torch.float64)[:, None]  # torch divides by zero silently: NaN, set below anyway
        mean = (self.total / count).cpu().numpy()
        variance = ((self.squares - self.total * (self.total / count)).clamp(min=0) / (count - 1)).cpu().numpy()
        live = self.count.cpu().numpy().astype(np.int64)
        mean[live < 1] = np.nan
        variance[live < 2] = np.nan
        return EnsembleResult(self.steps, mean, variance, live, self.replicas - self.survivors, self.replicas,
                              self.final_positions, dict(self.causes))


def replica_seed(seed: int, replica: int) -> int:
    """The seed of replica ``replica``'s minibatch stream in a run seeded ``seed``.

    Distinct for the replicas of a run (below 2**32: a CPU generator uses 32 bits of its seed), spread over
    the seed space by the run's seed (numpy's ``SeedSequence``), the same however the replicas are split."""
    base = int(np.random.SeedSequence(int(seed)).generate_state(1, np.uint32)[0])
    return (base + int(replica)) % 2**32


def block_steps(steps: int, replicas: int, batch_size: int, num_samples: int, sampling: str) -> int:
    """How many steps of minibatches each replica draws at once: bounded memory, and a function of the whole
    ensemble (``replicas`` is its total), never of a shard, so a split ensemble draws the same streams."""
    limit = min(int(steps), _BLOCK_STEPS, max(1, _BLOCK_INDICES // (replicas * batch_size)))
    if sampling == "without":
        limit = min(limit, max(1, _BLOCK_KEYS // num_samples))
    return max(1, limit)


def draw_batches(generator: torch.Generator, replicas: int, batch_size: int, num_samples: int, sampling: str,
                 device) -> torch.Tensor:
    """``(replicas, batch_size)`` sample indices from one generator: one minibatch per row (the rows are the
    replicas of one step, or the steps of one replica's block)."""
    if sampling == "with":
        return torch.randint(num_samples, (replicas, batch_size), generator=generator, device=device)
    if sampling == "without":
        keys = torch.rand(replicas, num_samples, generator=generator, device=device)
        return keys.argsort(dim=1)[:, :batch_size]
    raise ValueError(f"sampling must be 'with' or 'without'; got {sampling!r}")


def _generators(seed: int, indices: Sequence[int], device) -> list[torch.Generator]:
    generators = []
    for replica in indices:
        generator = torch.Generator(device=device)
        generator.manual_seed(replica_seed(seed, replica))
        generators.append(generator)
    return generators


def ensemble_sums(model: FlatModel, theta: torch.Tensor, inputs: torch.Tensor, targets: torch.Tensor,
                  eigenvectors: torch.Tensor, lr: float, batch_size: int, replicas: int, steps: int, checkpoints,
                  sampling: str = "with", seed: int = 0, progress: bool = False, keep_final: int = 0,
                  bounds: DivergenceBounds | None = None, shard: Sequence[int] | None = None,
                  optimizer: Optimizer | None = None) -> EnsembleSums:
    """Run the replicas ``shard`` (indices into ``range(replicas)``; all by default) of an ensemble of
    ``replicas`` for ``steps`` steps of SGD (or of ``optimizer``, from zero velocity) and sum their projected
    displacements at ``checkpoints``.

    ``keep_final`` live replicas' final parameters are kept (for the validity diagnostic); ``bounds`` says when a
    finite replica counts as diverged.

    Raises:
        ValueError: checkpoints outside ``0..steps``, a shard outside ``range(replicas)``, an unknown sampling.
    """
    bounds = bounds or DivergenceBounds()
    device = theta.device
    checkpoints = np.unique(np.asarray(checkpoints, dtype=np.int64))
    if checkpoints.size == 0 or checkpoints[0] < 0 or checkpoints[-1] > steps:
        raise ValueError(f"checkpoints must lie in 0..{steps}")
    indices = list(range(replicas) if shard is None else shard)
    if any(not 0 <= r < replicas for r in indices) or len(set(indices)) != len(indices):
        raise ValueError(f"a shard holds distinct replicas of 0..{replicas - 1}; got {indices[:8]}...")
    generators = _generators(seed, indices, device)
    block = block_steps(steps, replicas, batch_size, int(inputs.shape[0]), sampling)
    local = len(indices)
    optimizer = optimizer or Optimizer()
    thetas = theta.detach().unsqueeze(0).repeat(local, 1)
    velocities = torch.zeros_like(thetas) if optimizer.has_velocity else None
    alive = torch.ones(local, dtype=torch.bool, device=device)
    batched_loss = vmap(model.loss, in_dims=(0, 0, 0))

    def step_gradient(stacked, x, y):
        # vmap for the forward pass only, then one ordinary backward pass: the replicas' losses are
        # separable, so the gradient of their sum is every replica's own gradient (8x faster than
        # vmap(grad) here)
        stacked = stacked.detach().requires_grad_(True)
        losses = batched_loss(stacked, x, y)
        (gradients,) = torch.autograd.grad(losses.sum(), stacked)
        return gradients, losses.detach()
    causes = dict.fromkeys(CAUSES, 0)
    count, total, squares = [], [], []
    N = inputs.shape[0]
    iterator = range(steps + 1)
    if progress:
        from tqdm import tqdm

        iterator = tqdm(iterator, desc="ensemble", unit="step")
    batches = None
    for k in iterator:
        if k in checkpoints:
            # the sums in the eigenvectors' precision (float64), whatever the model's
            displacement = (thetas[alive] - theta).to(eigenvectors.dtype) @ eigenvectors
            count.append(displacement.shape[0])
            total.append(displacement.sum(0))
            squares.append((displacement * displacement).sum(0))
        if k == steps:
            break
        if k % block == 0:  # the next block of every replica's minibatches, from its own stream
            batches = torch.stack([draw_batches(g, min(block, steps - k), batch_size, N, sampling, device)
                                   for g in generators]) if local else None
        if not local:
            continue
        index = batches[:, k % block]
        points = optimizer.gradient_point(thetas, velocities)
        gradients, losses = step_gradient(points, inputs[index], targets[index])
        with torch.no_grad():
            thetas, velocities = optimizer.step(thetas, velocities, gradients, points, lr)
            finite = torch.isfinite(thetas).all(dim=1) & torch.isfinite(losses)
            distance = torch.linalg.vector_norm(torch.where(finite[:, None], thetas - theta, 0), dim=1)
            too_lossy = finite & (losses > bounds.loss)
            too_far = finite & ~too_lossy & (distance > bounds.displacement)
            for cause, mask in zip(CAUSES, (~finite, too_lossy, too_far)):
                causes[cause] += int((alive & mask).sum())
            alive = alive & finite & ~too_lossy & ~too_far
            thetas = torch.where(alive[:, None], thetas, theta)  # the dead stay put: no overflow in their arithmetic
            if velocities is not None:
                velocities = torch.where(alive[:, None], velocities, 0)
    modes = eigenvectors.shape[1]
    float64 = dict(dtype=torch.float64, device=device)
    return EnsembleSums(
        checkpoints, torch.tensor(count, **float64),
        torch.stack(total).to(torch.float64) if local else torch.zeros(len(checkpoints), modes, **float64),
        torch.stack(squares).to(torch.float64) if local else torch.zeros(len(checkpoints), modes, **float64),
        int(alive.sum()), local, causes, thetas[alive][:keep_final].clone())


def run_ensemble(model: FlatModel, theta: torch.Tensor, inputs: torch.Tensor, targets: torch.Tensor,
                 eigenvectors: torch.Tensor, lr: float, batch_size: int, replicas: int, steps: int,
                 checkpoints, sampling: str = "with", seed: int = 0, progress: bool = False,
                 keep_final: int = 0, bounds: DivergenceBounds | None = None,
                 optimizer: Optimizer | None = None) -> EnsembleResult:
    """Run R replicas of SGD (or of ``optimizer``) for ``steps`` steps and record per-mode moments at
    ``checkpoints`` (:func:`ensemble_sums` over every replica, then :meth:`EnsembleSums.moments`).

    ``keep_final`` live replicas' final parameters are returned too (for the validity diagnostic);
    ``bounds`` says when a finite replica counts as diverged."""
    return ensemble_sums(model, theta, inputs, targets, eigenvectors, lr, batch_size, replicas, steps, checkpoints,
                         sampling, seed, progress, keep_final, bounds, optimizer=optimizer).moments()


def run_loop(model: FlatModel, theta, inputs, targets, eigenvectors, lr, batch_size, replicas, steps, checkpoints,
             sampling="with", seed=0, optimizer: Optimizer | None = None) -> EnsembleResult:
    """The same ensemble with a plain per-replica loop, each replica's minibatch drawn step by step from its own
    stream, its optimiser written out (not :meth:`Optimizer.step`), and two-pass moments (the reference the
    vectorised engine is tested against)."""
    device = theta.device
    checkpoints = np.unique(np.asarray(checkpoints, dtype=np.int64))
    generators = _generators(seed, range(replicas), device)
    optimizer = optimizer or Optimizer()
    beta, decay = optimizer.momentum, optimizer.weight_decay
    thetas = [theta.detach().clone() for _ in range(replicas)]
    velocities = [torch.zeros_like(theta) for _ in range(replicas)]
    means, variances = [], []
    for k in range(steps + 1):
        if k in checkpoints:
            displacement = (torch.stack(thetas) - theta).to(eigenvectors.dtype) @ eigenvectors
            means.append(displacement.mean(0).cpu().numpy())
            variances.append(displacement.var(0, unbiased=True).cpu().numpy())
        if k == steps:
            break
        for r in range(replicas):
            index = draw_batches(generators[r], 1, batch_size, inputs.shape[0], sampling, device)[0]
            point = thetas[r] + beta * velocities[r] if optimizer.kind == "nesterov" else thetas[r]
            g = torch.func.grad(model.loss)(point, inputs[index], targets[index])
            velocities[r] = beta * velocities[r] - lr * (g + decay * point)
            thetas[r] = thetas[r] + velocities[r]
    return EnsembleResult(checkpoints, np.array(means), np.array(variances), np.full(len(checkpoints), replicas), 0,
                          replicas)
