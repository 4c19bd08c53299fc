r"""Coupled modes: the diagonal of the second-moment recursion, derived by the engine, and its pairwise closure.

In the eigenbasis of the mean Hessian (:math:`H = \mathrm{diag}(\lambda)`), mode :math:`i` moves by

.. math:: y_i' = y_i - \eta\,\big(\lambda_i y_i + \textstyle\sum_j \Xi_{ij} y_j + \bar g_i + \zeta_i\big),

with the minibatch's curvature fluctuation :math:`\Xi = H_B - H` (symmetric) and gradient fluctuation
:math:`\zeta = g_B - \bar g`, both of mean zero and drawn afresh each step. The adjoint of the Kramers--Moyal
expansion (:func:`diagonal_step`) gives, exactly, with :math:`s_i = \mathbb{E}[y_i^2]`, :math:`m_i = \mathbb{E}[y_i]`
and :math:`S_{jl} = \mathbb{E}[y_j y_l]`,

.. math::
    s_i' = (1 - \eta\lambda_i)^2 s_i + \eta^2 \sum_{j,l}\operatorname{Cov}(\Xi_{ij}, \Xi_{il})\,S_{jl}
           - 2\eta(1 - \eta\lambda_i)\bar g_i m_i + 2\eta^2\sum_j \operatorname{Cov}(\Xi_{ij}, \zeta_i)\,m_j
           + \eta^2(C_{ii} + \bar g_i^2).

The mean Hessian is diagonal here, so the off-diagonal second moments enter the diagonal *only* through the
curvature noise. The pairwise closure (:func:`closure`) drops them there (:math:`S_{jl} \to 0` for
:math:`j \ne l`, :func:`dropped_terms`), which leaves a closed recursion on the vector :math:`s`,

.. math:: s' = (1 - \eta\lambda)^{\odot 2}\odot s + \eta^2 V s - 2\eta(1 - \eta\lambda)\odot\bar g\odot m
          + 2\eta^2 R\,m + \eta^2(\mathrm{diag}\,C + \bar g^{\odot 2}),

with :math:`V_{ij} = \operatorname{Var}(\Xi_{ij}) = \operatorname{Var}_B[e_i^\top H_B e_j]` (the pairs' curvature
noise; :math:`V_{ii} = \Gamma_i`) and :math:`R_{ij} = \operatorname{Cov}(\Xi_{ij}, \zeta_i)` (:math:`R_{ii} = \rho_i`).
With :math:`V` and :math:`R` diagonal it is the one-mode theory of :class:`~sgdfp.derive.Mode`, mode by mode: the
coupling is the stiff modes' variance feeding the flat ones through :math:`\eta^2 V_{fs} s_s`.
:func:`closure_matrix_form` writes it with matrices, for the comparison; :mod:`sgdfp.numerics.coupled` evaluates it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from sgdfp.derive.symbols import eta

__all__ = ["DiagonalStep", "diagonal_step", "closure", "closure_matrix_form", "dropped_terms"]


@dataclass(frozen=True)
class DiagonalStep:
    r"""The symbols of a ``dim``-mode step and what the engine derives for it.

    Attributes:
        curvatures: :math:`\lambda_i`; ``mean_grad``: :math:`\bar g_i`; ``mean``: :math:`m_i = \mathbb{E}y_i`.
        second: :math:`S_{jl} = \mathbb{E}[y_jy_l]` (symmetric); its diagonal is :math:`s`.
        gradient_noise: :math:`C = \operatorname{Cov}(\zeta)` (symmetric).
        curvature_noise: ``(a, b, c, d) -> Cov(Xi_ab, Xi_cd)`` (``a <= b``, ``c <= d``; symmetric between pairs).
        cross: ``(a, b, c) -> Cov(Xi_ab, zeta_c)`` (``a <= b``).
        next_mean, next_second: :math:`\mathbb{E}[y_i']` and :math:`\mathbb{E}[y_i'^2]`, exact, from the engine.
    """

    dim: int
    curvatures: tuple[sp.Symbol, ...]
    mean_grad: tuple[sp.Symbol, ...]
    mean: tuple[sp.Symbol, ...]
    second: sp.Matrix
    gradient_noise: sp.Matrix
    curvature_noise: dict
    cross: dict
    next_mean: tuple[sp.Expr, ...]
    next_second: tuple[sp.Expr, ...]

    def pair_curvature_noise(self) -> sp.Matrix:
        r""":math:`V_{ij} = \operatorname{Var}(\Xi_{ij})` in this step's symbols."""
        return sp.Matrix(self.dim, self.dim, lambda i, j: self.curvature_noise[(*_pair(i, j), *_pair(i, j))])

    def pair_cross(self) -> sp.Matrix:
        r""":math:`R_{ij} = \operatorname{Cov}(\Xi_{ij}, \zeta_i)` in this step's symbols."""
        return sp.Matrix(self.dim, self.dim, lambda i, j: self.cross[(*_pair(i, j), i)])


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a <= b else (b, a)


