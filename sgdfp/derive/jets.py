r"""Differential polynomials: exact, fast algebra for the coefficients of the operator series.

For SGD on a symbolic loss every coefficient the engine manipulates is a polynomial, with rational
coefficients, in symbols (:math:`\eta`, the state, parameters) and in undefined functions of the state
and their derivatives (:math:`\partial_1\partial_2 L`, :math:`\Sigma_{12}`, ...). These generators are
algebraically independent, so such a polynomial has exactly one sparse form
``{monomial: coefficient}``, and :math:`\partial_k` acts on it by the product rule with
:math:`\partial_k \partial^\alpha f = \partial^{\alpha + e_k} f` on each generator. Doing the products,
derivatives and truncations in :math:`\eta` there, and converting to SymPy once at the end, gives the
same expanded SymPy expressions as SymPy's own ``expand``/``diff`` at a small fraction of the cost:
SymPy rebuilds and re-canonicalises a tree for every product and every derivative.

A monomial is the sorted tuple of its generators' indices, with repetition (``(0, 0, 3)`` is
:math:`g_0^2 g_3`); a polynomial is a ``dict`` from monomials to ``int`` or ``Fraction``. Anything else
(``sin``, floats, negative or symbolic powers, functions of non-symbol arguments) is refused with
:class:`NotDifferentialPolynomial`, and the caller falls back to plain SymPy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from functools import reduce
from itertools import groupby, product
from math import comb, factorial, gcd, lcm, prod

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.core.mul import _keep_coeff

from sgdfp.derive import fast

__all__ = ["NotDifferentialPolynomial", "JetRing", "Poly", "Monomial", "normal_form", "from_normal_form",
           "compose_normal_forms"]

Monomial = tuple[int, ...]
Poly = dict[Monomial, int | Fraction]
Coefficient = int | Fraction


class NotDifferentialPolynomial(ValueError):
    """An expression outside the differential polynomials of :class:`JetRing` (SymPy is used instead)."""


def _is_function_of_symbols(expr: sp.Basic) -> bool:
    return (isinstance(expr, AppliedUndef) and all(isinstance(a, sp.Symbol) for a in expr.args)
            and len(set(expr.args)) == len(expr.args))


class JetRing:
    r"""Polynomials over :math:`\mathbb Q` in symbols and derivatives of undefined functions of ``state``.

    Generators are numbered as they are met; :meth:`poly` and :meth:`expr` convert from and to SymPy,
    :meth:`diff` is :math:`\partial/\partial\theta_k`. A derivative :math:`\partial^\alpha f` along the state
    is held as ``(f, alpha)`` and becomes a SymPy ``Derivative`` only in :meth:`expr`.

    Args:
        state: the variables :math:`\theta_k` that :meth:`diff` differentiates by.
        shifts: optional symbols :math:`u_k` with :math:`\partial u_k/\partial\theta_k = 1` as well, for
            polynomials in :math:`u = y - \theta` whose coefficients are functions of :math:`y` written as
            functions of :math:`\theta` (:func:`sgdfp.derive.modified_equation` uses them).
    """

    def __init__(self, state: Sequence[sp.Symbol], shifts: Sequence[sp.Symbol] | None = None):
        self.state = tuple(state)
        self._unit = {s: k for k, s in enumerate(self.state)}
        if shifts is not None:
            self._unit.update({s: k for k, s in enumerate(shifts)})
        self._index: dict[sp.Basic, int] = {}
        self._generators: list[sp.Basic | None] = []  # None until expr() needs a jet's SymPy form
        self._jet: dict[int, tuple[sp.Basic, tuple[int, ...]]] = {}  # index -> (function, alpha)
        self._jet_index: dict[tuple[sp.Basic, tuple[int, ...]], int] = {}
        # (generator, k) -> its derivative: None for 0, () for 1, or a single generator index
        self._dgen: dict[tuple[int, int], int | tuple[()] | None] = {}
        self._power_checked: dict[sp.Symbol, int] = {}  # generators known to hold no var but as its powers

    # ------------------------------------------------------------------ generators
    def _new(self, expr: sp.Basic | None) -> int:
        self._generators.append(expr)
        return len(self._generators) - 1

    def _jet_generator(self, function: sp.Basic, alpha: tuple[int, ...]) -> int:
        key = (function, alpha)
        index = self._jet_index.get(key)
        if index is None:
            index = self._jet_index[key] = self._new(None)
            self._jet[index] = key
        return index

    def generator(self, expr: sp.Basic) -> int:
        """The index of a generator (a Symbol, ``f(symbols)``, or a derivative of one)."""
        index = self._index.get(expr)
        if index is not None:
            return index
        d = len(self.state)
        if _is_function_of_symbols(expr):
            index = self._jet_generator(expr, (0,) * d)
        elif (isinstance(expr, sp.Derivative) and _is_function_of_symbols(expr.expr)
              and all(v in self.state for v in expr.variables)):
            alpha = [0] * d
            for v, count in expr.variable_count:
                alpha[self.state.index(v)] += int(count)
            index = self._jet_generator(expr.expr, tuple(alpha))
        elif isinstance(expr, sp.Symbol):
            index = self._new(expr)
        elif (isinstance(expr, sp.Derivative) and _is_function_of_symbols(expr.expr)
              and all(isinstance(v, sp.Symbol) for v in expr.variables)):
            index = self._new(expr)  # a derivative along a parameter: SymPy differentiates it along the state
        else:
            raise NotDifferentialPolynomial(f"{expr} is not a symbol or a derivative of an undefined function")
        self._index[expr] = index
        return index

    def _sympy_generator(self, g: int) -> sp.Basic:
        expr = self._generators[g]
        if expr is None:
            function, alpha = self._jet[g]
            spec = [(x, a) for x, a in zip(self.state, alpha) if a]
            expr = self._generators[g] = sp.Derivative(function, *spec) if spec else function
        return expr

    # ------------------------------------------------------------------ conversion
    def poly(self, expr: sp.Basic, expanded: bool = False) -> Poly:
        """``expr`` (a SymPy expression; ``expanded`` says it already is) as a polynomial of this ring.

        Raises:
            NotDifferentialPolynomial: ``expr`` is not a polynomial with rational coefficients in generators.
        """
        if not expanded:
            expr = fast.expand(expr)
        out: Poly = {}
        for term in sp.Add.make_args(expr):
            coefficient: Coefficient = 1
            monomial: list[int] = []
            for factor in sp.Mul.make_args(term):
                if factor.is_Rational:
                    coefficient *= int(factor.p) if factor.q == 1 else Fraction(int(factor.p), int(factor.q))
                elif factor.is_Pow and factor.exp.is_Integer and factor.exp > 0:
                    monomial += [self.generator(factor.base)] * int(factor.exp)
                elif isinstance(factor, sp.Number):
                    raise NotDifferentialPolynomial(f"{factor} is not a rational number")
                else:
                    monomial.append(self.generator(factor))
            if coefficient:
                key = tuple(sorted(monomial))
                out[key] = out.get(key, 0) + coefficient
        return {m: c for m, c in out.items() if c}

    def polys(self, exprs: Mapping, expanded: bool = False) -> dict:
        """:meth:`poly` of every value of a mapping."""
        return {key: self.poly(value, expanded) for key, value in exprs.items()}

    def expr(self, poly: Poly) -> sp.Expr:
        """The SymPy expression of a polynomial (expanded, as ``sympy.expand`` would give it)."""
        terms = []
        for monomial, coefficient in poly.items():
            factors = [self._sympy_generator(g) if n == 1 else sp.Pow(self._sympy_generator(g), n)
                       for g, n in ((g, sum(1 for _ in run)) for g, run in groupby(monomial))]
            number = (sp.Integer(coefficient) if isinstance(coefficient, int)
                      else sp.Rational(coefficient.numerator, coefficient.denominator))
            terms.append(sp.Mul(number, *factors))
        return sp.Add(*terms)

    def factor_terms(self, poly: Poly) -> sp.Expr:
        """``sympy.factor_terms(self.expr(poly))``, the same expression, without SymPy's walk over every term.

        For a sum of monomials ``factor_terms`` takes out the rational content (keeping it inside where that
        leaves a term with an integer coefficient), a common sign, and the common monomial; those are read
        off the sparse form here, in SymPy's order of steps, and assembled with SymPy's own ``_keep_coeff``.
        """
        if len(poly) < 2:
            return sp.factor_terms(self.expr(poly))
        # Add.as_content_primitive(clear=False): the rational content, unless dividing by its denominator
        # leaves an integer coefficient
        prim = {m: Fraction(c) for m, c in poly.items()}
        content = _rational_gcd(prim.values())
        prim = {m: c / content for m, c in prim.items()}
        if content.denominator != 1:
            divided = {m: c / content.denominator for m, c in prim.items()}
            if any(c.denominator == 1 for c in divided.values()):
                prim, content = divided, Fraction(content.numerator)
        if all(c < 0 for c in prim.values()):  # factor_terms' common sign
            content, prim = -content, {m: -c for m, c in prim.items()}
        # gcd_terms(isprimitive=True, clear=False): the common monomial and the gcd of the coefficients
        counts = [Counter(m) for m in prim]
        common = reduce(lambda a, b: a & b, counts)
        coefficient = _rational_gcd(prim.values())
        numer: dict[Monomial, Fraction] = {}
        for m, c in prim.items():
            key = tuple(sorted((Counter(m) - common).elements()))
            numer[key] = c / coefficient
        if coefficient.denominator != 1:
            divided = {m: c / coefficient.denominator for m, c in numer.items()}
            if any(c.denominator == 1 for c in divided.values()):
                numer, coefficient = divided, Fraction(coefficient.numerator)
        factors = self.expr({tuple(sorted(common.elements())): 1})
        inner = _keep_coeff(_rational(coefficient), factors * self.expr(_reduced(numer)), clear=False)
        return _keep_coeff(_rational(content), inner, clear=False, sign=True)

    def convert(self, poly: Poly, source: JetRing) -> Poly:
        """A polynomial of ``source`` as one of this ring (the generators are renumbered)."""
        return self.converter(source)(poly)

    def converter(self, source: JetRing) -> Callable[[Poly], Poly]:
        """A function taking polynomials of ``source`` to this ring (one renumbering for many polynomials)."""
        if source is self:
            return lambda poly: poly
        remap = [self._jet_generator(*source._jet[g]) if g in source._jet else self.generator(expr)
                 for g, expr in enumerate(source._generators)]

        def convert(poly: Poly) -> Poly:
            out: Poly = {}
            for monomial, coefficient in poly.items():
                key = tuple(sorted(remap[g] for g in monomial))
                out[key] = out.get(key, 0) + coefficient
            return out
        return convert

    # ------------------------------------------------------------------ calculus
    def _derivative_of_generator(self, g: int, k: int):
        key = (g, k)
        if key not in self._dgen:
            value: int | tuple[()] | None
            if g in self._jet:
                function, alpha = self._jet[g]
                if self.state[k] in function.args:
                    value = self._jet_generator(function, tuple(a + (i == k) for i, a in enumerate(alpha)))
                else:
                    value = None
            elif self._unit.get(self._generators[g]) == k:
                value = ()
            elif isinstance(self._generators[g], sp.Symbol):
                value = None
            else:  # a derivative along a parameter
                d = sp.diff(self._sympy_generator(g), self.state[k])
                value = None if d == 0 else self.generator(d)
            self._dgen[key] = value
        return self._dgen[key]

    def diff(self, poly: Poly, k: int) -> Poly:
        r""":math:`\partial p / \partial\theta_k` (``k`` indexes ``state``), by the product rule."""
        out: Poly = {}
        for monomial, coefficient in poly.items():
            for g, run in groupby(monomial):
                dg = self._derivative_of_generator(g, k)
                if dg is None:
                    continue
                rest = list(monomial)
                rest.remove(g)
                if isinstance(dg, int):
                    rest.append(dg)
                    rest.sort()
                key = tuple(rest)
                out[key] = out.get(key, 0) + sum(1 for _ in run) * coefficient
        return {m: c for m, c in out.items() if c}

    def derivative(self, poly: Poly, alpha: Sequence[int], cache: dict | None = None) -> Poly:
        r""":math:`\partial^\alpha p`; ``cache`` (a dict kept by the caller for one ``poly``) reuses lower derivatives."""
        alpha = tuple(alpha)
        if not any(alpha):
            return poly
        if cache is not None and alpha in cache:
            return cache[alpha]
        k = max(i for i, a in enumerate(alpha) if a)
        lower = tuple(a - (i == k) for i, a in enumerate(alpha))
        result = self.diff(self.derivative(poly, lower, cache), k)
        if cache is not None:
            cache[alpha] = result
        return result

    # ------------------------------------------------------------------ truncation in a symbol
    def _power_generator(self, var: sp.Symbol) -> int:
        """The index of ``var``, which must enter only through its powers (not inside a function's arguments)."""
        checked = self._power_checked.get(var, 0)
        for g in range(checked, len(self._generators)):
            function = self._jet[g][0] if g in self._jet else self._generators[g]
            if function != var and function.has(var):  # type: ignore[union-attr]
                raise NotDifferentialPolynomial(f"{var} enters {function} other than through its powers")
        self._power_checked[var] = len(self._generators)
        return self.generator(var)

    def truncate(self, poly: Poly, var: sp.Symbol, order: int) -> Poly:
        """``poly`` with every power of ``var`` above ``order`` dropped."""
        g = self._power_generator(var)
        return {m: c for m, c in poly.items() if m.count(g) <= order}

    def coefficient(self, poly: Poly, var: sp.Symbol, power: int) -> Poly:
        """The coefficient of ``var**power`` (a polynomial free of ``var``)."""
        g = self._power_generator(var)
        out: Poly = {}
        for m, c in poly.items():
            if m.count(g) == power:
                key = tuple(x for x in m if x != g)
                out[key] = out.get(key, 0) + c
        return out

    def multiply(self, a: Poly, b: Poly, var: sp.Symbol | None = None, order: int | None = None) -> Poly:
        """The product, with powers of ``var`` above ``order`` never formed when both are given."""
        out: Poly = {}
        if var is None or order is None:
            for ma, ca in a.items():
                for mb, cb in b.items():
                    key = tuple(sorted(ma + mb))
                    out[key] = out.get(key, 0) + ca * cb
        else:
            g = self._power_generator(var)
            bs = [(mb, cb, mb.count(g)) for mb, cb in b.items()]
            for ma, ca in a.items():
                room = order - ma.count(g)
                for mb, cb, pb in bs:
                    if pb <= room:
                        key = tuple(sorted(ma + mb))
                        out[key] = out.get(key, 0) + ca * cb
        return {m: c for m, c in out.items() if c}


def add_into(target: Poly, poly: Poly, factor: Coefficient = 1) -> None:
    """``target += factor * poly`` in place (zeros are kept; drop them with :func:`nonzero`)."""
    if isinstance(factor, Fraction) and factor.denominator == 1:
        factor = factor.numerator  # integer arithmetic is several times faster than Fraction's
    if factor == 1:
        for m, c in poly.items():
            target[m] = target.get(m, 0) + c
    else:
        for m, c in poly.items():
            target[m] = target.get(m, 0) + factor * c


def nonzero(poly: Poly) -> Poly:
    """``poly`` without zero coefficients."""
    return {m: c for m, c in poly.items() if c}


def scaled(poly: Poly, factor: Coefficient) -> Poly:
    """``factor * poly``."""
    return {m: factor * c for m, c in poly.items()} if factor else {}


def sum_polys(polys: Iterable[Poly]) -> Poly:
    """The sum of several polynomials."""
    out: Poly = {}
    for p in polys:
        add_into(out, p)
    return nonzero(out)


def _rational_gcd(values: Iterable[Fraction]) -> Fraction:
    """SymPy's gcd of rationals: the gcd of the numerators over the lcm of the denominators (positive)."""
    values = list(values)
    return Fraction(reduce(gcd, (abs(v.numerator) for v in values), 0), reduce(lcm, (v.denominator for v in values), 1))


def _rational(value: Fraction) -> sp.Rational:
    return sp.Rational(value.numerator, value.denominator)


def _reduced(poly: Mapping[Monomial, Fraction]) -> Poly:
    """Integer-valued fractions as ints (the coefficients :meth:`JetRing.expr` expects)."""
    return {m: int(c) if isinstance(c, Fraction) and c.denominator == 1 else c for m, c in poly.items()}


# ---------------------------------------------------------------------------------------------------- operators
# The operator algebra of sgdfp.derive.operators on differential polynomials: the same formulas as its SymPy
# methods, on sparse polynomials, with truncation in a symbol applied inside each product.
MultiIndex = tuple[int, ...]


def multi_factorial(alpha: MultiIndex) -> int:
    """:math:`\alpha! = \\prod_i \alpha_i!`."""
    return prod(factorial(a) for a in alpha)


def below(alpha: MultiIndex):
    """All multi-indices beta <= alpha (componentwise)."""
    return product(*(range(a + 1) for a in alpha))


def weight(alpha: MultiIndex, beta: MultiIndex) -> int:
    """The multinomial weight :math:`\\binom{\\alpha}{\\beta} = \\prod_i \\binom{\\alpha_i}{\\beta_i}`."""
    return prod(comb(a, b) for a, b in zip(alpha, beta))


def normal_form(ring: JetRing, coefficients: Mapping[MultiIndex, Poly]) -> dict[MultiIndex, Poly]:
    r"""``{beta: c_beta}`` of ``{alpha: M_alpha}``:
    :math:`\sum_\alpha \frac{(-1)^{|\alpha|}}{\alpha!}\partial^\alpha[M_\alpha P] = \sum_\beta c_\beta\,\partial^\beta P`."""
    out: dict[MultiIndex, Poly] = {}
    for alpha, m in coefficients.items():
        sign = (-1) ** sum(alpha)
        cache: dict[MultiIndex, Poly] = {}
        for beta in below(alpha):
            rest = tuple(a - b for a, b in zip(alpha, beta))
            add_into(out.setdefault(beta, {}), ring.derivative(m, rest, cache),
                     Fraction(sign * weight(alpha, beta), multi_factorial(alpha)))
    return {b: p for b, p in ((b, nonzero(p)) for b, p in out.items()) if p}


def from_normal_form(ring: JetRing, normal: Mapping[MultiIndex, Poly]) -> dict[MultiIndex, Poly]:
    """The Kramers--Moyal coefficients of a normal form, highest derivative order first.

    Raises:
        ValueError: a zeroth-order part (the operator does not conserve probability).
    """
    remaining = {b: dict(p) for b, p in normal.items()}
    coefficients: dict[MultiIndex, Poly] = {}
    top = max(map(sum, remaining), default=0)
    for level in range(top, -1, -1):
        for beta in [b for b in remaining if sum(b) == level]:
            c = nonzero(remaining.pop(beta))
            if not c:
                continue
            if level == 0:
                raise ValueError(f"the operator has a zeroth-order term {ring.expr(c)}*P: it does not conserve "
                                 f"probability")
            m = scaled(c, (-1) ** level * multi_factorial(beta))
            coefficients[beta] = m
            cache: dict[MultiIndex, Poly] = {}
            for lower in below(beta):
                if lower != beta:
                    rest = tuple(a - b for a, b in zip(beta, lower))
                    add_into(remaining.setdefault(lower, {}), ring.derivative(m, rest, cache),
                             Fraction(-((-1) ** level) * weight(beta, lower), multi_factorial(beta)))
    return coefficients


def compose_normal_forms(ring: JetRing, A: Mapping[MultiIndex, Poly], B: Mapping[MultiIndex, Poly],
                         var: sp.Symbol | None, order: int | None) -> dict[MultiIndex, Poly]:
    r"""The normal form of ``A[B[P]]``: :math:`a\,\partial^\alpha(b\,\partial^\beta P) = \sum_{\gamma\le\alpha}
    \binom{\alpha}{\gamma} a\,(\partial^\gamma b)\,\partial^{\alpha-\gamma+\beta}P`, powers of ``var`` above ``order``
    never formed."""
    out: dict[MultiIndex, Poly] = {}
    caches: dict[MultiIndex, dict] = {beta: {} for beta in B}
    for alpha, a in A.items():
        for beta, b in B.items():
            for gamma in below(alpha):
                db = ring.derivative(b, gamma, caches[beta])
                if db:
                    target = tuple(x - y + z for x, y, z in zip(alpha, gamma, beta))
                    add_into(out.setdefault(target, {}), ring.multiply(a, db, var, order), weight(alpha, gamma))
    return {b: p for b, p in ((b, nonzero(p)) for b, p in out.items()) if p}
