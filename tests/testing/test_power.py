"""sgdfp.testing.power: what a variance check can detect, against the chi-squared law and Monte Carlo."""

import numpy as np
import pytest
from scipy import stats

from sgdfp.testing import DEFAULT_REPLICAS, POOLED_SHARE, detection_power, required_replicas
from sgdfp.testing.variance import _decide_variance

R = DEFAULT_REPLICAS


def test_default_replicas_reach_95_percent_power_for_any_number_of_modes():
    assert required_replicas(0.2, modes=1) <= DEFAULT_REPLICAS
    for modes in (1, 2, 3, 8, 48, 1000):
        assert min(detection_power(0.2, R, modes), detection_power(-0.2, R, modes)) >= 0.95
    assert required_replicas(0.2, modes=8) < required_replicas(0.2, modes=2) < required_replicas(0.2, modes=1)
    # the power of one exact test, from the chi2 law directly: P(chi2 < c q_lo) + P(chi2 > c q_hi)
    nu = R - 1
    by_hand = stats.chi2.cdf(1.2 * stats.chi2.ppf(0.005, nu), nu) + stats.chi2.sf(1.2 * stats.chi2.isf(0.005, nu), nu)
    assert detection_power(0.2, R, 1) == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.parametrize("error, modes", [(0.2, 1), (0.1, 4), (0.3, 2)])
def test_required_replicas_is_the_fewest_that_reach_the_power(error, modes):
    needed = required_replicas(error, modes=modes, power=0.9)

    def power(r):
        return min(detection_power(error, r, modes), detection_power(-error, r, modes))

    assert power(needed) >= 0.9 > power(needed - 1)


def test_pooled_power_matches_a_monte_carlo_of_the_pooled_test_alone():
    """For several modes detection_power is the power of the pooled test: with the per-mode family switched off
    (its share of alpha 0), the decision's failure rate on chi2 draws is that power."""
    rng = np.random.default_rng(13)
    trials, modes, replicas, error = 20_000, 3, 200, 0.1
    variances = rng.chisquare(replicas - 1, size=(trials, modes)) / (replicas - 1)
    decision = _decide_variance(variances, np.full(modes, 1 + error), replicas - 1, 0.01, pooled_share=POOLED_SHARE)
    pooled_rate = (decision.pooled_p <= decision.pooled_alpha).mean()
    exact = detection_power(error, replicas, modes)
    assert abs(pooled_rate - exact) <= 4 * np.sqrt(exact * (1 - exact) / trials)
    assert decision.failed.mean() >= pooled_rate  # the whole check catches at least what the pooled test does


@pytest.mark.parametrize("call, match", [
    (lambda: detection_power(-1.5), "error"),
    (lambda: detection_power(float("nan")), "error"),
    (lambda: detection_power(0.2, replicas=1), "at least 2 replicas"),
    (lambda: detection_power(0.2, modes=0), "modes must be a positive integer"),
    (lambda: detection_power(0.2, alpha=1.0), "alpha"),
    (lambda: required_replicas(1.5), "error must be between 0 and 1"),
    (lambda: required_replicas(0.2, power=1.0), "power must be between 0 and 1"),
])
def test_bad_input_is_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
