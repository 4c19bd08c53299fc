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


def test_vectorised_momentum_reproduces_a_per_replica_loop():
    from sgdfp.validate.optimizer import Optimizer

    model, x, y = tiny()
    theta = model.theta0
    V = torch.linalg.qr(torch.randn(model.num_parameters, 5, dtype=torch.float64))[0]
    for optimizer in (Optimizer("heavy-ball", 0.9, 0.01), Optimizer("nesterov", 0.5), Optimizer("sgd", 0, 0.1)):
        fast = run_ensemble(model, theta, x, y, V, 0.1, 8, 6, 12, [0, 3, 12], seed=4, optimizer=optimizer)
        slow = run_loop(model, theta, x, y, V, 0.1, 8, 6, 12, [0, 3, 12], seed=4, optimizer=optimizer)
        assert np.allclose(fast.mean, slow.mean, rtol=1e-10, atol=1e-14), optimizer
        assert np.allclose(fast.variance, slow.variance, rtol=1e-10, atol=1e-16), optimizer
    plain = run_ensemble(model, theta, x, y, V, 0.1, 8, 6, 12, [12], seed=4)
    heavy = run_ensemble(model, theta, x, y, V, 0.1, 8, 6, 12, [12], seed=4, optimizer=Optimizer("heavy-ball", 0.9))
    assert not np.allclose(plain.variance, heavy.variance)  # the momentum is really applied


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


def test_a_replica_follows_its_own_stream_whatever_runs_beside_it():
    """Split into shards (as over processes), the replicas are the same and their sums add up to the whole
    ensemble's moments: what makes sharding over ranks exact."""
    from sgdfp.validate.ensemble import EnsembleSums, ensemble_sums

    model, x, y = tiny()
    V = torch.linalg.qr(torch.randn(model.num_parameters, 5, dtype=torch.float64))[0]
    arguments = (model, model.theta0, x, y, V, 0.1, 8, 7, 15, [0, 4, 15], "without")
    whole = ensemble_sums(*arguments, seed=3, keep_final=7)
    parts = [ensemble_sums(*arguments, seed=3, keep_final=7, shard=shard) for shard in (range(0, 3), range(3, 7))]
    assert torch.allclose(parts[1].final_positions, whole.final_positions[3:], rtol=1e-12, atol=1e-15)
    combined = EnsembleSums.combine(parts, keep_final=7).moments()
    full = whole.moments()
    assert np.allclose(combined.mean, full.mean, rtol=1e-10, atol=1e-15)
    assert np.allclose(combined.variance, full.variance, rtol=1e-10, atol=1e-18)
    assert combined.live.tolist() == [7, 7, 7] and combined.replicas == 7
    other_seed = ensemble_sums(*arguments, seed=4, shard=range(3, 7))
    assert not torch.allclose(other_seed.total[-1], parts[1].total[-1])


def test_moments_from_sums_match_two_pass_moments_even_far_from_the_origin():
    from sgdfp.validate.ensemble import EnsembleSums

    rng = np.random.default_rng(5)
    d = rng.normal(size=(3, 40, 4)) * [1e-3, 1.0, 10.0, 1e-3] + [0.0, 5.0, -300.0, 1.0]  # mean / spread up to 1e3
    d[2, 1:] = np.nan  # checkpoint 2 has one live replica only: no variance
    live = np.array([40, 40, 1])
    sums = EnsembleSums(np.arange(3), torch.tensor(live, dtype=torch.float64),
                        torch.tensor(np.nansum(d, axis=1)), torch.tensor(np.nansum(d * d, axis=1)), 1, 40,
                        {"non-finite": 39, "loss": 0, "displacement": 0}, torch.zeros(0, 4))
    result = sums.moments()
    assert np.allclose(result.mean[:2], d[:2].mean(1), rtol=1e-13)
    assert np.allclose(result.variance[:2], d[:2].var(1, ddof=1), rtol=1e-8)
    assert np.all(np.isnan(result.variance[2])) and result.diverged == 39


def test_replica_seeds_are_distinct_and_depend_on_the_run_seed():
    from sgdfp.validate.ensemble import replica_seed

    seeds = {replica_seed(11, r) for r in range(100_000)}
    assert len(seeds) == 100_000 and max(seeds) < 2**32
    assert replica_seed(12, 0) not in seeds


