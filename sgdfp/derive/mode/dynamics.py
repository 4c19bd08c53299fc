r"""Dynamics strategies: how a mode's first two moments move under one model of training.

A :class:`Dynamics` turns the mode's parameters into the linear system of its centred moments
:math:`z = (1, m, m^2, V)` -- a recursion per step for discrete-time models, a generator in time
:math:`t = \eta k` for continuous-time ones -- and solves it. Three are derived here, each from the
mode map itself:

- :data:`SGD` (:class:`DiscreteSGD`): the map, through the adjoint of its Kramers--Moyal expansion
  (exact for the first two moments);
- :data:`LANGEVIN` (:class:`ModifiedEquationDynamics` of weak order 1): the Langevin SDE
  :math:`dy = -(\lambda y + \bar g)\,dt + \sqrt{\eta(\Gamma y^2 + 2\rho y + D)}\,dW` (Ornstein--Uhlenbeck
  for :math:`\Gamma = \rho = 0`);
- :data:`SME2` (weak order 2): the second-order stochastic modified equation.

Every dynamics also gives the **growth offset** :math:`u = q - 1`, where :math:`q` is the factor by
which the second moment grows per step (:math:`q = (1 - \eta\lambda)^2 + \eta^2\Gamma` for SGD,
:math:`e^{\eta B_{22}}` for an SDE with generator :math:`B`), in a form that does not cancel: the
regime rule (:mod:`sgdfp.derive.mode.regime`) reads it. A new dynamics of the 1-D mode subclasses
:class:`Dynamics` and is registered in :data:`DYNAMICS`. Momentum and weight decay need the 2-D state
:math:`(y, v)` and live beside it, in :mod:`sgdfp.derive.mode.momentum` (same questions, same rule).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cache

import mpmath
import sympy as sp
from sympy.codegen.cfunctions import expm1

from sgdfp.derive.fokker_planck import kramers_moyal
from sgdfp.derive.inputs import as_expr, as_integer, as_matrix
from sgdfp.derive.mode.parameters import y
from sgdfp.derive.mode.update import mode_update, moment_matrix
from sgdfp.derive.modified import modified_equation
from sgdfp.derive.powers import triangular_exp, triangular_power
from sgdfp.derive.symbols import eta

__all__ = ["Dynamics", "DiscreteSGD", "ModifiedEquationDynamics", "SGD", "LANGEVIN", "SME2", "DYNAMICS",
           "get_dynamics"]

PRECISION = 50  # decimal digits of the numeric propagators (exact rational inputs)


def _centred(A: sp.Matrix, continuous: bool) -> sp.ImmutableMatrix:
    """The system for z = (1, m, m^2, V) from the raw one for (1, m, E[y^2]).

    Tracking the variance V = E[y^2] - m^2 itself avoids subtracting two large numbers when the mean
    is large; with Gamma = rho = 0 it decouples from the mean entirely. Entries are expanded and
    factored symbolically, so that e.g. eta^2 Gamma = q - a^2 carries no cancellation into numbers."""
    if continuous:  # d/dt m^2 = 2 m dm/dt;  dV/dt = dE[y^2]/dt - 2 m dm/dt
        rows = [[0, 0, 0, 0], [A[1, 0], A[1, 1], 0, 0], [0, 2 * A[1, 0], 2 * A[1, 1], 0],
                [A[2, 0], A[2, 1] - 2 * A[1, 0], A[2, 2] - 2 * A[1, 1], A[2, 2]]]
    else:  # m'^2 = (A10 + A11 m)^2;  V' = E[y'^2] - m'^2
        rows = [[1, 0, 0, 0], [A[1, 0], A[1, 1], 0, 0], [A[1, 0] ** 2, 2 * A[1, 0] * A[1, 1], A[1, 1] ** 2, 0],
                [A[2, 0] - A[1, 0] ** 2, A[2, 1] - 2 * A[1, 0] * A[1, 1], A[2, 2] - A[1, 1] ** 2, A[2, 2]]]
    return sp.ImmutableMatrix(rows).applyfunc(lambda e: sp.factor(sp.expand(e)))


def _system(matrix, k, lr, numeric: bool = False) -> tuple[sp.ImmutableMatrix, sp.Expr | int, sp.Expr]:
    """The arguments of a propagator checked: a SymPy matrix, a step (a non-negative integer when numeric), a rate.

    Text is refused in each (a TypeError), never parsed."""
    step = as_integer(k, "the step k", minimum=0) if numeric else as_expr(k, "the step k")
    return as_matrix(matrix, "matrix"), step, as_expr(lr, "lr")


def _mp(value: sp.Expr) -> mpmath.mpf:
    """A SymPy number as an mpmath number at the working precision (rationals exactly rounded once)."""
    value = sp.nsimplify(value) if isinstance(value, sp.Float) else value
    if value.is_Rational:
        return mpmath.mpf(int(value.p)) / mpmath.mpf(int(value.q))
    return mpmath.mpf(sp.Float(value, PRECISION + 10))


class Dynamics(ABC):
    """A model of how a mode evolves: the moment system, its solution, its stationary law and growth.

    Subclasses give the raw moment system (:meth:`raw_matrix`) with the generic parameter symbols of
    :mod:`sgdfp.derive.mode.parameters`; everything else follows. Instances are stateless; use the
    module constants :data:`SGD`, :data:`LANGEVIN`, :data:`SME2`.
    """

    #: Short name (the key in :data:`DYNAMICS` and in result files).
    name: str = ""
    #: Name for prose and table headers.
    label: str = ""
    #: Superscript marking this dynamics' quantities in LaTeX (empty for SGD itself).
    tag: str = ""
    #: True for a continuous-time model (a generator, solved at t = eta k).
    continuous: bool = False

    @abstractmethod
    def raw_matrix(self) -> sp.ImmutableMatrix:
        """The linear system of (1, E y, E y^2): the recursion matrix per step, or the generator per unit time."""

    def centred_matrix(self) -> sp.ImmutableMatrix:
        """The same system for (1, m, m^2, V) (cached)."""
        return _centred_cached(self)

    @abstractmethod
    def growth_offset(self) -> sp.Expr:
        r""":math:`u = q - 1`, the second moment's growth per step beyond 1, in a form that does not cancel."""

    @abstractmethod
    def growth_rate(self) -> sp.Expr:
        """A polynomial in the parameters with the sign of :meth:`growth_offset` (its zero is the stability edge)."""

    def contraction(self) -> sp.Expr:
        r""":math:`q`, the factor by which the second moment grows per step."""
        return 1 + self.growth_offset()

    @abstractmethod
    def propagator(self, matrix: sp.Matrix, k: sp.Expr, lr: sp.Expr) -> sp.Matrix:
        """``z_k = P z_0`` for a centred system with symbolic entries (or step), in divided-difference form."""

    @abstractmethod
    def numeric_propagator(self, matrix: sp.Matrix, k: int, lr: sp.Expr) -> sp.Matrix:
        """``P`` for a system with numeric entries, at :data:`PRECISION` digits."""

    @abstractmethod
    def stationary_condition(self, raw: sp.Matrix, offset: sp.Expr) -> sp.Basic:
        """When a stationary law exists, given the raw system and the growth offset with a mode's values."""

    def fixed_point(self, raw: sp.Matrix) -> tuple[sp.Expr, sp.Expr]:
        """(mean, variance) at the fixed point of the raw system (``nan`` where it is singular)."""
        raw = as_matrix(raw, "raw")
        linear = raw[1:, 1:] if self.continuous else raw[1:, 1:] - sp.eye(2)
        if linear.det() == 0:
            return sp.nan, sp.nan
        m1, m2 = linear.LUsolve(-raw[1:, 0])
        return m1, m2 - m1**2

    def __repr__(self) -> str:
        return f"{type(self).__name__}()" if not isinstance(self, ModifiedEquationDynamics) else \
            f"ModifiedEquationDynamics(order={self.order})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self.__dict__.items()))))


