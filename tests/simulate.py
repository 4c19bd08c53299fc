"""Independent Monte Carlo of the discrete maps (plain numpy, seeded), used as the reference in tests."""

import numpy as np


def mode_samples(lam, grad_noise, lr, steps, curvature_noise=0.0, mean_grad=0.0, cross=0.0, y0=0.0,
                 chains=100_000, seed=0):
    """Samples of y_k for each k in ``steps`` of y' = (1 - lr h) y - lr g, (h, g) jointly Gaussian."""
    rng = np.random.default_rng(seed)
    cov = np.array([[curvature_noise, cross], [cross, grad_noise]])
    chol = np.linalg.cholesky(cov + 1e-300 * np.eye(2)) if np.any(cov) else np.zeros((2, 2))
    y = np.full(chains, float(y0))
    out, wanted = {}, set(steps)
    for k in range(max(steps) + 1):
        if k in wanted:
            out[k] = y.copy()
        z = rng.standard_normal((2, chains))
        h, g = chol @ z
        y = (1 - lr * (lam + h)) * y - lr * (mean_grad + g)
    return out


def quadratic_samples(hessian, lr, steps, basis, scales, couplings, chol_c, mean_grad, chains=100_000, seed=0):
    """x' = (I - lr H_B) x - lr g_B with H_B = H + sum_m xi_m B_m, g_B = gbar + chol_c z + sum_m xi_m v_m."""
    rng = np.random.default_rng(seed)
    d = hessian.shape[0]
    x = np.zeros((chains, d))
    out, wanted = {}, set(steps)
    for k in range(max(steps) + 1):
        if k in wanted:
            out[k] = x.copy()
        xi = rng.standard_normal((chains, len(basis))) * scales
        z = rng.standard_normal((chains, d))
        hb = hessian[None] + np.einsum("cm,mij->cij", xi, basis)
        g = mean_grad[None] + z @ chol_c.T + xi @ couplings
        x = x - lr * (np.einsum("cij,cj->ci", hb, x) + g)
    return out


def variance_with_error(samples):
    """Sample variance and its standard error (from the fourth central moment)."""
    centred = samples - samples.mean()
    var = np.mean(centred**2)
    return var, np.sqrt(max(np.mean(centred**4) - var**2, 0.0) / len(samples))
