"""sgdfp.testing.variance: calibration of assert_variance_matches (false failures, power), its inputs and messages.

Calibration runs thousands of trials through ``_decide_variance``, the function the assertion itself calls
(checked below: the public assertion decides as the batch does). Data where the theory is exact: chi-squared
draws of sample variances and ``simulate_mode`` runs against ``mode_functions``. Monte Carlo margins are
one-sided 99 % (the ``margins`` fixture).
"""

import math

import numpy as np
import pytest

from sgdfp.testing import DEFAULT_ALPHA, DEFAULT_REPLICAS, assert_variance_matches, detection_power
from sgdfp.testing.variance import _decide_variance, _sample_statistics

ALPHA, R = DEFAULT_ALPHA, DEFAULT_REPLICAS


def _chi2_variances(rng, trials, modes, replicas=R):
    return rng.chisquare(replicas - 1, size=(trials, modes)) / (replicas - 1)


# ------------------------------------------------------------------------------------------ calibration
@pytest.mark.parametrize("modes, trials", [(1, 40_000), (8, 20_000), (48, 8_000)])
def test_false_failure_rate_on_exact_variances_is_at_most_alpha(modes, trials, margins):
    rng = np.random.default_rng(modes)
    failed = _decide_variance(_chi2_variances(rng, trials, modes), np.ones(modes), R - 1).failed
    rate = failed.mean()
    assert margins.at_most(rate, ALPHA, trials), rate
    assert rate >= ALPHA / 2 - 2.33 * math.sqrt(ALPHA / 2 / trials)  # not needlessly conservative
    if modes == 1:  # one exact two-sided test: the rate is alpha itself
        assert abs(rate - ALPHA) <= 4 * math.sqrt(ALPHA * (1 - ALPHA) / trials)


@pytest.mark.parametrize("modes", [1, 2, 8])
@pytest.mark.parametrize("factor", [1.2, 0.8])
def test_a_prediction_off_by_20_percent_is_caught_at_the_default_replicas(modes, factor, margins):
    trials = 6_000
    rng = np.random.default_rng(int(10 * factor) + modes)
    rate = _decide_variance(_chi2_variances(rng, trials, modes), np.full(modes, factor), R - 1).failed.mean()
    assert margins.at_least(rate, 0.95, trials), rate
    if modes == 1:  # the exact power of the single chi2 test
        exact = detection_power(factor - 1, R, 1)
        assert abs(rate - exact) <= 4 * math.sqrt(exact * (1 - exact) / trials)


def test_calibration_on_simulated_sgd_modes_against_the_exact_theory(margins):
    from sgdfp.numerics import mode_functions, simulate_mode

    trials, lr, k = 150, 0.1, 15
    lam = np.array([2.0, 1.0, 0.3, 0.0])
    noise = np.array([1.0, 0.5, 2.0, 1.0])
    sim = simulate_mode(np.broadcast_to(lam, (trials, 4)), noise, lr, [k], chains=R, seed=3, keep_samples=True,
                        max_moment=2)
    samples = np.moveaxis(sim.samples[k], 0, -2)  # (trials, replicas, modes)
    predicted = mode_functions("numpy").variance(lam, noise, lr, k)
    variance, dof, effective = _sample_statistics(samples, 0.0)
    exact = _decide_variance(variance, predicted, dof, ALPHA, effective)
    assert margins.at_most(exact.failed.mean(), ALPHA, trials)
    assert np.all(effective > 3.8)  # independent modes are recognised as such
    for factor in (1.2, 0.8):
        wrong = _decide_variance(variance, factor * predicted, dof, ALPHA, effective)
        assert margins.at_least(wrong.failed.mean(), 0.95, trials)
    # the public assertion takes the same decisions as the batch
    for trial in range(12):
        wrong = 1.2 * predicted if trial % 2 else predicted
        batch = _decide_variance(variance[trial], wrong, dof[trial], ALPHA, effective[trial]).failed
        try:
            assert_variance_matches(samples[trial], wrong, label=f"trial {trial}" + (", 20 % off" if trial % 2 else ""))
            public = False
        except AssertionError:
            public = True
        assert public == bool(batch)


