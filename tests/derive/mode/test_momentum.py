"""Heavy-ball and Nesterov momentum with weight decay (:mod:`sgdfp.derive.mode.momentum`), against independent
references: the discrete Lyapunov equation of the 2x2 map (scipy), a Monte Carlo of the map written here in
numpy, the spectral radius of the second-moment operator built here with Kronecker products, and SGD itself."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import sympy as sp

from sgdfp.derive import LANGEVIN, Mode
from sgdfp.derive.mode.dynamics import raw_discrete_matrix
from sgdfp.derive.mode.momentum import (
    Momentum,
    flat_diffusion,
    momentum_matrix,
    reduced_curvature,
    reduced_noise,
    stability_conditions,
)
from sgdfp.derive.mode.momentum_mode import MomentumMode
from sgdfp.derive.mode.parameters import D, Gamma, beta, gbar, lam, omega
from sgdfp.derive.symbols import eta

# ---------------------------------------------------------------------------- independent references


def _mean_map(a: float, b: float, nesterov: bool) -> np.ndarray:
    """E of the 2x2 map on (y, v): v' = b v - a p - eta g, y' = y + v', p = y or y + b v."""
    if nesterov:
        return np.array([[1 - a, b * (1 - a)], [-a, b * (1 - a)]])
    return np.array([[1 - a, b], [-a, b]])


def _noise_direction(b: float, nesterov: bool) -> np.ndarray:
    """N with M(h) = E M - eta (h - lambda) N: the curvature noise multiplies (1, 1) (p_k)."""
    return np.outer([1.0, 1.0], [1.0, b] if nesterov else [1.0, 0.0])


def _second_moment_radius(a: float, b: float, s: float, nesterov: bool) -> float:
    """Spectral radius of S -> E[M S M^T] = A S A^T + s N S N^T, as the 4x4 Kronecker operator."""
    A, N = _mean_map(a, b, nesterov), _noise_direction(b, nesterov)
    return float(np.max(np.abs(np.linalg.eigvals(np.kron(A, A) + s * np.kron(N, N)))))


def _monte_carlo(lam_, D_, eta_, gamma_, b, omega_, nesterov, steps, chains=100_000, seed=1):
    """Plain numpy chains of the map for arrays of modes (last axis); covariances and their standard errors."""
    rng = np.random.default_rng(seed)
    shape = (chains, len(lam_))
    y, v = np.zeros(shape), np.zeros(shape)
    out = {}
    for k in range(max(steps) + 1):
        if k in steps:
            cy, cv = y - y.mean(0), v - v.mean(0)
            prods = {"yy": cy * cy, "yv": cy * v, "vv": cv * cv}
            out[k] = {key: (p.mean(0), p.std(0) / np.sqrt(chains)) for key, p in prods.items()}
        h = lam_ + np.sqrt(gamma_) * rng.standard_normal(shape)
        g = np.sqrt(D_) * rng.standard_normal(shape)
        p = y + b * v if nesterov else y
        v = b * v - eta_ * ((h + omega_) * p + g)
        y = y + v
    return out


def _same(x, y) -> bool:
    """Equal as expressions (the divided differences of Mode's closed forms evaluated)."""
    return sp.expand(sp.simplify(sp.expand((x - y).doit()))) == 0


def _entries(cov) -> dict:
    return {"yy": float(cov[0, 0]), "yv": float(cov[0, 1]), "vv": float(cov[1, 1])}


# ---------------------------------------------------------------------------- the derivation


@pytest.mark.parametrize("nesterov", [False, True])
def test_the_engine_recursion_has_the_mean_map_of_the_update(nesterov):
    A = momentum_matrix(nesterov)
    a = eta * (lam + omega)
    mean = A[1:3, 1:3].applyfunc(sp.expand)
    reference = sp.Matrix([[1 - a, beta * (1 - a)], [-a, beta * (1 - a)]]) if nesterov else \
        sp.Matrix([[1 - a, beta], [-a, beta]])
    assert (mean - reference.applyfunc(sp.expand)).applyfunc(sp.expand) == sp.zeros(2, 2)
    assert list(A[1:3, 0]) == [-eta * gbar, -eta * gbar]
    assert all(A[0, j] == (1 if j == 0 else 0) for j in range(6))


