"""Stationarity and diffusion observables of a real ensemble on an exactly quadratic model, where the mode theory is
exact: the measured MSD and FDR ratio agree with the prediction within their intervals; a run that has not reached
its stationary law is flagged."""

import numpy as np
import pytest
import torch
from problems import Linear

from sgdfp.errors import InputError
from sgdfp.validate import Dataset, FlatModel
from sgdfp.validate.ensemble import ensemble_sums
from sgdfp.validate.observables import fieller_interval, measure_observables, msd_interval
from sgdfp.validate.optimizer import Optimizer
from sgdfp.validate.statistics import mode_statistics


def _problem(scales=(0.01, 0.6, 1.4), samples=300, seed=0):
    """Each sample touches one coordinate (diagonal per-sample Hessians, an exactly quadratic loss): one flat mode
    (scale 0.01: diffusive over the runs below) and two stiff ones; the reference point is the exact minimiser."""
    rng = np.random.default_rng(seed)
    dim = len(scales)
    coordinate = rng.integers(0, dim, samples)
    x = np.zeros((samples, dim))
    x[np.arange(samples), coordinate] = rng.uniform(0.5, 2.0, samples) * np.asarray(scales)[coordinate]
    t = rng.normal(size=samples)
    data = Dataset("quadratic", torch.as_tensor(x), torch.as_tensor(t), 0, "classification", "synthetic")
    model = FlatModel(Linear(dim), loss=lambda p, y: 0.5 * (p - y) ** 2)
    theta = torch.as_tensor(np.linalg.lstsq(x, t, rcond=None)[0])
    stats = mode_statistics(model, theta, data.inputs, data.targets, 4, "with")
    return model, theta, data, stats


@pytest.fixture(scope="module")
def problem():
    torch.set_num_threads(1)
    return _problem()


def _checkpoints(steps, count=14):
    return np.unique(np.concatenate([[0], np.geomspace(1, steps, count).astype(int)]))


def test_measured_msd_exponent_and_fdr_agree_with_the_exact_theory(problem):
    model, theta, data, stats = problem
    steps = 300
    sums = ensemble_sums(model, theta, data.inputs, data.targets, stats.eigenvectors, 0.5, 4, 400, steps,
                         _checkpoints(steps), seed=1)
    result = measure_observables(sums, stats, 0.5)
    assert result.regimes == ["diffusive", "confined", "confined"]
    # the theory's MSD between every two checkpoints lies in the measured interval (95 %) nearly always
    upper = np.triu(np.ones(result.msd.shape[:2], dtype=bool), 1)
    inside = (result.msd_low <= result.predicted_msd) & (result.predicted_msd <= result.msd_high)
    assert inside[upper].mean() > 0.85
    assert result.summary.msd_median_abs_log < 0.1
    # the exponents: diffusion for the flat mode, confinement for the stiff ones, the theory's within the interval
    assert result.exponent[0] == pytest.approx(1.0, abs=0.1) and np.all(result.exponent[1:] < 0.3)
    assert np.all((result.exponent_low <= result.predicted_exponent)
                  & (result.predicted_exponent <= result.exponent_high))
    assert result.summary.exponent_median["diffusive"] == pytest.approx(1.0, abs=0.1)
    # at the end the confined modes are stationary: their FDR ratio's interval holds 1
    assert result.summary.fdr_consistent_fraction == 1.0 and result.summary.fdr_median_abs_deviation < 0.2
    # at step 0 every replica sits at the reference point: no dissipation yet, r = 0
    assert np.all(result.fdr_ratio[0] == 0) and np.all(result.fdr_high[0] < 1)
    # the two-time covariance on the diagonal is the one-time variance
    variance = sums.moments().variance
    assert np.allclose(np.diagonal(result.covariance, axis1=0, axis2=1).T, variance, rtol=1e-10, atol=1e-300)


def test_a_run_that_is_not_stationary_is_flagged_by_the_fdr_ratio(problem):
    model, theta, data, stats = problem
    # 12 steps at a small learning rate: the slow stiff mode has not relaxed (eta*lambda = 0.02) and the flat one
    # diffuses; with 600 replicas the ratio is resolved from 1
    steps, lr = 12, 0.1
    sums = ensemble_sums(model, theta, data.inputs, data.targets, stats.eigenvectors, lr, 4, 600, steps,
                         _checkpoints(steps, 6), seed=2)
    result = measure_observables(sums, stats, lr)
    low, high = result.fdr_low[-1], result.fdr_high[-1]
    assert high[0] < 1 and high[1] < 1  # flat and slow modes: far from their stationary laws
    assert low[2] <= 1 <= high[2] or result.fdr_ratio[-1, 2] > 0.8  # eta*lambda = 0.14: nearly relaxed
    assert result.summary.fdr_flagged_fraction_other == 1.0


