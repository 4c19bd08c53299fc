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


def test_numpy_numbers_are_accepted_and_text_is_refused_by_name():
    import numpy as np
    import pytest

    from sgdfp.validate import LanczosEigensolver, get_eigensolver

    solver = LanczosEigensolver(np.int64(4), seed=np.uint8(1), tolerance=np.float32(1e-8))
    assert (solver.count, solver.seed, type(solver.count)) == (4, 1, int)
    assert get_eigensolver("auto", np.int64(10), dense_limit=np.int32(20)).name == "dense"
    for call, message in [(lambda: LanczosEigensolver("4"), "count must be an integer; got str '4'"),
                          (lambda: LanczosEigensolver(4, tolerance=-1.0), "tolerance must be a finite number >= 0"),
                          (lambda: get_eigensolver("dense", 10, seed=True), "seed must be an integer; got bool"),
                          (lambda: top_eigenpairs("model", None, None, None, 2),
                           "model must be a sgdfp.validate.FlatModel")]:
        with pytest.raises((TypeError, ValueError), match=message.replace("(", r"\(")):
            call()
