"""Discrete updates and jump moments: the random-quadratic mode, heavy ball, SGD, bad input."""

from math import comb

import pytest
import sympy as sp
import sympy.stats as st

from sgdfp.derive import DiscreteUpdate, Noise, eta, jump_moment, sgd_update, symbolic_sgd

y, h, g = sp.symbols("y h g", real=True)


def _all_moment_symbols(max_order):
    """Every raw moment E[h^a g^b] as an independent symbol m_a_b."""
    return {h**a * g**b: sp.Symbol(f"m_{a}_{b}")
            for a in range(max_order + 1) for b in range(max_order + 1) if 0 < a + b <= max_order}


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_mode_jump_moments_by_direct_binomial_expansion(n):
    moments = _all_moment_symbols(4)
    update = DiscreteUpdate([y], [-eta * (h * y + g)], Noise.from_moments([h, g], moments), eta)
    # (-eta)^n sum_k C(n,k) y^k E[h^k g^(n-k)], expanded here by hand
    expected = (-eta) ** n * sum(comb(n, k) * y**k * sp.Symbol(f"m_{k}_{n - k}") for k in range(n + 1))
    assert sp.expand(jump_moment(update, n)[(0,) * n] - expected) == 0


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_mode_jump_moments_match_sympy_stats_for_gaussian_curvature_and_gradient(n):
    lam, G, D = sp.symbols("lambda Gamma D", positive=True)
    noise = Noise.gaussian([h, g], [lam, 0], [[G, 0], [0, D]])
    update = DiscreteUpdate([y], [-eta * (h * y + g)], noise, eta)
    H, Gr = st.Normal("H", lam, sp.sqrt(G)), st.Normal("Gr", 0, sp.sqrt(D))
    reference = st.E(sp.expand((-eta * (H * y + Gr)) ** n))
    assert sp.simplify(jump_moment(update, n)[(0,) * n] - reference) == 0


def test_jump_moment_tensor_is_symmetric_and_has_the_right_shape():
    x1, x2 = sp.symbols("x1 x2")
    L = sp.Function("L")(x1, x2)
    s11, s12, s22 = (sp.Function(n)(x1, x2) for n in ("s11", "s12", "s22"))
    update = sgd_update(L, [x1, x2], eta, [[s11, s12], [s12, s22]])
    m3 = jump_moment(update, 3)
    assert m3.shape == (2, 2, 2)
    assert m3[0, 1, 1] == m3[1, 0, 1] == m3[1, 1, 0]
    # Gaussian noise: E[(a-eta xi1)(b-eta xi2)(b-eta xi2)] = a b^2 + eta^2 (a s22 + 2 b s12)
    a, b = -eta * L.diff(x1), -eta * L.diff(x2)
    assert sp.expand(m3[0, 1, 1] - (a * b**2 + eta**2 * (a * s22 + 2 * b * s12))) == 0


def test_sgd_higher_cumulants_enter_the_jump_moments():
    x = sp.Symbol("x")
    k3, s = sp.symbols("kappa_3 s")
    update = sgd_update(x**2 / 2, [x], eta, [[s]], noise={(0, 0, 0): k3})
    # Delta = -eta (x + xi): E[Delta^3] = -eta^3 (x^3 + 3 x s + k3)
    assert sp.expand(jump_moment(update, 3)[0, 0, 0] + eta**3 * (x**3 + 3 * x * s + k3)) == 0


def test_heavy_ball_jump_moments_on_its_two_dimensional_state():
    x, v, beta, s = sp.symbols("x v beta s", real=True)
    xi = sp.Symbol("xi")
    L = sp.Function("L")(x)
    grad = L.diff(x)
    # v' = beta v - eta (L'(x) + xi),  x' = x + v'
    dv = (beta - 1) * v - eta * (grad + xi)
    dx = beta * v - eta * (grad + xi)
    update = DiscreteUpdate([x, v], [dx, dv], Noise.gaussian([xi], [0], [[s]]), eta)
    a, b = beta * v - eta * grad, (beta - 1) * v - eta * grad  # noise-free parts
    m1, m2, m3 = (jump_moment(update, n) for n in (1, 2, 3))
    assert sp.expand(m1[0] - a) == 0 and sp.expand(m1[1] - b) == 0
    assert sp.expand(m2[0, 0] - (a**2 + eta**2 * s)) == 0
    assert sp.expand(m2[0, 1] - (a * b + eta**2 * s)) == 0
    assert sp.expand(m2[1, 1] - (b**2 + eta**2 * s)) == 0
    # third moment with Gaussian xi: E[(a - e)(a - e)(b - e)] = a^2 b + eta^2 s (a + a + b)
    assert sp.expand(m3[0, 0, 1] - (a**2 * b + eta**2 * s * (2 * a + b))) == 0


