r"""Replica ensembles sharded over processes or GPUs with ``torch.distributed``.

``torchrun --nproc-per-node N -m sgdfp validate ... --distributed`` starts N processes (ranks); each joins the
process group (:func:`sharded`: gloo on the CPU, NCCL on GPUs, one GPU per rank, ``cuda:LOCAL_RANK``), trains
the same reference point and measures the same statistics (rank 0's reference point and eigenvectors are
broadcast, so every rank projects on exactly the same basis), and runs a contiguous block of the R replicas
(:meth:`Shard.replicas`). Each replica draws its minibatches from its own stream, seeded from the run's seed and
its index (:func:`sgdfp.validate.ensemble.replica_seed`), so the replicas are those of a one-process run
whatever N is. Per checkpoint the ranks' float64 sums :math:`\sum_r d_r` and :math:`\sum_r d_r^2` of the
projected displacement, the live counts and the divergence counts are added up by one all-reduce
(:meth:`Shard.reduce`): every rank then holds the run's moments -- those of the one-process run up to the
order of the float64 additions -- and rank 0 writes the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.distributed as dist

from sgdfp.errors import InputError
from sgdfp.validate.ensemble import CAUSES, DivergenceBounds, EnsembleResult, EnsembleSums, ensemble_sums

__all__ = ["Shard", "sharded", "LAUNCH_VARIABLES"]

#: What a launcher (``torchrun``) sets for every process it starts.
LAUNCH_VARIABLES = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class Shard:
    """This process's part of a distributed run: its rank among ``world_size``, its device and the backend."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    backend: str

    @property
    def is_root(self) -> bool:
        """Rank 0: it shows the progress and writes the run."""
        return self.rank == 0

    def replicas(self, total: int) -> range:
        """The contiguous block of ``range(total)`` this rank runs (the blocks cover it in rank order)."""
        return range(total * self.rank // self.world_size, total * (self.rank + 1) // self.world_size)

    def broadcast(self, tensor: torch.Tensor) -> torch.Tensor:
        """Rank 0's ``tensor`` on every rank (a new tensor on this rank's device)."""
        copy = tensor.detach().to(self.device).contiguous().clone()
        dist.broadcast(copy, src=0)
        return copy

    def reduce(self, sums: EnsembleSums, keep_final: int) -> EnsembleSums:
        """Every rank's sums added up (one float64 all-reduce; the two-time and FDR sums too, which every rank takes
        alike), and the first ``keep_final`` live replicas' final positions in replica order (an all-gather)."""
        checkpoints, modes = sums.total.shape
        scalars = [sums.survivors, sums.replicas, *(sums.causes[cause] for cause in CAUSES)]
        extra = sums.extra_tensors()
        packed = torch.cat([sums.count, sums.total.reshape(-1), sums.squares.reshape(-1),
                            *(t.reshape(-1) for t in extra),
                            torch.tensor(scalars, dtype=torch.float64, device=sums.count.device)]).to(self.device)
        dist.all_reduce(packed, op=dist.ReduceOp.SUM)
        sizes = [checkpoints, checkpoints * modes, checkpoints * modes, *(t.numel() for t in extra), len(scalars)]
        count, total, squares, *rest_extra, rest = torch.split(packed, sizes)
        rest = [int(round(float(v))) for v in rest.cpu()]  # counts, exact in float64 below 2**53
        two_time, fdr = sums.with_extra_tensors([t.reshape(e.shape) for t, e in zip(rest_extra, extra)])
        return EnsembleSums(sums.steps, count, total.reshape(checkpoints, modes), squares.reshape(checkpoints, modes),
                            rest[0], rest[1], dict(zip(CAUSES, rest[2:])), self._gather_final(sums, keep_final),
                            two_time, fdr)

    def _gather_final(self, sums: EnsembleSums, keep_final: int) -> torch.Tensor:
        positions = sums.final_positions
        if keep_final == 0:
            return positions[:0]
        padded = torch.zeros(keep_final, positions.shape[1], dtype=positions.dtype, device=self.device)
        padded[:len(positions)] = positions
        held = torch.tensor([len(positions)], dtype=torch.int64, device=self.device)
        counts = [torch.zeros_like(held) for _ in range(self.world_size)]
        gathered = [torch.zeros_like(padded) for _ in range(self.world_size)]
        dist.all_gather(counts, held)
        dist.all_gather(gathered, padded)
        return torch.cat([block[:int(n)] for block, n in zip(gathered, counts)])[:keep_final]

    def run_ensemble(self, model, theta: torch.Tensor, inputs: torch.Tensor, targets: torch.Tensor,
                     eigenvectors: torch.Tensor, lr: float, batch_size: int, replicas: int, steps: int, checkpoints,
                     sampling: str = "with", seed: int = 0, progress: bool = False, keep_final: int = 0,
                     bounds: DivergenceBounds | None = None, optimizer=None, two_time: bool | None = None,
                     fdr: bool = True) -> EnsembleResult:
        """:func:`sgdfp.validate.ensemble.run_ensemble` with this rank's replicas, reduced over every rank (the
        bounds are rank 0's, so that every rank calls a replica diverged alike). ``two_time=None`` decides by the
        whole ensemble's size, so that every rank takes the same sums."""
        bounds = bounds or DivergenceBounds()
        scale = self.broadcast(torch.tensor([bounds.loss, bounds.displacement], dtype=torch.float64))
        bounds = DivergenceBounds(float(scale[0]), float(scale[1]))
        sums = ensemble_sums(model, theta, inputs, targets, eigenvectors, lr, batch_size, replicas, steps,
                             checkpoints, sampling, seed, progress and self.is_root, keep_final, bounds,
                             shard=self.replicas(replicas), optimizer=optimizer, two_time=two_time, fdr=fdr)
        return self.reduce(sums, keep_final).moments()


def _launch_integer(name: str) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value)
    except ValueError:
        raise InputError(f"--distributed: the launcher's {name}={value!r} is not an integer") from None


@contextmanager
def sharded(device: str = "auto") -> Iterator[Shard]:
    """Join the process group a launcher (``torchrun``) set up, and leave it at the end.

    Args:
        device: ``"auto"`` (a GPU per rank when torch sees GPUs), ``"cpu"`` or ``"cuda"``.

    Raises:
        InputError: not started by a launcher; ``cuda`` without a GPU, or fewer GPUs than ranks on a node.
    """
    missing = [name for name in LAUNCH_VARIABLES if name not in os.environ]
    if missing:
        raise InputError(f"--distributed runs under a launcher that sets {', '.join(LAUNCH_VARIABLES)} "
                         f"({', '.join(missing)} missing): start it as 'torchrun --nproc-per-node N -m sgdfp "
                         f"validate ... --distributed'")
    rank, world_size = _launch_integer("RANK"), _launch_integer("WORLD_SIZE")
    local_rank = _launch_integer("LOCAL_RANK") if "LOCAL_RANK" in os.environ else rank
    cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    if cuda:
        if not torch.cuda.is_available():
            raise InputError("--device cuda was asked for but no CUDA device is available")
        if local_rank >= torch.cuda.device_count():
            raise InputError(f"rank {rank} (local rank {local_rank}) has no GPU of its own: this node has "
                             f"{torch.cuda.device_count()}; start at most that many processes per node")
        torch.cuda.set_device(local_rank)
    shard = Shard(rank, world_size, local_rank, torch.device(f"cuda:{local_rank}" if cuda else "cpu"),
                  "nccl" if cuda else "gloo")
    dist.init_process_group(shard.backend, init_method="env://", rank=rank, world_size=world_size)
    try:
        yield shard
    finally:
        dist.destroy_process_group()
