r"""The stationary density of a mode's *truncated* discrete Fokker--Planck equation, beside Langevin's.

For :math:`P_{k+1} - P_k = -\partial_y[M_1 P] + \tfrac12\partial_y^2[M_2 P]` (the master equation of the
mode map kept to :math:`\eta^2`) the zero-flux solution is :math:`P \propto M_2^{-1}\exp\int 2M_1/M_2\,dy`.
With :math:`\bar g = \rho = 0` it is the power law
:math:`\propto (D + (\lambda^2 + \Gamma)y^2)^{-1 - \lambda/(\eta(\lambda^2 + \Gamma))}`.

This is the law of the *truncated* equation. The exact map's stationary law has a power-law tail too
when the curvature is random (Kesten), but with another exponent, and without curvature noise the
map's law is Gaussian while the truncated density still has a power-law tail: the two agree on the
variance (which the truncation keeps exactly), not on the tail. :mod:`~sgdfp.derive.mode.exact_law`
computes the map's own tail index (and :meth:`~sgdfp.derive.Mode.stationary_moments` its higher moments).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from sgdfp.derive.inputs import as_expr, as_integer, as_symbol

__all__ = ["StationaryDensity", "stationary_density", "integrate_drift_ratio"]


@dataclass(frozen=True)
class StationaryDensity:
    r"""Zero-flux stationary solution of a truncated Fokker--Planck equation, unnormalised.

    ``tail_exponent`` :math:`\alpha` means :math:`P \sim |y|^{-\alpha}` (``oo`` for a Gaussian tail): the tail
    of the *truncated equation's* density, not of the SGD map's stationary law. The map's tail is Kesten's,
    :math:`P(|y| > t) \sim c\,t^{-\alpha_K}` with :math:`\mathbb{E}|1 - \eta h|^{\alpha_K} = 1`
    (:meth:`sgdfp.derive.Mode.tail_index`), which depends on the whole law of :math:`h`; this density's survival
    exponent ``tail_exponent - 1`` sees only :math:`\lambda, \Gamma, \eta`, and is finite even where the map's law
    is Gaussian (:math:`\Gamma = 0`).
    """

    variable: sp.Symbol
    density: sp.Expr
    tail_exponent: sp.Expr
    langevin_density: sp.Expr
    langevin_tail_exponent: sp.Expr

    def __post_init__(self):
        # the densities are compiled by lambdify, which would run text as code: SymPy objects only
        as_symbol(self.variable, "variable")
        for name in ("density", "tail_exponent", "langevin_density", "langevin_tail_exponent"):
            as_expr(getattr(self, name), name)

    def normalisable(self, langevin: bool = False) -> sp.Basic:
        r"""Whether the density has a finite mass, :math:`\alpha > 1` (``sympy.true``/``false`` for numbers, the
        condition otherwise). For :math:`\lambda < 0` neither the truncated equation's solution
        (:math:`\alpha < 0`: it grows) nor Langevin's (:math:`e^{+|\lambda| y^2/\ldots}`) is a law: a saddle
        direction has no stationary law, whatever the formula says.

        Raises:
            TypeError: ``langevin`` not a bool.
        """
        if not isinstance(langevin, bool):
            raise TypeError(f"langevin must be True or False; got {langevin!r}")
        tail = self.langevin_tail_exponent if langevin else self.tail_exponent
        if tail == sp.oo:
            return sp.true
        if tail == -sp.oo:
            return sp.false
        return sp.sympify(tail > 1)

    def variance(self, langevin: bool = False, dps: int = 30) -> float:
        """Variance by numerical quadrature (numeric parameters only); ``nan`` when infinite.

        Raises:
            TypeError: ``langevin`` not a bool, ``dps`` not an integer.
            ValueError: ``dps`` below 5; a density with free parameters besides the variable.
        """
        if not isinstance(langevin, bool):
            raise TypeError(f"langevin must be True or False; got {langevin!r}")
        dps = as_integer(dps, "dps", minimum=5)
        density = self.langevin_density if langevin else self.density
        tail = self.langevin_tail_exponent if langevin else self.tail_exponent
        if (density.free_symbols | tail.free_symbols) - {self.variable}:
            raise ValueError("the variance by quadrature needs a density with numeric parameters")
        if tail != sp.oo and not sp.sympify(tail > 3):
            return float("nan")
        f = sp.lambdify(self.variable, density, "mpmath")
        with mpmath.workdps(dps):
            mass = mpmath.quad(f, [-mpmath.inf, 0, mpmath.inf])
            first = mpmath.quad(lambda v: v * f(v), [-mpmath.inf, 0, mpmath.inf]) / mass
            second = mpmath.quad(lambda v: v * v * f(v), [-mpmath.inf, 0, mpmath.inf]) / mass
            return float(second - first**2)


def integrate_drift_ratio(ratio: sp.Expr, y: sp.Symbol) -> sp.Expr:
    r"""An antiderivative in ``y`` of the zero-flux ratio :math:`2M_1/M_2`.

    For a mode :math:`M_1` is linear and :math:`M_2` quadratic in ``y``. SymPy's ``integrate`` returns 0
    (wrongly) for :math:`(ay + b)/(cy^2 + dy + e)` with symbolic coefficients, so that case is split by
    hand into :math:`\tfrac{a}{2c}\log(cy^2 + dy + e)` plus the arctangent of the remainder; anything
    else goes to ``integrate``. The result is checked by differentiation in the tests.

    Raises:
        TypeError: text (never parsed), or ``y`` not a Symbol.
    """
    ratio, y = as_expr(ratio, "ratio"), as_symbol(y, "y")
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


def tail_exponent(m1: sp.Expr, m2: sp.Expr, y: sp.Symbol) -> sp.Expr:
    r"""The :math:`\alpha` of :math:`P \sim |y|^{-\alpha}` for :math:`P \propto M_2^{-1}e^{\int 2M_1/M_2}`.

    For :math:`M_1 \sim a y` and :math:`M_2 \sim c y^2` at large :math:`|y|`, :math:`-y\,(\log P)' \to 2 - 2a/c`;
    a diffusion that does not grow quadratically gives a Gaussian tail (``oo``) when the drift restores.
    Other forms go to SymPy's limit."""
    if m1.is_polynomial(y) and m2.is_polynomial(y):
        top, bottom = sp.Poly(m1, y), sp.Poly(m2, y)
        if top.degree() == 1 and bottom.degree() == 2:
            return sp.factor(2 - 2 * top.LC() / bottom.LC())
        if top.degree() == 1 and bottom.degree() == 0 and top.LC().is_negative:
            return sp.oo
    exponent = integrate_drift_ratio(2 * m1 / m2, y)
    return sp.simplify(sp.limit(-y * sp.diff(exponent - sp.log(m2), y), y, sp.oo))


