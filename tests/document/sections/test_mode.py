"""The mode sections print the catalogue's equations, and what they print is right: checked against the moment
recursion worked out by hand, the rule that classifies modes, and the Ornstein--Uhlenbeck process."""

import mpmath
import pytest
import sympy as sp

from sgdfp.derive import Mode, eta, mode_equations, regime_conditions
from sgdfp.derive.mode.equations import contraction_symbol, initial_mean_symbol
from sgdfp.derive.mode.parameters import D, Gamma, gbar, horizon, k_step, lam, rho, y
from sgdfp.derive.mode.regime import growth
from sgdfp.document.sections.mode import has_long_divided_differences

#: The labels the mode sections had before the catalogue, which papers may cite.
LABELS = ["moment-recursion", "mode-contraction", "mode-mean", "mode-variance", "mode-langevin-variance",
          "mode-sme2-variance", "mode-stationary-variance", "mode-relaxation", "stability-threshold", "regimes",
          "langevin-only-stable", "diffusion-coefficient", "flat-mode-variance", "stationary-density",
          "tail-exponent", "langevin-stationary-density", "stationary-density-no-curvature-noise"]
#: Each display of the mode sections: the mode whose catalogue it prints, and the catalogue label it shows.
SOURCES = {
    "mode-update": ("general", "mode-update"), "mode-noise": ("general", "mode-noise"),
    "moment-recursion": ("general", "moment-recursion"),
    "mode-stationary-mean": ("general", "mode-stationary-mean"),
    "mode-stationary-variance-general": ("general", "mode-stationary-variance"),
    "mode-mean-general": ("general", "mode-mean"), "mode-variance-general": ("general", "mode-variance"),
    "flat-mode-variance": ("flat", "mode-variance"),
    "stationary-density-no-curvature-noise": ("additive", ("stationary-density", "langevin-stationary-density")),
    **{label: ("critical", label) for label in LABELS if label not in (
        "moment-recursion", "flat-mode-variance", "stationary-density-no-curvature-noise")},
}
# a confined mode with every parameter, in exact rationals
POINT = {lam: sp.Rational(3, 2), D: sp.Rational(7, 10), eta: sp.Rational(1, 10), Gamma: sp.Rational(2, 5),
         gbar: sp.Rational(-3, 10), rho: sp.Rational(1, 5), initial_mean_symbol: sp.Rational(4, 5)}


@pytest.fixture(scope="module")
def catalogues(document):
    """The catalogues of the four modes the document shows, derived afresh."""
    return {"general": mode_equations(Mode(lam, D, eta, Gamma, gbar, rho), moment_order=max(2, document.eta_order)),
            "critical": Mode(lam, D, eta, Gamma).equations(), "additive": Mode(lam, D, eta).equations(),
            "flat": Mode(0, D, eta).equations()}


def _hand_moments(values, steps, y0=0):
    r"""E[y_k] and Var[y_k] of y' = (1 - eta h) y - eta g, worked out by hand: with y independent of this step's
    (h, g), E y'^2 = E(1 - eta h)^2 E y^2 - 2 eta E[(1 - eta h) g] E y + eta^2 E g^2."""
    lam_, D_, eta_, Gamma_, gbar_, rho_ = (values[s] for s in (lam, D, eta, Gamma, gbar, rho))
    first, second = sp.sympify(y0), sp.sympify(y0) ** 2
    for _ in range(steps):
        first, second = ((1 - eta_ * lam_) * first - eta_ * gbar_,
                         ((1 - eta_ * lam_) ** 2 + eta_**2 * Gamma_) * second
                         - 2 * eta_ * (gbar_ - eta_ * (rho_ + lam_ * gbar_)) * first + eta_**2 * (D_ + gbar_**2))
    return first, second - first**2


def _hand_stationary(values):
    """The fixed point of the hand recursion: stationary mean and variance."""
    lam_, D_, eta_, Gamma_, gbar_, rho_ = (values[s] for s in (lam, D, eta, Gamma, gbar, rho))
    mean = -gbar_ / lam_
    second = (-2 * eta_ * (gbar_ - eta_ * (rho_ + lam_ * gbar_)) * mean + eta_**2 * (D_ + gbar_**2)) \
        / (1 - (1 - eta_ * lam_) ** 2 - eta_**2 * Gamma_)
    return mean, second - mean**2


