r"""Numerically stable kernels for the structured closed forms of :mod:`sgdfp.derive.powers`.

One implementation serves every array backend of :mod:`sgdfp.numerics.backends` (``xp`` is its array
module). The closed forms of a
linear update are sums of divided differences of :math:`x^k` (discrete time) and :math:`e^{tx}`
(continuous time) at nodes that crowd together exactly where users need them (flat modes,
:math:`\lambda \to 0`). How they are evaluated:

- :math:`(1+u)^k = e^{k\,\mathrm{log1p}(u)}`: no rounding of :math:`1 + u` (``u`` is derived and
  factored symbolically, e.g. :math:`q - 1 = \eta(\eta(\lambda^2+\Gamma) - 2\lambda)`).
- First divided difference, larger node :math:`x_h` factored out:
  :math:`f[x_h, x_l] = x_h^k\,(-\mathrm{expm1}(k\,\mathrm{log1p}((x_l - x_h)/x_h)))/(x_h - x_l)`,
  and :math:`k x^{k-1}` when the nodes coincide; the exponential analogue uses
  :math:`e^{t b_h}(-\mathrm{expm1}(t(b_l - b_h)))/(b_h - b_l)`. Neither cancels nor overflows in an
  intermediate.
- Second and third divided differences: the recursive formula with the extreme nodes in the denominator, unless
  it would lose more than one digit to cancellation (estimated from its own terms); there the
  Hermite--Genocchi integral :math:`\int_{\text{simplex}} f^{(m)}` is evaluated by a 12-point
  Gauss--Legendre rule per dimension, exact to rounding because :math:`f^{(m)}` then barely varies.
- Negative nodes (:math:`\eta\lambda > 1`) lie far from the others; there the direct formulas are used.

Every branch is evaluated on sanitised inputs so that ``torch.where`` never sees a NaN, which would
poison autograd.
"""

from __future__ import annotations

import functools

import numpy as np

from sgdfp.numerics.backends import backend_of

__all__ = ["pow_dd0", "pow_dd1", "pow_dd2", "pow_dd3", "exp_dd0", "exp_dd1", "exp_dd2", "exp_dd3"]

_GAUSS_X, _GAUSS_W = np.polynomial.legendre.leggauss(12)
_GAUSS_X, _GAUSS_W = (_GAUSS_X + 1) / 2, _GAUSS_W / 2  # on [0, 1]
CANCELLATION_LIMIT = 10.0  # at most one digit lost per level of the recursion
POINT_BUDGET = 2**20  # quadrature points held at once (8 MiB a temporary): bounded memory for any number of modes


def _quiet(kernel):
    """Unused branches of a ``where`` may overflow or divide by zero; numpy need not warn about them."""
    @functools.wraps(kernel)
    def wrapped(*args):
        with np.errstate(all="ignore"):
            return kernel(*args)
    return wrapped


def _patch(backend, out, mask, compute, *arrays):
    """``out`` with the entries where ``mask`` holds (broadcast) replaced by ``compute`` on just those."""
    if not bool(mask.any()):
        return out
    out = backend.copy(out)  # a writable array, even 0-d
    shape = out.shape
    full = backend.broadcast_to(mask, shape)
    picked = [backend.broadcast_to(a, shape)[full] for a in arrays]
    out[full] = compute(*picked)
    return out


@_quiet
def pow_dd0(k, u):
    """:math:`(1 + u)^k` for integer-valued k."""
    backend = backend_of(k, u)
    xp = backend.xp
    k, u = backend.asarrays(k, u)
    negative = (1 + u) <= 0
    out = xp.exp(k * xp.log1p(xp.where(negative, xp.zeros_like(u), u)))
    return _patch(backend, out, negative, lambda kk, uu: (1 + uu) ** kk, k, u)


