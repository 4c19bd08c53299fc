"""The compiled momentum formulas (:func:`sgdfp.numerics.momentum_functions`) against independent references:
the exact 50-digit moments of :class:`~sgdfp.derive.MomentumMode` (the raw 6x6 recursion in mpmath) on a grid,
scipy's discrete Lyapunov solver (additive noise), the SGD closed forms at beta = 0, and Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from sgdfp.derive import MomentumMode
from sgdfp.derive.mode.momentum import centred_matrix, momentum_matrix
from sgdfp.derive.mode.parameters import D, Gamma, beta, gbar, lam, omega, rho
from sgdfp.derive.symbols import eta
from sgdfp.numerics import mode_functions, momentum_functions, regime_names, simulate_momentum

# lambda, D, eta, Gamma, gbar, rho, beta, omega: confined, nearly flat, flat, escaping, near the edge, noisy
GRID = [
    (0.5, 1.0, 0.1, 0.3, 0.2, 0.1, 0.9, 0.01),
    (1e-4, 2.0, 0.05, 0.0, 0.0, 0.0, 0.9, 0.0),
    (0.0, 1.0, 0.1, 0.0, 0.0, 0.0, 0.5, 0.0),
    (-0.2, 1.0, 0.1, 0.1, 0.3, 0.0, 0.8, 0.0),
    (3.0, 0.5, 1.2, 0.0, 0.0, 0.0, 0.9, 0.0),
    (2.0, 1.0, 0.2, 4.0, 0.5, -0.5, 0.3, 0.1),
    (0.01, 1.0, 0.5, 0.02, 0.0, 0.0, 0.95, 1e-3),
]
STEPS = (1, 7, 100, 1000)


def _functions_args(row):
    lam_, D_, eta_, G, g, r, b, w = row
    return (lam_, D_, eta_), dict(curvature_noise=G, mean_grad=g, cross=r, momentum=b, weight_decay=w)


@pytest.mark.parametrize("nesterov", [False, True])
def test_variance_and_mean_match_the_exact_moments_on_a_grid(nesterov):
    f = momentum_functions("numpy", nesterov)
    worst = 0.0
    for row in GRID:
        args, kw = _functions_args(row)
        mode = MomentumMode(*row[:6], momentum=row[6], nesterov=nesterov, weight_decay=row[7])
        variance = f.variance(*args, np.array(STEPS), **kw, mean0=0.3, var0=0.1)
        mean = f.mean(*args, np.array(STEPS), **kw, mean0=0.3, var0=0.1)
        for j, k in enumerate(STEPS):
            exact_var, exact_mean = float(mode.variance(k, 0.3, 0.1)), float(mode.mean(k, 0.3))
            if not np.isfinite(exact_var) or abs(exact_var) > 1e250:
                assert variance[j] == np.inf or variance[j] > 1e250
                continue
            worst = max(worst, abs(variance[j] / exact_var - 1))
            assert abs(mean[j] - exact_mean) <= 1e-9 * (abs(exact_mean) + np.sqrt(exact_var)), (row, k)
    assert worst < 1e-9, worst


def test_no_digits_lost_to_a_mean_far_beyond_the_spread():
    # mean ~ 1e4 spreads: E y^2 - (E y)^2 from raw moments would keep about 8 of 16 digits
    row = (0.3, 1e-6, 0.1, 0.0, 5.0, 0.0, 0.9, 0.02)
    args, kw = _functions_args(row)
    mode = MomentumMode(*row[:6], momentum=0.9, weight_decay=0.02)
    got = momentum_functions("numpy").variance(*args, 400, **kw)
    exact = float(mode.variance(400))
    assert float(mode.mean(400)) ** 2 / exact > 1e8
    assert abs(got / exact - 1) < 1e-11


@pytest.mark.parametrize("nesterov", [False, True])
def test_stationary_covariance_matches_scipy_lyapunov_with_additive_noise(nesterov):
    f = momentum_functions("numpy", nesterov)
    for lam_, eta_, b, w in [(1.0, 0.1, 0.9, 0.0), (0.0, 0.05, 0.8, 0.01), (4.0, 0.3, 0.5, 0.0)]:
        a = eta_ * (lam_ + w)
        J = np.array([[1 - a, b * (1 - a)], [-a, b * (1 - a)]]) if nesterov else np.array([[1 - a, b], [-a, b]])
        Q = eta_**2 * 2.0 * np.ones((2, 2))  # the noise -eta g enters v and y alike
        S = scipy.linalg.solve_discrete_lyapunov(J, Q)
        state = f.stationary_state(lam_, 2.0, eta_, momentum=b, weight_decay=w)
        assert np.allclose([state[6], state[7], state[8]], [S[0, 0], S[0, 1], S[1, 1]], rtol=1e-10)


def test_beta_zero_is_the_sgd_theory():
    lam_ = np.array([-0.1, 0.0, 1e-3, 0.5, 2.0, 9.0])
    k = np.array([[1], [10], [300]])
    kw = dict(curvature_noise=0.2, mean_grad=0.1, cross=0.05)
    momentum = momentum_functions("numpy").variance(lam_, 1.5, 0.2, k, momentum=0.0, **kw)
    sgd = mode_functions("numpy").variance(lam_, 1.5, 0.2, k, **kw)
    finite = np.isfinite(sgd) & (np.abs(sgd) < 1e200)
    assert np.allclose(momentum[finite], sgd[finite], rtol=1e-10)
    assert np.allclose(momentum_functions("numpy").growth_offset(lam_, 1.5, 0.2, momentum=0.0, curvature_noise=0.2),
                       mode_functions("numpy").growth_offset(lam_, 1.5, 0.2, curvature_noise=0.2), atol=1e-13)


def test_regimes_and_spectral_radius_match_the_exact_mode():
    f = momentum_functions("numpy")
    for row in GRID:
        args, kw = _functions_args(row)
        mode = MomentumMode(*row[:6], momentum=row[6], weight_decay=row[7])
        u = f.growth_offset(*args, **kw)
        assert abs(u - float(mode.growth_offset())) < 1e-12
        code = f.regime(row[0], row[2], 500, momentum=row[6], weight_decay=row[7], curvature_noise=row[3])
        assert regime_names(np.atleast_1d(code))[0] == mode.regime(500), row


def test_flat_mode_diffusion_coefficient_against_monte_carlo():
    f = momentum_functions("numpy")
    per_step = f.diffusion_coefficient(1.0, 0.1, momentum=0.8)
    assert per_step == pytest.approx(0.1**2 / (2 * 0.2**2))
    sim = simulate_momentum(0.0, 1.0, 0.1, [400, 800], momentum=0.8, chains=40_000, seed=2)
    slope = (sim.variance[1] - sim.variance[0]) / 400
    error = np.hypot(*sim.standard_error["covariance"][:, 0, 0]) / 400
    assert abs(slope - 2 * per_step) < 5 * error


def test_centred_recursion_moves_the_raw_moments():
    """(1, m, m m + C) of the centred recursion is the raw recursion's state, step by step (exact rationals)."""
    import sympy as sp

    values = {lam: sp.Rational(1, 3), D: 2, eta: sp.Rational(1, 10), Gamma: sp.Rational(1, 5), gbar: sp.Rational(1, 7),
              rho: sp.Rational(-1, 9), beta: sp.Rational(4, 5), omega: sp.Rational(1, 50)}
    for nesterov in (False, True):
        raw = momentum_matrix(nesterov).subs(values)
        centred = centred_matrix(nesterov).subs(values)
        z = sp.Matrix([1, sp.Rational(1, 2), 0, sp.Rational(1, 4) + 3, 0, 0])
        w = sp.Matrix([1, sp.Rational(1, 2), 0, sp.Rational(1, 4), 0, 0, 3, 0, 0])
        for _ in range(5):
            z, w = raw * z, centred * w
            assert list(z[:3]) == list(w[:3]) and [z[3 + i] - w[3 + i] - w[6 + i] for i in range(3)] == [0, 0, 0]


