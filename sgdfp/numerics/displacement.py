r"""The two-time moments of :mod:`sgdfp.derive.stationarity`, compiled for arrays of modes and lags.

``displacement_functions("numpy").msd(lam, D, eta, tau, mean_k=m, var_k=V)`` evaluates the mean squared
displacement :math:`\mathbb{E}[(y_{k+\tau} - y_k)^2]` of the SGD mode map from the one-time moments
:math:`(m_k, V_k)` at step :math:`k`, for every broadcast combination, through the divided-difference
kernels of :mod:`sgdfp.numerics.stable` (no cancellation as :math:`\lambda \to 0`: the flat mode's
:math:`\eta^2 D\tau` is as exact as a stiff mode's plateau). :meth:`DisplacementFunctions.between` gives the
MSD between every pair of checkpoints of a run started at the reference point, with the one-time moments at
the earlier checkpoint from :func:`~sgdfp.numerics.mode_functions`; :meth:`DisplacementFunctions.exponent`
the log--log slope between two lags, comparable with the slope a run measures over its checkpoints.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from sgdfp.derive.mode.parameters import D, Gamma, gbar, lam, rho
from sgdfp.derive.stationarity import lag, mean_k, stationary_msd, stationary_var, two_time_moments, var_k
from sgdfp.derive.symbols import eta
from sgdfp.numerics.backends import check_backend
from sgdfp.numerics.codegen import CompiledFunction, compile
from sgdfp.numerics.modes import check_domain, check_finite, check_steps, mode_functions

__all__ = ["displacement_functions", "DisplacementFunctions"]

_ARGS = (lam, D, eta, lag, Gamma, gbar, rho, mean_k, var_k)
_OPTIONAL = ("curvature_noise", "mean_grad", "cross", "mean_k", "var_k")


@cache
def _compiled(quantity: str, backend: str) -> CompiledFunction:
    moments = two_time_moments()
    if quantity == "msd":
        return compile(moments.msd, _ARGS, backend)
    if quantity == "covariance":
        return compile(moments.covariance, (lam, eta, lag, var_k), backend)
    if quantity == "mean_displacement":
        return compile(moments.mean_displacement, (lam, eta, lag, gbar, mean_k), backend)
    return compile(stationary_msd(), (lam, eta, lag, stationary_var), backend)


class DisplacementFunctions:
    """Vectorised two-time moments for one backend; see :func:`displacement_functions`.

    The methods take ``(curvature, grad_noise, lr, lag)`` and the keywords ``curvature_noise``, ``mean_grad``,
    ``cross`` (default 0) and the moments ``mean_k``, ``var_k`` at the earlier step (default 0), each a number or an
    array; the arrays broadcast together.

    Raises:
        ValueError: NaN or infinite arguments, negative variances, a non-positive learning rate, a negative or
            non-integer lag (nothing is returned as a silent NaN for bad input).
        TypeError: text, or an unknown keyword.
    """

    def __init__(self, backend: str):
        self.backend = check_backend(backend)

    def __repr__(self) -> str:
        return f"DisplacementFunctions({self.backend!r})"

    @staticmethod
    def _check(named: dict, tau) -> None:
        for name, value in named.items():
            check_finite(name, value)
            check_domain("var0" if name == "var_k" else name, value)
        check_steps(tau)

    @staticmethod
    def _optional(optional: dict) -> dict:
        unknown = set(optional) - set(_OPTIONAL)
        if unknown:
            raise TypeError(f"unknown keyword(s) {sorted(unknown)}; allowed: {', '.join(_OPTIONAL)}")
        return {name: optional.get(name, 0.0) for name in _OPTIONAL}

    def msd(self, curvature, grad_noise, lr, tau, **optional):
        r""":math:`\mathbb{E}[(y_{k+\tau} - y_k)^2]` from mean ``mean_k`` and variance ``var_k`` at step :math:`k`."""
        values = self._optional(optional)
        self._check({"curvature": curvature, "grad_noise": grad_noise, "lr": lr, **values}, tau)
        return _compiled("msd", self.backend)(curvature, grad_noise, lr, tau, values["curvature_noise"],
                                              values["mean_grad"], values["cross"], values["mean_k"], values["var_k"])

    def covariance(self, curvature, lr, tau, var_k):
        r""":math:`\operatorname{Cov}(y_{k+\tau}, y_k) = (1 - \eta\lambda)^\tau V_k`."""
        self._check({"curvature": curvature, "lr": lr, "var_k": var_k}, tau)
        return _compiled("covariance", self.backend)(curvature, lr, tau, var_k)

    def mean_displacement(self, curvature, lr, tau, mean_grad=0.0, mean_k=0.0):
        r""":math:`\mathbb{E}[y_{k+\tau} - y_k]`."""
        self._check({"curvature": curvature, "lr": lr, "mean_grad": mean_grad, "mean_k": mean_k}, tau)
        return _compiled("mean_displacement", self.backend)(curvature, lr, tau, mean_grad, mean_k)

    def stationary_msd(self, curvature, grad_noise, lr, tau, **optional):
        r""":math:`2V_\infty(1 - (1 - \eta\lambda)^\tau)` at the stationary law; ``nan`` where the mode has none
        (:math:`q \ge 1`: no stationary variance)."""
        values = self._optional(optional)
        if values["mean_k"] != 0.0 or values["var_k"] != 0.0:
            raise TypeError("the stationary MSD takes no mean_k or var_k: the moments are the stationary ones")
        self._check({"curvature": curvature, "grad_noise": grad_noise, "lr": lr, **values}, tau)
        params = {k: values[k] for k in ("curvature_noise", "mean_grad", "cross")}
        stationary = mode_functions(self.backend).stationary_variance(curvature, grad_noise, lr, **params)
        return _compiled("stationary", self.backend)(curvature, lr, tau, stationary)

    def exponent(self, curvature, grad_noise, lr, tau_low, tau_high, **optional):
        r"""The log--log slope :math:`\log(\mathrm{MSD}(\tau_h)/\mathrm{MSD}(\tau_l))/\log(\tau_h/\tau_l)` between two
        lags (``nan`` where an MSD is zero: a mode without noise or drift).

        Raises:
            ValueError: as :meth:`msd`, or lags that are not ``0 < tau_low < tau_high``.
        """
        low, high = check_steps(tau_low), check_steps(tau_high)
        if np.any(low <= 0) or np.any(high <= low):
            raise ValueError("the lags of an exponent must satisfy 0 < tau_low < tau_high")
        a = np.asarray(self.msd(curvature, grad_noise, lr, tau_low, **optional), dtype=np.float64)
        b = np.asarray(self.msd(curvature, grad_noise, lr, tau_high, **optional), dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.log(b / a) / np.log(high / low)
        return np.where((a > 0) & (b > 0), slope, np.nan)

    def between(self, steps, curvature, grad_noise, lr, *, curvature_noise=0.0, mean_grad=0.0, cross=0.0,
                mean0=0.0, var0=0.0) -> np.ndarray:
        r"""The MSD between every pair of steps of one run, ``(C, C, m)`` for ``steps`` ``(C,)`` and ``m`` modes:
        entry ``[c, c']`` is :math:`\mathbb{E}[(y_{s_{c'}} - y_{s_c})^2]` (symmetric, zero on the diagonal), with
        the moments at the earlier step from the law ``(mean0, var0)`` at step 0 (numpy only); ``inf`` from an
        earlier step where the mode's predicted moments have overflowed.

        Raises:
            ValueError: as :meth:`msd`; steps that are not non-negative integers.
        """
        if self.backend != "numpy":
            raise ValueError("between() evaluates with numpy; use msd() for torch tensors")
        steps = check_steps(np.asarray(steps, dtype=np.float64).ravel())
        params = dict(curvature_noise=curvature_noise, mean_grad=mean_grad, cross=cross)
        sgd = mode_functions("numpy")
        k = steps[:, None]
        mean = sgd.mean(curvature, grad_noise, lr, k, mean0=mean0, **params)
        variance = sgd.variance(curvature, grad_noise, lr, k, mean0=mean0, var0=var0, **params)
        modes = np.broadcast_shapes(np.shape(mean), np.shape(curvature))[-1] if np.ndim(mean) > 1 else 1
        mean = np.broadcast_to(mean, (len(steps), modes))
        variance = np.broadcast_to(variance, (len(steps), modes))
        out = np.zeros((len(steps), len(steps), modes))
        for c in range(len(steps)):
            later = steps[c + 1:]
            if later.size == 0:
                continue
            # a mode whose moments overflowed by step c (an unstable one) has no displacement there: inf
            finite = np.isfinite(mean[c]) & np.isfinite(variance[c])
            value = self.msd(curvature, grad_noise, lr, (later - steps[c])[:, None],
                             mean_k=np.where(finite, mean[c], 0.0), var_k=np.where(finite, variance[c], 0.0), **params)
            out[c, c + 1:] = np.where(finite, np.broadcast_to(value, (later.size, modes)), np.inf)
            out[c + 1:, c] = out[c, c + 1:]
        return out


@cache
def _functions(backend: str) -> DisplacementFunctions:
    return DisplacementFunctions(backend)


def displacement_functions(backend: str = "numpy") -> DisplacementFunctions:
    """The compiled two-time moments of the SGD mode map for ``backend`` (``"numpy"`` or ``"torch"``)."""
    return _functions(check_backend(backend))

