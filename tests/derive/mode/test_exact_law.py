"""The exact map's stationary law: Kesten's tail index, the Lyapunov and mean-square thresholds, and stationary
higher moments from exact minibatch cumulants -- each against a reference computed here, independently of the
code (mpmath quadrature with a closed form, enumeration of every minibatch, exact rational arithmetic)."""

import math
from fractions import Fraction
from itertools import combinations, product

import mpmath
import pytest
import sympy as sp

from sgdfp.derive import (
    DensityCurvature,
    DiscreteCurvature,
    GaussianCurvature,
    MapResult,
    Mode,
    almost_sure_threshold,
    lyapunov_exponent,
    minibatch_curvature_law,
    minibatch_mode_cumulants,
    sample_cumulants,
    tail_index,
)
from sgdfp.derive.mode.update import cumulant_symbol, curvature_sample, gradient_sample
from sgdfp.derive.noise import Noise

HALF = sp.Rational(1, 2)


# ---------------------------------------------------------------- Kesten's index, h ~ chi^2_4 / 4, eta = 1
def _chi2_kesten_reference() -> mpmath.mpf:
    r"""The root of E|1 - h|^alpha = 1 for the density 4 h e^{-2h}: on h > 1 the integral is closed,
    4 e^{-2} [Gamma(alpha + 2)/2^{alpha + 2} + Gamma(alpha + 1)/2^{alpha + 1}] (u = h - 1); on [0, 1] quadrature."""
    with mpmath.workdps(30):
        def excess(a):
            inner = mpmath.quad(lambda h: (1 - h) ** a * 4 * h * mpmath.exp(-2 * h), [0, 1])
            outer = 4 * mpmath.exp(-2) * (mpmath.gamma(a + 2) / 2 ** (a + 2) + mpmath.gamma(a + 1) / 2 ** (a + 1))
            return inner + outer - 1
        return mpmath.findroot(excess, 3.5)


def test_chi_square_tail_index_is_kestens_root_not_the_truncated_densitys():
    reference = _chi2_kesten_reference()
    assert abs(float(reference) - 3.50) < 0.005  # the number
    law = DensityCurvature.gamma(2, HALF)  # chi^2_4 / 4: shape b/2, scale 2/b
    assert abs(float(law.mean) - 1) < 1e-12 and abs(float(law.variance) - 0.5) < 1e-12
    result = tail_index(law, 1)
    assert result.exists and result.reason == ""
    assert abs(result.value - float(reference)) < 1e-8
    mode = Mode(1, 1, 1, HALF, curvature_law=law)
    assert abs(float(mode.tail_index()) - float(reference)) < 1e-8
    # the truncated discrete FP density: P ~ |y|^{-10/3}, a survival exponent of 7/3
    assert mode.stationary_density().tail_exponent - 1 == sp.Rational(7, 3)


def test_gaussian_curvature_closed_form_against_quadrature():
    law = GaussianCurvature(sp.Rational(3, 2), sp.Rational(2, 5))
    lr = mpmath.mpf("0.7")
    mu, sigma = 1 - lr * mpmath.mpf(1.5), lr * mpmath.sqrt(mpmath.mpf(2) / 5)

    def density(x):
        return mpmath.npdf(x, mu, sigma)

    with mpmath.workdps(30):
        for alpha in (mpmath.mpf("0.5"), mpmath.mpf(3), mpmath.mpf("7.25")):
            direct = mpmath.quad(lambda x: abs(x) ** alpha * density(x), [-mpmath.inf, 0, mpmath.inf])
            assert abs(law.power_mean(alpha, lr) - direct) < 1e-14 * max(1, direct)
        log_direct = mpmath.quad(lambda x: mpmath.log(abs(x)) * density(x), [-mpmath.inf, 0, mpmath.inf])
        assert abs(law.log_mean(lr) - log_direct) < 1e-15
    assert abs(lyapunov_exponent(law, 0.7) - float(log_direct)) < 1e-12


