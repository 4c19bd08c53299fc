r"""The master equation of a discrete update and its truncations.

With jump moments :math:`M^{(n)}` the master equation
:math:`P_{k+1}(\theta) = \mathbb{E}_\xi\!\int \delta(\theta - \theta' - \Delta(\theta',\xi))\,P_k(\theta')\,d\theta'`
expands (Kramers--Moyal) into

.. math::
    P_{k+1} - P_k = \sum_{n\ge1} \frac{(-1)^n}{n!}\,\partial_{i_1}\cdots\partial_{i_n}\!\left[M^{(n)}_{i_1\dots i_n} P_k\right].

Everything below is built from the jump moments of the update; no Fokker--Planck term is typed in.

- :func:`kramers_moyal` keeps the jump moments up to a given order;
- :func:`discrete_fokker_planck` truncates consistently at :math:`\eta^K` (the discrete
  Fokker--Planck equation for :math:`K = 2`);
- :func:`langevin_fokker_planck` is the per-step Brownian model: drift :math:`M^{(1)}` and the
  *centred* covariance :math:`M^{(2)} - M^{(1)}M^{(1)\top}` only;
- :func:`langevin_flow` is the Fokker--Planck flow of the Langevin SDE (the weak-order-1 modified
  equation) over one step of time :math:`\eta`, :math:`e^{\eta\mathcal L} - 1`, expanded in :math:`\eta`;
- :func:`langevin_step_difference` and :func:`langevin_flow_difference` are what SGD has that
  those models lack. For SGD the first is :math:`\tfrac{\eta^2}{2}\partial_i\partial_j[\partial_iL\,\partial_jL\,P]`
  and the second is the drift correction :math:`\nabla(\tfrac{\eta}{4}|\nabla L|^2)` of the
  second-order modified equation, acting for one step of time :math:`\eta`.
"""

from __future__ import annotations

from itertools import combinations_with_replacement

import sympy as sp

from sgdfp.derive.inputs import as_expr, refuse_text
from sgdfp.derive.modified import modified_equation
from sgdfp.derive.operators import KramersMoyalSeries
from sgdfp.derive.update import DiscreteUpdate, jump_moment, require_small_increment

__all__ = [
    "kramers_moyal",
    "discrete_fokker_planck",
    "langevin_fokker_planck",
    "langevin_flow",
    "langevin_step_difference",
    "langevin_flow_difference",
]


def _check(update: DiscreteUpdate, density: sp.Expr) -> sp.Expr:
    if not isinstance(update, DiscreteUpdate):
        raise TypeError(f"update must be a DiscreteUpdate; got {type(update).__name__}")
    return as_expr(density, "density")


def _check_order(order: int, name: str) -> None:
    refuse_text(order, name)
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"{name} must be a positive integer; got {order!r}")


def _multi_index(indices: tuple[int, ...], dim: int) -> tuple[int, ...]:
    return tuple(indices.count(i) for i in range(dim))


def kramers_moyal(update: DiscreteUpdate, density: sp.Expr, order: int) -> KramersMoyalSeries:
    r"""The Kramers--Moyal expansion of :math:`P_{k+1} - P_k`, keeping jump moments up to ``order``.

    Args:
        update: the discrete update.
        density: any expression in the state, e.g. ``sp.Function("P")(x, y)`` or a concrete density.
        order: the highest jump moment kept.

    Returns:
        The series :math:`\sum_{n\le\text{order}} \frac{(-1)^n}{n!}\partial^n[M^{(n)} P]`, with the
        symmetric index sums collected into multi-indices. For a polynomial observable of degree
        ``n`` the expansion to order ``n`` is exact.
    """
    density = _check(update, density)
    _check_order(order, "order")
    cache = update._series
    if ("kramers_moyal", order) not in cache:  # built once per update and order, shown on any density
        coefficients = {}
        for n in range(1, order + 1):
            moment = jump_moment(update, n)
            for idx in combinations_with_replacement(range(update.dim), n):
                coefficients[_multi_index(idx, update.dim)] = moment[idx]
        cache["kramers_moyal", order] = KramersMoyalSeries(update.state, coefficients, update.density())
    return cache["kramers_moyal", order]._copy(density=density)


