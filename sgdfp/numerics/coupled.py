r"""Coupled modes with numpy: the pairwise closure of the second moments, and each mode's growth rate.

:mod:`sgdfp.derive.coupled` derives the diagonal of the second-moment recursion in the eigenbasis of the mean
Hessian and closes it pairwise: with :math:`s_i = \mathbb{E}[y_i^2]` and :math:`m_i = \mathbb{E}[y_i]`,

.. math::
    m' = (1 - \eta\lambda)\odot m - \eta\bar g,\qquad
    s' = (1 - \eta\lambda)^{\odot 2}\odot s + \eta^2 V s - 2\eta(1 - \eta\lambda)\odot\bar g\odot m
         + 2\eta^2 R\,m + \eta^2(D + \bar g^{\odot 2}),

with :math:`V_{ij} = \operatorname{Var}_B[e_i^\top H_B e_j]` and :math:`R_{ij} = \operatorname{Cov}_B(e_i^\top H_B e_j,
e_i^\top g_B)`. :class:`CoupledClosure` evaluates it for any number of modes (a matrix--vector product per
step): the variances at chosen steps, the stationary variances, and each mode's growth.

**A mode's growth** is the spectral radius :math:`r_i` of the second-moment operator restricted to the
states that feed it (those from which its own second moment can be reached, :func:`feeding_radii`):
a flat mode fed by a stiff mode with curvature noise between them grows as :math:`r_i^k` with
:math:`r_i > 1` although its own :math:`q = 1`. Its regime is the one rule of
:mod:`sgdfp.derive.mode.regime` with the growth offset :math:`u_i = r_i - 1`; a mode that nothing else feeds
keeps its own :math:`u_i = \eta(\eta(\lambda_i^2 + \Gamma_i) - 2\lambda_i)`, formed without cancellation.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import scipy.sparse
import scipy.sparse.csgraph

from sgdfp.errors import InputError, check_integer
from sgdfp.numerics.arrays import finite_array

__all__ = ["CoupledClosure", "feeding_radii", "coupled_regimes", "COUPLING_TOLERANCE"]

#: Operator entries below this fraction of the largest one count as absent when deciding which states feed
#: which: rotating exact zeros into an eigenbasis leaves rounding of order 1e-16 in their place.
COUPLING_TOLERANCE = 1e-12


def _vector(value, name: str, size: int | None = None) -> np.ndarray:
    return finite_array(value, name, None if size is None else (size,), ndim=1)


def _square(value, name: str, size: int) -> np.ndarray:
    return finite_array(value, name, (size, size))


def feeding_radii(operator: np.ndarray, tolerance: float = COUPLING_TOLERANCE) -> tuple[np.ndarray, list[np.ndarray]]:
    r"""For each state of a linear recursion :math:`z' = T z + b`: the spectral radius of :math:`T` restricted to
    the states that feed it, and those states (indices, itself included).

    State :math:`a` feeds :math:`b` when :math:`T_{ba} \ne 0` (entries below ``tolerance`` times the largest count
    as zero), and feeding is transitive. The states feeding :math:`b` form a closed subsystem, so :math:`z_b`
    grows like the largest eigenvalue of :math:`T` on it. Computed once per strongly connected component.
    """
    T = np.asarray(operator, dtype=float)
    n = T.shape[0]
    scale = float(np.max(np.abs(T))) if T.size else 0.0
    pattern = scipy.sparse.csr_matrix(np.abs(T) > tolerance * scale)  # row b, column a: b depends on a
    count, label = scipy.sparse.csgraph.connected_components(pattern, directed=True, connection="strong")
    members = [np.flatnonzero(label == c) for c in range(count)]
    own = [float(np.max(np.abs(np.linalg.eigvals(T[np.ix_(idx, idx)])))) for idx in members]
    condensed = scipy.sparse.coo_matrix(pattern)
    depends: dict[int, set[int]] = {c: set() for c in range(count)}
    for b, a in zip(label[condensed.row], label[condensed.col]):
        if a != b:
            depends[int(b)].add(int(a))

    @cache
    def reach(c: int) -> frozenset[int]:
        found = {c}
        for a in depends[c]:
            found |= reach(a)
        return frozenset(found)

    @cache
    def states(c: int) -> np.ndarray:
        return np.sort(np.concatenate([members[a] for a in reach(c)]))

    radius = np.array([max(own[a] for a in reach(int(label[b]))) for b in range(n)])
    return radius, [states(int(label[b])) for b in range(n)]


def coupled_regimes(curvature: np.ndarray, growth_offset: np.ndarray, horizon: float | None = None) -> list[str]:
    """The regime of each mode by the one rule (:func:`sgdfp.derive.regime_rule`) from its curvature and its
    coupled growth offset :math:`u = r - 1`."""
    from sgdfp.derive import REGIMES, regime_rule
    from sgdfp.derive.mode.parameters import horizon as horizon_symbol
    from sgdfp.derive.mode.parameters import lam
    from sgdfp.derive.mode.regime import growth
    from sgdfp.numerics.codegen import compile

    steps = np.inf if horizon is None else float(horizon)
    if not steps > 0:
        raise InputError(f"horizon must be a positive number of steps; got {horizon!r}")
    codes = compile(regime_rule(), (lam, growth, horizon_symbol))(np.asarray(curvature, float),
                                                                  np.asarray(growth_offset, float), steps)
    return [REGIMES[int(c)] for c in np.broadcast_to(codes, np.shape(curvature))]


class CoupledClosure:
    r"""The pairwise closure of the second moments of ``m`` modes (see the module docstring).

    Args:
        curvature: :math:`\lambda_i`, shape ``(m,)``.
        grad_noise: :math:`D_i = C_{ii}` per step, ``(m,)``, non-negative.
        lr: :math:`\eta > 0`.
        pair_curvature_noise: :math:`V_{ij} = \operatorname{Var}_B[e_i^\top H_B e_j]`, ``(m, m)``, symmetric and
            non-negative (``None``: no curvature noise).
        mean_grad: :math:`\bar g_i`, ``(m,)``.
        pair_cross: :math:`R_{ij} = \operatorname{Cov}_B(e_i^\top H_B e_j, e_i^\top g_B)`, ``(m, m)``.

    Raises:
        InputError: wrong shapes, non-finite entries, negative variances, a non-symmetric :math:`V`, :math:`\eta \le 0`.
    """

    def __init__(self, curvature, grad_noise, lr: float, pair_curvature_noise=None, mean_grad=None, pair_cross=None):
        self.curvature = _vector(curvature, "curvature")
        m = self.dim = self.curvature.size
        self.grad_noise = _vector(grad_noise, "grad_noise", m)
        if np.any(self.grad_noise < 0):
            raise InputError("grad_noise holds variances and cannot be negative")
        if isinstance(lr, (str, bytes, bool)) or not isinstance(lr, (int, float, np.integer, np.floating)) \
                or not np.isfinite(lr) or lr <= 0:
            raise InputError(f"lr must be a positive finite number; got {lr!r}")
        self.lr = float(lr)
        self.pair_curvature_noise = (np.zeros((m, m)) if pair_curvature_noise is None
                                     else _square(pair_curvature_noise, "pair_curvature_noise", m))
        V = self.pair_curvature_noise
        if np.any(V < 0):
            raise InputError("pair_curvature_noise holds variances Var(e_i^T H_B e_j) and cannot be negative")
        if not np.allclose(V, V.T, rtol=1e-10, atol=1e-300):
            raise InputError("pair_curvature_noise must be symmetric: Var(e_i^T H_B e_j) = Var(e_j^T H_B e_i)")
        self.mean_grad = np.zeros(m) if mean_grad is None else _vector(mean_grad, "mean_grad", m)
        self.pair_cross = np.zeros((m, m)) if pair_cross is None else _square(pair_cross, "pair_cross", m)

    # ------------------------------------------------------------------ the recursion
    def operator(self) -> np.ndarray:
        r"""The linear part on :math:`s`: :math:`\mathrm{diag}((1 - \eta\lambda)^2) + \eta^2 V`."""
        return np.diag((1 - self.lr * self.curvature) ** 2) + self.lr**2 * self.pair_curvature_noise

    def step(self, mean: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One step ``(m, s) -> (m', s')`` of the closure (``s`` the raw second moments)."""
        eta, lam, gbar = self.lr, self.curvature, self.mean_grad
        contraction = 1 - eta * lam
        new_second = (contraction**2 * second + eta**2 * (self.pair_curvature_noise @ second)
                      - 2 * eta * contraction * gbar * mean + 2 * eta**2 * (self.pair_cross @ mean)
                      + eta**2 * (self.grad_noise + gbar**2))
        return contraction * mean - eta * gbar, new_second

    def trajectory(self, steps, mean0=None, var0=None) -> tuple[np.ndarray, np.ndarray]:
        """Means and variances ``(len(steps), m)`` at the given steps, from mean ``mean0`` and variance ``var0``
        (zero by default; scalars or ``(m,)``)."""
        steps_array = np.asarray(steps)
        if steps_array.ndim != 1 or steps_array.dtype.kind not in "iu" or np.any(steps_array < 0):
            raise InputError(f"steps must be a vector of non-negative integers; got {steps!r}")
        mean = np.broadcast_to(0.0 if mean0 is None else np.asarray(mean0, float), (self.dim,)).copy()
        variance = np.broadcast_to(0.0 if var0 is None else np.asarray(var0, float), (self.dim,))
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(variance))) or np.any(variance < 0):
            raise InputError("mean0 must be finite and var0 finite and non-negative")
        second = variance + mean**2
        order = np.argsort(steps_array, kind="stable")
        means, variances = np.empty((steps_array.size, self.dim)), np.empty((steps_array.size, self.dim))
        k = 0
        for index in order:
            for _ in range(int(steps_array[index]) - k):
                mean, second = self.step(mean, second)
            k = int(steps_array[index])
            means[index], variances[index] = mean, second - mean**2
        return means, variances

    def variance(self, k: int, mean0=None, var0=None) -> np.ndarray:
        """The closure's variances at step ``k``, ``(m,)``."""
        k = check_integer("k", k, 0)
        return self.trajectory(np.array([k]), mean0, var0)[1][0]

    # ------------------------------------------------------------------ growth and stationary law
    def growth_offsets(self) -> np.ndarray:
        r""":math:`u_i = r_i - 1` per mode (module docstring); a mode nothing feeds keeps its exact own offset."""
        radius, feeders = feeding_radii(self.operator())
        eta, lam, own_noise = self.lr, self.curvature, np.diag(self.pair_curvature_noise)
        own = eta * (eta * (lam**2 + own_noise) - 2 * lam)
        return np.where([f.size == 1 for f in feeders], own, radius - 1)

    def spectral_radius(self) -> float:
        """The spectral radius of :meth:`operator`: the closure has a stationary law iff it is below 1."""
        return float(np.max(np.abs(np.linalg.eigvals(self.operator()))))

    def regimes(self, horizon: float | None = None) -> list[str]:
        """Each mode's regime from its coupled growth (:func:`coupled_regimes`)."""
        return coupled_regimes(self.curvature, self.growth_offsets(), horizon)

    def stationary_variance(self) -> np.ndarray:
        """The closure's stationary variances; ``nan`` for a mode whose feeding subsystem grows (``r_i >= 1``) or
        takes the mean of a mode with a mean gradient and no fixed point of its mean (``lambda_j <= 0``)."""
        eta, lam, gbar = self.lr, self.curvature, self.mean_grad
        fixed = (gbar == 0) | (lam > 0)
        mean = np.where(fixed, -gbar / np.where(lam > 0, lam, 1.0), 0.0)
        mean = np.where(gbar == 0, 0.0, mean)
        radius, feeders = feeding_radii(self.operator())
        offsets = np.where([f.size == 1 for f in feeders], self.growth_offsets(), radius - 1)
        offset = (-2 * eta * (1 - eta * lam) * gbar * mean + 2 * eta**2 * (self.pair_cross @ mean)
                  + eta**2 * (self.grad_noise + gbar**2))
        pushed_by = np.abs(self.pair_cross) > 0
        result = np.full(self.dim, np.nan)
        operator, solved = self.operator(), {}
        for i in np.flatnonzero(offsets < 0):
            block = feeders[i]  # one array per feeding subsystem: solved once
            if not np.all(fixed[block]) or not np.all(fixed[np.any(pushed_by[block], axis=0)]):
                continue
            if id(block) not in solved:
                solved[id(block)] = np.linalg.solve(np.eye(block.size) - operator[np.ix_(block, block)],
                                                    offset[block])
            result[i] = solved[id(block)][np.searchsorted(block, i)] - mean[i] ** 2
        return result