@pytest.mark.parametrize("build, error, message", [
    (lambda n: DiscreteUpdate([y, sp.Symbol("z")], [h], n, eta), ValueError, "2 state variables but 1"),
    (lambda n: DiscreteUpdate([y**2], [h], n, eta), TypeError, "Symbols"),
    (lambda n: DiscreteUpdate([y], [h], n, 0.1), TypeError, "lr must be"),
    (lambda n: DiscreteUpdate([y], [h], {h: 0}, eta), TypeError, "Noise"),
    (lambda n: DiscreteUpdate([y], [sp.exp(h)], n, eta), ValueError, "polynomial"),
    (lambda n: DiscreteUpdate([h], [h], n, eta), ValueError, "both state variables and random"),
    (lambda n: DiscreteUpdate([y, y], [h, h], n, eta), ValueError, "distinct"),
])
def test_bad_updates(build, error, message):
    noise = Noise.gaussian([h], [0], [[1]])
    with pytest.raises(error, match=message):
        build(noise)


def test_missing_moment_surfaces_through_jump_moment():
    update = DiscreteUpdate([y], [-eta * h * y], Noise.from_moments([h], {h: 1, h**2: 2}), eta)
    jump_moment(update, 2)
    with pytest.raises(ValueError, match=r"E\[h\*\*3\] is not specified"):
        jump_moment(update, 3)
    with pytest.raises(ValueError, match="positive integer"):
        jump_moment(update, 0)


@pytest.mark.parametrize("cov, error, message", [
    ([[1, 2], [3, 1]], ValueError, "symmetric"),
    ([[1, 0, 0], [0, 1, 0]], ValueError, "2x2"),
    ([[1]], ValueError, "2x2"),
])
def test_sgd_rejects_bad_covariances(cov, error, message):
    x1, x2 = sp.symbols("x1 x2")
    with pytest.raises(error, match=message):
        sgd_update(x1**2 + x2**2, [x1, x2], eta, cov)


def test_sgd_rejects_bad_cumulant_keys_and_reserved_names():
    x = sp.Symbol("x")
    with pytest.raises(ValueError, match="at least 3 indices"):
        sgd_update(x**2, [x], eta, [[1]], noise={(0, 0): 1})
    with pytest.raises(ValueError, match="reserved"):
        sgd_update(sp.Symbol("xi_1", real=True) ** 2, [sp.Symbol("xi_1", real=True)], eta, [[1]])


PAYLOAD = "__import__('os').system('touch PWNED')"


@pytest.mark.parametrize("build", [
    lambda n: DiscreteUpdate(PAYLOAD, [h], n, eta),
    lambda n: DiscreteUpdate([y], PAYLOAD, n, eta),
    lambda n: DiscreteUpdate([y], [PAYLOAD], n, eta),
    lambda n: DiscreteUpdate([y], [h], n, PAYLOAD),
    lambda n: sgd_update(PAYLOAD, [y], eta, [[1]]),
    lambda n: sgd_update(y**2, [y], eta, PAYLOAD),
    lambda n: sgd_update(y**2, [y], eta, [[PAYLOAD]]),
    lambda n: sgd_update(y**2, [y], eta, [[1]], noise={(0, 0, 0): PAYLOAD}),
    lambda n: sgd_update(y**2, [y], eta, [[1]], noise=PAYLOAD),
    lambda n: sgd_update(y**2, PAYLOAD, eta, [[1]]),
    lambda n: sgd_update(y**2, [y], PAYLOAD, [[1]]),
    lambda n: symbolic_sgd(PAYLOAD),
    lambda n: symbolic_sgd(2, PAYLOAD),
    lambda n: jump_moment(DiscreteUpdate([y], [h], n, eta), PAYLOAD),
])
def test_text_is_refused_and_never_run(build, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError, match="not text|must map"):
        build(Noise.gaussian([h], [0], [[1]]))
    assert not (tmp_path / "PWNED").exists()
