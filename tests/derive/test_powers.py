"""Opitz's formula: triangular powers and exponentials as divided differences."""

import pytest
import sympy as sp

from sgdfp.derive.powers import ExpDivDiff, PowerDivDiff, triangular_exp, triangular_power

R = sp.Rational


@pytest.mark.parametrize("A", [
    sp.Matrix([[1, 0, 0], [R(1, 3), R(1, 2), 0], [R(2, 5), R(-3, 7), R(4, 5)]]),
    sp.Matrix([[1, 0, 0, 0], [R(1, 3), R(1, 2), 0, 0], [R(2, 5), R(-3, 7), R(4, 5), 0], [1, 2, 3, R(-1, 2)]]),
    sp.Matrix([[1, 0, 0], [R(1, 3), 1, 0], [R(2, 5), R(-3, 7), 1]]),  # every node confluent
    sp.Matrix([[R(1, 2), 0, 0], [R(1, 3), 1, 0], [R(2, 5), R(-3, 7), R(1, 2)]]),  # two equal nodes
])
@pytest.mark.parametrize("k", [0, 1, 2, 7])
def test_triangular_power_equals_the_matrix_power(A, k):
    structured = triangular_power(A, sp.Integer(k))
    assert (structured.applyfunc(lambda e: e.doit()) - A**k).applyfunc(sp.simplify) == sp.zeros(*A.shape)


def test_symbolic_power_recovers_the_geometric_sum():
    q, c, k = sp.symbols("q c k")
    A = sp.Matrix([[1, 0], [c, q]])
    entry = triangular_power(A, k)[1, 0]
    assert sp.simplify(entry.doit() - c * (q**k - 1) / (q - 1)) == 0
    assert PowerDivDiff(k, 0, 0) == k and PowerDivDiff(k, 0, 0, 0) == sp.binomial(k, 2)


def test_triangular_exponential_equals_the_matrix_exponential():
    B = sp.Matrix([[0, 0, 0], [R(1, 3), R(-1, 2), 0], [R(2, 5), R(-3, 7), R(-6, 5)]])
    t = R(7, 10)
    structured = triangular_exp(B, t).applyfunc(lambda e: e.doit())
    assert (structured - (B * t).exp()).evalf(30).norm() < 1e-25
    assert sp.simplify(ExpDivDiff(t, 0, 0).doit() - t) == 0


def test_text_is_refused_before_sympy_could_parse_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = "__import__('os').system('touch PWNED')"
    for call in (lambda: PowerDivDiff(payload, 0), lambda: ExpDivDiff(1, payload),
                 lambda: triangular_power(sp.eye(2), payload), lambda: triangular_exp([[payload, 0], [0, 1]], 1)):
        with pytest.raises(TypeError, match="not text"):
            call()
    assert not (tmp_path / "PWNED").exists()
    with pytest.raises(ValueError, match="lower-triangular"):
        triangular_power([[1, 2], [0, 1]], 3)
    # nested lists of numbers are a matrix: [[1, 0], [2, 3]]^2 = [[1, 0], [8, 9]]
    assert triangular_power([[1, 0], [2, 3]], 2).applyfunc(lambda e: e.doit()) == sp.Matrix([[1, 0], [8, 9]])
