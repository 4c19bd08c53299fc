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

from sgdfp.errors import check_instance

__all__ = ["FlatModel"]


def check_tensors(**tensors: object) -> None:
    """A ``TypeError`` for the first of the named arguments that is not a ``torch.Tensor`` (text, an array)."""
    for name, value in tensors.items():
        check_instance(name, value, torch.Tensor, "a torch.Tensor")


def as_device(device: object) -> torch.device:
    """``device`` (a ``torch.device`` or its name) as a ``torch.device``.

    Raises:
        TypeError: neither a ``torch.device`` nor a string.
        ValueError: a name torch does not know.
    """
    allowed = "a torch.device or its name ('cpu', 'cuda', 'cuda:0')"
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be {allowed}; got {type(device).__name__}")
    try:
        return torch.device(device)
    except RuntimeError:
        raise ValueError(f"device must be {allowed}; got {device!r:.80}") from None


class FlatModel:
    """``module`` with its parameters flattened into one vector :math:`\\theta`.

    Args:
        module: any ``torch.nn.Module`` (its parameters are copied; the module is used as a template).
        task: ``"classification"`` (logits ``(N, C)``, targets ``(N,)``) or ``"next-token"``
            (logits ``(N, T, C)``, targets ``(N, T)``; a sample's loss is its mean over positions).
        loss: per-element loss ``loss(logits, targets) -> (N,)`` or ``(N, T)``; cross-entropy by default.
        dtype, device: where the computation runs.

    Raises:
        TypeError: a ``module`` that is no ``torch.nn.Module``, a ``loss`` that is not callable, a ``dtype`` that
            is no ``torch.dtype``, a ``device`` that is neither a ``torch.device`` nor a name; and, from every
            derivative, an argument that is not a ``torch.Tensor``.
        ValueError: an unknown ``task`` or device name.
    """

    def __init__(self, module: torch.nn.Module, task: str = "classification", loss: Callable | None = None,
                 dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu"):
        check_instance("module", module, torch.nn.Module, "a torch.nn.Module")
        if task not in ("classification", "next-token"):
            raise ValueError(f"task must be 'classification' or 'next-token'; got {task!r}")
        if loss is not None and not callable(loss):
            raise TypeError(f"loss must be a function loss(logits, targets) -> per-element losses, or None for "
                            f"cross-entropy; got {type(loss).__name__}")
        check_instance("dtype", dtype, torch.dtype, "a torch.dtype (torch.float64, torch.float32)")
        self.task, self.dtype, self.device = task, dtype, as_device(device)
        self.module = module.to(dtype=dtype, device=self.device)
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
        check_tensors(theta=theta, inputs=inputs, targets=targets)
        total_loss, total_grad, n = 0.0, torch.zeros_like(theta), inputs.shape[0]
        for x, y in self._chunks(inputs, targets, chunk):
            gradient, value = torch.func.grad_and_value(self.loss)(theta, x, y)
            total_loss += float(value) * x.shape[0]
            total_grad += gradient * x.shape[0]
        return total_loss / n, total_grad / n

    # ------------------------------------------------------------------ derivatives
    def per_sample_gradients(self, theta, inputs, targets, chunk: int = 1024) -> torch.Tensor:
        """``(N, P)``: the gradient of every sample's loss."""
        check_tensors(theta=theta, inputs=inputs, targets=targets)
        def single(t, x, y):
            return self.loss(t, x.unsqueeze(0), y.unsqueeze(0))
        per_sample = vmap(grad(single), in_dims=(None, 0, 0))
        return torch.cat([per_sample(theta, x, y) for x, y in self._chunks(inputs, targets, chunk)])

    def hvp(self, theta, vector, inputs, targets) -> torch.Tensor:
        """:math:`H v` of the mean loss over the batch (forward-over-reverse)."""
        check_tensors(theta=theta, vector=vector, inputs=inputs, targets=targets)
        return jvp(lambda t: grad(self.loss)(t, inputs, targets), (theta,), (vector,))[1]

    def hessian(self, theta, inputs, targets, data_chunk: int = 2048) -> torch.Tensor:
        """The dense Hessian of the mean loss, one Hessian--vector product per basis vector.

        The gradient's graph is built once per data chunk and differentiated again for every basis
        vector (reverse over reverse); on these small models that is several times faster than a
        ``vmap`` of forward-over-reverse products, and it never holds more than one chunk's graph.
        """
        check_tensors(theta=theta, inputs=inputs, targets=targets)
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
        check_tensors(theta=theta, directions=directions, inputs=inputs, targets=targets)
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
