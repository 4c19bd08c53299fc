"""QuadraticModel: the recursion against the engine, Monte Carlo, scipy's Lyapunov solvers, decoupling."""

import itertools

import numpy as np
import pytest
import scipy.linalg
import sympy as sp
from simulate import quadratic_samples

from sgdfp.derive import DiscreteUpdate, Noise, eta, kramers_moyal
from sgdfp.numerics import QuadraticModel, pair_cross_covariance

H = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, 0.3], [0.0, 0.3, 0.4]])
SYMMETRIC_BASIS = np.array([np.outer(e, f) + np.outer(f, e) for e, f in
                            [(np.eye(3)[0], np.eye(3)[0]), (np.eye(3)[0], np.eye(3)[1]), (np.eye(3)[2], np.eye(3)[2])]]) / 2


def _noisy_model(lr=0.3):
    """Curvature noise H_B = H + sum_m xi_m B_m, gradient noise correlated with it through v_m."""
    scales = np.array([0.5, 0.4, 0.3])
    couplings = np.array([[0.2, 0.0, 0.1], [0.0, -0.1, 0.0], [0.05, 0.0, 0.0]])
    chol_c = np.array([[1.0, 0.0, 0.0], [0.4, 0.6, 0.0], [-0.2, 0.1, 0.5]])
    gbar = np.array([0.1, -0.2, 0.05])
    var = scales**2
    gamma = np.einsum("m,mij,mkl->ijkl", var, SYMMETRIC_BASIS, SYMMETRIC_BASIS)
    cross = np.einsum("m,mij,mk->ijk", var, SYMMETRIC_BASIS, couplings)
    grad_cov = chol_c @ chol_c.T + np.einsum("m,mi,mj->ij", var, couplings, couplings)
    model = QuadraticModel(H, grad_cov, lr, curvature_noise=gamma, mean_grad=gbar, cross=cross)
    return model, (scales, couplings, chol_c, gbar)


def test_covariance_matches_monte_carlo_with_non_commuting_noise():
    model, (scales, couplings, chol_c, gbar) = _noisy_model()
    assert not np.allclose(H @ model.grad_cov, model.grad_cov @ H)
    steps = [3, 15, 60]
    samples = quadratic_samples(H, model.lr, steps, SYMMETRIC_BASIS, scales, couplings, chol_c, gbar, seed=4)
    for k in steps:
        x = samples[k]
        predicted, predicted_mean = model.covariance(k), model.mean(k)
        centred = x - x.mean(0)
        for i, j in itertools.product(range(3), repeat=2):
            products = centred[:, i] * centred[:, j]
            se = products.std() / np.sqrt(len(x))
            assert abs(predicted[i, j] - products.mean()) < 5 * se, (k, i, j)
        se_mean = x.std(0) / np.sqrt(len(x))
        assert np.all(np.abs(predicted_mean - x.mean(0)) < 5 * se_mean)
    assert np.allclose(model.covariance(400), model.stationary_covariance(), atol=1e-10)


def test_the_recursion_is_the_adjoint_of_the_engine_in_two_dimensions():
    """Build the 2-D random-quadratic update symbolically and compare E[x'x'^T] with `step`."""
    rng = np.random.default_rng(7)
    x = sp.symbols("x1 x2", real=True)
    xi = sp.symbols("xi1 xi2 xi3 zeta1 zeta2", real=True)
    basis = [np.array([[1, 0], [0, 0]]), np.array([[0, 1], [1, 0]]) / 2, np.array([[0, 0], [0, 1]])]
    hess = np.array([[1.3, 0.4], [0.4, 0.7]])
    noise_cov = rng.normal(size=(5, 5))
    noise_cov = noise_cov @ noise_cov.T / 5
    mean = np.array([0, 0, 0, 0.3, -0.1])
    noise = Noise.gaussian(xi, [sp.nsimplify(v) for v in mean], sp.Matrix(noise_cov).applyfunc(sp.nsimplify))
    hb = sp.Matrix(hess).applyfunc(sp.nsimplify) + sum((sp.Matrix(b).applyfunc(sp.nsimplify) * xi[m]
                                                          for m, b in enumerate(basis)), sp.zeros(2, 2))
    increment = -eta * (hb * sp.Matrix(x) + sp.Matrix([xi[3], xi[4]]))
    update = DiscreteUpdate(x, list(increment), noise, eta)
    series = kramers_moyal(update, sp.Function("P")(*x), 2)
    # the same model in QuadraticModel's parameters
    B = np.array(basis, dtype=float)
    cov_h, cov_hg, cov_g = noise_cov[:3, :3], noise_cov[:3, 3:], noise_cov[3:, 3:]
    model = QuadraticModel(hess, cov_g, 0.25, curvature_noise=np.einsum("mn,mij,nkl->ijkl", cov_h, B, B),
                           mean_grad=mean[3:], cross=np.einsum("mk,mij->ijk", cov_hg, B))
    m = np.array([0.2, -0.5])
    S = np.array([[0.9, 0.1], [0.1, 0.4]]) + np.outer(m, m)
    new_m, new_S = model.step(m, S)

    def expectation(poly):  # replace monomials by the given moments
        p = sp.Poly(sp.expand(poly.subs(eta, sp.Rational(1, 4))), *x)
        total = 0.0
        for (a, b), c in p.terms():
            moment = {(0, 0): 1.0, (1, 0): m[0], (0, 1): m[1], (2, 0): S[0, 0], (1, 1): S[0, 1], (0, 2): S[1, 1]}
            total += float(c) * moment[(a, b)]
        return total

    for i in range(2):
        assert expectation(x[i] + series.adjoint(x[i])) == pytest.approx(new_m[i], rel=1e-12)
        for j in range(2):
            assert expectation(x[i] * x[j] + series.adjoint(x[i] * x[j])) == pytest.approx(new_S[i, j], rel=1e-12)