@_quiet
def pow_dd1(k, u, v):
    r""":math:`((1+u)^k - (1+v)^k)/(u - v)`, stable as :math:`u - v \to 0` and :math:`u, v \to 0`."""
    backend = backend_of(k, u, v)
    xp = backend.xp
    if isinstance(v, (int, float)) and v == 0:
        return _geometric(backend, *backend.asarrays(k, u))
    k, u, v = backend.asarrays(k, u, v)
    hi, lo = xp.maximum(u, v), xp.minimum(u, v)
    gap = hi - lo
    special = (gap == 0) | ((1 + lo) <= 0)
    safe_gap = xp.where(special, xp.ones_like(gap), gap)
    safe_hi = xp.where(special, xp.zeros_like(hi), hi)
    # positive nodes: x_h^k (1 - (x_l/x_h)^k) / (x_h - x_l), nothing cancels or overflows early
    ratio = -safe_gap / (1 + safe_hi)
    out = pow_dd0(k, safe_hi) * (-xp.expm1(k * xp.log1p(ratio))) / safe_gap

    def fallback(kk, hh, ll):
        same = (hh - ll) == 0
        direct = (pow_dd0(kk, hh) - pow_dd0(kk, ll)) / xp.where(same, xp.ones_like(hh), hh - ll)
        return xp.where(same, kk * pow_dd0(kk - 1, hh), direct)

    return _patch(backend, out, special, fallback, k, hi, lo)


def _geometric(backend, k, u):
    """((1+u)^k - 1)/u = expm1(k log1p(u))/u, and k at u = 0."""
    xp = backend.xp
    special = (u == 0) | ((1 + u) <= 0)
    safe = xp.where(special, xp.full_like(u, 0.5), u)
    out = xp.expm1(k * xp.log1p(safe)) / safe

    def fallback(kk, uu):
        zero = uu == 0
        return xp.where(zero, kk, ((1 + uu) ** kk - 1) / xp.where(zero, xp.ones_like(uu), uu))

    return _patch(backend, out, special, fallback, k, u)


def _simplex_rule(m: int):
    """Gauss--Legendre points and weights on the m-simplex (collapsed coordinates), m = 2 or 3."""
    if m not in _RULES:
        grids = np.meshgrid(*([_GAUSS_X] * m), indexing="ij")
        weights = np.prod(np.meshgrid(*([_GAUSS_W] * m), indexing="ij"), axis=0)
        # t_i = g_i prod_{j<i} (1 - g_j) maps the cube onto the simplex; dt_i/dg_i = prod_{j<i} (1 - g_j)
        coords, remaining = [], np.ones_like(grids[0])
        for g in grids:
            coords.append(remaining * g)
            weights = weights * remaining
            remaining = remaining * (1 - g)
        _RULES[m] = (np.stack([c.ravel() for c in coords], axis=-1), weights.ravel())
    return _RULES[m]


_RULES: dict = {}


