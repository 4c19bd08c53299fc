r"""Linear differential operators on densities, in Kramers--Moyal form.

Every equation for the density that sgdfp derives has the conservative form

.. math::
    \mathcal K[P] = \sum_\alpha \frac{(-1)^{|\alpha|}}{\alpha!}\,\partial^\alpha\!\left[M_\alpha P\right],

with multi-indices :math:`\alpha` and coefficients :math:`M_\alpha(\theta)` (for the master equation,
:math:`M_\alpha` is the jump moment with index multiset :math:`\alpha`). The same operator also has a
*normal form* :math:`\sum_\beta c_\beta\, \partial^\beta P`; both are unique, which is what makes
two derivations comparable term by term and operators composable (the Langevin flow
:math:`e^{\eta\mathcal L}` needs powers of :math:`\mathcal L`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import product
from math import comb, factorial, prod

import sympy as sp

from sgdfp.derive.printing import align, latex, text

__all__ = ["KramersMoyalSeries", "truncate_in", "coefficient_in"]

MultiIndex = tuple[int, ...]


def _power_of(term: sp.Expr, var: sp.Symbol):
    """The integer k with ``term = c * var**k`` and c free of var, or None."""
    power = 0
    for factor in sp.Mul.make_args(term):
        base, exponent = factor.as_base_exp()
        if base == var and exponent.is_Integer:
            power += int(exponent)
        elif factor.has(var):
            return None
    return power


def truncate_in(expr: sp.Expr, var: sp.Symbol, order: int) -> sp.Expr:
    """``expr`` expanded in powers of ``var`` with the powers above ``order`` dropped."""
    expr = sp.expand(expr)
    kept = []
    for term in sp.Add.make_args(expr):
        power = _power_of(term, var)
        if power is None:
            return sp.expand(sp.series(expr, var, 0, order + 1).removeO())
        if power <= order:
            kept.append(term)
    return sp.Add(*kept)


def coefficient_in(expr: sp.Expr, var: sp.Symbol, power: int) -> sp.Expr:
    """The coefficient of ``var**power`` in the expansion of ``expr`` about ``var = 0``."""
    terms = sp.Add.make_args(truncate_in(expr, var, power))
    return sp.Add(*[t / var**power for t in terms if _power_of(t, var) == power])


def _factorial(alpha: MultiIndex) -> int:
    return prod(factorial(a) for a in alpha)


def _diff(expr: sp.Expr, state: Sequence[sp.Symbol], alpha: MultiIndex) -> sp.Expr:
    spec = [(x, a) for x, a in zip(state, alpha) if a]
    return sp.diff(expr, *spec) if spec else expr


def _below(alpha: MultiIndex):
    """All multi-indices beta <= alpha (componentwise)."""
    return product(*(range(a + 1) for a in alpha))


class KramersMoyalSeries:
    r"""The operator :math:`\sum_\alpha \frac{(-1)^{|\alpha|}}{\alpha!}\partial^\alpha[M_\alpha P]`.

    Attributes:
        state: the state variables :math:`\theta_i`.
        coefficients: ``{alpha: M_alpha}`` with ``alpha`` a tuple of derivative counts per state
            variable (``(1, 0)`` is :math:`\partial_{\theta_1}`, ``(1, 1)`` is
            :math:`\partial_{\theta_1}\partial_{\theta_2}`).
        density: the density the operator is shown acting on (``P(theta_1, ...)`` or a concrete one).
        lhs: LaTeX of what the operator equals, e.g. ``P_{k+1} - P_k``.

    ``expr`` is the right-hand side with unevaluated derivatives, ``doit()`` evaluates them.
    Series add, subtract, scale, compose (``a @ b``) and truncate in a symbol; ``is_zero()``
    decides identities exactly (the Kramers--Moyal form is unique).
    """

    def __init__(self, state: Sequence[sp.Symbol], coefficients: Mapping[MultiIndex, sp.Expr],
                 density: sp.Expr, lhs: str = r"P_{k+1} - P_k"):
        self.state = tuple(state)
        d = len(self.state)
        self.coefficients: dict[MultiIndex, sp.Expr] = {}
        for alpha, value in coefficients.items():
            if len(alpha) != d or any(a < 0 for a in alpha) or sum(alpha) == 0:
                raise ValueError(f"bad multi-index {alpha} for {d} state variables")
            value = sp.expand(value)
            if value != 0:
                self.coefficients[tuple(alpha)] = value
        self.density = sp.sympify(density)
        self.lhs = lhs

    # ------------------------------------------------------------------ algebra
    def _like(self, coefficients: Mapping[MultiIndex, sp.Expr], lhs: str | None = None) -> KramersMoyalSeries:
        return KramersMoyalSeries(self.state, coefficients, self.density, self.lhs if lhs is None else lhs)

    def _check_compatible(self, other: KramersMoyalSeries) -> None:
        if not isinstance(other, KramersMoyalSeries):
            raise TypeError(f"expected a KramersMoyalSeries; got {type(other).__name__}")
        if other.state != self.state:
            raise ValueError(f"operators on different states: {self.state} and {other.state}")

    def __add__(self, other: KramersMoyalSeries) -> KramersMoyalSeries:
        self._check_compatible(other)
        out = dict(self.coefficients)
        for alpha, value in other.coefficients.items():
            out[alpha] = out.get(alpha, 0) + value
        return self._like(out)

    def __neg__(self) -> KramersMoyalSeries:
        return self._like({a: -v for a, v in self.coefficients.items()})

    def __sub__(self, other: KramersMoyalSeries) -> KramersMoyalSeries:
        return self + (-other)

    def scale(self, factor: sp.Expr) -> KramersMoyalSeries:
        """The operator multiplied by a scalar expression (it may depend on the state)."""
        return self._like({a: factor * v for a, v in self.coefficients.items()})

    def __matmul__(self, other: KramersMoyalSeries) -> KramersMoyalSeries:
        """Composition: ``(a @ b)[P] = a[b[P]]``."""
        return self.compose(other)

    def compose(self, other: KramersMoyalSeries, var: sp.Symbol | None = None,
                order: int | None = None) -> KramersMoyalSeries:
        """``self[other[P]]``, truncated after ``var**order`` when both are given.

        Truncating before the conversion back to Kramers--Moyal form keeps the expressions small.
        """
        self._check_compatible(other)
        A, B = self.normal_form(), other.normal_form()
        out: dict[MultiIndex, sp.Expr] = {}
        for alpha, a in A.items():
            for beta, b in B.items():
                # a d^alpha (b d^beta P) = sum_{gamma<=alpha} C(alpha,gamma) a (d^gamma b) d^(alpha-gamma+beta) P
                for gamma in _below(alpha):
                    weight = prod(comb(x, y) for x, y in zip(alpha, gamma))
                    target = tuple(x - y + z for x, y, z in zip(alpha, gamma, beta))
                    out[target] = out.get(target, 0) + weight * a * _diff(b, self.state, gamma)
        if var is not None and order is not None:
            out = {beta: truncate_in(c, var, order) for beta, c in out.items()}
        return KramersMoyalSeries.from_normal_form(self.state, out, self.density, self.lhs)

    def truncate(self, var: sp.Symbol, order: int) -> KramersMoyalSeries:
        """Every coefficient expanded in ``var`` and cut after ``var**order``."""
        return self._like({a: truncate_in(v, var, order) for a, v in self.coefficients.items()})

    def simplify(self) -> KramersMoyalSeries:
        """Coefficients passed through :func:`sympy.simplify` (slow; for display)."""
        return self._like({a: sp.simplify(v) for a, v in self.coefficients.items()})

    def is_zero(self) -> bool:
        """True when the operator vanishes identically (coefficients expand or simplify to 0)."""
        return all(sp.expand(v) == 0 or sp.simplify(v) == 0 for v in self.coefficients.values())

    def equals(self, other: KramersMoyalSeries) -> bool:
        """True when both series are the same operator (same unique Kramers--Moyal coefficients)."""
        return (self - other).is_zero()

    @property
    def order(self) -> int:
        """The highest derivative order present (0 for the zero operator)."""
        return max((sum(a) for a in self.coefficients), default=0)

    def adjoint(self, observable: sp.Expr) -> sp.Expr:
        r"""The adjoint acting on an observable: :math:`\sum_\alpha \frac{1}{\alpha!} M_\alpha\,\partial^\alpha f`.

        Integration by parts gives :math:`\int f\,\mathcal K[P] = \int P\,\mathcal K^\dagger[f]`, so for the
        master equation :math:`\mathbb{E}_{k+1}[f] - \mathbb{E}_k[f] = \mathbb{E}_k[\mathcal K^\dagger f]`:
        the moment recursions of a linear update come from here.
        """
        observable = sp.sympify(observable)
        return sp.expand(sum((m * _diff(observable, self.state, alpha) / _factorial(alpha)
                              for alpha, m in self.coefficients.items()), sp.Integer(0)))

    # ------------------------------------------------------------------ normal form
    def normal_form(self) -> dict[MultiIndex, sp.Expr]:
        r"""``{beta: c_beta}`` with :math:`\mathcal K[P] = \sum_\beta c_\beta\,\partial^\beta P`."""
        out: dict[MultiIndex, sp.Expr] = {}
        for alpha, m in self.coefficients.items():
            sign = (-1) ** sum(alpha)
            for beta in _below(alpha):
                rest = tuple(a - b for a, b in zip(alpha, beta))
                weight = sp.Rational(sign * prod(comb(a, b) for a, b in zip(alpha, beta)), _factorial(alpha))
                out[beta] = out.get(beta, 0) + weight * _diff(m, self.state, rest)
        return {b: c for b, c in ((b, sp.expand(c)) for b, c in out.items()) if c != 0}

    @classmethod
    def from_normal_form(cls, state: Sequence[sp.Symbol], normal: Mapping[MultiIndex, sp.Expr],
                         density: sp.Expr, lhs: str = r"P_{k+1} - P_k") -> KramersMoyalSeries:
        r"""The Kramers--Moyal form of :math:`\sum_\beta c_\beta \partial^\beta P`.

        Raises:
            ValueError: the operator has a zeroth-order part (a term :math:`c_0 P`), which no
                probability-conserving equation has.
        """
        remaining = {b: sp.expand(c) for b, c in normal.items()}
        coefficients: dict[MultiIndex, sp.Expr] = {}
        # Highest derivative order first: there M_alpha is read off directly, then its lower-order
        # contributions are removed from what is left.
        top = max(map(sum, remaining), default=0)
        for level in range(top, -1, -1):
            for beta in [b for b in remaining if sum(b) == level]:
                c = sp.expand(remaining.pop(beta))
                if c == 0:
                    continue
                if level == 0:
                    raise ValueError(f"the operator has a zeroth-order term {c}*P: it does not conserve probability")
                m = sp.expand((-1) ** level * _factorial(beta) * c)
                coefficients[beta] = m
                for lower in _below(beta):
                    if lower != beta:
                        rest = tuple(a - b for a, b in zip(beta, lower))
                        weight = sp.Rational((-1) ** level * prod(comb(a, b) for a, b in zip(beta, lower)),
                                             _factorial(beta))
                        remaining[lower] = remaining.get(lower, 0) - weight * _diff(m, state, rest)
        return cls(state, coefficients, density, lhs)

    # ------------------------------------------------------------------ output
    def _sorted(self) -> list[MultiIndex]:
        return sorted(self.coefficients, key=lambda a: (sum(a), tuple(-x for x in a)))

    def terms(self) -> list[sp.Expr]:
        r"""The right-hand side, one unevaluated term :math:`\partial^\alpha[c_\alpha P]` per multi-index."""
        out = []
        for alpha in self._sorted():
            inner = sp.factor_terms(sp.Rational((-1) ** sum(alpha), _factorial(alpha)) * self.coefficients[alpha])
            spec = [(x, a) for x, a in zip(self.state, alpha) if a]
            out.append(sp.Derivative(inner * self.density, *spec, evaluate=False))
        return out

    @property
    def expr(self) -> sp.Expr:
        """The right-hand side as a SymPy expression with unevaluated derivatives."""
        return sp.Add(*self.terms(), evaluate=False) if self.coefficients else sp.Integer(0)

    def doit(self) -> sp.Expr:
        """The right-hand side with every derivative evaluated."""
        return sp.Add(*[t.doit() for t in self.terms()])

    def apply(self, density: sp.Expr) -> sp.Expr:
        """The operator applied to another density, evaluated."""
        return self.with_density(density).doit()

    def with_density(self, density: sp.Expr) -> KramersMoyalSeries:
        """The same operator shown acting on ``density``."""
        return KramersMoyalSeries(self.state, self.coefficients, density, self.lhs)

    def latex(self) -> str:
        """An ``align*`` block, one term per line."""
        return align([(self.lhs, [latex(t) for t in self.terms()])])

    def _repr_latex_(self) -> str:
        rhs = " ".join(("" if i == 0 or latex(t).startswith("-") else "+ ") + latex(t)
                       for i, t in enumerate(self.terms())) or "0"
        return f"$\\displaystyle {self.lhs} = {rhs}$"

    def __str__(self) -> str:
        return f"{self.lhs} = {text(self.expr)}"

    def __repr__(self) -> str:
        return f"KramersMoyalSeries(order={self.order}, terms={len(self.coefficients)}, state={self.state})"
