"""The pairwise closure of coupled modes: exact where the closure is (the 3-D case, against the full covariance and
Monte Carlo), the derived closure evaluated (against sgdfp.derive.coupled), its error on random cases, growth
and regimes from the coupled spectral radius, and the QuadraticModel's coupled mode views."""

import numpy as np
import pytest

from sgdfp.derive.coupled import closure, diagonal_step
from sgdfp.derive.symbols import eta
from sgdfp.errors import InputError
from sgdfp.numerics import QuadraticModel, simulate_quadratic
from sgdfp.numerics.coupled import CoupledClosure, feeding_radii


def _three_modes():
    """H = diag(0, 1/2, 1), Var((H_B)_02) = 2 (the only curvature noise), C = I/2, eta = 0.1."""
    G = np.zeros((3, 3, 3, 3))
    for a in ((0, 2), (2, 0)):
        for b in ((0, 2), (2, 0)):
            G[(*a, *b)] = 2.0
    return QuadraticModel(np.diag([0.0, 0.5, 1.0]), 0.5 * np.eye(3), 0.1, curvature_noise=G)


def test_three_mode_case_against_the_full_covariance_and_monte_carlo():
    model = _three_modes()
    V = np.zeros((3, 3))
    V[0, 2] = V[2, 0] = 2.0
    closure_ = CoupledClosure([0.0, 0.5, 1.0], [0.5] * 3, 0.1, V)
    exact = np.diag(model.covariance(400))
    assert np.allclose(closure_.variance(400), exact, rtol=1e-10)  # the closure is exact here
    assert exact[0] == pytest.approx(3.40215, abs=1e-5)
    assert closure_.spectral_radius() == pytest.approx(model.second_moment_spectral_radius(), rel=1e-12)
    assert closure_.spectral_radius() == pytest.approx(1.0021, abs=1e-4)
    simulated = simulate_quadratic(model.hessian, model.grad_cov, 0.1, [400], curvature_noise=model.curvature_noise,
                                   chains=20_000, seed=2, keep_samples=True).samples[400][:, 0]
    squares = (simulated - simulated.mean()) ** 2
    se = squares.std() / np.sqrt(squares.size)  # the flat mode is heavy-tailed: the standard error from the samples
    assert abs(squares.mean() - exact[0]) < 4 * se
    assert squares.mean() - 2.0 > 4 * se  # what the one-mode theory says is ruled out


def test_growth_and_regimes_from_the_feeding_subsystem():
    V = np.zeros((3, 3))
    V[0, 2] = V[2, 0] = 2.0
    closure_ = CoupledClosure([0.0, 0.5, 1.0], [0.5] * 3, 0.1, V)
    u = closure_.growth_offsets()
    assert u[0] == u[2] == pytest.approx(closure_.spectral_radius() - 1, rel=1e-12)
    assert u[1] == pytest.approx(0.1 * (0.1 * 0.25 - 1.0), rel=1e-14)  # its own q - 1, nothing feeds it
    assert closure_.regimes() == ["unstable", "confined", "unstable"]
    assert closure_.regimes(horizon=400) == ["diffusive", "confined", "diffusive"]  # 0.0021 < 1/400
    stationary = closure_.stationary_variance()
    assert np.isnan(stationary[0]) and np.isnan(stationary[2])
    assert stationary[1] == pytest.approx(0.1 * 0.5 / (2 * 0.5 - 0.1 * 0.25), rel=1e-12)


def test_feeding_follows_the_dependencies_one_way():
    """Mode 1 feeds mode 0 but not the reverse: 0 grows with 1's radius, 1 keeps its own."""
    T = np.array([[0.5, 0.2], [0.0, 1.1]])
    radius, feeders = feeding_radii(T)
    assert radius == pytest.approx([1.1, 1.1]) and [list(f) for f in feeders] == [[0, 1], [1]]


def test_evaluates_the_derived_closure():
    rng = np.random.default_rng(1)
    d, lr = 3, 0.2
    lam, D, gbar, m = rng.uniform(-0.2, 1.5, d), rng.uniform(0.1, 1, d), rng.normal(size=d), rng.normal(size=d)
    V = rng.uniform(0, 1, (d, d))
    V = (V + V.T) / 2
    R = rng.normal(size=(d, d)) * 0.1
    s = rng.uniform(0.5, 2, d) + m**2
    new_mean, new_second = CoupledClosure(lam, D, lr, V, gbar, R).step(m, s)
    step = diagonal_step(d)
    values = {eta: lr}
    for i in range(d):
        values.update({step.curvatures[i]: lam[i], step.mean_grad[i]: gbar[i], step.mean[i]: m[i],
                       step.second[i, i]: s[i], step.gradient_noise[i, i]: D[i]})
        for j in range(d):
            values[step.pair_curvature_noise()[i, j]] = V[i, j]
            values[step.pair_cross()[i, j]] = R[i, j]
    assert np.allclose([float(e.subs(values)) for e in closure(step)], new_second, rtol=1e-12)
    assert np.allclose([float(e.subs(values)) for e in step.next_mean], new_mean, rtol=1e-12)


