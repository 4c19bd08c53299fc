r"""Measured per-mode variances against predicted ones: :func:`assert_variance_matches`.

Replicas are independent, so for Gaussian fluctuations the unbiased sample variance of :math:`R` replicas
obeys :math:`\nu s^2/\sigma^2 \sim \chi^2_\nu`, :math:`\nu = R - 1`, exactly. A check of :math:`m` modes at
level :math:`\alpha` (default :data:`~sgdfp.testing.inputs.DEFAULT_ALPHA` = 0.01) is two tests, with
:math:`\alpha` split between them (:data:`POOLED_SHARE`) so that the probability that a correct prediction
fails is at most :math:`\alpha` (union bound):

1. *per mode*: the exact two-sided :math:`\chi^2_\nu` test of :math:`s_i^2/\sigma_i^2 = 1`, with Holm's
   step-down procedure over the modes at family-wise level :math:`\alpha/2` (valid whatever the dependence
   between modes); it names the modes that fail;
2. *pooled*: the weighted mean ratio :math:`\bar r = \sum_i \nu_i s_i^2/\sigma_i^2 / \sum_i \nu_i`, for which
   :math:`(\sum_i\nu_i)\bar r \sim \chi^2_{\sum\nu_i}` exactly when the modes are independent, tested
   two-sided at :math:`\alpha/2`. It catches an error shared by many modes (every mode 20 % off), which a
   per-mode test at level :math:`\alpha/(2m)` would miss. When the modes are correlated (modes of one SGD run
   share the minibatch) the sum has fewer degrees of freedom: given samples, the effective number of
   independent modes :math:`m^2/\sum_{ij}\rho_{ij}^2` is estimated from the sample correlations
   (:func:`sgdfp.stats.effective_modes`: bias-corrected, never above :math:`m`) and the Satterthwaite
   :math:`\chi^2` is used; given only variances, the modes are taken independent unless ``effective_modes``
   says otherwise. Errors of mixed sign cancel in :math:`\bar r`; they are left to the per-mode tests.

A single mode is tested once, at the whole :math:`\alpha` (the two tests coincide). The per-mode intervals in
messages are the exact ones of :func:`sgdfp.stats.chi2_interval` at the simultaneous level
:math:`1 - \alpha_\text{family}/m` (a mode lies outside its interval exactly when the first Holm step rejects
it); the pooled interval is the same function with :math:`\sum_i\nu_i + 1` "replicas". Non-Gaussian
fluctuations (curvature noise makes the stationary law heavy-tailed) widen the spread of :math:`s^2`: with
``excess_kurtosis`` (a number, or ``"estimate"`` from samples, clipped at 0) the :math:`\chi^2` degrees of
freedom become :math:`2/(2/(R-1) + \kappa/R)` (moment matching, :func:`sgdfp.stats.chi2_dof`); the default
is the exact Gaussian test.

What a check can detect, and how the defaults were calibrated: :mod:`sgdfp.testing.power`.

The decision itself (:func:`_decide_variance`) takes a leading batch axis: the calibration runs thousands of
trials through the very function the assertion calls. One assertion takes under a millisecond for up to 48
modes (3.6 ms for 1000 modes from variances, 95 ms from 1200 x 1000 samples). Samples with NaN or inf are an
error (leave diverged replicas out and pass the survivors), as are non-positive predictions and fewer than
two replicas. scipy (through :mod:`sgdfp.stats`) loads on the first check, not on import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sgdfp.testing.inputs import (
    DEFAULT_ALPHA,
    SHOWN,
    as_array,
    check_alpha,
    check_ddof,
    check_kurtosis,
    check_replicas,
    mode_label,
    percent,
    replica_text,
    require_finite,
)
from sgdfp.testing.recording import record

__all__ = ["assert_variance_matches", "VarianceCheck", "POOLED_SHARE"]

POOLED_SHARE = 0.5
"""Share of ``alpha`` spent on the pooled test (the rest goes to the per-mode family) when there are >= 2 modes."""


def _sample_statistics(samples: np.ndarray, excess_kurtosis) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unbiased variances ``(..., m)``, their degrees of freedom ``(..., m)`` and the effective number of
    independent modes ``(...)`` from samples ``(..., R, m)``; ``excess_kurtosis`` a number or ``"estimate"``."""
    from sgdfp.stats import chi2_dof, effective_modes

    n = samples.shape[-2]
    centred = samples - samples.mean(axis=-2, keepdims=True)
    sum_squares = np.einsum("...rm,...rm->...m", centred, centred)
    variance = sum_squares / (n - 1)
    if excess_kurtosis == "estimate":  # the sample excess kurtosis, clipped at 0 (0 for a constant mode)
        with np.errstate(invalid="ignore", divide="ignore"):
            kurtosis = n * np.einsum("...rm->...m", centred**4) / sum_squares**2 - 3.0
        excess_kurtosis = np.clip(np.nan_to_num(kurtosis), 0.0, None)
    dof = np.broadcast_to(chi2_dof(n, excess_kurtosis), variance.shape)
    return variance, dof, effective_modes(samples)


