r"""The mode theory's sections: moment recursions, closed forms, regimes and thresholds, the flat mode's
diffusion and the stationary density.

Every display here prints equations of the mode catalogue (:func:`sgdfp.derive.mode_equations`), chosen by
their ``label`` (one numbered display per label) and printed as the catalogue holds them -- the regimes
are the rule :func:`sgdfp.derive.regime_rule` that classifies every mode. Only a few left-hand sides are
restated where the document shows a special case (:math:`\lambda = \Gamma = 0`, :math:`\Gamma = 0`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import sympy as sp

from sgdfp.document.builder import DocumentBuilder
from sgdfp.document.gather import Derived, select

__all__ = ["write_moments", "write_closed_forms", "write_regimes", "write_diffusion", "write_density",
           "has_long_divided_differences"]


def has_long_divided_differences(equations: Iterable) -> bool:
    r"""Whether a right side holds a divided difference of three or more nodes, printed
    ``\left(x^{k}\right)\left[\dots\right]``."""
    from sgdfp.derive.powers import ExpDivDiff, PowerDivDiff

    return any(len(f.args) > 3 for e in equations if isinstance(e.rhs, sp.Basic)
               for f in e.rhs.atoms(PowerDivDiff, ExpDivDiff))


def _restated(equations: Iterable, condition: str) -> tuple:
    r"""The equations with ``\big|_{condition}`` on their left sides (a special case of the general form)."""
    return tuple(replace(e, lhs=rf"{e.lhs}\big|_{{{condition}}}") for e in equations)


def write_moments(b: DocumentBuilder, derived: Derived) -> None:
    """Section 7: the exact, closed recursion of the moments of one mode (all six parameters)."""
    order = derived.moment_order
    b.section("Moment recursions", "moments")
    b.text(rf"""
The mode's update is linear in $y$, so the adjoint of its Kramers--Moyal expansion maps $y^j$ to a
polynomial of degree $j$: the moments up to order {order} obey the exact, closed, lower-triangular
recursion (noise Gaussian beyond its covariance)""")
    b.catalogue("moment-recursion", select(derived.general_mode, "moment-recursion"))


def write_closed_forms(b: DocumentBuilder, derived: Derived) -> None:
    """Section 8: contraction, mean and variance after k steps (SGD, Langevin, SME-2), stationary variances,
    relaxation time; then the mean and variance away from a critical point."""
    mode = derived.critical_mode
    b.section("Closed forms for one mode", "mode")
    b.text(r"""
Solving \eqref{eq:moment-recursion} in closed form: at a critical point ($\bar g = \rho = 0$) the
contraction factor of the second moment per step is""")
    b.catalogue("mode-contraction", select(mode, "mode-contraction"))
    b.text(r"""
and the mean and the variance (from $\mathbb{E}y_0 = y_0$ and from $y_0 = 0$; the variance written with
$q$ of \eqref{eq:mode-contraction}) are""")
    b.catalogue("mode-mean", select(mode, "mode-mean"))
    b.catalogue("mode-variance", select(mode, "mode-variance"))
    b.text(r"""
The Langevin model and the second-order modified equation (SME-2) give, at time $t = \eta k$,""")
    b.catalogue("mode-langevin-variance", select(mode, "mode-langevin-variance"))
    b.catalogue("mode-sme2-variance", select(mode, "mode-sme2-variance"))
    b.text(r"Where they exist, the stationary variances are")
    b.catalogue("mode-stationary-variance", select(mode, "mode-stationary-variance"))
    b.text(r"""