def test_beta_zero_is_sgd_exactly_in_the_recursion():
    A = momentum_matrix(False).subs({beta: 0, omega: 0})
    rows = [0, 1, 3]  # 1, E y, E y^2
    assert (A.extract(rows, rows) - raw_discrete_matrix(2)).applyfunc(sp.expand) == sp.zeros(3, 3)
    assert all(A[i, j] == 0 for i in rows for j in (2, 4, 5))  # y does not see v at beta = 0


def test_beta_zero_is_sgd_exactly_symbolic_variances():
    lam_, D_, eta_, G = sp.symbols("lambda D eta Gamma", positive=True)
    mode, sgd = MomentumMode(lam_, D_, eta_, G), Mode(lam_, D_, eta_, G)
    assert sp.simplify(mode.stationary_variance() - sgd.stationary_variance()) == 0
    for k in range(1, 5):
        assert _same(mode.variance(k, mean0=sp.Rational(1, 3), var0=2), sgd.variance(k, mean0=sp.Rational(1, 3), var0=2))
        assert _same(mode.mean(k, mean0=1), sgd.mean(k, mean0=1))
    assert sp.simplify(mode.stability_threshold() - sgd.stability_threshold()) == 0
    assert mode.diffusion_coefficient().per_step == sgd.diffusion_coefficient().per_step


@pytest.mark.parametrize("values", [(1.0, 2.0, 0.1, 0.5), (0.3, 1.0, 0.5, 0.2), (0.0, 1.0, 0.1, 0.0),
                                    (-0.2, 1.0, 0.1, 0.1), (1.0, 1.0, 1.2, 1.0)])
def test_beta_zero_is_sgd_numerically(values):
    mode, sgd = MomentumMode(*values), Mode(*values)
    assert float(mode.contraction()) == pytest.approx(float(sgd.contraction()), rel=1e-14)
    assert mode.regime() == sgd.regime() and mode.regime(horizon=100) == sgd.regime(horizon=100)
    assert float(mode.variance(37)) == pytest.approx(float(sgd.variance(37)), rel=1e-12)
    if values[0] > 0:
        assert float(mode.stability_threshold()) == pytest.approx(float(sgd.stability_threshold()), rel=1e-12)


def test_weight_decay_adds_to_the_curvature_at_beta_zero():
    mode = MomentumMode(0.5, 1.0, 0.1, 0.2, weight_decay=0.25)
    assert float(mode.stationary_variance()) == pytest.approx(float(Mode(0.75, 1.0, 0.1, 0.2).stationary_variance()),
                                                              rel=1e-13)


# ---------------------------------------------------------------------------- stationary law: Lyapunov and Monte Carlo


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("lam_, eta_, b, omega_", [
    (1.0, 0.1, 0.9, 0.0),     # confined
    (0.5, 0.2, 0.5, 0.0),     # confined, light momentum
    (0.0, 0.1, 0.9, 0.01),    # a flat mode confined by weight decay
    (1.0, 3.7, 0.9, 0.0),     # near the edge: a = 3.7 < 2 (1 + beta) = 3.8 (heavy ball)
])
def test_stationary_covariance_solves_the_discrete_lyapunov_equation(nesterov, lam_, eta_, b, omega_):
    if nesterov and eta_ > 1:
        eta_ = 0.98 * float(MomentumMode(lam_, 1.0, 1.0, momentum=b, nesterov=True).stability_threshold())
    D_ = 2.0
    mode = MomentumMode(lam_, D_, eta_, momentum=b, nesterov=nesterov, weight_decay=omega_)
    A = _mean_map(eta_ * (lam_ + omega_), b, nesterov)
    Q = eta_**2 * D_ * np.ones((2, 2))
    reference = scipy.linalg.solve_discrete_lyapunov(A, Q)
    assert mode.regime() == "confined"
    assert np.array(mode.stationary_covariance(), dtype=float) == pytest.approx(reference, rel=1e-9)


