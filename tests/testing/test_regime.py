"""sgdfp.testing.regime: the growth bands against the regime rule, calibration of assert_regime, its inputs.

Calibration runs trials through ``_decide_growth``, the function the assertion calls, on bivariate Gaussian
draws from the closed-form covariance of the linear map; margins are one-sided 99 % (the ``margins`` fixture).
"""

import math

import mpmath
import numpy as np
import pytest

from sgdfp.testing import DEFAULT_ALPHA, DEFAULT_REPLICAS, assert_regime, growth_bands
from sgdfp.testing.regime import _decide_growth

ALPHA, R = DEFAULT_ALPHA, DEFAULT_REPLICAS


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


# ------------------------------------------------------------------------------------------ the bands
def _exponent_by_hand(q, start, stop):
    """log(V_stop/V_start)/log(stop/start) with V_k = (1 - q^k)/(1 - q), in 50-digit arithmetic."""
    with mpmath.workdps(50):
        q = mpmath.mpf(q)
        return float(mpmath.log((1 - q**stop) / (1 - q**start)) / mpmath.log(mpmath.mpf(stop) / start))


@pytest.mark.parametrize("start, stop, horizon", [(500, 1000, None), (50, 100, None), (3, 7, 2), (10, 40, 22.5),
                                                  (60, 120, 10_000)])
def test_growth_bands_carry_the_rules_band_edges_through_the_variance_of_a_mode_started_at_a_point(start, stop,
                                                                                                  horizon):
    T = stop if horizon is None else horizon
    bands = growth_bands(start, stop, horizon)
    low = _exponent_by_hand(mpmath.mpf(1) - mpmath.mpf(1) / mpmath.mpf(T), start, stop)
    high = _exponent_by_hand(mpmath.mpf(1) + mpmath.mpf(1) / mpmath.mpf(T), start, stop)
    assert bands["diffusive"] == pytest.approx((low, high), rel=1e-12)
    if (start, stop, horizon) == (500, 1000, None):
        assert tuple(round(x, 3) for x in bands["diffusive"]) == (0.684, 1.405)


def test_growth_bands_follow_the_regime_boundaries():
    from sgdfp.derive import REGIMES

    bands = growth_bands(500_000, 1_000_000)
    assert tuple(bands) == REGIMES
    # T -> infinity with the window [T/2, T]: V ~ 1 - exp(-/+ k/T), so the edges are log2(1 + e^{-/+1/2})
    assert bands["diffusive"][0] == pytest.approx(math.log2(1 + math.exp(-0.5)), rel=1e-5)
    assert bands["diffusive"][1] == pytest.approx(math.log2(1 + math.exp(0.5)), rel=1e-5)
    assert bands["confined"] == (-math.inf, bands["diffusive"][0])
    assert bands["escaping"] == bands["unstable"] == (bands["diffusive"][1], math.inf)


def test_modes_on_either_side_of_a_band_edge_are_classified_as_the_band_says():
    """The rule that names the regime and the band that checks it meet at the same q: a mode just inside the
    diffusive band by its q grows within the diffusive exponents, one just outside beyond them."""
    from sgdfp.derive import Mode

    lr, T, start = 0.1, 200, 100
    bands = growth_bands(start, T)
    for side, regime in ((-1, "confined"), (1, "escaping")):
        for offset, expected in ((0.9, "diffusive"), (1.1, regime)):
            q = 1 + side * offset / T
            lam = (1 - math.sqrt(q)) / lr  # (1 - lr lam)^2 = q without curvature noise
            assert Mode(lam, 1.0, lr).regime(horizon=T) == expected
            low, high = bands[expected]
            assert low <= _exponent_by_hand(q, start, T) <= high


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


# ------------------------------------------------------------------------------------------ calibration
@pytest.mark.parametrize("q, regime", [(1 - 1 / 100, "confined"), (1 - 1 / 100, "diffusive"), (1.0, "diffusive"),
                                       (1 + 1 / 100, "diffusive"), (1 + 1 / 100, "escaping"), (0.81, "confined")])
