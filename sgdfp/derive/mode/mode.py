r"""One mode of the random-quadratic SGD map, under a chosen dynamics.

Near a critical point, in the eigenbasis of the mean Hessian, a mode follows

.. math:: y_{k+1} = (1 - \eta h)\,y_k - \eta g,\qquad
          \mathbb{E}h = \lambda,\ \operatorname{Var}h = \Gamma,\ \mathbb{E}g = \bar g,\
          \operatorname{Var}g = D,\ \operatorname{Cov}(h, g) = \rho .

:class:`Mode` holds the six parameters (:mod:`~sgdfp.derive.mode.parameters`) and a
:class:`~sgdfp.derive.Dynamics` (SGD itself by default, or Langevin, SME-2), and answers everything
from the moment system that dynamics derives: closed-form mean and variance at step :math:`k`,
stationary values, the contraction :math:`q`, the regime (:mod:`~sgdfp.derive.mode.regime`), the
stability threshold, the diffusion coefficient and the stationary density. Moments of order three
and above take the noise Gaussian beyond its covariance.

Numeric modes are evaluated exactly: the parameters are kept as the exact rationals their floats
are, the growth offset :math:`q - 1 = \eta(\eta(\lambda^2 + \Gamma) - 2\lambda)` is formed without
cancellation, and matrix powers run at 50 digits, so that a nearly flat mode
(:math:`\lambda = 10^{-12}`) is as exact as a stiff one.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import sympy as sp

from sgdfp.derive.fokker_planck import discrete_fokker_planck
from sgdfp.derive.inputs import as_expr, as_symbol, refuse_text
from sgdfp.derive.mode.density import StationaryDensity, stationary_density
from sgdfp.derive.mode.dynamics import LANGEVIN, SGD, SME2, Dynamics, get_dynamics, raw_discrete_matrix
from sgdfp.derive.mode.parameters import MODE_PARAMETERS, D, Gamma, lam, rho, y
from sgdfp.derive.mode.parameters import horizon as horizon_symbol
from sgdfp.derive.mode.regime import growth, regime_name, regime_rule
from sgdfp.derive.mode.update import MomentRecursion, mode_update
from sgdfp.derive.modified import modified_equation
from sgdfp.derive.symbols import eta
from sgdfp.derive.update import jump_moment

if TYPE_CHECKING:
    from sgdfp.derive.mode.equations import Equation

__all__ = ["Mode", "DiffusionCoefficient"]


class DiffusionCoefficient:
    r"""Diffusion coefficient of a flat mode: variance grows as :math:`2\,\mathcal D\,t`.

    ``per_time`` is per unit time :math:`t = \eta k` (:math:`\eta D/2`), ``per_step`` per step
    (:math:`\eta^2 D/2`).
    """

    def __init__(self, per_time: sp.Expr, per_step: sp.Expr):
        self.per_time, self.per_step = as_expr(per_time, "per_time"), as_expr(per_step, "per_step")

    def __repr__(self) -> str:
        return f"DiffusionCoefficient(per_time={self.per_time}, per_step={self.per_step})"

    def __eq__(self, other) -> bool:
        return isinstance(other, DiffusionCoefficient) and (self.per_time, self.per_step) == (other.per_time,
                                                                                             other.per_step)


def _decided(condition) -> bool:
    """True when ``condition`` is known to hold (numbers); False when false or undecidable."""
    return sp.sympify(condition) is sp.true


class Mode:
    r"""One mode :math:`y' = (1 - \eta h)y - \eta g` near a critical point.

    Args:
        curvature: :math:`\lambda = \mathbb{E}h` (a number or a SymPy expression).
        grad_noise: :math:`D = \operatorname{Var} g` per step (minibatch size included), :math:`\ge 0`.
        lr: :math:`\eta > 0`.
        curvature_noise: :math:`\Gamma = \operatorname{Var} h \ge 0`.
        mean_grad: :math:`\bar g = \mathbb{E} g`.
        cross: :math:`\rho = \operatorname{Cov}(h, g)`, with :math:`\rho^2 \le \Gamma D`.
        dynamics: the model of training the answers refer to: :data:`~sgdfp.derive.SGD` (default, the map
            itself), :data:`~sgdfp.derive.LANGEVIN`, :data:`~sgdfp.derive.SME2`, or one of their names.

    Raises:
        TypeError: text or another non-numeric value (text is never parsed).
        ValueError: negative variances, :math:`\eta \le 0`, :math:`\rho^2 > \Gamma D`, a value that is not
            a finite real number, an unknown dynamics.

    Example:
        >>> Mode(curvature=1, grad_noise=2, lr=sp.Rational(1, 10)).stationary_variance()
        2/19
    """

    def __init__(self, curvature, grad_noise, lr, curvature_noise=0, mean_grad=0, cross=0, *,
                 dynamics: Dynamics | str | None = None):
        given: dict[sp.Symbol, sp.Expr] = {}
        for parameter, value in zip(MODE_PARAMETERS, (curvature, grad_noise, lr, curvature_noise, mean_grad, cross)):
            value = as_expr(value, parameter.keyword)
            if value.is_number and (value.is_real is False or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo)):
                raise ValueError(f"{parameter.keyword} must be a finite real number; got {value}")
            if not parameter.admits(value):
                shown = float(value) if value.is_Float else value
                if parameter.domain == "positive":
                    raise ValueError(f"{parameter.keyword} must be positive; got {shown}")
                raise ValueError(f"{parameter.keyword} is a variance and cannot be negative; got {shown}")
            given[parameter.symbol] = value
        if all(given[s].is_number for s in (rho, Gamma, D)) and given[rho] ** 2 > given[Gamma] * given[D]:
            raise ValueError(f"cross = {given[rho]} is impossible: Cov(h, g)^2 <= Var(h) Var(g) = "
                             f"{given[Gamma] * given[D]}")
        self.given = given
        self.dynamics = get_dynamics(dynamics)
        self._floats = any(v.has(sp.Float) for v in given.values())
        # a numeric mode computes with the exact rationals of its floats; no cancellation anywhere
        self.values = {s: sp.Rational(v) if v.is_Float else v for s, v in given.items()} if self.numeric else given
        self._cache: dict = {}

    @classmethod
    def from_estimates(cls, curvature: float, grad_noise: float, lr: float, curvature_noise: float = 0.0,
                       mean_grad: float = 0.0, cross: float = 0.0, *, dynamics: Dynamics | str | None = None) -> Mode:
        r"""A numeric mode from measured or rotated statistics, whose rounding can leave a variance a hair
        below zero or :math:`\rho^2` a hair above :math:`\Gamma D`: both are clipped to the valid range.

        Raises:
            TypeError: text (nothing is parsed) or another value that is not a number.
            ValueError: as for :class:`Mode` (NaN or infinite values, :math:`\eta \le 0`).
        """
        for name, value in (("curvature", curvature), ("grad_noise", grad_noise), ("lr", lr),
                            ("curvature_noise", curvature_noise), ("mean_grad", mean_grad), ("cross", cross)):
            refuse_text(value, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"{name} must be a real number (an estimate); got {type(value).__name__} {value!r}")
        grad_noise, curvature_noise = max(float(grad_noise), 0.0), max(float(curvature_noise), 0.0)
        # a hair inside sqrt(Gamma D), whose square can round above Gamma D
        bound = (grad_noise * curvature_noise) ** 0.5 * (1 - 1e-12)
        return cls(float(curvature), grad_noise, lr, curvature_noise=curvature_noise, mean_grad=float(mean_grad),
                   cross=min(max(float(cross), -bound), bound), dynamics=dynamics)

    def under(self, dynamics: Dynamics | str) -> Mode:
        """The same mode under another dynamics (``mode.under(LANGEVIN).variance(k)``)."""
        other = Mode.__new__(Mode)
        other.given, other.values, other._floats = self.given, self.values, self._floats
        other.dynamics, other._cache = get_dynamics(dynamics), {}
        return other

    # ------------------------------------------------------------------ parameters
    curvature = property(lambda self: self.given[lam], doc=r":math:`\lambda`")
    grad_noise = property(lambda self: self.given[D], doc=":math:`D`")
    lr = property(lambda self: self.given[eta], doc=r":math:`\eta`")
    curvature_noise = property(lambda self: self.given[Gamma], doc=r":math:`\Gamma`")
    mean_grad = property(lambda self: self.given[MODE_PARAMETERS[4].symbol], doc=r":math:`\bar g`")
    cross = property(lambda self: self.given[rho], doc=r":math:`\rho`")

    @property
    def numeric(self) -> bool:
        """True when every parameter is a number."""
        return all(v.is_number for v in self.given.values())

    def __repr__(self) -> str:
        values = ", ".join(f"{p.keyword}={self.given[p.symbol]}" for p in MODE_PARAMETERS)
        suffix = "" if self.dynamics is SGD else f", dynamics={self.dynamics.name!r}"
        return f"Mode({values}{suffix})"

    def substitute(self, expr) -> sp.Expr:
        """A generic expression or matrix (in the parameter symbols) with this mode's values.

        Raises:
            TypeError: text (never parsed) or anything that is not a SymPy object or number.
        """
        if not isinstance(expr, (sp.Basic, sp.MatrixBase)):
            expr = as_expr(expr, "expr")
        return expr.xreplace(self.values)

    def _number(self, value: sp.Expr) -> sp.Expr:
        """A result as the caller expects it: 15-digit floats when the mode was given floats."""
        if self._floats and value.is_number and value.is_finite:
            return sp.Float(value, 15)
        return value

    def _matrix(self, key, generic):
        if key not in self._cache:
            self._cache[key] = self.substitute(generic)
        return self._cache[key]

    # ------------------------------------------------------------------ moments
    def moment_recursion(self, n: int) -> MomentRecursion:
        r"""The SGD map's exact recursion for :math:`\mathbb{E}[y^j]`, :math:`j \le n` (Gaussian noise beyond order 2)."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"the moment order must be a positive integer; got {n!r}")
        return MomentRecursion(sp.ImmutableMatrix(self._matrix(("raw", n), raw_discrete_matrix(n))))

    def _raw(self) -> sp.Matrix:
        return self._matrix(("raw", self.dynamics.name), self.dynamics.raw_matrix())

    def _centred(self) -> sp.Matrix:
        return self._matrix(("centred", self.dynamics.name), self.dynamics.centred_matrix())

    @staticmethod
    def _check_steps(k) -> sp.Expr:
        k = as_expr(k, "the step k")
        if k.is_number and not (k.is_integer and k >= 0):
            raise ValueError(f"the step k must be a non-negative integer; got {k}")
        return k

    def _mean_and_variance(self, k, mean0, var0) -> tuple[sp.Expr, sp.Expr]:
        k = self._check_steps(k)
        mean0, var0 = as_expr(mean0, "mean0"), as_expr(var0, "var0")
        if var0.is_number and var0 < 0:
            raise ValueError(f"var0 is a variance and cannot be negative; got {var0}")
        exact = self.numeric and mean0.is_number and var0.is_number
        start = sp.Matrix([1, mean0, mean0**2, var0]).applyfunc(lambda v: sp.Rational(v) if exact and v.is_Float else v)
        if exact and k.is_number:
            z = self.dynamics.numeric_propagator(self._centred(), int(k), self.values[eta]) * start
            return sp.Float(z[1], 15), sp.Float(z[3], 15)
        z = self.dynamics.propagator(self._centred(), k, self.values[eta]) * start
        return sp.factor_terms(sp.expand(z[1])), sp.factor_terms(sp.expand(z[3]))

    def mean(self, k, mean0=0) -> sp.Expr:
        r""":math:`\mathbb{E}[y_k]` from :math:`\mathbb{E}[y_0] = ` ``mean0`` (at time :math:`\eta k` for an SDE)."""
        return self._mean_and_variance(k, mean0, 0)[0]

    def variance(self, k, mean0=0, var0=0) -> sp.Expr:
        r""":math:`\operatorname{Var}[y_k]` from mean ``mean0`` and variance ``var0`` at step 0."""
        return self._mean_and_variance(k, mean0, var0)[1]

    def growth_offset(self) -> sp.Expr:
        r""":math:`u = q - 1`, formed without cancellation (:math:`\eta(\eta(\lambda^2 + \Gamma) - 2\lambda)` for SGD)."""
        return self.substitute(self.dynamics.growth_offset())

    def contraction(self) -> sp.Expr:
        r""":math:`q`, the per-step factor of the second moment: :math:`(1 - \eta\lambda)^2 + \eta^2\Gamma` for SGD."""
        return self._number(self.substitute(self.dynamics.contraction()))

    # ------------------------------------------------------------------ stationary law
    def has_stationary_law(self, dynamics: Dynamics | str | None = None) -> sp.Basic:
        r"""Condition for a stationary law under ``dynamics`` (this mode's own by default): :math:`q < 1` for
        SGD, both moment decay rates negative for an SDE. A SymPy boolean (``true``/``false`` for numbers)."""
        mode = self if dynamics is None else self.under(dynamics)
        return mode.dynamics.stationary_condition(mode._raw(), mode.growth_offset())

    def _fixed_point(self) -> tuple[sp.Expr, sp.Expr]:
        if _decided(sp.Not(self.has_stationary_law())):
            return sp.nan, sp.nan
        mean, variance = self.dynamics.fixed_point(self._raw())
        if not variance.is_number:
            variance = sp.factor(sp.simplify(variance))
            mean = sp.simplify(mean)
        return self._number(mean), self._number(variance)

    def stationary_variance(self) -> sp.Expr:
        r"""The stationary variance, or ``nan`` where none exists.

        For SGD with :math:`\bar g = \rho = 0`: :math:`\eta D/(2\lambda - \eta(\lambda^2 + \Gamma))`.
        """
        return self._fixed_point()[1]

    def stationary_mean(self) -> sp.Expr:
        r""":math:`-\bar g/\lambda` where a stationary law exists, else ``nan``."""
        return self._fixed_point()[0]

    def relaxation_steps(self) -> sp.Expr:
        r""":math:`1/(1 - q)`: the memory of the variance in steps; ``oo`` where :math:`q \ge 1`."""
        u = self.growth_offset()
        if _decided(u >= 0):
            return sp.oo
        return self._number(sp.simplify(-1 / u) if not u.is_number else -1 / u)

    # ------------------------------------------------------------------ regimes and thresholds
    def regime(self, horizon: int | float | None = None) -> str:
        """``"confined"``, ``"diffusive"``, ``"unstable"`` or ``"escaping"`` (the rule of :mod:`~sgdfp.derive.mode.regime`).

        Args:
            horizon: the horizon :math:`T` in steps (none: :math:`T = \\infty`).
        """
        if not self.numeric:
            raise ValueError(f"the regime needs numeric parameters; got {self!r}")
        refuse_text(horizon, "horizon")
        if horizon is not None and (not isinstance(horizon, numbers.Real) or isinstance(horizon, bool)
                                    or not horizon > 0 or horizon != horizon):
            raise ValueError(f"horizon must be a positive number of steps; got {horizon!r}")
        if horizon is None or horizon == float("inf"):
            T = sp.oo
        else:  # the exact value of the number given (a numpy scalar included)
            T = sp.Integer(int(horizon)) if isinstance(horizon, numbers.Integral) else sp.Rational(float(horizon))
        code = regime_rule().subs({lam: self.values[lam], growth: self.growth_offset(), horizon_symbol: T})
        return regime_name(code)

    def diffusion_coefficient(self) -> DiffusionCoefficient:
        r"""Half the one-step centred variance at the critical point: per step :math:`\eta^2 D/2`,
        per unit time :math:`t = \eta k`: :math:`\eta D/2`."""
        update = mode_update()
        m1, m2 = jump_moment(update, 1)[0], jump_moment(update, 2)[0, 0]
        per_step = sp.factor(self.substitute(((m2 - m1**2) / 2).subs(y, 0)))
        per_time = sp.factor(per_step / self.values[eta])
        return DiffusionCoefficient(per_time=self._number(per_time), per_step=self._number(per_step))

    def stability_threshold(self) -> sp.Expr:
        r"""The learning rate where :math:`q = 1`: :math:`\eta^* = 2\lambda/(\lambda^2 + \Gamma)` for SGD.

        The second moment contracts for :math:`0 < \eta < \eta^*` only where :math:`\lambda > 0`; a numeric mode
        with :math:`\lambda \le 0` contracts at no learning rate and gets ``nan`` (a symbolic mode's formula
        assumes :math:`\lambda > 0`)."""
        curvature = self.values[lam]
        if curvature.is_number and curvature <= 0:
            return sp.nan
        rate = sp.Poly(sp.factor(self.dynamics.growth_rate()), eta)
        (root,) = [r for r in sp.roots(rate) if r != 0]
        return self._number(sp.factor(self.substitute(root)))

    def langevin_only_stable(self) -> sp.Basic:
        r"""Whether Langevin has a stationary law here but SGD has none:
        :math:`\lambda(2 - \eta\lambda) \le \eta\Gamma < 2\lambda`.

        A boolean for numeric modes; a SymPy condition otherwise.
        """
        condition = sp.And(sp.Not(self.has_stationary_law(SGD)), self.has_stationary_law(LANGEVIN))
        return bool(condition) if self.numeric else condition

    # ------------------------------------------------------------------ densities
    def stationary_density(self, variable: sp.Symbol | None = None) -> StationaryDensity:
        r"""Stationary solution of the *truncated* discrete Fokker--Planck equation at :math:`O(\eta^2)`,
        beside Langevin's (see :mod:`~sgdfp.derive.mode.density` for how it differs from the exact map's law).

        With :math:`\bar g = \rho = 0` the density is
        :math:`\propto (D + (\lambda^2 + \Gamma)y^2)^{-1 - \lambda/(\eta(\lambda^2 + \Gamma))}`, a power
        law with tail exponent :math:`2 + 2\lambda/(\eta(\lambda^2 + \Gamma))`: its variance is finite
        exactly when :math:`q < 1`, and then equals the exact stationary variance of the map. For
        :math:`\lambda < 0` neither it nor Langevin's is normalisable (``normalisable()`` says so): a saddle
        direction has no stationary law.

        Args:
            variable: the SymPy Symbol of the returned densities (the mode coordinate ``y`` by default).

        Raises:
            TypeError: ``variable`` is not a Symbol (a name given as text is never parsed).
        """
        variable = y if variable is None else as_symbol(variable, "variable")
        P = sp.Function("P")(y)
        series = (discrete_fokker_planck(mode_update(), P, 2), modified_equation(mode_update(), 1).generator(P))
        # the values as given: their floats become short rationals (0.1 -> 1/10) for the integration
        return stationary_density(series, lambda e: sp.sympify(e).xreplace(self.given), variable, y)

    # ------------------------------------------------------------------ the catalogue
    def equations(self) -> tuple[Equation, ...]:
        """Every formula of this mode as :class:`~sgdfp.derive.Equation` objects (the catalogue)."""
        from sgdfp.derive.mode.equations import mode_equations

        return mode_equations(self)

    def latex(self) -> str:
        """Every formula of this mode as an ``align*`` block (derived for its parameters)."""
        from sgdfp.derive.mode.equations import align_equations

        return align_equations(self.equations())

    def _repr_latex_(self) -> str:
        return "$\\displaystyle " + self.latex().replace("align*", "aligned") + "$"

    # ------------------------------------------------------------------ aliases (documented, thin)
    def langevin_mean(self, k, mean0=0) -> sp.Expr:
        """Alias of ``self.under(LANGEVIN).mean(k, mean0)``."""
        return self.under(LANGEVIN).mean(k, mean0)

    def langevin_variance(self, k, mean0=0, var0=0) -> sp.Expr:
        """Alias of ``self.under(LANGEVIN).variance(k, mean0, var0)``."""
        return self.under(LANGEVIN).variance(k, mean0, var0)

    def sme2_mean(self, k, mean0=0) -> sp.Expr:
        """Alias of ``self.under(SME2).mean(k, mean0)``."""
        return self.under(SME2).mean(k, mean0)

    def sme2_variance(self, k, mean0=0, var0=0) -> sp.Expr:
        """Alias of ``self.under(SME2).variance(k, mean0, var0)``."""
        return self.under(SME2).variance(k, mean0, var0)

    def langevin_stationary_variance(self) -> sp.Expr:
        """Alias of ``self.under(LANGEVIN).stationary_variance()``."""
        return self.under(LANGEVIN).stationary_variance()

    def sme2_stationary_variance(self) -> sp.Expr:
        """Alias of ``self.under(SME2).stationary_variance()``."""
        return self.under(SME2).stationary_variance()

