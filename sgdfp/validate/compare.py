r"""Measured per-mode variances against predictions, summarised honestly: each mode's exact 95 % interval and
the sampling-noise floor of R replicas (:mod:`sgdfp.stats`), medians of :math:`|\log(\text{measured}/
\text{predicted})|` over all modes, the top modes, by regime, by :math:`\eta\lambda`, and inside and beyond
the local theory (:mod:`~sgdfp.validate.validity`).
"""

from __future__ import annotations

import numpy as np

from sgdfp.derive import REGIMES
from sgdfp.stats import chi2_interval, growth_exponents, noise_floor
from sgdfp.validate.results import TOP_MODES, ModeTable, RegimeSummary, RunSummary, StiffnessBin
from sgdfp.validate.validity import VALIDITY_TOLERANCE

__all__ = ["summarise", "TOP_MODES", "STIFFNESS_BINS"]

# Bins of eta * lambda for the discrete-vs-Langevin breakdown: escaping, flat, soft, stiff (>= 0.2, where
# the two models part), very stiff, and beyond the stability edge eta * lambda = 2.
STIFFNESS_BINS = (-np.inf, 0.0, 0.05, 0.2, 1.0, 2.0, np.inf)


def _log_corr(a, b):
    good = (a > 0) & (b > 0) & np.isfinite(a) & np.isfinite(b)
    if good.sum() < 3:
        return float("nan")
    return float(np.corrcoef(np.log(a[good]), np.log(b[good]))[0, 1])


def _median_abs_log_ratio(measured, predicted):
    good = (measured > 0) & (predicted > 0) & np.isfinite(measured) & np.isfinite(predicted)
    return float(np.median(np.abs(np.log(measured[good] / predicted[good])))) if good.any() else float("nan")


def _stiffness_breakdown(stiffness, discrete_error, langevin_error) -> list[StiffnessBin]:
    """Per bin of eta * lambda: how many modes, and the median |log ratio| of both models."""
    rows = []
    for low, high in zip(STIFFNESS_BINS[:-1], STIFFNESS_BINS[1:]):
        mask = (stiffness >= low) & (stiffness < high) & np.isfinite(discrete_error) & np.isfinite(langevin_error)
        if mask.any():
            rows.append(StiffnessBin([None if np.isinf(low) else float(low), None if np.isinf(high) else float(high)],
                                     int(mask.sum()), float(np.median(discrete_error[mask])),
                                     float(np.median(langevin_error[mask]))))
    return rows


def _outside(predicted, lower, upper, measured_at_end):
    """Per mode: measured, and the prediction outside its interval."""
    return measured_at_end & ((predicted < lower) | (predicted > upper))


def _by_regime(regimes, error, outside, measured_at_end, fixed_error) -> list[RegimeSummary]:
    """Per regime of the one regime rule: how many modes, the median |log ratio| of the headline and of the
    fixed-frame prediction, and the fraction outside the 95 % interval."""
    rows = []
    for name in REGIMES:
        mask = regimes == name
        if not mask.any():
            continue
        measured = mask & measured_at_end

        def median(values):
            values = values[mask & np.isfinite(values)]
            return float(np.median(values)) if values.size else None
        rows.append(RegimeSummary(name, int(mask.sum()), median(error),
                                  float(np.mean(outside[measured])) if measured.any() else None, median(fixed_error)))
    return rows


