"""``sgdfp mode --json`` against mpmath at 50 digits on the README's accuracy grid, regime included (the nearly
flat modes whose 1 - q floats used to lose). The full grid runs with --run-slow."""

import itertools
from fractions import Fraction

import mpmath
import pytest

from sgdfp.cli import mode_report

STEPS = [1, 1000, 10**7]
FAST = list(itertools.product([1e-12, 1e-6, 1e-2, 1.0, 100.0], [1e-4, 1e-2, 1.0], [0.0, 1e-8, 1.0]))
FULL = list(itertools.product([10.0**e for e in range(-12, 3)], [1e-4, 1e-3, 1e-2, 0.1, 0.5, 1.0],
                              [0.0, 1e-8, 1.0]))


def _reference(lam, lr, gamma, D=1.0):
    with mpmath.workdps(50):
        l, e, g, d = (mpmath.mpf(Fraction(x).numerator) / Fraction(x).denominator for x in (lam, lr, gamma, D))
        q = (1 - e * l) ** 2 + e**2 * g
        rate = -2 * l + e * g  # the Langevin second moment's rate per unit time
        out = {"contraction": q, "variance": [], "langevin_variance": []}
        for k in STEPS:
            geometric = mpmath.mpf(k) if q == 1 else (q**k - 1) / (q - 1)
            out["variance"].append(e**2 * d * geometric)
            t = e * k
            out["langevin_variance"].append(e * d * (t if rate == 0 else mpmath.expm1(rate * t) / rate))
        out["stationary_variance"] = e * d / (2 * l - e * (l**2 + g)) if q < 1 else None
        out["langevin_stationary_variance"] = e * d / (2 * l - e * g) if (l > 0 and rate < 0) else None
        out["relaxation_steps"] = 1 / (1 - q) if q < 1 else None
        return out


def _exact_regime(lam, lr, gamma, horizon):
    q = (1 - Fraction(lr) * Fraction(lam)) ** 2 + Fraction(lr) ** 2 * Fraction(gamma)
    if q == 1 or (horizon is not None and horizon * abs(1 - q) < 1):  # linear growth, or too slow to tell
        return "diffusive"
    return "confined" if q < 1 else "escaping" if lam < 0 else "unstable"


def _worst(grid):
    worst = 0.0
    for lam, lr, gamma in grid:
        got, want = mode_report(lam, 1.0, lr, gamma, steps=STEPS), _reference(lam, lr, gamma)
        assert got["regime"] == _exact_regime(lam, lr, gamma, None), (lam, lr, gamma)
        assert got["regime_at_horizon"] == _exact_regime(lam, lr, gamma, max(STEPS)), (lam, lr, gamma)
        pairs = [(got["contraction"], want["contraction"])]
        pairs += list(zip(got["variance"], want["variance"])) + list(zip(got["langevin_variance"],
                                                                         want["langevin_variance"]))
        pairs += [(got[key], want[key]) for key in ("stationary_variance", "langevin_stationary_variance",
                                                    "relaxation_steps")]
        for value, exact in pairs:
            if exact is None or abs(exact) > mpmath.mpf("1.7976931348623157e308"):  # beyond float: null
                assert value is None, (lam, lr, gamma, value)
                continue
            if exact == 0:
                assert value == 0, (lam, lr, gamma)
                continue
            worst = max(worst, float(abs((mpmath.mpf(value) - exact) / exact)))
    return worst


def test_mode_json_is_exact_to_1e_12_on_the_grid():
    assert _worst(FAST) < 1e-12


@pytest.mark.slow
def test_mode_json_is_exact_to_1e_12_on_the_full_grid():
    assert _worst(FULL) < 1e-12


def test_the_nearly_flat_cases_the_issue_reported():
    """Exact stationary variances 5e7 and 5e10 (the first was printed as 4.5036e7, the ratio below 1)."""
    report = mode_report(1e-12, 1.0, 1e-4)
    assert report["stationary_variance"] == pytest.approx(1e-4 / (2e-12 - 1e-4 * 1e-24), rel=1e-14)
    assert report["stationary_ratio"] > 1  # the discrete-SGD correction widens the law
    assert mode_report(1e-12, 1.0, 0.1)["stationary_variance"] == pytest.approx(0.1 / (2e-12 - 0.1 * 1e-24),
                                                                               rel=1e-14)
    flat = mode_report(1e-9, 1.0, 1e-9)
    assert flat["regime"] == "confined" and flat["langevin_only_stable"] is False
