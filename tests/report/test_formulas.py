"""The theory section is the catalogue: the same equations (names and LaTeX) in the catalogue's groups."""

import math

import pytest

from sgdfp.derive import GROUPS, MODE_PARAMETERS, Mode, mode_equations
from sgdfp.report import theory
from sgdfp.report.formulas import CLOSED_GROUPS, GENERAL_GROUPS, prose


def _symbols():
    return [p.symbol for p in MODE_PARAMETERS]


def test_the_equations_are_exactly_the_catalogues():
    lam, D, eta, Gamma, gbar, rho = _symbols()
    general = mode_equations(Mode(lam, D, eta, Gamma, gbar, rho))  # all six parameters
    closed = mode_equations(Mode(lam, D, eta, Gamma))  # curvature noise, no mean gradient or cross term
    expected = [(key, [e for e in general if e.group == key]) for key in GENERAL_GROUPS]
    expected += [(key, [e for e in closed if e.group == key]) for key in CLOSED_GROUPS]
    groups = theory().groups
    assert [g.key for g in groups] == [key for key, _ in expected]
    for group, (key, equations) in zip(groups, expected):
        assert [e.name for e in group.equations] == [e.name for e in equations]
        assert [e.latex() for e in group.equations] == [e.latex() for e in equations]
        assert group.title.startswith(GROUPS[key].title) and group.intro.startswith(GROUPS[key].intro)
        assert group.latex.startswith(r"\begin{align*}") and all(e.lhs in group.latex for e in equations)
    shown = {e.name for g in groups for e in g.equations}
    # nothing of the closed forms is left out, and the mode map with its moments is there for the general mode
    assert {e.name for e in closed if e.group in CLOSED_GROUPS} <= shown
    assert {"mode-update", "moment-recursion-2", "mode-stationary-mean", "regime-unstable"} <= shown


def test_titles_say_which_parameters_a_group_covers_where_it_matters():
    titles = {(g.key, i): g.title for i, g in enumerate(theory().groups)}
    stationary = [t for (key, _), t in titles.items() if key == "stationary"]
    assert stationary == [GROUPS["stationary"].title + " (with ḡ and ρ)", GROUPS["stationary"].title + " (ḡ = ρ = 0)"]
    # the regimes and the stability conditions do not involve the mean gradient or the cross term
    assert GROUPS["regimes"].title in titles.values() and GROUPS["stability"].title in titles.values()


def test_the_diffusion_exponent_is_that_of_the_flat_mode_variance():
    """Independently of the catalogue: a flat mode's variance after k steps is 2 D_t t with t = eta k, so the
    power of eta in D_t is the slope of log(Var / (2 eta k)) against log eta."""
    result = theory()
    D, k = 3.0, 50
    rates = (0.01, 0.1)
    per_time = [float(Mode(0, D, eta).variance(k)) / (2 * eta * k) for eta in rates]
    slope = math.log(per_time[1] / per_time[0]) / math.log(rates[1] / rates[0])
    assert slope == pytest.approx(1, abs=1e-12) and result.diffusion_exponent == 1
    assert result.diffusion_text == "Dη/2" and result.diffusion_latex == r"\frac{D \eta}{2}"


def test_prose_names_the_parameters_by_their_unicode_forms():
    lam, D, eta, Gamma, gbar, rho = _symbols()
    assert prose(D * eta / 2) == "Dη/2"
    assert prose(eta**2 * (lam**2 + Gamma)) == "η²(Γ + λ²)"
    assert prose(2 * lam / (Gamma + lam**2)) == "2λ/(Γ + λ²)"
    assert prose(-gbar / lam) == "-ḡ/λ"
    assert prose(rho) == "ρ"


def test_the_symbols_are_described_from_the_parameter_table():
    text = theory().symbols
    for parameter in MODE_PARAMETERS:
        assert parameter.description in text
