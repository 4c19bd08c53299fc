r"""A torch model as a function of one flat parameter vector, with the derivatives the validator needs.

Everything is built on :mod:`torch.func`: per-sample gradients are ``vmap(grad)``, Hessian--vector
products are forward-over-reverse, the dense Hessian is a ``vmap`` of those over chunks of basis
vectors (never a ``hessian`` of the whole data set at once), and the per-sample curvature along a
direction, :math:`v^\top H_a v` for every sample :math:`a`, is a second forward derivative of the
per-sample losses -- one pass over the data per direction, all samples at once.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.func import functional_call, grad, jvp, vmap

__all__ = ["FlatModel"]


class FlatModel:
    """``module`` with its parameters flattened into one vector :math:`\\theta`.

    Args:
        module: any ``torch.nn.Module`` (its parameters are copied; the module is used as a template).
        task: ``"classification"`` (logits ``(N, C)``, targets ``(N,)``) or ``"next-token"``
            (logits ``(N, T, C)``, targets ``(N, T)``; a sample's loss is its mean over positions).
        loss: per-element loss ``loss(logits, targets) -> (N,)`` or ``(N, T)``; cross-entropy by default.
        dtype, device: where the computation runs.
    """

    def __init__(self, module: torch.nn.Module, task: str = "classification", loss: Callable | None = None,
                 dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu"):
        if task not in ("classification", "next-token"):
            raise ValueError(f"task must be 'classification' or 'next-token'; got {task!r}")
        self.module = module.to(dtype=dtype, device=device)
        self.task, self.dtype, self.device = task, dtype, torch.device(device)
        self._loss = loss or (lambda logits, targets: torch.nn.functional.cross_entropy(
            logits.transpose(1, -1) if logits.ndim == 3 else logits, targets, reduction="none"))
        named = [(n, p) for n, p in self.module.named_parameters()]
        self.names = [n for n, _ in named]
        self.shapes = [p.shape for _, p in named]
        self.sizes = [p.numel() for _, p in named]
        self.buffers = {n: b for n, b in self.module.named_buffers()}
        self.theta0 = torch.cat([p.detach().reshape(-1) for _, p in named]).clone()

    @property
    def num_parameters(self) -> int:
        return int(self.theta0.numel())

    def unflatten(self, theta: torch.Tensor) -> dict:
        return {n: chunk.view(shape) for n, chunk, shape in
                zip(self.names, torch.split(theta, self.sizes), self.shapes)}

    # ------------------------------------------------------------------ losses
    def per_sample_loss(self, theta: torch.Tensor, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The loss of each sample, shape ``(N,)``."""
        logits = functional_call(self.module, (self.unflatten(theta), self.buffers), (inputs,))
        values = self._loss(logits, targets)
        return values.mean(dim=-1) if values.ndim == 2 else values

    def loss(self, theta: torch.Tensor, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The mean loss over the batch."""
        return self.per_sample_loss(theta, inputs, targets).mean()

    def _chunks(self, inputs, targets, chunk):
        for start in range(0, inputs.shape[0], chunk):
            yield inputs[start:start + chunk], targets[start:start + chunk]

    def full_loss_and_gradient(self, theta, inputs, targets, chunk: int = 4096):
        """Mean loss and gradient over a whole data set, in chunks."""
        total_loss, total_grad, n = 0.0, torch.zeros_like(theta), inputs.shape[0]
        for x, y in self._chunks(inputs, targets, chunk):
            gradient, value = torch.func.grad_and_value(self.loss)(theta, x, y)
            total_loss += float(value) * x.shape[0]
            total_grad += gradient * x.shape[0]
        return total_loss / n, total_grad / n

    # ------------------------------------------------------------------ derivatives
    def per_sample_gradients(self, theta, inputs, targets, chunk: int = 1024) -> torch.Tensor:
        """``(N, P)``: the gradient of every sample's loss."""
        def single(t, x, y):
            return self.loss(t, x.unsqueeze(0), y.unsqueeze(0))
        per_sample = vmap(grad(single), in_dims=(None, 0, 0))
        return torch.cat([per_sample(theta, x, y) for x, y in self._chunks(inputs, targets, chunk)])

    def hvp(self, theta, vector, inputs, targets) -> torch.Tensor:
        """:math:`H v` of the mean loss over the batch (forward-over-reverse)."""
        return jvp(lambda t: grad(self.loss)(t, inputs, targets), (theta,), (vector,))[1]

    def hessian(self, theta, inputs, targets, data_chunk: int = 2048) -> torch.Tensor:
        """The dense Hessian of the mean loss, one Hessian--vector product per basis vector.

        The gradient's graph is built once per data chunk and differentiated again for every basis
        vector (reverse over reverse); on these small models that is several times faster than a
        ``vmap`` of forward-over-reverse products, and it never holds more than one chunk's graph.
        """
        P, n = self.num_parameters, inputs.shape[0]
        out = torch.zeros(P, P, dtype=theta.dtype, device=theta.device)
        basis = torch.eye(P, dtype=theta.dtype, device=theta.device)
        for x, y in self._chunks(inputs, targets, data_chunk):
            point = theta.detach().requires_grad_(True)
            (gradient,) = torch.autograd.grad(self.loss(point, x, y), point, create_graph=True)
            weight = x.shape[0] / n
            for i in range(P):
                (row,) = torch.autograd.grad(gradient, point, grad_outputs=basis[i], retain_graph=i < P - 1)
                out[i] += weight * row.detach()
        return (out + out.T) / 2

    def directional_curvatures(self, theta, directions, inputs, targets, data_chunk: int = 2048,
                               direction_chunk: int = 32) -> torch.Tensor:
        r"""``(N, m)``: :math:`v_i^\top H_a v_i` for every sample :math:`a` and column :math:`v_i` of ``directions``.

        The second derivative of every per-sample loss along :math:`v`, by nested forward derivatives:
        one pass over the data per direction, all samples together.
        """
        def along(v, x, y):
            first = lambda s: jvp(lambda t: self.per_sample_loss(theta + t * v, x, y), (s,),  # noqa: E731
                                  (torch.ones((), dtype=theta.dtype, device=theta.device),))[1]
            zero = torch.zeros((), dtype=theta.dtype, device=theta.device)
            return jvp(first, (zero,), (torch.ones_like(zero),))[1]

        columns = []
        for start in range(0, directions.shape[1], direction_chunk):
            block = directions[:, start:start + direction_chunk].T  # (m_block, P)
            per_chunk = []
            for x, y in self._chunks(inputs, targets, data_chunk):
                if direction_chunk == 1:  # a plain loop: faster than vmap for heavier models
                    per_chunk.append(along(block[0], x, y)[:, None])
                else:
                    per_chunk.append(vmap(lambda v: along(v, x, y))(block).T)
            columns.append(torch.cat(per_chunk))
        return torch.cat(columns, dim=1)
