"""The flat modes' diffusion coefficient, measured against the derived one, and its scaling with the learning rate."""

from __future__ import annotations

from functools import cache

import numpy as np

from sgdfp.stats import power_law_fit
from sgdfp.validate.optimizer import Optimizer
from sgdfp.validate.results import RunResult, Scaling

__all__ = ["flat_mode_diffusion", "diffusion_scaling"]


@cache
def _diffusion_function():
    """The flat-mode diffusion coefficient per unit time, derived by Mode and compiled."""
    from sgdfp.derive import Mode, eta
    from sgdfp.derive.mode.parameters import D, lam
    from sgdfp.numerics import compile

    return compile(Mode(lam, D, eta).diffusion_coefficient().per_time, [lam, D, eta])


@cache
def _momentum_diffusion_function(nesterov: bool):
    r"""The same under momentum, :math:`\eta D/(2(1 - \beta)^2)`, derived by MomentumMode and compiled."""
    from sgdfp.derive import MomentumMode, eta
    from sgdfp.derive.mode.parameters import D, beta
    from sgdfp.numerics import compile

    per_time = MomentumMode(0, D, eta, momentum=beta, nesterov=nesterov).diffusion_coefficient().per_time
    return compile(per_time, [D, eta, beta])


def flat_mode_diffusion(runs: list[RunResult], curvature: np.ndarray, grad_noise: np.ndarray,
                        optimizer: Optimizer | None = None) -> None:
    r"""Fill each run's summary with the measured and predicted flat-mode diffusion coefficients (under momentum,
    :math:`\eta D/(2(1 - \beta)^2)` per unit time, from :func:`~sgdfp.derive.mode.momentum.flat_diffusion`).

    Flat modes are diffusive at every learning rate of the sweep and have gradient noise; per mode the
    measured coefficient is half the slope of the variance against t = eta k over the second half of the run,
    summarised by the geometric mean over modes (the predicted one over the same modes)."""
    flat = np.all([np.asarray(r.regimes) == "diffusive" for r in runs], axis=0) & (grad_noise > 0)
    for run in runs:
        steps = np.asarray(run.steps)[1:]
        variance = np.asarray(run.measured_variance, dtype=float)[1:]
        late = steps >= steps[-1] / 2
        with np.errstate(over="ignore"):  # an absurd learning rate: t overflows, and no mode is measured
            t = run.lr * steps[late].astype(float)
        if not np.all(np.isfinite(t)):
            continue
        usable = [i for i in np.flatnonzero(flat) if np.all(np.isfinite(variance[late, i]))]
        measured = np.array([np.polyfit(t, variance[late, i], 1)[0] / 2 for i in usable]) if usable \
            and late.sum() >= 2 else np.array([])
        if optimizer is not None and optimizer.has_velocity:
            predicted = _momentum_diffusion_function(optimizer.nesterov)(grad_noise[usable], run.lr, optimizer.momentum)
        else:
            predicted = _diffusion_function()(curvature[usable], grad_noise[usable], run.lr) if usable \
                else np.array([])
        good = measured > 0
        run.summary.flat_modes = int(flat.sum())
        if good.any():
            run.summary.diffusion_coefficient_measured = float(np.exp(np.mean(np.log(measured[good]))))
            run.summary.diffusion_coefficient_predicted = float(np.exp(np.mean(np.log(predicted[good]))))


def diffusion_scaling(runs: list[RunResult]) -> Scaling | None:
    """The fitted exponent of the diffusion coefficient against the learning rate (a sweep of two or more)."""
    if len(runs) < 2:
        return None
    fit = power_law_fit([r.lr for r in runs], [r.summary.diffusion_coefficient_measured for r in runs])
    undefined = {}
    if fit.exponent is None:
        undefined["exponent"] = "fewer than two learning rates with a measured diffusion coefficient"
    if fit.interval is None:
        undefined["interval"] = "an interval needs three or more learning rates with a measured coefficient"
    return Scaling(fit.exponent, list(fit.interval) if fit.interval else None, [list(p) for p in fit.points],
                   undefined)
