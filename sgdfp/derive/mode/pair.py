r"""Two modes coupled by their gradient noise: the cross-covariance recursion, derived from the two-mode map.

For modes :math:`a, b` with deterministic curvatures and gradient noises of covariance :math:`\tilde C_{ab}`,
the engine gives :math:`\operatorname{Cov}_{k+1} = r\operatorname{Cov}_k + s` with
:math:`r = (1 - \eta\lambda_a)(1 - \eta\lambda_b)` and :math:`s = \eta^2\tilde C_{ab}`.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from sgdfp.derive.fokker_planck import kramers_moyal
from sgdfp.derive.noise import Noise
from sgdfp.derive.symbols import eta
from sgdfp.derive.update import DiscreteUpdate

__all__ = ["pair_recursion"]


@cache
def pair_recursion() -> tuple[sp.Expr, sp.Expr, tuple[sp.Symbol, ...]]:
    """``(r, s, (lambda_a, lambda_b, C_ab))`` with ``Cov' = r Cov + s``, derived by the engine."""
    ya, yb, ga, gb = sp.symbols("y_a y_b g_a g_b", real=True)
    la, lb, c, da, db = sp.symbols("lambda_a lambda_b c D_a D_b", real=True)
    noise = Noise.gaussian([ga, gb], [0, 0], [[da, c], [c, db]])  # centred coordinates
    update = DiscreteUpdate([ya, yb], [-eta * (la * ya + ga), -eta * (lb * yb + gb)], noise, eta)
    change = kramers_moyal(update, sp.Function("P")(ya, yb), 2).adjoint(ya * yb)
    poly = sp.Poly(change + ya * yb, ya, yb)
    if set(poly.monoms()) - {(1, 1), (0, 0)}:
        raise AssertionError("centred cross-moment does not close")  # cannot happen for this update
    return sp.factor(poly.coeff_monomial(ya * yb)), sp.factor(poly.coeff_monomial(1)), (la, lb, c)