@pytest.mark.parametrize("nesterov", [False, True])
def test_covariance_at_step_k_follows_the_lyapunov_recursion_also_for_a_flat_diffusive_mode(nesterov):
    for lam_, b in ((0.0, 0.9), (1.0, 0.8)):
        mode = MomentumMode(lam_, 1.5, 0.2, momentum=b, nesterov=nesterov)
        A, Q = _mean_map(0.2 * lam_, b, nesterov), 0.04 * 1.5 * np.ones((2, 2))
        S = np.diag([0.3, 0.0])
        for k in range(1, 61):
            S = A @ S @ A.T + Q
            if k in (1, 7, 60):
                assert np.array(mode.covariance(k, mean0=2.0, var0=0.3), dtype=float) == pytest.approx(S, rel=1e-10)
    assert MomentumMode(0.0, 1.5, 0.2, momentum=0.9, nesterov=nesterov).regime() == "diffusive"
    assert MomentumMode(0.0, 1.5, 0.2, momentum=0.9).stationary_variance() is sp.nan


@pytest.fixture(scope="module")
def chains():
    """One Monte Carlo of 10^5 chains per case, (lam, D, eta, Gamma, beta, omega) per column: two with curvature
    noise, a flat mode confined by weight decay (all three stationary by step 150: relaxation <= 14 steps)."""
    cases = np.array([(1.0, 2.0, 0.1, 0.5, 0.9, 0.0), (0.5, 1.0, 0.3, 0.3, 0.6, 0.1),
                      (0.0, 1.0, 0.1, 0.0, 0.5, 0.5)]).T
    steps = (60, 150)
    return cases, steps, {n: _monte_carlo(cases[0], cases[1], cases[2], cases[3], cases[4], cases[5], n, steps)
                          for n in (False, True)}


@pytest.fixture(scope="module")
def flat_chains():
    """10^5 chains of the flat mode (lam = Gamma = omega = 0, beta = 0.9) to step 200."""
    one = np.ones(1)
    return {n: _monte_carlo(0 * one, one, 0.1 * one, 0 * one, 0.9, 0.0, n, (100, 200), seed=2) for n in (False, True)}


@pytest.mark.parametrize("nesterov", [False, True])
def test_covariance_with_curvature_noise_matches_monte_carlo_within_5_standard_errors(chains, nesterov):
    cases, steps, mc = chains
    for i in range(2):  # the curvature-noise cases: finite k and stationary
        lam_, D_, eta_, G, b, w = cases[:, i]
        mode = MomentumMode(lam_, D_, eta_, G, momentum=b, nesterov=nesterov, weight_decay=w)
        assert mode.regime() == "confined"
        for k, theory in ((60, mode.covariance(60)), (150, mode.stationary_covariance())):
            for key, value in _entries(theory).items():
                estimate, error = mc[nesterov][k][key][0][i], mc[nesterov][k][key][1][i]
                assert abs(estimate - value) < 5 * error, (nesterov, i, k, key, estimate, value, error)


def test_flat_diffusion_coefficient_is_derived_and_matches_the_monte_carlo_slope(flat_chains):
    b, e, Dv = sp.symbols("b e Dv", positive=True)
    assert sp.simplify(flat_diffusion(False).subs({beta: b, eta: e, D: Dv}) - e**2 * Dv / (2 * (1 - b) ** 2)) == 0
    assert sp.simplify(flat_diffusion(True) - flat_diffusion(False)) == 0
    for nesterov in (False, True):
        mode = MomentumMode(0.0, 1.0, 0.1, momentum=0.9, nesterov=nesterov)
        assert float(mode.diffusion_coefficient().per_step) == pytest.approx(0.01 / (2 * 0.01), rel=1e-12)
        (v1, e1), (v2, e2) = flat_chains[nesterov][100]["yy"], flat_chains[nesterov][200]["yy"]
        slope, error = (v2[0] - v1[0]) / 100, (e1[0] + e2[0]) / 100  # the two are correlated: a bound
        assert abs(slope - 2 * float(mode.diffusion_coefficient().per_step)) < 5 * error
        # and exactly: Var y_k - 2 D_eff k settles to a constant
        gaps = [float(mode.variance(k)) - 2 * float(mode.diffusion_coefficient().per_step) * k for k in (2000, 4000)]
        assert gaps[0] == pytest.approx(gaps[1], abs=1e-8)


