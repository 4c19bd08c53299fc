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


def test_huge_but_finite_replicas_count_as_diverged_by_their_bound():
    from sgdfp.validate.ensemble import DivergenceBounds

    dataset, loss = quadratic_problem(dim=3, samples=60)
    model = FlatModel(Linear(3), loss=loss)
    V = torch.eye(3, dtype=torch.float64)
    # lr 3: every step multiplies a stiff coordinate by about -5, so values grow fast but stay finite for 40 steps
    free = run_ensemble(model, model.theta0, dataset.inputs, dataset.targets, V, 3.0, 4, 5, 40, [0, 40], seed=0)
    assert free.diverged == 0 and np.all(np.isfinite(free.variance[-1])) and free.variance[-1].max() > 1e20
    bounded = run_ensemble(model, model.theta0, dataset.inputs, dataset.targets, V, 3.0, 4, 5, 40, [0, 40], seed=0,
                           bounds=DivergenceBounds(loss=1e3, displacement=1e3))
    assert bounded.diverged == 5 and bounded.live.tolist() == [5, 0]
    assert sum(bounded.diverged_by.values()) == 5 and bounded.diverged_by["non-finite"] == 0
