"""The moving frame's covariance recursion: derived by expectations, against its matrix form (a separate
construction) and against the exact second moment of the linearised map under a discrete, correlated noise law."""

import numpy as np
import pytest
import sympy as sp

from sgdfp.derive.frame import closed_form, covariance_step
from sgdfp.derive.symbols import eta


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_derived_recursion_is_the_matrix_form(dim):
    step = covariance_step(dim)
    assert (step.next_covariance - closed_form(step)).applyfunc(sp.expand) == sp.zeros(dim, dim)


def test_against_the_exact_second_moment_with_correlated_curvature_and_gradient_noise():
    """Noise drawn from 5 equally likely (dH, dg) pairs, centred, with dH and dg correlated: the exact
    E[x'x'^T] = mean_k (M_k S M_k^T + c_k c_k^T), M_k = I - eta (H + dH_k), c_k = -eta dg_k, against the derived
    recursion with the law's moments substituted (its R terms, nonzero here, must not matter)."""
    rng = np.random.default_rng(3)
    dim, lr = 2, 0.3
    H = np.array([[1.0, 0.4], [0.4, 0.2]])
    S = np.array([[0.5, 0.1], [0.1, 0.8]])
    dg = rng.normal(size=(5, dim))
    dH = np.einsum("ki,kj->kij", dg, dg) + rng.normal(size=(5, 1, 1)) * np.eye(dim)  # correlated with dg
    dg, dH = dg - dg.mean(0), dH - dH.mean(0)
    assert abs(np.mean(dH[:, 0, 0] * dg[:, 0])) > 0.05  # R is really nonzero
    exact = np.zeros((dim, dim))
    for k in range(5):
        M = np.eye(dim) - lr * (H + dH[k])
        exact += (M @ S @ M.T + lr**2 * np.outer(dg[k], dg[k])) / 5
    step = covariance_step(dim)
    values = {eta: lr}
    for i in range(dim):
        for j in range(i, dim):
            values[step.curvature[i, j]] = H[i, j]
            values[step.covariance[i, j]] = S[i, j]
            values[step.gradient_noise[i, j]] = np.mean(dg[:, i] * dg[:, j])
    for (a, b, c, d), symbol in step.curvature_noise.items():
        values[symbol] = np.mean(dH[:, a, b] * dH[:, c, d])
    for (a, b, c), symbol in step.cross.items():
        values[symbol] = np.mean(dH[:, a, b] * dg[:, c])
    derived = np.array(step.next_covariance.subs(values), dtype=float)
    assert np.allclose(derived, exact, rtol=1e-12, atol=1e-14)
    assert not step.next_covariance.free_symbols & set(step.cross.values())


def test_bad_dimension_is_refused():
    for dim in (0, 5, 2.0, True):
        with pytest.raises(ValueError, match="dim"):
            covariance_step(dim)
