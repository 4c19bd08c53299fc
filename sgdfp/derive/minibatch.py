r"""Minibatch noise: per-step cumulants of the minibatch gradient from per-sample cumulants.

The minibatch gradient is the mean of the per-sample gradients over a batch of size :math:`b`
drawn from the :math:`N` samples, either with replacement (i.i.d. draws) or as a fresh draw without
replacement each step. Its cumulants are derived here, not looked up:

1. Expand :math:`T^n`, :math:`T = \sum_{s=1}^b x_{a(s)}`, and group the :math:`n` factors by the set
   partition :math:`\pi` of equal batch positions; :math:`[b]_{|\pi|}` position assignments give each.
2. With replacement the :math:`|\pi|` distinct positions hold independent samples:
   :math:`\mathbb{E} = \prod_{B\in\pi} p_{|B|}`, :math:`p_k = \frac1N\sum_a x_a^k`. Without replacement
   they hold a uniformly random tuple of *distinct* samples: :math:`\frac{1}{[N]_m}` times the sum
   over distinct indices, which Möbius inversion on set partitions writes in power sums.
3. Moments of the mean :math:`T/b` go to cumulants; population moments (about the mean, since
   cumulants of order :math:`\ge 2` do not see it) to population cumulants :math:`\kappa_k`.

With replacement this gives :math:`\kappa_n/b^{n-1}`; without replacement
:math:`\kappa_2\frac{N-b}{b(N-1)}`, :math:`\kappa_3\frac{(N-b)(N-2b)}{b^2(N-1)(N-2)}`, and from
order 4 on products of lower cumulants as well. Population cumulants use the :math:`1/N`
normalisation (the per-sample gradient covariance :math:`\Sigma_1 = \frac1N\sum_a (g_a - \bar g)(g_a - \bar g)^\top`).
Tensor (joint) cumulants follow by symmetrising each product of cumulants over the set partitions
of the index positions with its block sizes.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from functools import cache
from itertools import product as cartesian
from math import comb, factorial, prod
from typing import Literal

import sympy as sp
from sympy.utilities.iterables import multiset_partitions

from sgdfp.derive.inputs import as_array, as_expr, as_integer, as_matrix

__all__ = [
    "batch_size",
    "num_samples",
    "per_sample_cumulant",
    "minibatch_cumulant",
    "minibatch_cumulant_tensor",
    "minibatch_covariance",
]

Sampling = Literal["with", "without"]

#: Batch size :math:`b` and number of samples :math:`N` as symbols.
batch_size = sp.Symbol("b", positive=True, integer=True)
num_samples = sp.Symbol("N", positive=True, integer=True)


def per_sample_cumulant(k: int) -> sp.Symbol:
    r"""The symbol :math:`\kappa_k` for the order-k cumulant of one sample's gradient (scalar case).

    Raises:
        ValueError: ``k`` is not a positive integer.
    """
    return sp.Symbol(f"kappa_{_check_order(k)}")


def _check_order(order) -> int:
    if isinstance(order, bool) or not isinstance(order, numbers.Integral) or order < 1:
        raise ValueError(f"the cumulant order must be a positive integer; got {order!r}")
    return int(order)


def _check_sampling(sampling) -> None:
    if not isinstance(sampling, str) or sampling not in ("with", "without"):
        raise ValueError(f"sampling must be 'with' or 'without' (replacement); got {sampling!r}")


def _set_partitions(n: int):
    return multiset_partitions(list(range(n))) if n else [[]]


def _falling(x, m: int):
    return prod((x - i for i in range(m)), start=sp.Integer(1))


@cache
def _distinct_sum(powers: tuple[int, ...]):
    r""":math:`\sum_{a_1,\dots,a_m \text{ distinct}} \prod_i x_{a_i}^{k_i}` in power sums :math:`S_k` (Möbius inversion)."""
    S = sp.IndexedBase("S")
    total = sp.Integer(0)
    for sigma in _set_partitions(len(powers)):
        mu = prod((-1) ** (len(c) - 1) * factorial(len(c) - 1) for c in sigma)
        total += mu * prod((S[sum(powers[i] for i in c)] for c in sigma), start=sp.Integer(1))
    return total


@cache
def _scalar_cumulant(order: int, sampling: Sampling) -> sp.Expr:
    b, N = batch_size, num_samples
    p = sp.IndexedBase("p")  # population moments about the mean: p[1] = 0
    S = sp.IndexedBase("S")  # power sums, S[k] = N p[k]
    moments = [sp.Integer(1)]
    for n in range(1, order + 1):
        total = sp.Integer(0)
        for pi in _set_partitions(n):
            m = len(pi)
            sizes = tuple(len(block) for block in pi)
            if sampling == "with":
                term = prod((p[k] for k in sizes), start=sp.Integer(1))
            else:
                term = _distinct_sum(tuple(sorted(sizes))) / _falling(N, m)
            total += _falling(b, m) * term
        total = total.subs({S[k]: N * p[k] for k in range(1, n + 1)})
        moments.append(total / b**n)
    cumulants = _moments_to_cumulants(moments)
    # population moments about the mean in terms of population cumulants
    kappa = [sp.Integer(0), sp.Integer(0)] + [per_sample_cumulant(k) for k in range(2, order + 1)]
    central = _cumulants_to_moments(kappa, order)
    value = cumulants[order].subs({p[k]: central[k] for k in range(1, order + 1)})
    return _tidy(value, order)


def _moments_to_cumulants(m: list) -> list:
    kappa = [sp.Integer(0)] * len(m)
    for n in range(1, len(m)):
        kappa[n] = m[n] - sum(comb(n - 1, k - 1) * kappa[k] * m[n - k] for k in range(1, n))
    return kappa


def _cumulants_to_moments(kappa: list, order: int) -> list:
    m = [sp.Integer(1)] + [sp.Integer(0)] * order
    for n in range(1, order + 1):
        m[n] = sp.expand(sum(comb(n - 1, k - 1) * kappa[k] * m[n - k] for k in range(1, n + 1)))
    return m


def _tidy(value: sp.Expr, order: int) -> sp.Expr:
    """Collect by products of cumulants, each coefficient factored (rational in b and N)."""
    kappas = [per_sample_cumulant(k) for k in range(2, order + 1)]
    numerator, denominator = sp.together(sp.expand(value)).as_numer_denom()
    poly = sp.Poly(sp.expand(numerator), *kappas)
    return sp.Add(*[sp.factor(c / denominator) * sp.Mul(*[k**e for k, e in zip(kappas, exps)])
                    for exps, c in poly.terms()])


def minibatch_cumulant(order: int, sampling: Sampling = "with", batch_size: sp.Expr | int | None = None,
                       num_samples: sp.Expr | int | None = None) -> sp.Expr:
    r"""Order-n cumulant of the minibatch mean gradient (one coordinate), in per-sample cumulants.

    Args:
        order: :math:`n \ge 1` (any order, both sampling rules).
        sampling: ``"with"`` replacement (i.i.d. draws) or ``"without"`` (a fresh draw each step).
        batch_size: :math:`b`, a number or expression; the symbol ``b`` when omitted.
        num_samples: :math:`N`; the symbol ``N`` when omitted (not used with replacement).

    Returns:
        An expression in :math:`\kappa_1, \dots, \kappa_n` (:func:`per_sample_cumulant`), e.g.
        ``kappa_2*(N - b)/(b*(N - 1))`` for ``order=2, sampling="without"``.

    Raises:
        ValueError: bad order or sampling, or numbers with :math:`b > N` without replacement.
    """
    order = _check_order(order)
    _check_sampling(sampling)
    if order == 1:
        value = per_sample_cumulant(1)
    else:
        value = _scalar_cumulant(order, sampling)
    return _substitute(value, sampling, batch_size, num_samples)


def _substitute(value, sampling, b, n):
    subs = {}
    if b is not None:
        b = as_expr(b, "batch_size")
        if b.is_number and not (b.is_integer and b >= 1):
            raise ValueError(f"batch_size must be a positive integer; got {b}")
        subs[batch_size] = b
    if n is not None:
        n = as_expr(n, "num_samples")
        if n.is_number and not (n.is_integer and n >= 1):
            raise ValueError(f"num_samples must be a positive integer; got {n}")
        subs[num_samples] = n
    if sampling == "without" and b is not None and n is not None and b.is_number and n.is_number and b > n:
        raise ValueError(f"without replacement the batch size ({b}) cannot exceed the number of samples ({n})")
    out = value.subs(subs)
    if out.has(sp.zoo, sp.nan) and num_samples in subs:
        # Fewer samples than the order: the closed form is 0/0 there, a removable singularity in N.
        out = sp.limit(value.subs(batch_size, subs.get(batch_size, batch_size)), num_samples, subs[num_samples])
    if out.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ValueError(f"the closed form is singular at batch_size={b}, num_samples={n}")
    return sp.factor_terms(out)


def minibatch_cumulant_tensor(per_sample: Mapping[int, sp.Array], order: int, sampling: Sampling = "with",
                              batch_size: sp.Expr | int | None = None,
                              num_samples: sp.Expr | int | None = None) -> sp.ImmutableDenseNDimArray:
    r"""Joint order-n cumulant tensor of the minibatch mean gradient.

    Args:
        per_sample: ``{k: tensor}``, the per-sample joint cumulant tensors of rank ``k`` for every
            ``k`` the result needs (``2..order``; with replacement only ``order``): SymPy arrays or
            matrices, or nested lists of numbers and expressions.
        order: :math:`n \ge 2`.
        sampling, batch_size, num_samples: as in :func:`minibatch_cumulant`.

    Returns:
        A symmetric array of rank ``order``; each product :math:`\prod_j\kappa_{k_j}` of the scalar
        formula becomes the sum over set partitions of the index positions into blocks of sizes
        :math:`k_j`, divided by their number. Where the cumulant vanishes identically (a full batch
        without replacement, or :math:`N = 2b` at order 3) it is the array of zeros.

    Raises:
        TypeError: ``per_sample`` is not a mapping of integer ranks to tensors, or holds text.
        ValueError: bad order, sampling or sizes (as in :func:`minibatch_cumulant`), tensors that are
            not square of their rank over one dimension, or a rank the result needs is missing.
    """
    order = _check_order(order)
    if order < 2:
        raise ValueError("tensor cumulants start at order 2 (the order-1 cumulant is the mean gradient)")
    if not isinstance(per_sample, Mapping):
        raise TypeError(f"per_sample must map ranks k to per-sample cumulant tensors; got {type(per_sample).__name__}")
    tensors = {as_integer(k, "a rank of per_sample", minimum=2): as_array(v, f"the per-sample tensor of rank {k}")
               for k, v in per_sample.items()}
    if not tensors:
        raise ValueError("per_sample must hold at least one per-sample cumulant tensor (it sets the dimension)")
    dims = {t.shape[0] if t.rank() else 0 for t in tensors.values()}
    if len(dims) != 1 or any(t.shape != (t.shape[0],) * k for k, t in tensors.items()):
        raise ValueError("per-sample cumulants must be square tensors of rank k over one dimension")
    d = dims.pop()
    scalar = minibatch_cumulant(order, sampling, batch_size, num_samples)
    if scalar == 0:  # e.g. a full batch without replacement: the minibatch mean does not fluctuate
        return sp.ImmutableDenseNDimArray([sp.Integer(0)] * d**order, (d,) * order)
    kappas = [per_sample_cumulant(k) for k in range(2, order + 1)]
    terms = sp.Poly(scalar, *kappas).terms()
    by_type: dict[tuple[int, ...], list] = {}
    for pi in _set_partitions(order):
        by_type.setdefault(tuple(sorted(len(block) for block in pi)), []).append(pi)
    for exps, _ in terms:
        for k, e in zip(range(2, order + 1), exps):
            if e and k not in tensors:
                raise ValueError(f"the order-{order} cumulant needs the per-sample cumulant tensor of rank {k}")
    values = []
    for idx in cartesian(range(d), repeat=order):
        total = sp.Integer(0)
        for exps, coeff in terms:
            kind = tuple(sorted(k for k, e in zip(range(2, order + 1), exps) for _ in range(e)))
            partitions = by_type[kind]
            joint = sum(prod((tensors[len(block)][tuple(idx[i] for i in block)] for block in pi), start=sp.Integer(1))
                        for pi in partitions)
            total += coeff / len(partitions) * joint
        values.append(sp.factor_terms(sp.expand(total)))
    return sp.ImmutableDenseNDimArray(values, (d,) * order)


def minibatch_covariance(per_sample_cov, sampling: Sampling = "with", batch_size: sp.Expr | int | None = None,
                         num_samples: sp.Expr | int | None = None) -> sp.ImmutableMatrix:
    r"""Per-step covariance :math:`\Sigma` of the minibatch gradient from the per-sample :math:`\Sigma_1`.

    :math:`\Sigma_1/b` with replacement, :math:`\Sigma_1\frac{N-b}{b(N-1)}` without (derived).

    Args:
        per_sample_cov: :math:`\Sigma_1`, a square SymPy matrix or list of rows of numbers and expressions.
        sampling, batch_size, num_samples: as in :func:`minibatch_cumulant`.

    Raises:
        TypeError: text anywhere in the arguments.
        ValueError: a matrix that is not square; bad sampling or sizes.
    """
    matrix = as_matrix(per_sample_cov, "per_sample_cov")
    if not matrix.is_square:
        raise ValueError(f"per_sample_cov must be a square matrix; got shape {matrix.shape}")
    factor = minibatch_cumulant(2, sampling, batch_size, num_samples) / per_sample_cumulant(2)
    return (sp.simplify(factor) * matrix).as_immutable()