@cache
def _centred_cached(dynamics: Dynamics) -> sp.ImmutableMatrix:
    return _centred(dynamics.raw_matrix(), dynamics.continuous)


class DiscreteSGD(Dynamics):
    r"""The SGD map itself: :math:`m_{k+1} = A\,m_k`, with :math:`A = I + ` the adjoint of the Kramers--Moyal
    expansion on :math:`(1, y, y^2)` (exact: the expansion to order 2 is exact for quadratics)."""

    name, label, tag, continuous = "sgd", "discrete SGD", "", False

    def raw_matrix(self) -> sp.ImmutableMatrix:
        return raw_discrete_matrix(2)

    def growth_offset(self) -> sp.Expr:
        return sp.factor(sp.expand(self.raw_matrix()[2, 2] - 1))

    def growth_rate(self) -> sp.Expr:
        return self.growth_offset()

    def contraction(self) -> sp.Expr:
        return sp.factor(self.raw_matrix()[2, 2])

    def propagator(self, matrix, k, lr):
        matrix, k, lr = _system(matrix, k, lr)
        return triangular_power(matrix, k)

    def numeric_propagator(self, matrix, k, lr):
        matrix, k, lr = _system(matrix, k, lr, numeric=True)
        with mpmath.workdps(PRECISION):
            P = mpmath.matrix([[_mp(x) for x in row] for row in matrix.tolist()]) ** int(k)
            return sp.Matrix(4, 4, [sp.Float(P[i, j], PRECISION) for i in range(4) for j in range(4)])

    def stationary_condition(self, raw, offset):
        as_matrix(raw, "raw")
        return sp.sympify(as_expr(offset, "offset") < 0)  # q < 1; then |1 - eta lambda| < 1 too, so the mean settles


