"""Kramers--Moyal, discrete Fokker--Planck and Langevin forms against independent constructions."""

import pytest
import sympy as sp

from sgdfp.derive import (
    DiscreteUpdate,
    KramersMoyalSeries,
    Noise,
    discrete_fokker_planck,
    eta,
    kramers_moyal,
    langevin_flow,
    langevin_flow_difference,
    langevin_fokker_planck,
    langevin_step_difference,
    modified_equation,
    sgd_update,
    symbolic_sgd,
)

y, h, g = sp.symbols("y h g", real=True)
lam, G, rho, D, gbar = sp.symbols("lambda Gamma rho D gbar")


def _mode_update():
    noise = Noise.from_cumulants([h, g], {h: lam, g: gbar, h**2: G, h * g: rho, g**2: D}, zero_above=2)
    return DiscreteUpdate([y], [-eta * (h * y + g)], noise, eta)


MU, VAR = sp.Rational(3, 10), sp.Rational(7, 10)
GAUSSIAN = sp.exp(-(y - MU) ** 2 / (2 * VAR)) / sp.sqrt(2 * sp.pi * VAR)


def _integrate_against_gaussian(expr):
    """Integral over y of expr, where expr/GAUSSIAN is a polynomial (derivatives of a Gaussian are)."""
    poly = sp.Poly(sp.expand(sp.simplify(expr / GAUSSIAN)), y)
    # E[(mu + s Z)^k] = sum_j C(k, j) mu^(k-j) s^j E[Z^j], E[Z^j] = (j-1)!! for even j
    def moment(k):
        return sum(sp.binomial(k, j) * MU ** (k - j) * VAR ** sp.Rational(j, 2) * sp.factorial2(j - 1)
                   for j in range(0, k + 1, 2))
    return sp.expand(sum(c * moment(k) for (k,), c in poly.terms()))


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_moment_closure_integrated_against_a_concrete_density(n):
    """For f = y^n, the expansion kept to jump order n gives exactly E[f(y_{k+1})] - E[f(y_k)]."""
    update = _mode_update()
    series = kramers_moyal(update, GAUSSIAN, n)
    via_expansion = _integrate_against_gaussian(y**n * series.doit())
    one_step = update.noise.expect((y + update.increment[0]) ** n - y**n)  # exact, pointwise in y
    direct = _integrate_against_gaussian(one_step * GAUSSIAN)
    assert via_expansion != 0
    assert sp.expand(via_expansion - direct) == 0


def test_moment_closure_fails_when_the_expansion_is_cut_too_early():
    update = _mode_update()
    via_expansion = _integrate_against_gaussian(y**4 * kramers_moyal(update, GAUSSIAN, 2).doit())
    direct = _integrate_against_gaussian(update.noise.expect((y + update.increment[0]) ** 4 - y**4) * GAUSSIAN)
    assert sp.expand(via_expansion - direct) != 0


def test_moment_closure_for_a_two_dimensional_polynomial_observable():
    """Pointwise: E[f(theta + Delta)] - f = sum_alpha M_alpha d^alpha f / alpha! (adjoint of the series)."""
    x1, x2 = sp.symbols("x1 x2", real=True)
    a, c = sp.symbols("a c")
    update = sgd_update(x1**4 / 4 + a * x1 * x2**2, [x1, x2], eta, [[1 + x2**2, c], [c, 2]],
                        noise={(0, 0, 1): sp.Symbol("k"), (1, 1, 1): sp.Symbol("q")})
    f = x1**2 * x2 + x2**3
    series = kramers_moyal(update, sp.Function("P")(x1, x2), 3)
    adjoint = sum(m * sp.diff(f, *[(v, k) for v, k in zip((x1, x2), alpha) if k])
                  / (sp.factorial(alpha[0]) * sp.factorial(alpha[1]))
                  for alpha, m in series.coefficients.items())
    assert sp.expand(series.adjoint(f) - adjoint) == 0
    exact = update.noise.expect(f.subs({x1: x1 + update.increment[0], x2: x2 + update.increment[1]},
                                       simultaneous=True) - f)
    assert sp.expand(adjoint - exact) == 0


def _independent_fokker_planck(loss, cov, P, xs, with_squared_drift):
    """eta d_i[d_i L P] + eta^2/2 d_i d_j[(Sigma_ij + d_iL d_jL) P], summed over ordered pairs."""
    grad = [sp.diff(loss, x) for x in xs]
    out = sum(eta * sp.diff(grad[i] * P, xs[i]) for i in range(2))
    for i in range(2):
        for j in range(2):
            m2 = cov[i][j] + (grad[i] * grad[j] if with_squared_drift else 0)
            out += eta**2 / 2 * sp.diff(m2 * P, xs[i], xs[j])
    return out


