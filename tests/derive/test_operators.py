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