def summarise(curvature, lr, steps, measured, predicted, langevin, stationary, regimes, live,
              validity_error=None, effective_sgd=None, fixed_frame=None, measured_mean=None,
              predicted_mean=None, null=None, coupled=None, prediction=None) -> tuple[RunSummary, ModeTable]:
    """Summary metrics and the per-mode table for one run (final checkpoint = last row).

    ``predicted`` is the headline prediction, named by ``prediction`` (``"moving-frame"``, ``"coupled"``; by default
    ``"moving-frame"`` when ``fixed_frame`` is given, ``"fixed-frame"`` otherwise). ``fixed_frame`` (given when the
    headline is another): the per-mode theory at the reference point, compared under its own keys
    (``fixed_frame_*``; without it they repeat the headline's), with ``predicted_mean`` the moving frame's mean
    displacement, compared with ``measured_mean``. ``coupled``: the coupled closure in the fixed frame
    (:meth:`~sgdfp.validate.optimizer.Optimizer.predict_coupled`), compared under ``coupled_*`` keys.
    ``effective_sgd`` (momentum runs): the SGD theory's variances at the effective learning rate, compared too.
    ``null`` (per mode, :func:`~sgdfp.validate.null.null_directions`): modes counted (``null_modes``) and left out of every metric; the
    table has every mode.

    ``validity_error`` (per mode, NaN where not measured) is the |log| change of the predicted variance
    that the gradient measured beyond the quadratic theory's line would cause; modes above
    :data:`VALIDITY_TOLERANCE` have left the local quadratic theory, and the summary splits the error
    between the modes inside and outside it."""
    moving = fixed_frame is not None
    prediction = prediction or ("moving-frame" if moving else "fixed-frame")
    fixed_frame = fixed_frame if moving else predicted
    validity = np.full(curvature.shape, np.nan) if validity_error is None else np.asarray(validity_error, float)
    final_measured, final_predicted, final_langevin, final_fixed = (measured[-1], predicted[-1], langevin[-1],
                                                                    fixed_frame[-1])
    live_at_end = int(live[-1])
    measured_at_end = (live_at_end >= 2) & np.isfinite(final_measured)
    with np.errstate(invalid="ignore"):  # fewer than 2 live replicas: no interval (NaN), said in the summary
        lower, upper = chi2_interval(final_measured, max(live_at_end, 2)) if live_at_end >= 2 else \
            (np.full_like(final_measured, np.nan), np.full_like(final_measured, np.nan))
    outside = _outside(final_predicted, lower, upper, measured_at_end)
    fixed_outside = _outside(final_fixed, lower, upper, measured_at_end)
    final_coupled = None if coupled is None else coupled[-1]
    coupled_outside = None if coupled is None else _outside(final_coupled, lower, upper, measured_at_end)
    exponents = growth_exponents(steps, measured)
    with np.errstate(divide="ignore", invalid="ignore"):  # a mode without noise: 0/0, left out as NaN
        log_ratio = np.log(final_measured / final_predicted)
        langevin_log_ratio = np.log(final_measured / final_langevin)
        fixed_log_ratio = np.log(final_measured / final_fixed)
        coupled_log_ratio = None if coupled is None else np.log(final_measured / final_coupled)
        frame_gap = np.abs(np.log(final_predicted / final_fixed))
        mean_error = (np.abs(measured_mean[-1] - predicted_mean[-1]) / np.sqrt(final_measured)
                      if predicted_mean is not None and live_at_end >= 2 else None)
    table = ModeTable(lower=lower.tolist(), upper=upper.tolist(), outside=outside.tolist(),
                      growth_exponent=exponents.tolist(), log_ratio=log_ratio.tolist(),
                      langevin_log_ratio=langevin_log_ratio.tolist(), validity_error=validity.tolist(),
                      fixed_frame_log_ratio=fixed_log_ratio.tolist(),
                      coupled_log_ratio=None if coupled is None else coupled_log_ratio.tolist())

    # the summary: every metric over the modes that are not null directions
    keep = np.ones(curvature.shape, bool) if null is None else ~np.asarray(null, bool)
    curvature, regimes, exponents, validity = curvature[keep], np.asarray(regimes)[keep], exponents[keep], \
        validity[keep]
    final_measured, final_predicted, final_langevin, final_fixed = (final_measured[keep], final_predicted[keep],
                                                                    final_langevin[keep], final_fixed[keep])
    stationary, measured_at_end, outside, fixed_outside = (stationary[keep], measured_at_end[keep], outside[keep],
                                                           fixed_outside[keep])
    discrete_error, langevin_error = np.abs(log_ratio[keep]), np.abs(langevin_log_ratio[keep])
    fixed_error, frame_gap = np.abs(fixed_log_ratio[keep]), frame_gap[keep]
    if coupled is not None:
        final_coupled, coupled_outside = final_coupled[keep], coupled_outside[keep]
    final_effective = None if effective_sgd is None else effective_sgd[-1][keep]
    top = np.argsort(np.abs(curvature))[-TOP_MODES:]
    stiff = lr * curvature >= 0.2

    def median_over(values, mask):
        values = values[mask & np.isfinite(values)]
        return float(np.median(values)) if values.size else None

    def fraction(mask):
        return float(np.mean(mask[measured_at_end])) if np.any(measured_at_end) else float("nan")

    values = {
        "prediction": prediction,
        "null_modes": int((~keep).sum()),
        "log_corr_top": _log_corr(final_measured[top], final_predicted[top]),
        "log_corr_all": _log_corr(final_measured, final_predicted),
        "stationary_log_corr_top": _log_corr(final_measured[top], stationary[top]),
        "median_abs_log_ratio_top": _median_abs_log_ratio(final_measured[top], final_predicted[top]),
        "median_abs_log_ratio_all": _median_abs_log_ratio(final_measured, final_predicted),
        "langevin_median_abs_log_ratio_top": _median_abs_log_ratio(final_measured[top], final_langevin[top]),
        "langevin_median_abs_log_ratio_all": _median_abs_log_ratio(final_measured, final_langevin),
        "effective_sgd_median_abs_log_ratio_top": None if final_effective is None
        else _median_abs_log_ratio(final_measured[top], final_effective[top]),
        "effective_sgd_median_abs_log_ratio_all": None if final_effective is None
        else _median_abs_log_ratio(final_measured, final_effective),
        "noise_floor_abs_log_ratio": noise_floor(live_at_end) if live_at_end >= 2 else float("nan"),
        "fraction_outside_interval": fraction(outside),
        "fixed_frame_median_abs_log_ratio_top": _median_abs_log_ratio(final_measured[top], final_fixed[top]),
        "fixed_frame_median_abs_log_ratio_all": _median_abs_log_ratio(final_measured, final_fixed),
        "fixed_frame_fraction_outside_interval": fraction(fixed_outside),
        "coupled_median_abs_log_ratio_top": None if coupled is None
        else _median_abs_log_ratio(final_measured[top], final_coupled[top]),
        "coupled_median_abs_log_ratio_all": None if coupled is None
        else _median_abs_log_ratio(final_measured, final_coupled),
        "coupled_fraction_outside_interval": None if coupled is None else fraction(coupled_outside),
        "frame_gap_median_abs_log": median_over(frame_gap, np.ones_like(keep[keep]))
        if prediction == "moving-frame" else None,
        "mean_error_over_spread": None if mean_error is None else median_over(mean_error[keep], final_measured > 0),
        "by_regime": _by_regime(regimes, discrete_error, outside, measured_at_end, fixed_error),
        "confined_growth_exponent": median_over(exponents, regimes == "confined"),
        "diffusive_growth_exponent": median_over(exponents, regimes == "diffusive"),
        "stiff_modes": int(stiff.sum()),
        "median_abs_log_ratio_stiff": median_over(discrete_error, stiff),
        "langevin_median_abs_log_ratio_stiff": median_over(langevin_error, stiff),
        "regime_counts": {name: int((regimes == name).sum()) for name in REGIMES},
        "by_lr_curvature": _stiffness_breakdown(lr * curvature, discrete_error, langevin_error),
    }
    checked = np.isfinite(validity)
    inside = checked & (validity <= VALIDITY_TOLERANCE)
    beyond = checked & (validity > VALIDITY_TOLERANCE)
    values.update({
        "validity_modes_checked": int(checked.sum()),
        "locally_valid_fraction": float(inside.sum() / checked.sum()) if checked.any() else None,
        "median_abs_log_ratio_locally_valid": median_over(discrete_error, inside),
        "median_abs_log_ratio_beyond_local": median_over(discrete_error, beyond),
        "langevin_median_abs_log_ratio_beyond_local": median_over(langevin_error, beyond),
        "regime_counts_beyond_local": {name: int((beyond & (regimes == name)).sum()) for name in REGIMES},
    })
    return RunSummary(**values), table