@dataclass
class _VarianceDecision:
    ratio: np.ndarray
    dof: np.ndarray
    p_values: np.ndarray
    adjusted: np.ndarray
    pooled_ratio: np.ndarray
    pooled_dof: np.ndarray
    pooled_p: np.ndarray
    family_alpha: float
    pooled_alpha: float
    failed_modes: np.ndarray
    failed: np.ndarray


def _decide_variance(variance, predicted, dof, alpha: float = DEFAULT_ALPHA, effective_modes=None,
                     pooled_share: float = POOLED_SHARE) -> _VarianceDecision:
    """The decision of :func:`assert_variance_matches`, vectorised over any leading axes (modes last)."""
    from sgdfp.stats import chi2_p_values, holm

    ratio = np.asarray(variance, dtype=np.float64) / predicted
    dof = np.broadcast_to(np.asarray(dof, dtype=np.float64), ratio.shape)
    m = ratio.shape[-1]
    p = chi2_p_values(ratio, dof)
    adjusted = holm(p)
    family_alpha, pooled_alpha = (alpha, 0.0) if m == 1 else (alpha * (1 - pooled_share), alpha * pooled_share)
    total = dof.sum(axis=-1)
    pooled_ratio = (dof * ratio).sum(axis=-1) / total
    effective = m if effective_modes is None else np.clip(effective_modes, 1, m)
    pooled_dof = total * effective / m  # Satterthwaite: fewer degrees of freedom for correlated modes
    pooled_p = chi2_p_values(pooled_ratio, pooled_dof)
    failed_modes = adjusted <= family_alpha
    failed = failed_modes.any(axis=-1) | ((pooled_alpha > 0) & (pooled_p <= pooled_alpha))
    return _VarianceDecision(ratio, dof, p, adjusted, pooled_ratio, pooled_dof, pooled_p, family_alpha, pooled_alpha,
                             failed_modes, failed)


@dataclass
class VarianceCheck:
    """The outcome of :func:`assert_variance_matches` (flattened over the mode shape)."""

    label: str | None
    passed: bool
    alpha: float
    mode_shape: tuple
    replicas: np.ndarray
    measured: np.ndarray
    predicted: np.ndarray
    ratio: np.ndarray
    p_values: np.ndarray
    adjusted_p: np.ndarray
    failing: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    interval_level: float
    pooled_ratio: float | None
    pooled_interval: tuple | None
    pooled_p: float | None
    pooled_alpha: float
    family_alpha: float
    effective_modes: float
    noise_floor: float
    message: str = field(default="", repr=False)

    @property
    def modes(self) -> int:
        return int(self.ratio.size)

    @property
    def worst_abs_log_ratio(self) -> float:
        with np.errstate(divide="ignore"):
            return float(np.max(np.abs(np.log(self.ratio))))

    def record(self) -> dict:
        """Plain values for the end-of-run summary."""
        return {"kind": "variance", "label": self.label, "modes": self.modes, "replicas": replica_text(self.replicas),
                "worst": self.worst_abs_log_ratio, "pooled": self.pooled_ratio, "failing": int(self.failing.size),
                "passed": bool(self.passed)}