def test_stationary_covariances_against_scipy_lyapunov_solvers():
    C = np.array([[1.0, 0.3, 0.1], [0.3, 0.5, 0.0], [0.1, 0.0, 0.2]])
    model = QuadraticModel(H, C, 0.4)
    A = np.eye(3) - 0.4 * H
    assert np.allclose(model.stationary_covariance(), scipy.linalg.solve_discrete_lyapunov(A, 0.16 * C), rtol=1e-10)
    assert np.allclose(model.langevin_stationary_covariance(),
                       scipy.linalg.solve_continuous_lyapunov(H, 0.4 * C), rtol=1e-10)
    assert np.allclose(model.covariance(2000), model.stationary_covariance(), rtol=1e-9)


def test_commuting_hessian_and_noise_decouple_the_modes():
    lam, V = np.linalg.eigh(H)
    C = V @ np.diag([0.3, 1.0, 2.0]) @ V.T  # a function of H: commutes with it
    model = QuadraticModel(H, C, 0.3)
    decomposition = model.modes()
    assert decomposition.grad_noise_offdiagonal < 1e-12
    stationary = V.T @ model.stationary_covariance() @ V
    assert np.allclose(stationary - np.diag(np.diag(stationary)), 0, atol=1e-12)
    for a, mode in enumerate(decomposition.modes):
        assert float(mode.stationary_variance()) == pytest.approx(stationary[a, a], rel=1e-10)
        assert float(mode.variance(7)) == pytest.approx((V.T @ model.covariance(7) @ V)[a, a], rel=1e-10)
    assert abs(model.cross_covariance(0, 2)) < 1e-14


def test_non_commuting_modes_keep_the_exact_cross_covariance():
    C = np.array([[1.0, 0.3, 0.1], [0.3, 0.5, 0.0], [0.1, 0.0, 0.2]])
    model = QuadraticModel(H, C, 0.3)
    decomposition = model.modes()
    assert decomposition.grad_noise_offdiagonal > 0.05
    V = decomposition.eigenvectors
    for k in (1, 9, None):
        full = model.stationary_covariance() if k is None else model.covariance(k)
        for a, b in ((0, 1), (1, 2), (0, 2)):
            assert model.cross_covariance(a, b, k) == pytest.approx(V[:, a] @ full @ V[:, b], rel=1e-9, abs=1e-14)
    # the closed form: eta C_ab / (lam_a + lam_b - eta lam_a lam_b)
    lam, c01 = decomposition.eigenvalues, decomposition.rotated_grad_cov[0, 1]
    assert pair_cross_covariance(lam[0], lam[1], c01, 0.3) == pytest.approx(
        0.3 * c01 / (lam[0] + lam[1] - 0.3 * lam[0] * lam[1]), rel=1e-12)


def test_noisy_model_stationary_law_and_its_langevin_counterpart():
    model, _ = _noisy_model(lr=0.3)
    assert model.second_moment_spectral_radius() < 1
    discrete, langevin = model.stationary_covariance(), model.langevin_stationary_covariance()
    assert np.all(np.linalg.eigvalsh(discrete) > 0) and np.all(np.linalg.eigvalsh(langevin) > 0)
    assert not np.allclose(discrete, langevin, rtol=0.02)
    hot, _ = _noisy_model(lr=1.5)
    assert hot.stationary_covariance() is None