def _holds(condition, values) -> bool:
    """Whether a displayed condition holds at ``values``, its disjunctions and conjunctions short-circuited
    (``T |q - 1| < 1`` is undefined at ``T = oo, q = 1``, where ``lambda = 0`` has decided already)."""
    if isinstance(condition, sp.Or):
        return any(_holds(c, values) for c in condition.args)
    if isinstance(condition, sp.And):
        return all(_holds(c, values) for c in condition.args)
    return bool(condition.xreplace(values))


def _value(equation, values):
    """The displayed right side (placeholders such as q replaced) at ``values``, exactly."""
    return sp.simplify(equation.expanded().xreplace(values).doit())


def test_the_labels_papers_cite_are_kept(displays):
    assert set(LABELS) <= set(displays)


def test_every_mode_display_prints_the_catalogue_equations(displays, catalogues):
    for label, (mode, wanted) in SOURCES.items():
        wanted = (wanted,) if isinstance(wanted, str) else wanted
        expected = [e for e in catalogues[mode] if e.label in wanted]
        display = displays[label]
        assert [s.name for s in display.sources] == [e.name for e in expected], label
        for shown, source in zip(display.sources, expected):
            assert shown.rhs == source.rhs and shown.relation == source.relation, label
            assert shown.lhs.startswith(source.lhs)  # a special case adds \big|_{...}
            assert shown.lhs in display.tex
            if display.tex.count("\n") <= len(display.sources) + 1:  # not broken into lines: printed whole
                assert shown.rhs_latex() in display.tex, label


def test_every_mode_equation_in_the_document_equals_its_derived_form(document):
    sources = [s for display in document.equations for s in display.sources]
    assert len(sources) >= 30
    point = {**POINT, k_step: 7, y: sp.Rational(1, 3), contraction_symbol: sp.Rational(9, 10), horizon: 50}
    for source in sources:
        if source.derived is None or source.rhs is sp.true:
            continue
        if isinstance(source.rhs, sp.Expr):
            shown, derived = (sp.N(e.xreplace(point).doit(), 30) for e in (source.expanded(), source.derived))
            assert abs(shown - derived) <= 1e-25 * (1 + abs(derived)), source.name
        else:  # a condition: the same truth value over a grid of modes
            for lam_ in (-1, 0, sp.Rational(1, 2), 3):
                for eta_ in (sp.Rational(1, 10), 1, 3):
                    values = {**point, lam: lam_, eta: eta_}
                    shown, derived = source.rhs.xreplace(values), source.derived.xreplace(values)
                    if source.derived.has(growth):  # a regime: the rule is stated in u = q - 1
                        u = (1 - eta_ * lam_) ** 2 + eta_**2 * point[Gamma] - 1
                        shown = source.rhs.xreplace({**values, contraction_symbol: 1 + u})
                        derived = source.derived.xreplace({**values, growth: u})
                    assert bool(shown) == bool(derived), source.name


@pytest.mark.parametrize("steps", [1, 4, 9])
def test_the_closed_forms_agree_with_the_moment_recursion_worked_out_by_hand(displays, steps):
    at_critical = {**POINT, gbar: 0, rho: 0}
    mean, variance = _hand_moments(at_critical, steps, y0=POINT[initial_mean_symbol])
    values = {**at_critical, k_step: steps}
    assert _value(displays["mode-mean"].sources[0], values) == mean
    assert _value(displays["mode-variance"].sources[0], values) == _hand_moments(at_critical, steps)[1]
    mean, _ = _hand_moments(POINT, steps, y0=POINT[initial_mean_symbol])
    values = {**POINT, k_step: steps}
    assert _value(displays["mode-mean-general"].sources[0], values) == mean
    assert _value(displays["mode-variance-general"].sources[0], values) == _hand_moments(POINT, steps)[1]


def test_the_moment_recursion_is_the_one_worked_out_by_hand(displays):
    first, second = displays["moment-recursion"].sources[:2]
    moment = {latex_name: symbol for symbol, latex_name in first.names.items()}
    m1, m2 = moment[r"\mathbb{E}[y^{1}]_k"], moment[r"\mathbb{E}[y^{2}]_k"]
    for y0 in (0, sp.Rational(1, 2), -2):
        values = {**POINT, m1: sp.sympify(y0), m2: sp.sympify(y0) ** 2}
        hand_mean, hand_variance = _hand_moments(POINT, 1, y0=y0)
        assert sp.simplify(first.rhs.xreplace(values)) == hand_mean
        assert sp.simplify(second.rhs.xreplace(values)) == hand_variance + hand_mean**2


