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

import copy
from collections.abc import Mapping, Sequence
from fractions import Fraction

import sympy as sp

from sgdfp.derive import fast
from sgdfp.derive import jets as dp  # differential polynomials
from sgdfp.derive.inputs import as_expr, refuse_text
from sgdfp.derive.jets import JetRing, NotDifferentialPolynomial, Poly, add_into, nonzero, scaled
from sgdfp.derive.printing import align, latex, text

__all__ = ["KramersMoyalSeries", "truncate_in", "coefficient_in"]

MultiIndex = tuple[int, ...]
_factorial, _below = dp.multi_factorial, dp.below  # alpha! and the multi-indices beta <= alpha


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
    refuse_text(var, "var")
    expr = fast.expand(as_expr(expr, "expr"))
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


def _diff(expr: sp.Expr, state: Sequence[sp.Symbol], alpha: MultiIndex) -> sp.Expr:
    variables = [x for x, a in zip(state, alpha) for _ in range(a)]
    return fast.diff(expr, *variables) if variables else expr


class KramersMoyalSeries:
    r"""The operator :math:`\sum_\alpha \frac{(-1)^{|\alpha|}}{\alpha!}\partial^\alpha[M_\alpha P]`.

    Attributes:
        state: the state variables :math:`\theta_i`.
        coefficients: ``{alpha: M_alpha}`` with ``alpha`` a tuple of derivative counts per state
            variable (``(1, 0)`` is :math:`\partial_{\theta_1}`, ``(1, 1)`` is
            :math:`\partial_{\theta_1}\partial_{\theta_2}`), each expanded.
        density: the density the operator is shown acting on (``P(theta_1, ...)`` or a concrete one).
        lhs: LaTeX of what the operator equals, e.g. ``P_{k+1} - P_k``.

    ``expr`` is the right-hand side with unevaluated derivatives, ``doit()`` evaluates them.
    Series add, subtract, scale, compose (``a @ b``) and truncate in a symbol; ``is_zero()``
    decides identities exactly (the Kramers--Moyal form is unique). Where every coefficient is a
    differential polynomial (:mod:`sgdfp.derive.jets`: SGD on a symbolic or polynomial loss) the algebra
    runs on sparse polynomials and ``coefficients`` are built as SymPy expressions on first access.

    Raises:
        TypeError: a state variable that is not a Symbol, or a coefficient or density that is text or
            not an expression.
        ValueError: a multi-index of the wrong length, with a negative entry, or of order zero.
    """

    def __init__(self, state: Sequence[sp.Symbol], coefficients: Mapping[MultiIndex, sp.Expr],
                 density: sp.Expr, lhs: str = r"P_{k+1} - P_k"):
        self.state = _state(state)
        d = len(self.state)
        if not isinstance(coefficients, Mapping):
            raise TypeError(f"coefficients must map multi-indices to expressions; got {type(coefficients).__name__}")
        self._coefficients: dict[MultiIndex, sp.Expr] | None = {}
        for alpha, value in coefficients.items():
            if (not isinstance(alpha, tuple) or len(alpha) != d or any(not isinstance(a, int) or a < 0 for a in alpha)
                    or sum(alpha) == 0):
                raise ValueError(f"bad multi-index {alpha} for {d} state variables")
            value = fast.expand(as_expr(value, f"the coefficient of {alpha}"))
            if value != 0:
                self._coefficients[tuple(alpha)] = value
        # Differential-polynomial forms, made on first use: the Kramers--Moyal coefficients and the normal form
        self._ring: JetRing | None = None
        self._km: dict[MultiIndex, Poly] | None = None
        self._normal: dict[MultiIndex, Poly] | None = None
        self._no_jets = False
        self.density = as_expr(density, "density")
        self.lhs = lhs
        self._terms: list[sp.Expr] | None = None

    @classmethod
    def _from_jets(cls, state: tuple[sp.Symbol, ...], ring: JetRing, density: sp.Expr, lhs: str, *,
                   km: Mapping[MultiIndex, Poly] | None = None,
                   normal: Mapping[MultiIndex, Poly] | None = None) -> KramersMoyalSeries:
        """A series given by one of its differential-polynomial forms; the others are made when needed."""
        series = cls.__new__(cls)
        series.state, series.density, series.lhs = state, density, lhs
        series._coefficients, series._terms, series._ring, series._no_jets = None, None, ring, False
        series._km = None if km is None else {a: p for a, p in km.items() if p}
        series._normal = None if normal is None else {b: p for b, p in normal.items() if p}
        return series

    @property
    def coefficients(self) -> dict[MultiIndex, sp.Expr]:
        """``{alpha: M_alpha}``, each coefficient expanded (see the class docstring)."""
        if self._coefficients is None:
            ring, km = self._jets("km")  # type: ignore[misc]  # a series without SymPy coefficients has jets
            self._coefficients = {alpha: ring.expr(p) for alpha, p in km.items()}
        return self._coefficients

    def _jets(self, form: str) -> tuple[JetRing, dict[MultiIndex, Poly]] | None:
        """``(ring, polynomials)`` of the Kramers--Moyal (``"km"``) or normal (``"normal"``) form, or None
        where a coefficient is not a differential polynomial."""
        if self._ring is None:
            if self._coefficients is None or self._no_jets:
                return None
            ring = JetRing(self.state)
            try:
                self._km = ring.polys(self._coefficients, expanded=True)
            except NotDifferentialPolynomial:
                self._no_jets = True
                return None
            self._ring = ring
        if form == "km" and self._km is None:
            self._km = dp.from_normal_form(self._ring, self._normal or {})
        if form == "normal" and self._normal is None:
            self._normal = dp.normal_form(self._ring, self._km or {})
        return self._ring, self._km if form == "km" else self._normal  # type: ignore[return-value]

    def _held_form(self) -> str:
        """The differential-polynomial form this series already has (Kramers--Moyal preferred)."""
        return "km" if self._km is not None or self._normal is None else "normal"

    def _joint_jets(self, other: KramersMoyalSeries, form: str):
        """``(ring, mine, theirs)`` of one form in one ring, or None unless both are differential polynomials."""
        mine, theirs = self._jets(form), other._jets(form)
        if mine is None or theirs is None:
            return None
        ring = mine[0]
        convert = ring.converter(theirs[0])
        return ring, mine[1], {a: convert(p) for a, p in theirs[1].items()}

    def _copy(self, density: sp.Expr | None = None, lhs: str | None = None) -> KramersMoyalSeries:
        series = copy.copy(self)
        series._terms = None
        for name in ("_coefficients", "_km", "_normal"):  # the copies share no dict that could be changed
            held = getattr(series, name)
            if held is not None:
                setattr(series, name, dict(held))
        if density is not None:
            series.density = as_expr(density, "density")
        if lhs is not None:
            series.lhs = lhs
        return series

    # ------------------------------------------------------------------ algebra
    def _like(self, coefficients: Mapping[MultiIndex, sp.Expr], lhs: str | None = None) -> KramersMoyalSeries:
        return KramersMoyalSeries(self.state, coefficients, self.density, self.lhs if lhs is None else lhs)

    def _jets_like(self, ring: JetRing, form: str, polys: Mapping[MultiIndex, Poly]) -> KramersMoyalSeries:
        return KramersMoyalSeries._from_jets(self.state, ring, self.density, self.lhs, **{form: polys})

    def _check_compatible(self, other: KramersMoyalSeries) -> None:
        if not isinstance(other, KramersMoyalSeries):
            raise TypeError(f"expected a KramersMoyalSeries; got {type(other).__name__}")
        if other.state != self.state:
            raise ValueError(f"operators on different states: {self.state} and {other.state}")

    def __add__(self, other: KramersMoyalSeries) -> KramersMoyalSeries:
        self._check_compatible(other)
        # both forms are linear in the coefficients: add in the normal form where one operand has only that
        # (a composition), so that sums of compositions convert to Kramers--Moyal form once, at the end
        form = "normal" if "normal" in (self._held_form(), other._held_form()) else "km"
        joint = self._joint_jets(other, form)
        if joint is not None:
            ring, mine, theirs = joint
            total = {alpha: dict(p) for alpha, p in mine.items()}
            for alpha, p in theirs.items():
                add_into(total.setdefault(alpha, {}), p)
            return self._jets_like(ring, form, {alpha: nonzero(p) for alpha, p in total.items()})
        out = dict(self.coefficients)
        for alpha, value in other.coefficients.items():
            out[alpha] = out.get(alpha, 0) + value
        return self._like(out)

    def __neg__(self) -> KramersMoyalSeries:
        return self.scale(-1)

    def __sub__(self, other: KramersMoyalSeries) -> KramersMoyalSeries:
        return self + (-other)

    def scale(self, factor: sp.Expr) -> KramersMoyalSeries:
        """The operator multiplied by a scalar expression (it may depend on the state)."""
        factor = as_expr(factor, "factor")
        if factor.is_Rational or not factor.has(*self.state):
            form = self._held_form()  # a constant factor commutes with the derivatives: either form scales
        else:
            form = "km"
        jets = self._jets(form)
        if jets is not None:
            ring, polys = jets
            try:
                f = ring.poly(factor)
            except NotDifferentialPolynomial:
                pass
            else:
                return self._jets_like(ring, form, {a: ring.multiply(f, p) for a, p in polys.items()})
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
        _check_truncation(var, order)
        truncated = var is not None and order is not None
        joint = self._joint_jets(other, "normal") if not truncated or isinstance(var, sp.Symbol) else None
        if joint is not None:  # the result keeps its normal form; the Kramers--Moyal one is made when asked for
            ring, mine, theirs = joint
            try:
                normal = dp.compose_normal_forms(ring, mine, theirs, var if truncated else None,
                                                 order if truncated else None)
            except NotDifferentialPolynomial:  # var inside a function's arguments: SymPy's series expansion
                pass
            else:
                return self._jets_like(ring, "normal", normal)
        A, B = self.normal_form(), other.normal_form()
        derivatives: dict[tuple[MultiIndex, MultiIndex], sp.Expr] = {}
        out: dict[MultiIndex, sp.Expr] = {}
        for alpha, a in A.items():
            for beta, b in B.items():
                # a d^alpha (b d^beta P) = sum_{gamma<=alpha} C(alpha,gamma) a (d^gamma b) d^(alpha-gamma+beta) P
                for gamma in _below(alpha):
                    if (beta, gamma) not in derivatives:
                        derivatives[beta, gamma] = _diff(b, self.state, gamma)
                    target = tuple(x - y + z for x, y, z in zip(alpha, gamma, beta))
                    out[target] = out.get(target, 0) + dp.weight(alpha, gamma) * a * derivatives[beta, gamma]
        if var is not None and order is not None:
            out = {beta: truncate_in(c, var, order) for beta, c in out.items()}
        return KramersMoyalSeries.from_normal_form(self.state, out, self.density, self.lhs)

    def truncate(self, var: sp.Symbol, order: int) -> KramersMoyalSeries:
        """Every coefficient expanded in ``var`` and cut after ``var**order``."""
        _check_truncation(var, order)
        # derivatives along the state do not change powers of another symbol: either form truncates
        form = self._held_form() if var not in self.state else "km"
        jets = self._jets(form) if isinstance(var, sp.Symbol) else None
        if jets is not None:
            ring, polys = jets
            try:
                return self._jets_like(ring, form, {a: ring.truncate(p, var, order) for a, p in polys.items()})
            except NotDifferentialPolynomial:  # var inside a function's arguments: SymPy's series expansion
                pass
        return self._like({a: truncate_in(v, var, order) for a, v in self.coefficients.items()})

    def simplify(self) -> KramersMoyalSeries:
        """Coefficients passed through :func:`sympy.simplify` (slow; for display)."""
        return self._like({a: sp.simplify(v) for a, v in self.coefficients.items()})

    def is_zero(self) -> bool:
        """True when the operator vanishes identically (coefficients expand or simplify to 0)."""
        jets = self._jets("km")
        if jets is not None:  # the sparse form of a differential polynomial is unique
            return not any(jets[1].values())
        return all(fast.expand(v) == 0 or sp.simplify(v) == 0 for v in self.coefficients.values())

    def equals(self, other: KramersMoyalSeries) -> bool:
        """True when both series are the same operator (same unique Kramers--Moyal coefficients)."""
        return (self - other).is_zero()

    @property
    def order(self) -> int:
        """The highest derivative order present (0 for the zero operator)."""
        if self._coefficients is None:
            return max((sum(a) for a in self._jets("km")[1]), default=0)  # type: ignore[index]
        return max((sum(a) for a in self._coefficients), default=0)

    def adjoint(self, observable: sp.Expr) -> sp.Expr:
        r"""The adjoint acting on an observable: :math:`\sum_\alpha \frac{1}{\alpha!} M_\alpha\,\partial^\alpha f`.

        Integration by parts gives :math:`\int f\,\mathcal K[P] = \int P\,\mathcal K^\dagger[f]`, so for the
        master equation :math:`\mathbb{E}_{k+1}[f] - \mathbb{E}_k[f] = \mathbb{E}_k[\mathcal K^\dagger f]`:
        the moment recursions of a linear update come from here.
        """
        observable = as_expr(observable, "observable")
        return sp.expand(sum((m * _diff(observable, self.state, alpha) / _factorial(alpha)
                              for alpha, m in self.coefficients.items()), sp.Integer(0)))

    # ------------------------------------------------------------------ normal form
    def normal_form(self) -> dict[MultiIndex, sp.Expr]:
        r"""``{beta: c_beta}`` with :math:`\mathcal K[P] = \sum_\beta c_\beta\,\partial^\beta P`."""
        jets = self._jets("normal")
        if jets is not None:
            ring, polys = jets
            return {b: ring.expr(p) for b, p in polys.items()}
        out: dict[MultiIndex, sp.Expr] = {}
        for alpha, m in self.coefficients.items():
            sign = (-1) ** sum(alpha)
            for beta in _below(alpha):
                rest = tuple(a - b for a, b in zip(alpha, beta))
                weight = sp.Rational(sign * dp.weight(alpha, beta), _factorial(alpha))
                out[beta] = out.get(beta, 0) + weight * _diff(m, self.state, rest)
        return {b: c for b, c in ((b, fast.expand(c)) for b, c in out.items()) if c != 0}

    @classmethod
    def from_normal_form(cls, state: Sequence[sp.Symbol], normal: Mapping[MultiIndex, sp.Expr],
                         density: sp.Expr, lhs: str = r"P_{k+1} - P_k") -> KramersMoyalSeries:
        r"""The Kramers--Moyal form of :math:`\sum_\beta c_\beta \partial^\beta P`.

        Raises:
            ValueError: the operator has a zeroth-order part (a term :math:`c_0 P`), which no
                probability-conserving equation has.
        """
        state = _state(state)
        if not isinstance(normal, Mapping):
            raise TypeError(f"normal must map multi-indices to expressions; got {type(normal).__name__}")
        for beta in normal:
            if (not isinstance(beta, tuple) or len(beta) != len(state)
                    or any(not isinstance(b, int) or isinstance(b, bool) or b < 0 for b in beta)):
                raise ValueError(f"bad multi-index {beta!r} for {len(state)} state variables")
        remaining = {b: fast.expand(as_expr(c, f"the coefficient of {b}")) for b, c in normal.items()}
        density = as_expr(density, "density")
        ring = JetRing(state)
        try:
            polys = ring.polys(remaining)
        except NotDifferentialPolynomial:
            pass
        else:
            return cls._from_jets(state, ring, density, lhs, km=dp.from_normal_form(ring, polys))
        coefficients: dict[MultiIndex, sp.Expr] = {}
        # Highest derivative order first: there M_alpha is read off directly, then its lower-order
        # contributions are removed from what is left.
        top = max(map(sum, remaining), default=0)
        for level in range(top, -1, -1):
            for beta in [b for b in remaining if sum(b) == level]:
                c = fast.expand(remaining.pop(beta))
                if c == 0:
                    continue
                if level == 0:
                    raise ValueError(f"the operator has a zeroth-order term {c}*P: it does not conserve probability")
                m = fast.expand((-1) ** level * _factorial(beta) * c)
                coefficients[beta] = m
                for lower in _below(beta):
                    if lower != beta:
                        rest = tuple(a - b for a, b in zip(beta, lower))
                        weight = sp.Rational((-1) ** level * dp.weight(beta, lower), _factorial(beta))
                        remaining[lower] = remaining.get(lower, 0) - weight * _diff(m, state, rest)
        return cls(state, coefficients, density, lhs)

    # ------------------------------------------------------------------ output
    def _sorted(self) -> list[MultiIndex]:
        keys = self._coefficients if self._coefficients is not None else self._jets("km")[1]  # type: ignore[index]
        return sorted(keys, key=lambda a: (sum(a), tuple(-x for x in a)))

    def terms(self) -> list[sp.Expr]:
        r"""The right-hand side, one unevaluated term :math:`\partial^\alpha[c_\alpha P]` per multi-index."""
        if self._terms is None:
            jets = self._jets("km") if self._ring is not None else None  # held as polynomials
            out = []
            for alpha in self._sorted():
                weight = Fraction((-1) ** sum(alpha), _factorial(alpha))
                if jets is not None:  # the same factored form, read off the sparse polynomial
                    inner = jets[0].factor_terms(scaled(jets[1][alpha], weight))
                else:
                    inner = sp.factor_terms(sp.Rational(weight.numerator, weight.denominator) * self.coefficients[alpha])
                spec = [(x, a) for x, a in zip(self.state, alpha) if a]
                out.append(sp.Derivative(inner * self.density, *spec, evaluate=False))
            self._terms = out
        return list(self._terms)

    @property
    def expr(self) -> sp.Expr:
        """The right-hand side as a SymPy expression with unevaluated derivatives."""
        terms = self.terms()
        return sp.Add(*terms, evaluate=False) if terms else sp.Integer(0)

    def doit(self) -> sp.Expr:
        """The right-hand side with every derivative evaluated."""
        return sp.Add(*[t.doit() for t in self.terms()])

    def apply(self, density: sp.Expr) -> sp.Expr:
        """The operator applied to another density, evaluated."""
        return self.with_density(density).doit()

    def with_density(self, density: sp.Expr) -> KramersMoyalSeries:
        """The same operator shown acting on ``density``."""
        return self._copy(density=density)

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


def _check_truncation(var, order) -> None:
    refuse_text(var, "var")
    refuse_text(order, "order")
    if var is not None and not isinstance(var, sp.Basic):
        raise TypeError(f"var must be a SymPy Symbol; got {var!r}")
    if order is not None and (not isinstance(order, int) or isinstance(order, bool) or order < 0):
        raise ValueError(f"order must be a non-negative integer; got {order!r}")


def _state(state: Sequence[sp.Symbol]) -> tuple[sp.Symbol, ...]:
    refuse_text(state, "state")
    state = tuple(state)
    for s in state:
        if not isinstance(s, sp.Symbol):
            raise TypeError(f"the state variables must be SymPy Symbols; got {s!r} of type {type(s).__name__}")
    return state
