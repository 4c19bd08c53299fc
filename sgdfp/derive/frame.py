r"""The moving frame's covariance recursion, derived from the linearised update by taking expectations.

About a path point :math:`\bar\theta_k` (the mean's path), a replica's deviation :math:`x` moves by the minibatch
gradient linearised there, :math:`\nabla L_B(\bar\theta + x) \approx \bar g + \delta g + (H + \delta H)\,x`:

.. math::
    x' = x - \eta\,(H x + \delta H\,x + \delta g)

(the mean's own step, :math:`-\eta\bar g`, is the path's). The minibatch noise :math:`(\delta H, \delta g)` is drawn
afresh each step, independent of :math:`x`, with mean zero; :math:`x` has mean zero and covariance :math:`S`. The
expectation of :math:`x'x'^\top` is taken term by term over independent families (:func:`covariance_step`), in
explicit coordinates, and gives

.. math::
    S' = (I - \eta H)\,S\,(I - \eta H)^\top + \eta^2\,C + \eta^2\,\mathrm{E}[\delta H\,S\,\delta H],

with :math:`C = \mathrm{E}[\delta g\,\delta g^\top]`: the correlation of :math:`\delta H` with :math:`\delta g`
drops out (every such term carries one factor of :math:`x`), which is why the moving frame needs no
:math:`\rho`. :func:`closed_form` writes the right-hand side as matrices, for the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from sgdfp.derive.symbols import eta

__all__ = ["FrameStep", "covariance_step", "closed_form", "curvature_noise_term"]


@dataclass(frozen=True)
class FrameStep:
    """The symbols of a ``dim``-dimensional frame step and the derived next covariance ``next_covariance``."""

    dim: int
    curvature: sp.Matrix          # H (symmetric)
    covariance: sp.Matrix         # S (symmetric)
    gradient_noise: sp.Matrix     # C = E[dg dg^T] (symmetric)
    curvature_noise: dict         # (a, b, c, d) -> E[dH_ab dH_cd], symmetric in each pair and between pairs
    cross: dict                   # (a, b, c) -> E[dH_ab dg_c]
    next_covariance: sp.Matrix


def _symmetric(name: str, dim: int) -> sp.Matrix:
    return sp.Matrix(dim, dim, lambda i, j: sp.Symbol(f"{name}_{{{min(i, j) + 1}{max(i, j) + 1}}}"))


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a <= b else (b, a)


def covariance_step(dim: int = 2) -> FrameStep:
    """Derive :math:`\\mathrm{E}[x'x'^\\top]` for the linearised update in ``dim`` explicit coordinates.

    Each product :math:`x'_i x'_j` is expanded into monomials; a monomial's expectation factorises into its
    :math:`x` part (degree 0 or 2: :math:`S`; degree 1: zero) and its noise part (degree 0, or 2: the moments
    :math:`C`, :math:`\\mathrm{E}[\\delta H\\,\\delta H]`, :math:`\\mathrm{E}[\\delta H\\,\\delta g]`; degree 1: zero).
    """
    if isinstance(dim, bool) or not isinstance(dim, int) or not 1 <= dim <= 4:
        raise ValueError(f"dim must be an integer from 1 to 4 (explicit coordinates); got {dim!r}")
    x = sp.symbols(f"x_1:{dim + 1}")
    dg = sp.symbols(f"\\delta{{g}}_1:{dim + 1}")
    pairs = sorted({_pair(a, b) for a in range(dim) for b in range(dim)})
    dH_symbols = {p: sp.Symbol(f"\\delta{{H}}_{{{p[0] + 1}{p[1] + 1}}}") for p in pairs}
    dH = sp.Matrix(dim, dim, lambda a, b: dH_symbols[_pair(a, b)])
    H, S, C = _symmetric("H", dim), _symmetric("S", dim), _symmetric("C", dim)
    quartic = {}
    for p in pairs:
        for q in pairs:
            key = tuple(sorted((p, q)))
            quartic[(*p, *q)] = sp.Symbol(f"Q_{{{key[0][0] + 1}{key[0][1] + 1},{key[1][0] + 1}{key[1][1] + 1}}}")
    cross = {(*p, c): sp.Symbol(f"R_{{{p[0] + 1}{p[1] + 1},{c + 1}}}") for p in pairs for c in range(dim)}
    xs, noise = sp.Matrix(x), sp.Matrix(dg)
    step = xs - eta * (H * xs + dH * xs + noise)
    x_index = {s: i for i, s in enumerate(x)}
    g_index = {s: i for i, s in enumerate(dg)}
    h_index = {s: p for p, s in dH_symbols.items()}

    def expectation(expr: sp.Expr) -> sp.Expr:
        total = sp.Integer(0)
        for monomial, coefficient in sp.Poly(sp.expand(expr), *x, *dg, *dH_symbols.values()).terms():
            factors: dict[str, list] = {"x": [], "g": [], "h": []}
            symbols = (*x, *dg, *dH_symbols.values())
            for symbol, power in zip(symbols, monomial):
                family = "x" if symbol in x_index else "g" if symbol in g_index else "h"
                factors[family] += [symbol] * power
            xpart, gpart, hpart = factors["x"], factors["g"], factors["h"]
            if len(xpart) == 1 or len(gpart) + len(hpart) == 1:
                continue  # a lone zero-mean factor of an independent family
            value = sp.Integer(1)
            if len(xpart) == 2:
                value *= S[x_index[xpart[0]], x_index[xpart[1]]]
            if len(gpart) == 2:
                value *= C[g_index[gpart[0]], g_index[gpart[1]]]
            elif len(hpart) == 2:
                value *= quartic[(*h_index[hpart[0]], *h_index[hpart[1]])]
            elif len(hpart) == 1 and len(gpart) == 1:
                value *= cross[(*h_index[hpart[0]], g_index[gpart[0]])]
            elif gpart or hpart:
                raise AssertionError("a noise monomial beyond second order: the update is not the linearised one")
            total += coefficient * value
        return total

    outer = step * step.T
    next_covariance = sp.Matrix(dim, dim, lambda i, j: expectation(outer[i, j]))
    return FrameStep(dim, H, S, C, quartic, cross, next_covariance)


def curvature_noise_term(step: FrameStep) -> sp.Matrix:
    """:math:`\\mathrm{E}[\\delta H\\,S\\,\\delta H]` in the step's symbols:
    entry :math:`(i, j)` is :math:`\\sum_{a,b} \\mathrm{E}[\\delta H_{ia}\\,\\delta H_{bj}]\\,S_{ab}`."""
    dim = step.dim
    return sp.Matrix(dim, dim, lambda i, j: sum(
        step.curvature_noise[(*_pair(i, a), *_pair(b, j))] * step.covariance[a, b]
        for a in range(dim) for b in range(dim)))


def closed_form(step: FrameStep) -> sp.Matrix:
    """The recursion as matrices, :math:`(I - \\eta H)S(I - \\eta H)^\\top + \\eta^2 C + \\eta^2\\,
    \\mathrm{E}[\\delta H S \\delta H]`, in the step's symbols."""
    contraction = sp.eye(step.dim) - eta * step.curvature
    return contraction * step.covariance * contraction.T + eta**2 * step.gradient_noise \
        + eta**2 * curvature_noise_term(step)