SGD's stationary variance exceeds Langevin's at every finite $\eta$ (the denominators differ by
$\eta\lambda^2$; without curvature noise Langevin's is $\eta D/(2\lambda)$). The variance forgets its
initial value over""")
    b.catalogue("mode-relaxation", select(mode, "mode-relaxation"))
    b.text(r"steps.")

    general = derived.general_mode
    b.text(r"""
Away from a critical point the mean gradient $\bar g$ and the cross-covariance $\rho$ of curvature and
gradient enter: the mean settles at""")
    b.catalogue("mode-stationary-mean", select(general, "mode-stationary-mean"))
    b.text(r"and the stationary variances become")
    b.catalogue("mode-stationary-variance-general", select(general, "mode-stationary-variance"))
    b.text(r"while after $k$ steps")
    finite = select(general, "mode-mean"), select(general, "mode-variance")
    b.catalogue("mode-mean-general", finite[0])
    b.catalogue("mode-variance-general", finite[1])
    if has_long_divided_differences(finite[0] + finite[1]):
        b.text(r"""
Here $(f)[x_0, \dots, x_m]$ is the divided difference of $f$ at the nodes $x_0, \dots, x_m$:
$(f)[x_0] = f(x_0)$ and $(f)[x_0, \dots, x_m] = \bigl((f)[x_0, \dots, x_{m-1}] - (f)[x_1, \dots, x_m]\bigr)
/(x_0 - x_m)$, that is $\sum_i f(x_i)/\prod_{j \ne i}(x_i - x_j)$ for distinct nodes. With $f(x) = x^k$ and
the per-step factors of the moments (the diagonal of \eqref{eq:moment-recursion}) as nodes, it is how
the $k$-th power of the lower-triangular recursion enters; $(x^k)[a, b] = (a^k - b^k)/(a - b)$ is written
out, and the longer ones are kept in this form, which stays finite where nodes meet (a flat mode).""")


def write_regimes(b: DocumentBuilder, derived: Derived) -> None:
    """Section 9: the stability threshold, the regime rule and where only Langevin is stable."""
    mode = derived.critical_mode
    b.section("Regimes and thresholds", "regimes")
    b.text(r"""
The second moment contracts when $q < 1$ \eqref{eq:mode-contraction}. For $\lambda > 0$ this fails
beyond the learning rate""")
    b.catalogue("stability-threshold", select(mode, "stability-threshold"))
    b.text(r"""
With $T$ the horizon in steps ($T = \infty$ without one), a mode is in one of four regimes. The
conditions are tested in this order and the first that holds wins; over a finite horizon a mode whose
relaxation time $1/|1 - q|$ exceeds $T$ looks diffusive. This is the rule by which \texttt{sgdfp}
classifies every mode:""")
    b.catalogue("regimes", select(mode, "regimes"))
    b.text(r"""
Curvature noise makes SGD unstable where Langevin still has a stationary law:""")
    b.catalogue("langevin-only-stable", select(mode, "langevin-only-stable"))
    b.text(r"""
that is, $\lambda(2 - \eta\lambda) \le \eta\Gamma < 2\lambda$: stable for Langevin, unstable for SGD.""")


def write_diffusion(b: DocumentBuilder, derived: Derived) -> None:
    """Section 10: the diffusion coefficient, and the variance of a flat mode."""
    b.section("Diffusion coefficient of a flat mode", "diffusion")
    b.text(r"""
A nearly flat mode ($\lambda \to 0$) has no stationary law; half its one-step centred variance at the
critical point is the diffusion coefficient, per unit time $t = \eta k$ and per step:""")
    b.catalogue("diffusion-coefficient", select(derived.critical_mode, "diffusion-coefficient"))
    b.text(r"""
Without curvature noise the variance of a flat mode grows linearly, $2\mathcal{D}_t\,t$: diffusion
with a coefficient proportional to $\eta$,""")
    b.catalogue("flat-mode-variance", _restated(select(derived.flat_mode, "mode-variance"),
                                                r"\lambda = 0,\ \Gamma = 0"))


def write_density(b: DocumentBuilder, derived: Derived) -> None:
    """Section 11: the stationary density of the truncated equation, its tail, and Langevin's."""
    mode = derived.critical_mode
    b.section("Stationary density", "density")
    b.text(r"""
The zero-flux stationary solution of the discrete Fokker--Planck equation of the mode (at $\eta^2$)
is a power law, not a Gaussian,""")
    b.catalogue("stationary-density", select(mode, "stationary-density"))
    b.catalogue("tail-exponent", select(mode, "tail-exponent"))
    b.text(r"""
with $P_\infty \sim |y|^{-\alpha_{\mathrm{tail}}}$: its variance is finite exactly when $q < 1$, and then
equals the exact stationary variance \eqref{eq:mode-stationary-variance} of the map. The Langevin
model's stationary density is""")
    b.catalogue("langevin-stationary-density", select(mode, "langevin-stationary-density"))
    b.text(r"""
Without curvature noise ($\Gamma = 0$) the two are""")
    b.catalogue("stationary-density-no-curvature-noise",
                _restated(select(derived.additive_mode, "stationary-density", "langevin-stationary-density"),
                          r"\Gamma = 0"))
    b.text(r"""
the Langevin density is the Gaussian of the Ornstein--Uhlenbeck process, while SGD's keeps a power-law
tail at every finite learning rate.""")
