"""numerics: accuracy against mpmath on the issue's grid, backends, autograd, printer fixes, errors."""

import itertools

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch

from sgdfp.derive import Mode
from sgdfp.derive.modes import D, Gamma, eta, k_step, lam
from sgdfp.numerics import compile, mode_functions

LAMBDAS = np.logspace(-12, 2, 29)
ETAS = np.logspace(-4, 0, 9)
STEPS = np.array([1, 10, 1_000, 100_000, 10_000_000], dtype=float)
GAMMAS = {"zero": 0.0, "small": 1e-8, "large": 1.0}
DIFFUSION = 0.7


def _grid(gamma):
    lam_, eta_, k_ = (a.ravel() for a in np.meshgrid(LAMBDAS, ETAS, STEPS, indexing="ij"))
    keep = 2 - eta_ * lam_ > 0
    return lam_[keep], eta_[keep], k_[keep], np.full(keep.sum(), gamma)


def _reference(lam_, eta_, k_, gamma):
    """eta^2 D (q^k - 1)/(q - 1) with q = (1 - eta lam)^2 + eta^2 Gamma, at 50 digits (None if overflowing)."""
    with mpmath.workdps(50):
        out = []
        for l, e, k, g in zip(lam_, eta_, k_, gamma):
            l, e, g = mpmath.mpf(float(l)), mpmath.mpf(float(e)), mpmath.mpf(float(g))
            q = (1 - e * l) ** 2 + e**2 * g
            geometric = mpmath.mpf(int(k)) if q == 1 else (q ** int(k) - 1) / (q - 1)
            value = e**2 * DIFFUSION * geometric
            out.append(value if value < mpmath.mpf("1e300") else None)
        return out


def _max_relative_error(values, reference):
    errors = [abs((mpmath.mpf(float(v)) - r) / r) for v, r in zip(values, reference) if r is not None]
    return float(max(errors)), len(errors)


@pytest.mark.parametrize("gamma_name", list(GAMMAS))
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_compiled_variance_is_accurate_to_1e_12_on_the_grid(backend, gamma_name):
    lam_, eta_, k_, gamma = _grid(GAMMAS[gamma_name])
    reference = _reference(lam_, eta_, k_, gamma)
    functions = mode_functions(backend)
    if backend == "torch":
        lam_, eta_, k_, gamma = (torch.as_tensor(a) for a in (lam_, eta_, k_, gamma))
    present = {} if gamma_name == "zero" else {"curvature_noise": gamma}
    values = functions.variance(lam_, DIFFUSION, eta_, k_, **present)
    error, count = _max_relative_error(np.asarray(values), reference)
    assert count > 1000
    assert error <= 1e-12, error


def test_the_naive_lambdified_formula_fails_on_the_same_grid():
    explicit = Mode(lam, D, eta, Gamma).variance(k_step).doit()
    naive = sp.lambdify((lam, D, eta, k_step, Gamma), explicit, "numpy")
    lam_, eta_, k_, gamma = _grid(GAMMAS["zero"])
    with np.errstate(all="ignore"):
        values = naive(lam_, DIFFUSION, eta_, k_, gamma)
    reference = _reference(lam_, eta_, k_, gamma)
    finite = [(v, r) for v, r in zip(values, reference) if r is not None]
    errors = [abs((mpmath.mpf(float(v)) - r) / r) if np.isfinite(v) else mpmath.inf for v, r in finite]
    assert float(max(errors)) > 1e-3


def test_general_mode_formulas_match_high_precision_matrix_powers():
    """With curvature noise, mean gradient, cross term and a start away from 0 (3- and 4-node divided
    differences), against Mode's 40-digit matrix power."""
    functions = mode_functions("numpy")
    worst = 0.0
    for l, e, k in itertools.product([1e-9, 1e-4, 0.3, 1.2], [1e-3, 0.1, 0.9], [1, 50, 10_000]):
        mode = Mode(l, 0.5, e, curvature_noise=0.2, mean_grad=0.3, cross=0.1)
        kwargs = dict(curvature_noise=0.2, mean_grad=0.3, cross=0.1, mean0=0.4, var0=0.05)
        for quantity in ("mean", "variance", "langevin_variance", "sme2_variance"):
            exact = float(getattr(mode, quantity)(k, 0.4, 0.05) if quantity != "mean" else mode.mean(k, 0.4))
            got = float(getattr(functions, quantity)(l, 0.5, e, k, **kwargs))
            if abs(exact) < 1e300:
                assert np.isfinite(got), (l, e, k, quantity)
                worst = max(worst, abs(got - exact) / abs(exact))
    assert worst < 1e-11, worst


