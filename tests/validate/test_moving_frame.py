"""The moving frame against independent references: on an exactly quadratic model, the second moments of the exact
map by enumeration over the samples (and the per-mode theory, a separate derivation); on a real MLP away from a
critical point, the replicas themselves, where the frame linearised once at the reference point fails."""

import numpy as np
import pytest
import torch
from problems import Linear, quadratic_problem, tiny

from sgdfp.testing import assert_variance_matches
from sgdfp.validate import FlatModel
from sgdfp.validate.ensemble import run_ensemble
from sgdfp.validate.moving_frame import complete_basis, moving_frame
from sgdfp.validate.optimizer import Optimizer
from sgdfp.validate.statistics import mode_statistics


def _exact_moments(x, targets, lr, steps, optimizer, theta0):
    """Mean and covariance of (theta, v) after each step of batch-1 steps with replacement on the quadratic loss
    0.5 (x_a . theta - y_a)^2 + 0.5 omega |theta|^2, by enumerating the samples: z' = M_a z + c_a, so
    E z' = mean_a(M_a) E z + mean_a(c_a) and Cov z' = mean_a(M_a S M_a^T) + Cov_a(M_a E z + c_a)."""
    N, P = x.shape
    beta, decay = optimizer.momentum, optimizer.weight_decay
    ahead = beta if optimizer.nesterov else 0.0
    identity = np.eye(P)
    maps, shifts = [], []
    for a in range(N):
        hessian = np.outer(x[a], x[a]) + decay * identity  # the per-sample force is hessian @ p - x_a y_a
        # v' = beta v - lr (hessian (theta + ahead v) - x_a y_a);  theta' = theta + v'
        velocity_row = np.hstack([-lr * hessian, beta * identity - lr * ahead * hessian])
        theta_row = np.hstack([identity, np.zeros((P, P))]) + velocity_row
        maps.append(np.vstack([theta_row, velocity_row]))
        shift = lr * x[a] * targets[a]
        shifts.append(np.concatenate([shift, shift]))
    maps, shifts = np.array(maps), np.array(shifts)
    mean = np.concatenate([theta0, np.zeros(P)])
    covariance = np.zeros((2 * P, 2 * P))
    means, variances = [mean[:P].copy()], [np.diag(covariance)[:P].copy()]
    for _ in range(steps):
        moved = maps @ mean + shifts                                  # (N, 2P): every sample's image of the mean
        covariance = np.mean(maps @ covariance @ maps.transpose(0, 2, 1), axis=0) + np.cov(moved.T, bias=True)
        mean = moved.mean(0)
        means.append(mean[:P].copy())
        variances.append(np.diag(covariance)[:P].copy())
    return np.array(means), np.array(variances)


@pytest.mark.theory
@pytest.mark.parametrize("optimizer", [Optimizer(), Optimizer("sgd", 0, 0.3), Optimizer("heavy-ball", 0.8),
                                       Optimizer("nesterov", 0.6, 0.1)])
def test_exact_on_a_quadratic_model_against_enumeration_of_the_exact_map(optimizer):
    """Per-sample Hessians diagonal (each sample touches one coordinate): the curvature noise enters the variances
    only through its diagonal, so the moving frame's recursion refreshed every step is exact, away from the minimum
    too (the gradient noise depends on where the mean is)."""
    dataset, loss = quadratic_problem(dim=4, samples=40)
    model = FlatModel(Linear(4), loss=loss)
    theta = torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=torch.float64)  # far from the minimum: the mean moves
    stats = mode_statistics(model, theta, dataset.inputs, dataset.targets, batch_size=1)
    steps = np.array([0, 1, 2, 5, 13, 40])
    frame = moving_frame(model, theta, dataset.inputs, dataset.targets, stats, 0.3, steps, refresh=1,
                         optimizer=optimizer)
    means, variances = _exact_moments(dataset.inputs.numpy(), dataset.targets.numpy(), 0.3, 40, optimizer,
                                      theta.numpy())
    basis = stats.eigenvectors.numpy()
    exact_variance = np.einsum("kp,pm->km", variances[steps], basis**2)  # the basis is the coordinate axes
    assert np.allclose(frame.variance, exact_variance, rtol=1e-10, atol=1e-14)
    assert np.allclose(frame.mean, (means[steps] - theta.numpy()) @ basis, rtol=1e-10, atol=1e-12)
    assert frame.refreshes == 40 and np.abs(frame.mean[-1]).max() > 0.5


@pytest.mark.theory
def test_agrees_with_the_per_mode_theory_where_both_are_exact():
    """Two separate derivations: the per-mode closed forms (mean gradient, curvature noise, their correlation rho
    at the reference point) and the matrix recursion along the path (where rho drops out)."""
    from sgdfp.numerics import mode_functions

    dataset, loss = quadratic_problem(dim=5, samples=300)
    model = FlatModel(Linear(5), loss=loss)
    theta = torch.full((5,), 0.7, dtype=torch.float64)
    stats = mode_statistics(model, theta, dataset.inputs, dataset.targets, batch_size=8)
    steps = np.array([0, 3, 30, 200])
    frame = moving_frame(model, theta, dataset.inputs, dataset.targets, stats, 0.2, steps, refresh=1)
    per_mode = mode_functions("numpy").variance(stats.curvature, stats.grad_noise, 0.2, steps[:, None],
                                                curvature_noise=stats.curvature_noise, mean_grad=stats.mean_grad,
                                                cross=stats.cross)
    assert np.allclose(frame.variance, per_mode, rtol=1e-9, atol=1e-14)


