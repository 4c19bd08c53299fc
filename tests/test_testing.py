"""sgdfp.testing: calibration of the checks (false failures, power), their inputs and messages, and the plugin.

Calibration runs thousands of trials through ``_decide_variance`` / ``_decide_growth``, the functions the
assertions themselves call (checked below: the public assertion decides as the batch does). Data where the
theory is exact: chi-squared draws of sample variances, bivariate Gaussian draws from the closed-form
covariance of the linear map, and ``simulate_mode`` runs against ``mode_functions``. Monte Carlo margins are
one-sided 99 % (2.33 standard errors of the nominal rate).
"""

import math
import subprocess
import sys

import numpy as np
import pytest

from sgdfp.testing import (DEFAULT_ALPHA, DEFAULT_REPLICAS, _decide_growth, _decide_variance, _holm,
                           _sample_statistics, assert_regime, assert_variance_matches, detection_power, growth_bands,
                           required_replicas)

pytest_plugins = ["pytester"]

ALPHA, R = DEFAULT_ALPHA, DEFAULT_REPLICAS


def _at_most(rate, nominal, trials):
    """``rate`` is not significantly above ``nominal`` (one-sided 99 %)."""
    return rate <= nominal + 2.33 * math.sqrt(nominal * (1 - nominal) / trials)


def _at_least(rate, nominal, trials):
    """``rate`` is significantly at or above ``nominal``: its 99 % lower bound clears it."""
    return rate - 2.33 * math.sqrt(max(rate * (1 - rate), 1e-12) / trials) >= nominal


def _chi2_variances(rng, trials, modes, replicas=R):
    return rng.chisquare(replicas - 1, size=(trials, modes)) / (replicas - 1)


# ------------------------------------------------------------------------------------------ variance calibration
@pytest.mark.parametrize("modes, trials", [(1, 40_000), (8, 20_000), (48, 8_000)])
def test_false_failure_rate_on_exact_variances_is_at_most_alpha(modes, trials):
    rng = np.random.default_rng(modes)
    failed = _decide_variance(_chi2_variances(rng, trials, modes), np.ones(modes), R - 1).failed
    rate = failed.mean()
    assert _at_most(rate, ALPHA, trials), rate
    assert rate >= ALPHA / 2 - 2.33 * math.sqrt(ALPHA / 2 / trials)  # not needlessly conservative
    if modes == 1:  # one exact two-sided test: the rate is alpha itself
        assert abs(rate - ALPHA) <= 4 * math.sqrt(ALPHA * (1 - ALPHA) / trials)


@pytest.mark.parametrize("modes", [1, 2, 8])
@pytest.mark.parametrize("factor", [1.2, 0.8])
def test_a_prediction_off_by_20_percent_is_caught_at_the_default_replicas(modes, factor):
    trials = 6_000
    rng = np.random.default_rng(int(10 * factor) + modes)
    rate = _decide_variance(_chi2_variances(rng, trials, modes), np.full(modes, factor), R - 1).failed.mean()
    assert _at_least(rate, 0.95, trials), rate
    if modes == 1:  # the exact power of the single chi2 test
        exact = detection_power(factor - 1, R, 1)
        assert abs(rate - exact) <= 4 * math.sqrt(exact * (1 - exact) / trials)


def test_default_replicas_reach_95_percent_power_for_any_number_of_modes():
    assert required_replicas(0.2, modes=1) <= DEFAULT_REPLICAS
    for modes in (1, 2, 3, 8, 48, 1000):
        assert min(detection_power(0.2, R, modes), detection_power(-0.2, R, modes)) >= 0.95
    assert required_replicas(0.2, modes=8) < required_replicas(0.2, modes=2) < required_replicas(0.2, modes=1)
    # the power of one exact test, from the chi2 law directly: P(chi2 < c q_lo) + P(chi2 > c q_hi)
    from scipy import stats

    nu = R - 1
    by_hand = stats.chi2.cdf(1.2 * stats.chi2.ppf(0.005, nu), nu) + stats.chi2.sf(1.2 * stats.chi2.isf(0.005, nu), nu)
    assert detection_power(0.2, R, 1) == pytest.approx(by_hand, rel=1e-12)


