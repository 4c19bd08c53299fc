"""Noise: moments given, from cumulants, and Gaussian (Isserlis) against independent references."""

from itertools import combinations

import pytest
import sympy as sp
import sympy.stats as st

from sgdfp.derive import Noise
from sgdfp.derive.noise import check_covariance

h, g, lam, G, rho, D = sp.symbols("h g lambda Gamma rho D")


def test_expect_uses_given_moments_with_free_coefficients():
    y, eta = sp.symbols("y eta")
    noise = Noise.from_moments([h, g], {h: lam, g: 0, h**2: lam**2 + G, h * g: rho, g**2: D})
    expr = (y - eta * (h * y + g)) ** 2
    expected = y**2 - 2 * eta * y * (lam * y) + eta**2 * ((lam**2 + G) * y**2 + 2 * rho * y + D)
    assert sp.expand(noise.expect(expr) - expected) == 0


def test_missing_moment_is_named():
    noise = Noise.from_moments([h, g], {h: lam, g: 0, h**2: lam**2 + G, h * g: rho, g**2: D})
    with pytest.raises(ValueError, match=r"E\[h\*\*3\] is not specified"):
        noise.expect(h**3 + g)


def test_missing_cumulant_is_named():
    noise = Noise.from_cumulants([h], {h: lam, h**2: G})
    with pytest.raises(ValueError, match=r"κ\[h\*\*3\] is not specified"):
        noise.expect(h**3)


@pytest.mark.parametrize("n", range(1, 7))
def test_gaussian_univariate_moments_match_sympy_stats(n):
    mu, s = sp.symbols("mu s", positive=True)
    noise = Noise.gaussian([h], [mu], [[s**2]])
    reference = st.E(st.Normal("X", mu, s) ** n)
    assert sp.simplify(noise.expect(h**n) - reference) == 0


def _wick(indices, cov):
    """Centred Gaussian moment by summing over perfect matchings (independent of the library)."""
    if not indices:
        return sp.Integer(1)
    first, rest = indices[0], indices[1:]
    return sum(cov[first][rest[k]] * _wick(rest[:k] + rest[k + 1:], cov) for k in range(len(rest)))


@pytest.mark.parametrize("exps", [(2, 2), (3, 1), (4, 2), (1, 5), (3, 3)])
def test_gaussian_bivariate_centred_moments_match_wick_matchings(exps):
    a, b, c = sp.symbols("a b c")
    cov = [[a, c], [c, b]]
    noise = Noise.gaussian([h, g], [0, 0], cov)
    indices = [0] * exps[0] + [1] * exps[1]
    assert sp.expand(noise.expect(h ** exps[0] * g ** exps[1]) - _wick(indices, cov)) == 0


def test_gaussian_with_mean_matches_shifted_wick():
    a, b, c, m1, m2 = sp.symbols("a b c m1 m2")
    cov = [[a, c], [c, b]]
    noise = Noise.gaussian([h, g], [m1, m2], cov)
    # E[(m1 + z1)^2 (m2 + z2)^2] expanded by hand over centred Wick moments
    z = [0, 0, 1, 1]
    expected = 0
    shifts = [m1, m1, m2, m2]
    for r in range(5):
        for kept in combinations(range(4), r):
            rest = [i for i in range(4) if i not in kept]
            expected += sp.Mul(*[shifts[i] for i in rest]) * _wick([z[i] for i in kept], cov)
    assert sp.expand(noise.expect(h**2 * g**2) - expected) == 0


@pytest.mark.parametrize("n", range(1, 6))
def test_cumulants_to_moments_matches_poisson(n):
    # Poisson: every cumulant equals the rate.
    rate = sp.Symbol("r", positive=True)
    noise = Noise.from_cumulants([h], {h**k: rate for k in range(1, n + 1)})
    reference = st.E(st.Poisson("X", rate) ** n)
    assert sp.simplify(noise.expect(h**n) - reference) == 0


def test_non_polynomial_expression_is_rejected():
    noise = Noise.gaussian([h], [0], [[1]])
    with pytest.raises(ValueError, match="polynomial"):
        noise.expect(sp.sin(h))


@pytest.mark.parametrize("moments, message", [
    ({h: 1, 2 * h: 3}, "monomials"),
    ({h * sp.Symbol("x"): 1}, "monomials"),
    ({1: 1}, "constant"),
])
def test_bad_moment_keys(moments, message):
    with pytest.raises(ValueError, match=message):
        Noise.from_moments([h], moments)


def test_bad_gaussian_inputs():
    with pytest.raises(ValueError, match="symmetric"):
        Noise.gaussian([h, g], [0, 0], [[1, 2], [3, 1]])
    with pytest.raises(ValueError, match="2x2"):
        Noise.gaussian([h, g], [0, 0], [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match="mean"):
        Noise.gaussian([h, g], [0], [[1, 0], [0, 1]])
    with pytest.raises(TypeError, match="Symbols"):
        Noise.gaussian([h**2], [0], [[1]])


PAYLOAD = "__import__('os').system('touch PWNED')"


@pytest.mark.parametrize("build", [
    lambda: Noise.from_moments([h], {PAYLOAD: 1}),
    lambda: Noise.from_moments([h], {h: PAYLOAD}),
    lambda: Noise.from_moments(PAYLOAD, {h: 1}),
    lambda: Noise.from_cumulants([h], {PAYLOAD: 1}),
    lambda: Noise.from_cumulants([h], {h: PAYLOAD}),
    lambda: Noise.from_cumulants([h], {h: 1}, zero_above=PAYLOAD),
    lambda: Noise.gaussian([h], PAYLOAD, [[1]]),
    lambda: Noise.gaussian([h], [PAYLOAD], [[1]]),
    lambda: Noise.gaussian([h], [0], PAYLOAD),
    lambda: Noise.gaussian([h], [0], [[PAYLOAD]]),
    lambda: Noise([h], moments={(1,): PAYLOAD}),
    lambda: Noise.gaussian([h], [0], [[1]]).expect(PAYLOAD),
    lambda: Noise.gaussian([h], [0], [[1]]).moment(PAYLOAD),
    lambda: check_covariance(PAYLOAD, 1, "cov"),
    lambda: check_covariance([[1, PAYLOAD], [PAYLOAD, 1]], 2, "cov"),
])
def test_text_is_refused_and_never_run(build, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError, match="not text"):
        build()
    assert not (tmp_path / "PWNED").exists()


def test_numbers_of_every_kind_still_make_a_covariance():
    import numpy as np

    cov = check_covariance(np.array([[2.0, 0.5], [0.5, 1.0]]), 2, "cov")
    assert cov == sp.ImmutableMatrix([[2.0, 0.5], [0.5, 1.0]])
    assert check_covariance(sp.Matrix([[1, h], [h, 2]]), 2, "cov")[0, 1] == h