def test_weight_decay_confines_a_flat_mode_saturation_and_crossover(chains):
    cases, steps, mc = chains
    for nesterov in (False, True):
        mode = MomentumMode(0.0, 1.0, 0.1, momentum=0.5, nesterov=nesterov, weight_decay=0.5)
        assert mode.regime() == "confined"
        value = float(mode.stationary_variance())
        estimate, error = mc[nesterov][150]["yy"][0][2], mc[nesterov][150]["yy"][1][2]
        assert abs(estimate - value) < 5 * error
    # heavy ball in closed form, symbolic: Var = eta^2 D (1 + b) / (a (1 - b) (2 (1 + b) - a)), a = eta omega
    b, e, Dv, w = sp.symbols("b e Dv w", positive=True)
    flat = MomentumMode(0, Dv, e, momentum=b, weight_decay=w)
    a = e * w
    assert sp.simplify(flat.stationary_variance() - e**2 * Dv * (1 + b) / (a * (1 - b) * (2 * (1 + b) - a))) == 0
    assert sp.simplify(flat.crossover_steps() - (1 - b**2) / (a * (2 * (1 + b) - a))) == 0


# ---------------------------------------------------------------------------- stability


@pytest.mark.parametrize("nesterov", [False, True])
def test_jury_conditions_match_the_spectral_radius_on_a_grid(nesterov):
    conditions = [sp.lambdify((reduced_curvature, beta, reduced_noise), c) for c in stability_conditions(nesterov)]
    agree = checked = 0
    for a in np.linspace(-0.5, 4.5, 21):
        for b in (0.0, 0.3, 0.6, 0.9, 0.99):
            for s in (0.0, 0.01, 0.1, 0.5, 1.5):
                radius = _second_moment_radius(a, b, s, nesterov)
                if abs(radius - 1) < 1e-7:
                    continue
                stable = all(f(a, b, s) > 0 for f in conditions)
                checked += 1
                agree += stable == (radius < 1)
    assert agree == checked and checked > 400


@pytest.mark.parametrize("nesterov", [False, True])
def test_contraction_and_threshold_against_numpy(nesterov):
    for lam_, eta_, G, b, w in ((1.0, 0.1, 0.5, 0.9, 0.0), (2.0, 0.3, 1.0, 0.5, 0.1), (0.7, 1.1, 0.0, 0.3, 0.0)):
        mode = MomentumMode(lam_, 1.0, eta_, G, momentum=b, nesterov=nesterov, weight_decay=w)
        radius = _second_moment_radius(eta_ * (lam_ + w), b, eta_**2 * G, nesterov)
        assert float(mode.contraction()) == pytest.approx(radius, rel=1e-12)
        threshold = float(mode.stability_threshold())

        def radius_at(x):
            return _second_moment_radius(x * (lam_ + w), b, x**2 * G, nesterov)
        assert radius_at(threshold * (1 - 1e-6)) < 1 < radius_at(threshold * (1 + 1e-6))
        assert all(radius_at(x) < 1 for x in np.linspace(1e-3, threshold * 0.999, 50))


def test_symbolic_heavy_ball_threshold():
    lam_, G, b = sp.symbols("lambda Gamma b", positive=True)
    threshold = MomentumMode(lam_, 1, eta, G, momentum=b).stability_threshold()
    assert sp.simplify(threshold - 2 * (1 - b**2) * lam_ / ((1 - b) * lam_**2 + (1 + b) * G)) == 0
    assert float(MomentumMode(1.0, 1.0, 0.1, momentum=0.9).stability_threshold()) == pytest.approx(3.8)