def test_calibration_on_simulated_sgd_modes_against_the_exact_theory():
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
    assert _at_most(exact.failed.mean(), ALPHA, trials)
    assert np.all(effective > 3.8)  # independent modes are recognised as such
    for factor in (1.2, 0.8):
        assert _at_least(_decide_variance(variance, factor * predicted, dof, ALPHA, effective).failed.mean(), 0.95,
                         trials)
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


def test_correlated_modes_keep_the_false_failure_rate_with_samples():
    rng = np.random.default_rng(5)
    trials, replicas, modes = 3_000, 200, 8
    common = rng.standard_normal((trials, replicas, 1))
    samples = np.sqrt(0.8) * common + np.sqrt(0.2) * rng.standard_normal((trials, replicas, modes))  # corr 0.8
    variance, dof, effective = _sample_statistics(samples, 0.0)
    assert 1.2 < np.median(effective) < 1.8  # m^2 / (m + m(m-1) 0.64) = 1.42
    estimated = _decide_variance(variance, np.ones(modes), dof, ALPHA, effective).failed.mean()
    assumed_independent = _decide_variance(variance, np.ones(modes), dof, ALPHA).failed.mean()
    assert _at_most(estimated, ALPHA, trials)
    assert assumed_independent > 5 * ALPHA  # what the pooled test would do without the correction


def test_estimated_kurtosis_widens_the_test_for_heavy_tails():
    rng = np.random.default_rng(6)
    trials, replicas, modes = 2_000, 400, 2
    samples = rng.standard_t(10, size=(trials, replicas, modes)) / math.sqrt(1.25)  # unit variance, excess kurtosis 1
    variance, dof, effective = _sample_statistics(samples, 0.0)
    gaussian = _decide_variance(variance, np.ones(modes), dof, ALPHA, effective).failed.mean()
    variance, dof, effective = _sample_statistics(samples, "estimate")
    robust = _decide_variance(variance, np.ones(modes), dof, ALPHA, effective).failed.mean()
    # the Gaussian test is anti-conservative here; the moment-matched one is close to alpha (approximate: the
    # kurtosis estimate itself is noisy)
    assert gaussian > 2.5 * ALPHA and robust < gaussian / 2 and _at_most(robust, 2 * ALPHA, trials)


def test_holm_against_the_textbook_procedure():
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 0.05, size=(200, 6)) ** 2
    adjusted = _holm(p)
    for row, adj in zip(p, adjusted):
        order = np.argsort(row)
        rejected = set()
        for rank, index in enumerate(order):  # reject while p_(j) <= alpha / (m - j)
            if row[index] > 0.01 / (6 - rank):
                break
            rejected.add(int(index))
        assert rejected == set(np.flatnonzero(adj <= 0.01).tolist())


# ------------------------------------------------------------------------------------------ regime calibration
def _pair(rng, q, trials, start, stop, replicas=R):
    """(y_start, y_stop) of y' = a y - eta g from y_0 = 0, a^2 = q: V_k = (1 - q^k)/(1 - q) (k if q = 1), in units
    of eta^2 D; Cov = a^(stop - start) V_start."""
    def var(k):
        return float(k) if q == 1 else (1 - q**k) / (1 - q)

    covariance = math.sqrt(q) ** (stop - start) * var(start)
    chol = np.linalg.cholesky([[var(start), covariance], [covariance, var(stop)]])
    y = rng.standard_normal((trials, replicas, 2)) @ chol.T
    c = y - y.mean(axis=1, keepdims=True)
    ss = (c**2).sum(axis=1)
    corr = (c[..., 0] * c[..., 1]).sum(axis=1) / np.sqrt(ss[:, 0] * ss[:, 1])
    return ss[:, :1] / (replicas - 1), ss[:, 1:] / (replicas - 1), corr[:, None]


@pytest.mark.parametrize("q, regime", [(1 - 1 / 100, "confined"), (1 - 1 / 100, "diffusive"), (1.0, "diffusive"),
                                       (1 + 1 / 100, "diffusive"), (1 + 1 / 100, "escaping"), (0.81, "confined")])