def test_gaussian_almost_sure_threshold_is_where_the_lyapunov_exponent_vanishes_beyond_mean_square():
    mode = Mode(1, 1, sp.Rational(1, 2), HALF)
    threshold = float(mode.almost_sure_threshold())
    mean_square = float(mode.stability_threshold())
    assert mean_square == pytest.approx(4 / 3)
    assert threshold > mean_square
    lam, var = 1.0, 0.5
    with mpmath.workdps(30):
        def lyap(rate):
            mu, sigma = 1 - rate * lam, rate * mpmath.sqrt(var)
            return mpmath.quad(lambda x: mpmath.log(abs(x)) * mpmath.npdf(x, mu, sigma), [-mpmath.inf, 0, mpmath.inf])
        assert abs(lyap(mpmath.mpf(threshold))) < 1e-10
        assert lyap(mpmath.mpf(threshold) * 0.99) < 0 < lyap(mpmath.mpf(threshold) * 1.01)
    # between the thresholds: a stationary law of infinite variance, a tail index in (0, 2)
    between = Mode(1, 1, (mean_square + threshold) / 2, 0.5)
    alpha = float(between.tail_index())
    assert 0 < alpha < 2 and between.stationary_variance() is sp.nan


# ---------------------------------------------------------------- a finite-data linear regression
X, Y = (1, 2, 3), (1, 1, 3)  # per-sample loss (x_a theta - y_a)^2 / 2


def _regression():
    """Per-sample curvature and gradient at the least-squares solution."""
    theta = Fraction(sum(x * y for x, y in zip(X, Y)), sum(x * x for x in X))
    return [Fraction(x * x) for x in X], [x * (x * theta - y) for x, y in zip(X, Y)]


def _batches(values, b, sampling):
    """Every minibatch mean of ``values`` (tuples of them for pairs), each with its probability."""
    n = len(values)
    if sampling == "with":
        draws = list(product(range(n), repeat=b))
        weight = Fraction(1, n**b)
    else:
        draws = list(combinations(range(n), b))
        weight = Fraction(1, len(draws))
    return [(tuple(sum(values[a][c] for a in d) / b for c in range(len(values[0]))), weight) for d in draws]


def _first_zero(f, top):
    """The first sign change of f on (0, top] on a fine grid, refined by mpmath."""
    step = top / 40000
    previous = step / 2
    for i in range(1, 40001):
        rate = (i + 0.5) * step  # off the poles 1/h_B, which are rational
        if f(rate) >= 0:
            with mpmath.workdps(30):
                return mpmath.findroot(lambda r: f(r, exact=True), (previous, rate), solver="anderson")
        previous = rate
    raise AssertionError("no zero")


@pytest.mark.parametrize("b", [1, 2])
def test_regression_thresholds_against_enumeration(b):
    h, g = _regression()
    pairs = _batches(list(zip(h, g)), b, "with")

    def lyap(rate, exact=False):
        if exact:  # at 30 digits, for the refinement
            return mpmath.fsum(mpmath.mpf(w.numerator) / w.denominator
                               * mpmath.log(abs(1 - rate * mpmath.mpf(hb.numerator) / hb.denominator))
                               for (hb, _), w in pairs)
        return sum(float(w) * math.log(abs(1 - rate * float(hb))) for (hb, _), w in pairs)

    reference = _first_zero(lyap, 2.0)
    # mean square: E(1 - eta h)^2 = 1 at eta = 2 E h / E h^2
    first = sum(w * hb for (hb, _), w in pairs)
    second = sum(w * hb * hb for (hb, _), w in pairs)
    ratio = 2 * first / second
    mean_square = sp.Rational(ratio.numerator, ratio.denominator)

    mode = Mode.from_samples(h, g, lr=sp.Rational(1, 10), batch_size=b)
    assert mode.stability_threshold() == mean_square
    found = mode.almost_sure_threshold()
    assert found.exists and abs(found.value - float(reference)) < 1e-10
    assert found.value > mean_square
    law = minibatch_curvature_law(h, b)
    assert almost_sure_threshold(law).value == found.value
    assert lyapunov_exponent(law, 0.1) == pytest.approx(lyap(0.1), abs=1e-14)


def test_discrete_law_tail_index_against_a_direct_root():
    # a two-atom law with |1 - eta h| > 1 on one atom: E|A|^alpha = 1 solved here with mpmath
    law = DiscreteCurvature([sp.Rational(1, 2), 5], [sp.Rational(9, 10), sp.Rational(1, 10)])
    with mpmath.workdps(30):
        reference = mpmath.findroot(lambda a: mpmath.mpf(9) / 10 * mpmath.mpf("0.75") ** a
                                    + mpmath.mpf(1) / 10 * mpmath.mpf(1.5) ** a - 1, (1, 20), solver="anderson")
    assert abs(tail_index(law, HALF).value - float(reference)) < 1e-12


