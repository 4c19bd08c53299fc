r"""The d-dimensional random quadratic, evaluated with numpy: full covariance, discrete Lyapunov equation, modes.

Near a critical point SGD is :math:`x_{k+1} = (I - \eta H_B)x_k - \eta g_B` with
:math:`H_B = H + \Xi`, :math:`g_B = \bar g + \zeta`. With :math:`A = I - \eta H`, the mean
:math:`m` and second moment :math:`S = \mathbb{E}[xx^\top]` obey

.. math::
    m' &= A m - \eta \bar g,\
    S' &= A S A^\top + \eta^2\,\mathcal G[S] - \eta(A m \bar g^\top + \bar g m^\top A^\top)
          + \eta^2 (R[m] + R[m]^\top) + \eta^2 (C + \bar g\bar g^\top),

with :math:`\mathcal G[S]_{ij} = \sum_{kl}\Gamma_{ik,jl} S_{kl}` (curvature noise,
:math:`\Gamma_{ij,kl} = \operatorname{Cov}(H_{B,ij}, H_{B,kl})`), :math:`R[m]_{ij} = \sum_k \rho_{ik,j} m_k`
(:math:`\rho_{ij,k} = \operatorname{Cov}(H_{B,ij}, g_{B,k})`) and :math:`C = \operatorname{Cov}(g_B)`. This is
the adjoint of the Kramers--Moyal expansion of the update acting on :math:`x_i` and :math:`x_ix_j` (the
tests derive it with the engine in two dimensions and compare term by term); here it is evaluated
with numpy for any d. The stationary covariance solves the discrete Lyapunov equation with the
multiplicative term.

Under :data:`~sgdfp.derive.LANGEVIN` dynamics the same moments follow the Langevin SDE's generator
:math:`B = (T_{\text{per step}} - I)/\eta`, where :math:`T_{\text{per step}}` is the recursion without the
squared drift; they are propagated as :math:`e^{B\eta k}` and the stationary covariance solves
:math:`HS + SH - \eta\mathcal G[S] = \eta C`.

In the eigenbasis of :math:`H` the modes decouple exactly when the rotated noise is diagonal (for
instance when :math:`H` and :math:`C` commute and there is no curvature noise); otherwise two modes
:math:`a, b` keep the exact cross-covariance
:math:`\operatorname{Cov}_k(y_a, y_b) = r^k\operatorname{Cov}_0 + \eta^2\tilde C_{ab}\frac{1 - r^k}{1 - r}`,
:math:`r = (1 - \eta\lambda_a)(1 - \eta\lambda_b)`, derived from the two-mode update.

:meth:`QuadraticModel.modes` never drops that coupling silently: each :class:`CoupledMode` answers from the full
second moments (its variance, stationary variance, and its regime from the spectral radius of the second-moment
operator on the moments that feed it), with the one-mode :class:`~sgdfp.derive.Mode` of its diagonal statistics
beside it as ``uncoupled``. For many modes, :mod:`sgdfp.numerics.coupled` closes the diagonal pairwise.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from sgdfp.derive import LANGEVIN, SGD, Dynamics, Mode, eta, get_dynamics, pair_recursion
from sgdfp.derive.inputs import refuse_text
from sgdfp.numerics.arrays import finite_array
from sgdfp.numerics.coupled import feeding_radii

__all__ = ["QuadraticModel", "ModeDecomposition", "CoupledMode", "pair_cross_covariance", "offdiagonal_fraction"]


def _matrix(value, name: str, shape: tuple[int, ...]) -> np.ndarray:
    return finite_array(value, name, shape)


def _number(value, name: str) -> float:
    """A finite real number as a float: text (never parsed), NaN and infinity are refused."""
    if isinstance(value, (str, bytes, bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__} {value!r}")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"{name} must be finite; got {value!r}")
    return number


def pair_cross_covariance(lam_a: float, lam_b: float, cov_ab: float, lr: float, k: float | None = None,
                          cov0: float = 0.0) -> float:
    r"""Exact covariance of two modes with gradient-noise covariance :math:`\tilde C_{ab}` (no curvature noise).

    ``k=None`` gives the stationary value :math:`\eta\tilde C_{ab}/(\lambda_a + \lambda_b - \eta\lambda_a\lambda_b)`
    (``nan`` when :math:`|r| \ge 1`).

    Raises:
        TypeError: an argument that is not a real number (text is never parsed).
        ValueError: NaN or infinite values, :math:`\eta \le 0`, a negative step.
    """
    lam_a, lam_b, cov_ab, lr, cov0 = (_number(v, n) for v, n in ((lam_a, "lam_a"), (lam_b, "lam_b"),
                                                                 (cov_ab, "cov_ab"), (lr, "lr"), (cov0, "cov0")))
    if lr <= 0:
        raise ValueError(f"lr must be positive; got {lr}")
    if k is not None and _number(k, "k") < 0:
        raise ValueError(f"the step k cannot be negative; got {k}")
    r_expr, s_expr, (la, lb, c) = pair_recursion()
    values = {la: lam_a, lb: lam_b, c: cov_ab, eta: lr}
    r, s = float(r_expr.subs(values)), float(s_expr.subs(values))
    if k is None:
        return s / (1 - r) if abs(r) < 1 else float("nan")
    # geometric sum, stable at r -> 1: (1 - r^k)/(1 - r) = -expm1(k log r)/(1 - r) = k at r = 1
    if r == 1:
        return cov0 + s * k
    if r > 0:
        growth = -np.expm1(k * np.log(r)) / (1 - r)
        return float(r**k * cov0 + s * growth)
    return float(r**k * cov0 + s * (1 - r**k) / (1 - r))


class CoupledMode:
    r"""Mode ``index`` of a :class:`QuadraticModel`, with everything that couples it to the others.

    Its answers come from the full second moments rotated into the eigenbasis of :math:`H` -- never from the
    one-mode theory alone, which drops the gradient noise and curvature noise between modes: ``uncoupled`` is
    that :class:`~sgdfp.derive.Mode` (its diagonal statistics), kept beside for comparison.

    Attributes:
        index: the mode's position in eigenvalue order; ``curvature``: :math:`\lambda`.
        uncoupled: the one-mode :class:`~sgdfp.derive.Mode` of its diagonal statistics.
        spectral_radius: :math:`r`, the spectral radius of the second-moment operator restricted to the second
            moments that feed this mode's (:func:`~sgdfp.numerics.coupled.feeding_radii`).
        coupled: whether any second moment other than its own feeds it.
        feeders: the modes whose variances feed it (itself included).
    """

    def __init__(self, model: QuadraticModel, rotated: QuadraticModel, basis: np.ndarray, index: int,
                 uncoupled: Mode, radius: float, states: np.ndarray):
        d = model.dim
        self._model, self._rotated, self._basis, self.index, self.uncoupled = model, rotated, basis, index, uncoupled
        self.curvature = float(uncoupled.curvature)
        self.spectral_radius = float(radius)
        self.coupled = states.size > 1
        self.feeders = tuple(int(s // d) for s in states if s // d == s % d)
        self._states = states

    def __repr__(self) -> str:
        return (f"CoupledMode(index={self.index}, curvature={self.curvature:g}, spectral_radius="
                f"{self.spectral_radius:.6g}, coupled={self.coupled}, feeders={self.feeders})")

    def _project(self, cov: np.ndarray) -> float:
        e = self._basis[:, self.index]
        return float(e @ cov @ e)

    def mean(self, k: int, mean0=None) -> float:
        r""":math:`\mathbb{E}[e^\top x_k]` from the model's ``mean0`` (original coordinates, zero by default)."""
        return float(self._basis[:, self.index] @ self._model.mean(k, mean0))

    def variance(self, k: int, mean0=None, cov0=None) -> float:
        r""":math:`\operatorname{Var}[e^\top x_k]`, exact, from the model's ``mean0`` and ``cov0`` (zero by default)."""
        return self._project(self._model.covariance(k, mean0, cov0))

    def growth_offset(self) -> float:
        """:math:`u = r - 1`; a mode nothing else feeds keeps its one-mode offset, formed without cancellation."""
        return float(self.uncoupled.growth_offset()) if not self.coupled else self.spectral_radius - 1

    def contraction(self) -> float:
        """:math:`q = 1 + u`, the per-step factor of its second moment in the long run."""
        return 1 + self.growth_offset()

    def regime(self, horizon: int | float | None = None) -> str:
        r"""The regime by the one rule, from :math:`\lambda` and the coupled growth offset."""
        from sgdfp.numerics.coupled import coupled_regimes

        refuse_text(horizon, "horizon")
        if horizon is not None and (not isinstance(horizon, numbers.Real) or isinstance(horizon, bool)
                                    or not horizon > 0):
            raise ValueError(f"horizon must be a positive number of steps; got {horizon!r}")
        return coupled_regimes(np.array([self.curvature]), np.array([self.growth_offset()]), horizon)[0]

    def stationary_variance(self) -> float:
        r"""The exact stationary variance; ``nan`` where the second moments feeding it grow (:math:`r \ge 1`) or
        the model's mean has no fixed point."""
        if self.growth_offset() >= 0:
            return float("nan")
        cov = self._model.stationary_covariance()
        if cov is not None:
            return self._project(cov)
        return self._rotated._block_stationary_variance(self.index, self._states)

    def stationary_mean(self) -> float:
        """The stationary mean, or ``nan`` where there is none."""
        m = self._model.stationary_mean()
        return float("nan") if m is None or self.growth_offset() >= 0 else float(self._basis[:, self.index] @ m)


