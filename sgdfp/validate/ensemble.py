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

Two more sets of sums serve :mod:`sgdfp.validate.observables`. :class:`TwoTimeSums` pairs every two checkpoints
:math:`c \le c'`: :math:`\sum_r d_{r,c}d_{r,c'}`, :math:`\sum_r d_{r,c}`, :math:`\sum_r (d_{r,c'} - d_{r,c})^2` and
:math:`\sum_r (d_{r,c'} - d_{r,c})^4` over the replicas live at :math:`c'` (``(C, C, m)``, zero below the
diagonal), from which the mean squared displacement between any two checkpoints, its interval and the two-time
covariance follow; it holds every replica's projected displacement at every checkpoint, :math:`R\,C\,m` numbers,
and is skipped beyond :data:`TWO_TIME_LIMIT` numbers (history and sums together) unless asked for.
:class:`FDRSums` holds, at each checkpoint, the sums of the fluctuation--dissipation estimators of
:func:`sgdfp.derive.stationarity.fdr_estimators` for the force :math:`F = e_i^\top(\nabla L_B(p) + \omega p)` the
optimiser applies at that checkpoint's step (drawn independently of the state, so :math:`y_iF_i` is an unbiased
estimate of :math:`y_i\,\mathbb{E}_B F_i`): :math:`A = 2(1-\beta)yF + 2\beta vF` and :math:`B = \eta F^2`, their
squares and product, and the raw :math:`\sum yF`, :math:`\sum vF`, :math:`\sum F^2`, :math:`\sum F`. At the last
checkpoint one more minibatch per replica is drawn (after the run: the replicas' streams are unchanged) to take
it.

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

from sgdfp.errors import check_bool
from sgdfp.validate.functional import FlatModel
from sgdfp.validate.optimizer import Optimizer

__all__ = ["EnsembleResult", "EnsembleSums", "TwoTimeSums", "FDRSums", "DivergenceBounds", "run_ensemble",
           "ensemble_sums", "draw_batches", "replica_seed", "block_steps", "CAUSES", "TWO_TIME_LIMIT"]

#: The causes a replica is counted as diverged by.
CAUSES = ("non-finite", "loss", "displacement")
# The minibatch indices are drawn a block of steps at a time per replica (one generator call per replica and
# block, not per step): at most this many indices are held for the whole ensemble, this many random keys per
# replica (sampling without replacement), and this many steps.
_BLOCK_INDICES = 2**24
_BLOCK_KEYS = 2**22
_BLOCK_STEPS = 256
#: At most this many numbers (the replicas' displacement history, replicas x checkpoints x modes, plus the four
#: ``(C, C, m)`` pair sums) are held for the two-time sums when they are not asked for explicitly: 256 MiB in float64.
TWO_TIME_LIMIT = 2**25


@dataclass(frozen=True)
class DivergenceBounds:
    """A replica whose minibatch loss exceeds ``loss`` or whose distance from the reference point exceeds
    ``displacement`` is diverged (infinite bounds: only non-finite values count)."""

    loss: float = float("inf")
    displacement: float = float("inf")


def _added(parts: Sequence, cls):
    """The sums of several parts field by field, or None when a part has none."""
    if any(p is None for p in parts):
        return None
    return cls(**{name: sum(getattr(p, name) for p in parts) for name in cls.__dataclass_fields__})


@dataclass
class TwoTimeSums:
    r"""Sums over the replicas live at the later of two checkpoints :math:`c \le c'`, ``(C, C, m)`` float64 tensors
    (entry ``[c, c']``; zero for :math:`c > c'`; the count is :attr:`EnsembleSums.count` at :math:`c'`).

    Attributes:
        products: :math:`\sum_r d_{r,c}\,d_{r,c'}` (the diagonal: :math:`\sum_r d_{r,c}^2`).
        earlier: :math:`\sum_r d_{r,c}` (the earlier checkpoint's displacement, over the later one's survivors).
        increments: :math:`\sum_r (d_{r,c'} - d_{r,c})^2`, formed per replica (no difference of large sums).
        fourth: :math:`\sum_r (d_{r,c'} - d_{r,c})^4` (the spread of the squared increments, for intervals).
    """

    products: torch.Tensor
    earlier: torch.Tensor
    increments: torch.Tensor
    fourth: torch.Tensor


@dataclass
class FDRSums:
    r"""Sums over the live replicas at each checkpoint of the fluctuation--dissipation estimators, ``(C, m)`` float64
    tensors: with :math:`y` the projected displacement, :math:`v` the projected velocity (0 for SGD) and :math:`F` the
    projected force of the minibatch drawn at that checkpoint's step, :math:`A = 2(1-\beta)yF + 2\beta vF` and
    :math:`B = \eta F^2` (:func:`sgdfp.derive.stationarity.fdr_estimators`; :math:`\langle A\rangle = \langle
    B\rangle` at a stationary law).

    Attributes:
        dissipation, fluctuation: :math:`\sum A`, :math:`\sum B`.
        dissipation_squares, fluctuation_squares, products: :math:`\sum A^2`, :math:`\sum B^2`, :math:`\sum AB`.
        position_force, velocity_force, force_squares, force_total: :math:`\sum yF`, :math:`\sum vF`,
            :math:`\sum F^2`, :math:`\sum F`.
    """

    dissipation: torch.Tensor
    fluctuation: torch.Tensor
    dissipation_squares: torch.Tensor
    fluctuation_squares: torch.Tensor
    products: torch.Tensor
    position_force: torch.Tensor
    velocity_force: torch.Tensor
    force_squares: torch.Tensor
    force_total: torch.Tensor


@dataclass
class EnsembleResult:
    """Per-mode moments of the displacement at the checkpoints: arrays ``(checkpoints, m)``.

    ``variance`` is the unbiased sample variance over the live replicas (``live`` per checkpoint);
    ``final_positions`` holds the parameters of the first few live replicas at the end ``(n, P)``; ``two_time`` and
    ``fdr`` the run's two-time and fluctuation--dissipation sums (None when not taken), ``total`` and ``squares`` the
    one-time sums (for :func:`sgdfp.validate.observables.measure_observables`)."""

    steps: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    live: np.ndarray
    diverged: int
    replicas: int
    final_positions: torch.Tensor | None = None
    diverged_by: dict = field(default_factory=dict)
    two_time: TwoTimeSums | None = None
    fdr: FDRSums | None = None
    total: np.ndarray | None = None
    squares: np.ndarray | None = None


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
        two_time: the pair sums (:class:`TwoTimeSums`), or None when not taken.
        fdr: the fluctuation--dissipation sums (:class:`FDRSums`), or None when not taken.
    """

    steps: np.ndarray
    count: torch.Tensor
    total: torch.Tensor
    squares: torch.Tensor
    survivors: int
    replicas: int
    causes: dict[str, int]
    final_positions: torch.Tensor
    two_time: TwoTimeSums | None = None
    fdr: FDRSums | None = None

    @classmethod
    def combine(cls, parts: Sequence[EnsembleSums], keep_final: int) -> EnsembleSums:
        """The sums over the union of disjoint sets of replicas (``parts`` in replica order); the two-time and
        fluctuation--dissipation sums too, where every part has them.

        Raises:
            ValueError: no parts, or parts at different checkpoints.
        """
        if not parts:
            raise ValueError("combine needs at least one part")
        first = parts[0]
        if any(not np.array_equal(p.steps, first.steps) for p in parts):
            raise ValueError("the parts were summed at different checkpoints")
        return cls(first.steps, sum(p.count for p in parts), sum(p.total for p in parts),
                   sum(p.squares for p in parts), sum(p.survivors for p in parts), sum(p.replicas for p in parts),
                   {cause: sum(p.causes[cause] for p in parts) for cause in CAUSES},
                   torch.cat([p.final_positions for p in parts])[:keep_final],
                   _added([p.two_time for p in parts], TwoTimeSums), _added([p.fdr for p in parts], FDRSums))

    def extra_tensors(self) -> list[torch.Tensor]:
        """The two-time and FDR sums as one list of tensors (for a reduction over processes; see
        :meth:`with_extra_tensors`)."""
        out: list[torch.Tensor] = []
        for sums in (self.two_time, self.fdr):
            if sums is not None:
                out.extend(getattr(sums, name) for name in type(sums).__dataclass_fields__)
        return out

    def with_extra_tensors(self, tensors: Sequence[torch.Tensor]) -> tuple[TwoTimeSums | None, FDRSums | None]:
        """The two-time and FDR sums rebuilt from ``tensors`` in the order of :meth:`extra_tensors`."""
        tensors = list(tensors)
        rebuilt: list = []
        for sums, cls in ((self.two_time, TwoTimeSums), (self.fdr, FDRSums)):
            if sums is None:
                rebuilt.append(None)
                continue
            names = list(cls.__dataclass_fields__)
            rebuilt.append(cls(**dict(zip(names, tensors[:len(names)]))))
            tensors = tensors[len(names):]
        return rebuilt[0], rebuilt[1]

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
                              self.final_positions, dict(self.causes), self.two_time, self.fdr,
                              self.total.cpu().numpy(), self.squares.cpu().numpy())


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
                  optimizer: Optimizer | None = None, two_time: bool | None = None, fdr: bool = True) -> EnsembleSums:
    """Run the replicas ``shard`` (indices into ``range(replicas)``; all by default) of an ensemble of
    ``replicas`` for ``steps`` steps of SGD (or of ``optimizer``, from zero velocity) and sum their projected
    displacements at ``checkpoints``.

    ``keep_final`` live replicas' final parameters are kept (for the validity diagnostic); ``bounds`` says when a
    finite replica counts as diverged. ``two_time``: take the pair sums (:class:`TwoTimeSums`) -- None: when they
    fit in :data:`TWO_TIME_LIMIT` numbers; ``fdr``: take the fluctuation--dissipation sums (:class:`FDRSums`).

    Raises:
        ValueError: checkpoints outside ``0..steps``, a shard outside ``range(replicas)``, an unknown sampling.
        TypeError: ``two_time`` not True, False or None, or ``fdr`` not a bool.
    """
    bounds = bounds or DivergenceBounds()
    device = theta.device
    checkpoints = np.unique(np.asarray(checkpoints, dtype=np.int64))
    if checkpoints.size == 0 or checkpoints[0] < 0 or checkpoints[-1] > steps:
        raise ValueError(f"checkpoints must lie in 0..{steps}")
    indices = list(range(replicas) if shard is None else shard)
    if any(not 0 <= r < replicas for r in indices) or len(set(indices)) != len(indices):
        raise ValueError(f"a shard holds distinct replicas of 0..{replicas - 1}; got {indices[:8]}...")
    if two_time is not None:
        two_time = check_bool("two_time", two_time)
    fdr = check_bool("fdr", fdr)
    generators = _generators(seed, indices, device)
    block = block_steps(steps, replicas, batch_size, int(inputs.shape[0]), sampling)
    local = len(indices)
    optimizer = optimizer or Optimizer()
    C, modes = len(checkpoints), eigenvectors.shape[1]
    if two_time is None:
        # by the whole ensemble, not this shard: every rank of a distributed run decides alike
        two_time = replicas * C * modes + 4 * C * C * modes <= TWO_TIME_LIMIT
    slot = {int(c): i for i, c in enumerate(checkpoints)}
    float64 = dict(dtype=torch.float64, device=device)
    pairs = [torch.zeros(C, C, modes, **float64) for _ in range(4)] if two_time else None
    history = torch.zeros(C, local, modes, **float64) if two_time else None
    fdr_sums = [torch.zeros(C, modes, **float64) for _ in FDRSums.__dataclass_fields__] if fdr else None
    estimators = _fdr_estimators(optimizer) if fdr else None
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
    displacement = None
    for k in iterator:
        checkpoint = k in slot
        if checkpoint:
            # the sums in the eigenvectors' precision (float64), whatever the model's
            displacement = (thetas[alive] - theta).to(eigenvectors.dtype) @ eigenvectors
            count.append(displacement.shape[0])
            total.append(displacement.sum(0))
            squares.append((displacement * displacement).sum(0))
            if pairs is not None and local:
                _pair_sums(pairs, history, slot[k], alive, displacement.to(torch.float64))
        if k == steps:
            if checkpoint and fdr_sums is not None and local:  # one more minibatch, after the run, for the FDR
                index = torch.stack([draw_batches(g, 1, batch_size, N, sampling, device)[0] for g in generators])
                points = optimizer.gradient_point(thetas, velocities)
                gradients, _ = step_gradient(points, inputs[index], targets[index])
                _fdr_sums(fdr_sums, slot[k], estimators, optimizer, displacement, velocities, gradients, points, alive,
                          eigenvectors, lr)
            break
        if k % block == 0:  # the next block of every replica's minibatches, from its own stream
            batches = torch.stack([draw_batches(g, min(block, steps - k), batch_size, N, sampling, device)
                                   for g in generators]) if local else None
        if not local:
            continue
        index = batches[:, k % block]
        points = optimizer.gradient_point(thetas, velocities)
        gradients, losses = step_gradient(points, inputs[index], targets[index])
        if checkpoint and fdr_sums is not None:
            _fdr_sums(fdr_sums, slot[k], estimators, optimizer, displacement, velocities, gradients, points, alive,
                      eigenvectors, lr)
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
    return EnsembleSums(
        checkpoints, torch.tensor(count, **float64),
        torch.stack(total).to(torch.float64) if local else torch.zeros(len(checkpoints), modes, **float64),
        torch.stack(squares).to(torch.float64) if local else torch.zeros(len(checkpoints), modes, **float64),
        int(alive.sum()), local, causes, thetas[alive][:keep_final].clone(),
        None if pairs is None else TwoTimeSums(*pairs), None if fdr_sums is None else FDRSums(*fdr_sums))


def _pair_sums(pairs: list[torch.Tensor], history: torch.Tensor, c: int, alive: torch.Tensor,
               displacement: torch.Tensor) -> None:
    """Add checkpoint ``c``'s pairs with every checkpoint up to it, over the replicas live now (the live set only
    shrinks, so they were live at the earlier checkpoints too)."""
    products, earlier_sums, increments, fourth = pairs
    history[c, alive] = displacement
    # (c + 1, n, m); a copy only once a replica has diverged
    earlier = history[:c + 1] if bool(alive.all()) else history[:c + 1, alive]
    products[:c + 1, c] = torch.einsum("crm,rm->cm", earlier, displacement)
    earlier_sums[:c + 1, c] = earlier.sum(1)
    step = displacement - earlier  # per replica, so no difference of large sums
    step.mul_(step)
    increments[:c + 1, c] = step.sum(1)
    fourth[:c + 1, c] = step.mul_(step).sum(1)


def _fdr_estimators(optimizer: Optimizer):
    """The derived FDR estimators (dissipation, fluctuation), compiled for torch."""
    from sgdfp.derive.stationarity import fdr_estimators
    from sgdfp.numerics import compile

    dissipation, fluctuation, args = fdr_estimators("momentum" if optimizer.has_velocity else "sgd")
    return compile([dissipation, fluctuation], args, "torch")


def _fdr_sums(sums: list[torch.Tensor], c: int, estimators, optimizer: Optimizer, displacement: torch.Tensor,
              velocities: torch.Tensor | None, gradients: torch.Tensor, points: torch.Tensor, alive: torch.Tensor,
              eigenvectors: torch.Tensor, lr: float) -> None:
    """Add checkpoint ``c``'s FDR sums: the force the optimiser applies (as :meth:`Optimizer.step` forms it),
    projected, with the displacement and the velocity at that step."""
    with torch.no_grad():
        force = gradients + optimizer.weight_decay * points if optimizer.weight_decay else gradients
        F = force[alive].to(eigenvectors.dtype) @ eigenvectors
        y = displacement
        v = (velocities[alive].to(eigenvectors.dtype) @ eigenvectors if velocities is not None
             else torch.zeros_like(F))
        A, B = estimators(y, v, F, lr, optimizer.momentum)
        A, B = torch.broadcast_to(A, F.shape), torch.broadcast_to(B, F.shape)
        for target, value in zip(sums, (A, B, A * A, B * B, A * B, y * F, v * F, F * F, F)):
            target[c] += value.sum(0).to(torch.float64)


def run_ensemble(model: FlatModel, theta: torch.Tensor, inputs: torch.Tensor, targets: torch.Tensor,
                 eigenvectors: torch.Tensor, lr: float, batch_size: int, replicas: int, steps: int,
                 checkpoints, sampling: str = "with", seed: int = 0, progress: bool = False,
                 keep_final: int = 0, bounds: DivergenceBounds | None = None,
                 optimizer: Optimizer | None = None, two_time: bool | None = None, fdr: bool = True) -> EnsembleResult:
    """Run R replicas of SGD (or of ``optimizer``) for ``steps`` steps and record per-mode moments at
    ``checkpoints`` (:func:`ensemble_sums` over every replica, then :meth:`EnsembleSums.moments`).

    ``keep_final`` live replicas' final parameters are returned too (for the validity diagnostic);
    ``bounds`` says when a finite replica counts as diverged; ``two_time`` and ``fdr`` as for :func:`ensemble_sums`."""
    return ensemble_sums(model, theta, inputs, targets, eigenvectors, lr, batch_size, replicas, steps, checkpoints,
                         sampling, seed, progress, keep_final, bounds, optimizer=optimizer, two_time=two_time,
                         fdr=fdr).moments()


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
