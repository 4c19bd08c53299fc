"""The coupled closure in the validator: with no coupling it is the per-mode theory (a separate derivation, the
compiled closed forms), weight decay included; with momentum there is none; and the moving frame takes the pairs'
curvature noise where it was measured."""

import dataclasses

import numpy as np
import pytest
import torch
from problems import Linear, quadratic_problem

from sgdfp.numerics import mode_functions
from sgdfp.validate import FlatModel
from sgdfp.validate.moving_frame import moving_frame
from sgdfp.validate.optimizer import Optimizer
from sgdfp.validate.statistics import mode_statistics


@pytest.fixture(scope="module")
def quadratic():
    dataset, loss = quadratic_problem(dim=5, samples=300)
    model = FlatModel(Linear(5), loss=loss)
    theta = torch.full((5,), 0.7, dtype=torch.float64)
    stats = mode_statistics(model, theta, dataset.inputs, dataset.targets, batch_size=8, coupling_samples=300)
    return model, theta, dataset, stats


@pytest.mark.theory
@pytest.mark.parametrize("decay", [0.0, 0.3])
def test_without_coupling_the_closure_is_the_per_mode_theory(quadratic, decay):
    _, theta, _, stats = quadratic
    # the per-sample Hessians of this problem are diagonal: no pair of modes is coupled
    off = stats.pair_curvature_noise - np.diag(np.diag(stats.pair_curvature_noise))
    assert np.abs(off).max() < 1e-12 * stats.curvature_noise.max()
    steps = np.array([0, 3, 30, 200])
    projection = theta.numpy() @ stats.eigenvectors.numpy()
    coupled = Optimizer("sgd", 0, decay).predict_coupled(stats, 0.2, steps, projection)
    per_mode = mode_functions("numpy").variance(stats.curvature + decay, stats.grad_noise, 0.2, steps[:, None],
                                                curvature_noise=stats.curvature_noise,
                                                mean_grad=stats.mean_grad + decay * projection, cross=stats.cross)
    assert np.allclose(coupled, per_mode, rtol=1e-9, atol=1e-14)


def test_no_closure_with_momentum_or_without_the_pairs(quadratic):
    _, _, _, stats = quadratic
    assert Optimizer("heavy-ball", 0.5).predict_coupled(stats, 0.1, np.array([0, 5])) is None
    assert Optimizer().predict_coupled(dataclasses.replace(stats, pair_curvature_noise=None), 0.1,
                                       np.array([0, 5])) is None


@pytest.mark.theory
def test_the_moving_frame_feeds_each_mode_from_the_pairs_curvature_noise(quadratic):
    """A coupling between modes 0 and 4 put into V: the frame's variance of mode 0 grows by exactly the fed
    eta^2 V_04 S_44 summed along the path (against the frame without it, the same path otherwise)."""
    model, theta, dataset, stats = quadratic
    steps = np.array([0, 1, 2])
    plain = moving_frame(model, theta, dataset.inputs, dataset.targets, stats, 0.2, steps, refresh=1)
    V = stats.pair_curvature_noise.copy()
    V[0, 4] = V[4, 0] = 0.5
    fed = moving_frame(model, theta, dataset.inputs, dataset.targets,
                       dataclasses.replace(stats, pair_curvature_noise=V), 0.2, steps, refresh=1)
    # step 1: S_1 = eta^2 Xi_0 (no feeding yet: S_0 = 0); step 2 adds eta^2 V_04 (S_1)_44 to mode 0 only
    assert np.allclose(fed.variance[:2], plain.variance[:2], rtol=1e-12)
    extra = fed.variance[2] - plain.variance[2]
    assert extra[0] == pytest.approx(0.04 * 0.5 * plain.variance[1][4], rel=1e-9)
    assert extra[4] == pytest.approx(0.04 * 0.5 * plain.variance[1][0], rel=1e-9)
    assert np.allclose(extra[1:4], 0, atol=1e-15)