def discrete_fokker_planck(update: DiscreteUpdate, density: sp.Expr, eta_order: int = 2) -> KramersMoyalSeries:
    r"""The master equation truncated consistently at :math:`\eta^K`, ``K = eta_order``.

    Since :math:`M^{(n)} = O(\eta^n)` when the increment is :math:`O(\eta)`, this keeps jump
    moments up to order :math:`K` and drops every power of :math:`\eta` above :math:`K`. For SGD at
    :math:`K = 2`:
    :math:`P_{k+1} - P_k = \eta\,\partial_i[\partial_iL\,P] + \tfrac{\eta^2}{2}\partial_i\partial_j[(\Sigma_{ij} + \partial_iL\,\partial_jL)P]`.

    Raises:
        ValueError: an increment does not vanish at :math:`\eta = 0` (then no finite truncation in
            :math:`\eta` is consistent; use :func:`kramers_moyal`).
    """
    density = _check(update, density)
    _check_order(eta_order, "eta_order")
    require_small_increment(update)
    return kramers_moyal(update, density, eta_order).truncate(update.lr, eta_order)


def langevin_fokker_planck(update: DiscreteUpdate, density: sp.Expr) -> KramersMoyalSeries:
    r"""The per-step Langevin (Brownian) form: drift :math:`M^{(1)}` and centred covariance.

    .. math:: P_{k+1} - P_k = -\partial_i[M^{(1)}_i P] + \tfrac12\partial_i\partial_j[(M^{(2)}_{ij} - M^{(1)}_i M^{(1)}_j) P]

    This is the Fokker--Planck equation of :math:`d\theta = -\nabla L\,dt + \sqrt{\eta\Sigma}\,dW`
    written per step: it has the one-step covariance of SGD but not its squared drift.
    """
    density = _check(update, density)
    d = update.dim
    m1, m2 = jump_moment(update, 1), jump_moment(update, 2)
    coefficients = {}
    for i in range(d):
        coefficients[_multi_index((i,), d)] = m1[i]
        for j in range(i, d):
            coefficients[_multi_index((i, j), d)] = m2[i, j] - m1[i] * m1[j]
    return KramersMoyalSeries(update.state, coefficients, density)


def langevin_flow(update: DiscreteUpdate, density: sp.Expr, eta_order: int = 2) -> KramersMoyalSeries:
    r"""The Langevin flow over one step of time :math:`\eta`, :math:`P(t+\eta) - P(t)`, to :math:`\eta^K`.

    :math:`\mathcal L` is the Fokker--Planck operator (per unit time) of the weak-order-1 modified
    equation (:func:`sgdfp.derive.modified_equation`), and the flow is
    :math:`e^{\eta\mathcal L} - 1 = \sum_{m\ge1} \frac{\eta^m}{m!}\mathcal L^m`, truncated at :math:`\eta^K`.
    """
    density = _check(update, density)
    _check_order(eta_order, "eta_order")
    lr = update.lr
    step = modified_equation(update, order=1).generator(density).scale(lr)  # eta * L
    term = step.truncate(lr, eta_order)
    flow = term
    for m in range(2, eta_order + 1):
        term = term.compose(step, lr, eta_order).scale(sp.Rational(1, m))  # eta^m L^m / m!
        flow = flow + term
    return _relabel(flow, r"P(t + \eta) - P(t)")


def langevin_step_difference(update: DiscreteUpdate, density: sp.Expr, eta_order: int = 2) -> KramersMoyalSeries:
    r"""Discrete Fokker--Planck minus the per-step Langevin form, to :math:`\eta^K`.

    For SGD at :math:`K = 2` this is
    :math:`\tfrac{\eta^2}{2}\partial_i\partial_j[\partial_iL\,\partial_jL\,P]`: the squared drift that
    Brownian noise of the same covariance does not have.
    """
    difference = discrete_fokker_planck(update, density, eta_order) - langevin_fokker_planck(update, density)
    return _relabel(difference.truncate(update.lr, eta_order), r"\Delta_{\mathrm{step}}")


def langevin_flow_difference(update: DiscreteUpdate, density: sp.Expr, eta_order: int = 2) -> KramersMoyalSeries:
    r"""Discrete Fokker--Planck minus the Langevin flow over time :math:`\eta`, to :math:`\eta^K`.

    For SGD at :math:`K = 2` this is
    :math:`\eta\,\partial_i[\partial_i(\tfrac{\eta}{4}|\nabla L|^2)\,P]`: exactly the drift
    correction that turns the Langevin equation into the second-order modified equation.
    """
    difference = discrete_fokker_planck(update, density, eta_order) - langevin_flow(update, density, eta_order)
    return _relabel(difference, r"\Delta_{\mathrm{flow}}")


def _relabel(series: KramersMoyalSeries, lhs: str) -> KramersMoyalSeries:
    return series._copy(lhs=lhs)  # the same operator, coefficients in whatever form they are held