def test_regimes():
    assert MomentumMode(1.0, 1.0, 0.1, momentum=0.9).regime() == "confined"
    assert MomentumMode(0.0, 1.0, 0.1, momentum=0.9).regime() == "diffusive"
    assert MomentumMode(1.0, 1.0, 4.0, momentum=0.9).regime() == "unstable"  # a = 4 > 3.8
    assert MomentumMode(1.0, 1.0, 0.5, 3.0, momentum=0.9).regime() == "unstable"  # curvature noise
    assert MomentumMode(-0.1, 1.0, 0.1, momentum=0.9).regime() == "escaping"
    assert MomentumMode(-0.1, 1.0, 0.1, momentum=0.9, weight_decay=0.2).regime() == "confined"
    slow = MomentumMode(1e-6, 1.0, 0.1, momentum=0.9)
    assert slow.regime() == "confined" and slow.regime(horizon=100) == "diffusive"
    assert float(slow.growth_offset()) == pytest.approx(-2 * 1e-7 / 0.1, rel=1e-5)  # u = -2 a / (1 - beta)
    assert MomentumMode(-0.1, 1.0, 0.1).stability_threshold() is sp.nan


def test_has_stationary_law_symbolic_and_numeric():
    condition = MomentumMode(lam, D, eta, Gamma, momentum=beta).has_stationary_law()
    assert isinstance(condition, sp.And)
    point = {lam: 1, D: 1, eta: sp.Rational(1, 10), Gamma: sp.Rational(1, 2), beta: sp.Rational(9, 10)}
    assert condition.subs(point) is sp.true
    assert condition.subs({**point, eta: 4}) is sp.false
    assert MomentumMode(1.0, 1.0, 0.1, momentum=0.9).has_stationary_law() is sp.true


# ---------------------------------------------------------------------------- input


@pytest.mark.parametrize("kwargs, error", [
    ({"momentum": 1.0}, ValueError), ({"momentum": -0.1}, ValueError), ({"weight_decay": -1e-3}, ValueError),
    ({"momentum": float("nan")}, ValueError), ({"weight_decay": float("inf")}, ValueError),
    ({"momentum": "0.9"}, TypeError), ({"nesterov": "yes"}, TypeError), ({"weight_decay": "0"}, TypeError)])
def test_bad_optimizer_values_are_refused(kwargs, error):
    with pytest.raises(error):
        MomentumMode(1.0, 1.0, 0.1, **kwargs)


def test_bad_steps_and_mode_values_are_refused():
    mode = MomentumMode(1.0, 1.0, 0.1, momentum=0.5)
    with pytest.raises(ValueError):
        mode.variance(-1)
    with pytest.raises(ValueError):
        mode.variance(sp.Symbol("k"))
    with pytest.raises(TypeError):
        mode.variance("3")
    with pytest.raises(ValueError):
        MomentumMode(1.0, -1.0, 0.1, momentum=0.5)
    with pytest.raises(ValueError):
        MomentumMode(1.0, 1.0, 0.1, momentum=0.5).regime(horizon=-1)
    with pytest.raises(ValueError):
        MomentumMode(lam, 1.0, 0.1, momentum=0.5).regime()
    assert Momentum(0.5) == Momentum(0.5) and Momentum(0.5, True).name == "nesterov"


@pytest.mark.parametrize("flag", [0, 0.0, np.False_, sp.Integer(0), sp.false, "False"])
def test_a_flag_that_only_equals_false_is_refused_even_after_false_is_cached(flag):
    import sgdfp.derive
    from sgdfp.derive.mode import momentum

    for name in ("momentum_update", "momentum_matrix", "second_moment_polynomial", "stability_conditions",
                 "flat_diffusion"):
        function = getattr(momentum, name)
        function(False)  # cached: 0.0 == False as a key, so the cache must not answer for it
        with pytest.raises(TypeError, match="nesterov"):
            function(flag)
    assert sgdfp.derive.MomentumMode is MomentumMode and sgdfp.derive.mode.Momentum is Momentum