# ---------------------------------------------------------------- stationary higher moments
def _stationary_excess_kurtosis(pairs, lr):
    """Exact: E y'^n = sum_j C(n, j) E[(1 - eta h)^j (-eta g)^(n - j)] E y^j over the enumerated (h_B, g_B)."""
    m = [Fraction(1)]
    for n in range(1, 5):
        def joint(j, n=n):
            return sum(w * (1 - lr * hb) ** j * (-lr * gb) ** (n - j) for (hb, gb), w in pairs)
        m.append(sum(math.comb(n, j) * joint(j) * m[j] for j in range(n)) / (1 - joint(n)))
    mu2 = m[2] - m[1] ** 2
    mu4 = m[4] - 4 * m[1] * m[3] + 6 * m[1] ** 2 * m[2] - 3 * m[1] ** 4
    return mu4 / mu2**2 - 3


@pytest.mark.parametrize("sampling", ["with", "without"])
@pytest.mark.parametrize("fixed_curvature", [True, False])
def test_stationary_excess_kurtosis_from_exact_minibatch_cumulants(sampling, fixed_curvature):
    if fixed_curvature:  # x_a = +-1: h_a = 1 for every sample (Gamma = 0), non-Gaussian g
        h, g = [Fraction(1)] * 4, [Fraction(v) for v in (-3, 0, 1, 2)]
    else:
        h, g = _regression()
        h, g = h + [Fraction(1, 4)], g + [Fraction(1, 3)]
    lr = Fraction(1, 10)
    pairs = _batches(list(zip(h, g)), 2, sampling)
    reference = _stationary_excess_kurtosis(pairs, lr)
    mode = Mode.from_samples(h, g, lr=sp.Rational(1, 10), batch_size=2, sampling=sampling)
    assert mode.stationary_excess_kurtosis() == sp.Rational(reference.numerator, reference.denominator)
    assert reference != 0
    gaussian = Mode(mode.curvature, mode.grad_noise, mode.lr, mode.curvature_noise, mode.mean_grad, mode.cross)
    assert gaussian.stationary_excess_kurtosis() != mode.stationary_excess_kurtosis()
    if fixed_curvature:
        assert gaussian.stationary_excess_kurtosis() == 0


def test_minibatch_cumulants_are_the_cumulants_of_the_enumerated_minibatch_law():
    h, g = _regression()
    for sampling in ("with", "without"):
        pairs = _batches(list(zip(h, g)), 2, sampling)
        assert len({w for _, w in pairs}) == 1  # equally likely minibatches: their population law is the law
        direct = sample_cumulants([a[0] for a, _ in pairs], [a[1] for a, _ in pairs], 4)
        assert minibatch_mode_cumulants(h, g, 2, sampling, 4) == direct


def test_sample_cumulants_against_the_cumulant_generating_function():
    h, g = [1, 4, 0], [2, -1, 5]
    t, s = sp.symbols("t s")
    K = sp.log(sum(sp.exp(t * a + s * b) for a, b in zip(h, g)) / 3)
    found = sample_cumulants(h, g, 3)
    for (i, j), value in found.items():
        assert sp.simplify(sp.diff(K, t, i, s, j).subs({t: 0, s: 0}) - value) == 0


def test_moment_recursion_carries_the_cumulants():
    lam, D, eta = sp.symbols("lam D eta", positive=True)
    k30, k04, k21 = sp.symbols("k30 k04 k21", real=True)
    mode = Mode(lam, D, eta, cumulants={(3, 0): k30, (0, 4): k04, (2, 1): k21})
    A = mode.moment_recursion(4).matrix
    # by hand, from a Noise built here: E[y'^n] for the cumulants of (h, g) given
    hs, gs = curvature_sample, gradient_sample
    noise = Noise.from_cumulants([hs, gs], {hs: lam, gs: 0, hs**2: 0, hs * gs: 0, gs**2: D, hs**3: k30,
                                            gs**4: k04, hs**2 * gs: k21}, zero_above=2)
    yk = sp.Symbol("yk")
    image = sp.expand(noise.expect(sp.expand(((1 - eta * hs) * yk - eta * gs) ** 4)))
    for j in range(5):
        assert sp.expand(A[4, j] - image.coeff(yk, j)) == 0
    assert not A.has(cumulant_symbol(3, 0))


