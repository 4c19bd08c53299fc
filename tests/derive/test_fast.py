"""The optional symengine path: the same SymPy expressions as SymPy alone, and silence without symengine."""

import subprocess
import sys
import warnings

import pytest
import sympy as sp

from sgdfp.derive import fast, symbolic_sgd
from sgdfp.document import derivations

symengine = pytest.importorskip("symengine", reason="the fast path needs symengine (the 'fast' extra)")

x, y = sp.symbols("theta_1 theta_2", real=True)
eta = sp.Symbol("eta", positive=True)
L = sp.Function("L")(x, y)
S = sp.Function("Sigma_12")(x, y)


@pytest.mark.parametrize("expr", [
    (eta * L.diff(x) + eta**2 * S) ** 3,
    (L.diff(x, y) + L.diff(y) * S - sp.Rational(1, 3)) ** 2 * (eta + 1),
    (x + y) ** 4 - x**4,
])
def test_expand_and_diff_agree_with_sympy_node_for_node(expr, monkeypatch):
    monkeypatch.setattr(fast, "LARGE_EXPANSION", 0)  # through symengine, however small
    with fast.use_symengine(True):
        expanded, derivative = fast.expand(expr), fast.diff(expr, x, y, y)
    assert fast.enabled() is True
    assert sp.srepr(expanded) == sp.srepr(sp.expand(expr))
    assert sp.srepr(derivative) == sp.srepr(sp.expand(sp.diff(expr, x, y, y)))
    assert all(s.is_real for s in expanded.free_symbols)  # the symbols are SymPy's, assumptions and all


@pytest.mark.parametrize("expr", [
    sp.sin(x) * (x + 1) ** 2,               # a function SymPy's expand may rewrite
    sp.Float(0.5) * (x + y) ** 2,           # floats
    sp.exp(x + y) * (x + 1),                # expand splits the exponential
    (sp.Symbol("theta_1") + x) ** 2,        # two symbols of one name (symengine has no assumptions)
    (sp.Dummy("d") + x) ** 2,
    sp.Function("f", real=True)(x) * (x + 1),
])
def test_what_symengine_would_change_goes_to_sympy(expr, monkeypatch):
    monkeypatch.setattr(fast, "LARGE_EXPANSION", 0)
    with fast.use_symengine(True):
        assert sp.srepr(fast.expand(expr)) == sp.srepr(sp.expand(expr))
        assert sp.srepr(fast.diff(expr, x)) == sp.srepr(sp.expand(sp.diff(expr, x)))


def _everything(dim, eta_order):
    """Every expression of the derive gathering: jump-moment entries, series coefficients, drift and diffusion."""
    derived = derivations(dim, eta_order)
    out = {}
    for n, tensor in derived["jump_moments"].items():
        out.update({("M", n, i): v for i, v in enumerate(sp.flatten(tensor.tolist()))})
    for key in ("discrete_fokker_planck", "langevin_fokker_planck", "step_difference", "flow_difference"):
        out.update({(key, alpha): c for alpha, c in derived[key].coefficients.items()})
    sme = derived["modified_equation"]
    out.update({("b", i): v for i, v in enumerate(sme.drift)})
    out.update({("a", i): v for i, v in enumerate(sme.diffusion)})
    return out


@pytest.mark.parametrize("dim, eta_order", [(1, 3), (2, 2), (2, 3), (3, 2)])
def test_both_paths_derive_the_same_coefficients(dim, eta_order, monkeypatch):
    with fast.use_symengine(True):
        monkeypatch.setattr(fast, "LARGE_EXPANSION", 0)  # every expansion and derivative through symengine
        with_symengine = _everything(dim, eta_order)
        monkeypatch.undo()
    with fast.use_symengine(False):
        sympy_only = _everything(dim, eta_order)
    assert with_symengine.keys() == sympy_only.keys()
    for key, value in with_symengine.items():
        assert value == sympy_only[key], key  # structurally equal: exactly the same expression


def test_without_symengine_nothing_is_said(monkeypatch, capsys):
    monkeypatch.setattr(fast, "_symengine", lambda: None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not fast.available() and not fast.enabled()
        update = symbolic_sgd(2)
        assert fast.expand((x + 1) ** 2) == x**2 + 2 * x + 1
        assert fast.diff(L**2, x) == 2 * L * L.diff(x)
        assert update.jump_moment(2)[0, 1] != 0
    assert capsys.readouterr() == ("", "")


def test_the_environment_switches_the_fast_path_off():
    code = "from sgdfp.derive import fast; print(fast.available(), fast.enabled())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"SGDFP_SYMENGINE": "0", "PATH": ""})
    assert out.stdout.split() == ["True", "False"] and out.stderr == ""


def test_large_expansions_only_go_to_symengine(monkeypatch):
    calls = []
    real = symengine.expand
    monkeypatch.setattr(symengine, "expand", lambda e: calls.append(e) or real(e))
    big = (eta * L.diff(x) + eta**2 * S + L.diff(y) + x) ** 4  # at most C(7, 4) = 35 terms
    with fast.use_symengine(True):
        assert fast.expand((x + y) ** 2) == sp.expand((x + y) ** 2) and not calls
        assert sp.srepr(fast.expand(big * (x + y + 1))) == sp.srepr(sp.expand(big * (x + y + 1)))  # 3 x 35 >= 64
    assert len(calls) == 1


@pytest.mark.parametrize("flag", [True, False])
def test_an_expanded_expression_comes_back_as_it_is(flag):
    """Sums of products of powers of atoms: SymPy's expand gives them back unchanged, and so does the fast path."""
    rng = __import__("random").Random(3)
    atoms = [x, y, eta, L, L.diff(x), L.diff(x, y), S]
    with fast.use_symengine(flag):
        for _ in range(60):
            expr = sp.expand(sum(sp.Rational(rng.randint(-5, 5), rng.choice([1, 2, 3]))
                                 * sp.Mul(*[rng.choice(atoms) ** rng.randint(1, 2) for _ in range(rng.randint(0, 3))])
                                 for _ in range(rng.randint(1, 4))))
            assert sp.srepr(fast.expand(expr)) == sp.srepr(sp.expand(expr))
            if expr.is_Add:
                assert fast.expand(expr) is expr
