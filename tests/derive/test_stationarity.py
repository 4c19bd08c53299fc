"""Fluctuation--dissipation relations and two-time moments, against independent references: the exact stationary
law of a random quadratic (a Lyapunov solve with numpy), exact enumeration of every path of a two-point noise law
with rationals, and the simulator of the mode map."""

from fractions import Fraction
from itertools import product

import numpy as np
import pytest
import sympy as sp

from sgdfp.derive.mode.parameters import D, Gamma, beta, gbar, lam, rho, v, y
from sgdfp.derive.powers import PowerDivDiff
from sgdfp.derive.stationarity import (
    diffusive_msd,
    energy_relation,
    fdr_estimators,
    fdr_relations,
    force,
    joint_moment,
    lag,
    local_exponent,
    mean_k,
    stationarity_equations,
    stationary_msd,
    stationary_var,
    two_time_moments,
    var_k,
)
from sgdfp.derive.symbols import eta


def _sides(optimizer):
    from sgdfp.derive.stationarity import _relations

    return _relations(optimizer)


def test_sgd_fdr_holds_at_the_exact_stationary_law_of_a_random_quadratic_with_curvature_noise():
    from sgdfp.numerics import QuadraticModel

    rng = np.random.default_rng(3)
    d, lr = 2, 0.3
    basis = rng.normal(size=(d, d))
    H = basis @ basis.T / d + 0.5 * np.eye(d)
    C = np.array([[0.7, 0.2], [0.2, 0.4]])
    shapes = [(lambda m: (m + m.T) / 2)(rng.normal(size=(d, d))) * 0.2 for _ in range(3)]
    G = sum(np.einsum("ij,kl->ijkl", m, m) for m in shapes)  # Cov(H_B) of H + sum_a z_a M_a
    S = QuadraticModel(H, C, lr, curvature_noise=G).stationary_covariance()
    assert S is not None
    (dissipation, fluctuation, _), = _sides("sgd")
    yF, FF = joint_moment(y * force), joint_moment(force**2)
    for i in range(d):  # any coordinate: F_i = (H_B x)_i + g_i with H_B, g drawn independently of x
        values = {yF: (H @ S)[i, i], FF: (H @ S @ H)[i, i] + np.einsum("kl,kl->", G[i, :, i, :], S) + C[i, i],
                  eta: lr}
        lhs, rhs = float(dissipation.xreplace(values)), float(fluctuation.xreplace(values))
        assert abs(lhs - rhs) < 1e-12 * abs(rhs) and rhs > 0
    # and away from stationarity it fails: the law after 3 steps from a point mass
    S3 = QuadraticModel(H, C, lr, curvature_noise=G).covariance(3)
    values = {yF: (H @ S3)[0, 0], FF: (H @ S3 @ H)[0, 0] + np.einsum("kl,kl->", G[0, :, 0, :], S3) + C[0, 0],
              eta: lr}
    assert abs(float((dissipation - fluctuation).xreplace(values))) > 1e-3


def _momentum_stationary(lam_, gamma, d_, lr, b, nesterov):
    """Stationary second moments (S_yy, S_yv, S_vv) of one mode under momentum, from the Lyapunov fixed point
    vec S = E[A (x) A] vec S + vec E[b b^T], A(h) = A0 + h A1 (linear in h), solved with numpy."""
    if nesterov:
        A0, A1 = np.array([[1.0, b], [0.0, b]]), -lr * np.array([[1.0, b], [1.0, b]])
    else:
        A0, A1 = np.array([[1.0, b], [0.0, b]]), -lr * np.array([[1.0, 0.0], [1.0, 0.0]])
    mean = A0 + lam_ * A1
    EAA = np.kron(mean, mean) + gamma * np.kron(A1, A1)
    noise = lr**2 * d_ * np.ones((2, 2))
    S = np.linalg.solve(np.eye(4) - EAA, noise.ravel()).reshape(2, 2)
    return S


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_fdrs_hold_at_the_exact_stationary_law(nesterov):
    lam_, gamma, d_, lr, b, omega = 0.8, 0.3, 0.5, 0.2, 0.7, 0.1
    curvature = lam_ + omega  # coupled weight decay: the force gets + omega p
    S = _momentum_stationary(curvature, gamma, d_, lr, b, nesterov)
    Syy, Syv, Svv = S[0, 0], S[0, 1], S[1, 1]
    if nesterov:  # F at p = y + beta v
        yF, vF, pp = curvature * (Syy + b * Syv), curvature * (Syv + b * Svv), Syy + 2 * b * Syv + b**2 * Svv
    else:
        yF, vF, pp = curvature * Syy, curvature * Syv, Syy
    FF = (curvature**2 + gamma) * pp + d_
    values = {joint_moment(y * force): yF, joint_moment(v * force): vF, joint_moment(force**2): FF,
              joint_moment(v**2): Svv, eta: lr, beta: b}
    for dissipation, fluctuation, _ in _sides("momentum"):
        lhs, rhs = float(dissipation.xreplace(values)), float(fluctuation.xreplace(values))
        assert abs(lhs - rhs) < 1e-12 * abs(rhs)
    # at beta = 0 the first relation is SGD's
    (sgd_lhs, sgd_rhs, _), = _sides("sgd")
    first = _sides("momentum")[0]
    assert sp.expand(first[0].subs(beta, 0) - sgd_lhs) == 0 and sp.expand(first[1] - sgd_rhs) == 0