def test_latex_prints_the_formulas_and_values():
    out = MomentumMode(0.0, 1.0, 0.1, momentum=0.9, weight_decay=1e-3).latex()
    assert r"\mathcal{D}_\mathrm{eff} &= \frac{D \eta^{2}}{2 \left(\beta - 1\right)^{2}}" in out
    assert r"\eta^* &= 3800.0" in out and out.count(r"\begin{align*}") == 2


def test_heavy_ball_stability_is_the_first_jury_condition_alone():
    """eta^2 Gamma < (1 - beta) a (2 (1 + beta) - a) / (1 + beta): J_2, J_3, J_4 never bind (random points)."""
    first = sp.lambdify((reduced_curvature, beta, reduced_noise), stability_conditions(False)[0])
    rng = np.random.default_rng(5)
    checked = 0
    for a, b, s in zip(rng.uniform(-0.5, 4.5, 3000), rng.uniform(0, 0.999, 3000), rng.uniform(0, 2.5, 3000)):
        radius = _second_moment_radius(a, b, s, False)
        if abs(radius - 1) > 1e-7:
            checked += 1
            assert (first(a, b, s) > 0) == (radius < 1), (a, b, s, radius)
    assert checked > 2900
    a, b, s = reduced_curvature, beta, reduced_noise
    assert sp.expand(stability_conditions(False)[0] - ((1 - b) * a * (2 * (1 + b) - a) - (1 + b) * s)) == 0


def test_nesterov_closed_forms_of_the_docs():
    b, e, Dv, w, lam_ = sp.symbols("b e Dv w lambda_", positive=True)
    a = e * lam_
    variance = MomentumMode(lam_, Dv, e, momentum=b, nesterov=True).stationary_variance()
    assert sp.simplify(variance - e**2 * Dv * (1 + b - b * a)
                       / (a * (1 - b + b * a) * (2 * (1 + b) - a * (1 + 2 * b)))) == 0
    a = e * w
    crossover = MomentumMode(0, Dv, e, momentum=b, nesterov=True, weight_decay=w).crossover_steps()
    assert sp.simplify(crossover - (1 - b) ** 2 * (1 + b - b * a)
                       / (a * (1 - b + b * a) * (2 * (1 + b) - a * (1 + 2 * b)))) == 0


def test_a_symbolic_nesterov_threshold_is_refused_and_a_numeric_one_leaves_through_minus_one():
    with pytest.raises(ValueError, match="numeric"):
        MomentumMode(lam, 1, eta, momentum=sp.Rational(1, 2), nesterov=True).stability_threshold()
    # Gamma = 0: the mean map's eigenvalue reaches -1 at a = 2 (1 + beta) / (1 + 2 beta)
    threshold = MomentumMode(2.0, 1.0, 0.1, momentum=0.5, nesterov=True).stability_threshold()
    assert float(threshold) == pytest.approx(2 * 1.5 / 2.0 / 2.0, rel=1e-12)


@pytest.mark.parametrize("nesterov", [False, True])
def test_near_the_stability_edge_with_curvature_noise_the_covariance_at_step_k_matches_monte_carlo(nesterov):
    """eta = 0.95 eta*: heavy ball has q = 0.99 and heavy tails; the exact moments at step 60 still hold."""
    threshold = float(MomentumMode(1.0, 1.0, 1.0, 0.05, momentum=0.9, nesterov=nesterov).stability_threshold())
    mode = MomentumMode(1.0, 1.0, 0.95 * threshold, 0.05, momentum=0.9, nesterov=nesterov)
    assert mode.regime() == "confined" and float(mode.contraction()) > (0.98 if not nesterov else 0.7)
    one = np.ones(1)
    mc = _monte_carlo(one, one, 0.95 * threshold * one, 0.05 * one, 0.9, 0.0, nesterov, (60,), seed=3)
    for key, value in _entries(mode.covariance(60)).items():
        assert abs(mc[60][key][0][0] - value) < 5 * mc[60][key][1][0], key