def test_two_dimensional_discrete_fokker_planck_at_points():
    x1, x2 = sp.symbols("x1 x2", real=True)
    loss = x1**4 / 4 - x1**2 / 2 + x1 * x2**2 + sp.cos(x2)
    cov = [[1 + x1**2, x1 * x2 / 2], [x1 * x2 / 2, 2 + sp.sin(x1) ** 2]]
    P = sp.exp(-x1**2 - x2**2 / 2 - x1 * x2 / 3)
    update = sgd_update(loss, [x1, x2], eta, cov)
    derived = discrete_fokker_planck(update, P, 2).doit()
    reference = _independent_fokker_planck(loss, cov, P, (x1, x2), with_squared_drift=True)
    langevin = langevin_fokker_planck(update, P).doit()
    langevin_reference = _independent_fokker_planck(loss, cov, P, (x1, x2), with_squared_drift=False)
    for point in [(0.3, -0.7), (-1.1, 0.4), (0.9, 1.3)]:
        values = {x1: point[0], x2: point[1], eta: 0.37}
        assert float(derived.subs(values)) == pytest.approx(float(reference.subs(values)), rel=1e-12, abs=1e-14)
        assert float(langevin.subs(values)) == pytest.approx(float(langevin_reference.subs(values)),
                                                             rel=1e-12, abs=1e-14)
        assert float(derived.subs(values)) != pytest.approx(float(langevin.subs(values)), rel=1e-6)


def test_step_difference_is_the_squared_drift_term():
    update = symbolic_sgd(2)
    P = update.density()
    xs = update.state
    grad = [sp.Function("L")(*xs).diff(x) for x in xs]
    expected = {(2, 0): eta**2 * grad[0] ** 2, (1, 1): eta**2 * grad[0] * grad[1], (0, 2): eta**2 * grad[1] ** 2}
    assert langevin_step_difference(update, P).equals(KramersMoyalSeries(xs, expected, P))


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_flow_difference_is_the_sme2_drift_correction(dim):
    """discrete - Langevin flow over time eta = -d_i[eta (b2 - b1)_i P] = eta^2 d_i[d_i(|grad L|^2/4) P]."""
    update = symbolic_sgd(dim)
    P = update.density()
    b1, b2 = modified_equation(update, 1).drift, modified_equation(update, 2).drift
    correction = KramersMoyalSeries(update.state, {tuple(int(k == i) for k in range(dim)): eta * (b2[i] - b1[i])
                                                   for i in range(dim)}, P)
    assert langevin_flow_difference(update, P, 2).equals(correction)
    # and the correction is the gradient of eta/4 |grad L|^2, written out here
    L = sp.Function("L")(*update.state)
    sq = sum(L.diff(x) ** 2 for x in update.state)
    explicit = KramersMoyalSeries(update.state, {tuple(int(k == i) for k in range(dim)):
                                                 -eta**2 * sp.diff(sq / 4, update.state[i]) for i in range(dim)}, P)
    assert correction.equals(explicit)


def test_langevin_flow_matches_the_exponential_of_the_generator_on_a_test_function():
    """Flow over time eta applied to a concrete density vs the series sum_m eta^m/m! L^m P evaluated directly."""
    x = sp.Symbol("x", real=True)
    loss, cov = x**4 / 4 + x**2 / 2, [[1 + x**2 / 3]]
    update = sgd_update(loss, [x], eta, cov)
    P = sp.exp(-x**2) * (1 + x / 3)

    def generator(f):  # d_x[L' f] + eta/2 d_x^2[Sigma f], written out independently
        return sp.diff(sp.diff(loss, x) * f, x) + eta / 2 * sp.diff(cov[0][0] * f, x, 2)

    reference = eta * generator(P) + eta**2 / 2 * generator(generator(P))
    reference = sp.series(sp.expand(reference), eta, 0, 3).removeO()
    derived = langevin_flow(update, P, 2).doit()
    for value in (0.2, -0.8, 1.5):
        got = sp.expand(derived.subs(x, value))
        want = sp.expand(reference.subs(x, value))
        assert sp.Poly(got - want, eta).max_norm() < 1e-12


def test_discrete_fokker_planck_truncates_higher_jump_moments():
    update = _mode_update()
    P = update.density()
    order4 = discrete_fokker_planck(update, P, 4)
    assert order4.order == 4
    assert discrete_fokker_planck(update, P, 2).equals(kramers_moyal(update, P, 2))
    # kept terms carry no power of eta above the order
    for value in order4.coefficients.values():
        assert sp.degree(value, eta) <= 4


def test_heavy_ball_has_no_consistent_eta_truncation_but_has_a_kramers_moyal_series():
    x, v, beta, s = sp.symbols("x v beta s")
    xi = sp.Symbol("xi")
    dv = (beta - 1) * v - eta * (x + xi)
    update = DiscreteUpdate([x, v], [beta * v - eta * (x + xi), dv], Noise.gaussian([xi], [0], [[s]]), eta)
    with pytest.raises(ValueError, match="vanish"):
        discrete_fokker_planck(update, update.density(), 2)
    with pytest.raises(ValueError, match="vanish"):
        modified_equation(update, 2)
    assert kramers_moyal(update, update.density(), 2).order == 2