def test_estimators_are_the_relation_per_replica_and_equations_print():
    dissipation, fluctuation, args = fdr_estimators("momentum")
    assert sp.expand(dissipation - (2 * (1 - beta) * y * force + 2 * beta * v * force)) == 0
    assert sp.expand(fluctuation - eta * force**2) == 0 and set(args) >= {y, v, force, eta, beta}
    equations = fdr_relations("sgd") + fdr_relations("momentum")
    assert {e.name for e in equations} >= {"fdr-sgd-1-mode", "fdr-sgd-1-summed", "fdr-momentum-2-mode"}
    assert r"\langle y F \rangle" in fdr_relations("sgd")[0].latex()
    with pytest.raises(ValueError, match="optimizer must be one of"):
        fdr_relations("adam")


def test_energy_relation_holds_at_the_exact_stationary_law_of_a_quadratic():
    from sgdfp.numerics import QuadraticModel

    H = np.array([[1.2, 0.3], [0.3, 0.5]])
    Sigma = np.array([[0.6, -0.1], [-0.1, 0.3]])
    lr = 0.25
    S = QuadraticModel(H, Sigma, lr).stationary_covariance()
    equation = energy_relation(2)
    theta = sp.symbols("theta_1 theta_2", real=True)
    concrete = sum(sp.Rational(str(H[i, j])) * theta[i] * theta[j] for i in range(2) for j in range(2)) / 2
    L = sp.Function("L")(*theta)
    sigma = {sp.Function(f"Sigma_{i + 1}{j + 1}")(*theta): sp.Rational(str(Sigma[i, j]))
             for i in range(2) for j in range(i, 2)}

    def expectation(expr):
        poly = sp.Poly(sp.expand(expr.subs(L, concrete).doit().xreplace(sigma).xreplace({eta: sp.Rational(1, 4)})),
                       *theta)
        total = 0.0
        for (a, b), c in poly.terms():  # Gaussian of mean zero, degree <= 2 here
            total += float(c) * {(0, 0): 1.0, (2, 0): S[0, 0], (1, 1): S[0, 1], (0, 2): S[1, 1]}[(a, b)]
        return total

    lhs, rhs = expectation(equation.derived), expectation(equation.rhs)
    assert lhs == pytest.approx(np.trace(H @ S @ H), rel=1e-12)
    assert lhs == pytest.approx(rhs, rel=1e-12)


def _enumerate(law, y0_law, k, tau, lr):
    """Exact E[(y_{k+tau} - y_k)^2], E[y_{k+tau} y_k], m_k, V_k over every path of a discrete (h, g) law."""
    msd = corr = m = s = Fraction(0)
    for y0, p0 in y0_law:
        for path in product(law, repeat=k + tau):
            weight, state, at_k = p0, y0, None
            for step, ((h, g), p) in enumerate(path):
                if step == k:
                    at_k = state
                weight *= p
                state = (1 - lr * h) * state - lr * g
            msd += weight * (state - at_k) ** 2
            corr += weight * state * at_k
            m += weight * at_k
            s += weight * at_k**2
    return msd, corr, m, s - m**2


