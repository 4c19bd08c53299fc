r"""One mode under heavy-ball or Nesterov momentum with weight decay: :class:`MomentumMode`.

The map, its moment recursion and its stability conditions are derived in :mod:`sgdfp.derive.mode.momentum`;
this module answers from them what :class:`~sgdfp.derive.Mode` answers for SGD (mean, variance, stationary
law, regime, stability threshold, diffusion coefficient, LaTeX), exactly for numeric modes (rational inputs,
matrix powers at :data:`PRECISION` digits, the spectral radius at :data:`ROOT_PRECISION`).
"""

from __future__ import annotations

import numbers

import mpmath
import sympy as sp

from sgdfp.derive.inputs import as_expr, refuse_text
from sgdfp.derive.mode.mode import DiffusionCoefficient, Mode
from sgdfp.derive.mode.momentum import (
    Momentum,
    critical_stationary_covariance,
    effective_sgd,
    flat_diffusion,
    reduced_curvature,
    reduced_noise,
    stability_conditions,
)
from sgdfp.derive.mode.parameters import D, Gamma, beta, gbar, lam, omega, rho, v, y
from sgdfp.derive.mode.parameters import horizon as horizon_symbol
from sgdfp.derive.mode.regime import growth, regime_name, regime_rule
from sgdfp.derive.printing import align, latex
from sgdfp.derive.symbols import eta

__all__ = ["MomentumMode", "PRECISION", "ROOT_PRECISION"]

PRECISION = 50  # decimal digits of matrix powers (exact rational inputs)
ROOT_PRECISION = 80  # decimal digits of the spectral radius (a triple root loses two thirds of them)


def _mp(value: sp.Expr) -> mpmath.mpf:
    if value.is_Rational:
        return mpmath.mpf(int(value.p)) / mpmath.mpf(int(value.q))
    return mpmath.mpf(sp.Float(value, mpmath.mp.dps + 10))


