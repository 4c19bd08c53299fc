"""The diagonal second-moment recursion of coupled modes, derived by the engine: against the exact second moment
under a discrete noise law (enumerated), and its pairwise closure against the matrix form (a separate construction)."""

import numpy as np
import pytest
import sympy as sp

from sgdfp.derive.coupled import closure, closure_matrix_form, diagonal_step, dropped_terms
from sgdfp.derive.symbols import eta


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_closure_is_the_matrix_form(dim):
    step = diagonal_step(dim)
    assert all(sp.expand(a - b) == 0 for a, b in zip(closure(step), closure_matrix_form(step)))


def _values(step, lam, gbar, m, S, xi, zeta, lr):
    """Substitute a law of (Xi, zeta) given by equally likely draws (centred) and the state's moments."""
    values = {eta: lr}
    d = step.dim
    for i in range(d):
        values[step.curvatures[i]], values[step.mean_grad[i]], values[step.mean[i]] = lam[i], gbar[i], m[i]
        for j in range(i, d):
            values[step.second[i, j]] = S[i, j]
            values[step.gradient_noise[i, j]] = np.mean(zeta[:, i] * zeta[:, j])
    for (a, b, c, e), symbol in step.curvature_noise.items():
        values[symbol] = np.mean(xi[:, a, b] * xi[:, c, e])
    for (a, b, c), symbol in step.cross.items():
        values[symbol] = np.mean(xi[:, a, b] * zeta[:, c])
    return values


def test_derived_step_is_the_exact_second_moment_under_an_enumerated_law():
    """Five equally likely (Xi, zeta) draws, correlated: E[y_i'^2] = mean_k E[((I - eta(L + Xi_k)) y - eta(g + z_k))_i^2]
    with E[y] = m, E[yy^T] = S, computed directly, against the engine's recursion with the law's moments."""
    rng = np.random.default_rng(5)
    d, lr = 3, 0.3
    lam, gbar, m = np.array([0.0, 0.4, 1.2]), np.array([0.1, -0.2, 0.05]), np.array([0.3, -0.1, 0.2])
    A = rng.normal(size=(d, d))
    S = A @ A.T / d + np.outer(m, m)
    zeta = rng.normal(size=(5, d))
    xi = rng.normal(size=(5, d, d))
    xi = (xi + xi.transpose(0, 2, 1)) / 2 + np.einsum("ki,kj->kij", zeta, zeta)  # correlated with zeta
    xi, zeta = xi - xi.mean(0), zeta - zeta.mean(0)
    exact_second, exact_mean = np.zeros(d), np.zeros(d)
    for k in range(5):
        M = np.eye(d) - lr * (np.diag(lam) + xi[k])
        c = -lr * (gbar + zeta[k])
        exact_second += np.diag(M @ S @ M.T + np.outer(M @ m, c) + np.outer(c, M @ m) + np.outer(c, c)) / 5
        exact_mean += (M @ m + c) / 5
    step = diagonal_step(d)
    values = _values(step, lam, gbar, m, S, xi, zeta, lr)
    assert np.allclose([float(e.subs(values)) for e in step.next_second], exact_second, rtol=1e-12, atol=1e-15)
    assert np.allclose([float(e.subs(values)) for e in step.next_mean], exact_mean, rtol=1e-12, atol=1e-15)


def test_off_diagonal_moments_enter_only_through_the_curvature_noise():
    step = diagonal_step(3)
    off = {step.second[j, l] for j in range(3) for l in range(3) if j != l}
    for i, dropped in enumerate(dropped_terms(step)):
        assert dropped.free_symbols & off  # it does depend on them
        # every dropped term is eta^2 Cov(Xi_ij, Xi_il) S_jl
        for term in sp.Add.make_args(dropped):
            symbols = term.free_symbols - {eta}
            assert len(symbols & off) == 1 and len(symbols & set(step.curvature_noise.values())) == 1
            assert sp.degree(term, eta) == 2
        assert not closure(step)[i].free_symbols & off


def test_bad_dimension_is_refused():
    for dim in (0, 4, 2.0, True):
        with pytest.raises(ValueError, match="dim"):
            diagonal_step(dim)