@dataclass(frozen=True)
class ModeDecomposition:
    r"""The modes of a :class:`QuadraticModel` in the eigenbasis of :math:`H`.

    Attributes:
        eigenvalues: :math:`\lambda_a`, ascending.
        eigenvectors: columns :math:`e_a`.
        modes: one :class:`CoupledMode` per eigenvalue: the exact, coupled answers, each with its one-mode
            :class:`~sgdfp.derive.Mode` (diagonal noise statistics) as ``uncoupled``.
        grad_noise_offdiagonal: :math:`\|\mathrm{offdiag}\,\tilde C\|_F / \|\tilde C\|_F` in the eigenbasis.
        curvature_noise_offdiagonal: the same for :math:`\tilde\Gamma` (share of its Frobenius norm off
            the entries :math:`\tilde\Gamma_{aa,aa}`); 0 without curvature noise.
        rotated_grad_cov: :math:`\tilde C = V^\top C V`.
        coupled: whether any mode's variance is fed by another's second moments.
    """

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    modes: list
    grad_noise_offdiagonal: float
    curvature_noise_offdiagonal: float
    rotated_grad_cov: np.ndarray
    coupled: bool = False


class QuadraticModel:
    r"""SGD on a random quadratic in d dimensions.

    Args:
        hessian: :math:`H`, symmetric ``(d, d)``.
        grad_cov: :math:`C = \operatorname{Cov}(g_B)` per step, symmetric positive semi-definite.
        lr: :math:`\eta > 0`.
        curvature_noise: :math:`\Gamma_{ij,kl} = \operatorname{Cov}(H_{B,ij}, H_{B,kl})`, shape ``(d, d, d, d)``.
        mean_grad: :math:`\bar g`, shape ``(d,)``.
        cross: :math:`\rho_{ij,k} = \operatorname{Cov}(H_{B,ij}, g_{B,k})`, shape ``(d, d, d)``.
        dynamics: :data:`~sgdfp.derive.SGD` (the map, default) or :data:`~sgdfp.derive.LANGEVIN` (the SDE).

    Raises:
        ValueError: wrong shapes, a non-symmetric Hessian or covariance, a covariance that is not
            positive semi-definite, :math:`\eta \le 0`, non-finite entries.
    """

    def __init__(self, hessian, grad_cov, lr: float, curvature_noise=None, mean_grad=None, cross=None, *,
                 dynamics: Dynamics | str | None = None):
        if isinstance(hessian, (str, bytes)):
            raise TypeError(f"hessian must be a square matrix of numbers, not text ({hessian!r})")
        shape = np.shape(hessian)
        if len(shape) != 2 or shape[0] != shape[1] or shape[0] == 0:
            raise ValueError(f"hessian must be a non-empty square matrix (d x d, d >= 1); got shape {shape}")
        H = _matrix(hessian, "hessian", shape)
        self.dynamics = get_dynamics(dynamics)
        if self.dynamics not in (SGD, LANGEVIN):
            raise ValueError(f"QuadraticModel evaluates SGD and Langevin dynamics; got {self.dynamics.name!r}")
        d = H.shape[0]
        self.dim = d
        self.hessian = H
        if not np.allclose(self.hessian, self.hessian.T, rtol=1e-10, atol=1e-12):
            raise ValueError("hessian must be symmetric")
        self.grad_cov = _matrix(grad_cov, "grad_cov", (d, d))
        if not np.allclose(self.grad_cov, self.grad_cov.T, rtol=1e-10, atol=1e-12):
            raise ValueError("grad_cov must be symmetric")
        if np.linalg.eigvalsh(self.grad_cov).min() < -1e-10 * max(1.0, np.abs(self.grad_cov).max()):
            raise ValueError("grad_cov must be positive semi-definite")
        if isinstance(lr, (str, bytes)):
            raise TypeError(f"lr must be a positive number, not text ({lr!r})")
        # a number, numpy scalar or 0-d array of numbers
        number = isinstance(lr, (int, float, np.integer, np.floating)) or (
            isinstance(lr, np.ndarray) and lr.ndim == 0 and lr.dtype.kind in "iuf")
        if isinstance(lr, (bool, np.bool_)) or not (number and np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a positive finite number; got {lr!r}")
        self.lr = float(lr)
        self.curvature_noise = None if curvature_noise is None else _matrix(curvature_noise, "curvature_noise",
                                                                              (d, d, d, d))
        self.mean_grad = np.zeros(d) if mean_grad is None else _matrix(mean_grad, "mean_grad", (d,))
        self.cross = None if cross is None else _matrix(cross, "cross", (d, d, d))
        if self.curvature_noise is not None:
            variances = np.einsum("ijij->ij", self.curvature_noise)
            if np.any(variances < 0):
                i, j = (int(n) for n in np.argwhere(variances < 0)[0])
                raise ValueError(f"curvature_noise[i, j, i, j] = Var(H_B,ij) is a variance and cannot be negative; "
                                 f"got {variances[i, j]:g} at i, j = {i}, {j}")

    def under(self, dynamics: Dynamics | str) -> QuadraticModel:
        """The same model under another dynamics."""
        return QuadraticModel(self.hessian, self.grad_cov, self.lr, self.curvature_noise, self.mean_grad, self.cross,
                              dynamics=dynamics)

    # ------------------------------------------------------------------ the recursion
    def _curvature_operator(self) -> np.ndarray | None:
        r""":math:`\mathcal G` as a ``(d^2, d^2)`` matrix on row-major vec S."""
        if self.curvature_noise is None:
            return None
        d = self.dim
        return self.curvature_noise.transpose(0, 2, 1, 3).reshape(d * d, d * d)

    def _cross_term(self, m: np.ndarray) -> np.ndarray:
        if self.cross is None:
            return np.zeros((self.dim, self.dim))
        R = np.einsum("ikj,k->ij", self.cross, m)
        return R + R.T

    def step(self, mean: np.ndarray, second: np.ndarray, squared_drift: bool | None = None):
        r"""One step of the exact moment recursion, ``(m, S) -> (m', S')`` with :math:`S = \mathbb{E}[xx^\top]`.

        :math:`S' - S = \mathbb{E}[M^{(1)}x^\top + xM^{(1)\top}] + \mathbb{E}[M^{(1)}M^{(1)\top}] + \mathbb{E}[\text{centred } M^{(2)}]`;
        ``squared_drift=False`` drops the middle term: the per-step Langevin model (the default under
        Langevin dynamics).
        """
        d = self.dim
        mean, second = _matrix(mean, "mean", (d,)), _matrix(second, "second", (d, d))
        if squared_drift is not None and not isinstance(squared_drift, (bool, np.bool_)):
            raise TypeError(f"squared_drift must be True, False or None; got {squared_drift!r}")
        if squared_drift is None:
            squared_drift = self.dynamics is SGD
        eta_, H, gbar = self.lr, self.hessian, self.mean_grad
        drift_mean = H @ mean + gbar  # M1 = -eta (H x + gbar)
        new_mean = mean - eta_ * drift_mean
        HS = H @ second
        drift = -eta_ * (HS + second @ H + np.outer(gbar, mean) + np.outer(mean, gbar))
        noise = eta_**2 * (self.grad_cov + self._cross_term(mean))
        if self.curvature_noise is not None:
            noise = noise + eta_**2 * np.einsum("ikjl,kl->ij", self.curvature_noise, second)
        new_second = second + drift + noise
        if squared_drift:
            Hm = H @ mean
            new_second = new_second + eta_**2 * (HS @ H + np.outer(Hm, gbar) + np.outer(gbar, Hm)
                                                 + np.outer(gbar, gbar))
        return new_mean, new_second

    def mean(self, k: int, mean0=None) -> np.ndarray:
        r""":math:`\mathbb{E}[x_k]`."""
        return self._moments(k, mean0, None)[0]

    def covariance(self, k: int, mean0=None, cov0=None) -> np.ndarray:
        r"""The exact covariance :math:`\operatorname{Cov}[x_k]` from ``mean0`` and ``cov0`` (zero by default)."""
        m, S = self._moments(k, mean0, cov0)
        cov = S - np.outer(m, m)
        return (cov + cov.T) / 2

    def _moments(self, k, mean0, cov0):
        if not isinstance(k, (int, np.integer)) or isinstance(k, (bool, np.bool_)) or k < 0:
            raise ValueError(f"k must be a non-negative integer; got {k!r}")
        d = self.dim
        m = np.zeros(d) if mean0 is None else _matrix(mean0, "mean0", (d,))
        S = (np.zeros((d, d)) if cov0 is None else _matrix(cov0, "cov0", (d, d))) + np.outer(m, m)
        if self.dynamics is LANGEVIN:  # the SDE at time eta k: the exponential of its generator
            generator = (self._operator() - np.eye(1 + d + d * d)) / self.lr
            z = scipy.linalg.expm(generator * self.lr * int(k)) @ np.concatenate([[1.0], m, S.ravel()])
            return z[1:1 + d], z[1 + d:].reshape(d, d)
        if k > 64 and 1 + d + d * d <= 600:  # repeated squaring of the affine map
            z = np.linalg.matrix_power(self._operator(), int(k)) @ np.concatenate([[1.0], m, S.ravel()])
            return z[1:1 + d], z[1 + d:].reshape(d, d)
        for _ in range(int(k)):
            m, S = self.step(m, S)
        return m, S

    def _operator(self) -> np.ndarray:
        """The affine recursion as one matrix on z = (1, m, vec S), read off by applying ``step`` to a basis."""
        d = self.dim
        n = 1 + d + d * d

        def apply(z):
            m, S = self.step(z[1:1 + d], z[1 + d:].reshape(d, d))
            return np.concatenate([[z[0]], m, S.ravel()])

        offset = apply(np.eye(n)[0]) - np.eye(n)[0]
        T = np.column_stack([apply(e) - offset if i else apply(e) for i, e in enumerate(np.eye(n))])
        return T

    # ------------------------------------------------------------------ stationary laws
    def _second_moment_operator(self, squared_drift: bool) -> np.ndarray:
        d, eta_ = self.dim, self.lr
        I, H = np.eye(d), self.hessian
        L = np.eye(d * d) - eta_ * (np.kron(H, I) + np.kron(I, H))
        if squared_drift:
            L = L + eta_**2 * np.kron(H, H)
        G = self._curvature_operator()
        return L if G is None else L + eta_**2 * G

    def second_moment_spectral_radius(self) -> float:
        r"""Spectral radius of :math:`S \mapsto ASA^\top + \eta^2\mathcal G[S]`; SGD is stable iff it is < 1."""
        return float(np.max(np.abs(np.linalg.eigvals(self._second_moment_operator(True)))))

    def stationary_mean(self) -> np.ndarray | None:
        r""":math:`-H^{-1}\bar g`, or None where the mean has no fixed point."""
        if not np.any(self.mean_grad):
            return np.zeros(self.dim)
        try:
            return -np.linalg.solve(self.hessian, self.mean_grad)
        except np.linalg.LinAlgError:
            return None

    def _fixed_point(self, squared_drift: bool) -> np.ndarray | None:
        m = self.stationary_mean()
        if m is None:
            return None
        d = self.dim
        _, offset = self.step(m, np.zeros((d, d)), squared_drift)  # what in S' does not multiply S
        S = np.linalg.solve(np.eye(d * d) - self._second_moment_operator(squared_drift), offset.ravel())
        cov = S.reshape(d, d) - np.outer(m, m)
        return (cov + cov.T) / 2

    def _block_stationary_variance(self, index: int, states: np.ndarray) -> float:
        """Coordinate ``index``'s stationary variance from the closed subsystem of the second moments ``states``
        (row-major indices of vec S) that feed it, where the whole system has no stationary law."""
        m = self.stationary_mean()
        if m is None:
            return float("nan")
        d, squared_drift = self.dim, self.dynamics is SGD
        _, offset = self.step(m, np.zeros((d, d)), squared_drift)
        block = self._second_moment_operator(squared_drift)[np.ix_(states, states)]
        second = np.linalg.solve(np.eye(states.size) - block, offset.ravel()[states])
        return float(second[np.searchsorted(states, index * d + index)] - m[index] ** 2)

    def stationary_covariance(self) -> np.ndarray | None:
        """The stationary covariance, or None where no stationary law exists: for SGD the fixed point of the
        exact recursion (the discrete Lyapunov equation with the multiplicative term); for Langevin that of
        its generator."""
        if self.dynamics is LANGEVIN:
            return self._langevin_stationary_covariance()
        if self.second_moment_spectral_radius() >= 1:
            return None
        return self._fixed_point(squared_drift=True)

    def langevin_stationary_covariance(self) -> np.ndarray | None:
        """Alias of ``self.under(LANGEVIN).stationary_covariance()``."""
        return self._langevin_stationary_covariance()

    def _langevin_stationary_covariance(self) -> np.ndarray | None:
        r""":math:`HS + SH - \eta\mathcal G[S] = \eta C` (plus mean and cross terms when present), or None where
        Langevin has no stationary law."""
        d, eta_ = self.dim, self.lr
        generator = np.kron(self.hessian, np.eye(d)) + np.kron(np.eye(d), self.hessian)
        G = self._curvature_operator()
        if G is not None:
            generator = generator - eta_ * G
        if np.linalg.eigvalsh(self.hessian).min() <= 0 or np.linalg.eigvals(generator).real.min() <= 0:
            return None
        return self._fixed_point(squared_drift=False)

    # ------------------------------------------------------------------ modes
    def modes(self) -> ModeDecomposition:
        """The :class:`Mode` of each eigendirection of :math:`H`, and how much noise lies off the diagonal."""
        lam, V = np.linalg.eigh(self.hessian)
        C = V.T @ self.grad_cov @ V
        gbar = V.T @ self.mean_grad
        grad_off = offdiagonal_fraction(C)
        d = self.dim
        if self.curvature_noise is not None:
            G = np.einsum("ia,jb,kc,ld,ijkl->abcd", V, V, V, V, self.curvature_noise)
            diag = np.array([G[a, a, a, a] for a in range(d)])
            g_total = np.linalg.norm(G)
            g_off = float(np.sqrt(max(g_total**2 - np.sum(diag**2), 0.0)) / g_total) if g_total > 0 else 0.0
        else:
            diag, g_off = np.zeros(d), 0.0
        if self.cross is not None:
            rho = np.einsum("ia,jb,kc,ijk->abc", V, V, V, self.cross)
            rho_diag = np.array([rho[a, a, a] for a in range(d)])
        else:
            rho_diag = np.zeros(d)
        uncoupled = [Mode.from_estimates(lam[a], C[a, a], self.lr, diag[a], gbar[a], rho_diag[a],
                                         dynamics=self.dynamics) for a in range(d)]
        # which second moments feed which, in the eigenbasis (where the operator's zeros are structural)
        rotated = QuadraticModel(np.diag(lam), (C + C.T) / 2, self.lr, None if self.curvature_noise is None else G,
                                 gbar, None if self.cross is None else rho, dynamics=self.dynamics)
        radius, feeders = feeding_radii(rotated._second_moment_operator(self.dynamics is SGD))
        modes = [CoupledMode(self, rotated, V, a, uncoupled[a], radius[a * d + a], feeders[a * d + a])
                 for a in range(d)]
        return ModeDecomposition(lam, V, modes, grad_off, g_off, C, any(m.coupled for m in modes))

    def cross_covariance(self, a: int, b: int, k: int | None = None) -> float:
        """Exact covariance of modes ``a`` and ``b`` (eigenvalue order) at step k from zero, or stationary.

        Without curvature noise or cross terms, the closed form of :func:`pair_cross_covariance`;
        otherwise the full covariance rotated into the eigenbasis.
        """
        for index in (a, b):
            if isinstance(index, (bool, np.bool_)) or not (isinstance(index, (int, np.integer))
                                                           and 0 <= index < self.dim):
                raise ValueError(f"mode index must be in 0..{self.dim - 1}; got {index!r}")
        if k is not None and (isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < 0):
            raise ValueError(f"k must be a non-negative integer or None (stationary); got {k!r}")
        decomposition = self.modes()
        if self.curvature_noise is None and self.cross is None:
            lam = decomposition.eigenvalues
            return pair_cross_covariance(lam[a], lam[b], decomposition.rotated_grad_cov[a, b], self.lr, k)
        cov = self.stationary_covariance() if k is None else self.covariance(k)
        if cov is None:
            return float("nan")
        V = decomposition.eigenvectors
        return float(V[:, a] @ cov @ V[:, b])


def offdiagonal_fraction(matrix: np.ndarray) -> float:
    r""":math:`\|\mathrm{offdiag}\,M\|_F / \|M\|_F` (0 for the zero matrix).

    Raises:
        TypeError: text; ValueError: not a square matrix of finite numbers.
    """
    if isinstance(matrix, (str, bytes)):
        raise TypeError(f"matrix must be an array of numbers, not text ({matrix!r})")
    matrix = _matrix(matrix, "matrix", np.shape(matrix))
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix must be a square matrix; got shape {matrix.shape}")
    total = np.linalg.norm(matrix)
    return float(np.linalg.norm(matrix - np.diag(np.diag(matrix))) / total) if total > 0 else 0.0