def test_two_time_moments_equal_exact_enumeration_of_every_path():
    law = [((Fraction(3, 2), Fraction(1, 3)), Fraction(1, 3)), ((Fraction(-1, 4), Fraction(-1, 2)), Fraction(2, 3))]
    y0_law = [(Fraction(1, 2), Fraction(1, 4)), (Fraction(-1), Fraction(3, 4))]
    lr = Fraction(2, 5)
    mean_h = sum(p * h for (h, _), p in law)
    mean_g = sum(p * g for (_, g), p in law)
    values = {lam: mean_h, Gamma: sum(p * h * h for (h, _), p in law) - mean_h**2, gbar: mean_g,
              D: sum(p * g * g for (_, g), p in law) - mean_g**2,
              rho: sum(p * h * g for (h, g), p in law) - mean_h * mean_g, eta: lr}
    values = {s: sp.Rational(x.numerator, x.denominator) for s, x in values.items()}
    moments = two_time_moments()
    for k, tau in ((0, 3), (2, 1), (2, 4), (3, 3)):
        msd, corr, m, V = _enumerate(law, y0_law, k, tau, lr)
        at = {**values, mean_k: sp.Rational(m.numerator, m.denominator),
              var_k: sp.Rational(V.numerator, V.denominator), lag: tau}

        def exact(expr, at=at):
            return sp.nsimplify(expr.xreplace(at).doit())

        assert exact(moments.msd) == sp.Rational(msd.numerator, msd.denominator)
        assert exact(moments.correlation) == sp.Rational(corr.numerator, corr.denominator)
        assert exact(moments.covariance) == sp.Rational(corr.numerator, corr.denominator) - at[mean_k] * (
            at[mean_k] + exact(moments.mean_displacement))


def test_two_time_covariance_is_the_decaying_mean_only():
    covariance = two_time_moments().covariance.replace(lambda e: isinstance(e, PowerDivDiff), lambda e: e.doit())
    assert sp.simplify(covariance - (1 - eta * lam) ** lag * var_k) == 0


def test_stationary_msd_is_twice_the_variance_times_the_lost_correlation():
    derived = stationary_msd(general=False)
    explicit = derived.replace(lambda e: isinstance(e, PowerDivDiff), lambda e: e.doit())
    assert sp.simplify(explicit - 2 * stationary_var * (1 - (1 - eta * lam) ** lag)) == 0


def test_stationary_msd_has_the_same_form_with_mean_gradient_and_cross_noise():
    assert stationary_msd(general=True) == stationary_msd(general=False)


def test_stationary_msd_against_the_simulator_started_at_the_stationary_moments():
    from sgdfp.derive import Mode
    from sgdfp.numerics import simulate_mode

    curvature, noise, lr, gamma = 0.6, 0.8, 0.3, 0.2
    variance = float(Mode(curvature, noise, lr, curvature_noise=gamma).stationary_variance())
    k, tau = 5, 7
    run = simulate_mode(curvature, noise, lr, [k, k + tau], curvature_noise=gamma, var0=variance, chains=200_000,
                        seed=2, keep_samples=True)
    steps = run.samples[k + tau] - run.samples[k]
    measured, error = np.mean(steps**2), np.std(steps**2) / np.sqrt(steps.size)
    predicted = float(stationary_msd(general=False).xreplace(
        {stationary_var: variance, eta: lr, lam: curvature, lag: tau}).doit())
    assert abs(measured - predicted) < 4 * error


def test_flat_msd_is_diffusion_plus_drift_and_the_exponents_have_their_limits():
    assert sp.expand(diffusive_msd() - eta**2 * (D * lag + gbar**2 * lag**2)) == 0
    flat = local_exponent(diffusive_msd())
    assert sp.limit(flat.subs(gbar, 0), lag, sp.oo) == 1 and sp.limit(flat, lag, sp.oo) == 2
    confined = local_exponent(stationary_msd(general=False))
    assert sp.limit(confined.subs({eta: sp.Rational(1, 10), lam: 1}), lag, sp.oo) == 0
    # at small eta*lambda a confined mode diffuses at short lags
    assert float(confined.subs({eta: sp.Rational(1, 10), lam: sp.Rational(1, 1000), lag: 1})) == pytest.approx(
        1, abs=1e-3)


def test_every_formula_is_an_equation_with_latex():
    equations = stationarity_equations()
    names = [e.name for e in equations]
    assert len(set(names)) == len(names) and {"msd", "msd-stationary", "msd-flat", "two-time-covariance",
                                              "exponent-flat", "fdr-energy-2d"} <= set(names)
    for equation in equations:
        assert equation.latex()
    with pytest.raises(TypeError):
        local_exponent("tau**2")