def test_torch_agrees_with_numpy_and_keeps_dtype_and_device():
    lam_ = np.logspace(-8, 1, 50)
    numpy_values = mode_functions("numpy").variance(lam_, 1.3, 0.05, 77, curvature_noise=0.1, mean_grad=0.2)
    torch_values = mode_functions("torch").variance(torch.as_tensor(lam_), 1.3, 0.05, 77, curvature_noise=0.1,
                                                    mean_grad=0.2)
    assert torch_values.dtype == torch.float64
    assert np.allclose(torch_values.numpy(), numpy_values, rtol=1e-13, atol=0)
    single = mode_functions("torch").variance(torch.as_tensor(lam_, dtype=torch.float32), 1.3, 0.05, 77)
    assert single.dtype == torch.float32


def test_autograd_through_the_compiled_variance_matches_finite_differences():
    functions = mode_functions("torch")
    lam_ = torch.tensor([1e-6, 0.01, 0.5, 1.5], dtype=torch.float64, requires_grad=True)
    eta_ = torch.tensor(0.2, dtype=torch.float64, requires_grad=True)
    value = functions.variance(lam_, 0.8, eta_, 40, curvature_noise=0.05, mean_grad=0.1)
    value.sum().backward()
    h = 1e-6
    for i in range(4):
        plus, minus = lam_.detach().clone(), lam_.detach().clone()
        plus[i] += h
        minus[i] -= h
        fd = (functions.variance(plus, 0.8, 0.2, 40, curvature_noise=0.05, mean_grad=0.1)[i]
              - functions.variance(minus, 0.8, 0.2, 40, curvature_noise=0.05, mean_grad=0.1)[i]) / (2 * h)
        assert float(lam_.grad[i]) == pytest.approx(float(fd), rel=1e-6, abs=1e-9)
    assert torch.isfinite(eta_.grad)


def test_broadcasting_modes_by_steps():
    lam_ = np.linspace(0.0, 2.0, 1000)[:, None]
    steps = np.arange(1, 101)[None, :]
    values = mode_functions("numpy").variance(lam_, 1.0, 0.1, steps)
    assert values.shape == (1000, 100) and np.all(np.isfinite(values))
    assert values[0, 9] == pytest.approx(0.1**2 * 1.0 * 10)  # flat mode: eta^2 D k


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


def _divided_difference_reference(kind, k, nodes):
    """Recursive divided differences at 150 digits (enough for nodes 1e-14 apart, four levels deep)."""
    with mpmath.workdps(150):
        xs = [(1 + mpmath.mpf(float(u))) if kind == "pow" else mpmath.mpf(float(u)) for u in nodes]
        f = (lambda x: x**k) if kind == "pow" else (lambda x: mpmath.exp(k * x))

        def dd(points):
            return f(points[0]) if len(points) == 1 else (dd(points[:-1]) - dd(points[1:])) / (points[0] - points[-1])
        return dd(xs)


@pytest.mark.parametrize("kind", ["pow", "exp"])
def test_stable_kernels_against_150_digit_divided_differences(kind):
    from sgdfp.numerics import stable

    rng = np.random.default_rng(11)
    worst = 0.0
    for k, scale, m in itertools.product([3.0, 100.0, 1e4, 1e7], [1e-14, 1e-9, 1e-5, 1e-2, 0.4], [1, 2, 3, 4]):
        nodes = rng.uniform(-scale, scale, size=m) - (0.3 if kind == "exp" else 0.0)
        args = [np.float64(u) for u in nodes]
        if m == 2 and k > 50:
            args[1] = 0  # the geometric special case
            nodes[1] = 0.0
        got = float(getattr(stable, f"{kind}_dd{m - 1}")(np.float64(k), *args))
        want = _divided_difference_reference(kind, k, nodes)
        if want == 0 or not (mpmath.mpf("1e-300") < abs(want) < mpmath.mpf("1e300")):
            continue
        worst = max(worst, float(abs((mpmath.mpf(got) - want) / want)))
    assert worst < 1e-12, worst
