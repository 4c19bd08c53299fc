"""The operator algebra: normal form, composition and conversions against direct differentiation."""

import pytest
import sympy as sp

from sgdfp.derive import KramersMoyalSeries

x1, x2 = sp.symbols("x1 x2", real=True)
f = sp.Function("f")(x1, x2)


def _series(P=f):
    a, b = sp.sin(x1) * x2, x1**2 + x2
    return KramersMoyalSeries((x1, x2), {(1, 0): a, (0, 1): b, (2, 0): x2**2, (1, 1): a * b, (0, 3): x1}, P)


def test_normal_form_applied_equals_direct_evaluation():
    series = _series()
    normal = series.normal_form()
    via_normal = sum(c * sp.diff(f, *[(v, k) for v, k in zip((x1, x2), beta) if k]) if any(beta) else c * f
                     for beta, c in normal.items())
    assert sp.expand(via_normal - series.doit()) == 0


def test_round_trip_through_the_normal_form():
    series = _series()
    back = KramersMoyalSeries.from_normal_form(series.state, series.normal_form(), f)
    assert back.equals(series)
    assert not back.equals(series.scale(2))


def test_composition_equals_applying_twice():
    a, b = _series(), KramersMoyalSeries((x1, x2), {(0, 1): x1 * x2, (2, 0): sp.exp(x2)}, f)
    composed = (a @ b).doit()
    twice = a.apply(b.doit())
    assert sp.expand(composed - twice) == 0


def test_zeroth_order_terms_are_rejected():
    with pytest.raises(ValueError, match="conserve probability"):
        KramersMoyalSeries.from_normal_form((x1, x2), {(0, 0): x1}, f)


def test_incompatible_states_and_bad_multi_indices():
    with pytest.raises(ValueError, match="different states"):
        _series() - KramersMoyalSeries((x1,), {(1,): x1}, f)
    with pytest.raises(ValueError, match="multi-index"):
        KramersMoyalSeries((x1, x2), {(1,): x1}, f)


# ---------------------------------------------------------------- differential polynomials and plain SymPy agree
g = sp.Function("g")(x1, x2)
eta = sp.Symbol("eta", positive=True)


def _polynomial_series(P=f):
    """Coefficients that are differential polynomials (the fast path of the operator algebra)."""
    return KramersMoyalSeries((x1, x2), {(1, 0): eta * g.diff(x1) + x2, (0, 1): g * x1**2,
                                         (2, 0): eta**2 * (g.diff(x2) ** 2 + 1), (1, 1): eta * x1 * g}, P)


def _plain_sympy(monkeypatch):
    """Every coefficient refused by the differential-polynomial ring: the operator algebra runs on SymPy alone."""
    from sgdfp.derive.jets import JetRing, NotDifferentialPolynomial

    def refuse(self, expr, expanded=False):
        raise NotDifferentialPolynomial("plain SymPy for this test")

    monkeypatch.setattr(JetRing, "poly", refuse)


def _results():
    a, b = _polynomial_series(), KramersMoyalSeries((x1, x2), {(0, 1): eta * x1 * g.diff(x2), (2, 0): x2 * g}, f)
    return {
        "normal": a.normal_form(),
        "round trip": KramersMoyalSeries.from_normal_form(a.state, a.normal_form(), f).coefficients,
        "compose": (a @ b).coefficients,
        "compose truncated": a.compose(b, eta, 1).coefficients,
        "sum": (a + b.scale(x1 * eta)).coefficients,
        "truncate": (a @ b).truncate(eta, 2).coefficients,
        "zero": (a @ b - a @ b).is_zero(),
        "text": str(a @ b),
        "latex": (a @ b).latex(),
    }


def test_the_polynomial_path_gives_sympys_results_exactly(monkeypatch):
    assert _polynomial_series()._jets("km") is not None
    fast = _results()
    _plain_sympy(monkeypatch)
    assert _polynomial_series()._jets("km") is None
    assert _results() == fast


def test_polynomial_composition_equals_applying_twice():
    """The fast path checked against direct differentiation, as the SymPy path is above."""
    a, b = _polynomial_series(), KramersMoyalSeries((x1, x2), {(0, 1): x1 * g, (2, 0): eta * x2}, f)
    assert sp.expand((a @ b).doit() - a.apply(b.doit())) == 0
    # truncated after eta^1: the eta^0 and eta^1 parts of the full composition
    full = sp.expand((a @ b).doit())
    kept = sp.Add(*[t for t in sp.Add.make_args(full) if sp.degree(t, eta) <= 1])
    assert sp.expand(a.compose(b, eta, 1).doit() - kept) == 0


PAYLOAD = "__import__('os').system('touch PWNED')"


@pytest.mark.parametrize("build", [
    lambda: KramersMoyalSeries((x1, x2), {(1, 0): PAYLOAD}, f),
    lambda: KramersMoyalSeries((x1, x2), {(1, 0): x1}, PAYLOAD),
    lambda: KramersMoyalSeries(PAYLOAD, {(1, 0): x1}, f),
    lambda: KramersMoyalSeries.from_normal_form((x1, x2), {(1, 0): PAYLOAD}, f),
    lambda: _series().scale(PAYLOAD),
    lambda: _series().with_density(PAYLOAD),
    lambda: _series().adjoint(PAYLOAD),
    lambda: _series().truncate(PAYLOAD, 2),
    lambda: _series().compose(_series(), eta, PAYLOAD),
])
def test_text_is_refused_and_never_run(build, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError, match="not text"):
        build()
    assert not (tmp_path / "PWNED").exists()
