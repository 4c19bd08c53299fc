r"""Random symbols and their joint moments.

A :class:`Noise` knows the joint moments :math:`\mathbb{E}[\xi_1^{a_1}\cdots\xi_m^{a_m}]` of a
set of random SymPy symbols, either given directly or generated from cumulants (Gaussian noise
is the case where every cumulant above the second vanishes: Isserlis/Wick). Its
:meth:`Noise.expect` takes the expectation of any expression that is a polynomial in the random
symbols; the coefficients may depend on anything else (state variables, the learning rate,
undefined functions).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from itertools import product
from math import comb, prod

import sympy as sp

from sgdfp.derive.inputs import as_expr, refuse_text

__all__ = ["Noise"]

Exponents = tuple[int, ...]


def _symbols(symbols: Iterable[sp.Basic], what: str = "random symbols") -> tuple[sp.Symbol, ...]:
    refuse_text(symbols, what)
    symbols = tuple(symbols)
    if not symbols:
        raise ValueError(f"{what}: at least one symbol is needed")
    for s in symbols:
        if not isinstance(s, sp.Symbol):
            raise TypeError(f"{what} must be SymPy Symbols; got {s!r} of type {type(s).__name__}")
    if len(set(symbols)) != len(symbols):
        raise ValueError(f"{what} must be distinct; got {symbols}")
    return symbols


def monomial_exponents(monomial: sp.Basic, symbols: Sequence[sp.Symbol]) -> Exponents:
    """Exponent tuple of a monomial ``h**2 * g`` in ``symbols`` (coefficient must be 1)."""
    monomial = as_expr(monomial, "a monomial in the random symbols")
    if monomial == 1:
        return (0,) * len(symbols)
    powers = sp.Mul.make_args(monomial)
    exps = [0] * len(symbols)
    for factor in powers:
        base, e = factor.as_base_exp()
        if base not in symbols or not (e.is_Integer and e > 0):
            names = ", ".join(map(str, symbols))
            raise ValueError(f"moment keys must be monomials in the random symbols {names}; got {monomial}")
        exps[symbols.index(base)] += int(e)
    return tuple(exps)


class Noise:
    """Joint moments of a set of random symbols.

    Build one with :meth:`from_moments`, :meth:`from_cumulants` or :meth:`gaussian`, then take
    expectations of polynomials in its symbols with :meth:`expect`.

    Example:
        >>> h, g, lam, G, rho, D = sp.symbols("h g lambda Gamma rho D")
        >>> noise = Noise.from_moments([h, g], {h: lam, g: 0, h**2: lam**2 + G, h*g: rho, g**2: D})
        >>> noise.expect((1 - h) * g)
        -rho
    """

    def __init__(self, symbols: Sequence[sp.Symbol], *, moments: Mapping[Exponents, sp.Expr] | None = None,
                 cumulants: Mapping[Exponents, sp.Expr] | None = None, zero_above: int | None = None):
        # Use the classmethods; exactly one of `moments` / `cumulants` is set.
        self.symbols = _symbols(symbols)
        self._moments: dict[Exponents, sp.Expr] = _by_exponents(moments or {}, len(self.symbols), "moments")
        self._cumulants = None if cumulants is None else _by_exponents(cumulants, len(self.symbols), "cumulants")
        refuse_text(zero_above, "zero_above")
        if zero_above is not None and (isinstance(zero_above, bool) or not isinstance(zero_above, int) or zero_above < 0):
            raise ValueError(f"zero_above must be a non-negative integer or None; got {zero_above!r}")
        self._zero_above = zero_above
        self._moments[(0,) * len(self.symbols)] = sp.Integer(1)

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_moments(cls, symbols: Sequence[sp.Symbol], moments: Mapping[sp.Expr, sp.Expr]) -> Noise:
        r"""Noise given by its raw moments.

        Args:
            symbols: the random symbols.
            moments: maps monomials in the random symbols to their expectations,
                e.g. ``{h: lam, g: 0, h**2: lam**2 + G, h*g: rho, g**2: D}``.

        Raises:
            ValueError: a key that is not a monomial in ``symbols``, or a repeated key.
        """
        symbols = _symbols(symbols)
        return cls(symbols, moments=cls._parse(symbols, moments, "moment"))

    @classmethod
    def from_cumulants(cls, symbols: Sequence[sp.Symbol], cumulants: Mapping[sp.Expr, sp.Expr],
                       zero_above: int | None = None) -> Noise:
        r"""Noise given by its joint cumulants :math:`\kappa[\xi^a]`.

        Moments follow from the multivariate moment--cumulant recursion
        :math:`m(a + e_i) = \sum_{b \le a} \binom{a}{b}\, \kappa(b + e_i)\, m(a - b)`.

        Args:
            symbols: the random symbols.
            cumulants: maps monomials (``h`` for the mean, ``h*g`` for a covariance, ``h**3`` for
                the third cumulant of h, ...) to the joint cumulant.
            zero_above: cumulants of higher total order than this that are not given are zero
                (``2`` makes the noise Gaussian beyond what is given). ``None``: every cumulant that
                is needed must be given.
        """
        symbols = _symbols(symbols)
        refuse_text(zero_above, "zero_above")
        if zero_above is not None and (not isinstance(zero_above, int) or zero_above < 0):
            raise ValueError(f"zero_above must be a non-negative integer or None; got {zero_above!r}")
        return cls(symbols, cumulants=cls._parse(symbols, cumulants, "cumulant"), zero_above=zero_above)

    @classmethod
    def gaussian(cls, symbols: Sequence[sp.Symbol], mean: Sequence[sp.Expr], cov) -> Noise:
        r"""Jointly Gaussian symbols: every moment by Isserlis/Wick.

        Args:
            symbols: the random symbols :math:`\xi_1, \dots, \xi_m`.
            mean: :math:`\mathbb{E}\,\xi_i`, one expression per symbol.
            cov: the :math:`m \times m` covariance, symmetric.

        Raises:
            TypeError: text (or anything that is not a number or SymPy expression) in ``mean`` or ``cov``.
            ValueError: wrong lengths or shapes, or a non-symmetric covariance.
        """
        symbols = _symbols(symbols)
        m = len(symbols)
        refuse_text(mean, "mean")
        mean = [as_expr(v, f"mean[{i}]") for i, v in enumerate(mean)]
        if len(mean) != m:
            raise ValueError(f"mean has {len(mean)} entries for {m} random symbols")
        cov = check_covariance(cov, m, "cov")
        cumulants: dict[Exponents, sp.Expr] = {}
        for i in range(m):
            cumulants[_unit(m, i)] = mean[i]
            for j in range(i, m):
                cumulants[_add(_unit(m, i), _unit(m, j))] = cov[i, j]
        return cls(symbols, cumulants=cumulants, zero_above=2)

    @staticmethod
    def _parse(symbols, mapping, what) -> dict[Exponents, sp.Expr]:
        if not isinstance(mapping, Mapping):
            raise TypeError(f"{what}s must be a mapping from monomials to expressions; got {type(mapping).__name__}")
        parsed: dict[Exponents, sp.Expr] = {}
        for key, value in mapping.items():
            exps = monomial_exponents(key, symbols)
            if sum(exps) == 0:
                raise ValueError(f"the {what} of the constant 1 is not a free parameter")
            if exps in parsed:
                raise ValueError(f"the {what} of {key} is given twice")
            parsed[exps] = as_expr(value, f"the {what} of {key}")
        return parsed

    # ----------------------------------------------------------------- moments
    def _monomial(self, exps: Exponents) -> sp.Expr:
        return sp.Mul(*[s**e for s, e in zip(self.symbols, exps)])

    def _cumulant(self, exps: Exponents) -> sp.Expr:
        assert self._cumulants is not None  # only called for noise given by cumulants
        value = self._cumulants.get(exps)
        if value is not None:
            return value
        if self._zero_above is not None and sum(exps) > self._zero_above:
            return sp.Integer(0)
        raise ValueError(f"cumulant κ[{self._monomial(exps)}] is not specified")

    def moment(self, exps: Exponents | sp.Expr) -> sp.Expr:
        r""":math:`\mathbb{E}[\xi^a]` for an exponent tuple ``a`` or a monomial.

        Raises:
            ValueError: the moment (or a cumulant it needs) is not specified.
        """
        if not isinstance(exps, tuple):
            exps = monomial_exponents(exps, self.symbols)
        cached = self._moments.get(exps)
        if cached is not None:
            return cached
        if self._cumulants is None:
            raise ValueError(f"E[{self._monomial(exps)}] is not specified")
        i = next(k for k, e in enumerate(exps) if e)
        rest = _sub(exps, _unit(len(exps), i))
        total = sp.Integer(0)
        for b in product(*(range(e + 1) for e in rest)):
            kappa = self._cumulant(_add(b, _unit(len(exps), i)))
            if kappa != 0:
                total += prod(comb(a, c) for a, c in zip(rest, b)) * kappa * self.moment(_sub(rest, b))
        total = sp.expand(total)
        self._moments[exps] = total
        return total

    def expect(self, expr: sp.Expr) -> sp.Expr:
        """Expectation of a polynomial in the random symbols.

        Raises:
            ValueError: ``expr`` is not polynomial in the random symbols, or needs a moment that
                is not specified (the message names it, e.g. ``E[h**3] is not specified``).
        """
        terms = polynomial_terms(expr, self.symbols)
        return sp.Add(*[coeff * self.moment(exps) for exps, coeff in terms.items()])

    def __repr__(self) -> str:
        kind = "moments" if self._cumulants is None else "cumulants"
        return f"Noise({', '.join(map(str, self.symbols))}; given by {kind})"


def polynomial_terms(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> dict[Exponents, sp.Expr]:
    """``{exponents: coefficient}`` of ``expr`` as a polynomial in ``symbols``.

    Raises:
        TypeError: ``expr`` is text or not an expression.
        ValueError: ``expr`` is not a polynomial in ``symbols``.
    """
    expr = as_expr(expr, "expr")
    if not expr.has(*symbols):
        return {(0,) * len(symbols): expr} if expr != 0 else {}
    try:
        poly = sp.Poly(expr, *symbols)
    except sp.PolynomialError:
        names = ", ".join(map(str, symbols))
        raise ValueError(f"expected a polynomial in the random symbols {names}; got {expr}") from None
    return {exps: coeff for exps, coeff in poly.as_dict(native=False).items()}


def check_covariance(cov, size: int, name: str) -> sp.ImmutableMatrix:
    """A ``size x size`` symmetric SymPy matrix, or a clear error.

    Raises:
        TypeError: ``cov`` or an entry is text, or not a matrix of numbers and expressions.
        ValueError: the wrong shape, or not symmetric.
    """
    if not isinstance(cov, sp.MatrixBase):
        cov = _entries(cov, name)
    try:
        cov = sp.ImmutableMatrix(cov)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a square matrix of expressions: {exc}") from None
    if cov.shape != (size, size):
        raise ValueError(f"{name} must be {size}x{size}; got shape {cov.shape[0]}x{cov.shape[1]}")
    for i in range(size):
        for j in range(i + 1, size):
            gap = sp.expand(cov[i, j] - cov[j, i])
            if gap != 0 and sp.simplify(gap) != 0:
                raise ValueError(f"{name} must be symmetric; entry ({i}, {j}) = {cov[i, j]} "
                                 f"differs from ({j}, {i}) = {cov[j, i]}")
    return cov


def _entries(value, name: str):
    """Nested rows of ``value`` with every entry a SymPy expression; text anywhere is refused, never parsed."""
    refuse_text(value, name)
    if isinstance(value, (sp.Basic, numbers.Number)) or getattr(value, "shape", None) == ():
        return as_expr(value, f"an entry of {name}")
    try:
        rows = list(value)
    except TypeError:
        raise TypeError(f"{name} must be a square matrix of expressions; got {type(value).__name__} {value!r}") from None
    return [_entries(row, name) for row in rows]


def _by_exponents(mapping, m: int, what: str) -> dict[Exponents, sp.Expr]:
    """``{exponent tuple: expression}`` checked: tuples of ``m`` non-negative integers, values numbers or expressions."""
    if not isinstance(mapping, Mapping):
        raise TypeError(f"{what} must map exponent tuples to expressions; got {type(mapping).__name__}")
    out: dict[Exponents, sp.Expr] = {}
    for key, value in mapping.items():
        if (not isinstance(key, tuple) or len(key) != m
                or not all(isinstance(e, int) and not isinstance(e, bool) and e >= 0 for e in key)):
            raise ValueError(f"{what} keys must be tuples of {m} non-negative integers; got {key!r}")
        out[key] = as_expr(value, f"the {what[:-1]} {key}")
    return out


def _unit(m: int, i: int) -> Exponents:
    return tuple(1 if k == i else 0 for k in range(m))


def _add(a: Exponents, b: Exponents) -> Exponents:
    return tuple(x + y for x, y in zip(a, b))


def _sub(a: Exponents, b: Exponents) -> Exponents:
    return tuple(x - y for x, y in zip(a, b))
