"""Reference models of the published experiments, small enough for exact Hessians on a CPU.

- :class:`MLP`: inputs -> hidden SiLU -> classes (36 -> 8 -> 10 on 6x6-pooled MNIST: 386 parameters).
- :class:`CharTransformer`: one layer, one head, embedding 8, context 16, a 30-symbol alphabet:
  1 072 parameters. Written with plain matrix products so that ``torch.func.vmap`` goes through it.
- :class:`CNN`: two 3x3 convolutions and two linear layers on 28x28 images (103 018 parameters with the
  defaults): the matrix-free path's model (too large for a dense Hessian).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from sgdfp.errors import check_instance

__all__ = ["MLP", "CharTransformer", "CNN"]


class MLP(nn.Module):
    """``inputs -> hidden (SiLU) -> classes``."""

    def __init__(self, inputs: int = 36, hidden: int = 8, classes: int = 10):
        super().__init__()
        self.hidden = nn.Linear(inputs, hidden)
        self.out = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(nn.functional.silu(self.hidden(x)))


class CharTransformer(nn.Module):
    """A one-layer, one-head causal transformer over characters.

    Token and position embeddings, pre-norm attention (query/key/value/output with biases) and a
    pre-norm MLP of the embedding width, residual connections, an untied output projection without
    bias.
    """

    def __init__(self, vocabulary: int = 30, embedding: int = 8, context: int = 16):
        super().__init__()
        self.token = nn.Parameter(torch.randn(vocabulary, embedding) * 0.3)
        self.position = nn.Parameter(torch.randn(context, embedding) * 0.1)
        self.norm1 = nn.LayerNorm(embedding)
        self.query = nn.Linear(embedding, embedding)
        self.key = nn.Linear(embedding, embedding)
        self.value = nn.Linear(embedding, embedding)
        self.output = nn.Linear(embedding, embedding)
        self.norm2 = nn.LayerNorm(embedding)
        self.mlp_in = nn.Linear(embedding, embedding)
        self.mlp_out = nn.Linear(embedding, embedding)
        self.unembed = nn.Linear(embedding, vocabulary, bias=False)
        self.register_buffer("mask", torch.tril(torch.ones(context, context, dtype=torch.bool)))
        self.context = context

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits ``(..., T, vocabulary)`` from token ids ``(..., T)`` (an integer tensor, ``T <= context``)."""
        check_instance("ids", ids, torch.Tensor, "a torch.Tensor of token ids")
        T = ids.shape[-1]
        h = self.token[ids] + self.position[:T]
        a = self.norm1(h)
        scores = self.query(a) @ self.key(a).transpose(-1, -2) / math.sqrt(a.shape[-1])
        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))
        h = h + self.output(torch.softmax(scores, dim=-1) @ self.value(a))
        h = h + self.mlp_out(nn.functional.silu(self.mlp_in(self.norm2(h))))
        return self.unembed(h)


class CNN(nn.Module):
    """``conv 3x3 (SiLU) -> avg-pool 2 -> conv 3x3 (SiLU) -> avg-pool 2 -> linear (SiLU) -> classes``.

    Inputs are flat ``(..., side * side)`` images (as :func:`~sgdfp.validate.data.load_mnist` gives them with
    ``pool=None``). SiLU and average pooling keep the loss smooth, so that the Hessian and the per-sample
    curvatures are defined everywhere (ReLU and max-pooling would make them piecewise).
    """

    def __init__(self, side: int = 28, channels: tuple[int, int] = (8, 16), hidden: int = 128, classes: int = 10):
        super().__init__()
        if side % 4:
            raise ValueError(f"CNN needs an image side divisible by 4 (two 2x2 poolings); got {side}")
        first, second = channels
        self.side = side
        self.conv1 = nn.Conv2d(1, first, 3, padding=1)
        self.conv2 = nn.Conv2d(first, second, 3, padding=1)
        self.hidden = nn.Linear(second * (side // 4) ** 2, hidden)
        self.out = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_instance("x", x, torch.Tensor, "a torch.Tensor of flat images")
        lead = x.shape[:-1]
        h = x.reshape(-1, 1, self.side, self.side)
        h = nn.functional.avg_pool2d(nn.functional.silu(self.conv1(h)), 2)
        h = nn.functional.avg_pool2d(nn.functional.silu(self.conv2(h)), 2)
        h = nn.functional.silu(self.hidden(h.flatten(1)))
        return self.out(h).reshape(*lead, -1)
