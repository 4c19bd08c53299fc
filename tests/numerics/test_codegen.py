"""Code generation: common subexpressions, the cache, the torch printer's fixes, clear errors."""

import numpy as np
import pytest
import sympy as sp
import torch

from sgdfp.numerics import compile, mode_functions


def test_compile_shares_subexpressions_caches_and_fixes_the_torch_printer():
    x, y = sp.symbols("x y")
    f = compile([sp.exp(x + y) * 2, sp.exp(x + y) + 1], [x, y])
    assert f.source.count("numpy.exp") == 1
    assert compile([sp.exp(x + y) * 2, sp.exp(x + y) + 1], [x, y]) is f
    a, b = f(np.array([0.0, 1.0]), 0.5)
    assert np.allclose(a, 2 * np.exp([0.5, 1.5])) and np.allclose(b, np.exp([0.5, 1.5]) + 1)
    exprs = [sp.Max(x, 1), sp.Min(x, y, sp.Rational(1, 2)), sp.Piecewise((x, x > 0), (2, True))]
    t = compile(exprs, [x, y], "torch")(torch.tensor([-1.0, 2.0], dtype=torch.float64), 0.3)
    n = compile(exprs, [x, y], "numpy")(np.array([-1.0, 2.0]), 0.3)
    for tv, nv in zip(t, n):
        assert np.allclose(tv.numpy(), nv)
    assert compile(sp.Integer(3), [x])(np.zeros(4)).shape == (4,)


def test_compile_errors_are_clear():
    x, y = sp.symbols("x y")
    with pytest.raises(ValueError, match="unknown backend 'jax'"):
        compile(x, [x], "jax")
    with pytest.raises(ValueError, match="needs y"):
        compile(x + y, [x])
    with pytest.raises(TypeError, match="Symbols"):
        compile(x, ["x"])
    f = compile(x + y, [x, y])
    with pytest.raises(TypeError, match="missing argument"):
        f(1.0)
    with pytest.raises(TypeError, match="unknown argument"):
        f(1.0, z=2.0)
    with pytest.raises(ValueError, match="broadcast"):
        f(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="unknown backend"):
        mode_functions("cupy")
    with pytest.raises(TypeError, match="unknown keyword"):
        mode_functions("numpy").variance(1.0, 1.0, 0.1, 5, gamma=0.3)


def test_expressions_are_sympy_objects_never_text(tmp_path, monkeypatch):
    """compile() refuses text anywhere in its expressions: sympify would run it (the payload of the issue)."""
    monkeypatch.chdir(tmp_path)
    payload = "__import__('os').system('touch PWNED')"
    x = sp.Symbol("x")
    for exprs in (payload, [payload], [x, payload], (x**2, b"x")):
        with pytest.raises(TypeError, match="not text"):
            compile(exprs, [x])
    with pytest.raises(TypeError, match="args .*not text"):
        compile(x, "x")
    with pytest.raises(TypeError, match="list or tuple"):
        compile({x}, [x])
    assert not (tmp_path / "PWNED").exists()
    assert np.array_equal(compile(2, [x])(np.zeros(3)), [2.0, 2.0, 2.0])  # a number is a constant expression