def stationary_density(series_pair, substitute, variable: sp.Symbol, y: sp.Symbol) -> StationaryDensity:
    """The zero-flux densities of two 1-D series (discrete Fokker--Planck, Langevin generator) with a mode's values.

    Args:
        series_pair: the two :class:`~sgdfp.derive.KramersMoyalSeries`, generic parameters.
        substitute: maps a generic expression to the mode's values.
        variable: the symbol of the returned densities; ``y`` the series' state variable.

    Raises:
        TypeError: ``substitute`` not callable, ``variable`` or ``y`` not a Symbol.
    """
    if not callable(substitute):
        raise TypeError(f"substitute must be a function of an expression; got {type(substitute).__name__}")
    variable, y = as_symbol(variable, "variable"), as_symbol(y, "y")
    out = []
    for series in series_pair:
        # exact rationals for floats: SymPy's rational integration fails on inexact coefficients
        m1 = sp.nsimplify(substitute(series.coefficients.get((1,), 0)), rational=True)
        m2 = sp.nsimplify(substitute(series.coefficients.get((2,), 0)), rational=True)
        exponent = integrate_drift_ratio(2 * m1 / m2, y)
        weight = sp.powsimp(sp.expand_power_exp(sp.exp(exponent).rewrite(sp.Pow)))
        density = sp.powsimp(sp.factor_terms(weight / m2), force=True).subs(y, variable)
        out += [density, tail_exponent(m1, m2, y)]
    return StationaryDensity(variable, out[0], out[1], out[2], out[3])
