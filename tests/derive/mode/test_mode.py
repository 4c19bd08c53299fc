"""Mode theory: closed forms against Monte Carlo of the map, published results, OU, and each other."""

import math

import numpy as np
import pytest
import sympy as sp
from cases import CASE_IDS, CASES, MODE_CASES
from simulate import mode_samples, variance_with_error

from sgdfp.derive import Mode, eta
from sgdfp.derive.mode.parameters import D, Gamma, gbar, lam, rho

Z = 5.0  # standard errors allowed (many checks; a correct formula fails with probability ~1e-6 each)



@pytest.mark.parametrize("c", MODE_CASES, ids=CASE_IDS)
def test_mean_and_variance_match_monte_carlo_of_the_map(c):
    name = c.name
    mode = Mode(c.lam, c.grad_noise, c.lr, c.curvature_noise, c.mean_grad, c.cross)
    assert mode.regime() == name
    samples = mode_samples(c.lam, c.grad_noise, c.lr, c.steps, c.curvature_noise, c.mean_grad,
                           c.cross, y0=c.y0, seed=1)
    for k, ys in samples.items():
        mean, mean_se = ys.mean(), ys.std() / math.sqrt(len(ys))
        var, var_se = variance_with_error(ys)
        assert abs(float(mode.mean(k, mean0=c.y0)) - mean) < Z * mean_se + 1e-12, (k, "mean")
        assert abs(float(mode.variance(k, mean0=c.y0)) - var) < Z * var_se + 1e-12, (k, "variance")


def test_confined_mode_settles_at_the_stationary_variance_in_monte_carlo():
    c = CASES["confined"]
    mode = Mode(c.lam, c.grad_noise, c.lr, c.curvature_noise, c.mean_grad, c.cross)
    ys = mode_samples(c.lam, c.grad_noise, c.lr, [200], c.curvature_noise, c.mean_grad, c.cross,
                      seed=2)[200]
    var, se = variance_with_error(ys)
    assert abs(float(mode.stationary_variance()) - var) < Z * se
    assert abs(float(mode.stationary_mean()) - ys.mean()) < Z * ys.std() / math.sqrt(len(ys))
    langevin = float(mode.langevin_stationary_variance())
    assert abs(langevin - var) > 10 * se  # Langevin is measurably off here


def test_higher_moments_from_the_recursion_match_monte_carlo():
    c = CASES["confined"]
    mode = Mode(c.lam, c.grad_noise, c.lr, c.curvature_noise, c.mean_grad, c.cross)
    A = np.array(mode.moment_recursion(4).matrix.tolist(), dtype=float)
    m0 = np.array([1.0, 0.5, 0.25, 0.125, 0.0625])  # y0 = 0.5 exactly
    ys = mode_samples(c.lam, c.grad_noise, c.lr, [8], c.curvature_noise, c.mean_grad, c.cross,
                      y0=0.5, seed=3)[8]
    predicted = np.linalg.matrix_power(A, 8) @ m0
    for j in (3, 4):
        values = ys**j
        assert abs(predicted[j] - values.mean()) < Z * values.std() / math.sqrt(len(ys)), j


def test_flat_mode_with_curvature_noise_and_mean_gradient_grows_faster_than_linearly():
    mode = Mode(0, 1, 0.1, curvature_noise=0.3, mean_grad=0.5)
    increments = [float(mode.variance(k + 100) - mode.variance(k)) for k in (100, 1000, 3000)]
    assert increments[0] < increments[1] < increments[2]
    pure = Mode(0, 1, 0.1)
    assert float(pure.variance(1000)) == pytest.approx(2 * float(pure.diffusion_coefficient().per_step) * 1000)


def test_published_stationary_variance_of_additive_quadratic_sgd():
    mode = Mode(lam, D, eta)
    exact = eta * D / (lam * (2 - eta * lam))
    assert sp.simplify(mode.stationary_variance() - exact) == 0
    series = sp.series(mode.stationary_variance(), eta, 0, 4).removeO()
    assert sp.expand(series - (eta * D / (2 * lam) + eta**2 * D / 4 + eta**3 * D * lam / 8)) == 0
    general = Mode(lam, D, eta, Gamma)
    assert sp.simplify(general.stationary_variance() - eta * D / (2 * lam - eta * (lam**2 + Gamma))) == 0
    assert sp.simplify(general.contraction() - ((1 - eta * lam) ** 2 + eta**2 * Gamma)) == 0


def test_langevin_is_the_ornstein_uhlenbeck_solution():
    k = sp.Symbol("k", nonnegative=True, integer=True)
    mode = Mode(lam, D, eta, mean_grad=gbar)
    t = eta * k
    ou_var = eta * D / (2 * lam) * (1 - sp.exp(-2 * lam * t))
    ou_mean = -gbar / lam + (sp.Rational(3, 2) + gbar / lam) * sp.exp(-lam * t)
    values = {lam: sp.Rational(7, 10), D: 3, eta: sp.Rational(1, 5), gbar: sp.Rational(-1, 3)}
    for steps in (1, 7, 40):
        numeric = Mode(*(values[s] for s in (lam, D, eta)), mean_grad=values[gbar])
        assert float(numeric.langevin_variance(steps)) == pytest.approx(float(ou_var.subs(values).subs(k, steps)),
                                                                         rel=1e-12)
        assert float(numeric.langevin_mean(steps, mean0=sp.Rational(3, 2))) == pytest.approx(
            float(ou_mean.subs(values).subs(k, steps)), rel=1e-12)
    assert sp.simplify(mode.langevin_stationary_variance() - eta * D / (2 * lam)) == 0


