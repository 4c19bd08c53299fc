"""The regime rule against an independent classification in exact rational arithmetic, at the edges too."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from sgdfp.derive import REGIMES, Mode, diffusive_band, regime_conditions, regime_rule
from sgdfp.numerics import mode_functions, regime_names


def exact_regime(lam, lr, gamma, horizon):
    """DESIGN.md's rule with q = (1 - eta lambda)^2 + eta^2 Gamma in exact fractions of the floats, read by the
    growth of the variance: linear at q = 1 exactly (diffusive at every horizon, lambda = 0 or the edge of
    stability), geometric for q > 1 (a flat mode with curvature noise too) unless the horizon is too short."""
    lam, lr, gamma = Fraction(lam), Fraction(lr), Fraction(gamma)
    q = (1 - lr * lam) ** 2 + lr**2 * gamma
    if q == 1 or (horizon is not None and horizon * abs(1 - q) < 1):
        return "diffusive"
    if q < 1:
        return "confined"
    return "escaping" if lam < 0 else "unstable"


GRID = list(itertools.product([-1.0, -1e-9, 0.0, 1e-12, 1e-9, 1e-3, 0.5, 1.0, 3.0],   # lambda
                              [1e-9, 1e-4, 0.1, 0.5, 1.0, 2.0],                       # eta
                              [0.0, 1e-8, 1.0],                                       # Gamma
                              [None, 10, 1000, 10**7]))                               # horizon


def test_mode_regime_is_exact_on_the_grid_edges_included():
    wrong = [(lam, lr, g, T) for lam, lr, g, T in GRID
             if Mode(lam, 1.0, lr, g).regime(horizon=T) != exact_regime(lam, lr, g, T)]
    assert not wrong, wrong[:5]
    assert Mode(1.0, 1.0, 2.0).regime() == "diffusive"  # q = 1 exactly at eta lambda = 2: linear growth
    # a flat mode with curvature noise: q = 1 + eta^2 Gamma, geometric growth beyond 1/u = 100 steps
    assert Mode(0.0, 1.0, 0.1, 1.0).regime() == "unstable" and Mode(0.0, 1.0, 0.1, 1.0).regime(horizon=50) == "diffusive"
    assert Mode(1e-9, 1.0, 1e-9).regime() == "confined"  # once called unstable: 1 - q rounded away


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_compiled_regime_classifies_like_the_exact_rule(backend):
    lam, lr, gamma, T = (np.array([row[i] if row[i] is not None else np.inf for row in GRID], dtype=float)
                         for i in range(4))
    values = (lam, lr, T, gamma)
    if backend == "torch":
        import torch
        values = tuple(torch.as_tensor(v) for v in values)
    codes = mode_functions(backend).regime(values[0], values[1], values[2], curvature_noise=values[3])
    got = regime_names(codes)
    expected = [exact_regime(*row) for row in GRID]
    assert list(got) == expected


def test_the_rule_is_one_piecewise_and_its_band_edges_solve_it():
    rule = regime_rule()
    assert isinstance(rule, sp.Piecewise) and [REGIMES[int(v)] for v, _ in rule.args] == list(regime_conditions())
    low, high = diffusive_band(1000)
    assert (low, high) == (sp.Rational(999, 1000), sp.Rational(1001, 1000))
    # just inside and just outside the band, a mode with q there changes regime at that horizon
    for q, inside in ((0.9995, True), (0.998, False), (1.0005, True), (1.002, False)):
        lam = 1.0 - q**0.5  # Gamma = 0, eta = 1: q = (1 - lam)^2
        assert (Mode(lam, 1.0, 1.0).regime(horizon=1000) == "diffusive") == inside, q


def test_bad_horizons_are_refused():
    for horizon in (0, -5, float("nan"), True):
        with pytest.raises(ValueError, match="horizon"):
            Mode(1.0, 1.0, 0.1).regime(horizon=horizon)
    with pytest.raises(TypeError, match="horizon must be a number .* not text"):  # text is never parsed
        Mode(1.0, 1.0, 0.1).regime(horizon="10")
    with pytest.raises(ValueError, match="numeric"):
        Mode(sp.Symbol("l"), 1.0, 0.1).regime()


def test_the_band_and_the_codes_refuse_what_is_not_a_horizon_or_a_code():
    with pytest.raises(TypeError, match="not text"):
        diffusive_band("10")
    with pytest.raises(ValueError, match="positive number of steps"):
        diffusive_band(-10)
    assert diffusive_band(sp.oo) == (1, 1)
    from sgdfp.derive.mode.regime import regime_name

    assert [regime_name(i) for i in range(4)] == list(REGIMES)
    for code in (4, -1, "0", True, 1.5):
        with pytest.raises(ValueError, match="a regime code is an integer in 0..3"):
            regime_name(code)
    for codes in ([0, 7], ["confined"]):
        with pytest.raises(ValueError, match="regime codes are integers in 0..3"):
            regime_names(codes)
