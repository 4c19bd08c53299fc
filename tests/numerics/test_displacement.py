"""The compiled two-time moments against exact rational evaluation of the derived forms and the simulator."""

import numpy as np
import pytest
import sympy as sp

from sgdfp.derive.mode.parameters import D, Gamma, gbar, lam, rho
from sgdfp.derive.stationarity import lag, mean_k, two_time_moments, var_k
from sgdfp.derive.symbols import eta
from sgdfp.numerics import simulate_mode
from sgdfp.numerics.displacement import displacement_functions

F = displacement_functions("numpy")


def _exact(curvature, noise, lr, tau, gamma=0.0, mean_grad=0.0, cross=0.0, m=0.0, V=0.0):
    """The derived MSD with the divided differences made explicit, at the exact rationals of the floats, 60 digits."""
    values = {lam: curvature, D: noise, eta: lr, Gamma: gamma, gbar: mean_grad, rho: cross, mean_k: m, var_k: V,
              lag: tau}
    values = {s: sp.Rational(x) if not isinstance(x, int) else sp.Integer(x) for s, x in values.items()}
    return float(sp.N(two_time_moments().msd.xreplace(values).doit(), 60))


@pytest.mark.parametrize("curvature", [1e-12, 1e-7, 1e-3, 0.4, 3.0, -0.05])
def test_msd_matches_exact_rational_evaluation_from_stiff_to_flat(curvature):
    args = dict(gamma=0.05, mean_grad=0.02, cross=0.01, m=0.3, V=0.7)
    for tau in (1, 7, 200):
        value = F.msd(curvature, 0.9, 0.1, tau, curvature_noise=0.05, mean_grad=0.02, cross=0.01, mean_k=0.3,
                      var_k=0.7)
        assert float(value) == pytest.approx(_exact(curvature, 0.9, 0.1, tau, **args), rel=1e-10)


def test_flat_mode_diffuses_and_a_confined_one_saturates():
    tau = np.array([1, 10, 100, 1000])
    flat = F.msd(0.0, 2.0, 0.1, tau, var_k=5.0)
    assert np.allclose(flat, 0.01 * 2.0 * tau, rtol=1e-13)  # eta^2 D tau whatever the spread at k
    confined = F.stationary_msd(1.0, 2.0, 0.1, tau)
    stationary = 0.1 * 2.0 / (2 - 0.1)
    assert confined[-1] == pytest.approx(2 * stationary, rel=1e-12)
    assert F.exponent(0.0, 2.0, 0.1, 10, 1000) == pytest.approx(1.0, abs=1e-12)
    assert F.exponent(1.0, 2.0, 0.1, 200, 1000, mean_k=0.0, var_k=stationary) == pytest.approx(0.0, abs=1e-6)
    assert F.exponent(0.0, 1e-6, 0.1, 1000, 2000, mean_grad=1.0) == pytest.approx(2.0, abs=1e-3)  # ballistic
    assert np.isnan(F.stationary_msd(-0.1, 1.0, 0.1, 5))  # a saddle: no stationary law
    assert np.isnan(F.exponent(1.0, 0.0, 0.1, 1, 2))  # nothing moves


def test_two_time_covariance_and_mean_displacement():
    tau = np.arange(5)
    assert np.allclose(F.covariance(0.3, 0.5, tau, 2.0), (1 - 0.15) ** tau * 2.0, rtol=1e-14)
    assert np.allclose(F.mean_displacement(0.3, 0.5, tau, mean_grad=0.2, mean_k=1.0),
                       ((1 - 0.15) ** tau - 1) * (1.0 + 0.2 / 0.3), rtol=1e-12)


def test_between_checkpoints_against_the_simulator():
    steps = [0, 3, 10, 30]
    curvature = np.array([0.0, 0.2, 1.5])
    noise = np.array([1.0, 0.5, 2.0])
    lr, gamma, cross, mean_grad = 0.2, np.array([0.0, 0.1, 0.3]), np.array([0.0, 0.05, -0.2]), 0.1
    predicted = F.between(steps, curvature, noise, lr, curvature_noise=gamma, cross=cross, mean_grad=mean_grad)
    run = simulate_mode(curvature, noise, lr, steps, curvature_noise=gamma, cross=cross, mean_grad=mean_grad,
                        chains=100_000, seed=5, keep_samples=True)
    for a in range(len(steps)):
        for b in range(a + 1, len(steps)):
            delta = run.samples[steps[b]] - run.samples[steps[a]]
            measured, error = (delta**2).mean(0), (delta**2).std(0) / np.sqrt(delta.shape[0])
            assert np.all(np.abs(measured - predicted[a, b]) < 4.5 * error + 1e-15), (a, b)
    assert np.allclose(predicted, np.swapaxes(predicted, 0, 1)) and np.all(np.diagonal(predicted) == 0)


def test_torch_backend_gives_the_numpy_values():
    torch = pytest.importorskip("torch")
    tau = torch.tensor([1.0, 5.0, 50.0], dtype=torch.float64)
    values = displacement_functions("torch").msd(torch.tensor(0.3, dtype=torch.float64), 0.8, 0.1, tau, var_k=0.4)
    assert np.allclose(values.numpy(), F.msd(0.3, 0.8, 0.1, tau.numpy(), var_k=0.4), rtol=1e-13)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="non-negative integer"):
        F.msd(0.1, 1.0, 0.1, 1.5)
    with pytest.raises(ValueError, match="NaN"):
        F.msd(np.nan, 1.0, 0.1, 1)
    with pytest.raises(ValueError, match="negative"):
        F.msd(0.1, -1.0, 0.1, 1)
    with pytest.raises(ValueError, match="cannot be negative"):
        F.msd(0.1, 1.0, 0.1, 1, var_k=-1.0)
    with pytest.raises(TypeError, match="unknown keyword"):
        F.msd(0.1, 1.0, 0.1, 1, var0=1.0)
    with pytest.raises(TypeError):
        F.msd("0.1", 1.0, 0.1, 1)
    with pytest.raises(ValueError, match="tau_low < tau_high"):
        F.exponent(0.1, 1.0, 0.1, 5, 5)
    with pytest.raises(TypeError, match="stationary"):
        F.stationary_msd(0.1, 1.0, 0.1, 3, var_k=1.0)