@pytest.mark.parametrize("nesterov", [False, True])
def test_critical_stationary_covariance_against_lyapunov_and_the_exact_mode(nesterov):
    """The 3x3 Cramer solve against scipy's discrete Lyapunov solver (Gamma = 0) and the 5x5 exact fixed point of
    MomentumMode (Gamma > 0), each at numbers."""
    import scipy.linalg

    from sgdfp.derive.mode.momentum import critical_stationary_covariance, reduced_curvature, reduced_noise

    formula = critical_stationary_covariance(nesterov)
    for lam_, eta_, b, w, G in [(1.0, 0.1, 0.9, 0.0, 0.0), (0.5, 0.2, 0.5, 0.05, 0.0), (2.0, 0.05, 0.8, 0.0, 3.0)]:
        a = eta_ * (lam_ + w)
        numbers = {reduced_curvature: a, reduced_noise: eta_**2 * G, beta: b, D: 2.0, eta: eta_}
        assert formula.free_symbols <= set(numbers)
        got = [float(e.subs(numbers)) for e in formula]
        if G == 0:
            J = np.array([[1 - a, b * (1 - a)], [-a, b * (1 - a)]]) if nesterov else np.array([[1 - a, b], [-a, b]])
            S = scipy.linalg.solve_discrete_lyapunov(J, eta_**2 * 2.0 * np.ones((2, 2)))
            assert np.allclose(got, [S[0, 0], S[0, 1], S[1, 1]], rtol=1e-12)
        exact = MomentumMode(lam_, 2.0, eta_, G, momentum=b, nesterov=nesterov, weight_decay=w).stationary_covariance()
        assert np.allclose(got, [float(exact[0, 0]), float(exact[0, 1]), float(exact[1, 1])], rtol=1e-12)


def test_the_langevin_counterpart_differs_at_order_eta_squared_as_printed():
    """Var_inf - Var_inf^Langevin -> D eta^2 / (4 (1 - beta^2)) for a heavy-ball mode as eta -> 0 (numbers)."""
    lam_, D_, b, w, G = 0.7, 1.3, 0.8, 0.1, 0.4
    for eta_ in (1e-2, 1e-3):
        exact = float(MomentumMode(lam_, D_, eta_, G, momentum=b, weight_decay=w).stationary_variance())
        langevin = float(Mode(lam_ + w, D_, eta_ / (1 - b), G, dynamics=LANGEVIN).stationary_variance())
        assert (exact - langevin) / eta_**2 == pytest.approx(D_ / (4 * (1 - b**2)), rel=20 * eta_)


@pytest.mark.parametrize("nesterov", [False, True])
def test_a_symbolic_critical_mode_has_its_stationary_variance_in_a_second(nesterov):
    """All symbols at a critical point: the 3x3 route (the general 5x5 solve took over ten minutes), equal at a
    point to the numeric mode's exact 5x5 fixed point."""
    import time

    start = time.perf_counter()
    symbolic = MomentumMode(lam, D, eta, Gamma, momentum=beta, nesterov=nesterov, weight_decay=omega)
    covariance = symbolic.stationary_covariance()
    assert time.perf_counter() - start < 30
    point = {lam: sp.Rational(1, 2), D: 2, eta: sp.Rational(1, 10), Gamma: sp.Rational(3, 10), beta: sp.Rational(9, 10),
             omega: sp.Rational(1, 100)}
    numeric = MomentumMode(*[point[s] for s in (lam, D, eta, Gamma)], momentum=point[beta], nesterov=nesterov,
                           weight_decay=point[omega]).stationary_covariance()
    for i, j in ((0, 0), (0, 1), (1, 1)):
        assert sp.simplify(covariance[i, j].subs(point) - numeric[i, j]) == 0