class ModifiedEquationDynamics(Dynamics):
    r"""The stochastic modified equation of weak order ``order`` of the mode map, in time :math:`t = \eta k`:
    :math:`\dot m = B m` with :math:`B` from its generator, solved as :math:`e^{Bt}m_0`."""

    continuous = True

    def __init__(self, order: int):
        if order not in (1, 2) or isinstance(order, bool):
            raise ValueError(f"the weak order must be 1 or 2; got {order!r}")
        self.order = order
        self.name = "langevin" if order == 1 else "sme2"
        self.label = "Langevin" if order == 1 else "SME-2"
        self.tag = r"\mathrm{Langevin}" if order == 1 else r"\mathrm{SME2}"

    def raw_matrix(self) -> sp.ImmutableMatrix:
        return generator_matrix(self.order)

    def growth_rate(self) -> sp.Expr:
        return sp.factor(eta * self.raw_matrix()[2, 2])  # log q per step

    def growth_offset(self) -> sp.Expr:
        return expm1(self.growth_rate())

    def contraction(self) -> sp.Expr:
        return sp.exp(self.growth_rate())

    def propagator(self, matrix, k, lr):
        matrix, k, lr = _system(matrix, k, lr)
        return triangular_exp(matrix, lr * k)

    def numeric_propagator(self, matrix, k, lr):
        matrix, k, lr = _system(matrix, k, lr, numeric=True)
        with mpmath.workdps(PRECISION):
            t = _mp(lr) * int(k)
            P = mpmath.expm(mpmath.matrix([[_mp(x) * t for x in row] for row in matrix.tolist()]))
            return sp.Matrix(4, 4, [sp.Float(P[i, j], PRECISION) for i in range(4) for j in range(4)])

    def stationary_condition(self, raw, offset):
        raw = as_matrix(raw, "raw")
        as_expr(offset, "offset")
        return sp.And(raw[1, 1] < 0, raw[2, 2] < 0)  # both moment decay rates negative


@cache
def raw_discrete_matrix(n: int, higher: tuple[tuple[int, int], ...] = ()) -> sp.ImmutableMatrix:
    r"""The exact recursion of :math:`(1, \mathbb{E}y, \dots, \mathbb{E}y^n)` under the mode map (generic parameters).

    ``higher`` lists the joint cumulant orders :math:`(i, j)` of :math:`(h, g)` beyond the covariance that the
    noise carries as symbols (:func:`~sgdfp.derive.mode.update.cumulant_symbol`); the others are zero (Gaussian).
    The adjoint of the Kramers--Moyal expansion to order ``n`` is exact on :math:`y^n`, so this is
    :math:`\mathbb{E}[y'^n] = \sum_j \binom{n}{j}\mathbb{E}[(1 - \eta h)^j(-\eta g)^{n-j}]\,\mathbb{E}[y^j]`,
    derived rather than typed in.
    """
    series = kramers_moyal(mode_update(higher), sp.Function("P")(y), n)
    return sp.ImmutableMatrix(sp.eye(n + 1) + moment_matrix(series, n))


@cache
def generator_matrix(order: int) -> sp.ImmutableMatrix:
    r"""The generator of :math:`(1, \mathbb{E}y, \mathbb{E}y^2)` under the modified equation of weak order ``order``."""
    generator = modified_equation(mode_update(), order).generator(sp.Function("P")(y))
    return sp.ImmutableMatrix(moment_matrix(generator, 2))


SGD = DiscreteSGD()
LANGEVIN = ModifiedEquationDynamics(1)
SME2 = ModifiedEquationDynamics(2)
#: Every dynamics by name.
DYNAMICS: dict[str, Dynamics] = {d.name: d for d in (SGD, LANGEVIN, SME2)}


def get_dynamics(dynamics: Dynamics | str | None) -> Dynamics:
    """A :class:`Dynamics` from itself, its name (``"sgd"``, ``"langevin"``, ``"sme2"``) or ``None`` (SGD)."""
    if dynamics is None:
        return SGD
    if isinstance(dynamics, Dynamics):
        return dynamics
    if isinstance(dynamics, str) and dynamics in DYNAMICS:
        return DYNAMICS[dynamics]
    raise ValueError(f"dynamics must be a sgdfp.derive.Dynamics or one of {', '.join(map(repr, DYNAMICS))}; "
                     f"got {dynamics!r}")

