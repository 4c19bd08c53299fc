"""Eigensolver strategies: dense and Lanczos agree, residuals are small, the automatic choice."""

import torch
from problems import tiny

from sgdfp.validate import dense_eigenpairs, top_eigenpairs


def test_dense_and_lanczos_eigenpairs_agree():
    model, x, y = tiny()
    theta = model.theta0
    values, vectors = dense_eigenpairs(model.hessian(theta, x, y))
    top_values, top_vectors = top_eigenpairs(model, theta, x, y, 6)
    by_magnitude = values[values.abs().argsort()[-6:]].sort().values
    assert torch.allclose(top_values, by_magnitude, rtol=1e-8, atol=1e-10)
    overlap = (top_vectors.T @ vectors[:, values.abs().argsort()[-6:]]).abs().max(dim=1).values
    assert torch.all(overlap > 1 - 1e-6)