@pytest.mark.parametrize("kwargs, message", [
    (dict(hessian=[[1, 2], [0, 1]], grad_cov=np.eye(2), lr=0.1), "hessian must be symmetric"),
    (dict(hessian=np.eye(2), grad_cov=[[1, 2], [2, 1]], lr=0.1), "positive semi-definite"),
    (dict(hessian=np.eye(2), grad_cov=np.eye(3), lr=0.1), "shape"),
    (dict(hessian=np.eye(2), grad_cov=np.eye(2), lr=0.0), "lr must be a positive"),
    (dict(hessian=[1, 2], grad_cov=np.eye(2), lr=0.1), "square matrix"),
    (dict(hessian=np.eye(2), grad_cov=np.eye(2), lr=0.1, curvature_noise=np.zeros((2, 2))), "shape"),
])
def test_bad_quadratic_models(kwargs, message):
    with pytest.raises(ValueError, match=message):
        QuadraticModel(**kwargs)


def test_langevin_dynamics_follows_the_sde_exactly():
    """Diagonal H and C: each coordinate is an Ornstein-Uhlenbeck process at time t = eta k; in general the
    stationary covariance solves the continuous Lyapunov equation H S + S H = eta C (scipy)."""
    import scipy.linalg

    lam_, c, lr, k = np.array([0.5, 2.0]), np.array([1.0, 0.3]), 0.1, 37
    model = QuadraticModel(np.diag(lam_), np.diag(c), lr, dynamics="langevin")
    ou = lr * c * (1 - np.exp(-2 * lam_ * lr * k)) / (2 * lam_)
    assert np.allclose(np.diag(model.covariance(k)), ou, rtol=1e-12)
    H = np.array([[2.0, 0.6], [0.6, 1.0]])
    C = np.array([[1.0, 0.3], [0.3, 0.5]])
    general = QuadraticModel(H, C, lr, dynamics="langevin")
    assert np.allclose(general.stationary_covariance(), scipy.linalg.solve_continuous_lyapunov(H, lr * C), rtol=1e-12)
    assert np.allclose(QuadraticModel(H, C, lr).langevin_stationary_covariance(), general.stationary_covariance())
    assert np.allclose(general.covariance(100_000), general.stationary_covariance(), rtol=1e-9)


def test_bad_quadratic_models_are_refused():
    with pytest.raises(ValueError, match="non-empty square"):
        QuadraticModel(np.zeros((0, 0)), np.zeros((0, 0)), 0.1)
    gamma = np.zeros((2, 2, 2, 2))
    gamma[0, 0, 0, 0] = -1.0
    with pytest.raises(ValueError, match="cannot be negative"):
        QuadraticModel(np.eye(2), np.eye(2), 0.1, curvature_noise=gamma)
    assert QuadraticModel(np.eye(2), np.eye(2), np.float64(0.1)).lr == 0.1
    with pytest.raises(ValueError, match="SGD and Langevin"):
        QuadraticModel(np.eye(2), np.eye(2), 0.1, dynamics="sme2")


def test_pair_and_step_arguments_are_numbers_never_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = "__import__('os').system('touch PWNED')"
    for call in (lambda: pair_cross_covariance(payload, 0.5, 0.2, 0.1), lambda: pair_cross_covariance(1, 0.5, 0.2, 0.1,
                                                                                                      k=payload),
                 lambda: QuadraticModel(payload, np.eye(1), 0.1), lambda: QuadraticModel(np.eye(1), np.eye(1), payload),
                 lambda: QuadraticModel(np.eye(1), np.eye(1), 0.1).step(payload, np.eye(1))):
        with pytest.raises(TypeError, match="not text|real number"):
            call()
    assert not (tmp_path / "PWNED").exists()
    model = QuadraticModel(np.eye(2), np.eye(2), 0.1)
    with pytest.raises(ValueError, match="mean must have shape"):
        model.step(np.zeros(3), np.eye(2))
    with pytest.raises(TypeError, match="squared_drift must be True, False or None"):
        model.step(np.zeros(2), np.eye(2), squared_drift="no")
    with pytest.raises(ValueError, match="lr must be positive"):
        pair_cross_covariance(1.0, 0.5, 0.2, -0.1)
    with pytest.raises(ValueError, match="k must be a non-negative integer or None"):
        model.cross_covariance(0, 1, k=2.5)
    cov = 0.0  # the two-mode map iterated by hand: Cov' = (1 - eta lambda_a)(1 - eta lambda_b) Cov + eta^2 C_ab
    for _ in range(7):
        cov = 0.9 * 0.95 * cov + 0.1**2 * 0.2
    assert pair_cross_covariance(np.float64(1.0), 0.5, 0.2, 0.1, k=np.int64(7)) == pytest.approx(cov, rel=1e-13)