def test_regime_false_failure_rate_is_at_most_alpha_even_on_the_boundaries(q, regime):
    trials = 3_000
    rng = np.random.default_rng(int(1000 * q))
    v1, v2, corr = _pair(rng, q, trials, 50, 100)
    low, high = growth_bands(50, 100)[regime]
    paired = _decide_growth(v1, v2, corr, R - 1, R - 1, math.log(2), low, high, ALPHA).failed.mean()
    unpaired = _decide_growth(v1, v2, None, R - 1, R - 1, math.log(2), low, high, ALPHA).failed.mean()
    assert _at_most(paired, ALPHA, trials) and _at_most(unpaired, ALPHA, trials)


@pytest.mark.parametrize("q, wrong", [(1.0, "confined"), (1.0, "escaping"), (0.81, "diffusive"),
                                      (1.1025, "diffusive"), (0.9, "escaping")])
def test_a_wrong_regime_is_caught(q, wrong):
    trials = 1_000
    rng = np.random.default_rng(int(1000 * q) + len(wrong))
    v1, v2, corr = _pair(rng, q, trials, 50, 100)
    low, high = growth_bands(50, 100)[wrong]
    rate = _decide_growth(v1, v2, corr, R - 1, R - 1, math.log(2), low, high, ALPHA).failed.mean()
    assert _at_least(rate, 0.95, trials), rate


def test_growth_bands_follow_the_regime_boundaries():
    from sgdfp.derive.modes import REGIMES

    bands = growth_bands(500_000, 1_000_000)
    assert tuple(bands) == REGIMES
    # T -> infinity with the window [T/2, T]: V ~ 1 - exp(-/+ k/T), so the edges are log2(1 + e^{-/+1/2})
    assert bands["diffusive"][0] == pytest.approx(math.log2(1 + math.exp(-0.5)), rel=1e-5)
    assert bands["diffusive"][1] == pytest.approx(math.log2(1 + math.exp(0.5)), rel=1e-5)
    assert bands["confined"] == (-math.inf, bands["diffusive"][0])
    assert bands["escaping"] == bands["unstable"] == (bands["diffusive"][1], math.inf)


def test_modes_classified_by_the_theory_grow_inside_their_band():
    from sgdfp.derive import Mode
    from sgdfp.numerics import mode_functions

    variance = mode_functions("numpy").variance
    start, stop = 60, 120
    for lam, gamma in [(1.0, 0.0), (0.05, 0.0), (0.01, 0.0), (0.0, 0.0), (-0.004, 0.0), (-0.2, 0.0), (0.3, 30.0)]:
        mode = Mode(lam, 1.0, 0.1, curvature_noise=gamma)
        low, high = growth_bands(start, stop)[mode.regime(horizon=stop)]
        exponent = math.log(float(variance(lam, 1.0, 0.1, stop, curvature_noise=gamma))
                            / float(variance(lam, 1.0, 0.1, start, curvature_noise=gamma))) / math.log(2)
        assert low - 1e-9 <= exponent <= high + 1e-9, (lam, gamma, exponent, mode.regime(horizon=stop))


