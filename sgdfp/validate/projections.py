r"""Per-sample gradients and curvatures along chosen directions, in chunks: memory bounded whatever P.

For m directions :math:`V = (v_1 \dots v_m)` (``(P, m)``) the statistics need, for every sample :math:`a`,
:math:`v_i^\top \nabla \ell_a` and :math:`v_i^\top H_a v_i` -- ``(N, m)`` numbers each. They are computed a chunk
of samples at a time and projected at once, so the full ``(N, P)`` per-sample gradient matrix and any
``(N, P, m)`` tensor are never formed. Peak memory, in elements of the model's dtype, is about

    P·m (the directions) + 2·N·m (the projections) + c·P (one chunk's per-sample gradients)
        + the activations of c_h samples × d directions (the curvature pass),

with :math:`c = \lfloor B / P\rfloor` and :math:`c_h = \lfloor B / (d P)\rfloor` samples per chunk (at least one,
at most N) for the budget :math:`B` = :data:`CHUNK_ELEMENTS` and d directions per vectorised pass. For the
small models of the published experiments every chunk is the whole data set.
"""

from __future__ import annotations

import torch
from torch.func import grad, jvp, vmap

from sgdfp.errors import check_integer
from sgdfp.validate.functional import FlatModel, check_tensors

__all__ = ["CHUNK_ELEMENTS", "sample_chunk", "projected_gradients", "projected_curvatures", "pair_curvature_sums"]

#: Elements (of the model's dtype) one chunk's per-sample tensor may hold: 2**24 is 128 MiB in float64.
CHUNK_ELEMENTS = 2**24


def sample_chunk(num_samples: int, parameters: int, directions: int = 1, budget: int = CHUNK_ELEMENTS) -> int:
    """How many samples one chunk holds so that ``chunk * parameters * directions <= budget`` (1 to N)."""
    num_samples = check_integer("num_samples", num_samples, 1)
    per_sample = check_integer("parameters", parameters, 1) * check_integer("directions", directions, 1)
    return max(1, min(num_samples, check_integer("budget", budget, 1) // per_sample))


def projected_gradients(model: FlatModel, theta: torch.Tensor, directions: torch.Tensor, inputs: torch.Tensor,
                        targets: torch.Tensor, chunk: int | None = None) -> torch.Tensor:
    r"""``(N, m)``: :math:`v_i^\top \nabla\ell_a` for every sample :math:`a`, projected a chunk of samples at a time.

    ``chunk`` samples per pass (default :func:`sample_chunk`); the result is in ``directions``' dtype (float64
    for the statistics), the gradients in the model's.
    """
    check_tensors(theta=theta, directions=directions, inputs=inputs, targets=targets)
    N = int(inputs.shape[0])
    chunk = sample_chunk(N, model.num_parameters) if chunk is None else check_integer("chunk", chunk, 1)
    cast = directions.to(theta.dtype)
    parts = []
    for start in range(0, N, chunk):
        block = model.per_sample_gradients(theta, inputs[start:start + chunk], targets[start:start + chunk],
                                           chunk=chunk)  # (c, P): the only per-sample gradients held
        parts.append((block @ cast).to(directions.dtype))
    return torch.cat(parts)


def projected_curvatures(model: FlatModel, theta: torch.Tensor, directions: torch.Tensor, inputs: torch.Tensor,
                         targets: torch.Tensor, direction_chunk: int = 32, chunk: int | None = None) -> torch.Tensor:
    r"""``(N, m)``: :math:`v_i^\top H_a v_i` (:meth:`FlatModel.directional_curvatures`) with a bounded sample chunk.

    ``chunk`` samples per pass (default :func:`sample_chunk` for ``direction_chunk`` directions at once)."""
    check_tensors(theta=theta, directions=directions, inputs=inputs, targets=targets)
    direction_chunk = check_integer("direction_chunk", direction_chunk, 1)
    N = int(inputs.shape[0])
    chunk = (sample_chunk(N, model.num_parameters, direction_chunk) if chunk is None
             else check_integer("chunk", chunk, 1))
    return model.directional_curvatures(theta, directions.to(theta.dtype), inputs, targets, data_chunk=chunk,
                                        direction_chunk=direction_chunk)


def pair_curvature_sums(model: FlatModel, theta: torch.Tensor, directions: torch.Tensor, inputs: torch.Tensor,
                        targets: torch.Tensor, gradients: torch.Tensor, chunk: int | None = None,
                        direction_chunk: int | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r"""Sums over the samples of the per-sample curvature between every pair of directions,
    :math:`c_{a,ij} = v_i^\top H_a v_j`: :math:`\sum_a c_a`, :math:`\sum_a c_a^{\odot 2}` and
    :math:`\sum_a c_{a,ij}\,\gamma_{a,i}` (``gradients`` :math:`\gamma`: ``(N, m)``, the samples' projected
    gradients), each ``(m, m)`` in ``directions``' dtype.

    :math:`H_a v_j` for a chunk of samples is one forward derivative, along :math:`v_j`, of the chunk's per-sample
    gradients (``vmap`` over a block of directions); it is projected on every direction at once and summed, so no
    per-sample ``(m, m)`` array outlives its chunk. Cost: :math:`N m` Hessian--vector products of single samples.
    ``chunk`` samples (default: ``chunk * P * direction_chunk <= CHUNK_ELEMENTS``) and ``direction_chunk``
    directions (default: all, within the budget) per pass.
    """
    check_tensors(theta=theta, directions=directions, inputs=inputs, targets=targets, gradients=gradients)
    N, P, m = int(inputs.shape[0]), model.num_parameters, int(directions.shape[1])
    if gradients.shape != (N, m):
        raise ValueError(f"gradients must have shape {(N, m)} (samples x directions); got {tuple(gradients.shape)}")
    block = (min(m, max(1, CHUNK_ELEMENTS // (16 * P))) if direction_chunk is None
             else check_integer("direction_chunk", direction_chunk, 1))
    chunk = sample_chunk(N, P, block) if chunk is None else check_integer("chunk", chunk, 1)
    cast = directions.to(theta.dtype)
    projections = directions

    def single(t, x, y):
        return model.loss(t, x.unsqueeze(0), y.unsqueeze(0))

    per_sample = vmap(grad(single), in_dims=(None, 0, 0))
    total = torch.zeros(m, m, dtype=directions.dtype, device=directions.device)
    squares, with_gradient = torch.zeros_like(total), torch.zeros_like(total)
    for start in range(0, N, chunk):
        x, y = inputs[start:start + chunk], targets[start:start + chunk]
        g = gradients[start:start + chunk].to(directions.dtype)
        for first in range(0, m, block):
            along = cast[:, first:first + block].T  # (b, P)
            products = vmap(lambda v: jvp(lambda t: per_sample(t, x, y), (theta,), (v,))[1])(along)  # (b, c, P)
            pairs = torch.einsum("jcp,pi->cij", products.to(directions.dtype), projections)  # (c, m, b)
            total[:, first:first + block] += pairs.sum(0)
            squares[:, first:first + block] += (pairs**2).sum(0)
            with_gradient[:, first:first + block] += torch.einsum("cij,ci->ij", pairs, g)
    return total, squares, with_gradient
