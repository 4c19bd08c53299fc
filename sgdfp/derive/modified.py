r"""Stochastic modified equations, derived by matching one-step moments.

The modified equation of weak order :math:`p` is the SDE
:math:`d\theta = b(\theta)\,dt + \sqrt{a(\theta)}\,dW` whose law after time :math:`h = \eta` (one step,
:math:`t = \eta k`) matches the discrete update's first and second one-step moments up to and including
:math:`\eta^{p}`. The SDE's one-step moments come from its backward generator
:math:`\mathcal A f = b\cdot\nabla f + \tfrac12 a : \nabla\nabla f` as
:math:`\mathbb{E}[(\theta_h - \theta)^\alpha] = \sum_{m\ge1} \frac{h^m}{m!}\mathcal A^m[(y-\theta)^\alpha]_{y=\theta}`,
and :math:`b = \sum_j \eta^j b_j`, :math:`a = \sum_j \eta^j a_j` are solved for order by order (at
:math:`\eta^{j+1}` the unknown :math:`b_j`, :math:`a_j` enter linearly, everything else is known).

The diffusion is kept to its leading order :math:`\eta a_1` at both weak orders, as in
Li, Tai & E (2017): its next correction changes the one-step moments only at :math:`\eta^3`.
For SGD the result is :math:`b = -\nabla(L + \tfrac{\eta}{4}|\nabla L|^2)` (order 2),
:math:`b = -\nabla L` (order 1), and :math:`a = \eta\Sigma`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import factorial

import sympy as sp

from sgdfp.derive.inputs import refuse_text
from sgdfp.derive.jets import JetRing, NotDifferentialPolynomial, Poly, add_into, nonzero
from sgdfp.derive.noise import _entries, _symbols, check_covariance
from sgdfp.derive.operators import KramersMoyalSeries, coefficient_in
from sgdfp.derive.printing import align
from sgdfp.derive.update import DiscreteUpdate, jump_moment, require_small_increment

__all__ = ["ModifiedEquation", "modified_equation"]


@dataclass(frozen=True)
class ModifiedEquation:
    r"""The SDE :math:`d\theta = b\,dt + \sqrt{a}\,dW` with time :math:`t = \eta k`.

    Attributes:
        state: the state variables.
        lr: the learning-rate symbol (also the time per step).
        order: the weak order, 1 or 2.
        drift: :math:`b`, a ``d x 1`` matrix.
        diffusion: :math:`a` (the covariance rate), a symmetric ``d x d`` matrix.
    """

    state: tuple[sp.Symbol, ...]
    lr: sp.Symbol
    order: int
    drift: sp.ImmutableMatrix
    diffusion: sp.ImmutableMatrix

    def __post_init__(self):
        state = _symbols(self.state, "state")
        d = len(state)
        refuse_text(self.lr, "lr")
        if not isinstance(self.lr, sp.Symbol):
            raise TypeError(f"lr must be a SymPy Symbol; got {self.lr!r}")
        refuse_text(self.order, "order")
        if self.order not in (1, 2) or isinstance(self.order, bool):
            raise ValueError(f"the weak order must be 1 or 2; got {self.order!r}")
        drift = self.drift if isinstance(self.drift, sp.MatrixBase) else sp.ImmutableMatrix(_entries(self.drift, "drift"))
        if drift.shape != (d, 1):
            raise ValueError(f"drift must be a {d}x1 matrix; got shape {drift.shape[0]}x{drift.shape[1]}")
        object.__setattr__(self, "state", state)  # a frozen dataclass, normalised once
        object.__setattr__(self, "drift", sp.ImmutableMatrix(drift))
        object.__setattr__(self, "diffusion", check_covariance(self.diffusion, d, "diffusion"))

    def generator(self, density: sp.Expr) -> KramersMoyalSeries:
        r"""The Fokker--Planck operator :math:`\partial_t P = -\partial_i[b_i P] + \tfrac12\partial_i\partial_j[a_{ij} P]`."""
        d = len(self.state)
        coefficients = {}
        for i in range(d):
            coefficients[_unit(d, i)] = self.drift[i]
            for j in range(i, d):
                coefficients[tuple(a + b for a, b in zip(_unit(d, i), _unit(d, j)))] = self.diffusion[i, j]
        return KramersMoyalSeries(self.state, coefficients, density, lhs=r"\partial_t P")

    def latex(self) -> str:
        """Drift and diffusion as an ``align*`` block."""
        rows = [(rf"b_{{{i + 1}}}", self.drift[i]) for i in range(len(self.state))]
        rows += [(rf"a_{{{i + 1}{j + 1}}}", self.diffusion[i, j])
                 for i in range(len(self.state)) for j in range(i, len(self.state))]
        return align(rows)

    def _repr_latex_(self) -> str:
        return "$\\displaystyle " + self.latex().replace("align*", "aligned") + "$"


def _unit(d: int, i: int) -> tuple[int, ...]:
    return tuple(1 if k == i else 0 for k in range(d))


def _sde_step_moments(state, drift, diffusion, lr, steps):
    """One-step mean and second moment of the SDE over time ``lr``, from ``steps`` powers of its generator."""
    d = len(state)
    y = sp.symbols(f"y_0:{d}", cls=sp.Dummy)
    to_y = dict(zip(state, y))
    b = [v.subs(to_y) for v in drift]  # SymPy expressions made by _match_sympy
    a = [[diffusion[i][j].subs(to_y) for j in range(d)] for i in range(d)]

    def generate(f):
        out = sum(b[i] * sp.diff(f, y[i]) for i in range(d))
        out += sp.Rational(1, 2) * sum(a[i][j] * sp.diff(f, y[i], y[j]) for i in range(d) for j in range(d))
        return sp.expand(out)

    def moment(f):
        total, power = sp.Integer(0), f
        for m in range(1, steps + 1):
            power = generate(power)
            total += lr**m / sp.factorial(m) * power
        return sp.expand(total.subs(dict(zip(y, state))))

    first = [moment(y[i] - state[i]) for i in range(d)]
    second = [[moment((y[i] - state[i]) * (y[j] - state[j])) if j >= i else None for j in range(d)]
              for i in range(d)]
    return first, second


def _sde_step_moments_jets(ring: JetRing, u, drift, diffusion, lr, steps):
    """:func:`_sde_step_moments` on differential polynomials: ``u = y - theta`` are the ring's shifts, the
    coefficients are functions of ``y`` written in ``theta``, and ``u = 0`` at the end is ``y = theta``."""
    d = len(u)
    shift = {ring.generator(v) for v in u}
    lr_poly = ring.poly(lr)

    def generate(f: Poly) -> Poly:
        out: Poly = {}
        for i in range(d):
            df = ring.diff(f, i)
            add_into(out, ring.multiply(drift[i], df))
            for j in range(d):
                add_into(out, ring.multiply(diffusion[i][j], ring.diff(df, j)), Fraction(1, 2))
        return nonzero(out)

    def moment(f: Poly) -> Poly:
        total: Poly = {}
        power: Poly = f
        scale: Poly = {(): 1}
        for m in range(1, steps + 1):
            power = generate(power)
            scale = ring.multiply(scale, lr_poly)
            add_into(total, ring.multiply(scale, power), Fraction(1, factorial(m)))
        return {mono: c for mono, c in total.items() if c and not shift.intersection(mono)}

    first = [moment(ring.poly(u[i])) for i in range(d)]
    second = [[moment(ring.poly(u[i] * u[j])) if j >= i else None for j in range(d)] for i in range(d)]
    return first, second


def _match_jets(update: DiscreteUpdate, order: int):
    """Drift and diffusion of :func:`modified_equation` on differential polynomials (None where not possible)."""
    d, lr = update.dim, update.lr
    u = sp.symbols(f"u_0:{d}", cls=sp.Dummy)
    ring = JetRing(update.state, shifts=u)
    try:
        m1 = [ring.poly(jump_moment(update, 1)[i]) for i in range(d)]
        m2 = [[ring.poly(jump_moment(update, 2)[i, k]) for k in range(d)] for i in range(d)]
        drift: list[Poly] = [{} for _ in range(d)]
        diffusion: list[list[Poly]] = [[{} for _ in range(d)] for _ in range(d)]
        for j in range(max(order, 2)):
            first, second = _sde_step_moments_jets(ring, u, drift, diffusion, lr, steps=j + 1)
            lr_j = ring.poly(lr**j)
            if j < order:
                for i in range(d):
                    b_j = ring.coefficient(m1[i], lr, j + 1)
                    add_into(b_j, ring.coefficient(first[i], lr, j + 1), -1)
                    drift[i] = _plus(drift[i], ring.multiply(lr_j, nonzero(b_j)))
            for i in range(d):
                for k in range(i, d):
                    a_j = ring.coefficient(m2[i][k], lr, j + 1)
                    add_into(a_j, ring.coefficient(second[i][k], lr, j + 1), -1)
                    diffusion[i][k] = diffusion[k][i] = _plus(diffusion[i][k], ring.multiply(lr_j, nonzero(a_j)))
    except NotDifferentialPolynomial:  # e.g. sin(theta) in the loss, or lr inside a function's arguments
        return None
    return [ring.expr(p) for p in drift], [[ring.expr(p) for p in row] for row in diffusion]


def _plus(a: Poly, b: Poly) -> Poly:
    total = dict(a)
    add_into(total, b)
    return nonzero(total)


def modified_equation(update: DiscreteUpdate, order: int = 1) -> ModifiedEquation:
    r"""The stochastic modified equation of weak order 1 or 2 of a discrete update.

    Args:
        update: the discrete update; its increment must vanish at :math:`\eta = 0`.
        order: the weak order, 1 or 2.

    Returns:
        Drift and diffusion, obtained by matching one-step moments (see the module docstring); computed
        once per update and order.

    Raises:
        ValueError: ``order`` not 1 or 2, or an increment that does not vanish at :math:`\eta = 0`.
    """
    if not isinstance(update, DiscreteUpdate):
        raise TypeError(f"update must be a DiscreteUpdate; got {type(update).__name__}")
    refuse_text(order, "order")
    if order not in (1, 2) or isinstance(order, bool):
        raise ValueError(f"the weak order must be 1 or 2; got {order!r}")
    cache = update._modified_equations
    if order not in cache:
        require_small_increment(update)
        matched = _match_jets(update, order)
        drift, diffusion = matched if matched is not None else _match_sympy(update, order)
        cache[order] = ModifiedEquation(update.state, update.lr, order, sp.ImmutableMatrix(drift),
                                        sp.ImmutableMatrix(diffusion))
    return cache[order]


def _match_sympy(update: DiscreteUpdate, order: int):
    d, lr, state = update.dim, update.lr, update.state
    m1, m2 = jump_moment(update, 1), jump_moment(update, 2)
    drift = [sp.Integer(0)] * d
    diffusion = [[sp.Integer(0)] * d for _ in range(d)]
    for j in range(max(order, 2)):
        first, second = _sde_step_moments(state, drift, diffusion, lr, steps=j + 1)
        if j < order:
            for i in range(d):
                b_j = coefficient_in(m1[i], lr, j + 1) - coefficient_in(first[i], lr, j + 1)
                drift[i] = sp.expand(drift[i] + lr**j * b_j)
        for i in range(d):
            for k in range(i, d):
                a_j = coefficient_in(m2[i, k], lr, j + 1) - coefficient_in(second[i][k], lr, j + 1)
                diffusion[i][k] = diffusion[k][i] = sp.expand(diffusion[i][k] + lr**j * a_j)
    return drift, diffusion