class MomentumMode:
    r"""One mode :math:`y' = y + v'`, :math:`v' = \beta v - \eta((h + \omega)p + g)` near a critical point.

    The first six arguments are :class:`~sgdfp.derive.Mode`'s (checked the same way); the velocity starts at
    :math:`v_0 = 0`.

    Args:
        momentum: :math:`\beta \in [0, 1)`.
        nesterov: the gradient at the look-ahead point.
        weight_decay: :math:`\omega \ge 0` (coupled L2).

    Raises:
        TypeError, ValueError: as for :class:`~sgdfp.derive.Mode` and :class:`Momentum`.

    Example:
        >>> MomentumMode(0, 1, sp.Rational(1, 10), momentum=sp.Rational(1, 2)).diffusion_coefficient().per_step
        1/50
    """

    def __init__(self, curvature, grad_noise, lr, curvature_noise=0, mean_grad=0, cross=0, *, momentum=0,
                 nesterov: bool = False, weight_decay=0):
        self.sgd = Mode(curvature, grad_noise, lr, curvature_noise, mean_grad, cross)
        self.optimizer = Momentum(momentum, nesterov, weight_decay)
        self.given = {**self.sgd.given, beta: self.optimizer.beta, omega: self.optimizer.weight_decay}
        self._floats = any(x.has(sp.Float) for x in self.given.values())
        self.values = {**self.sgd.values, **self.optimizer.values()} if self.numeric else self.given
        self._cache: dict = {}

    # ------------------------------------------------------------------ parameters
    curvature = property(lambda self: self.sgd.curvature, doc=r":math:`\lambda`")
    grad_noise = property(lambda self: self.sgd.grad_noise, doc=":math:`D`")
    lr = property(lambda self: self.sgd.lr, doc=r":math:`\eta`")
    curvature_noise = property(lambda self: self.sgd.curvature_noise, doc=r":math:`\Gamma`")
    mean_grad = property(lambda self: self.sgd.mean_grad, doc=r":math:`\bar g`")
    cross = property(lambda self: self.sgd.cross, doc=r":math:`\rho`")
    momentum = property(lambda self: self.optimizer.beta, doc=r":math:`\beta`")
    weight_decay = property(lambda self: self.optimizer.weight_decay, doc=r":math:`\omega`")
    nesterov = property(lambda self: self.optimizer.nesterov, doc="Nesterov's look-ahead gradient")

    @property
    def numeric(self) -> bool:
        """True when every parameter is a number."""
        return all(x.is_number for x in self.given.values())

    def __repr__(self) -> str:
        return (f"MomentumMode({', '.join(f'{k}={x}' for k, x in self.given.items())}, "
                f"nesterov={self.nesterov})")

    def substitute(self, expr) -> sp.Expr:
        """A generic expression or matrix (parameter symbols, :math:`\\beta`, :math:`\\omega`) with this mode's values."""
        if not isinstance(expr, (sp.Basic, sp.MatrixBase)):
            expr = as_expr(expr, "expr")
        return expr.xreplace(self.values)

    def _number(self, value: sp.Expr) -> sp.Expr:
        if self._floats and value.is_number and value.is_finite:
            return sp.Float(value, 15)
        return value

    def effective_curvature(self) -> sp.Expr:
        r""":math:`\lambda + \omega`, the curvature the optimiser sees (the regime rule reads it)."""
        return self._number(self.substitute(effective_sgd()[lam]))

    # ------------------------------------------------------------------ moments
    def moment_recursion(self) -> sp.ImmutableMatrix:
        r"""The exact recursion :math:`z_{k+1} = A z_k` of :math:`z = (1, \mathbb{E}y, \mathbb{E}v, \mathbb{E}y^2,
        \mathbb{E}yv, \mathbb{E}v^2)` with this mode's values."""
        if "A" not in self._cache:
            self._cache["A"] = sp.ImmutableMatrix(self.substitute(self.optimizer.raw_matrix()))
        return self._cache["A"]

    def moments(self, k, mean0=0, var0=0) -> sp.Matrix:
        r""":math:`z_k` from :math:`y_0 \sim (` ``mean0``, ``var0`` :math:`)`, :math:`v_0 = 0`.

        Numeric modes are evaluated at :data:`PRECISION` digits from the exact rationals of the parameters;
        symbolic ones need a numeric step (the matrix power is expanded).

        Raises:
            TypeError: text (never parsed).
            ValueError: a step that is not a non-negative integer, a negative ``var0``, a symbolic step.
        """
        k = Mode._check_steps(k)
        mean0, var0 = as_expr(mean0, "mean0"), as_expr(var0, "var0")
        if var0.is_number and var0 < 0:
            raise ValueError(f"var0 is a variance and cannot be negative; got {var0}")
        if not k.is_number:
            raise ValueError(f"the momentum moments are evaluated at a given step; got the symbol {k}")
        exact = self.numeric and mean0.is_number and var0.is_number
        start = sp.Matrix([1, mean0, 0, mean0**2 + var0, 0, 0])
        if exact:
            start = start.applyfunc(lambda x: sp.Rational(x) if x.is_Float else x)
            with mpmath.workdps(PRECISION):
                A = mpmath.matrix([[_mp(x) for x in row] for row in self.moment_recursion().tolist()])
                z = (A ** int(k)) * mpmath.matrix([_mp(x) for x in start])
                return sp.Matrix([sp.Float(z[i], PRECISION) for i in range(6)])
        return (self.moment_recursion() ** int(k) * start).applyfunc(lambda e: sp.factor(sp.expand(e)))

    def covariance(self, k, mean0=0, var0=0) -> sp.Matrix:
        r"""The :math:`2 \times 2` covariance of :math:`(y_k, v_k)`."""
        z = self.moments(k, mean0, var0)
        return self._covariance(z)

    def _covariance(self, z) -> sp.Matrix:
        cov = sp.Matrix([[z[3] - z[1] ** 2, z[4] - z[1] * z[2]], [z[4] - z[1] * z[2], z[5] - z[2] ** 2]])
        if self.numeric:
            return cov.applyfunc(lambda e: self._number(e) if self._floats else e)
        return cov.applyfunc(lambda e: sp.factor(sp.expand(e)))

    def mean(self, k, mean0=0) -> sp.Expr:
        r""":math:`\mathbb{E}[y_k]` from :math:`\mathbb{E}[y_0] = ` ``mean0``, :math:`v_0 = 0`."""
        z = self.moments(k, mean0, 0)
        return self._number(z[1]) if self.numeric else z[1]

    def variance(self, k, mean0=0, var0=0) -> sp.Expr:
        r""":math:`\operatorname{Var}[y_k]` from mean ``mean0`` and variance ``var0`` at step 0, :math:`v_0 = 0`."""
        return self.covariance(k, mean0, var0)[0, 0]

    # ------------------------------------------------------------------ growth and stability
    def _spectral_radius(self) -> mpmath.mpf:
        if "q" not in self._cache:
            if not self.numeric:
                raise ValueError(f"the spectral radius needs numeric parameters; got {self!r}")
            block = self.moment_recursion()[3:, 3:]
            with mpmath.workdps(ROOT_PRECISION):
                values, _ = mpmath.eig(mpmath.matrix([[_mp(x) for x in row] for row in block.tolist()]))
                self._cache["q"] = max(abs(x) for x in values)
        return self._cache["q"]

    def growth_offset(self) -> sp.Expr:
        r""":math:`u = q - 1`, with :math:`q` the spectral radius of the second-moment map (numeric modes;
        :data:`ROOT_PRECISION` digits, so that a nearly flat mode keeps its small :math:`u`)."""
        with mpmath.workdps(ROOT_PRECISION):
            u = self._spectral_radius() - 1
            return sp.Float(u, PRECISION)

    def contraction(self) -> sp.Expr:
        r""":math:`q`, the spectral radius of the second-moment map (:math:`(1 - \eta\lambda)^2 + \eta^2\Gamma` at
        :math:`\beta = \omega = 0`)."""
        return self._number(sp.Float(self._spectral_radius(), PRECISION))

    def stability_conditions(self) -> tuple[sp.Expr, ...]:
        r"""The Jury conditions (:func:`stability_conditions`, each :math:`> 0`) in this mode's parameters."""
        reduced = {reduced_curvature: self.values[eta] * (self.values[lam] + self.values[omega]),
                   reduced_noise: self.values[eta] ** 2 * self.values[Gamma], beta: self.values[beta]}
        return tuple(sp.factor(sp.expand(c.xreplace(reduced))) for c in stability_conditions(self.nesterov))

    def has_stationary_law(self) -> sp.Basic:
        r"""Whether :math:`q < 1` (a SymPy boolean: decided for numbers, the Jury conditions otherwise)."""
        if self.numeric:
            return sp.true if self.growth_offset() < 0 else sp.false
        return sp.And(*[c > 0 for c in self.stability_conditions()])

    def relaxation_steps(self) -> sp.Expr:
        r""":math:`1/(1 - q)` steps, ``oo`` where :math:`q \ge 1` (numeric modes)."""
        u = self.growth_offset()
        return sp.oo if u >= 0 else self._number(-1 / u)

    def stability_threshold(self) -> sp.Expr:
        r"""The learning rate :math:`\eta^*` where the second-moment map stops contracting (``nan`` for
        :math:`\lambda + \omega \le 0`, where no learning rate is stable).

        Symbolic heavy-ball modes: the root in :math:`\eta` of :math:`J_1 = p(1) = 0` (an eigenvalue of :math:`B`
        crossing :math:`+1`; for heavy ball the other Jury conditions do not bind (tested), see docs/momentum.md):
        :math:`\eta^* = 2(1 - \beta^2)(\lambda + \omega)/((1 - \beta)(\lambda + \omega)^2 + (1 + \beta)\Gamma)`.
        Numeric modes: the smallest positive root of any Jury condition at which :math:`q = 1`, found exactly
        (an eigenvalue may also leave through :math:`-1` or as a complex pair).

        Raises:
            ValueError: a symbolic Nesterov mode, or a symbolic mode whose edge is not one root in :math:`\eta`.
        """
        curvature = self.values[lam] + self.values[omega]
        if curvature.is_number and curvature <= 0:
            return sp.nan
        conditions = [c.xreplace({eta: _lr}) for c in self._conditions_in_lr()]
        if not self.numeric:
            if self.nesterov:  # J_3 or J_4 may bind before J_1: only numbers decide
                raise ValueError("the Nesterov stability threshold needs numeric parameters (several Jury "
                                 "conditions can bind)")
            roots = [r for r in sp.solve(conditions[0], _lr) if r != 0]
            if len(roots) != 1:
                raise ValueError("the stability threshold of this symbolic mode is not one root in eta; give numbers")
            return sp.factor(roots[0])
        candidates = set()
        for condition in conditions:
            numerator = sp.numer(sp.together(condition))
            if numerator.has(_lr):
                poly = sp.Poly(numerator, _lr)
                candidates |= {r for r in poly.nroots(n=40, maxsteps=200) if abs(sp.im(r)) < sp.Float(10) ** -30
                               and sp.re(r) > 0}
        for root in sorted(sp.re(r) for r in candidates):
            x = self.values
            other = MomentumMode(x[lam], x[D], sp.Rational(root), x[Gamma], x[gbar], x[rho], momentum=x[beta],
                                 nesterov=self.nesterov, weight_decay=x[omega])
            if abs(other.growth_offset()) < sp.Float(10) ** -25:
                return self._number(sp.Float(root, 30))
        return sp.oo  # stable at every learning rate (not reached for lambda + omega > 0)

    def _conditions_in_lr(self) -> list[sp.Expr]:
        """The Jury conditions with every value but eta substituted."""
        values = {s: x for s, x in self.values.items() if s != eta}
        reduced = {reduced_curvature: eta * (values[lam] + values[omega]), reduced_noise: eta**2 * values[Gamma],
                   beta: values[beta]}
        return [sp.expand(c.xreplace(reduced)) for c in stability_conditions(self.nesterov)]

    # ------------------------------------------------------------------ stationary law
    def _fixed_point(self) -> sp.Matrix | None:
        if "fixed" not in self._cache:
            if self.numeric and self.growth_offset() >= 0:
                self._cache["fixed"] = None
            else:
                A = self.moment_recursion()
                linear = sp.eye(5) - A[1:, 1:]
                if self.numeric:
                    self._cache["fixed"] = sp.Matrix([1, *linear.LUsolve(A[1:, 0])])
                elif self.values[gbar] == 0 and self.values[rho] == 0:
                    # at a critical point the mean is 0 and the 3x3 Cramer solve is the fixed point: LU of the 5x5
                    # in symbols, then cancelling, takes minutes
                    x = self.values
                    reduced = {reduced_curvature: x[eta] * (x[lam] + x[omega]), reduced_noise: x[eta] ** 2 * x[Gamma],
                               beta: x[beta], D: x[D], eta: x[eta]}
                    second = [sp.factor(e.xreplace(reduced)) for e in critical_stationary_covariance(self.nesterov)]
                    self._cache["fixed"] = sp.Matrix([1, 0, 0, *second])
                else:
                    solution = linear.LUsolve(A[1:, 0]).applyfunc(lambda e: sp.factor(sp.cancel(e)))
                    self._cache["fixed"] = sp.Matrix([1, *solution])
        return self._cache["fixed"]

    def stationary_covariance(self) -> sp.Matrix:
        r"""The stationary :math:`2 \times 2` covariance of :math:`(y, v)`: the fixed point of the recursion
        (``nan`` entries where there is none)."""
        z = self._fixed_point()
        if z is None:
            return sp.Matrix(2, 2, [sp.nan] * 4)
        cov = self._covariance(z)
        return cov if self.numeric else cov.applyfunc(lambda e: sp.factor(sp.cancel(e)))

    def stationary_variance(self) -> sp.Expr:
        r"""The stationary variance of :math:`y` (``nan`` where there is none)."""
        return self.stationary_covariance()[0, 0]

    def stationary_mean(self) -> sp.Expr:
        r""":math:`-\bar g/(\lambda + \omega)` where a stationary law exists, else ``nan``."""
        z = self._fixed_point()
        return sp.nan if z is None else self._number(sp.factor(z[1]))

    # ------------------------------------------------------------------ regimes, diffusion
    def regime(self, horizon: int | float | None = None) -> str:
        r"""The regime by SGD's rule (:mod:`~sgdfp.derive.mode.regime`) with the curvature :math:`\lambda + \omega`
        and :math:`u = q - 1` of the second-moment map.

        Raises:
            ValueError: symbolic parameters, a horizon that is not a positive number of steps.
        """
        if not self.numeric:
            raise ValueError(f"the regime needs numeric parameters; got {self!r}")
        refuse_text(horizon, "horizon")
        if horizon is not None and (not isinstance(horizon, numbers.Real) or isinstance(horizon, bool)
                                    or not horizon > 0 or horizon != horizon):
            raise ValueError(f"horizon must be a positive number of steps; got {horizon!r}")
        if horizon is None or horizon == float("inf"):
            T = sp.oo
        else:
            T = sp.Integer(int(horizon)) if isinstance(horizon, numbers.Integral) else sp.Rational(float(horizon))
        code = regime_rule().subs({lam: self.values[lam] + self.values[omega], growth: self.growth_offset(),
                                   horizon_symbol: T})
        return regime_name(code)

    def diffusion_coefficient(self) -> DiffusionCoefficient:
        r"""The flat-mode diffusion coefficient (:func:`flat_diffusion`): per step
        :math:`\eta^2 D/(2(1 - \beta)^2)`, per unit time :math:`t = \eta k`: :math:`\eta D/(2(1 - \beta)^2)`.

        It is the slope of :math:`\operatorname{Var} y_k / 2` for :math:`1/(1 - \beta) \ll k` at
        :math:`\lambda = \Gamma = \omega = 0`, and for :math:`k \ll` :meth:`crossover_steps` when
        :math:`\omega > 0` confines the flat mode."""
        per_step = sp.factor(self.substitute(flat_diffusion(self.nesterov)))
        per_time = sp.factor(per_step / self.values[eta])
        return DiffusionCoefficient(per_time=self._number(per_time), per_step=self._number(per_step))

    def langevin(self) -> Mode:
        r"""The Langevin counterpart: the overdamped equation at the effective learning rate :math:`\eta/(1 -
        \beta)` and curvature :math:`\lambda + \omega` (:func:`effective_sgd`; a :class:`~sgdfp.derive.Mode` under
        Langevin dynamics, its "step" :math:`k` the time :math:`\eta k/(1 - \beta)`).

        It is the chain's leading order for times beyond :math:`1/(1 - \beta)` steps, with the same
        :math:`\mathcal D_\mathrm{eff}` per step; its stationary variance misses the exact one by
        :math:`D\eta^2/(4(1 - \beta^2)) + O(\eta^3)` (heavy ball, at a critical point)."""
        from sgdfp.derive.mode.dynamics import LANGEVIN

        x = self.values
        effective = {s: self.substitute(e) for s, e in effective_sgd().items()}
        return Mode(effective[lam], x[D], effective[eta], x[Gamma], x[gbar], x[rho], dynamics=LANGEVIN)

    def crossover_steps(self) -> sp.Expr:
        r""":math:`k_\times = \operatorname{Var}_\infty y / (2\mathcal D_\mathrm{eff})`: where the free diffusion
        :math:`2\mathcal D_\mathrm{eff}k` reaches the stationary variance (``oo`` without a stationary law).

        For the flat mode with weight decay, :math:`k_\times = (1 - \beta^2)/(a(2(1 + \beta) - a))` with
        :math:`a = \eta\omega` (heavy ball): about :math:`(1 - \beta)/(2\eta\omega)` steps."""
        variance = self.stationary_variance()
        if variance is sp.nan or (variance.is_number and not variance.is_finite):
            return sp.oo
        per_step = self.substitute(flat_diffusion(self.nesterov))
        ratio = variance / (2 * per_step)
        return self._number(ratio) if self.numeric else sp.factor(sp.cancel(ratio))

    # ------------------------------------------------------------------ LaTeX
    def equations(self) -> list[tuple[str, sp.Basic]]:
        r"""``(lhs, rhs)`` pairs of the optimiser's formulas (generic parameters): the map, the Jury conditions
        :math:`J_i > 0` in :math:`a = \eta(\lambda + \omega)`, :math:`\beta`, :math:`s = \eta^2\Gamma`, and
        :math:`\mathcal D_\mathrm{eff}`."""
        inc = self.optimizer.update().increment
        rows: list[tuple[str, sp.Basic]] = [("v_{k+1}", v + inc[1]), ("y_{k+1}", y + inc[0]),
                                            ("a", eta * (lam + omega)), ("s", eta**2 * Gamma)]
        rows += [(rf"J_{{{i + 1}}}", c) for i, c in enumerate(stability_conditions(self.nesterov))]
        rows.append((r"\mathcal{D}_\mathrm{eff}", flat_diffusion(self.nesterov)))
        return rows

    def value_rows(self) -> list[tuple[str, sp.Basic]]:
        """``(lhs, value)`` pairs for a numeric mode: q, the threshold, the stationary variance, D_eff, k_x."""
        if not self.numeric:
            raise ValueError(f"the values need numeric parameters; got {self!r}")
        return [("q", self.contraction()), (r"\eta^*", self.stability_threshold()),
                (r"\operatorname{Var}_\infty y", self.stationary_variance()),
                (r"\mathcal{D}_\mathrm{eff}", self.diffusion_coefficient().per_step),
                (r"k_\times", self.crossover_steps())]

    def latex(self) -> str:
        r"""The formulas (:meth:`equations`) as an ``align*`` block, then, for a numeric mode, the values."""
        out = align((lhs, latex(rhs)) for lhs, rhs in self.equations())
        if self.numeric:
            shown = [(lhs, sp.Float(x, 6) if x.is_number and x.is_finite else x) for lhs, x in self.value_rows()]
            out += "\n" + align((lhs, latex(x)) for lhs, x in shown)
        return out


_lr = sp.Symbol("eta_threshold", positive=True)