def assert_variance_matches(samples_or_moments, predicted, *, replicas=None, alpha: float = DEFAULT_ALPHA,
                            ddof: int = 1, effective_modes: float | None = None, excess_kurtosis=0.0,
                            label: str | None = None) -> VarianceCheck:
    r"""Assert that measured per-mode variances agree with predicted ones (statistics: module docstring).

    Args:
        samples_or_moments: either samples, shape ``(replicas,)`` or ``(replicas, *modes)``, one row per
            independent replica; or, with ``replicas`` given, the per-mode sample variances, shape ``modes``.
        predicted: the predicted variance of every mode (shape ``modes``, or broadcastable to it), > 0.
        replicas: the number of replicas behind the variances (an integer, or one per mode); omit for samples.
        alpha: probability that a correct prediction fails (default :data:`~sgdfp.testing.DEFAULT_ALPHA`).
        ddof: variances were divided by ``R - ddof`` (1: unbiased, as ``torch.var``; 0: as
            :func:`sgdfp.numerics.simulate_mode`).
        effective_modes: number of independent modes the pooled test assumes (default: estimated from
            samples; all modes for variances).
        excess_kurtosis: excess kurtosis of the fluctuations (0: Gaussian, exact), or ``"estimate"`` (samples).
        label: a name for the check in messages and the summary.

    Returns:
        The :class:`VarianceCheck` (on success).

    Raises:
        AssertionError: the measurement contradicts the prediction; the message names the failing modes,
            measured against predicted with their intervals, and the pooled ratio.
        ValueError: shapes that do not match, predictions that are not positive, fewer than 2 replicas,
            NaN or inf, negative variances, a bad ``alpha``.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> check = assert_variance_matches(rng.normal(0, 2, size=(1200, 3)), [4.0, 4.0, 4.0])
        >>> check.passed
        True
    """
    from sgdfp.stats import chi2_dof

    alpha = check_alpha(alpha)
    ddof = check_ddof(ddof)  # checked with samples too, where it is not used
    excess_kurtosis = check_kurtosis(excess_kurtosis)
    data = as_array(samples_or_moments, "samples_or_moments")
    if replicas is None:
        if data.ndim == 0:
            raise ValueError("samples need a leading replica axis, shape (replicas,) or (replicas, *modes); "
                             "to pass per-mode variances give replicas=")
        if data.shape[0] < 2:
            raise ValueError(f"at least 2 replicas are needed for a variance; got {data.shape[0]} "
                             f"(samples of shape {data.shape}, replicas first)")
        require_finite(data, "samples", " -- leave diverged replicas out and pass the survivors")
        mode_shape = data.shape[1:]
        flat = data.reshape(data.shape[0], -1)
        if flat.shape[1] == 0:
            raise ValueError(f"samples of shape {data.shape} hold no modes")
        variance, dof, estimated = _sample_statistics(flat, excess_kurtosis)
        counts = np.full(flat.shape[1], data.shape[0])
        effective = float(estimated) if effective_modes is None else effective_modes
    else:
        if excess_kurtosis == "estimate":
            raise ValueError("excess_kurtosis='estimate' needs samples; with variances give a number")
        mode_shape = data.shape
        if data.size == 0:
            raise ValueError("no measured variances were given")
        require_finite(data, "measured variances")
        if np.any(data < 0):
            raise ValueError(f"variances cannot be negative; got {data.ravel()[data.ravel() < 0][:3]} ...")
        counts = check_replicas(replicas)
        try:
            counts = np.broadcast_to(counts, mode_shape).ravel()
        except ValueError:
            raise ValueError(f"replicas has shape {np.shape(replicas)}; it must be one number or one per mode "
                             f"(modes of shape {mode_shape})") from None
        variance = data.ravel() * (counts - ddof) / (counts - 1)
        dof = chi2_dof(counts, excess_kurtosis)
        effective = effective_modes
    predicted = _positive_predictions(predicted, mode_shape, samples=replicas is None)
    m = predicted.size
    if effective is not None and (isinstance(effective, bool) or not isinstance(effective, (int, float, np.floating))
                                  or not 1 <= effective <= m):
        raise ValueError(f"effective_modes must be a number between 1 and the number of modes ({m}); got {effective!r}")
    decision = _decide_variance(variance, predicted, dof, alpha, effective)
    check = _variance_check(decision, variance, predicted, counts, mode_shape, alpha, m if effective is None
                            else float(effective), label)
    record(check)
    if not check.passed:
        raise AssertionError(check.message)
    return check


