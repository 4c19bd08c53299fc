"""Compiled mode formulas: accuracy against mpmath on the issue's grid, high-precision matrix powers, backends,
autograd, broadcasting."""

import itertools

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch

from sgdfp.derive import Mode, eta
from sgdfp.derive.mode.parameters import D, Gamma, k_step, lam
from sgdfp.numerics import mode_functions

LAMBDAS = np.logspace(-12, 2, 29)


ETAS = np.logspace(-4, 0, 9)


STEPS = np.array([1, 10, 1_000, 100_000, 10_000_000], dtype=float)


GAMMAS = {"zero": 0.0, "small": 1e-8, "large": 1.0}


DIFFUSION = 0.7


def _grid(gamma):
    lam_, eta_, k_ = (a.ravel() for a in np.meshgrid(LAMBDAS, ETAS, STEPS, indexing="ij"))
    keep = 2 - eta_ * lam_ > 0
    return lam_[keep], eta_[keep], k_[keep], np.full(keep.sum(), gamma)


def _reference(lam_, eta_, k_, gamma):
    """eta^2 D (q^k - 1)/(q - 1) with q = (1 - eta lam)^2 + eta^2 Gamma, at 50 digits (None if overflowing)."""
    with mpmath.workdps(50):
        out = []
        for l, e, k, g in zip(lam_, eta_, k_, gamma):
            l, e, g = mpmath.mpf(float(l)), mpmath.mpf(float(e)), mpmath.mpf(float(g))
            q = (1 - e * l) ** 2 + e**2 * g
            geometric = mpmath.mpf(int(k)) if q == 1 else (q ** int(k) - 1) / (q - 1)
            value = e**2 * DIFFUSION * geometric
            out.append(value if value < mpmath.mpf("1e300") else None)
        return out


def _max_relative_error(values, reference):
    errors = [abs((mpmath.mpf(float(v)) - r) / r) for v, r in zip(values, reference) if r is not None]
    return float(max(errors)), len(errors)


@pytest.mark.parametrize("gamma_name", list(GAMMAS))
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_compiled_variance_is_accurate_to_1e_12_on_the_grid(backend, gamma_name):
    lam_, eta_, k_, gamma = _grid(GAMMAS[gamma_name])
    reference = _reference(lam_, eta_, k_, gamma)
    functions = mode_functions(backend)
    if backend == "torch":
        lam_, eta_, k_, gamma = (torch.as_tensor(a) for a in (lam_, eta_, k_, gamma))
    present = {} if gamma_name == "zero" else {"curvature_noise": gamma}
    values = functions.variance(lam_, DIFFUSION, eta_, k_, **present)
    error, count = _max_relative_error(np.asarray(values), reference)
    assert count > 1000
    assert error <= 1e-12, error


def test_the_naive_lambdified_formula_fails_on_the_same_grid():
    explicit = Mode(lam, D, eta, Gamma).variance(k_step).doit()
    naive = sp.lambdify((lam, D, eta, k_step, Gamma), explicit, "numpy")
    lam_, eta_, k_, gamma = _grid(GAMMAS["zero"])
    with np.errstate(all="ignore"):
        values = naive(lam_, DIFFUSION, eta_, k_, gamma)
    reference = _reference(lam_, eta_, k_, gamma)
    finite = [(v, r) for v, r in zip(values, reference) if r is not None]
    errors = [abs((mpmath.mpf(float(v)) - r) / r) if np.isfinite(v) else mpmath.inf for v, r in finite]
    assert float(max(errors)) > 1e-3


def test_general_mode_formulas_match_high_precision_matrix_powers():
    """With curvature noise, mean gradient, cross term and a start away from 0 (3- and 4-node divided
    differences), against Mode's 40-digit matrix power."""
    functions = mode_functions("numpy")
    worst = 0.0
    for l, e, k in itertools.product([1e-9, 1e-4, 0.3, 1.2], [1e-3, 0.1, 0.9], [1, 50, 10_000]):
        mode = Mode(l, 0.5, e, curvature_noise=0.2, mean_grad=0.3, cross=0.1)
        kwargs = dict(curvature_noise=0.2, mean_grad=0.3, cross=0.1, mean0=0.4, var0=0.05)
        for quantity in ("mean", "variance", "langevin_variance", "sme2_variance"):
            exact = float(getattr(mode, quantity)(k, 0.4, 0.05) if quantity != "mean" else mode.mean(k, 0.4))
            got = float(getattr(functions, quantity)(l, 0.5, e, k, **kwargs))
            if abs(exact) < 1e300:
                assert np.isfinite(got), (l, e, k, quantity)
                worst = max(worst, abs(got - exact) / abs(exact))
    assert worst < 1e-11, worst