# ---------------------------------------------------------------- the Gaussian case: the difference shown
def test_gaussian_map_has_zero_excess_kurtosis_where_the_truncated_density_says_six():
    mode = Mode(1, 1, HALF)
    assert mode.stationary_excess_kurtosis() == 0
    tail = mode.tail_index()
    assert not tail.exists and "|1 - eta h| <= 1" in tail.reason
    density = mode.stationary_density()
    assert density.tail_exponent == 6
    f = sp.lambdify(density.variable, density.density, "mpmath")
    with mpmath.workdps(30):
        moments = [mpmath.quad(lambda v, k=k: v**k * f(v), [-mpmath.inf, 0, mpmath.inf]) for k in (0, 2, 4)]
        kurtosis = moments[2] * moments[0] / moments[1] ** 2 - 3
    assert abs(kurtosis - 6) < 1e-12  # a Student law with 5 degrees of freedom


def test_moments_beyond_the_tail_index_are_infinite():
    # alpha in (2, 4) for this Gaussian mode: the variance is finite, the fourth moment is not
    mode = Mode(1, 1, sp.Rational(6, 5), sp.Rational(1, 2))
    alpha = float(mode.tail_index())
    assert 2 < alpha < 4
    moments = mode.stationary_moments(4)
    assert moments[1].is_finite and moments[3] == sp.oo
    assert mode.stationary_excess_kurtosis() == sp.oo


# ---------------------------------------------------------------- bad input, and quantities that do not exist
def test_missing_quantities_say_why():
    assert "not almost surely stable" in tail_index(GaussianCurvature(1, 1), 3).reason
    saddle = almost_sure_threshold(GaussianCurvature(-1, 1))
    assert not saddle.exists and "< 0" in saddle.reason
    with pytest.raises(ValueError, match="no tail index: "):
        float(tail_index(GaussianCurvature(1, 0), HALF))
    assert "point mass" in Mode(1, 0, HALF, 1).tail_index().reason
    with pytest.raises(ValueError, match="needs its reason"):
        MapResult("tail index", None)


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="one of the mode's parameters"):
        Mode(1, 1, HALF, cumulants={(1, 1): 2})
    with pytest.raises(TypeError, match="pair of integers"):
        Mode(1, 1, HALF, cumulants={"(0, 4)": 2})
    with pytest.raises(TypeError, match="must map joint cumulant orders"):
        Mode(1, 1, HALF, cumulants=[((0, 4), 1)])
    with pytest.raises(ValueError, match="finite real"):
        Mode(1, 1, HALF, cumulants={(0, 4): sp.oo})
    with pytest.raises(TypeError, match="CurvatureLaw"):
        Mode(1, 1, HALF, curvature_law="gaussian")
    with pytest.raises(ValueError, match="curvature_law has mean"):
        Mode(2, 1, HALF, sp.Rational(1, 2), curvature_law=DensityCurvature.gamma(2, HALF))
    with pytest.raises(ValueError, match="do not define its law"):
        Mode(1, 1, HALF, 1, cumulants={(3, 0): 1}).tail_index()
    with pytest.raises(ValueError, match="too many to enumerate"):
        minibatch_curvature_law(list(range(50)), 8)
    with pytest.raises(ValueError, match="cannot exceed"):
        minibatch_curvature_law([1, 2], 3, "without")
    with pytest.raises(ValueError, match="sum to 1"):
        DiscreteCurvature([1, 2], [0.5, 0.6])
    with pytest.raises(ValueError, match="integrate to 1"):
        DensityCurvature(lambda h: 2 * mpmath.exp(-h), (0, mpmath.inf))
    with pytest.raises(TypeError):
        tail_index(GaussianCurvature(1, 1), "0.5")
    with pytest.raises(ValueError, match="lr must be >"):
        tail_index(GaussianCurvature(1, 1), -1)
    with pytest.raises(TypeError, match="CurvatureLaw"):
        lyapunov_exponent([1, 2], 0.5)
    with pytest.raises(ValueError, match="same length|one length"):
        minibatch_mode_cumulants([1, 2], [1], 1)
    with pytest.raises(TypeError):
        sample_cumulants("123", "456")