def _hermite_genocchi(backend, derivative, nodes, parameter, mask):
    """f[x_0, ..., x_m] = integral of f^(m) over the simplex, for the entries in ``mask``, a chunk of entries at a
    time: the rule has 12^m points per entry, so at most :data:`POINT_BUDGET` points are held at once."""
    xp = backend.xp
    m = len(nodes) - 1
    points_np, weights_np = _simplex_rule(m)
    selected = [n[mask] for n in nodes]
    chosen = parameter[mask]
    T, W = backend.asarrays(points_np, weights_np, like=selected[0] if backend.owns(selected[0]) else None)
    chunk = max(1, POINT_BUDGET // len(weights_np))
    parts = []
    for start in range(0, int(selected[0].shape[0]), chunk):
        part = [n[start:start + chunk] for n in selected]
        x0 = part[0][..., None]
        points = x0 + sum(T[:, i] * (part[i + 1][..., None] - x0) for i in range(m))
        parts.append((derivative(points, chosen[start:start + chunk][..., None], m) * W).sum(-1))
    return parts[0] if len(parts) == 1 else xp.concatenate(parts)


def _divided_difference(backend, first, derivative, nodes, parameter):
    """f[nodes] for 3 or 4 nodes: the recursion on sorted nodes, or the simplex integral where the
    recursion would lose more than one digit to cancellation (``parameter``: the k or t of f, broadcast)."""
    xp = backend.xp
    nodes = list(backend.broadcast(*nodes))
    ordered = backend.sort(xp.stack(nodes, -1), axis=-1)
    nodes = [ordered[..., i] for i in range(ordered.shape[-1])]
    if len(nodes) == 2:
        return first(nodes[1], nodes[0])
    left = _divided_difference(backend, first, derivative, nodes[1:], parameter)
    right = _divided_difference(backend, first, derivative, nodes[:-1], parameter)
    spread = nodes[-1] - nodes[0]
    safe_spread = xp.where(spread == 0, xp.ones_like(spread), spread)
    direct = (left - right) / safe_spread
    # the subtraction loses log10(scale / |left - right|) digits; past one, integrate instead
    scale = xp.maximum(xp.abs(left), xp.abs(right))
    cancelling = (spread == 0) | (scale > CANCELLATION_LIMIT * xp.abs(left - right))
    out = xp.where(cancelling, xp.zeros_like(direct), direct)
    if bool(cancelling.any()):
        out = backend.copy(out)
        out[cancelling] = _hermite_genocchi(backend, derivative, nodes, parameter, cancelling)
    return out


def _falling(k, m):
    out = 1
    for i in range(m):
        out = out * (k - i)
    return out


def _pow_dd(k, *offsets):
    backend = backend_of(k, *offsets)
    k, *offsets = backend.broadcast(k, *offsets)

    def derivative(points_u, kk, m):
        return _falling(kk, m) * pow_dd0(kk - m, points_u)

    return _divided_difference(backend, lambda hi, lo: pow_dd1(k, hi, lo), derivative, offsets, k)


@_quiet
def pow_dd2(k, u0, u1, u2):
    r"""Second divided difference of :math:`x^k` at :math:`1 + u_i`."""
    return _pow_dd(k, u0, u1, u2)


@_quiet
def pow_dd3(k, u0, u1, u2, u3):
    r"""Third divided difference of :math:`x^k` at :math:`1 + u_i`."""
    return _pow_dd(k, u0, u1, u2, u3)


@_quiet
def exp_dd0(t, b):
    """:math:`e^{tb}`."""
    backend = backend_of(t, b)
    xp = backend.xp
    t, b = backend.asarrays(t, b)
    return xp.exp(t * b)


@_quiet
def exp_dd1(t, b0, b1):
    r""":math:`(e^{tb_0} - e^{tb_1})/(b_0 - b_1)`, stable as the nodes meet."""
    backend = backend_of(t, b0, b1)
    xp = backend.xp
    if isinstance(b1, (int, float)) and b1 == 0:  # (e^{tb} - 1)/b
        t, b = backend.asarrays(t, b0)
        zero = b == 0
        safe = xp.where(zero, xp.ones_like(b), b)
        return _patch(backend, xp.expm1(t * safe) / safe, zero, lambda tt, bb: tt, t, b)
    t, b0, b1 = backend.asarrays(t, b0, b1)
    hi, lo = xp.maximum(b0, b1), xp.minimum(b0, b1)
    gap = hi - lo
    same = gap == 0
    safe_gap = xp.where(same, xp.ones_like(gap), gap)
    out = xp.exp(t * hi) * (-xp.expm1(-t * safe_gap)) / safe_gap
    return _patch(backend, out, same, lambda tt, hh: tt * xp.exp(tt * hh), t, hi)


def _exp_dd(t, *nodes):
    backend = backend_of(t, *nodes)
    xp = backend.xp
    t, *nodes = backend.broadcast(t, *nodes)

    def derivative(points, tt, m):
        return tt**m * xp.exp(tt * points)

    return _divided_difference(backend, lambda hi, lo: exp_dd1(t, hi, lo), derivative, nodes, t)


@_quiet
def exp_dd2(t, b0, b1, b2):
    r"""Second divided difference of :math:`e^{tx}`."""
    return _exp_dd(t, b0, b1, b2)


@_quiet
def exp_dd3(t, b0, b1, b2, b3):
    r"""Third divided difference of :math:`e^{tx}`."""
    return _exp_dd(t, b0, b1, b2, b3)
