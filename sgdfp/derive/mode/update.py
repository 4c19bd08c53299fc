r"""The mode map :math:`y \mapsto y - \eta(hy + g)` and the moment recursions the engine derives from it.

The adjoint of the map's Kramers--Moyal expansion acts on :math:`y^j`; since the map is linear in
:math:`y`, the image is a polynomial of degree :math:`\le j` and the moments
:math:`m = (1, \mathbb{E}y, \dots, \mathbb{E}y^n)` obey an exact, lower-triangular linear recursion.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from sgdfp.derive.inputs import as_integer
from sgdfp.derive.mode.parameters import D, Gamma, gbar, lam, rho, y
from sgdfp.derive.noise import Noise
from sgdfp.derive.operators import KramersMoyalSeries
from sgdfp.derive.printing import align, latex
from sgdfp.derive.symbols import eta
from sgdfp.derive.update import DiscreteUpdate

__all__ = ["mode_update", "moment_matrix", "MomentRecursion", "curvature_sample", "gradient_sample",
           "cumulant_symbol", "check_cumulant_orders"]

#: The random curvature :math:`h` and gradient :math:`g` a minibatch draws for one mode.
curvature_sample, gradient_sample = sp.symbols("h g", real=True)


def cumulant_symbol(i: int, j: int) -> sp.Symbol:
    r"""The symbol :math:`\kappa_{i,j}` of the joint cumulant of order :math:`(i, j)` of :math:`(h, g)`
    (:math:`\kappa_{3,0}` the third cumulant of the curvature, :math:`\kappa_{0,4}` the fourth of the gradient)."""
    return sp.Symbol(f"kappa_{{{i},{j}}}", real=True)


def check_cumulant_orders(orders) -> tuple[tuple[int, int], ...]:
    """Joint cumulant orders ``(i, j)`` of ``(h, g)`` beyond the covariance, sorted and checked.

    Raises:
        TypeError: an order that is not a pair of integers (text included).
        ValueError: negative entries, or a total order of 2 or less (those are the mode's six parameters).
    """
    checked = set()
    for order in orders:
        if (not isinstance(order, tuple) or len(order) != 2
                or not all(isinstance(e, int) and not isinstance(e, bool) for e in order)):
            raise TypeError(f"a joint cumulant order of (h, g) is a pair of integers (i, j); got {order!r}")
        i, j = order
        if i < 0 or j < 0:
            raise ValueError(f"a joint cumulant order (i, j) has non-negative entries; got {order!r}")
        if i + j <= 2:
            raise ValueError(f"the cumulant of order {order} (total order <= 2) is one of the mode's parameters "
                             "(curvature, curvature_noise, mean_grad, grad_noise, cross); give it there")
        checked.add((i, j))
    return tuple(sorted(checked))


@cache
def mode_update(higher: tuple[tuple[int, int], ...] = ()) -> DiscreteUpdate:
    r"""The update :math:`y \mapsto y - \eta(h y + g)` with symbolic :math:`\lambda, \Gamma, \bar g, D, \rho`.

    Args:
        higher: joint cumulant orders ``(i, j)`` of :math:`(h, g)` (total order :math:`\ge 3`) that are kept as
            the symbols :func:`cumulant_symbol`; every other cumulant beyond the covariance is zero. The
            default ``()`` is Gaussian noise beyond the covariance.

    Raises:
        TypeError, ValueError: as :func:`check_cumulant_orders`.
    """
    h, g = curvature_sample, gradient_sample
    cumulants = {h: lam, g: gbar, h**2: Gamma, h * g: rho, g**2: D}
    cumulants.update({h**i * g**j: cumulant_symbol(i, j) for i, j in check_cumulant_orders(higher)})
    noise = Noise.from_cumulants([h, g], cumulants, zero_above=2)
    return DiscreteUpdate([y], [-eta * (h * y + g)], noise, eta)


def moment_matrix(series: KramersMoyalSeries, n: int) -> sp.Matrix:
    r"""Rows :math:`j = 0..n`: the coefficients of :math:`\mathcal K^\dagger[y^j]` in powers of :math:`y`.

    For a 1-D series whose adjoint maps polynomials of degree :math:`j` to degree :math:`\le j`.

    Raises:
        TypeError: ``series`` is not a :class:`~sgdfp.derive.KramersMoyalSeries`.
        ValueError: a series in more than one variable, ``n`` below 0, or an adjoint that raises the
            degree (the moments do not close).
    """
    if not isinstance(series, KramersMoyalSeries):
        raise TypeError(f"series must be a sgdfp.derive.KramersMoyalSeries; got {type(series).__name__}")
    n = as_integer(n, "the moment order n", minimum=0)
    if len(series.state) != 1:
        raise ValueError(f"moment_matrix needs a series in one variable; got {len(series.state)}")
    (var,) = series.state
    rows = []
    for j in range(n + 1):
        image = sp.Poly(series.adjoint(var**j), var) if j else sp.Poly(0, var)
        if image.degree() > j:
            raise ValueError(f"the moment equations do not close: E[{var}^{j}] couples to E[{var}^{image.degree()}]")
        rows.append([image.coeff_monomial(var**i) for i in range(n + 1)])
    return sp.Matrix(rows)


@dataclass(frozen=True)
class MomentRecursion:
    r"""The exact recursion :math:`m_{k+1} = A\,m_k`, :math:`m = (1, \mathbb{E}y, \dots, \mathbb{E}y^n)`."""

    matrix: sp.ImmutableMatrix

    def __post_init__(self):
        if not isinstance(self.matrix, sp.MatrixBase) or not self.matrix.is_square or self.matrix.shape[0] < 2:
            raise TypeError(f"MomentRecursion.matrix is a square SymPy matrix of size >= 2 (text is never parsed); "
                            f"got {self.matrix!r}")

    @property
    def order(self) -> int:
        return self.matrix.shape[0] - 1

    def rows(self) -> list[tuple[str, sp.Expr]]:
        r"""``(lhs, rhs)`` per moment: :math:`\mathbb{E}[y^j]_{k+1}` in terms of the moments at step k."""
        n = self.order
        names = {i: sp.Symbol(f"momentk_{i}") for i in range(1, n + 1)}
        out = []
        for j in range(1, n + 1):
            rhs = sp.factor(self.matrix[j, 0]) + sum(
                (sp.factor(self.matrix[j, i]) * names[i] for i in range(1, n + 1) if self.matrix[j, i] != 0),
                sp.Integer(0))
            out.append((rf"\mathbb{{E}}[y^{{{j}}}]_{{k+1}}", rhs))
        return out

    @staticmethod
    def moment_names(order: int) -> dict[sp.Symbol, str]:
        """LaTeX names of the placeholder symbols in :meth:`rows`."""
        order = as_integer(order, "order", minimum=1)
        return {sp.Symbol(f"momentk_{i}"): rf"\mathbb{{E}}[y^{{{i}}}]_k" for i in range(1, order + 1)}

    def latex(self) -> str:
        """The recursion, one equation per moment, as an ``align*`` block."""
        names = self.moment_names(self.order)
        return align((lhs, latex(rhs, symbol_names=names)) for lhs, rhs in self.rows())
