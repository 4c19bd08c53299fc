"""Per-mode statistics against brute force, and subsampled curvature statistics against the full ones."""

import numpy as np
import pytest
import torch
from problems import tiny

from sgdfp.validate.statistics import minibatch_factor, mode_statistics


def test_per_mode_statistics_against_brute_force():
    model, x, y = tiny()
    theta = model.theta0
    stats = mode_statistics(model, theta, x, y, batch_size=16, sampling="with")
    V = stats.eigenvectors
    grads = torch.stack([torch.func.grad(model.loss)(theta, x[a:a + 1], y[a:a + 1]) for a in range(len(x))]) @ V
    curv = torch.stack([torch.einsum("pi,pq,qi->i", V, torch.func.hessian(model.loss)(theta, x[a:a + 1], y[a:a + 1]),
                                     V) for a in range(0, len(x))])
    g, h = grads.numpy(), curv.numpy()
    assert np.allclose(stats.mean_grad, g.mean(0), atol=1e-12)
    assert np.allclose(stats.grad_noise, g.var(0) / 16, rtol=1e-9, atol=1e-15)
    assert np.allclose(stats.curvature_noise, h.var(0) / 16, rtol=1e-9, atol=1e-15)
    assert np.allclose(stats.cross, ((g - g.mean(0)) * (h - h.mean(0))).mean(0) / 16, rtol=1e-8, atol=1e-15)
    assert stats.curvature_consistency < 1e-10
    assert minibatch_factor(16, 200, "without") == pytest.approx((200 - 16) / (16 * 199))


def test_subsampled_curvature_statistics_estimate_the_full_ones():
    model, x, y = tiny()
    full = mode_statistics(model, model.theta0, x, y, batch_size=16)
    sub = mode_statistics(model, model.theta0, x, y, batch_size=16, curvature_samples=150, direction_chunk=1)
    assert np.array_equal(full.grad_noise, sub.grad_noise) and np.array_equal(full.curvature, sub.curvature)
    informative = full.curvature_noise > 1e-9 * full.curvature_noise.max()
    ratio = sub.curvature_noise[informative] / full.curvature_noise[informative]
    assert informative.sum() > 10 and 0.8 < np.median(ratio) < 1.25


def test_chunked_statistics_equal_the_unchunked_ones():
    """Samples a few at a time and directions a few at a time give the same statistics as one pass (float
    rounding), and the projections never hold more than one chunk's per-sample gradients."""
    from sgdfp.validate.projections import projected_gradients, sample_chunk

    model, x, y = tiny()
    theta = model.theta0
    whole = mode_statistics(model, theta, x, y, batch_size=16, sample_chunk=len(x), direction_chunk=64)
    chunked = mode_statistics(model, theta, x, y, batch_size=16, sample_chunk=37, direction_chunk=5)
    for key, value in whole.as_dict().items():
        assert np.allclose(getattr(chunked, key), value, rtol=1e-10, atol=1e-14), key
    assert chunked.curvature_noise_offdiagonal == pytest.approx(whole.curvature_noise_offdiagonal, rel=1e-10)
    V = whole.eigenvectors[:, :6]
    reference = model.per_sample_gradients(theta, x, y) @ V
    assert torch.allclose(projected_gradients(model, theta, V, x, y, chunk=13), reference, rtol=1e-12, atol=1e-15)
    assert sample_chunk(5000, 10**5) == 167 and sample_chunk(5000, 386) == 5000 and sample_chunk(10, 10**9) == 1


def test_pair_curvature_noise_against_per_sample_hessians():
    """V_ij = f Var_a(v_i^T H_a v_j) and R_ij = f Cov_a(v_i^T H_a v_j, v_i^T grad l_a) from the streamed pair sums,
    against dense per-sample Hessians (torch.func.hessian of each sample's loss), all samples; chunked the same."""
    model, x, y = tiny()
    theta = model.theta0
    stats = mode_statistics(model, theta, x, y, batch_size=16, coupling_samples=len(x))
    V = stats.eigenvectors
    per_sample = torch.stack([V.T @ torch.func.hessian(model.loss)(theta, x[a:a + 1], y[a:a + 1]) @ V
                              for a in range(len(x))]).numpy()  # (N, m, m)
    g = torch.stack([torch.func.grad(model.loss)(theta, x[a:a + 1], y[a:a + 1]) for a in range(len(x))]) @ V
    g = g.numpy() - g.numpy().mean(0)
    expected_V = per_sample.var(0) / 16
    expected_R = np.einsum("aij,ai->ij", per_sample - per_sample.mean(0), g) / len(x) / 16
    assert stats.coupling_samples == len(x)
    assert np.allclose(stats.pair_curvature_noise, expected_V, rtol=1e-8, atol=1e-14 * expected_V.max())
    assert np.allclose(stats.pair_cross, expected_R, rtol=1e-7, atol=1e-12 * np.abs(expected_R).max())
    assert np.allclose(np.diag(stats.pair_curvature_noise), stats.curvature_noise, rtol=1e-12)
    chunked = mode_statistics(model, theta, x, y, batch_size=16, coupling_samples=len(x), sample_chunk=17)
    assert np.allclose(chunked.pair_curvature_noise, stats.pair_curvature_noise, rtol=1e-9, atol=1e-15)


def test_pair_curvature_noise_only_within_the_limit():
    model, x, y = tiny()
    limited = mode_statistics(model, model.theta0, x[:60], y[:60], batch_size=16, coupling_samples=50,
                              coupling_limit=3)
    assert limited.pair_curvature_noise is None and limited.pair_cross is None and limited.coupling_samples is None
