"""Stochastic Lanczos quadrature against the exact spectrum of a dense matrix and of a small model's Hessian."""

import numpy as np
import torch
from problems import tiny

from sgdfp.validate.spectral_density import hessian_spectral_density, lanczos_quadrature


def test_moments_and_cdf_of_a_known_spectrum():
    rng = np.random.default_rng(0)
    P = 300
    spectrum = np.concatenate([rng.normal(0, 0.05, 270), rng.uniform(1, 5, 27), [20.0, 30.0, 40.0]])
    Q = np.linalg.qr(rng.standard_normal((P, P)))[0]
    H = torch.as_tensor(Q @ np.diag(spectrum) @ Q.T)
    probes = 40
    found = lanczos_quadrature(lambda v: H @ v, P, steps=40, probes=probes, seed=1)
    assert np.allclose(found.weights.sum(axis=1), 1, atol=1e-12)
    for k in (1, 2, 3):
        exact = np.mean(spectrum ** k)
        # Gauss quadrature is exact for degree < 80: only Hutchinson's error is left, whose standard deviation for
        # a Rademacher probe is at most sqrt(2 tr(H^2k) / P^2) per probe
        sigma = np.sqrt(2 * np.sum(spectrum ** (2 * k))) / P / np.sqrt(probes)
        assert abs(found.moment(k) - exact) <= 5 * sigma, (k, found.moment(k), exact)
    for t in (-0.1, 0.5, 3.0, 25.0):  # the CDF between the nodes: within a probe's error plus a node's weight
        exact = np.mean(spectrum <= t)
        assert abs(found.cdf(t)[0] - exact) <= 0.06, (t, found.cdf(t), exact)
    grid = np.linspace(-1, 45, 2000)
    assert abs(np.trapezoid(found.density(grid, 0.05), grid) - 1) < 1e-3


def test_a_small_model_hessian_density_against_its_dense_spectrum():
    model, x, y = tiny()
    dense = torch.linalg.eigvalsh(model.hessian(model.theta0, x, y)).numpy()
    found = hessian_spectral_density(model, model.theta0, x, y, steps=20, probes=10, seed=2)
    for k in (1, 2):
        sigma = np.sqrt(2 * np.sum(dense ** (2 * k))) / len(dense) / np.sqrt(10)
        assert abs(found.moment(k) - np.mean(dense ** k)) <= 5 * sigma
    assert found.nodes.max() <= dense.max() + 1e-8 and found.nodes.min() >= dense.min() - 1e-8


def test_the_density_is_drawn(tmp_path):
    from sgdfp.validate.plots import draw_spectral_density

    H = torch.diag(torch.linspace(-1, 4, 100, dtype=torch.float64))
    found = lanczos_quadrature(lambda v: H @ v, 100, steps=20, probes=4)
    path = draw_spectral_density(found, tmp_path / "density.png", measured=[-1.0, 4.0])
    assert path.is_file() and path.read_bytes()[:4] == b"\x89PNG"
