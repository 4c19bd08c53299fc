r"""Joint cumulants of a mode's minibatch curvature and gradient :math:`(h_B, g_B)` from per-sample data.

The per-sample pairs :math:`(h_a, g_a)`, :math:`a = 1..N` (for one mode of least squares
:math:`h_a = x_a^2`, :math:`g_a = x_a(x_a\theta^* - y_a)`), define the population law with weight
:math:`1/N` each. Its joint cumulants :math:`\kappa_{i,j}` follow from the raw moments by inverting the
moment--cumulant relation that :class:`~sgdfp.derive.Noise` uses,
:math:`m(a + e_k) = \sum_{c \le a}\binom{a}{c}\,\kappa(c + e_k)\,m(a - c)`, and the minibatch mean's come from
:func:`~sgdfp.derive.minibatch_cumulant_tensor` (with or without replacement, derived there), read off at
the index :math:`(0^{i}, 1^{j})` of the tensor over :math:`(h, g)`. Everything is exact: floats are taken as the
rationals they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product
from math import comb, prod

import sympy as sp

from sgdfp.derive.inputs import as_expr, refuse_text
from sgdfp.derive.minibatch import Sampling, minibatch_cumulant_tensor

__all__ = ["sample_cumulants", "minibatch_mode_cumulants"]


def _data(values, name: str) -> list[sp.Expr]:
    refuse_text(values, name)
    try:
        items = list(values)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of numbers; got {type(values).__name__}") from None
    out = []
    for value in items:
        value = as_expr(value, f"an entry of {name}")
        if not value.is_number or value.is_real is not True or not value.is_finite:
            raise ValueError(f"{name} must hold finite real numbers; got {value}")
        out.append(sp.Rational(value) if value.is_Float else value)
    return out


def _pairs(curvatures: Sequence, gradients: Sequence) -> tuple[list[sp.Expr], list[sp.Expr]]:
    h, g = _data(curvatures, "curvatures"), _data(gradients, "gradients")
    if not h or len(h) != len(g):
        raise ValueError(f"curvatures and gradients must be per-sample data of one length >= 1; got {len(h)} and "
                         f"{len(g)}")
    return h, g


def sample_cumulants(curvatures: Sequence, gradients: Sequence, order: int = 4) -> dict[tuple[int, int], sp.Expr]:
    r"""The joint cumulants :math:`\kappa_{i,j}`, :math:`1 \le i + j \le` ``order``, of the per-sample law of
    :math:`(h, g)` (weight :math:`1/N` per sample; :math:`\kappa_{2,0}` is the :math:`1/N` variance).

    Raises:
        TypeError: text or non-numbers.
        ValueError: data of different lengths or none, an order below 1.
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"the cumulant order must be a positive integer; got {order!r}")
    h, g = _pairs(curvatures, gradients)
    n = len(h)
    moments = {(i, j): sum((a**i * b**j for a, b in zip(h, g)), sp.Integer(0)) / n
               for i in range(order + 1) for j in range(order + 1 - i)}
    cumulants: dict[tuple[int, int], sp.Expr] = {}
    for total in range(1, order + 1):
        for i in range(total, -1, -1):
            j = total - i
            k = 0 if i else 1  # split off one factor of h (or of g when there is none)
            rest = (i - 1, j) if k == 0 else (i, j - 1)
            unit = (1, 0) if k == 0 else (0, 1)
            value = moments[(i, j)]
            for c in product(range(rest[0] + 1), range(rest[1] + 1)):
                if c != rest:
                    key = (c[0] + unit[0], c[1] + unit[1])
                    value -= prod(comb(a, e) for a, e in zip(rest, c)) * cumulants[key] * moments[(rest[0] - c[0],
                                                                                                   rest[1] - c[1])]
            cumulants[(i, j)] = value
    return cumulants


def minibatch_mode_cumulants(curvatures: Sequence, gradients: Sequence, batch_size: int, sampling: Sampling = "with",
                             order: int = 4) -> dict[tuple[int, int], sp.Expr]:
    r"""The joint cumulants :math:`\kappa_{i,j}` of the minibatch means :math:`(h_B, g_B)`, :math:`1 \le i + j \le`
    ``order``, from per-sample data, exact.

    ``(1, 0)`` is :math:`\lambda`, ``(2, 0)`` :math:`\Gamma`, ``(0, 1)`` :math:`\bar g`, ``(0, 2)`` :math:`D`,
    ``(1, 1)`` :math:`\rho`; the rest are what :class:`~sgdfp.derive.Mode` takes as ``cumulants``
    (:meth:`~sgdfp.derive.Mode.from_samples` does both).

    Args:
        curvatures, gradients: the per-sample :math:`h_a` and :math:`g_a` of the mode, one each per sample.
        batch_size: :math:`b`; sampling: ``"with"`` or ``"without"`` replacement (a fresh draw each step).
        order: the highest total order.

    Raises:
        TypeError: text or non-numbers.
        ValueError: as :func:`sample_cumulants` and :func:`~sgdfp.derive.minibatch_cumulant`.
    """
    population = sample_cumulants(curvatures, gradients, order)
    n = len(_data(curvatures, "curvatures"))
    out = {(1, 0): population[(1, 0)], (0, 1): population[(0, 1)]}
    for k in range(2, order + 1):
        tensors = {}
        for rank in range(2, k + 1):
            values = [population[(idx.count(0), idx.count(1))] for idx in product((0, 1), repeat=rank)]
            tensors[rank] = sp.ImmutableDenseNDimArray(values, (2,) * rank)
        tensor = minibatch_cumulant_tensor(tensors, k, sampling, batch_size, n)
        for i in range(k + 1):
            out[(i, k - i)] = tensor[(0,) * i + (1,) * (k - i)]
    return out
