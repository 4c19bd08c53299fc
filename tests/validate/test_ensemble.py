"""Replica ensembles: the vectorised engine against a per-replica loop; divergence counted."""

import numpy as np
import torch
from problems import Linear, quadratic_problem, tiny

from sgdfp.validate import FlatModel
from sgdfp.validate.ensemble import run_ensemble, run_loop


def test_vectorised_ensemble_reproduces_a_per_replica_loop():
    model, x, y = tiny()
    theta = model.theta0
    V = torch.linalg.qr(torch.randn(model.num_parameters, 5, dtype=torch.float64))[0]
    for sampling in ("with", "without"):
        fast = run_ensemble(model, theta, x, y, V, 0.1, 8, 6, 12, [0, 3, 12], sampling, seed=4)
        slow = run_loop(model, theta, x, y, V, 0.1, 8, 6, 12, [0, 3, 12], sampling, seed=4)
        assert np.allclose(fast.mean, slow.mean, rtol=1e-10, atol=1e-14)
        assert np.allclose(fast.variance, slow.variance, rtol=1e-10, atol=1e-16)


def test_diverging_replicas_are_counted():
    dataset, loss = quadratic_problem(dim=3, samples=60)
    model = FlatModel(Linear(3), loss=loss)
    V = torch.eye(3, dtype=torch.float64)
    result = run_ensemble(model, model.theta0, dataset.inputs, dataset.targets, V, 50.0, 4, 5, 400, [400], seed=0)
    assert result.diverged == 5 and result.live[-1] == 0
