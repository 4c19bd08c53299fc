r"""Critical-point mode theory: one mode of the random-quadratic SGD map.

Near a critical point, in the eigenbasis of the mean Hessian, a mode follows

.. math:: y_{k+1} = (1 - \eta h)\,y_k - \eta g,\qquad
          \mathbb{E}h = \lambda,\ \operatorname{Var}h = \Gamma,\ \mathbb{E}g = \bar g,\
          \operatorname{Var}g = D,\ \operatorname{Cov}(h, g) = \rho .

Everything below comes out of the Kramers--Moyal engine applied to this update: the adjoint of
the expansion kept to jump order :math:`n` acts on :math:`y^j` (:math:`j \le n`) and gives the
*exact* linear recursion :math:`m_{k+1} = A\,m_k` for :math:`m = (1, \mathbb{E}y, \dots, \mathbb{E}y^n)`
(lower triangular, since the update is linear in :math:`y`). Its diagonal holds the contraction
factors: :math:`a = 1 - \eta\lambda` for the mean and :math:`q = (1 - \eta\lambda)^2 + \eta^2\Gamma` for
the second moment. Closed forms are :math:`A^k m_0`; stationary values solve :math:`m = A m`.

The continuous counterparts come from the modified equations of the same update
(:func:`sgdfp.derive.modified_equation`): their generators give :math:`\dot m = B m` and
:math:`m(t) = e^{Bt} m_0` with :math:`t = \eta k`.

- *Langevin*: the weak-order-1 equation
  :math:`dy = -(\lambda y + \bar g)\,dt + \sqrt{\eta(\Gamma y^2 + 2\rho y + D)}\,dW`; with
  :math:`\Gamma = \rho = 0` it is the Ornstein--Uhlenbeck process, stationary variance
  :math:`\eta D/(2\lambda)`.
- *SME-2*: drift :math:`-(\lambda y + \bar g)(1 + \eta\lambda/2)`, same diffusion.

Moments of order three and above need the noise beyond its covariance; they are taken Gaussian.

Regimes (:meth:`Mode.regime`), with :math:`T` the horizon in steps:

- ``"diffusive"`` if :math:`\lambda = 0`, or :math:`T` is given and :math:`T\,|1 - q| < 1` (the
  variance neither settles nor runs away within the horizon);
- otherwise ``"confined"`` if :math:`q < 1` (then :math:`\lambda > 0`), ``"escaping"`` if
  :math:`\lambda < 0`, and ``"unstable"`` if :math:`\lambda > 0` and :math:`q \ge 1`, i.e.
  :math:`\eta \ge 2\lambda/(\lambda^2 + \Gamma)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import mpmath
import sympy as sp

from sgdfp.derive.fokker_planck import discrete_fokker_planck, kramers_moyal
from sgdfp.derive.modified import modified_equation
from sgdfp.derive.noise import Noise
from sgdfp.derive.operators import KramersMoyalSeries
from sgdfp.derive.powers import triangular_exp, triangular_power
from sgdfp.derive.printing import align, latex
from sgdfp.derive.symbols import eta
from sgdfp.derive.update import DiscreteUpdate, jump_moment

__all__ = ["Mode", "MomentRecursion", "StationaryDensity", "DiffusionCoefficient", "mode_update",
           "moment_matrix", "REGIMES"]

REGIMES = ("confined", "diffusive", "unstable", "escaping")

# Generic parameters: every formula is derived once with these, then evaluated.
y = sp.Symbol("y", real=True)
lam = sp.Symbol("lambda", real=True)
D = sp.Symbol("D", nonnegative=True)
Gamma = sp.Symbol("Gamma", nonnegative=True)
gbar = sp.Symbol("gbar", real=True)
rho = sp.Symbol("rho", real=True)
k_step = sp.Symbol("k", nonnegative=True, integer=True)
_h, _g = sp.symbols("h g", real=True)
_PARAMETERS = (lam, D, eta, Gamma, gbar, rho)


@lru_cache(maxsize=None)
def mode_update() -> DiscreteUpdate:
    r"""The update :math:`y \mapsto y - \eta(h y + g)` with symbolic :math:`\lambda, \Gamma, \bar g, D, \rho`."""
    noise = Noise.from_cumulants([_h, _g], {_h: lam, _g: gbar, _h**2: Gamma, _h * _g: rho, _g**2: D}, zero_above=2)
    return DiscreteUpdate([y], [-eta * (_h * y + _g)], noise, eta)


def moment_matrix(series: KramersMoyalSeries, n: int) -> sp.Matrix:
    r"""Rows :math:`j = 0..n`: the coefficients of :math:`\mathcal K^\dagger[y^j]` in powers of :math:`y`.

    For a 1-D series whose adjoint maps polynomials of degree :math:`j` to degree :math:`\le j`.

    Raises:
        ValueError: the adjoint raises the degree (the moments do not close).
    """
    (var,) = series.state
    rows = []
    for j in range(n + 1):
        image = sp.Poly(series.adjoint(var**j), var) if j else sp.Poly(0, var)
        if image.degree() > j:
            raise ValueError(f"the moment equations do not close: E[{var}^{j}] couples to E[{var}^{image.degree()}]")
        rows.append([image.coeff_monomial(var**i) for i in range(n + 1)])
    return sp.Matrix(rows)


@lru_cache(maxsize=None)
def _discrete_matrix(n: int) -> sp.ImmutableMatrix:
    series = kramers_moyal(mode_update(), sp.Function("P")(y), n)
    return sp.ImmutableMatrix(sp.eye(n + 1) + moment_matrix(series, n))


@lru_cache(maxsize=None)
def _continuous_matrix(order: int) -> sp.ImmutableMatrix:
    generator = modified_equation(mode_update(), order).generator(sp.Function("P")(y))
    return sp.ImmutableMatrix(moment_matrix(generator, 2))


@lru_cache(maxsize=None)
def _centred_matrix(model) -> sp.ImmutableMatrix:
    """The recursion (or ODE) for z = (1, m, m^2, V), from the raw one for (1, m, E[y^2]).

    Tracking the variance V = E[y^2] - m^2 itself avoids subtracting two large numbers when the mean
    is large; with Gamma = rho = 0 it decouples from the mean entirely. Derived with symbolic
    parameters, so that entries such as eta^2 Gamma = q - a^2 carry no cancellation into numbers."""
    continuous = model != "sgd"
    A = _continuous_matrix(model) if continuous else _discrete_matrix(2)
    if continuous:  # d/dt m^2 = 2 m dm/dt;  dV/dt = dE[y^2]/dt - 2 m dm/dt
        rows = [[0, 0, 0, 0], [A[1, 0], A[1, 1], 0, 0], [0, 2 * A[1, 0], 2 * A[1, 1], 0],
                [A[2, 0], A[2, 1] - 2 * A[1, 0], A[2, 2] - 2 * A[1, 1], A[2, 2]]]
    else:  # m'^2 = (A10 + A11 m)^2;  V' = E[y'^2] - m'^2
        rows = [[1, 0, 0, 0], [A[1, 0], A[1, 1], 0, 0], [A[1, 0] ** 2, 2 * A[1, 0] * A[1, 1], A[1, 1] ** 2, 0],
                [A[2, 0] - A[1, 0] ** 2, A[2, 1] - 2 * A[1, 0] * A[1, 1], A[2, 2] - A[1, 1] ** 2, A[2, 2]]]
    return sp.ImmutableMatrix(rows).applyfunc(lambda e: sp.factor(sp.expand(e)))


@lru_cache(maxsize=None)
def _stability_threshold() -> sp.Expr:
    """The nonzero root in eta of q(eta) = 1."""
    q = _discrete_matrix(2)[2, 2]
    (root,) = [r for r in sp.roots(sp.Poly(q - 1, eta)) if r != 0]
    return sp.factor(root)


@dataclass(frozen=True)
class MomentRecursion:
    r"""The exact recursion :math:`m_{k+1} = A\,m_k`, :math:`m = (1, \mathbb{E}y, \dots, \mathbb{E}y^n)`."""

    matrix: sp.ImmutableMatrix

    @property
    def order(self) -> int:
        return self.matrix.shape[0] - 1

    def latex(self) -> str:
        """The recursion, one equation per moment, as an ``align*`` block."""
        n = self.order
        rows = []
        for j in range(1, n + 1):
            rhs = sp.factor(self.matrix[j, 0]) + sum(
                (sp.factor(self.matrix[j, i]) * sp.Symbol(f"m_{i}") for i in range(1, n + 1) if self.matrix[j, i] != 0),
                sp.Integer(0))
            rows.append((rf"\mathbb{{E}}[y^{{{j}}}]_{{k+1}}", _moment_names(latex(rhs))))
        return align(rows)


def _moment_names(tex: str) -> str:
    return re.sub(r"m_\{(\d+)\}", lambda m: rf"\mathbb{{E}}[y^{{{m.group(1)}}}]_k", tex)


@dataclass(frozen=True)
class DiffusionCoefficient:
    r"""Diffusion coefficient of a flat mode: variance grows as :math:`2\,\mathcal D\,t`.

    ``per_time`` is per unit time :math:`t = \eta k` (:math:`\eta D/2`), ``per_step`` per step
    (:math:`\eta^2 D/2`).
    """

    per_time: sp.Expr
    per_step: sp.Expr


@dataclass(frozen=True)
class StationaryDensity:
    r"""Zero-flux stationary solution of a truncated Fokker--Planck equation, unnormalised.

    For :math:`P_{k+1} - P_k = -\partial_y[M_1 P] + \tfrac12\partial_y^2[M_2 P]` it is
    :math:`P \propto M_2^{-1}\exp\int 2M_1/M_2\,dy`. ``tail_exponent`` :math:`\alpha` means
    :math:`P \sim |y|^{-\alpha}` (``oo`` for a Gaussian tail).
    """

    variable: sp.Symbol
    density: sp.Expr
    tail_exponent: sp.Expr
    langevin_density: sp.Expr
    langevin_tail_exponent: sp.Expr

    def variance(self, langevin: bool = False, dps: int = 30) -> float:
        """Variance by numerical quadrature (numeric parameters only); ``nan`` when infinite."""
        density = self.langevin_density if langevin else self.density
        tail = self.langevin_tail_exponent if langevin else self.tail_exponent
        if tail != sp.oo and not sp.sympify(tail > 3):
            return float("nan")
        f = sp.lambdify(self.variable, density, "mpmath")
        with mpmath.workdps(dps):
            mass = mpmath.quad(f, [-mpmath.inf, 0, mpmath.inf])
            first = mpmath.quad(lambda v: v * f(v), [-mpmath.inf, 0, mpmath.inf]) / mass
            second = mpmath.quad(lambda v: v * v * f(v), [-mpmath.inf, 0, mpmath.inf]) / mass
            return float(second - first**2)


def _explicit(expr: sp.Expr) -> sp.Expr:
    """Divided differences written out, for display."""
    return sp.factor(sp.simplify(expr.doit()))


def _integrate_drift_ratio(ratio: sp.Expr, y: sp.Symbol) -> sp.Expr:
    r"""An antiderivative in ``y`` of the zero-flux ratio :math:`2M_1/M_2`.

    For a mode :math:`M_1` is linear and :math:`M_2` quadratic in ``y``. SymPy's ``integrate`` returns 0
    (wrongly) for :math:`(ay + b)/(cy^2 + dy + e)` with symbolic coefficients, so that case is split by
    hand into :math:`\tfrac{a}{2c}\log(cy^2 + dy + e)` plus the arctangent of the remainder; anything
    else goes to ``integrate``. The result is checked by differentiation in the tests."""
    numerator, denominator = sp.fraction(sp.cancel(ratio))
    if numerator.is_polynomial(y) and denominator.is_polynomial(y):
        top, bottom = sp.Poly(numerator, y), sp.Poly(denominator, y)
        if top.degree() <= 1 and bottom.degree() == 2:
            a, b = top.all_coeffs() if top.degree() == 1 else (0, top.as_expr())
            c, d, e = bottom.all_coeffs()
            width = sp.sqrt(4 * c * e - d**2)
            return (a / (2 * c) * sp.log(bottom.as_expr())
                    + (b - a * d / (2 * c)) * 2 / width * sp.atan((2 * c * y + d) / width))
        return sp.integrate(sp.apart(ratio, y), y)
    return sp.integrate(ratio, y)


class Mode:
    r"""One mode :math:`y' = (1 - \eta h)y - \eta g` near a critical point.

    Args:
        curvature: :math:`\lambda = \mathbb{E}h` (a number or a SymPy expression).
        grad_noise: :math:`D = \operatorname{Var} g` per step (minibatch size included), :math:`\ge 0`.
        lr: :math:`\eta > 0`.
        curvature_noise: :math:`\Gamma = \operatorname{Var} h \ge 0`.
        mean_grad: :math:`\bar g = \mathbb{E} g`.
        cross: :math:`\rho = \operatorname{Cov}(h, g)`, with :math:`\rho^2 \le \Gamma D`.

    Raises:
        ValueError: negative variances, :math:`\eta \le 0`, :math:`\rho^2 > \Gamma D`, or a value
            that is not a real number or expression.

    Example:
        >>> Mode(curvature=1, grad_noise=2, lr=sp.Rational(1, 10)).stationary_variance()
        10/19
    """

    def __init__(self, curvature, grad_noise, lr, curvature_noise=0, mean_grad=0, cross=0):
        values, given = {}, {}
        for name, symbol, value in (("curvature", lam, curvature), ("grad_noise", D, grad_noise), ("lr", eta, lr),
                                    ("curvature_noise", Gamma, curvature_noise), ("mean_grad", gbar, mean_grad),
                                    ("cross", rho, cross)):
            try:
                value = sp.sympify(value)
            except (sp.SympifyError, TypeError):
                raise ValueError(f"{name} must be a number or a SymPy expression; got {value!r}") from None
            if not isinstance(value, sp.Expr):
                raise ValueError(f"{name} must be a number or a SymPy expression; got {value!r}")
            if value.is_number and (value.is_real is False or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo)):
                raise ValueError(f"{name} must be a finite real number; got {value}")
            values[symbol], given[symbol] = value, value if value.is_Integer or not value.is_number else float(value)
        for name, symbol in (("grad_noise", D), ("curvature_noise", Gamma)):
            if values[symbol].is_number and values[symbol] < 0:
                raise ValueError(f"{name} is a variance and cannot be negative; got {given[symbol]}")
        if values[eta].is_number and values[eta] <= 0:
            raise ValueError(f"lr must be positive; got {given[eta]}")
        if all(values[s].is_number for s in (rho, Gamma, D)) and values[rho] ** 2 > values[Gamma] * values[D]:
            raise ValueError(f"cross = {values[rho]} is impossible: Cov(h, g)^2 <= Var(h) Var(g) = "
                             f"{values[Gamma] * values[D]}")
        self.values = values
        self._cache: dict = {}

    @classmethod
    def from_estimates(cls, curvature: float, grad_noise: float, lr: float, curvature_noise: float = 0.0,
                       mean_grad: float = 0.0, cross: float = 0.0) -> Mode:
        r"""A numeric mode from measured or rotated statistics, whose rounding can leave a variance a hair
        below zero or :math:`\rho^2` a hair above :math:`\Gamma D`: both are clipped to the valid range."""
        grad_noise, curvature_noise = max(float(grad_noise), 0.0), max(float(curvature_noise), 0.0)
        # a hair inside sqrt(Gamma D), whose square can round above Gamma D
        bound = (grad_noise * curvature_noise) ** 0.5 * (1 - 1e-12)
        return cls(float(curvature), grad_noise, lr, curvature_noise=curvature_noise, mean_grad=float(mean_grad),
                   cross=min(max(float(cross), -bound), bound))

    # ------------------------------------------------------------------ helpers
    curvature = property(lambda self: self.values[lam], doc=r":math:`\lambda`")
    grad_noise = property(lambda self: self.values[D], doc=":math:`D`")
    lr = property(lambda self: self.values[eta], doc=r":math:`\eta`")
    curvature_noise = property(lambda self: self.values[Gamma], doc=r":math:`\Gamma`")
    mean_grad = property(lambda self: self.values[gbar], doc=r":math:`\bar g`")
    cross = property(lambda self: self.values[rho], doc=r":math:`\rho`")

    @property
    def numeric(self) -> bool:
        """True when every parameter is a number."""
        return all(v.is_number for v in self.values.values())

    def _sub(self, expr):
        return sp.sympify(expr).xreplace(self.values)

    def _discrete(self, n: int = 2) -> sp.Matrix:
        """The moment recursion matrix with this mode's values (cached per mode)."""
        key = ("discrete", n)
        if key not in self._cache:
            self._cache[key] = self._sub(_discrete_matrix(n))
        return self._cache[key]

    def _continuous(self, order: int) -> sp.Matrix:
        key = ("continuous", order)
        if key not in self._cache:
            self._cache[key] = self._sub(_continuous_matrix(order))
        return self._cache[key]

    def __repr__(self) -> str:
        names = ("curvature", "grad_noise", "lr", "curvature_noise", "mean_grad", "cross")
        return "Mode(" + ", ".join(f"{n}={self.values[s]}" for n, s in zip(names, _PARAMETERS)) + ")"

    def _initial(self, mean0, var0) -> sp.Matrix:
        mean0, var0 = sp.sympify(mean0), sp.sympify(var0)
        if var0.is_number and var0 < 0:
            raise ValueError(f"var0 is a variance and cannot be negative; got {var0}")
        return sp.Matrix([1, mean0, mean0**2, var0])

    @staticmethod
    def _check_steps(k):
        k = sp.sympify(k)
        if k.is_number and not (k.is_integer and k >= 0):
            raise ValueError(f"the step k must be a non-negative integer; got {k}")
        return k

    def _centred(self, model) -> sp.Matrix:
        """The centred moment system with this mode's values (cached per mode)."""
        key = ("centred", model)
        if key not in self._cache:
            self._cache[key] = self._sub(_centred_matrix(model))
        return self._cache[key]

    def _propagator(self, model, k) -> sp.Matrix:
        """z_k = P z_0: the matrix power (SGD) or exponential at t = eta k (modified equations)."""
        C = self._centred(model)
        t = self.values[eta] * k
        if self.numeric and k.is_number:
            with mpmath.workdps(40):
                if model == "sgd":
                    P = mpmath.matrix([[mpmath.mpf(str(sp.Float(x, 40))) for x in row] for row in C.tolist()]) ** int(k)
                else:
                    P = mpmath.expm(mpmath.matrix([[mpmath.mpf(str(sp.Float(x * t, 40))) for x in row]
                                                   for row in C.tolist()]))
                return sp.Matrix(4, 4, [sp.Float(P[i, j], 40) for i in range(4) for j in range(4)])
        return triangular_power(C, k) if model == "sgd" else triangular_exp(C, t)

    def _mean_and_variance(self, model, k, mean0, var0):
        """(mean, variance) at step k under the map (``"sgd"``) or a modified equation of order 1 or 2."""
        k = self._check_steps(k)
        z = self._propagator(model, k) * self._initial(mean0, var0)
        mean, variance = z[1], z[3]
        if variance.is_number:
            return sp.Float(mean, 15), sp.Float(variance, 15)
        return sp.factor_terms(sp.expand(mean)), sp.factor_terms(sp.expand(variance))

    # ------------------------------------------------------------------ discrete SGD
    def moment_recursion(self, n: int) -> MomentRecursion:
        r"""The exact recursion for :math:`\mathbb{E}[y^j]`, :math:`j \le n` (Gaussian noise beyond order 2)."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"the moment order must be a positive integer; got {n!r}")
        return MomentRecursion(sp.ImmutableMatrix(self._discrete(n)))

    def contraction(self) -> sp.Expr:
        r""":math:`q = (1 - \eta\lambda)^2 + \eta^2\Gamma`, the per-step factor of the second moment."""
        return sp.factor(self._discrete(2)[2, 2])

    def mean(self, k, mean0=0) -> sp.Expr:
        r""":math:`\mathbb{E}[y_k]` from :math:`\mathbb{E}[y_0] = ` ``mean0``."""
        return self._mean_and_variance("sgd", k, mean0, 0)[0]

    def variance(self, k, mean0=0, var0=0) -> sp.Expr:
        r""":math:`\operatorname{Var}[y_k]` from mean ``mean0`` and variance ``var0`` at step 0."""
        return self._mean_and_variance("sgd", k, mean0, var0)[1]

    def _fixed_point(self, matrix: sp.Matrix, continuous: bool):
        """Variance at the fixed point of m' = A m (or dm/dt = B m), with m_0 = 1."""
        linear = matrix[1:, 1:] if continuous else matrix[1:, 1:] - sp.eye(2)
        if linear.det() == 0:
            return sp.nan
        m1, m2 = linear.LUsolve(-matrix[1:, 0])
        variance = m2 - m1**2
        return variance if variance.is_number else sp.factor(sp.simplify(variance))

    def stationary_variance(self) -> sp.Expr:
        r"""Exact stationary variance of the map, or ``nan`` where none exists (:math:`q \ge 1`).

        For :math:`\bar g = \rho = 0`: :math:`\eta D/(2\lambda - \eta(\lambda^2 + \Gamma))`.
        """
        if self._decided(self.contraction() >= 1):
            return sp.nan
        return self._fixed_point(self._discrete(2), continuous=False)

    def stationary_mean(self) -> sp.Expr:
        r""":math:`-\bar g/\lambda` where a stationary law exists, else ``nan``."""
        if self._decided(self.contraction() >= 1):
            return sp.nan
        A = self._discrete(2)
        return sp.simplify(A[1, 0] / (1 - A[1, 1]))

    def relaxation_steps(self) -> sp.Expr:
        r""":math:`1/(1 - q)`: the memory of the variance in steps (:math:`\approx -1/\ln q` near
        :math:`q = 1`); ``oo`` where :math:`q \ge 1`."""
        q = self.contraction()
        if self._decided(q >= 1):
            return sp.oo
        return sp.simplify(1 / (1 - q))

    # ------------------------------------------------------------------ continuous models
    def langevin_mean(self, k, mean0=0) -> sp.Expr:
        r"""Mean of the Langevin (weak-order-1) model after time :math:`\eta k`."""
        return self._mean_and_variance(1, k, mean0, 0)[0]

    def langevin_variance(self, k, mean0=0, var0=0) -> sp.Expr:
        r"""Variance of the Langevin model after time :math:`\eta k` (OU for :math:`\Gamma = \rho = 0`)."""
        return self._mean_and_variance(1, k, mean0, var0)[1]

    def sme2_mean(self, k, mean0=0) -> sp.Expr:
        r"""Mean of the second-order modified equation after time :math:`\eta k`."""
        return self._mean_and_variance(2, k, mean0, 0)[0]

    def sme2_variance(self, k, mean0=0, var0=0) -> sp.Expr:
        r"""Variance of the second-order modified equation after time :math:`\eta k`."""
        return self._mean_and_variance(2, k, mean0, var0)[1]

    def has_stationary_law(self, model: str = "sgd") -> sp.Basic:
        r"""Condition for a stationary law: :math:`q < 1` for ``"sgd"``; both moment decay rates
        negative for ``"langevin"`` and ``"sme2"``. A SymPy boolean (``true``/``false`` for numbers)."""
        if model == "sgd":
            return sp.sympify(self.contraction() < 1)
        if model not in ("langevin", "sme2"):
            raise ValueError(f"model must be 'sgd', 'langevin' or 'sme2'; got {model!r}")
        B = self._continuous(1 if model == "langevin" else 2)
        return sp.And(B[1, 1] < 0, B[2, 2] < 0)

    def _continuous_stationary(self, order: int) -> sp.Expr:
        if self._decided(sp.Not(self.has_stationary_law("langevin" if order == 1 else "sme2"))):
            return sp.nan
        return self._fixed_point(self._continuous(order), continuous=True)

    def langevin_stationary_variance(self) -> sp.Expr:
        r"""Langevin's stationary variance: :math:`\eta D/(2\lambda - \eta\Gamma)` for :math:`\bar g = \rho = 0`."""
        return self._continuous_stationary(1)

    def sme2_stationary_variance(self) -> sp.Expr:
        """Stationary variance of the second-order modified equation."""
        return self._continuous_stationary(2)

    # ------------------------------------------------------------------ regimes and thresholds
    def _decided(self, condition) -> bool:
        """True when ``condition`` is known to hold (numbers); False when false or undecidable."""
        condition = sp.sympify(condition)
        return condition is sp.true or condition == True  # noqa: E712 (SymPy booleans)

    def _require_numeric(self, what: str) -> None:
        if not self.numeric:
            raise ValueError(f"{what} needs numeric parameters; got {self!r}")

    def regime(self, horizon: int | None = None) -> str:
        """``"confined"``, ``"diffusive"``, ``"unstable"`` or ``"escaping"`` (thresholds: module docstring)."""
        self._require_numeric("the regime")
        if horizon is not None and (not isinstance(horizon, (int, float)) or isinstance(horizon, bool)
                                    or not horizon > 0):
            raise ValueError(f"horizon must be a positive number of steps; got {horizon!r}")
        curvature, q = self.values[lam], self.contraction()
        if curvature.is_zero or (horizon is not None and horizon * abs(1 - q) < 1):
            return "diffusive"
        if q < 1:
            return "confined"
        return "escaping" if curvature < 0 else "unstable"

    def diffusion_coefficient(self) -> DiffusionCoefficient:
        r"""Half the one-step centred variance at the critical point: per step :math:`\eta^2 D/2`,
        per unit time :math:`t = \eta k`: :math:`\eta D/2`."""
        update = mode_update()
        m1, m2 = jump_moment(update, 1)[0], jump_moment(update, 2)[0, 0]
        per_step = sp.factor(self._sub(((m2 - m1**2) / 2).subs(y, 0)))
        return DiffusionCoefficient(per_time=sp.factor(per_step / self.values[eta]), per_step=per_step)

    def stability_threshold(self) -> sp.Expr:
        r"""The learning rate where :math:`q = 1`: :math:`\eta^* = 2\lambda/(\lambda^2 + \Gamma)`."""
        return sp.factor(_stability_threshold().subs(self.values, simultaneous=True))

    def langevin_only_stable(self) -> sp.Basic:
        r"""Whether Langevin has a stationary law here but SGD has none:
        :math:`\lambda(2 - \eta\lambda) \le \eta\Gamma < 2\lambda`.

        A boolean for numeric modes; a SymPy condition otherwise.
        """
        condition = sp.And(sp.Not(self.has_stationary_law("sgd")), self.has_stationary_law("langevin"))
        return bool(condition) if self.numeric else condition

    # ------------------------------------------------------------------ densities
    def stationary_density(self, variable: sp.Symbol | None = None) -> StationaryDensity:
        r"""Stationary solution of the discrete Fokker--Planck equation at :math:`O(\eta^2)`, beside Langevin's.

        With :math:`\bar g = \rho = 0` the density is
        :math:`\propto (D + (\lambda^2 + \Gamma)y^2)^{-1 - \lambda/(\eta(\lambda^2 + \Gamma))}`, a power
        law with tail exponent :math:`2 + 2\lambda/(\eta(\lambda^2 + \Gamma))`: its variance is finite
        exactly when :math:`q < 1`, and then equals the exact stationary variance of the map.
        """
        variable = y if variable is None else variable
        update = mode_update()
        P = sp.Function("P")(y)
        discrete = discrete_fokker_planck(update, P, 2)
        langevin = modified_equation(update, 1).generator(P)
        out = []
        for series in (discrete, langevin):
            # exact rationals for floats: SymPy's rational integration fails on inexact coefficients
            m1 = sp.nsimplify(self._sub(series.coefficients.get((1,), 0)), rational=True)
            m2 = sp.nsimplify(self._sub(series.coefficients.get((2,), 0)), rational=True)
            exponent = _integrate_drift_ratio(2 * m1 / m2, y)
            weight = sp.powsimp(sp.expand_power_exp(sp.exp(exponent).rewrite(sp.Pow)))
            density = sp.simplify(weight / m2).subs(y, variable)
            slope = sp.limit(-y * sp.diff(exponent - sp.log(m2), y), y, sp.oo)
            out += [density, sp.simplify(slope)]
        return StationaryDensity(variable, out[0], out[1], out[2], out[3])

    # ------------------------------------------------------------------ LaTeX
    def latex(self) -> str:
        """Every formula of this mode as an ``align*`` block (derived for its parameters)."""
        k = k_step
        density = self.stationary_density()
        rows = [
            ("q", self.contraction()),
            (r"\eta^*", self.stability_threshold()),
            (r"\tau_{\mathrm{relax}}", self.relaxation_steps()),
            (r"\mathbb{E}[y_k]", _explicit(self.mean(k))),
            (r"\operatorname{Var}[y_k]", _explicit(self.variance(k))),
            (r"\operatorname{Var}^{\mathrm{Langevin}}[y_k]", _explicit(self.langevin_variance(k))),
            (r"\operatorname{Var}^{\mathrm{SME2}}[y_k]", _explicit(self.sme2_variance(k))),
            (r"\operatorname{Var}_\infty", self.stationary_variance()),
            (r"\operatorname{Var}^{\mathrm{Langevin}}_\infty", self.langevin_stationary_variance()),
            (r"\operatorname{Var}^{\mathrm{SME2}}_\infty", self.sme2_stationary_variance()),
            (r"\mathcal{D}_t", self.diffusion_coefficient().per_time),
            (r"\mathcal{D}_{\mathrm{step}}", self.diffusion_coefficient().per_step),
            (r"P_\infty(y)", r"\propto", density.density),
            (r"\alpha_{\mathrm{tail}}", density.tail_exponent),
            (r"P^{\mathrm{Langevin}}_\infty(y)", r"\propto", density.langevin_density),
            (r"\text{confined}", r"\iff", r"q < 1"),
            (r"\text{diffusive}", r"\iff", r"\lambda = 0 \ \text{or}\ T\,|1 - q| < 1"),
            (r"\text{unstable}", r"\iff", r"\lambda > 0,\ q \ge 1"),
            (r"\text{escaping}", r"\iff", r"\lambda < 0"),
        ]
        if not self.numeric:
            rows.append((r"\text{Langevin-only stable}", r"\iff", self.langevin_only_stable()))
        return align(rows)

    def _repr_latex_(self) -> str:
        return "$\\displaystyle " + self.latex().replace("align*", "aligned") + "$"