def test_broadcasting_and_torch_agree_with_numpy():
    torch = pytest.importorskip("torch")
    lam_ = np.array([0.0, 0.3, 1.0])
    k = np.array([[0], [5], [50]])
    a = momentum_functions("numpy", True).variance(lam_, 1.0, 0.1, k, momentum=0.9, weight_decay=1e-3)
    assert a.shape == (3, 3) and np.all(a[0] == 0)
    t = momentum_functions("torch", True).variance(torch.tensor(lam_), 1.0, 0.1, torch.tensor(k), momentum=0.9,
                                                    weight_decay=1e-3)
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float64
    assert np.allclose(t.numpy(), a, rtol=1e-12)
    # per-mode steps broadcast too
    b = momentum_functions("numpy").variance(lam_, 1.0, 0.1, np.array([3, 7, 11]), momentum=0.5)
    for i, step in enumerate((3, 7, 11)):
        assert b[i] == pytest.approx(float(MomentumMode(lam_[i], 1.0, 0.1, momentum=0.5).variance(step)), rel=1e-11)


def test_no_stationary_law_is_nan_and_overflow_is_inf():
    f = momentum_functions("numpy")
    assert np.isnan(f.stationary_variance(0.0, 1.0, 0.1, momentum=0.9))  # flat: diffuses
    assert np.isnan(f.stationary_variance(1.0, 1.0, 5.0, momentum=0.9))  # unstable
    assert f.variance(1.0, 1.0, 5.0, 10**6, momentum=0.9) == np.inf


@pytest.mark.parametrize("kwargs, error", [
    (dict(momentum=1.0), ValueError), (dict(momentum=-0.1), ValueError), (dict(momentum="0.9"), TypeError),
    (dict(momentum=0.9, weight_decay=-1e-3), ValueError), (dict(momentum=0.9, curvature_noise=np.nan), ValueError),
    (dict(momentum=0.9, learning_rate=0.1), TypeError),
])
def test_bad_input_is_refused(kwargs, error):
    with pytest.raises(error):
        momentum_functions("numpy").variance(0.5, 1.0, 0.1, 10, **kwargs)


def test_bad_steps_and_lr_are_refused():
    f = momentum_functions("numpy")
    for k in (-1, 2.5, np.inf):
        with pytest.raises(ValueError):
            f.variance(0.5, 1.0, 0.1, k, momentum=0.9)
    with pytest.raises(ValueError):
        f.variance(0.5, 1.0, 0.0, 10, momentum=0.9)
    with pytest.raises(TypeError):
        momentum_functions("numpy", nesterov="yes")


def test_many_modes_in_one_call_are_fast():
    import time

    f = momentum_functions("numpy")
    lam_ = np.geomspace(1e-6, 10, 10_000)
    f.variance(lam_[:2], 1.0, 0.01, 1, momentum=0.9)  # compiled
    start = time.perf_counter()
    out = f.variance(lam_, 1.0, 0.01, np.unique(np.geomspace(1, 10_000, 24).astype(int))[:, None], momentum=0.9)
    assert out.shape[1] == 10_000 and np.all(np.isfinite(out))
    assert time.perf_counter() - start < 20