def test_regime_false_failure_rate_is_at_most_alpha_even_on_the_boundaries(q, regime, margins):
    trials = 3_000
    rng = np.random.default_rng(int(1000 * q))
    v1, v2, corr = _pair(rng, q, trials, 50, 100)
    low, high = growth_bands(50, 100)[regime]
    paired = _decide_growth(v1, v2, corr, R - 1, R - 1, math.log(2), low, high, ALPHA).failed.mean()
    unpaired = _decide_growth(v1, v2, None, R - 1, R - 1, math.log(2), low, high, ALPHA).failed.mean()
    assert margins.at_most(paired, ALPHA, trials) and margins.at_most(unpaired, ALPHA, trials)


@pytest.mark.parametrize("q, wrong", [(1.0, "confined"), (1.0, "escaping"), (0.81, "diffusive"),
                                      (1.1025, "diffusive"), (0.9, "escaping")])
def test_a_wrong_regime_is_caught(q, wrong, margins):
    trials = 1_000
    rng = np.random.default_rng(int(1000 * q) + len(wrong))
    v1, v2, corr = _pair(rng, q, trials, 50, 100)
    low, high = growth_bands(50, 100)[wrong]
    rate = _decide_growth(v1, v2, corr, R - 1, R - 1, math.log(2), low, high, ALPHA).failed.mean()
    assert margins.at_least(rate, 0.95, trials), rate


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


def test_the_printed_exponent_interval_misses_the_band_of_every_failing_mode(theory_check):
    """With one mode the test is exact: it fails exactly when the interval at level 1 - alpha misses the band."""
    rng = np.random.default_rng(14)
    for q, regime in [(1.0, "confined"), (1.0, "diffusive"), (0.81, "confined"), (1.02, "diffusive")]:
        v1, v2, corr = _pair(rng, q, 1, 50, 100, replicas=300)
        variances = np.array([[v1[0, 0]], [v2[0, 0]]])
        try:
            theory_check.regime([50, 100], variances, regime, replicas=300)
        except AssertionError:
            pass
        check = theory_check.checks[-1]
        misses = check.interval_upper[0] < check.band_lower[0] or check.interval_lower[0] > check.band_upper[0]
        assert misses == (not check.passed), (q, regime)


# ------------------------------------------------------------------------------------------ inputs
@pytest.mark.parametrize("call, match", [
    (lambda: assert_regime([0, 10], np.ones((2, 3)), "confined", replicas=9), "no checkpoint"),
    (lambda: assert_regime([10, 5], np.ones((2, 3)), "confined", replicas=9), "increasing"),
    (lambda: assert_regime([5, 10], np.ones((3, 3)), "confined", replicas=9), "first axis"),
    (lambda: assert_regime([5, 10], np.ones((2, 3)), "wandering", replicas=9), "unknown regime.*confined"),
    (lambda: assert_regime([5, 10], np.ones((2, 3)), ["confined"] * 2, replicas=9), "one per mode"),
    (lambda: assert_regime([5, 10], np.array([[0.0, 1.0], [1.0, 1.0]]), "confined", replicas=9), "zero at step 5"),
    (lambda: assert_regime([5, 10], np.ones((2, 2, 3)), "confined"), "at least 3 replicas"),
    (lambda: assert_regime([5, 10], np.ones((2, 3)), "confined", replicas=9, start=7), "start must be"),
    (lambda: assert_regime([5, 10], np.ones((2, 3)), "confined", replicas=[9, 9, 9, 9]), "one per step"),
    (lambda: assert_regime([5, 10], np.ones(2), "confined"), "samples need shape"),
    (lambda: assert_regime([5, 10], -np.ones((2, 3)), "confined", replicas=9), "negative"),
    (lambda: assert_regime([5, 10], np.ones((2, 3)), "confined", replicas=9, horizon=1), "horizon"),
    (lambda: growth_bands(10, 10), "start < stop"),
    (lambda: growth_bands(1.5, 10), "whole number"),
])
def test_bad_input_is_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