def test_stationary_density_variance_equals_the_exact_stationary_variance():
    """Two derivations: the zero-flux solution of the truncated discrete FP vs the map's moment recursion."""
    R = sp.Rational
    for mode in (Mode(1, 2, R(1, 5), curvature_noise=R(1, 2), mean_grad=R(1, 3), cross=R(1, 4)),
                 Mode(R(3, 2), 1, R(1, 2)), Mode(1, 1, R(3, 2))):
        density = mode.stationary_density()
        assert density.variance() == pytest.approx(float(mode.stationary_variance()), rel=1e-10)
        assert density.variance(langevin=True) == pytest.approx(float(mode.langevin_stationary_variance()),
                                                                rel=1e-10)


def test_symbolic_stationary_density_has_zero_flux_with_every_parameter():
    """The density solves M1 P - (1/2) d(M2 P)/dy = 0 for fully symbolic lambda, D, eta, Gamma, gbar, rho
    (SymPy's own integrate returns 0 for this antiderivative, which gave a wrong density once)."""
    from sgdfp.derive import discrete_fokker_planck
    from sgdfp.derive.mode.parameters import y
    from sgdfp.derive.mode.update import mode_update

    mode = Mode(lam, D, eta, Gamma, gbar, rho)
    density = mode.stationary_density().density
    series = discrete_fokker_planck(mode_update(), sp.Function("P")(y), 2)
    m1, m2 = (mode.substitute(series.coefficients[(n,)]) for n in (1, 2))
    flux = m1 * density - sp.diff(m2 * density, y) / 2
    assert sp.simplify(flux / density) == 0
    assert not density.is_constant(y)


def test_tail_exponent_and_where_the_variance_stops_existing():
    density = Mode(lam, D, eta, Gamma).stationary_density()
    assert sp.simplify(density.tail_exponent - (2 + 2 * lam / (eta * (lam**2 + Gamma)))) == 0
    assert Mode(1, 1, 0.1).stationary_density().langevin_tail_exponent == sp.oo  # Gaussian
    # finite variance exactly when q < 1: exponent > 3  <=>  eta (lam^2 + Gamma) < 2 lam
    stable, unstable = Mode(1, 1, sp.Rational(3, 2)), Mode(1, 1, sp.Rational(5, 2))
    assert stable.stationary_density().tail_exponent > 3 and stable.contraction() < 1
    assert unstable.stationary_density().tail_exponent <= 3 and unstable.contraction() >= 1
    assert math.isnan(unstable.stationary_density().variance())


def test_a_saddle_direction_has_no_stationary_law_and_says_so():
    """lambda < 0: the truncated equation's zero-flux solution grows like |y|^18 and Langevin's like e^{10 y^2}; both
    are refused as laws (the quadrature would integrate a divergent function), and no learning rate is stable."""
    import mpmath

    mode = Mode(-1, 1, 0.1)
    density = mode.stationary_density()
    assert density.normalisable() is sp.false and density.normalisable(langevin=True) is sp.false
    assert math.isnan(density.variance()) and math.isnan(density.variance(langevin=True))
    y = density.variable
    assert mpmath.quad(sp.lambdify(y, density.density, "mpmath"), [0, 10]) > 1e17  # an independent look: it grows
    assert math.isnan(float(mode.stability_threshold()))
    assert math.isnan(float(Mode(0, 1, 0.1, 1).stability_threshold()))  # flat: q = 1 + eta^2 Gamma at every eta
    good = Mode(1, 1, 0.1, 0.2).stationary_density()
    assert good.normalisable() is sp.true and good.normalisable(langevin=True) is sp.true
    assert Mode(lam, D, eta, Gamma).stationary_density().normalisable() != sp.true  # a condition on the symbols


def test_regimes_thresholds_and_the_langevin_only_region():
    assert Mode(1, 1, 1.99).regime() == "confined"
    assert Mode(1, 1, 2.0).regime() == "diffusive"  # q = 1 exactly: the variance grows linearly
    assert Mode(1, 1, 1.0, curvature_noise=1.0).regime() == "diffusive"  # q = 0 + 1
    assert Mode(1, 1, 1.0, curvature_noise=2.0).regime() == "unstable"
    assert Mode(-1, 1, 0.1).regime() == "escaping"
    assert Mode(0, 1, 0.1).regime() == "diffusive"
    slow = Mode(1e-4, 1, 0.1)
    assert slow.regime() == "confined" and slow.regime(horizon=1000) == "diffusive"
    assert slow.regime(horizon=10**7) == "confined"
    assert sp.simplify(Mode(lam, D, eta, Gamma).stability_threshold() - 2 * lam / (lam**2 + Gamma)) == 0
    region = Mode(1, 1, 1.2, curvature_noise=1)  # lam(2 - eta lam) = 0.96 <= eta Gamma = 1.2 < 2 lam
    assert region.langevin_only_stable() is True
    assert math.isnan(float(region.stationary_variance())) and float(region.langevin_stationary_variance()) > 0
    assert Mode(1, 1, 0.5, curvature_noise=1).langevin_only_stable() is False
    assert region.relaxation_steps() == sp.oo