def diagonal_step(dim: int = 2) -> DiagonalStep:
    r"""Derive :math:`\mathbb{E}[y_i']` and :math:`\mathbb{E}[y_i'^2]` for ``dim`` modes with the engine.

    The update is a :class:`~sgdfp.derive.DiscreteUpdate` in the noise symbols :math:`\Xi_{ab}` (``a <= b``) and
    :math:`\zeta_a` with symbolic covariances; the second moments of a linear update involve the noise's moments
    up to order two only, so declaring it Gaussian assumes nothing. The adjoint of its Kramers--Moyal series at
    order two is exact on quadratic observables; its expectation replaces :math:`y_jy_l \to S_{jl}`,
    :math:`y_j \to m_j`.
    """
    from sgdfp.derive.fokker_planck import kramers_moyal
    from sgdfp.derive.noise import Noise
    from sgdfp.derive.update import DiscreteUpdate

    if isinstance(dim, bool) or not isinstance(dim, int) or not 1 <= dim <= 3:
        raise ValueError(f"dim must be an integer from 1 to 3 (explicit coordinates); got {dim!r}")
    y = sp.symbols(f"y_1:{dim + 1}", real=True)
    lam = sp.symbols(f"lambda_1:{dim + 1}", real=True)
    gbar = sp.symbols(f"\\bar{{g}}_1:{dim + 1}", real=True)
    mean = sp.symbols(f"m_1:{dim + 1}", real=True)
    pairs = sorted({_pair(a, b) for a in range(dim) for b in range(dim)})
    xi = {p: sp.Symbol(f"\\Xi_{{{p[0] + 1}{p[1] + 1}}}", real=True) for p in pairs}
    zeta = sp.symbols(f"\\zeta_1:{dim + 1}", real=True)
    second = sp.Matrix(dim, dim, lambda i, j: sp.Symbol(f"S_{{{min(i, j) + 1}{max(i, j) + 1}}}", real=True))
    C = sp.Matrix(dim, dim, lambda i, j: sp.Symbol(f"C_{{{min(i, j) + 1}{max(i, j) + 1}}}", real=True))
    curvature_noise, cross = {}, {}
    for p in pairs:
        for q in pairs:
            first, last = sorted((p, q))
            curvature_noise[(*p, *q)] = sp.Symbol(
                f"Q_{{{first[0] + 1}{first[1] + 1},{last[0] + 1}{last[1] + 1}}}", real=True)
        for c in range(dim):
            cross[(*p, c)] = sp.Symbol(f"R_{{{p[0] + 1}{p[1] + 1},{c + 1}}}", real=True)
    # the noise's covariance over (Xi_p for p in pairs, zeta_c)
    families = [("h", p) for p in pairs] + [("g", c) for c in range(dim)]

    def covariance(u, w):
        if u[0] == "h" and w[0] == "h":
            return curvature_noise[(*u[1], *w[1])]
        if u[0] == "g" and w[0] == "g":
            return C[u[1], w[1]]
        h, g = (u, w) if u[0] == "h" else (w, u)
        return cross[(*h[1], g[1])]

    symbols = [xi[p] for p in pairs] + list(zeta)
    noise = Noise.gaussian(symbols, [0] * len(symbols),
                           sp.Matrix(len(families), len(families), lambda r, c: covariance(families[r], families[c])))
    increment = [-eta * (lam[i] * y[i] + sum(xi[_pair(i, j)] * y[j] for j in range(dim)) + gbar[i] + zeta[i])
                 for i in range(dim)]
    series = kramers_moyal(DiscreteUpdate(y, increment, noise, eta), sp.Function("P")(*y), 2)

    def expectation(expr: sp.Expr) -> sp.Expr:
        total = sp.Integer(0)
        for powers, coefficient in sp.Poly(sp.expand(expr), *y).terms():
            present = [j for j, n in enumerate(powers) for _ in range(n)]
            if not present:
                total += coefficient
            elif len(present) == 1:
                total += coefficient * mean[present[0]]
            elif len(present) == 2:
                total += coefficient * second[present[0], present[1]]
            else:  # cannot happen: the observables are quadratic and the update linear
                raise AssertionError(f"a monomial of degree {len(present)} in the second-moment recursion")
        return sp.expand(total)

    next_mean = tuple(expectation(y[i] + series.adjoint(y[i])) for i in range(dim))
    next_second = tuple(expectation(y[i]**2 + series.adjoint(y[i]**2)) for i in range(dim))
    return DiagonalStep(dim, lam, gbar, mean, second, C, curvature_noise, cross, next_mean, next_second)


def _off_diagonal_zero(step: DiagonalStep) -> dict:
    return {step.second[j, l]: 0 for j in range(step.dim) for l in range(step.dim) if j != l}


def closure(step: DiagonalStep) -> tuple[sp.Expr, ...]:
    """The pairwise closure: the derived :math:`\\mathbb{E}[y_i'^2]` with every :math:`S_{jl}`, :math:`j \\ne l`, set to 0."""
    zero = _off_diagonal_zero(step)
    return tuple(sp.expand(e.xreplace(zero)) for e in step.next_second)


def dropped_terms(step: DiagonalStep) -> tuple[sp.Expr, ...]:
    r"""What the closure drops: :math:`\eta^2\sum_{j \ne l}\operatorname{Cov}(\Xi_{ij}, \Xi_{il})\,S_{jl}` per mode."""
    return tuple(sp.expand(e - c) for e, c in zip(step.next_second, closure(step)))


def closure_matrix_form(step: DiagonalStep) -> tuple[sp.Expr, ...]:
    r"""The closure written with matrices, a separate construction of :func:`closure`:
    :math:`(1 - \eta\lambda)^2 s + \eta^2 V s - 2\eta(1 - \eta\lambda)\bar g m + 2\eta^2 R m + \eta^2(C_{ii} + \bar g^2)`."""
    d = step.dim
    s = sp.Matrix([step.second[i, i] for i in range(d)])
    m = sp.Matrix(step.mean)
    feed, push = step.pair_curvature_noise() * s, step.pair_cross() * m
    return tuple(sp.expand((1 - eta * lam)**2 * s[i] + eta**2 * feed[i] - 2 * eta * (1 - eta * lam) * g * m[i]
                           + 2 * eta**2 * push[i] + eta**2 * (step.gradient_noise[i, i] + g**2))
                 for i, (lam, g) in enumerate(zip(step.curvatures, step.mean_grad)))