def test_assert_regime_on_simulated_modes():
    from sgdfp.derive import Mode
    from sgdfp.numerics import simulate_mode

    lam, lr, steps = np.array([1.0, 0.0, -0.5]), 0.1, [10, 50, 100]
    sim = simulate_mode(lam, 1.0, lr, steps, chains=R, seed=8, keep_samples=True, max_moment=2)
    samples = np.stack([sim.samples[k] for k in steps])  # (steps, replicas, modes)
    modes = [Mode(float(v), 1.0, lr) for v in lam]
    check = assert_regime(steps, samples, modes, label="three regimes")
    assert check.regimes == ["confined", "diffusive", "escaping"] and check.window == (50, 100)
    unbiased = sim.variance * R / (R - 1)
    assert assert_regime(steps, unbiased, ["confined", "diffusive", "escaping"], replicas=R).passed
    assert assert_regime(steps, sim.variance, modes, replicas=R, ddof=0).passed
    with pytest.raises(AssertionError, match=r"2 of 3 modes fail") as failure:
        assert_regime(steps, samples, ["confined", "confined", "diffusive"])
    assert "mode 1: predicted confined" in str(failure.value) and "FAILS" in str(failure.value)


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
    (lambda: assert_regime([0, 10], np.ones((2, 3)), "confined", replicas=9), "no checkpoint"),
    (lambda: assert_regime([10, 5], np.ones((2, 3)), "confined", replicas=9), "increasing"),
    (lambda: assert_regime([5, 10], np.ones((3, 3)), "confined", replicas=9), "first axis"),
    (lambda: assert_regime([5, 10], np.ones((2, 3)), "wandering", replicas=9), "unknown regime.*confined"),
    (lambda: assert_regime([5, 10], np.ones((2, 3)), ["confined"] * 2, replicas=9), "one per mode"),
    (lambda: assert_regime([5, 10], np.array([[0.0, 1.0], [1.0, 1.0]]), "confined", replicas=9), "zero at step 5"),
    (lambda: assert_regime([5, 10], np.ones((2, 2, 3)), "confined"), "at least 3 replicas"),
    (lambda: assert_regime([5, 10], np.ones((2, 3)), "confined", replicas=9, start=7), "start must be"),
    (lambda: assert_regime([5, 10], np.ones((2, 3)), "confined", replicas=[9, 9, 9, 9]), "one per step"),
    (lambda: growth_bands(10, 10), "start < stop"),
    (lambda: detection_power(-1.5), "error"),
])
def test_bad_input_is_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="samples_or_moments must be an array of real numbers"):
        assert_variance_matches("abc", 1.0)


def test_importing_the_plugin_loads_neither_torch_nor_scipy():
    code = "import sys, sgdfp.testing; print(sorted(m for m in ('torch', 'scipy', 'sympy') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


# ------------------------------------------------------------------------------------------ the pytest plugin
_USER_TESTS = """
import numpy as np
import pytest
from sgdfp.testing import assert_variance_matches

@pytest.mark.theory
def test_right():
    rng = np.random.default_rng(0)
    assert_variance_matches(rng.normal(0.0, 2.0, size=(1200, 4)), np.full(4, 4.0), label="exact")

@pytest.mark.theory
def test_wrong():
    rng = np.random.default_rng(0)
    assert_variance_matches(rng.normal(0.0, 2.0, size=(1200, 4)), np.full(4, 4.8))

def test_fixture(theory_check):
    rng = np.random.default_rng(1)
    check = theory_check.variance(rng.normal(size=(500, 2)), [1.0, 1.0])
    assert theory_check.checks == [check]

def test_expected_failure():
    rng = np.random.default_rng(2)
    with pytest.raises(AssertionError):
        assert_variance_matches(rng.normal(size=(1200, 3)), np.full(3, 1.5), label="meant to fail")

def test_unrelated():
    assert True
"""


def test_plugin_marker_summary_and_fixture(pytester):
    pytester.makepyfile(test_user=_USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines([
        "*measured variances disagree with the prediction*",
        "*= sgdfp: theory vs experiment =*",
        "check*kind*modes*replicas*worst*pooled ratio*failing*result",
        "test_user.py::test_expected_failure [[]meant to fail[]]*3/3*disagrees (expected by the test)",
        "test_user.py::test_fixture*variance*2*500*|log r|*0/2*agrees",
        "test_user.py::test_right [[]exact[]]*variance*4*1200*agrees",
        "test_user.py::test_wrong*variance*4*1200*4/4*DISAGREES",
        "4 checks: 2 agree, 2 disagree (1 as their tests expected)*",
    ])
    assert "test_unrelated" not in result.stdout.str().split("sgdfp: theory vs experiment")[1]
    selected = pytester.runpytest("-p", "no:cacheprovider", "-m", "theory")  # the fixture marks its test
    selected.assert_outcomes(passed=2, failed=1, deselected=2)
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.theory: a theory-vs-experiment check*"])


def test_plugin_prints_nothing_without_checks(pytester):
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "theory vs experiment" not in result.stdout.str()
