"""The catalogue: every displayed form equals the form it was derived in, names are unique, and the forms a
theorist writes come out (the two the architecture issue named)."""

import random

import pytest
import sympy as sp

from sgdfp.derive import GROUPS, Mode, eta, latex, mode_equations
from sgdfp.derive.mode.parameters import D, Gamma, gbar, k_step, lam, rho
from sgdfp.derive.powers import ExpDivDiff, PowerDivDiff

SYMBOLIC = {
    "additive": Mode(lam, D, eta),
    "curvature noise": Mode(lam, D, eta, Gamma),
    "all six": Mode(lam, D, eta, Gamma, gbar, rho),
}


def _points(expr, count=4, seed=0):
    """Random points in the parameters' domains (lambda > 0 and small eta, where every stationary law exists)."""
    rng = random.Random(seed)
    symbols = sorted(expr.free_symbols, key=str)
    for _ in range(count):
        values = {}
        for s in symbols:
            if s == k_step or s.is_integer:
                values[s] = rng.randint(2, 9)
            elif s == eta:
                values[s] = sp.Rational(rng.randint(1, 20), 200)
            elif s == rho:
                values[s] = sp.Rational(rng.randint(-5, 5), 100)
            else:
                values[s] = sp.Rational(rng.randint(20, 300), 100)
        yield values


def _numerically_equal(a, b) -> bool:
    if isinstance(a, sp.logic.boolalg.Boolean) or isinstance(b, sp.logic.boolalg.Boolean):
        return all(bool(a.subs(v)) == bool(b.subs(v)) for v in _points(a | b if hasattr(a, "free_symbols") else b))
    for values in _points(sp.Tuple(a, b)):
        numbers = {k: (v if k.is_integer else sp.Float(v, 40)) for k, v in values.items()}
        x, y = (sp.N(e.xreplace(numbers).doit(), 30) for e in (a, b))
        if abs(x - y) > 1e-20 * (1 + abs(y)):
            return False
    return True


@pytest.mark.parametrize("name", SYMBOLIC)
def test_every_displayed_form_equals_the_derived_one(name):
    equations = SYMBOLIC[name].equations()
    assert len({e.name for e in equations}) == len(equations)
    assert {e.group for e in equations} <= set(GROUPS)
    for equation in equations:
        if equation.derived is None or equation.rhs is sp.true:
            continue
        shown = equation.expanded()
        assert _numerically_equal(shown, equation.derived), equation.name


def test_the_forms_the_issue_named():
    by_name = {e.name: e for e in Mode(lam, D, eta).equations()}
    assert by_name["mode-langevin-variance"].rhs_latex() == \
        r"\frac{D \eta \left(1 - e^{- 2 \eta k \lambda}\right)}{2 \lambda}"
    assert by_name["langevin-only-stable"].rhs_latex() == r"\lambda > 0 \wedge \eta \lambda \geq 2"
    assert by_name["mode-variance"].rhs_latex() == r"\frac{D \eta \left(1 - q^{k}\right)}{\lambda \left(2 - \eta \lambda\right)}"
    assert by_name["mode-stationary-variance"].rhs_latex() == r"\frac{D \eta}{\lambda \left(2 - \eta \lambda\right)}"
    with_noise = {e.name: e for e in Mode(lam, D, eta, Gamma).equations()}
    assert with_noise["langevin-only-stable"].rhs_latex() == \
        r"\lambda > 0 \wedge \Gamma \eta < 2 \lambda \wedge \eta \left(\Gamma + \lambda^{2}\right) \geq 2 \lambda"
    assert with_noise["mode-contraction"].rhs_latex() == r"\Gamma \eta^{2} + \left(\eta \lambda - 1\right)^{2}"


def test_regime_lines_state_the_rule_in_terms_of_q():
    lines = [e for e in Mode(lam, D, eta).equations() if e.group == "regimes"]
    assert [e.name for e in lines] == ["regime-diffusive", "regime-confined", "regime-escaping", "regime-unstable"]
    assert lines[1].rhs_latex() == "q < 1" and lines[3].rhs_latex() == r"\text{otherwise}"
    assert "T" in lines[0].rhs_latex() and "q = 1" in lines[0].rhs_latex()


def test_long_general_forms_keep_divided_differences_and_print_them_as_such():
    variance = {e.name: e for e in SYMBOLIC["all six"].equations()}["mode-variance"]
    assert variance.rhs.has(PowerDivDiff) and not variance.rhs.has(ExpDivDiff)
    assert r"\left(x^{k}\right)\left[" in variance.rhs_latex()
    assert "PowerDivDiff" not in SYMBOLIC["all six"].latex()


def test_numeric_modes_have_the_same_catalogue_without_the_symbolic_condition():
    numeric = mode_equations(Mode(1.0, 2.0, 0.1, 0.3))
    names = [e.name for e in numeric]
    assert "langevin-only-stable" not in names and "mode-variance" in names
    assert all(e.latex() for e in numeric)
    assert latex(sp.Float(1)) == "1.0"


def test_equations_and_display_forms_take_sympy_objects_never_text():
    from sgdfp.derive import Equation, EquationGroup, display_condition, display_form

    x = sp.Symbol("x")
    with pytest.raises(TypeError, match="Equation.rhs must be a SymPy expression"):
        Equation("demo", "map", "q", "x + 1")
    with pytest.raises(TypeError, match="Equation.lhs is text"):
        Equation("demo", "map", x, x)
    with pytest.raises(TypeError, match="EquationGroup.title is text"):
        EquationGroup("map", 1, "intro")
    assert Equation("demo", "map", r"q_{\text{demo}}", x + 1).latex() == r"q_{\text{demo}} = x + 1"
    with pytest.raises(TypeError, match="mode must be a sgdfp.derive.Mode"):
        mode_equations("Mode(1, 1, 0.1)")
    with pytest.raises(ValueError, match="moment_order must be an integer >= 1"):
        mode_equations(Mode(1.0, 1.0, 0.1), 0)
    for call in (lambda: display_form("(x + 1)**2"), lambda: display_condition("x > 1"),
                 lambda: display_form(x, {"q": x})):
        with pytest.raises(TypeError, match="not text|Symbol"):
            call()
    q = sp.Symbol("q")
    shown = display_form((x + 1) ** 2 - 1, {q: x + 1})  # the placeholder shown, the value unchanged
    assert shown.has(q) and sp.expand(shown.subs(q, x + 1) - ((x + 1) ** 2 - 1)) == 0
    assert display_condition(True) is sp.true