def _reference_trajectories(model, theta, x, y, V, lr, batch_size, replicas, steps, checkpoints, seed, optimizer):
    """Every replica's projected displacement, velocity and force at the checkpoints, one replica and one step at a
    time (each minibatch drawn from the replica's own stream, as run_loop does; at the last checkpoint the next
    draw)."""
    from sgdfp.validate.ensemble import _generators, draw_batches

    generators = _generators(seed, range(replicas), theta.device)
    beta, decay = optimizer.momentum, optimizer.weight_decay
    d = np.zeros((len(checkpoints), replicas, V.shape[1]))
    vel, force = np.zeros_like(d), np.zeros_like(d)
    for r in range(replicas):
        t, v = theta.detach().clone(), torch.zeros_like(theta)
        for k in range(steps + 1):
            index = draw_batches(generators[r], 1, batch_size, x.shape[0], "with", theta.device)[0]
            point = t + beta * v if optimizer.kind == "nesterov" else t
            g = torch.func.grad(model.loss)(point, x[index], y[index]) + decay * point
            if k in checkpoints:
                c = list(checkpoints).index(k)
                d[c, r], force[c, r] = ((t - theta) @ V).numpy(), (g @ V).numpy()
                vel[c, r] = (v @ V).numpy() if optimizer.has_velocity else 0.0  # plain SGD keeps no velocity
            if k == steps:
                break
            v = beta * v - lr * g
            t = t + v
    return d, vel, force


def test_two_time_and_fdr_sums_match_per_replica_trajectories_and_combine_over_shards():
    from sgdfp.validate.ensemble import EnsembleSums, ensemble_sums
    from sgdfp.validate.optimizer import Optimizer

    model, x, y = tiny()
    V = torch.linalg.qr(torch.randn(model.num_parameters, 4, dtype=torch.float64))[0]
    checkpoints, steps, replicas, lr = [0, 2, 5, 9], 9, 5, 0.1
    for optimizer in (Optimizer(), Optimizer("heavy-ball", 0.6, 0.01)):
        d, vel, F = _reference_trajectories(model, model.theta0, x, y, V, lr, 8, replicas, steps, checkpoints, 4,
                                            optimizer)
        whole = ensemble_sums(model, model.theta0, x, y, V, lr, 8, replicas, steps, checkpoints, seed=4,
                              optimizer=optimizer)
        C = len(checkpoints)
        upper = np.triu(np.ones((C, C), dtype=bool))[..., None]
        step = d[None, :, :, :] - d[:, None, :, :]  # [c, c', r, m] = d_c' - d_c
        reference = {"products": np.einsum("arm,brm->abm", d, d),
                     "earlier": np.broadcast_to(d.sum(1)[:, None], (C, C, 4)),
                     "increments": (step**2).sum(2), "fourth": (step**4).sum(2)}
        for name, value in reference.items():
            assert np.allclose(getattr(whole.two_time, name).numpy(), np.where(upper, value, 0), rtol=1e-10,
                               atol=1e-14), (optimizer, name)
        b = optimizer.momentum
        A, B = 2 * (1 - b) * d * F + 2 * b * vel * F, lr * F**2
        for name, value in (("dissipation", A), ("fluctuation", B), ("dissipation_squares", A * A),
                            ("fluctuation_squares", B * B), ("products", A * B), ("position_force", d * F),
                            ("velocity_force", vel * F), ("force_squares", F * F), ("force_total", F)):
            assert np.allclose(getattr(whole.fdr, name).numpy(), value.sum(1), rtol=1e-10, atol=1e-14), name
        parts = [ensemble_sums(model, model.theta0, x, y, V, lr, 8, replicas, steps, checkpoints, seed=4,
                               optimizer=optimizer, shard=shard) for shard in (range(0, 2), range(2, 5))]
        combined = EnsembleSums.combine(parts, keep_final=0)
        for a, b_ in zip(combined.extra_tensors(), whole.extra_tensors()):
            assert torch.allclose(a, b_, rtol=1e-12, atol=1e-15)
        assert len(whole.extra_tensors()) == 13
        rebuilt = whole.with_extra_tensors(whole.extra_tensors())
        assert torch.equal(rebuilt[0].fourth, whole.two_time.fourth) and torch.equal(rebuilt[1].products,
                                                                                    whole.fdr.products)


def test_two_time_sums_are_bounded_and_optional():
    from sgdfp.validate import ensemble

    model, x, y = tiny()
    V = torch.eye(model.num_parameters, dtype=torch.float64)[:, :3]
    arguments = (model, model.theta0, x, y, V, 0.1, 8, 3, 4, [0, 2, 4])
    assert ensemble.ensemble_sums(*arguments).two_time is not None
    assert ensemble.ensemble_sums(*arguments, two_time=False, fdr=False).two_time is None
    limit = ensemble.TWO_TIME_LIMIT
    try:
        ensemble.TWO_TIME_LIMIT = 10  # beyond the bound the default skips them, an explicit True insists
        assert ensemble.ensemble_sums(*arguments).two_time is None
        assert ensemble.ensemble_sums(*arguments, two_time=True).two_time is not None
    finally:
        ensemble.TWO_TIME_LIMIT = limit
    # a diverged replica leaves the later pairs: counts by the later checkpoint
    result = ensemble.ensemble_sums(*arguments).moments()
    assert result.two_time is not None and result.fdr is not None and result.total.shape == (3, 3)
