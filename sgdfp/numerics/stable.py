r"""Numerically stable kernels for the structured closed forms of :mod:`sgdfp.derive.powers`.

One implementation serves numpy and torch (``xp`` is the array module). The closed forms of a
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
- Second divided difference: the recursive formula with the extreme nodes in the denominator, unless
  it would lose more than three digits to cancellation (estimated from its own terms); there the
  Hermite--Genocchi integral :math:`\int_{\text{simplex}} f''` is evaluated by 12x12-point
  Gauss--Legendre quadrature, which is exact to rounding because :math:`f''` then barely varies.
- Negative nodes (:math:`\eta\lambda > 1`) lie far from the others; there the direct formulas are used.

Every branch is evaluated on sanitised inputs so that ``torch.where`` never sees a NaN, which would
poison autograd.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pow_dd0", "pow_dd1", "pow_dd2", "exp_dd0", "exp_dd1", "exp_dd2"]

_GAUSS_X, _GAUSS_W = np.polynomial.legendre.leggauss(12)
_GAUSS_X, _GAUSS_W = (_GAUSS_X + 1) / 2, _GAUSS_W / 2  # on [0, 1]
CANCELLATION_LIMIT = 1e3


def _module(*arrays):
    for a in arrays:
        if type(a).__module__.startswith("torch"):
            import torch

            return torch
    return np


def _broadcast(xp, *arrays):
    if xp is np:
        return np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in arrays))
    reference = next(a for a in arrays if isinstance(a, xp.Tensor))
    tensors = [a if isinstance(a, xp.Tensor) else xp.as_tensor(a, dtype=reference.dtype, device=reference.device)
               for a in arrays]
    return xp.broadcast_tensors(*tensors)


def pow_dd0(k, u):
    """:math:`(1 + u)^k` for integer-valued k."""
    xp = _module(k, u)
    k, u = _broadcast(xp, k, u)
    base = 1 + u
    positive = base > 0
    u_pos = xp.where(positive, u, xp.zeros_like(u))
    base_neg = xp.where(positive, -xp.ones_like(base), base)
    return xp.where(positive, xp.exp(k * xp.log1p(u_pos)), base_neg**k)


def pow_dd1(k, u, v):
    r""":math:`((1+u)^k - (1+v)^k)/(u - v)`, stable as :math:`u - v \to 0` and :math:`u, v \to 0`."""
    xp = _module(k, u, v)
    k, u, v = _broadcast(xp, k, u, v)
    hi, lo = xp.maximum(u, v), xp.minimum(u, v)
    gap = hi - lo
    same = gap == 0
    positive = (1 + lo) > 0
    safe_gap = xp.where(same, xp.ones_like(gap), gap)
    # positive nodes: x_h^k (1 - (x_l/x_h)^k) / (x_h - x_l)
    hi_pos = xp.where(positive, hi, xp.zeros_like(hi))
    ratio = xp.where(positive, -gap / (1 + hi_pos), xp.zeros_like(gap))
    stable = pow_dd0(k, hi_pos) * (-xp.expm1(k * xp.log1p(ratio))) / safe_gap
    direct = (pow_dd0(k, hi) - pow_dd0(k, lo)) / safe_gap
    confluent = k * pow_dd0(k - 1, hi)
    return xp.where(same, confluent, xp.where(positive, stable, direct))


def _hermite_genocchi(xp, second_derivative, nodes, mask):
    """Integral of f'' over the 2-simplex spanned by the nodes, for the entries in ``mask``."""
    x0, x1, x2 = (n[mask] for n in nodes)
    s = xp.asarray(_GAUSS_X) if xp is np else xp.as_tensor(_GAUSS_X, dtype=x0.dtype, device=x0.device)
    w = xp.asarray(_GAUSS_W) if xp is np else xp.as_tensor(_GAUSS_W, dtype=x0.dtype, device=x0.device)
    # (s, t) = (s, (1 - s) tau): the triangle as a square, Jacobian (1 - s)
    S, TAU = s[:, None], s[None, :]
    T = (1 - S) * TAU
    weights = (w[:, None] * w[None, :]) * (1 - S)
    points = x0[..., None, None] + S * (x1 - x0)[..., None, None] + T * (x2 - x0)[..., None, None]
    return (second_derivative(points, mask) * weights).sum(axis=(-2, -1)) if xp is np else (
        second_derivative(points, mask) * weights).sum(dim=(-2, -1))


def _second_divided_difference(xp, first, second_derivative, a, b, c):
    """f[a, b, c] from a first-divided-difference kernel, with the quadrature fallback."""
    a, b, c = _broadcast(xp, a, b, c)
    lo = xp.minimum(xp.minimum(a, b), c)
    hi = xp.maximum(xp.maximum(a, b), c)
    mid = xp.maximum(xp.minimum(a, b), xp.minimum(xp.maximum(a, b), c))  # the median, exactly
    spread = hi - lo
    safe_spread = xp.where(spread == 0, xp.ones_like(spread), spread)
    left, right = first(hi, mid), first(mid, lo)
    direct = (left - right) / safe_spread
    # the subtraction loses log10(scale / |left - right|) digits; past three, integrate instead
    scale = xp.maximum(xp.abs(left), xp.abs(right))
    cancelling = (spread == 0) | (scale > CANCELLATION_LIMIT * xp.abs(left - right))
    out = xp.where(cancelling, xp.zeros_like(direct), direct)
    if bool(cancelling.any()):
        out = out.clone() if xp is not np else out.copy()
        out[cancelling] = _hermite_genocchi(xp, second_derivative, (hi, mid, lo), cancelling)
    return out


def pow_dd2(k, u0, u1, u2):
    r"""Second divided difference of :math:`x^k` at :math:`1 + u_i`."""
    xp = _module(k, u0, u1, u2)
    k, u0, u1, u2 = _broadcast(xp, k, u0, u1, u2)

    def second(points_u, mask):
        kk = k[mask][..., None, None]
        return kk * (kk - 1) * pow_dd0(kk - 2, points_u)

    return _second_divided_difference(xp, lambda x, y: pow_dd1(k, x, y), second, u0, u1, u2)


def exp_dd0(t, b):
    """:math:`e^{tb}`."""
    xp = _module(t, b)
    t, b = _broadcast(xp, t, b)
    return xp.exp(t * b)


def exp_dd1(t, b0, b1):
    r""":math:`(e^{tb_0} - e^{tb_1})/(b_0 - b_1)`, stable as the nodes meet."""
    xp = _module(t, b0, b1)
    t, b0, b1 = _broadcast(xp, t, b0, b1)
    hi, lo = xp.maximum(b0, b1), xp.minimum(b0, b1)
    gap = hi - lo
    same = gap == 0
    safe_gap = xp.where(same, xp.ones_like(gap), gap)
    stable = xp.exp(t * hi) * (-xp.expm1(-t * gap)) / safe_gap
    return xp.where(same, t * xp.exp(t * hi), stable)


def exp_dd2(t, b0, b1, b2):
    r"""Second divided difference of :math:`e^{tx}`."""
    xp = _module(t, b0, b1, b2)
    t, b0, b1, b2 = _broadcast(xp, t, b0, b1, b2)

    def second(points, mask):
        tt = t[mask][..., None, None]
        return tt * tt * xp.exp(tt * points)

    return _second_divided_difference(xp, lambda x, y: exp_dd1(t, x, y), second, b0, b1, b2)
