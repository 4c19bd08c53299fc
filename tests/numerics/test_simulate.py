"""Simulators of the discrete maps, and every compiled mode formula checked against them."""

import numpy as np
import pytest
import torch

from sgdfp.derive import Mode
from sgdfp.numerics import QuadraticModel, mode_functions, simulate_mode, simulate_quadratic

Z = 5.0

# one array of modes covering every regime: confined (with Gamma, gbar, rho), diffusive, unstable, escaping
MODES = dict(curvature=np.array([1.0, 0.0, 1.0, -0.5]), grad_noise=np.array([2.0, 1.0, 1.0, 1.0]),
             lr=np.array([0.3, 0.1, 1.9, 0.2]), curvature_noise=np.array([0.5, 0.0, 0.5, 0.1]),
             mean_grad=np.array([0.4, 0.5, 0.1, 0.0]), cross=np.array([0.2, 0.0, 0.0, 0.05]))
START = dict(mean0=0.3, var0=0.02)


def test_the_modes_cover_every_regime():
    regimes = [Mode(*(float(MODES[key][i]) for key in ("curvature", "grad_noise", "lr", "curvature_noise",
                                                         "mean_grad", "cross"))).regime() for i in range(4)]
    assert regimes == ["confined", "diffusive", "unstable", "escaping"]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_compiled_mean_and_variance_match_the_simulated_map(backend):
    steps = [1, 4, 6]
    sim = simulate_mode(**MODES, steps=steps, **START, chains=100_000, seed=3, backend=backend, device="cpu")
    functions = mode_functions("numpy")
    k = np.array(steps)[:, None]
    mean = functions.mean(MODES["curvature"], MODES["grad_noise"], MODES["lr"], k, **_optional())
    variance = functions.variance(MODES["curvature"], MODES["grad_noise"], MODES["lr"], k, **_optional())
    assert np.all(np.abs(sim.mean - mean) < Z * sim.standard_error["mean"])
    assert np.all(np.abs(sim.variance - variance) < Z * sim.standard_error["variance"])
    assert not sim.diverged.any()


def _optional():
    return {key: MODES[key] for key in ("curvature_noise", "mean_grad", "cross")} | START


def test_higher_moments_and_stationary_values_match_the_simulation():
    confined = {key: value[0] for key, value in MODES.items()}
    sim = simulate_mode(**confined, steps=[5, 150], chains=200_000, seed=5, max_moment=4, keep_samples=True)
    mode = Mode(*(confined[key] for key in ("curvature", "grad_noise", "lr", "curvature_noise", "mean_grad",
                                            "cross")))
    A = np.array(mode.moment_recursion(4).matrix.tolist(), dtype=float)
    predicted = np.linalg.matrix_power(A, 5) @ np.array([1.0, 0, 0, 0, 0])  # from y_0 = 0
    y = sim.samples[5]
    for j in (3, 4):
        assert abs(sim.moments[j][0] - predicted[j]) < Z * (y**j).std() / np.sqrt(len(y)), j
    stationary = mode_functions("numpy").stationary_variance(
        confined["curvature"], confined["grad_noise"], confined["lr"], curvature_noise=confined["curvature_noise"],
        mean_grad=confined["mean_grad"], cross=confined["cross"])
    assert abs(sim.variance[1] - stationary) < Z * sim.standard_error["variance"][1]


def test_a_user_supplied_non_gaussian_sampler_only_sees_second_moments_in_the_variance():
    def rademacher(normal, shape):  # h = 1 +/- 0.5, g = +/- 1: same mean and variance as the Gaussian mode
        signs = np.sign(normal(shape)), np.sign(normal(shape))
        return 1.0 + 0.5 * signs[0], signs[1]

    sim = simulate_mode(1.0, 1.0, 0.4, steps=[20], curvature_noise=0.25, chains=100_000, seed=2,
                        sampler=rademacher)
    predicted = mode_functions("numpy").variance(1.0, 1.0, 0.4, 20, curvature_noise=0.25)
    assert abs(sim.variance[0] - predicted) < Z * sim.standard_error["variance"][0]


def test_seeds_reproduce_and_divergence_is_counted():
    a = simulate_mode(1.0, 1.0, 0.5, steps=[3], chains=1000, seed=7)
    b = simulate_mode(1.0, 1.0, 0.5, steps=[3], chains=1000, seed=7)
    c = simulate_mode(1.0, 1.0, 0.5, steps=[3], chains=1000, seed=8)
    assert np.array_equal(a.variance, b.variance) and not np.array_equal(a.variance, c.variance)
    blown = simulate_mode(1.0, 1.0, 50.0, steps=[300], curvature_noise=4.0, chains=1000, seed=1)
    assert blown.diverged[0] > 0