def test_the_stationary_law_and_the_time_scales(displays):
    mean, variance = _hand_stationary(POINT)
    assert _value(displays["mode-stationary-mean"].sources[0], POINT) == mean
    assert _value(displays["mode-stationary-variance-general"].sources[0], POINT) == variance
    at_critical = {**POINT, gbar: 0, rho: 0}
    assert _value(displays["mode-stationary-variance"].sources[0], at_critical) == _hand_stationary(at_critical)[1]
    q = (1 - POINT[eta] * POINT[lam]) ** 2 + POINT[eta] ** 2 * POINT[Gamma]
    assert _value(displays["mode-contraction"].sources[0], POINT) == q
    assert _value(displays["mode-relaxation"].sources[0], POINT) == 1 / (1 - q)
    threshold = _value(displays["stability-threshold"].sources[0], POINT)
    assert (1 - threshold * POINT[lam]) ** 2 + threshold**2 * POINT[Gamma] == 1  # q = 1 there
    per_time, per_step = displays["diffusion-coefficient"].sources
    assert _value(per_step, POINT) == POINT[eta] ** 2 * POINT[D] / 2  # half of Var(-eta g)
    assert _value(per_time, POINT) == POINT[eta] * POINT[D] / 2


def test_a_flat_mode_diffuses(displays):
    (variance,) = displays["flat-mode-variance"].sources
    assert sp.simplify(variance.expanded() - eta**2 * D * k_step) == 0  # k independent kicks of variance eta^2 D


def test_the_truncated_density_has_the_maps_variance_and_its_tail_exponent(displays):
    (density,) = displays["stationary-density"].sources
    (tail,) = displays["tail-exponent"].sources
    at_critical = {**POINT, gbar: 0, rho: 0}
    p = sp.lambdify(y, density.rhs.xreplace(at_critical), "mpmath")
    with mpmath.workdps(30):
        norm = mpmath.quad(p, [-mpmath.inf, 0, mpmath.inf])
        second = mpmath.quad(lambda v: v**2 * p(v), [-mpmath.inf, 0, mpmath.inf])
        slope = (mpmath.log(p(mpmath.mpf(10) ** 12)) - mpmath.log(p(mpmath.mpf(10) ** 11))) / mpmath.log(10)
    assert float(second / norm) == pytest.approx(float(_hand_stationary(at_critical)[1]), rel=1e-12)
    assert float(-slope) == pytest.approx(float(_value(tail, at_critical)), rel=1e-9)


def test_the_langevin_density_without_curvature_noise_is_the_ornstein_uhlenbeck_gaussian(displays):
    _, langevin = displays["stationary-density-no-curvature-noise"].sources
    variance = eta * D / (2 * lam)  # OU: dy = -lambda y dt + sqrt(eta D) dW
    assert sp.simplify(sp.diff(sp.log(langevin.rhs), y) + y / variance) == 0


def test_the_printed_regimes_are_the_rule_and_classify_like_mode_regime(displays):
    shown = displays["regimes"].sources
    rule = regime_conditions()
    assert [s.name.removeprefix("regime-") for s in shown] == list(rule)
    assert [s.derived for s in shown] == list(rule.values())


@pytest.mark.parametrize("curvature, curvature_noise, lr, steps", [
    (1.0, 0.0, 0.1, None), (1.0, 0.0, 2.5, None), (1.0, 5.0, 0.3, None), (-0.5, 0.0, 0.1, None),
    (0.0, 0.0, 0.1, None), (1e-4, 0.0, 0.1, 100), (1.0, 0.0, 0.1, 100), (-1e-4, 0.0, 0.1, 1000),
])
def test_displayed_regime_conditions_classify_like_mode_regime(displays, curvature, curvature_noise, lr, steps):
    mode = Mode(curvature, 1.0, lr, curvature_noise=curvature_noise)
    values = {lam: curvature, contraction_symbol: mode.contraction(), horizon: steps if steps is not None else sp.oo}
    first = next(s for s in displays["regimes"].sources if _holds(s.rhs, values))
    assert first.name == f"regime-{mode.regime(horizon=steps)}"


def test_the_divided_difference_notation_is_explained_where_it_is_printed(document, displays):
    printed = [s for display in document.equations for s in display.sources]
    assert has_long_divided_differences(printed)
    assert r"\left(x^{k}\right)\left[" in displays["mode-variance-general"].tex
    assert "is the divided difference of $f$ at the nodes" in document.tex
    assert not has_long_divided_differences(displays["mode-variance"].sources)  # two nodes: written out
