"""Dynamics strategies against independent closed forms: the Ornstein-Uhlenbeck process, the SME-2 drift,
exact rational growth offsets."""

import math
from fractions import Fraction

import pytest
import sympy as sp

from sgdfp.derive import DYNAMICS, LANGEVIN, SGD, SME2, Mode, get_dynamics


@pytest.mark.parametrize("lam, D, lr, k", [(1.0, 2.0, 0.1, 7), (0.3, 1.0, 0.5, 40), (2.0, 0.5, 0.01, 1000)])
def test_langevin_is_the_ornstein_uhlenbeck_process(lam, D, lr, k):
    t = lr * k
    ou = lr * D * (1 - math.exp(-2 * lam * t)) / (2 * lam)
    assert float(Mode(lam, D, lr, dynamics=LANGEVIN).variance(k)) == pytest.approx(ou, rel=1e-13)
    assert float(Mode(lam, D, lr).under("langevin").mean(k, mean0=1.5)) == pytest.approx(1.5 * math.exp(-lam * t))


def test_sme2_stationary_variance_is_that_of_its_drift():
    """SME-2 drift -lambda(1 + eta lambda/2) y with diffusion eta D: OU with rate lambda(1 + eta lambda/2)."""
    lam, D, lr = sp.Rational(3, 4), sp.Rational(2), sp.Rational(1, 5)
    rate = lam * (1 + lr * lam / 2)
    assert Mode(lam, D, lr, dynamics=SME2).stationary_variance() == lr * D / (2 * rate)


def test_sgd_growth_offset_is_exact_where_floats_cancel():
    for lam, lr, gamma in [(1e-12, 1e-4, 0.0), (3e-9, 1e-9, 1e-8), (0.5, 0.3, 1.0)]:
        exact = (1 - Fraction(lr) * Fraction(lam)) ** 2 + Fraction(lr) ** 2 * Fraction(gamma) - 1
        got = Mode(lam, 1.0, lr, gamma).growth_offset()
        assert Fraction(int(got.p), int(got.q)) == exact


def test_curvature_noise_makes_sgd_unstable_where_langevin_is_stable():
    mode = Mode(1.0, 1.0, 0.5, curvature_noise=2.5)  # eta Gamma = 1.25 < lambda(2 - eta lambda) = 1.5: both stable
    assert mode.langevin_only_stable() is False
    mode = Mode(1.0, 1.0, 0.5, curvature_noise=3.5)  # lambda(2 - eta lambda) = 1.5 <= eta Gamma = 1.75 < 2 lambda
    assert mode.regime() == "unstable" and mode.under(LANGEVIN).regime() == "confined"
    assert mode.langevin_only_stable() is True


def test_dynamics_by_name_and_bad_names():
    assert get_dynamics(None) is SGD and get_dynamics("sme2") is SME2 and set(DYNAMICS) == {"sgd", "langevin", "sme2"}
    with pytest.raises(ValueError, match="dynamics must be"):
        Mode(1, 1, 0.1, dynamics="adam")


@pytest.mark.parametrize("dynamics", [SGD, LANGEVIN, SME2], ids=lambda d: d.name)
def test_propagators_take_sympy_objects_never_text(dynamics):
    centred = Mode(1.0, 1.0, 0.1).substitute(dynamics.centred_matrix())
    for call in (lambda: dynamics.propagator(centred, "k", sp.Rational(1, 10)),
                 lambda: dynamics.propagator(centred, 5, "eta"),
                 lambda: dynamics.numeric_propagator("[[1]]", 5, sp.Rational(1, 10)),
                 lambda: dynamics.stationary_condition(centred, "u < 0")):
        with pytest.raises(TypeError, match="not text|SymPy matrix"):
            call()
    with pytest.raises(ValueError, match="the step k must be an integer >= 0"):
        dynamics.numeric_propagator(centred, -1, sp.Rational(1, 10))
