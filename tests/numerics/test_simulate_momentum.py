"""The momentum simulator (:func:`sgdfp.numerics.simulate.simulate_momentum`) against the discrete Lyapunov
recursion of the 2x2 map (Gamma = 0: additive noise) and against the exact moments of the derived theory."""

from __future__ import annotations

import numpy as np
import pytest

from sgdfp.derive.mode.momentum_mode import MomentumMode
from sgdfp.numerics.simulate import simulate_momentum


def _lyapunov_steps(a, b, eta, D, nesterov, steps):
    A = np.array([[1 - a, b * (1 - a)], [-a, b * (1 - a)]]) if nesterov else np.array([[1 - a, b], [-a, b]])
    S, out = np.zeros((2, 2)), {}
    for k in range(max(steps) + 1):
        if k in steps:
            out[k] = S.copy()
        S = A @ S @ A.T + eta**2 * D * np.ones((2, 2))
    return out


@pytest.mark.parametrize("nesterov", [False, True])
def test_additive_noise_matches_the_lyapunov_recursion(nesterov):
    lam = np.array([1.0, 0.0, 0.0])
    omega = np.array([0.0, 0.0, 0.2])
    sim = simulate_momentum(lam, 1.0, 0.1, [10, 80], momentum=0.8, nesterov=nesterov, weight_decay=omega,
                            chains=40_000, seed=3)
    assert sim.covariance.shape == (2, 2, 2, 3) and sim.mean.shape == (2, 2, 3) and sim.diverged.sum() == 0
    for i in range(3):
        reference = _lyapunov_steps(0.1 * (lam[i] + omega[i]), 0.8, 0.1, 1.0, nesterov, (10, 80))
        for j, k in enumerate((10, 80)):
            z = (sim.covariance[j, :, :, i] - reference[k]) / sim.standard_error["covariance"][j, :, :, i]
            assert np.all(np.abs(z) < 5), (i, k, z)
    assert np.allclose(sim.variance, sim.covariance[:, 0, 0])


def test_curvature_noise_and_mean_gradient_match_the_theory():
    sim = simulate_momentum(1.0, 2.0, 0.1, [30], momentum=0.9, curvature_noise=0.5, mean_grad=0.3, cross=0.2,
                            mean0=1.0, var0=0.5, chains=40_000, seed=4)
    mode = MomentumMode(1.0, 2.0, 0.1, 0.5, 0.3, 0.2, momentum=0.9)
    cov = np.array(mode.covariance(30, mean0=1.0, var0=0.5), dtype=float)
    assert abs(sim.mean[0, 0] - float(mode.mean(30, mean0=1.0))) < 5 * sim.standard_error["mean"][0, 0]
    assert np.all(np.abs(sim.covariance[0] - cov) < 5 * sim.standard_error["covariance"][0])


def test_an_unstable_mode_diverges_and_is_counted():
    sim = simulate_momentum(1.0, 1.0, 5.0, [1000], momentum=0.9, chains=100, seed=0)  # |mu| = 2.8 per step
    assert sim.diverged[0] == 100


def test_torch_backend_runs_the_same_map():
    pytest.importorskip("torch")
    sim = simulate_momentum(0.5, 1.0, 0.2, [20], momentum=0.5, nesterov=True, chains=20_000, backend="torch")
    cov = np.array(MomentumMode(0.5, 1.0, 0.2, momentum=0.5, nesterov=True).covariance(20), dtype=float)
    assert np.all(np.abs(sim.covariance[0] - cov) < 5 * sim.standard_error["covariance"][0])


@pytest.mark.parametrize("kwargs, error", [
    ({"curvature": float("nan")}, ValueError), ({"lr": float("inf")}, ValueError), ({"momentum": 1.0}, ValueError),
    ({"momentum": -0.5}, ValueError), ({"weight_decay": -1.0}, ValueError), ({"grad_noise": -1.0}, ValueError),
    ({"momentum": float("nan")}, ValueError), ({"curvature": "1"}, TypeError), ({"momentum": "0.9"}, TypeError),
    ({"nesterov": "yes"}, TypeError), ({"lr": 0.0}, ValueError)])
def test_bad_input_is_refused(kwargs, error):
    args = {"curvature": 1.0, "grad_noise": 1.0, "lr": 0.1, **kwargs}
    with pytest.raises(error):
        simulate_momentum(args.pop("curvature"), args.pop("grad_noise"), args.pop("lr"), [3], chains=10, **args)