def _random_case(rng, d=4, lr=0.1):
    lam = np.sort(np.concatenate([[0.0, 0.02], rng.uniform(0.3, 1.5, d - 2)]))
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    xi = rng.normal(size=(6, d, d)) * 0.5
    xi = (xi + xi.transpose(0, 2, 1)) / 2
    xi -= xi.mean(0)
    A = rng.normal(size=(d, d))
    return QuadraticModel(Q @ np.diag(lam) @ Q.T, A @ A.T / (2 * d), lr,
                          curvature_noise=np.einsum("nij,nkl->ijkl", xi, xi) / 6)


def test_closure_error_on_random_cases_is_far_below_the_one_mode_theorys():
    """Random 4-mode cases with dense curvature noise (flat and nearly flat modes included), k = 300: the closure's
    |log| error against the exact diagonal (measured: median 0.03, max 0.34) against the one-mode theory's
    (median 0.4, max 1.5)."""
    rng = np.random.default_rng(0)
    closure_errors, diagonal_errors = [], []
    for _ in range(8):
        model = _random_case(rng)
        decomposition = model.modes()
        E = decomposition.eigenvectors
        G = np.einsum("ia,jb,kc,ld,ijkl->abcd", E, E, E, E, model.curvature_noise)
        closure_ = CoupledClosure(decomposition.eigenvalues, np.diag(decomposition.rotated_grad_cov), model.lr,
                                  np.einsum("abab->ab", G))
        exact = np.diag(E.T @ model.covariance(300) @ E)
        closure_errors += list(np.abs(np.log(closure_.variance(300) / exact)))
        diagonal = np.array([float(mode.uncoupled.variance(300)) for mode in decomposition.modes])
        diagonal_errors += list(np.abs(np.log(diagonal / exact)))
        assert [mode.variance(300) for mode in decomposition.modes] == pytest.approx(exact, rel=1e-10)
    assert np.median(closure_errors) < 0.05 < 0.3 < np.median(diagonal_errors)
    assert max(closure_errors) < 0.4 < 1.0 < max(diagonal_errors)


def test_mode_views_report_the_coupled_answers():
    decomposition = _three_modes().modes()
    flat, middle, stiff = decomposition.modes
    assert decomposition.coupled and flat.coupled and stiff.coupled and not middle.coupled
    assert flat.feeders == (0, 2) and middle.feeders == (1,)
    assert flat.variance(400) == pytest.approx(3.40215, abs=1e-5)
    assert float(flat.uncoupled.variance(400)) == pytest.approx(2.0, rel=1e-12)  # what the view no longer says
    assert flat.regime() == "unstable" and flat.uncoupled.regime() == "diffusive"
    assert flat.spectral_radius == pytest.approx(1.002082, abs=1e-6)
    assert np.isnan(flat.stationary_variance()) and np.isnan(stiff.stationary_variance())
    # the middle mode has a stationary law although the model as a whole has none
    assert _three_modes().stationary_covariance() is None
    assert middle.stationary_variance() == pytest.approx(float(middle.uncoupled.stationary_variance()), rel=1e-12)
    assert middle.regime() == "confined" and middle.growth_offset() == pytest.approx(
        float(middle.uncoupled.growth_offset()), rel=1e-14)


@pytest.mark.parametrize("kwargs, message", [
    ({"curvature": [0.0, 1.0], "grad_noise": [1.0], "lr": 0.1}, "shape"),
    ({"curvature": [0.0, 1.0], "grad_noise": [1.0, -1.0], "lr": 0.1}, "negative"),
    ({"curvature": [0.0, 1.0], "grad_noise": [1.0, 1.0], "lr": 0.0}, "lr"),
    ({"curvature": [0.0, 1.0], "grad_noise": [1.0, 1.0], "lr": 0.1, "pair_curvature_noise": [[0, 1], [0, 0]]},
     "symmetric"),
    ({"curvature": [0.0, 1.0], "grad_noise": [1.0, 1.0], "lr": 0.1, "pair_curvature_noise": [[0, -1], [-1, 0]]},
     "negative"),
    ({"curvature": [0.0, np.nan], "grad_noise": [1.0, 1.0], "lr": 0.1}, "non-finite"),
])
def test_bad_input(kwargs, message):
    with pytest.raises(InputError, match=message):
        CoupledClosure(**kwargs)
    with pytest.raises(TypeError, match="text"):
        CoupledClosure("1, 2", [1.0], 0.1)