def test_torch_agrees_with_numpy_and_keeps_dtype_and_device():
    lam_ = np.logspace(-8, 1, 50)
    numpy_values = mode_functions("numpy").variance(lam_, 1.3, 0.05, 77, curvature_noise=0.1, mean_grad=0.2)
    torch_values = mode_functions("torch").variance(torch.as_tensor(lam_), 1.3, 0.05, 77, curvature_noise=0.1,
                                                    mean_grad=0.2)
    assert torch_values.dtype == torch.float64
    assert np.allclose(torch_values.numpy(), numpy_values, rtol=1e-13, atol=0)
    single = mode_functions("torch").variance(torch.as_tensor(lam_, dtype=torch.float32), 1.3, 0.05, 77)
    assert single.dtype == torch.float32


def test_autograd_through_the_compiled_variance_matches_finite_differences():
    functions = mode_functions("torch")
    lam_ = torch.tensor([1e-6, 0.01, 0.5, 1.5], dtype=torch.float64, requires_grad=True)
    eta_ = torch.tensor(0.2, dtype=torch.float64, requires_grad=True)
    value = functions.variance(lam_, 0.8, eta_, 40, curvature_noise=0.05, mean_grad=0.1)
    value.sum().backward()
    h = 1e-6
    for i in range(4):
        plus, minus = lam_.detach().clone(), lam_.detach().clone()
        plus[i] += h
        minus[i] -= h
        fd = (functions.variance(plus, 0.8, 0.2, 40, curvature_noise=0.05, mean_grad=0.1)[i]
              - functions.variance(minus, 0.8, 0.2, 40, curvature_noise=0.05, mean_grad=0.1)[i]) / (2 * h)
        assert float(lam_.grad[i]) == pytest.approx(float(fd), rel=1e-6, abs=1e-9)
    assert torch.isfinite(eta_.grad)


def test_broadcasting_modes_by_steps():
    lam_ = np.linspace(0.0, 2.0, 1000)[:, None]
    steps = np.arange(1, 101)[None, :]
    values = mode_functions("numpy").variance(lam_, 1.0, 0.1, steps)
    assert values.shape == (1000, 100) and np.all(np.isfinite(values))
    assert values[0, 9] == pytest.approx(0.1**2 * 1.0 * 10)  # flat mode: eta^2 D k


def test_langevin_dynamics_compiles_the_ornstein_uhlenbeck_variance():
    lam_ = np.array([0.1, 1.0, 3.0])
    k = np.array([[1.0], [50.0], [1000.0]])
    values = mode_functions("numpy", "langevin").variance(lam_, 2.0, 0.05, k)
    t = 0.05 * k
    assert np.allclose(values, 0.05 * 2.0 * (1 - np.exp(-2 * lam_ * t)) / (2 * lam_), rtol=1e-13)
    assert np.allclose(mode_functions("numpy").langevin_variance(lam_, 2.0, 0.05, k), values, rtol=0)


@pytest.mark.parametrize("call, message", [
    (lambda f: f.variance(1.0, -1.0, 0.1, 10), "cannot be negative"),
    (lambda f: f.variance(1.0, 1.0, 0.0, 10), "must be positive"),
    (lambda f: f.variance(np.array([1.0, np.nan]), 1.0, 0.1, 10), "NaN or infinite"),
    (lambda f: f.variance(1.0, 1.0, 0.1, -3), "non-negative integer"),
    (lambda f: f.variance(1.0, 1.0, 0.1, 2.5), "non-negative integer"),
    (lambda f: f.stationary_variance(1.0, 1.0, 0.1, var0=-1.0), "cannot be negative"),
    (lambda f: f.regime(1.0, 0.1, 0), "horizon"),
    (lambda f: f.variance("1", 1.0, 0.1, 10), "number or an array"),
    (lambda f: f.variance(1.0, 1.0, 0.1, 10, var0=["0.5"]), "var0 must be a number or an array of numbers, not text"),
    (lambda f: f.regime(1.0, 0.1, "100"), "horizon must be a number or an array of numbers, not text"),
    (lambda f: f.regime(1.0, 0.1, float("nan")), "horizon must be a positive number"),
    (lambda f: f.function("variance", "var0"), "present must be a set"),
    (lambda f: f.function("variance", {"gamma"}), "unknown optional parameter"),
    (lambda f: f.function("__import__('os')"), "unknown quantity"),
])
def test_bad_arguments_are_refused_not_returned_as_numbers(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call(mode_functions("numpy"))
