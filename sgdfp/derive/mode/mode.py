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
and above take the noise Gaussian beyond its covariance unless higher joint cumulants of :math:`(h, g)`
are given (``cumulants=``, or :meth:`Mode.from_samples` from per-sample data); the moment recursion
of any order then carries them.

Besides the moments, :class:`Mode` answers for the exact map's stationary law
(:mod:`~sgdfp.derive.mode.exact_law`): the Lyapunov exponent, the almost-sure stability threshold and
Kesten's tail index, from a law of :math:`h` -- the one given (``curvature_law=``), the exact minibatch
law of a mode built from samples, or else :math:`\mathcal N(\lambda, \Gamma)`. The tail of
:meth:`Mode.stationary_density` is that of the truncated Fokker--Planck equation, not the map's.

Numeric modes are evaluated exactly: the parameters are kept as the exact rationals their floats
are, the growth offset :math:`q - 1 = \eta(\eta(\lambda^2 + \Gamma) - 2\lambda)` is formed without
cancellation, and matrix powers run at 50 digits, so that a nearly flat mode
(:math:`\lambda = 10^{-12}`) is as exact as a stiff one.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import sympy as sp

from sgdfp.derive.fokker_planck import discrete_fokker_planck
from sgdfp.derive.inputs import as_expr, as_symbol, refuse_text
from sgdfp.derive.minibatch import Sampling
from sgdfp.derive.mode.density import StationaryDensity, stationary_density
from sgdfp.derive.mode.dynamics import LANGEVIN, SGD, SME2, Dynamics, get_dynamics, raw_discrete_matrix
from sgdfp.derive.mode.exact_law import (
    CurvatureLaw,
    GaussianCurvature,
    MapResult,
    almost_sure_threshold,
    lyapunov_exponent,
    minibatch_curvature_law,
    tail_index,
)
from sgdfp.derive.mode.parameters import MODE_PARAMETERS, D, Gamma, lam, rho, y
from sgdfp.derive.mode.parameters import horizon as horizon_symbol
from sgdfp.derive.mode.regime import growth, regime_name, regime_rule
from sgdfp.derive.mode.sample_cumulants import minibatch_mode_cumulants
from sgdfp.derive.mode.update import MomentRecursion, check_cumulant_orders, cumulant_symbol, mode_update
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
        cumulants: joint cumulants of :math:`(h, g)` beyond the covariance, ``{(i, j): value}`` with
            :math:`i + j \ge 3` (``(0, 4)`` the fourth cumulant of :math:`g`, ``(3, 0)`` the third of :math:`h`,
            ``(2, 1)`` a joint one); those not given are zero. :meth:`moment_recursion` and
            :meth:`stationary_moments` use them; the mean and variance do not depend on them.
        curvature_law: the law of :math:`h` (a :class:`~sgdfp.derive.CurvatureLaw`, with mean :math:`\lambda`
            and variance :math:`\Gamma`) for the exact map's questions (:meth:`tail_index`,
            :meth:`lyapunov_exponent`, :meth:`almost_sure_threshold`); :math:`\mathcal N(\lambda, \Gamma)` when
            omitted.

    Raises:
        TypeError: text or another non-numeric value (text is never parsed); a ``curvature_law`` that is not a
            :class:`~sgdfp.derive.CurvatureLaw`.
        ValueError: negative variances, :math:`\eta \le 0`, :math:`\rho^2 > \Gamma D`, a value that is not
            a finite real number, an unknown dynamics, a cumulant order of total order :math:`\le 2` or given
            twice, a ``curvature_law`` whose mean or variance is not :math:`\lambda` or :math:`\Gamma`.

    Example:
        >>> Mode(curvature=1, grad_noise=2, lr=sp.Rational(1, 10)).stationary_variance()
        2/19
    """

    def __init__(self, curvature, grad_noise, lr, curvature_noise=0, mean_grad=0, cross=0, *,
                 dynamics: Dynamics | str | None = None, cumulants: Mapping | None = None,
                 curvature_law: CurvatureLaw | None = None):
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
        self.cumulants = self._check_cumulants(cumulants)
        self._floats = self._floats or any(v.has(sp.Float) for v in self.cumulants.values())
        self.values = {**self.values, **{cumulant_symbol(i, j): sp.Rational(v) if v.is_Float else v
                                         for (i, j), v in self.cumulants.items()}}
        self._law = self._check_law(curvature_law)
        self._samples: tuple | None = None  # (per-sample curvatures, batch size, sampling) of from_samples
        self._cache: dict = {}

    @staticmethod
    def _check_cumulants(cumulants) -> dict[tuple[int, int], sp.Expr]:
        if cumulants is None:
            return {}
        if not isinstance(cumulants, Mapping):
            raise TypeError(f"cumulants must map joint cumulant orders (i, j) of (h, g) to values; got "
                            f"{type(cumulants).__name__}")
        orders = check_cumulant_orders(cumulants)
        if len(orders) != len(cumulants):
            raise ValueError("a joint cumulant order is given twice in cumulants")
        out = {}
        for order in orders:
            value = as_expr(cumulants[order], f"the cumulant {order}")
            if value.is_number and (value.is_real is False or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo)):
                raise ValueError(f"the cumulant {order} must be a finite real number; got {value}")
            out[order] = value
        return out

    def _check_law(self, law) -> CurvatureLaw | None:
        if law is None:
            return None
        if not isinstance(law, CurvatureLaw):
            raise TypeError(f"curvature_law must be a sgdfp.derive.CurvatureLaw; got {type(law).__name__}")
        for name, symbol, value in (("mean", lam, law.mean), ("variance", Gamma, law.variance)):
            own = self.values[symbol]
            if own.is_number and abs(float(value) - float(own)) > 1e-9 * max(1.0, abs(float(own))):
                raise ValueError(f"curvature_law has {name} {float(value)!r} but the mode's "
                                 f"{'curvature' if symbol is lam else 'curvature_noise'} is {float(own)!r}")
        return law

    @classmethod
    def from_samples(cls, curvatures: Sequence, gradients: Sequence, lr, batch_size: int, sampling: Sampling = "with",
                     order: int = 4, *, dynamics: Dynamics | str | None = None) -> Mode:
        r"""The mode of minibatch SGD on per-sample data: exact minibatch cumulants, and the exact minibatch law of
        :math:`h` for the exact map's questions.

        :math:`\lambda, \Gamma, \bar g, D, \rho` and the higher joint cumulants up to ``order`` are those of the
        minibatch means :math:`(h_B, g_B)` (:func:`~sgdfp.derive.minibatch_mode_cumulants`, with or without
        replacement); :meth:`tail_index` and the thresholds use the law of :math:`h_B`, enumerated on first use
        (:func:`~sgdfp.derive.minibatch_curvature_law`).

        Args:
            curvatures, gradients: per-sample :math:`h_a`, :math:`g_a` (exact: floats are taken as their rationals).
            lr: :math:`\eta`; batch_size: :math:`b`; sampling: ``"with"`` or ``"without"`` replacement.
            order: the highest total order of the cumulants kept (:math:`\ge 2`).

        Raises:
            TypeError, ValueError: as :func:`~sgdfp.derive.minibatch_mode_cumulants` and :class:`Mode`.

        Example:
            >>> Mode.from_samples([1, 1, 1], [-1, 0, 1], lr=sp.Rational(1, 2), batch_size=1).stationary_excess_kurtosis()
            -9/10
        """
        if isinstance(order, bool) or not isinstance(order, int) or order < 2:
            raise ValueError(f"order must be an integer >= 2; got {order!r}")
        cum = minibatch_mode_cumulants(curvatures, gradients, batch_size, sampling, order)
        mode = cls(cum[(1, 0)], cum[(0, 2)], lr, cum[(2, 0)], cum[(0, 1)], cum[(1, 1)], dynamics=dynamics,
                   cumulants={k: v for k, v in cum.items() if sum(k) >= 3 and v != 0})
        mode._samples = (tuple(curvatures), int(batch_size), sampling)
        return mode

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
        other.cumulants, other._law, other._samples = self.cumulants, self._law, self._samples
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
        if self.cumulants:
            suffix += f", cumulants={ {k: v for k, v in self.cumulants.items()} }"
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
        r"""The SGD map's exact recursion for :math:`\mathbb{E}[y^j]`, :math:`j \le n`.

        Derived by the engine from the mode map with this mode's joint cumulants of :math:`(h, g)` up to order
        ``n`` (``cumulants``; Gaussian beyond the covariance where none are given), whatever the dynamics.
        """
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"the moment order must be a positive integer; got {n!r}")
        higher = tuple(order for order, value in self.cumulants.items() if sum(order) <= n and value != 0)
        return MomentRecursion(sp.ImmutableMatrix(self._matrix(("raw", n), raw_discrete_matrix(n, higher))))

    def stationary_moments(self, n: int) -> tuple[sp.Expr, ...]:
        r"""The stationary raw moments :math:`\mathbb{E}[y^j]`, :math:`j = 1..n`, of the SGD map: the fixed point of
        :meth:`moment_recursion` (with this mode's higher cumulants).

        A numeric mode checks that they exist: :math:`\mathbb{E}|y|^j < \infty` exactly when
        :math:`\mathbb{E}|1 - \eta h|^j < 1` (Kesten's :math:`\alpha > j`), which the recursion decides at even
        orders, where :math:`\mathbb{E}|1 - \eta h|^{m} = \mathbb{E}(1 - \eta h)^{m}` is its diagonal. With
        :math:`m` the largest even order :math:`\le n + 1` where it holds, the moments up to :math:`m` are returned;
        beyond, an even moment is ``oo`` (infinite) and an odd one ``nan`` (infinite absolute moment, so no
        value: ``tail_index()`` says where). A symbolic mode gets the formulas, valid where they exist.

        Raises:
            ValueError: ``n`` not a positive integer.
        """
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"the moment order must be a positive integer; got {n!r}")
        top = n + n % 2  # an even order: its diagonal entry is E|1 - eta h|^top
        A = self.moment_recursion(top).matrix
        numeric = all(e.is_number for e in A)
        finite = top
        if numeric:
            finite = next((m - 2 for m in range(2, top + 1, 2) if not A[m, m] < 1), top)
        moments = [sp.Integer(1)]
        for j in range(1, n + 1):
            if j > finite:
                moments.append(sp.oo if j % 2 == 0 else sp.nan)
                continue
            total = A[j, 0] + sum((A[j, i] * moments[i] for i in range(1, j)), sp.Integer(0))
            value = total / (1 - A[j, j])
            moments.append(value if numeric else sp.factor(sp.simplify(value)))
        return tuple(self._number(m) for m in moments[1:])

    def stationary_excess_kurtosis(self) -> sp.Expr:
        r"""The stationary excess kurtosis :math:`\mu_4/\mu_2^2 - 3` of the SGD map, from :meth:`stationary_moments`.

        ``oo`` where the fourth moment is infinite but the variance finite (Kesten's :math:`2 < \alpha \le 4`);
        ``nan`` where the variance is infinite or there is no stationary law (as :meth:`stationary_variance`).
        Gaussian noise without curvature noise gives 0: the map's law is Gaussian, although the truncated
        Fokker--Planck density (:meth:`stationary_density`) has a power-law tail.
        """
        moments = (sp.Integer(1),) + self.stationary_moments(4)
        if any(m.has(sp.nan) for m in moments[:3]) or moments[2] == sp.oo:
            return sp.nan
        if moments[4] == sp.oo:
            return sp.oo
        m1 = moments[1]
        central = [sum((sp.binomial(k, i) * moments[i] * (-m1) ** (k - i) for i in range(k + 1)), sp.Integer(0))
                   for k in (2, 4)]
        value = central[1] / central[0] ** 2 - 3
        return self._number(value if value.is_number else sp.factor(sp.simplify(value)))

    # ------------------------------------------------------------------ the exact map's law
    def curvature_law(self) -> CurvatureLaw:
        r"""The law of :math:`h` the exact map's questions use: ``curvature_law`` if given, the exact minibatch law
        for a mode from :meth:`from_samples` (enumerated on first use), else :math:`\mathcal N(\lambda, \Gamma)`.

        Raises:
            ValueError: a symbolic :math:`\lambda` or :math:`\Gamma`; cumulants of :math:`h` alone beyond the
                variance without a law (they do not define one: pass ``curvature_law``); a minibatch law with
                too many minibatches to enumerate.
        """
        if self._law is not None:
            return self._law
        if self._samples is not None:
            if "law" not in self._cache:
                curvatures, batch_size, sampling = self._samples
                self._cache["law"] = minibatch_curvature_law(curvatures, batch_size, sampling)
            return self._cache["law"]
        if not (self.values[lam].is_number and self.values[Gamma].is_number):
            raise ValueError(f"the exact map's law needs numeric curvature and curvature_noise; got {self!r}")
        shaped = [order for order, value in self.cumulants.items() if order[1] == 0 and value != 0]
        if shaped:
            raise ValueError(f"the cumulants {shaped} of h do not define its law; pass curvature_law= (e.g. a "
                             "DiscreteCurvature or DensityCurvature) for the exact map's tail and thresholds")
        return GaussianCurvature(self.values[lam], self.values[Gamma])

    def _numeric_lr(self):
        if not self.values[eta].is_number:
            raise ValueError(f"the exact map's law needs a numeric learning rate; got lr={self.lr}")
        return self.values[eta]

    def lyapunov_exponent(self) -> float:
        r"""The Lyapunov exponent :math:`\mathbb{E}\log|1 - \eta h|` of the SGD map under :meth:`curvature_law`:
        negative where the map is almost surely stable (possibly beyond :meth:`stability_threshold`).

        Raises:
            ValueError: as :meth:`curvature_law`; a symbolic learning rate.
        """
        return lyapunov_exponent(self.curvature_law(), self._numeric_lr())

    def almost_sure_threshold(self) -> MapResult:
        r"""The learning rate :math:`\eta_{\mathrm{as}}` up to which the SGD map is almost surely stable
        (:func:`~sgdfp.derive.almost_sure_threshold` of :meth:`curvature_law`; this mode's :math:`\eta` is not
        used). It is at least the mean-square :meth:`stability_threshold` :math:`2\lambda/(\lambda^2 + \Gamma)`,
        and larger with curvature noise: between the two the map has a stationary law of infinite variance.

        Raises:
            ValueError: as :meth:`curvature_law`.
        """
        return almost_sure_threshold(self.curvature_law())

    def tail_index(self) -> MapResult:
        r"""Kesten's tail index of the SGD map's stationary law: the root :math:`\alpha > 0` of
        :math:`\mathbb{E}|1 - \eta h|^\alpha = 1` under :meth:`curvature_law`, :math:`P(|y| > t) \sim c\,t^{-\alpha}`.

        This is the exact map's tail; the ``tail_exponent`` of :meth:`stationary_density` is the truncated
        equation's density exponent, :math:`2 + 2\lambda/(\eta(\lambda^2 + \Gamma))`, a survival exponent one
        less, and differs from it at every finite :math:`\eta` (without curvature noise the map has no power
        tail at all).

        Returns:
            A :class:`~sgdfp.derive.MapResult`: ``value=None`` with the reason where there is no root (not almost
            surely stable, :math:`|1 - \eta h| \le 1` almost surely) or where :math:`g = 0` almost surely
            (the stationary law is the point mass at 0).

        Raises:
            ValueError: as :meth:`curvature_law`; a symbolic learning rate.
        """
        law, rate = self.curvature_law(), self._numeric_lr()
        if (self.values[D] == 0 and self.values[MODE_PARAMETERS[4].symbol] == 0
                and not any(order[0] == 0 and value != 0 for order, value in self.cumulants.items())):
            return MapResult("tail index", None, "g = 0 almost surely (D = mean_grad = 0): the stationary law is the "
                                                 "point mass at 0")
        return tail_index(law, rate)

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

        It is not the law of the SGD map: its ``tail_exponent`` is the truncated equation's, and the map's tail
        index is Kesten's (:meth:`tail_index`, the root of :math:`\mathbb{E}|1 - \eta h|^\alpha = 1`). For
        :math:`h \sim \chi^2_4/4`, :math:`\eta = 1` the density's survival exponent is :math:`7/3`, the map's
        :math:`3.50`; without curvature noise the map's law is Gaussian for Gaussian :math:`g` (excess kurtosis 0,
        :meth:`stationary_excess_kurtosis`) while the density keeps a power-law tail. The density also ignores
        ``cumulants``.

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