def test_bad_orders_and_densities():
    update = _mode_update()
    with pytest.raises(ValueError, match="positive integer"):
        kramers_moyal(update, update.density(), 0)
    with pytest.raises(ValueError, match="positive integer"):
        discrete_fokker_planck(update, update.density(), eta_order=-1)
    with pytest.raises(TypeError, match="DiscreteUpdate"):
        kramers_moyal("sgd", update.density(), 2)
    with pytest.raises(ValueError, match="1 or 2"):
        modified_equation(update, 3)


# ---------------------------------------------------------------- higher orders, both paths, text refused
def _plain_sympy(monkeypatch):
    """Every coefficient refused by the differential-polynomial ring: the engine runs on SymPy alone."""
    from sgdfp.derive.jets import JetRing, NotDifferentialPolynomial

    def refuse(self, expr, expanded=False):
        raise NotDifferentialPolynomial("plain SymPy for this test")

    monkeypatch.setattr(JetRing, "poly", refuse)


def _all_series(dim, eta_order):
    update = symbolic_sgd(dim)
    P = update.density()
    series = {"dfp": discrete_fokker_planck(update, P, eta_order), "flow": langevin_flow(update, P, eta_order),
              "step": langevin_step_difference(update, P, eta_order),
              "flow difference": langevin_flow_difference(update, P, eta_order)}
    return {name: (s.coefficients, str(s)) for name, s in series.items()}


@pytest.mark.parametrize("dim, eta_order", [(1, 3), (2, 2), (3, 2)])
def test_differential_polynomials_and_plain_sympy_derive_the_same_equations(dim, eta_order, monkeypatch):
    fast = _all_series(dim, eta_order)
    _plain_sympy(monkeypatch)
    assert _all_series(dim, eta_order) == fast


@pytest.mark.slow
@pytest.mark.parametrize("dim, eta_order", [(1, 5), (2, 3)])
def test_differential_polynomials_and_plain_sympy_agree_at_higher_orders(dim, eta_order, monkeypatch):
    fast = _all_series(dim, eta_order)
    _plain_sympy(monkeypatch)
    assert _all_series(dim, eta_order) == fast


@pytest.mark.parametrize("eta_order", [3])
def test_langevin_flow_to_higher_orders_on_a_test_function(eta_order):
    """e^{eta L} - 1 to eta^K on a concrete density, against sum_m eta^m/m! L^m P written out here."""
    x = sp.Symbol("x", real=True)
    loss, cov = x**4 / 4 + x**2 / 2, 1 + x**2 / 3
    update = sgd_update(loss, [x], eta, [[cov]])
    P = sp.exp(-x**2) * (1 + x / 3)

    def generator(f):  # d_x[L' f] + eta/2 d_x^2[Sigma f]
        return sp.diff(sp.diff(loss, x) * f, x) + eta / 2 * sp.diff(cov * f, x, 2)

    reference, power = 0, P
    for m in range(1, eta_order + 1):
        power = generator(power)
        reference += eta**m / sp.factorial(m) * power
    reference = sp.series(sp.expand(reference), eta, 0, eta_order + 1).removeO()
    derived = langevin_flow(update, P, eta_order).doit()
    for value in (0.2, -0.8):
        gap = sp.expand(derived.subs(x, value) - reference.subs(x, value))
        assert sp.Poly(gap, eta).max_norm() < 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("dim, eta_order", [(3, 4), (4, 4)])
def test_flow_difference_at_eta_squared_is_the_sme2_correction_at_every_order(dim, eta_order):
    """The largest sizes sgdfp derive accepts: the eta^2 part of the flow difference is still the SME-2 drift."""
    update = symbolic_sgd(dim)
    P = update.density()
    L = sp.Function("L")(*update.state)
    sq = sum(L.diff(x) ** 2 for x in update.state)
    expected = KramersMoyalSeries(update.state, {tuple(int(k == i) for k in range(dim)):
                                                 -eta**2 * sp.diff(sq / 4, update.state[i]) for i in range(dim)}, P)
    difference = langevin_flow_difference(update, P, eta_order)
    assert difference.truncate(eta, 1).is_zero()  # both are gradient descent at first order
    assert difference.truncate(eta, 2).equals(expected)
    assert not difference.equals(difference.truncate(eta, 2))  # and there is more at higher orders


PAYLOAD = "__import__('os').system('touch PWNED')"


@pytest.mark.parametrize("build", [kramers_moyal, discrete_fokker_planck, langevin_flow, langevin_step_difference,
                                   langevin_flow_difference])
def test_text_densities_and_orders_are_refused_and_never_run(build, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    update = _mode_update()
    with pytest.raises(TypeError, match="not text"):
        build(update, PAYLOAD, 2)
    with pytest.raises(TypeError, match="not text"):
        build(update, update.density(), PAYLOAD)
    with pytest.raises(TypeError, match="not text"):
        langevin_fokker_planck(update, PAYLOAD)
    assert not (tmp_path / "PWNED").exists()