def test_correlated_modes_keep_the_false_failure_rate_with_samples(margins):
    rng = np.random.default_rng(5)
    trials, replicas, modes = 3_000, 200, 8
    common = rng.standard_normal((trials, replicas, 1))
    samples = np.sqrt(0.8) * common + np.sqrt(0.2) * rng.standard_normal((trials, replicas, modes))  # corr 0.8
    variance, dof, effective = _sample_statistics(samples, 0.0)
    assert 1.2 < np.median(effective) < 1.8  # m^2 / (m + m(m-1) 0.64) = 1.42
    estimated = _decide_variance(variance, np.ones(modes), dof, ALPHA, effective).failed.mean()
    assumed_independent = _decide_variance(variance, np.ones(modes), dof, ALPHA).failed.mean()
    assert margins.at_most(estimated, ALPHA, trials)
    assert assumed_independent > 5 * ALPHA  # what the pooled test would do without the correction


def test_estimated_kurtosis_widens_the_test_for_heavy_tails(margins):
    rng = np.random.default_rng(6)
    trials, replicas, modes = 2_000, 400, 2
    samples = rng.standard_t(10, size=(trials, replicas, modes)) / math.sqrt(1.25)  # unit variance, excess kurtosis 1
    variance, dof, effective = _sample_statistics(samples, 0.0)
    gaussian = _decide_variance(variance, np.ones(modes), dof, ALPHA, effective).failed.mean()
    variance, dof, effective = _sample_statistics(samples, "estimate")
    robust = _decide_variance(variance, np.ones(modes), dof, ALPHA, effective).failed.mean()
    # the Gaussian test is anti-conservative here; the moment-matched one is close to alpha (approximate: the
    # kurtosis estimate itself is noisy)
    assert gaussian > 2.5 * ALPHA and robust < gaussian / 2 and margins.at_most(robust, 2 * ALPHA, trials)


def test_sample_statistics_against_numpy_and_the_sample_kurtosis():
    rng = np.random.default_rng(11)
    samples = rng.laplace(size=(3, 500, 4))  # excess kurtosis 3
    variance, dof, effective = _sample_statistics(samples, "estimate")
    assert np.allclose(variance, samples.var(axis=1, ddof=1), rtol=1e-12)
    centred = samples - samples.mean(axis=1, keepdims=True)
    g2 = (centred**4).mean(axis=1) / (centred**2).mean(axis=1) ** 2 - 3  # the textbook sample excess kurtosis
    assert np.allclose(dof, 2 / (2 / 499 + g2 / 500), rtol=1e-12)
    assert effective.shape == (3,) and np.all((1 <= effective) & (effective <= 4))
    _, gaussian_dof, _ = _sample_statistics(samples, 0.0)
    assert np.allclose(gaussian_dof, 499, rtol=1e-14, atol=0)


# ------------------------------------------------------------------------------------------ API and messages
def test_inputs_in_every_accepted_form():
    rng = np.random.default_rng(9)
    samples = rng.normal(0.0, 2.0, size=(R, 2, 3))
    predicted = np.full((2, 3), 4.0)
    check = assert_variance_matches(samples, predicted)
    assert check.mode_shape == (2, 3) and check.modes == 6 and check.passed
    assert assert_variance_matches(samples, 4.0).passed  # a scalar prediction broadcasts over the modes
    assert assert_variance_matches(samples[:, 0, 0], 4.0).modes == 1
    variance = samples.var(axis=0, ddof=1)
    by_variance = assert_variance_matches(variance, predicted, replicas=R)
    assert np.allclose(by_variance.p_values, check.p_values)
    assert np.allclose(assert_variance_matches(samples.var(axis=0), predicted, replicas=R, ddof=0).p_values,
                       check.p_values)
    assert assert_variance_matches(variance, predicted, replicas=np.full((2, 3), R)).passed
    torch = pytest.importorskip("torch")
    assert assert_variance_matches(torch.as_tensor(samples), torch.as_tensor(predicted)).passed