def test_follows_a_real_network_away_from_its_critical_point_where_the_fixed_frame_fails():
    """A 3-hidden-unit MLP on real digits, 30 gradient steps from its initialisation (|grad L| = 0.25): the curvature
    and the noise change along the mean path. The replicas are the reference; the frame refreshed every few steps
    matches them (median |log ratio| 0.056, 400 replicas), the same recursion with the reference point's Hessian
    and noise held (refresh beyond the horizon) does not (0.20)."""
    model, x, y = tiny()
    theta = model.theta0.clone()
    for _ in range(30):
        theta = theta - 0.5 * model.full_loss_and_gradient(theta, x, y)[1]
    stats = mode_statistics(model, theta, x, y, batch_size=32)
    steps, lr, replicas = [0, 50, 100], 0.2, 400
    ensemble = run_ensemble(model, theta, x, y, stats.eigenvectors, lr, 32, replicas, 100, steps, seed=1)
    moving = moving_frame(model, theta, x, y, stats, lr, steps, refresh=5)
    held = moving_frame(model, theta, x, y, stats, lr, steps, refresh=10**6)
    measured = ensemble.variance[-1]
    strong = measured > 1e-3 * measured.max()  # the modes the replicas resolve (the rest sit at rounding level)
    assert_variance_matches(measured[strong], moving.variance[-1][strong], replicas=replicas, label="moving frame")
    with pytest.raises(AssertionError, match="disagree with the prediction"):
        assert_variance_matches(measured[strong], held.variance[-1][strong], replicas=replicas, label="held frame")
    # the mean path: gradient descent, which leaves out the noise's push E[grad L(mean + x)] - grad L(mean) =
    # (1/2) grad tr(H S) + ...: the replicas' mean is 0.16 spreads from it here (its sampling error 0.05), against
    # a displacement of many spreads from the reference point
    spread = np.sqrt(measured[strong])
    assert np.median(np.abs(ensemble.mean[-1] - moving.mean[-1])[strong] / spread) < 0.25
    assert np.median(np.abs(ensemble.mean[-1])[strong] / spread) > 2
    assert moving.refreshes == 20 and held.refreshes == 1


def test_complete_basis_keeps_the_given_vectors_and_is_orthonormal():
    vectors = torch.linalg.qr(torch.randn(9, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2)))[0]
    basis = complete_basis(vectors)
    assert basis.shape == (9, 9) and torch.equal(basis[:, :3], vectors)
    assert torch.allclose(basis.T @ basis, torch.eye(9, dtype=torch.float64), atol=1e-13)
    square = torch.linalg.qr(torch.randn(4, 4, dtype=torch.float64))[0]
    assert complete_basis(square) is square


def test_an_unstable_run_overflows_to_inf_never_nan():
    dataset, loss = quadratic_problem(dim=3, samples=60)
    model = FlatModel(Linear(3), loss=loss)
    stats = mode_statistics(model, model.theta0, dataset.inputs, dataset.targets, batch_size=4)
    frame = moving_frame(model, model.theta0, dataset.inputs, dataset.targets, stats, 50.0, [0, 10, 400], refresh=50)
    assert not np.isnan(frame.variance).any() and np.isinf(frame.variance[-1]).all() and frame.overflowed


def test_bad_arguments_are_refused():
    dataset, loss = quadratic_problem(dim=3, samples=60)
    model = FlatModel(Linear(3), loss=loss)
    stats = mode_statistics(model, model.theta0, dataset.inputs, dataset.targets, batch_size=4)
    for refresh in (0, 2.5, True):
        with pytest.raises(ValueError, match="refresh"):
            moving_frame(model, model.theta0, dataset.inputs, dataset.targets, stats, 0.1, [0, 5], refresh=refresh)
    with pytest.raises(ValueError, match="checkpoints"):
        moving_frame(model, model.theta0, dataset.inputs, dataset.targets, stats, 0.1, [-1, 5], refresh=5)


def test_automatic_choice_stops_where_its_cubic_cost_would_dominate():
    from sgdfp.validate.moving_frame import FRAME_AUTO_LIMIT, frame_applies

    assert frame_applies(386, 3000) and frame_applies(1072, 3000)  # the published models
    assert not frame_applies(FRAME_AUTO_LIMIT + 1, 3000) and frame_applies(FRAME_AUTO_LIMIT + 1, 3000, automatic=False)
    assert not frame_applies(500, 400) and not frame_applies(3001, 3000, automatic=False)