def test_diffusion_coefficient_is_proportional_to_the_learning_rate():
    for lr in (0.0125, 0.025, 0.05, 0.1):
        coefficient = Mode(0, 3, lr).diffusion_coefficient()
        assert float(coefficient.per_time) == pytest.approx(lr * 3 / 2)
        assert float(coefficient.per_step) == pytest.approx(lr**2 * 3 / 2)


def test_moment_recursion_is_exact_for_any_order_and_prints():
    recursion = Mode(lam, D, eta, Gamma, gbar, rho).moment_recursion(3)
    assert recursion.matrix.shape == (4, 4)
    assert recursion.matrix[1, 1] == 1 - eta * lam
    tex = recursion.latex()
    assert r"\mathbb{E}[y^{3}]_{k+1}" in tex and r"\bar{g}" in tex
    assert r"\operatorname{Var}_\infty" in Mode(lam, D, eta).latex()


def test_text_is_refused_not_parsed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = "__import__('os').system('touch PWNED')"
    mode = Mode(1.0, 1.0, 0.1)
    for call in (lambda: Mode("x+", 1, 0.1), lambda: Mode(1, payload, 0.1), lambda: mode.variance(payload),
                 lambda: mode.variance(5, var0=payload), lambda: mode.mean(5, payload), lambda: mode.substitute(payload),
                 lambda: mode.regime(payload), lambda: Mode.from_estimates(1.0, payload, 0.1)):
        with pytest.raises(TypeError, match="not text"):
            call()
    with pytest.raises(TypeError, match="variable must be a SymPy Symbol"):
        mode.stationary_density(variable=payload)
    with pytest.raises(TypeError, match="must be a real number"):
        Mode.from_estimates(1.0, [1.0], 0.1)
    assert not (tmp_path / "PWNED").exists()


def test_numpy_scalars_are_numbers_everywhere():
    mode = Mode(np.float64(1.0), np.float32(1.0), np.float64(0.1))
    assert mode.regime(np.int64(100)) == mode.regime(100) == "confined"
    assert mode.variance(np.int64(5)) == Mode(1.0, 1.0, float(np.float64(0.1))).variance(5)
    assert mode.stationary_density(sp.Symbol("z")).variable == sp.Symbol("z")


@pytest.mark.parametrize("kwargs, message", [
    (dict(curvature=1, grad_noise=-1, lr=0.1), "cannot be negative"),
    (dict(curvature=1, grad_noise=1, lr=0), "lr must be positive"),
    (dict(curvature=1, grad_noise=1, lr=0.1, curvature_noise=-0.1), "cannot be negative"),
    (dict(curvature=1, grad_noise=1, lr=0.1, curvature_noise=0.1, cross=1), "impossible"),
    (dict(curvature=float("nan"), grad_noise=1, lr=0.1), "finite real"),
])
def test_bad_mode_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Mode(**kwargs)


def test_bad_steps_and_symbolic_regime():
    with pytest.raises(ValueError, match="non-negative integer"):
        Mode(1, 1, 0.1).variance(-1)
    with pytest.raises(ValueError, match="numeric"):
        Mode(lam, 1, 0.1).regime()
    with pytest.raises(ValueError, match="horizon"):
        Mode(1, 1, 0.1).regime(horizon=0)


def test_stationary_density_accepts_floating_point_parameters():
    mode = Mode(1.0, 2.0, 0.1, curvature_noise=0.3, mean_grad=0.2, cross=0.1)
    assert mode.stationary_density().variance() == pytest.approx(float(mode.stationary_variance()), rel=1e-10)


def test_from_estimates_clips_rounding_for_any_measured_statistics():
    # measured rho can sit on (or a hair beyond) the Cauchy-Schwarz bound; the clipped mode must build
    rng = np.random.default_rng(3)
    bad = 0
    for _ in range(2000):
        grad_noise, curvature_noise = 10.0 ** rng.uniform(-12, 2, size=2)
        cross = np.sqrt(grad_noise * curvature_noise) * (1 + rng.choice([0.0, 1e-16, 1e-9, -1e-16]))
        try:
            Mode(0.1, grad_noise, 0.05, curvature_noise=curvature_noise, cross=cross)
        except ValueError:
            bad += 1
        mode = Mode.from_estimates(0.1, grad_noise, 0.05, curvature_noise, 0.0, cross * rng.choice([1, -1]))
        assert float(mode.values[rho]) ** 2 <= grad_noise * curvature_noise
    assert bad > 0  # the unclipped constructor does reject some of these
