r"""The momentum section: heavy-ball and Nesterov momentum with coupled weight decay on the state :math:`(y, v)`.

Everything printed is derived by :mod:`sgdfp.derive.mode.momentum` from the update itself: the map, its jump
moments, the second-moment block of the exact moment recursion, the Jury conditions of stability, the stationary
covariance at a critical point, the flat mode's diffusion coefficient, the weight-decay crossover, and the
difference from the Langevin counterpart (the overdamped equation at the effective learning rate
:math:`\eta/(1 - \beta)`).
"""

from __future__ import annotations

from itertools import combinations_with_replacement

import sympy as sp

from sgdfp.document.builder import DocumentBuilder
from sgdfp.document.display import Row
from sgdfp.document.gather import Derived

__all__ = ["write_momentum"]


def write_momentum(b: DocumentBuilder, derived: Derived) -> None:
    """Section 13: momentum and weight decay, for one mode."""
    from sgdfp.derive import MomentumMode
    from sgdfp.derive.mode.momentum import (
        critical_stationary_covariance,
        flat_diffusion,
        momentum_update,
        reduced_noise,
        second_moment_block,
        stability_conditions,
    )
    from sgdfp.derive.mode.parameters import D, Gamma, beta, lam, omega, v, y
    from sgdfp.derive.symbols import eta
    from sgdfp.derive.update import jump_moment

    s = reduced_noise
    heavy, nesterov = momentum_update(False), momentum_update(True)
    b.section("Momentum and weight decay", "momentum")
    b.text(r"""
Heavy-ball momentum keeps a velocity $v$ beside the mode coordinate; with the minibatch curvature $h$ and
gradient $g$ of the mode map and L2 weight decay $\omega$ coupled to the gradient, one step is""")
    b.equation("momentum-update", [Row("v_{k+1}", v + heavy.increment[1]), Row("y_{k+1}", y + heavy.increment[0])])
    b.text(r"""
and Nesterov's takes the gradient at the look-ahead point $y + \beta v$:
$v_{k+1} = """ + sp.latex(v + nesterov.increment[1]) + r"""$. The engine expands this update on the state
$(y, v)$ like any other; its first two jump moments (heavy ball) are""")
    rows = []
    for n in (1, 2):
        tensor = jump_moment(heavy, n)
        for index in combinations_with_replacement(range(2), n):
            rows.append(Row(f"M^{{({n})}}_{{{''.join('yv'[i] for i in index)}}}", sp.factor(tensor[index])))
    b.equation("momentum-jump-moments", rows)
    b.text(r"""
The increment of $y$ does not vanish at $\eta = 0$ (the velocity carries $\beta v$), so the expansion is
truncated by jump order, not in powers of $\eta$; for the first two moments of this linear map order 2 is
exact ($(h, g)$ are drawn afresh each step). Its adjoint closes on
$(1, \mathbb{E}y, \mathbb{E}v, \mathbb{E}y^2, \mathbb{E}yv, \mathbb{E}v^2)$. The
second moments $(\mathbb{E}y^2, \mathbb{E}yv, \mathbb{E}v^2)$ move by a block that depends only on
$a = \eta(\lambda + \omega)$, $\beta$ and $s = \eta^2\Gamma$ (heavy ball):""")
    b.equation("momentum-second-moments", [Row("B", sp.Matrix(second_moment_block(False)))])
    b.text(r"""
Its spectral radius $q$ takes the place of SGD's $(1 - \eta\lambda)^2 + \eta^2\Gamma$ in the regime rule
(read with the curvature $\lambda + \omega$). By the Jury conditions of its characteristic polynomial the
second moments contract, $q < 1$, exactly when all of""")
    b.equation("momentum-stability", [Row(f"J_{i + 1}", c) for i, c in enumerate(stability_conditions(False))])
    b.text(r"""
are positive. For heavy ball only $J_1$ binds ($J_3 > 0$ for every $\beta < 1$), and the threshold learning
rate, the root of $J_1$ in $\eta$, is""")
    heavy_mode = MomentumMode(lam, D, eta, Gamma, momentum=beta, weight_decay=omega)
    b.equation("momentum-threshold", [Row(r"\eta^*", heavy_mode.stability_threshold())])
    b.text(r"""
For Nesterov momentum the other conditions can bind first (a complex pair leaves the unit disc), and
\texttt{sgdfp} finds the edge for numeric modes. At a critical point ($\bar g = \rho = 0$) the stationary variance, heavy ball and Nesterov, is""")
    heavy_variance = critical_stationary_covariance(False)[0]
    nesterov_variance = critical_stationary_covariance(True)[0]
    b.equation("momentum-stationary-variance", [
        Row(r"\operatorname{Var}_\infty y", heavy_variance, "=", r"\quad\text{(heavy ball)}"),
        Row(r"\operatorname{Var}_\infty y", sp.factor(nesterov_variance.subs(s, 0)), "=",
            r"\quad\text{(Nesterov, $\Gamma = 0$)}")])
    b.text(r"""
The Langevin counterpart is the overdamped equation at the effective learning rate $\eta/(1 - \beta)$
and curvature $\lambda + \omega$; it agrees at leading order in $\eta$ and the difference from the exact
map's stationary variance is""")
    langevin = heavy_mode.langevin().stationary_variance()
    difference = sp.factor(sp.series(heavy_mode.stationary_variance() - langevin, eta, 0, 3).removeO())
    b.equation("momentum-langevin-difference", [
        Row(r"\operatorname{Var}_\infty y - \operatorname{Var}^{\mathrm{Langevin}}_\infty y",
            difference, "=", r"+ O(\eta^3)\quad\text{(heavy ball)}")])
    b.text(r"""
A flat mode ($\lambda = \Gamma = \omega = 0$) diffuses; from the left eigenvector of the flat block for the
eigenvalue 1, its diffusion coefficient per step is, heavy ball and Nesterov alike,""")
    per_step = flat_diffusion(False)
    b.equation("momentum-diffusion", [Row(r"\mathcal{D}_\mathrm{eff}", per_step)])
    b.text(r"""
$1/(1 - \beta)^2$ times SGD's, so per unit time $\eta k$ it stays proportional to $\eta$. Weight decay confines
the flat mode: its variance stops growing after about $k_\times$ steps, at""")
    flat = MomentumMode(0, D, eta, 0, momentum=beta, weight_decay=omega)
    b.equation("momentum-weight-decay", [Row(r"\operatorname{Var}_\infty y\big|_{\lambda = \Gamma = 0}",
                                             sp.factor(flat.stationary_variance())),
                                         Row(r"k_\times", sp.factor(flat.crossover_steps()))])

