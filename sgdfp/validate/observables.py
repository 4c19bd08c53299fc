r"""Stationarity and diffusion observables of a run: measured MSD, its exponent and the FDR ratio, against the theory.

From an ensemble's sums (:class:`~sgdfp.validate.ensemble.EnsembleSums`, or the
:class:`~sgdfp.validate.ensemble.EnsembleResult` they give) :func:`measure_observables` forms, per mode:

- the **mean squared displacement** between every two checkpoints :math:`c < c'`,
  :math:`\widehat{\mathrm{MSD}} = \frac1n\sum_r (d_{r,c'} - d_{r,c})^2` over the :math:`n` replicas live at
  :math:`c'`, with an interval from the moment-matched :math:`\chi^2` law of a mean of squares
  (:func:`sgdfp.stats.chi2_interval` at :math:`\nu = 2n\,\widehat{\mathrm{MSD}}^2/\widehat{\operatorname{Var}}
  (\Delta^2)` degrees of freedom: :math:`\nu = n` for Gaussian increments of mean zero, fewer for heavier
  tails or a drift), and the theory's :math:`\mathrm{MSD}` (:mod:`sgdfp.numerics.displacement`, from the
  one-time moments the mode theory predicts at :math:`c`);
- the **exponent** :math:`\alpha`: the least-squares slope of :math:`\log\mathrm{MSD}` against
  :math:`\log\tau` over the lags from one origin checkpoint, measured and predicted the same way. Its
  interval is conservative: the MSDs of one origin at different lags are correlated by an amount the sums do
  not hold, so the standard error is bounded by :math:`\sum_j |w_j|\,\mathrm{sd}(\log\widehat{\mathrm{MSD}}_j)`
  (fully correlated lags), :math:`w` the slope's weights;
- the **FDR ratio** :math:`r = \langle A\rangle/\langle B\rangle`, :math:`A = 2(1-\beta)yF + 2\beta vF`,
  :math:`B = \eta F^2` (:func:`sgdfp.derive.stationarity.fdr_estimators`), 1 at a stationary law, at each
  checkpoint, with Fieller's interval for a ratio of two correlated means (unbounded, :math:`\pm\infty`, where
  :math:`\langle B\rangle` is not resolved from zero);

and a run-level :class:`ObservablesSummary`. The two-time theory is that of the SGD map (with weight decay
through the effective curvature :math:`\lambda + \omega` and mean gradient :math:`\bar g + \omega e_i^\top
\theta^*`); for momentum the predicted MSD is left out (``undefined`` says so), while the FDR holds for every
optimiser of :mod:`~sgdfp.validate.optimizer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from scipy import stats

from sgdfp.errors import InputError, check_instance, check_real
from sgdfp.stats import chi2_interval
from sgdfp.validate.ensemble import EnsembleResult, EnsembleSums, FDRSums, TwoTimeSums
from sgdfp.validate.optimizer import Optimizer
from sgdfp.validate.statistics import ModeStatistics

__all__ = ["Observables", "ObservablesSummary", "measure_observables", "fieller_interval", "msd_interval"]


@dataclass
class ObservablesSummary:
    """Run-level numbers (None where undefined; ``undefined`` names the reason).

    Attributes:
        fdr_checkpoint: the step the FDR numbers refer to (the last checkpoint).
        fdr_confined_modes: how many modes are confined over the run's horizon (the regime rule).
        fdr_consistent_fraction: the fraction of them whose FDR interval holds 1.
        fdr_median_abs_deviation: median over them of :math:`|r - 1|`.
        fdr_flagged_fraction_other: the fraction of the modes that are not confined whose FDR interval excludes 1
            (such a mode is not at a stationary law: a diffusive mode from the reference point has :math:`r \\approx
            2\\eta\\lambda k`). The interval's half-width is about :math:`2\\sqrt{\\operatorname{Var}y/(\\eta^2 D n)}`
            (:math:`\\sqrt{2/(\\eta\\lambda n)}` at a stationary law): a mode is flagged only when the replicas
            outnumber its spread in units of :math:`\\eta\\sqrt D`, squared.
        msd_median_abs_log: median over modes and lags (from the origin) of :math:`|\\log(\\text{measured}/
            \\text{predicted})|`.
        exponent_median: median measured exponent per regime; ``exponent_predicted_median`` the theory's.
    """

    fdr_checkpoint: int
    fdr_confined_modes: int
    fdr_consistent_fraction: float | None
    fdr_median_abs_deviation: float | None
    fdr_flagged_fraction_other: float | None
    msd_median_abs_log: float | None
    exponent_median: dict[str, float] = field(default_factory=dict)
    exponent_predicted_median: dict[str, float] = field(default_factory=dict)
    undefined: dict[str, str] = field(default_factory=dict)


@dataclass
class Observables:
    """Per-mode observables of one run (numpy arrays; ``C`` checkpoints, ``m`` modes, ``L`` lags from the origin).

    Attributes:
        steps: the checkpoints ``(C,)``; ``live``: the live replicas at each ``(C,)``.
        regimes: the regime of each mode over the run's horizon ``(m,)``.
        msd, msd_low, msd_high: the measured MSD between checkpoints ``(C, C, m)`` (symmetric, zero diagonal; NaN
            with fewer than 2 live replicas) and its interval; ``predicted_msd`` the theory's (None for momentum).
        covariance: the two-time covariance :math:`\\operatorname{Cov}(y_c, y_{c'})` ``(C, C, m)`` (unbiased).
        origin: the checkpoint the lags are counted from; ``lags`` ``(L,)``.
        exponent, exponent_low, exponent_high: the measured log--log slope per mode ``(m,)`` and its conservative
            interval; ``predicted_exponent`` the theory's slope over the same lags (None for momentum).
        fdr_ratio, fdr_low, fdr_high: :math:`r` and its interval at each checkpoint ``(C, m)``.
        level: the confidence level of every interval.
        summary: :class:`ObservablesSummary`.
    """

    steps: np.ndarray
    live: np.ndarray
    regimes: list[str]
    msd: np.ndarray | None
    msd_low: np.ndarray | None
    msd_high: np.ndarray | None
    predicted_msd: np.ndarray | None
    covariance: np.ndarray | None
    origin: int
    lags: np.ndarray
    exponent: np.ndarray | None
    exponent_low: np.ndarray | None
    exponent_high: np.ndarray | None
    predicted_exponent: np.ndarray | None
    fdr_ratio: np.ndarray | None
    fdr_low: np.ndarray | None
    fdr_high: np.ndarray | None
    level: float
    summary: ObservablesSummary


def _numpy(value) -> np.ndarray:
    return value.detach().cpu().numpy().astype(np.float64) if isinstance(value, torch.Tensor) else np.asarray(
        value, dtype=np.float64)


def msd_interval(mean_square: np.ndarray, mean_fourth: np.ndarray, count: np.ndarray,
                 level: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Interval of :math:`\mathbb{E}[\Delta^2]` from the replica means of :math:`\Delta^2` and :math:`\Delta^4` over
    ``count`` replicas: :func:`~sgdfp.stats.chi2_interval` at the moment-matched :math:`\nu =
    2n M^2/\widehat{\operatorname{Var}}(\Delta^2)` (exact, :math:`\nu = n`, for Gaussian :math:`\Delta` of mean zero).

    NaN where ``count < 2``; ``[0, 0]`` where every increment is zero.
    """
    m2, m4 = np.asarray(mean_square, dtype=np.float64), np.asarray(mean_fourth, dtype=np.float64)
    n = np.broadcast_to(np.asarray(count, dtype=np.float64), m2.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.maximum(m4 - m2**2, 0.0) * n / np.maximum(n - 1, 1)  # unbiased variance of Delta^2
        dof = np.where(spread > 0, 2 * n * m2**2 / spread, n)
        dof = np.clip(dof, 1e-3, None)  # a single dominant replica: nearly no degrees of freedom, not none
        low, high = chi2_interval(m2, dof + 1, level)
    zero = m2 == 0
    low, high = np.where(zero, 0.0, low), np.where(zero, 0.0, high)
    bad = n < 2
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def fieller_interval(mean_a, mean_b, var_a, var_b, cov_ab, count, level: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Fieller's interval for :math:`\mathbb{E}A/\mathbb{E}B` from the replica means and (unbiased) covariances of
    :math:`A, B` over ``count`` replicas: the :math:`r` with :math:`(\bar A - r\bar B)^2 \le t^2(s_{AA} -
    2rs_{AB} + r^2s_{BB})/n`, :math:`t` Student's at :math:`n - 1`. Where :math:`\bar B` is not resolved
    (:math:`\bar B^2 \le t^2 s_{BB}/n`) the set is unbounded: ``(-inf, inf)``. NaN where ``count < 2``."""
    a, b = np.asarray(mean_a, dtype=np.float64), np.asarray(mean_b, dtype=np.float64)
    n = np.broadcast_to(np.asarray(count, dtype=np.float64), a.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        t2 = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) ** 2 / n
        qa = b**2 - t2 * var_b
        qb = a * b - t2 * cov_ab
        qc = a**2 - t2 * var_a
        discriminant = np.maximum(qb**2 - qa * qc, 0.0)
        root = np.sqrt(discriminant)
        low, high = (qb - root) / qa, (qb + root) / qa
    bounded = qa > 0
    low, high = np.where(bounded, low, -np.inf), np.where(bounded, high, np.inf)
    bad = n < 2
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def _slopes(lags: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Least-squares slope of log values against log lags per column (NaN unless every value is positive)."""
    x = np.log(lags)
    w = (x - x.mean()) / ((x - x.mean()) ** 2).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(values)
    slope = (w[:, None] * logs).sum(0)
    return np.where(np.all(values > 0, axis=0) & np.all(np.isfinite(values), axis=0), slope, np.nan)


def _unpack(sums) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, TwoTimeSums | None, FDRSums | None]:
    if isinstance(sums, EnsembleSums):
        return (np.asarray(sums.steps), _numpy(sums.count), _numpy(sums.total), _numpy(sums.squares), sums.two_time,
                sums.fdr)
    if sums.total is None or sums.squares is None:
        raise InputError("this EnsembleResult carries no sums (built by hand?); pass the EnsembleSums, or a result "
                         "from EnsembleSums.moments()")
    return np.asarray(sums.steps), np.asarray(sums.live, dtype=np.float64), sums.total, sums.squares, sums.two_time, \
        sums.fdr


def measure_observables(sums: EnsembleSums | EnsembleResult, statistics: ModeStatistics, lr: float, *,
                optimizer: Optimizer | None = None, reference_projection: np.ndarray | None = None,
                origin: int | None = None, level: float = 0.95) -> Observables:
    r"""The stationarity and diffusion observables of one run.

    Args:
        sums: the run's ensemble sums (or the result of :meth:`EnsembleSums.moments`), taken with ``two_time``
            and ``fdr`` (the defaults of :func:`~sgdfp.validate.ensemble.ensemble_sums`); what is missing is left
            None with its reason in ``summary.undefined``.
        statistics: the modes' :class:`~sgdfp.validate.statistics.ModeStatistics` (the theory's parameters).
        lr: the run's learning rate.
        optimizer: the replicas' optimiser (plain SGD by default).
        reference_projection: :math:`e_i^\top\theta^*`, needed for the prediction with weight decay.
        origin: the checkpoint step the lags of the exponent are counted from (default: the middle checkpoint, a
            compromise between a settled origin and a range of lags); must be one of the checkpoints, not the last.
        level: the confidence level of every interval.

    Returns:
        :class:`Observables`.

    Raises:
        TypeError: arguments of the wrong kind.
        InputError: a ``level`` outside (0, 1), a non-positive ``lr``, an ``origin`` that is not an earlier
            checkpoint, statistics for another number of modes, weight decay without ``reference_projection``.
    """
    check_instance("sums", sums, (EnsembleSums, EnsembleResult), "EnsembleSums or EnsembleResult (sgdfp.validate."
                   "ensemble)")
    check_instance("statistics", statistics, ModeStatistics, "a sgdfp.validate.statistics.ModeStatistics")
    optimizer = optimizer or Optimizer()
    check_instance("optimizer", optimizer, Optimizer, "a sgdfp.validate.optimizer.Optimizer")
    lr = check_real("lr", lr)
    if lr <= 0:
        raise InputError(f"lr must be positive; got {lr!r}")
    level = check_real("level", level)
    if not 0 < level < 1:
        raise InputError(f"level must lie strictly between 0 and 1; got {level!r}")
    steps, count, total, squares, two_time, fdr = _unpack(sums)
    C, m = total.shape
    if statistics.curvature.shape != (m,):
        raise InputError(f"the statistics hold {statistics.curvature.shape[0]} modes but the sums {m}")
    if C < 2:
        raise InputError("observables need at least two checkpoints")
    if optimizer.weight_decay and reference_projection is None:
        raise InputError("with weight decay the prediction needs reference_projection (e_i^T theta*)")
    if reference_projection is not None:
        if isinstance(reference_projection, (str, bytes)):
            raise TypeError("reference_projection must be an array of numbers (e_i^T theta*), not text")
        reference_projection = np.asarray(reference_projection, dtype=np.float64)
        if reference_projection.shape != (m,) or not np.all(np.isfinite(reference_projection)):
            raise InputError(f"reference_projection must hold {m} finite numbers; got shape "
                             f"{reference_projection.shape}")
    if origin is None:
        origin_index = (C - 1) // 2
    else:
        if isinstance(origin, bool) or not isinstance(origin, (int, np.integer)):
            raise TypeError(f"origin must be a checkpoint step (an integer); got {origin!r}")
        matches = np.flatnonzero(steps == origin)
        if matches.size == 0 or matches[0] == C - 1:
            raise InputError(f"origin must be a checkpoint before the last ({steps[:-1].tolist()}); got {origin!r}")
        origin_index = int(matches[0])
    undefined: dict[str, str] = {}
    theory = optimizer.predict(statistics, lr, steps, int(steps[-1]), reference_projection)
    regimes = list(theory.regimes)
    later = count[None, :]  # the pair [c, c'] is over the replicas live at c'

    # ---------------------------------------------------------------- the MSD and the two-time covariance
    msd = msd_low = msd_high = covariance = predicted = None
    lags = steps[origin_index + 1:] - steps[origin_index]
    exponent = exponent_low = exponent_high = predicted_exponent = None
    if two_time is None:
        undefined["msd"] = "the ensemble took no two-time sums (two_time off or beyond TWO_TIME_LIMIT)"
    else:
        increments, fourth = _numpy(two_time.increments), _numpy(two_time.fourth)
        products, earlier = _numpy(two_time.products), _numpy(two_time.earlier)
        n = later[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            upper = increments / n
            low, high = msd_interval(upper, fourth / n, n, level)
            # Cov(y_c, y_c') over the survivors at c': (sum d_c d_c' - sum d_c sum d_c' / n) / (n - 1)
            cov = (products - earlier * total[None, :, :] / n) / (n - 1)
        upper_mask = np.triu(np.ones((C, C), dtype=bool), 1)[..., None]
        live = n >= 2
        msd = np.where(upper_mask, np.where(live, upper, np.nan), 0.0)
        msd_low, msd_high = np.where(upper_mask, low, 0.0), np.where(upper_mask, high, 0.0)
        msd, msd_low, msd_high = (a + np.swapaxes(a, 0, 1) for a in (msd, msd_low, msd_high))
        if not live.all():
            undefined["msd"] = "NaN where fewer than 2 replicas were live at the later checkpoint"
        on_or_above = np.triu(np.ones((C, C), dtype=bool))[..., None]
        cov = np.where(on_or_above & live, cov, 0.0)
        covariance = cov + np.swapaxes(np.where(upper_mask, cov, 0.0), 0, 1)
        curve = msd[origin_index, origin_index + 1:]
        curve_low, curve_high = msd_low[origin_index, origin_index + 1:], msd_high[origin_index, origin_index + 1:]
        if lags.size >= 2:
            exponent = _slopes(lags, curve)
            x = np.log(lags)
            w = (x - x.mean()) / ((x - x.mean()) ** 2).sum()
            z = stats.norm.ppf(0.5 + level / 2)
            with np.errstate(divide="ignore", invalid="ignore"):
                # sd of log MSD from its interval's half-width on the log scale (the chi-square law's skew kept)
                sd_log = (np.log(curve_high) - np.log(curve_low)) / (2 * z)
            bound = (np.abs(w)[:, None] * sd_log).sum(0)
            exponent_low, exponent_high = exponent - z * bound, exponent + z * bound
        else:
            undefined["exponent"] = f"an exponent needs two lags after the origin; the origin {steps[origin_index]} " \
                                    f"has {lags.size}"
        if optimizer.has_velocity:
            undefined["predicted_msd"] = "the two-time theory is derived for the SGD map, not for momentum"
        else:
            from sgdfp.numerics.displacement import displacement_functions

            mean_grad = statistics.mean_grad + (optimizer.weight_decay * np.asarray(reference_projection)
                                                if optimizer.weight_decay else 0.0)
            predicted = displacement_functions().between(
                steps, statistics.curvature + optimizer.weight_decay, statistics.grad_noise, lr,
                curvature_noise=statistics.curvature_noise, mean_grad=mean_grad, cross=statistics.cross)
            if lags.size >= 2:
                predicted_exponent = _slopes(lags, predicted[origin_index, origin_index + 1:])

    # ---------------------------------------------------------------- the FDR ratio
    fdr_ratio = fdr_low = fdr_high = None
    if fdr is None:
        undefined["fdr"] = "the ensemble took no FDR sums (fdr off)"
    else:
        n = count[:, None]
        sa, sb = _numpy(fdr.dissipation), _numpy(fdr.fluctuation)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_a, mean_b = sa / n, sb / n
            var_a = (_numpy(fdr.dissipation_squares) - sa * mean_a) / (n - 1)
            var_b = (_numpy(fdr.fluctuation_squares) - sb * mean_b) / (n - 1)
            cov_ab = (_numpy(fdr.products) - sa * mean_b) / (n - 1)
            fdr_ratio = mean_a / mean_b
        if not (n >= 2).all():
            undefined["fdr"] = "NaN where fewer than 2 replicas were live"
        fdr_low, fdr_high = fieller_interval(mean_a, mean_b, np.maximum(var_a, 0), np.maximum(var_b, 0), cov_ab, n,
                                             level)

    summary = _summary(steps, regimes, msd, predicted, origin_index, exponent, predicted_exponent, fdr_ratio, fdr_low,
                       fdr_high, undefined)
    return Observables(steps, count.astype(np.int64), regimes, msd, msd_low, msd_high, predicted, covariance,
                       int(steps[origin_index]), lags, exponent, exponent_low, exponent_high, predicted_exponent,
                       fdr_ratio, fdr_low, fdr_high, level, summary)


def _median(values: np.ndarray) -> float | None:
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else None


def _summary(steps, regimes, msd, predicted, origin_index, exponent, predicted_exponent, fdr_ratio, fdr_low, fdr_high,
             undefined) -> ObservablesSummary:
    regimes_array = np.asarray(regimes)
    confined = regimes_array == "confined"
    summary = ObservablesSummary(int(steps[-1]), int(confined.sum()), None, None, None, None, undefined=dict(undefined))
    if fdr_ratio is not None:
        ratio, low, high = fdr_ratio[-1], fdr_low[-1], fdr_high[-1]
        holds = (low <= 1) & (high >= 1)
        if confined.any():
            summary.fdr_consistent_fraction = float(holds[confined].mean())
            summary.fdr_median_abs_deviation = _median(np.abs(ratio[confined] - 1))
        else:
            summary.undefined["fdr_consistent_fraction"] = "no mode is confined over the run's horizon"
        if (~confined).any():
            summary.fdr_flagged_fraction_other = float((~holds[~confined]).mean())
        else:
            summary.undefined["fdr_flagged_fraction_other"] = "every mode is confined over the run's horizon"
    if msd is not None and predicted is not None:
        measured, theory = msd[origin_index, origin_index + 1:], predicted[origin_index, origin_index + 1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            summary.msd_median_abs_log = _median(np.abs(np.log(measured / theory)).ravel())
    for name, values, target in (("measured", exponent, summary.exponent_median),
                                 ("predicted", predicted_exponent, summary.exponent_predicted_median)):
        if values is None:
            continue
        for regime in sorted(set(regimes)):
            value = _median(values[regimes_array == regime])
            if value is not None:
                target[regime] = value
    for name in ("fdr_median_abs_deviation", "msd_median_abs_log"):
        if getattr(summary, name) is None and name not in summary.undefined:
            summary.undefined[name] = "no finite values (no modes, or every value is undefined)"
    return summary
