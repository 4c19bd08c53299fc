r"""The regime rule, once: which of four behaviours a mode shows over a horizon of :math:`T` steps.

The rule is one SymPy ``Piecewise`` in the curvature :math:`\lambda`, the growth offset
:math:`u = q - 1` of the second moment per step (from the mode's :class:`~sgdfp.derive.Dynamics`, in a
form that does not cancel) and the horizon :math:`T` (:math:`T = \infty` without one). Its pieces
are tested in order and the first that holds wins:

- ``"diffusive"``: :math:`u = 0`, or :math:`|u| < 1/T` -- the variance neither settles nor runs away within
  the horizon (its relaxation time :math:`1/|1 - q|` exceeds :math:`T`; at :math:`q = 1` exactly it grows
  linearly, at every horizon). A flat mode with curvature noise (:math:`\lambda = 0`, :math:`\Gamma > 0`) has
  :math:`u = \eta^2\Gamma > 0`: diffusive only while :math:`T < 1/u`, unstable beyond;
- ``"confined"``: :math:`u < 0` (:math:`q < 1`: a stationary law);
- ``"escaping"``: :math:`\lambda < 0` (a saddle direction);
- ``"unstable"``: otherwise (:math:`\lambda > 0` and :math:`q \ge 1`: edge of stability, or curvature noise).

:meth:`sgdfp.derive.Mode.regime` evaluates it; :mod:`sgdfp.numerics` compiles it for arrays of modes;
the LaTeX document prints :func:`regime_conditions`; the pytest plugin's growth bands come from
:func:`diffusive_band`.
"""

from __future__ import annotations

import operator
from functools import cache
from typing import TYPE_CHECKING

from sgdfp.derive.mode import parameters

if TYPE_CHECKING:
    import sympy as sp

__all__ = ["REGIMES", "growth", "regime_rule", "regime_conditions", "regime_name",  # noqa: F822
           "diffusive_band"]  # growth is created on first use, so that REGIMES costs no SymPy import

#: The regimes, in the order of their integer codes in :func:`regime_rule`.
REGIMES = ("confined", "diffusive", "unstable", "escaping")


@cache
def _growth():
    import sympy

    return sympy.Symbol("u", real=True)


def __getattr__(name: str):
    if name == "growth":  # the growth offset u = q - 1 of the second moment per step (created on first use)
        return _growth()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def regime_rule() -> sp.Piecewise:
    """The rule as a ``Piecewise`` in ``(lambda, u, T)`` whose value is the regime's index in :data:`REGIMES`."""
    import sympy as sp

    lam, horizon, growth = parameters.lam, parameters.horizon, _growth()
    code = {name: sp.Integer(i) for i, name in enumerate(REGIMES)}
    return sp.Piecewise(
        (code["diffusive"], sp.Or(sp.Eq(growth, 0), sp.Abs(growth) < 1 / horizon)),
        (code["confined"], growth < 0),
        (code["escaping"], lam < 0),
        (code["unstable"], True))


def regime_conditions() -> dict[str, sp.Basic]:
    """Each regime's condition as the rule states it (tested in this order; the first that holds wins)."""
    return {REGIMES[int(value)]: condition for value, condition in regime_rule().args}


def regime_name(code) -> str:
    """The regime of an integer code of :func:`regime_rule`.

    Raises:
        ValueError: not one of the codes 0..3.
    """
    index = operator.index(code) if hasattr(code, "__index__") and not isinstance(code, bool) else -1
    if not 0 <= index < len(REGIMES):
        raise ValueError(f"a regime code is an integer in 0..{len(REGIMES) - 1}; got {code!r}")
    return REGIMES[index]


def diffusive_band(horizon_value) -> tuple[sp.Expr, sp.Expr]:
    r"""The contraction factors :math:`q` that bound the diffusive band at a horizon, solved from the rule.

    The rule's horizon condition is a bound on :math:`|u|`; its edges solve :math:`|u| = 1/T`, that is
    :math:`q = 1 \mp 1/T`.

    Args:
        horizon_value: :math:`T > 0`, a number of steps (``sympy.oo`` for no horizon) or a SymPy expression.

    Raises:
        TypeError: text (never parsed) or anything that is not a number or expression.
        ValueError: a number that is not positive.
    """
    import sympy as sp

    from sgdfp.derive.inputs import as_expr

    horizon_value = as_expr(horizon_value, "horizon_value")
    if horizon_value.is_number and not (horizon_value.is_extended_real and horizon_value > 0):
        raise ValueError(f"the horizon must be a positive number of steps; got {horizon_value}")

    growth, horizon = _growth(), parameters.horizon
    condition = regime_rule().args[0][1]
    (bound,) = [c for c in sp.Or.make_args(condition) if c.has(horizon)]
    edges = sp.solve(sp.Eq(bound.lhs, bound.rhs), growth)
    low, high = sorted(edges, key=lambda e: float(e.subs(horizon, 2)))
    return 1 + low.subs(horizon, horizon_value), 1 + high.subs(horizon, horizon_value)
