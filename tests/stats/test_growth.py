"""sgdfp.stats.growth: growth exponents and power-law fits.

References: exact power laws, ``numpy.polyfit`` as an independent least-squares slope, and seeded Monte Carlo of
log-normal scatter for the coverage of the fitted interval.
"""

import numpy as np
import pytest
from scipy.stats import binomtest

from sgdfp.stats import PowerLaw, growth_exponents, power_law_fit


def test_growth_exponents_of_exact_power_laws():
    steps = np.array([0, 10, 20, 40, 80, 160])
    exponents = np.array([0.0, 1.0, -0.5, 2.3])
    with np.errstate(divide="ignore"):  # step 0 (0 ** -0.5) is left out of the fit
        variance = 3.0 * steps[:, None].astype(float) ** exponents
    assert growth_exponents(steps, variance) == pytest.approx(exponents, abs=1e-12)


def test_growth_exponents_are_the_least_squares_slope_over_the_second_half():
    rng = np.random.default_rng(0)
    steps = np.array([5, 17, 30, 52, 61, 77, 100])
    variance = np.exp(rng.normal(size=(steps.size, 3)))
    late = steps >= 50  # the second half of the run: 52, 61, 77, 100
    by_hand = [np.polyfit(np.log(steps[late]), np.log(variance[late, j]), 1)[0] for j in range(3)]
    assert growth_exponents(steps, variance) == pytest.approx(by_hand, rel=1e-12)


def test_growth_exponents_need_two_usable_steps():
    assert np.all(np.isnan(growth_exponents([0, 3, 10], np.ones((3, 2)))))  # only step 10 lies in [5, 10]


def test_power_law_fit_recovers_an_exponent_and_its_interval_covers_it():
    rng = np.random.default_rng(1)
    x = np.array([0.01, 0.02, 0.04, 0.08, 0.16, 0.32])
    trials, exponent, level = 1_000, 1.7, 0.9
    covered = 0
    estimates = []
    for _ in range(trials):
        y = 0.3 * x**exponent * np.exp(rng.normal(0, 0.2, size=x.size))
        fit = power_law_fit(x, y, level)
        estimates.append(fit.exponent)
        covered += fit.interval[0] <= exponent <= fit.interval[1]
    assert np.mean(estimates) == pytest.approx(exponent, abs=0.01)  # unbiased
    assert binomtest(covered, trials, level).pvalue > 1e-3  # Student's t interval: exact for Gaussian log scatter


def test_power_law_fit_of_noiseless_points_and_what_it_leaves_out():
    fit = power_law_fit([1, 2, None, 4, -1, 8, 16], [5, 5 * 2**-0.5, 3.0, 2.5, 1.0, float("nan"), 1.25])
    assert fit.exponent == pytest.approx(-0.5, rel=1e-12)  # the None, non-positive and NaN pairs are dropped
    assert [point[0] for point in fit.points] == [1, 2, 4, 16]
    assert fit.interval == pytest.approx((-0.5, -0.5), abs=1e-9)
    two = power_law_fit([1, 10], [2, 20])
    assert two.exponent == pytest.approx(1.0) and two.interval is None  # no interval from two points
    assert power_law_fit([1], [1]) == PowerLaw(None, None, [(1.0, 1.0)])