def test_quadratic_simulation_matches_the_exact_covariance():
    H = np.array([[2.0, 0.6], [0.6, 0.5]])
    C = np.array([[1.0, 0.3], [0.3, 0.4]])
    gamma = np.zeros((2, 2, 2, 2))
    gamma[0, 0, 0, 0], gamma[1, 1, 1, 1], gamma[0, 1, 0, 1] = 0.3, 0.1, 0.05
    gamma[1, 0, 1, 0] = gamma[0, 1, 1, 0] = gamma[1, 0, 0, 1] = 0.05  # Xi symmetric: Xi_01 = Xi_10
    cross = np.zeros((2, 2, 2))
    cross[0, 0, 0] = 0.1
    gbar = np.array([0.05, -0.1])
    model = QuadraticModel(H, C, 0.3, curvature_noise=gamma, mean_grad=gbar, cross=cross)
    for backend in ("numpy", "torch"):
        sim = simulate_quadratic(H, C, 0.3, steps=[5, 40], curvature_noise=gamma, mean_grad=gbar, cross=cross,
                                 chains=100_000, seed=9, backend=backend, device="cpu", keep_samples=True)
        for index, k in enumerate(sim.steps):
            x = sim.samples[int(k)]
            centred = x - x.mean(0)
            exact = model.covariance(int(k))
            for i in range(2):
                for j in range(2):
                    products = centred[:, i] * centred[:, j]
                    assert abs(sim.covariance[index, i, j] - exact[i, j]) < Z * products.std() / np.sqrt(len(x))
            assert np.all(np.abs(sim.mean[index] - model.mean(int(k))) < Z * x.std(0) / np.sqrt(len(x)))


@pytest.mark.parametrize("call, message", [
    (lambda: simulate_mode(1, -1, 0.1, steps=[1]), "cannot be negative"),
    (lambda: simulate_mode(1, 1, 0.1, steps=[1], curvature_noise=0.1, cross=1.0), "impossible"),
    (lambda: simulate_mode(1, 1, 0.1, steps=[1.5]), "non-negative integers"),
    (lambda: simulate_mode(1, 1, 0.1, steps=[1], chains=1), "chains"),
    (lambda: simulate_mode(1, 1, 0.1, steps=[1], backend="jax"), "unknown backend"),
    (lambda: simulate_mode(1, 1, 0.1, steps=[1], device="cuda"), "numpy backend runs on the CPU"),
    (lambda: simulate_quadratic([[1, 2], [0, 1]], np.eye(2), 0.1, steps=[1]), "symmetric"),
    (lambda: simulate_quadratic(np.eye(2), -np.eye(2), 0.1, steps=[1]), "positive semi-definite"),
])
def test_bad_simulation_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on machines without CUDA")
def test_asking_for_cuda_without_one_is_a_clear_error():
    with pytest.raises(ValueError, match="no CUDA device"):
        simulate_mode(1, 1, 0.1, steps=[1], backend="torch", device="cuda")


@pytest.mark.gpu
def test_cuda_simulation_agrees_with_the_formula():
    sim = simulate_mode(1.0, 2.0, 0.3, steps=[50], curvature_noise=0.5, chains=200_000, seed=1,
                        backend="torch", device="cuda")
    predicted = mode_functions("numpy").variance(1.0, 2.0, 0.3, 50, curvature_noise=0.5)
    assert abs(sim.variance[0] - predicted) < Z * sim.standard_error["variance"][0]


@pytest.mark.parametrize("call, error, message", [
    (lambda: simulate_mode(float("nan"), 1.0, 0.1, steps=[1]), ValueError, "curvature has NaN or infinite"),
    (lambda: simulate_mode(1.0, 1.0, 0.1, steps=[1], mean0=float("inf")), ValueError, "mean0 has NaN or infinite"),
    (lambda: simulate_mode("1", 1.0, 0.1, steps=[1]), TypeError, "curvature must be a number .* not text"),
    (lambda: simulate_mode(1.0, 1.0, 0.1, steps="10"), TypeError, "steps must be non-negative integers"),
    (lambda: simulate_mode(1.0, 1.0, 0.1, steps=[1], max_moment=0), ValueError, "max_moment"),
    (lambda: simulate_mode(1.0, 1.0, 0.1, steps=[1], sampler="gauss"), TypeError, "sampler must be a function"),
    (lambda: simulate_mode(1.0, 1.0, 0.1, steps=[1], keep_samples="yes"), TypeError, "keep_samples"),
    (lambda: simulate_mode([1.0, 2.0], [1.0, 2.0, 3.0], 0.1, steps=[1]), ValueError, "do not broadcast"),
    (lambda: simulate_quadratic(np.eye(2), np.eye(2), float("nan"), steps=[1]), ValueError, "lr has NaN"),
    (lambda: simulate_quadratic(np.eye(2), np.eye(2), -0.1, steps=[1]), ValueError, "lr must be a positive"),
    (lambda: simulate_quadratic(np.eye(2), [[1.0, np.inf], [np.inf, 1.0]], 0.1, steps=[1]), ValueError,
     "grad_cov has NaN"),
    (lambda: simulate_quadratic(np.eye(2), np.eye(2), 0.1, steps=[1], mean_grad=[0.0]), ValueError,
     r"mean_grad must have shape \(2,\)"),
])
def test_nan_infinite_and_text_parameters_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_overflow_to_infinity_counts_as_diverged():
    """eta lambda = 30: |1 - eta h| ~ 29 per step, so float64 overflows within ~250 steps; every chain is counted."""
    sim = simulate_mode(1.0, 1.0, 30.0, steps=[0, 400], chains=100, seed=0)
    assert sim.diverged[0] == 0 and sim.diverged[1] == 100
