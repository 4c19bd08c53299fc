"""Differential polynomials against SymPy's own expand, diff, truncation and factor_terms."""

import random

import pytest
import sympy as sp

from sgdfp.derive.jets import JetRing, NotDifferentialPolynomial

x, y = sp.symbols("x y", real=True)
eta = sp.Symbol("eta", positive=True)
a = sp.Symbol("a")
f = sp.Function("f")(x, y)
g = sp.Function("g")(x)
GENERATORS = [x, y, eta, a, f, f.diff(x), f.diff(x, y), g, g.diff(x, 2)]


def _random_polynomial(rng, terms=4, degree=3, common=()):
    out = 0
    for _ in range(terms):
        coefficient = sp.Rational(rng.choice([-1, 1]) * rng.randint(1, 9), rng.choice([1, 1, 2, 3, 6]))
        out += coefficient * sp.Mul(*[rng.choice(GENERATORS) for _ in range(rng.randint(0, degree))])
    return sp.expand(out * sp.Mul(*common))


@pytest.mark.parametrize("seed", range(3))
def test_round_trip_is_sympys_expanded_form(seed):
    rng = random.Random(seed)
    ring = JetRing((x, y))
    for _ in range(30):
        expr = _random_polynomial(rng) * _random_polynomial(rng, terms=2)  # a product, expanded by the ring
        assert ring.expr(ring.poly(expr)) == sp.expand(expr)


@pytest.mark.parametrize("seed", range(3))
def test_derivatives_and_products_match_sympy(seed):
    rng = random.Random(seed)
    ring = JetRing((x, y))
    for _ in range(10):
        p, q = _random_polynomial(rng), _random_polynomial(rng)
        assert ring.expr(ring.diff(ring.poly(p), 0)) == sp.expand(sp.diff(p, x))
        assert ring.expr(ring.derivative(ring.poly(p), (1, 2))) == sp.expand(sp.diff(p, x, y, y))
        assert ring.expr(ring.multiply(ring.poly(p), ring.poly(q))) == sp.expand(p * q)
        # truncation inside the product: the same as truncating the expanded product
        kept = ring.expr(ring.multiply(ring.poly(p), ring.poly(q), eta, 2))
        assert kept == sp.Add(*[t for t in sp.Add.make_args(sp.expand(p * q)) if sp.degree(t, eta) <= 2])


def test_coefficient_and_truncation_in_a_symbol():
    ring = JetRing((x, y))
    expr = sp.expand((1 + eta * f.diff(x) + eta**2 * a) ** 3)
    for power in range(7):
        assert ring.expr(ring.coefficient(ring.poly(expr), eta, power)) == sp.expand(expr).coeff(eta, power)
    assert ring.expr(ring.truncate(ring.poly(expr), eta, 1)) == 1 + 3 * eta * f.diff(x)


def test_a_symbol_inside_a_function_cannot_be_truncated_as_a_power():
    h = sp.Function("h")(x, eta)
    ring = JetRing((x,))
    p = ring.poly(eta * h)
    with pytest.raises(NotDifferentialPolynomial, match="other than through its powers"):
        ring.truncate(p, eta, 0)


def test_shifts_differentiate_like_the_state():
    """u = y - theta: d/dtheta_k acts on u_k as on theta_k (the modified equation's generator needs it)."""
    u = sp.Dummy("u")
    ring = JetRing((x,), shifts=(u,))
    p = ring.poly(u**2 * g + x * u)
    assert ring.expr(ring.diff(p, 0)) == sp.expand(2 * u * g + u**2 * g.diff(x) + u + x)


def test_rings_convert_into_each_other():
    first, second = JetRing((x, y)), JetRing((x, y))
    second.poly(a * eta)  # a different numbering of the generators
    expr = sp.expand((f.diff(x) + a) ** 2 * eta)
    moved = second.convert(first.poly(expr), first)
    assert second.expr(moved) == expr


@pytest.mark.parametrize("expr", [sp.sin(x), 0.5 * x, x**-1, sp.sqrt(x), sp.Function("h")(x**2),
                                  sp.Function("h")(x, x), sp.I * x])
def test_what_is_not_a_differential_polynomial(expr):
    with pytest.raises(NotDifferentialPolynomial):
        JetRing((x, y)).poly(expr)


@pytest.mark.parametrize("seed", range(4))
def test_factor_terms_is_sympys_exactly(seed):
    """The same tree, node for node (srepr), as sympy.factor_terms of the expanded polynomial."""
    rng = random.Random(seed)
    ring = JetRing((x, y))
    for _ in range(60):
        common = [rng.choice(GENERATORS) for _ in range(rng.randint(0, 2))]
        expr = _random_polynomial(rng, terms=rng.randint(1, 5), common=common)
        if expr == 0:
            continue
        assert sp.srepr(ring.factor_terms(ring.poly(expr))) == sp.srepr(sp.factor_terms(expr))