def _positive_predictions(predicted, mode_shape: tuple, samples: bool) -> np.ndarray:
    """The predictions broadcast to the modes and flattened; finite and positive."""
    predicted = as_array(predicted, "predicted")
    try:
        predicted = np.broadcast_to(predicted, mode_shape)
    except ValueError:
        raise ValueError(f"predicted has shape {predicted.shape} but the measured modes have shape {mode_shape}"
                         + (" (samples: replicas first)" if samples else "")) from None
    predicted = predicted.ravel()
    require_finite(predicted, "predicted")
    if np.any(predicted <= 0):
        bad = int(np.flatnonzero(predicted <= 0)[0])
        raise ValueError(f"predicted variances must be positive; {mode_label(bad, mode_shape)} has {predicted[bad]!r}")
    return predicted


def _variance_check(decision: _VarianceDecision, variance, predicted, counts, mode_shape, alpha, effective,
                    label) -> VarianceCheck:
    from sgdfp.stats import chi2_interval, noise_floor

    m = predicted.size
    level = 1 - decision.family_alpha / m  # simultaneous: outside <=> rejected at Holm's first step
    lower, upper = chi2_interval(variance, decision.dof + 1, level)
    pooled = None
    if m > 1:
        pooled_lower, pooled_upper = chi2_interval(float(decision.pooled_ratio), float(decision.pooled_dof) + 1,
                                                   1 - decision.pooled_alpha)
        pooled = (float(pooled_lower), float(pooled_upper))
    check = VarianceCheck(
        label=label, passed=not bool(decision.failed), alpha=alpha, mode_shape=tuple(mode_shape), replicas=counts,
        measured=variance, predicted=predicted, ratio=decision.ratio, p_values=decision.p_values,
        adjusted_p=decision.adjusted, failing=np.flatnonzero(decision.failed_modes), lower=lower, upper=upper,
        interval_level=level, pooled_ratio=float(decision.pooled_ratio) if m > 1 else None, pooled_interval=pooled,
        pooled_p=float(decision.pooled_p) if m > 1 else None, pooled_alpha=decision.pooled_alpha,
        family_alpha=decision.family_alpha, effective_modes=float(effective),
        noise_floor=noise_floor(int(counts.min())))
    check.message = _variance_message(check)
    return check


def _variance_message(check: VarianceCheck) -> str:
    m = check.modes
    replicas = replica_text(check.replicas)
    verdict = "agree with" if check.passed else "disagree with"
    lines = [(f"{check.label + ': ' if check.label else ''}measured variances {verdict} the prediction "
              f"(alpha={check.alpha:g}; {m} mode{'s' if m != 1 else ''}, {replicas} replicas)")]
    if m > 1:
        lines.append(f"per-mode exact chi2 tests, Holm family-wise at {check.family_alpha:g}: "
                     f"{check.failing.size} of {m} modes fail; the {min(m, SHOWN)} least consistent:")
    else:
        lines.append(f"exact chi2 test at {check.family_alpha:g}:")
    failing = set(check.failing.tolist())
    for i in np.argsort(check.p_values, kind="stable")[:SHOWN]:
        text = (f"  {mode_label(int(i), check.mode_shape)}: measured {check.measured[i]:.4g}, predicted "
                f"{check.predicted[i]:.4g} (ratio {check.ratio[i]:.3f}); {percent(check.interval_level)} interval "
                f"[{check.lower[i]:.4g}, {check.upper[i]:.4g}]; p={check.p_values[i]:.2g}")
        if m > 1:
            text += f" (Holm {check.adjusted_p[i]:.2g})"
        lines.append(text + (" -- FAILS" if int(i) in failing else ""))
    if m > 1:
        low, high = check.pooled_interval
        verdict = "FAILS" if check.pooled_p <= check.pooled_alpha else "ok"
        lines.append(f"pooled test at {check.pooled_alpha:g} over {check.effective_modes:.4g} effective independent "
                     f"modes: measured/predicted {check.pooled_ratio:.4f}, {percent(1 - check.pooled_alpha)} interval "
                     f"[{low:.4f}, {high:.4f}]; p={check.pooled_p:.2g} -- {verdict}")
    with np.errstate(divide="ignore"):
        median = float(np.median(np.abs(np.log(check.ratio))))
    lines.append(f"median |log(measured/predicted)| = {median:.3g}; a perfect prediction shows about "
                 f"{check.noise_floor:.3g} with {int(check.replicas.min())} replicas")
    return "\n".join(lines)