def test_failure_message_names_modes_intervals_and_the_pooled_ratio():
    rng = np.random.default_rng(10)
    samples = rng.normal(0.0, 1.0, size=(R, 6))
    predicted = np.ones(6)
    predicted[4] = 2.0  # one mode badly wrong
    with pytest.raises(AssertionError) as failure:
        assert_variance_matches(samples, predicted, label="one bad mode")
    text = str(failure.value)
    assert text.startswith("one bad mode: measured variances disagree")
    assert "1 of 6 modes fail" in text and "mode 4: measured" in text and "predicted 2" in text
    assert "interval [" in text and "pooled test" in text and "noise" not in text.split("\n")[0]
    with pytest.raises(AssertionError, match=r"pooled test .* -- FAILS"):  # 10 % off on every mode: the pooled test
        assert_variance_matches(rng.normal(0.0, 1.0, size=(R, 48)), np.full(48, 1.1))


def test_a_mode_lies_outside_its_printed_interval_exactly_when_holms_first_step_rejects_it(theory_check):
    from scipy import stats

    rng = np.random.default_rng(12)
    predicted = np.linspace(0.85, 1.15, 7)
    variance = rng.normal(size=(R, 7)).var(axis=0, ddof=1)
    with pytest.raises(AssertionError):
        theory_check.variance(variance, predicted, replicas=R, label="7 modes, up to 15 % off")
    check = theory_check.checks[-1]  # recorded although it failed
    statistic = (R - 1) * variance / predicted
    p = 2 * np.minimum(stats.chi2.cdf(statistic, R - 1), stats.chi2.sf(statistic, R - 1))
    first_step = p * 7 <= check.family_alpha  # Bonferroni over the 7 modes
    outside = (predicted < check.lower) | (predicted > check.upper)
    assert np.array_equal(outside, first_step) and 0 < outside.sum() < 7
    assert set(np.flatnonzero(outside)) <= set(check.failing.tolist())
    assert check.interval_level == pytest.approx(1 - ALPHA * (1 - 0.5) / 7)


@pytest.mark.parametrize("call, match", [
    (lambda: assert_variance_matches(np.ones((5, 3)), np.ones(4)), "shape"),
    (lambda: assert_variance_matches(np.random.rand(5, 3), [1.0, 0.0, 1.0]), "positive.*mode 1"),
    (lambda: assert_variance_matches(np.random.rand(5, 3), [1.0, -1.0, 1.0]), "positive"),
    (lambda: assert_variance_matches(np.random.rand(1, 3), np.ones(3)), "at least 2 replicas"),
    (lambda: assert_variance_matches(np.ones(3), np.ones(3), replicas=1), "at least 2 replicas"),
    (lambda: assert_variance_matches(np.ones(3), np.ones(3), replicas=2.5), "whole number"),
    (lambda: assert_variance_matches(np.ones(3), np.ones(3), replicas=[10, 20]), "one per mode"),
    (lambda: assert_variance_matches(np.array([[1.0, np.nan], [2.0, 3.0]]), np.ones(2)), "NaN.*diverged"),
    (lambda: assert_variance_matches(np.ones(2), [1.0, np.nan], replicas=10), "predicted has 1 non-finite"),
    (lambda: assert_variance_matches(np.array([1.0, -1.0]), np.ones(2), replicas=10), "negative"),
    (lambda: assert_variance_matches(np.random.rand(9, 2), np.ones(2), alpha=0.0), "alpha"),
    (lambda: assert_variance_matches(np.random.rand(9, 2), np.ones(2), alpha=True), "alpha"),
    (lambda: assert_variance_matches(np.ones(2), np.ones(2), replicas=9, excess_kurtosis="estimate"), "samples"),
    (lambda: assert_variance_matches(np.random.rand(9, 2), np.ones(2), excess_kurtosis=-1), "excess_kurtosis"),
    (lambda: assert_variance_matches(np.random.rand(9, 2), np.ones(2), effective_modes=3), "effective_modes"),
    (lambda: assert_variance_matches(np.ones(2), np.ones(2), replicas=9, ddof=2), "ddof"),
    (lambda: assert_variance_matches(5.0, 1.0), "replica axis"),
    (lambda: assert_variance_matches(np.ones((5, 0)), 1.0), "no modes"),
    (lambda: assert_variance_matches(np.ones(0), 1.0, replicas=5), "no measured variances"),
])
def test_bad_input_is_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="samples_or_moments must be an array of real numbers"):
        assert_variance_matches("abc", 1.0)