def test_heavy_ball_fdr_holds_at_stationarity(problem):
    model, theta, data, stats = problem
    optimizer = Optimizer("heavy-ball", 0.5)
    steps = 250
    sums = ensemble_sums(model, theta, data.inputs, data.targets, stats.eigenvectors, 0.25, 4, 400, steps,
                         _checkpoints(steps, 8), seed=3, optimizer=optimizer)
    result = measure_observables(sums, stats, 0.25, optimizer=optimizer)
    assert result.predicted_msd is None and "momentum" in result.summary.undefined["predicted_msd"]
    stiff = slice(1, 3)
    assert np.all((result.fdr_low[-1, stiff] <= 1) & (1 <= result.fdr_high[-1, stiff]))
    # SGD's relation (beta = 0) is not momentum's: 2<yF>/(eta<F^2>) from the raw sums misses 1 by far more
    sgd_ratio = (2 * sums.fdr.position_force / (0.25 * sums.fdr.force_squares))[-1, stiff].numpy()
    assert np.all(np.abs(sgd_ratio - 1) > 0.3) and np.all(np.abs(result.fdr_ratio[-1, stiff] - 1) < 0.3)


def test_intervals_cover_at_their_level():
    rng = np.random.default_rng(0)
    n, trials = 100, 4000
    delta = rng.normal(0.0, 1.5, size=(trials, n))  # mean zero: the chi-square law, exact
    low, high = msd_interval((delta**2).mean(1), (delta**4).mean(1), n, 0.9)
    assert abs(((low <= 2.25) & (2.25 <= high)).mean() - 0.9) < 0.03
    delta = rng.normal(0.5, 1.0, size=(trials, n))  # a drift: E[delta^2] = 1.25, moment-matched
    low, high = msd_interval((delta**2).mean(1), (delta**4).mean(1), n, 0.9)
    assert abs(((low <= 1.25) & (1.25 <= high)).mean() - 0.9) < 0.03
    a = rng.normal(2.0, 1.0, size=(trials, n))
    b = 0.5 * a + rng.normal(4.0, 0.5, size=(trials, n))  # E a / E b = 2/5
    va, vb = a.var(1, ddof=1), b.var(1, ddof=1)
    cab = ((a - a.mean(1, keepdims=True)) * (b - b.mean(1, keepdims=True))).sum(1) / (n - 1)
    low, high = fieller_interval(a.mean(1), b.mean(1), va, vb, cab, n, 0.9)
    assert abs(((low <= 0.4) & (0.4 <= high)).mean() - 0.9) < 0.03
    low, high = fieller_interval(1.0, 0.01, 1.0, 1.0, 0.0, 10, 0.95)  # the denominator is not resolved
    assert low == -np.inf and high == np.inf


def test_bad_input_is_refused(problem):
    model, theta, data, stats = problem
    sums = ensemble_sums(model, theta, data.inputs, data.targets, stats.eigenvectors, 0.5, 4, 4, 5, [0, 2, 5], seed=1,
                         two_time=False, fdr=False)
    result = measure_observables(sums, stats, 0.5)
    assert result.msd is None and result.fdr_ratio is None and set(result.summary.undefined) >= {"msd", "fdr"}
    with pytest.raises(InputError, match="level"):
        measure_observables(sums, stats, 0.5, level=1.5)
    with pytest.raises(InputError, match="origin"):
        measure_observables(sums, stats, 0.5, origin=5)
    with pytest.raises(InputError, match="lr"):
        measure_observables(sums, stats, -0.5)
    with pytest.raises(TypeError, match="EnsembleSums"):
        measure_observables({"steps": [0]}, stats, 0.5)
    with pytest.raises(InputError, match="reference_projection"):
        measure_observables(sums, stats, 0.5, optimizer=Optimizer("sgd", 0.0, 0.1))
    with pytest.raises(TypeError, match="two_time"):
        ensemble_sums(model, theta, data.inputs, data.targets, stats.eigenvectors, 0.5, 4, 4, 5, [0, 5],
                      two_time="yes")
