r"""The random quadratic near a critical point: SGD on a quadratic loss, its exact mean and second-moment
recursions, the mode map in the eigenbasis (from the mode catalogue) and two modes coupled by their noise.
"""

from __future__ import annotations

from itertools import combinations_with_replacement

import sympy as sp

from sgdfp.document.builder import DocumentBuilder
from sgdfp.document.display import Row
from sgdfp.document.gather import Derived, select
from sgdfp.document.layout import Printer
from sgdfp.document.sections.engine import update_rows

__all__ = ["write_quadratic"]


def _symmetric(letter: str, dim: int) -> sp.Matrix:
    return sp.Matrix(dim, dim, lambda i, j: sp.Symbol(f"{letter}_{{{min(i, j) + 1}{max(i, j) + 1}}}", real=True))


def write_quadratic(b: DocumentBuilder, derived: Derived) -> None:
    """Section 6: the quadratic's update and moment recursions, the mode map and its noise, a pair of modes."""
    from sgdfp.derive import eta, kramers_moyal, pair_recursion, parameters, sgd_update

    dim = derived.dim
    b.section("The random quadratic near a critical point", "quadratic")
    x = parameters(dim, "x")
    hess, cov = _symmetric("H", dim), _symmetric("C", dim)
    gvec = sp.Matrix([sp.Symbol(f"gbar_{i + 1}", real=True) for i in range(dim)])
    xv = sp.Matrix(x)
    quadratic = sgd_update((xv.T * hess * xv)[0] / 2 + (gvec.T * xv)[0], x, eta, cov)
    series = kramers_moyal(quadratic, quadratic.density(), 2)
    means = [sp.Symbol(f"m_{i + 1}", real=True) for i in range(dim)]
    seconds = {(i, j): sp.Symbol(f"S_{{{i + 1}{j + 1}}}", real=True)
               for i, j in combinations_with_replacement(range(dim), 2)}

    def expectation(poly_expr: sp.Expr) -> sp.Expr:
        """E_k of a polynomial of degree <= 2 in x, in terms of m = E x and S = E x x^T."""
        poly = sp.Poly(sp.expand(poly_expr), *x)
        total = sp.Integer(0)
        for monom, coeff in poly.terms():
            idx = [i for i, e in enumerate(monom) for _ in range(e)]
            total += coeff * (1 if not idx else means[idx[0]] if len(idx) == 1 else seconds[tuple(idx)])
        return sp.collect(sp.expand(total), eta)

    b.text(r"""
Near a critical point $\theta^*$, with $x = \theta - \theta^*$, the minibatch gradient is
$g_B + H_B x$. With a fixed Hessian $H$ (mean gradient $\bar g$ and gradient noise of covariance
$C$ per step), SGD on the quadratic is""")
    b.equation("quadratic-update", *update_rows(quadratic))
    b.text(r"""
The Kramers--Moyal expansion to second order is exact for observables of degree two; its adjoint on
$x_i$ and $x_ix_j$ gives the recursions for the mean $m = \mathbb{E}x$ and the second moment
$S = \mathbb{E}[xx^\top]$ (primes: the next step),""")
    b.equation("quadratic-mean", [Row(f"m'_{{{i + 1}}}", expectation(x[i] + series.adjoint(x[i])))
                                  for i in range(dim)])
    b.equation("quadratic-second-moment",
               [Row(f"S'_{{{i + 1}{j + 1}}}", expectation(x[i] * x[j] + series.adjoint(x[i] * x[j])))
                for i, j in combinations_with_replacement(range(dim), 2)])
    b.text(r"""
a discrete Lyapunov equation, $S' = ASA^\top + \eta^2 C + (\text{mean terms})$ with
$A = I - \eta H$; curvature noise adds a multiplicative term $\eta^2\,\mathbb{E}[\Xi S\Xi^\top]$.
In the eigenbasis of $H$ a mode $y$ with curvature $h$ and gradient $g$, both random, follows""")
    b.catalogue("mode-update", select(derived.general_mode, "mode-update"))
    b.text(r"""
with $\mathbb{E}h = \lambda$, $\operatorname{Var}h = \Gamma$ (curvature noise),
$\mathbb{E}g = \bar g$, $\operatorname{Var}g = D$ (gradient noise) and $\operatorname{Cov}(h, g) = \rho$,
that is""")
    b.catalogue("mode-noise", select(derived.general_mode, "mode-noise"))
    rate, source, (_, _, noise_covariance) = pair_recursion()
    cov_now = sp.Symbol("covnow")
    pair = Printer({cov_now: r"\operatorname{Cov}_k(y_a, y_b)", noise_covariance: r"\tilde C_{ab}"})
    b.text(r"""
Two modes $a$, $b$ without curvature noise, whose gradient noises have covariance $\tilde C_{ab}$ in
the eigenbasis, stay correlated:""")
    b.equation("mode-pair-covariance", [Row(r"\operatorname{Cov}_{k+1}(y_a, y_b)", rate * cov_now + source)], pair)
    b.text(r"""
so the modes decouple exactly when the rotated noise is diagonal.""")
