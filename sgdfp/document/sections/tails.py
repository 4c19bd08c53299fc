r"""The exact map's stationary law beside the truncated equation's: higher cumulants, Lyapunov, Kesten.

The moment recursion with the joint cumulants :math:`\kappa_{i,j}` of :math:`(h, g)` is derived here by the
engine (:func:`sgdfp.derive.mode.dynamics.raw_discrete_matrix` with the orders kept symbolic) and printed
as it comes; the Kesten equation and the Lyapunov condition are the objects of
:mod:`sgdfp.derive.mode.exact_law`, and the truncated density's tail exponent is the catalogue's.
"""

from __future__ import annotations

import sympy as sp

from sgdfp.document.builder import DocumentBuilder
from sgdfp.document.display import Row
from sgdfp.document.gather import Derived
from sgdfp.document.layout import Printer

__all__ = ["write_tails"]

#: The moment order of the printed recursion with cumulants (its last row carries every order up to it).
ORDER = 4


def write_tails(b: DocumentBuilder, derived: Derived) -> None:
    """Section 12: higher cumulants in the moment recursion; almost-sure stability; Kesten's tail index.

    ``derived`` is not read: the section derives its own objects (the recursion with cumulants, the exact law)."""
    from sgdfp.derive.mode.dynamics import raw_discrete_matrix
    from sgdfp.derive.mode.exact_law import DensityCurvature, kesten_equation, lyapunov_condition, tail_index
    from sgdfp.derive.mode.mode import Mode
    from sgdfp.derive.mode.parameters import D, Gamma, gbar, lam, rho
    from sgdfp.derive.mode.update import MomentRecursion, cumulant_symbol
    from sgdfp.derive.symbols import eta

    orders = tuple((i, j) for i in range(ORDER + 1) for j in range(ORDER + 1 - i) if i + j >= 3)
    recursion = MomentRecursion(raw_discrete_matrix(ORDER, orders))
    names = {**MomentRecursion.moment_names(ORDER), **{cumulant_symbol(i, j): rf"\kappa_{{{i},{j}}}" for i, j in orders}}
    printer = Printer(names)
    b.section("The exact map's tail and higher moments", "tails")
    b.text(r"""
The truncated density of \eqref{eq:stationary-density} keeps the variance of the map exactly, but neither its
higher moments nor its tail. The moments of every order follow from the map itself: with $y$ independent of
the step's $(h, g)$, $\mathbb{E}[y'^n] = \sum_j \binom{n}{j}\,\mathbb{E}[(1 - \eta h)^j(-\eta g)^{n-j}]\,
\mathbb{E}[y^j]$, and the expectations need the joint cumulants $\kappa_{i,j}$ of $(h, g)$ of total order up
to $n$ (for a minibatch, those of the minibatch means, from the per-sample cumulants as in
\eqref{eq:gradient-noise}). Derived by the engine with every $\kappa_{i,j}$, $i + j \ge 3$, kept, the recursion
of the """ + f"{ORDER}" + r"""th moment at a critical point ($\bar g = \rho = 0$) is""")
    critical = {gbar: 0, rho: 0}
    # the truncated equation's density exponent, as Mode.stationary_density derives it
    truncated = Mode(lam, D, eta, Gamma).stationary_density().tail_exponent
    lhs, rhs = recursion.rows()[ORDER - 1]
    rhs = sp.collect(sp.expand(rhs.xreplace(critical)), list(MomentRecursion.moment_names(ORDER)))
    b.equation("moment-recursion-cumulants", [Row(lhs, rhs)], printer)
    b.text(r"""
Gaussian noise sets every $\kappa_{i,j}$ with $i + j \ge 3$ to zero and gives \eqref{eq:moment-recursion}.
Without curvature noise ($\Gamma = 0$, $h = \lambda$) and Gaussian $g$ the map is linear with Gaussian
input, its stationary law is Gaussian (excess kurtosis $0$), whereas the truncated density's tail exponent
$2 + 2/(\eta\lambda)$ gives it a power law (at $\eta\lambda = 1/2$ a Student law of excess kurtosis $6$).

The first moment settles when $|1 - \eta\lambda| < 1$ and the second when the contraction $q < 1$
\eqref{eq:mode-contraction}; the law itself settles under a weaker condition. The map
$y' = (1 - \eta h)\,y - \eta g$ is a random affine recursion, which is almost surely stable, with a stationary
law, when its Lyapunov exponent is negative,""")
    b.equation("lyapunov-condition", [Row(r"\Lambda(\eta)", lyapunov_condition().lhs, relation="=", note=r"< 0.")])
    b.text(r"""
By Jensen's inequality $2\Lambda \le \log\mathbb{E}(1 - \eta h)^2 = \log q$: the mean-square threshold
\eqref{eq:stability-threshold} is inside the almost-sure one, and with curvature noise strictly: between the
two the map has a stationary law of infinite variance. Its tail is Kesten's: where $\Lambda < 0$ and
$|1 - \eta h| > 1$ with positive probability, the equation""")
    equation = kesten_equation()
    b.equation("kesten-equation", [Row(equation.lhs, equation.rhs)])
    b.text(r"""
has one root $\alpha > 0$ ($\log\mathbb{E}|1 - \eta h|^\alpha$ is convex in $\alpha$, zero at $\alpha = 0$,
with slope $\Lambda$ there), and $P(|y| > t) \sim c\,t^{-\alpha}$; the moments $\mathbb{E}|y|^n$ are finite
exactly for $n < \alpha$, which is where the fixed point of the moment recursion is the stationary moment.
The root depends on the whole law of $h$, not on $\lambda$ and $\Gamma$ alone. It differs from the truncated
density's exponent \eqref{eq:tail-exponent}, $\alpha_{\mathrm{tail}} = """ + sp.latex(
        sp.apart(truncated, eta)) + r"""$, in which only $\lambda$, $\Gamma$ and
$\eta$ enter:""")
    # the example, computed: h ~ chi^2_4 / 4 = Gamma(2, 1/2), the curvature of a minibatch of 4 Gaussian features
    chi2 = Mode(1, 1, 1, sp.Rational(1, 2))
    survival = chi2.stationary_density().tail_exponent - 1
    kesten = float(tail_index(DensityCurvature.gamma(2, sp.Rational(1, 2)), 1))
    b.text(r"""
a density exponent whose survival exponent is one less. For the curvature of a minibatch of $b = 4$ standard
Gaussian features, $h \sim \chi^2_4/4$ ($\lambda = 1$, $\Gamma = 1/2$), at $\eta = 1$ the truncated density
has survival exponent $""" + sp.latex(survival) + rf"""$, while Kesten's root is $\alpha = {kesten:.4f}$: the
map's law has a finite third moment, the truncated density has none. The toolkit reports both, each under
its name (\texttt{{Mode.tail\_index}} and \texttt{{Mode.stationary\_density().tail\_exponent}}).""")
