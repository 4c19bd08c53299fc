"""Figures of a validation run (matplotlib, Agg): variance against step for chosen modes, measured
against predicted, and the flat-mode diffusion coefficient against the learning rate.

The modes shown are chosen by the regime rule (:mod:`sgdfp.derive.mode.regime`, compiled): the stiffest
confined ones, and the noisiest of the flat ones -- modes still diffusive over ten times the run's
horizon, so slow confined modes and null directions without noise are left out. What cannot be drawn
(no finite positive variance, a diverged run) is skipped, not drawn as an empty log axis.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sgdfp.numerics import mode_functions, regime_names  # noqa: E402
from sgdfp.stats import chi2_interval  # noqa: E402
from sgdfp.validate.null import null_directions  # noqa: E402
from sgdfp.validate.results import ValidationResults  # noqa: E402

FLAT_HORIZON_FACTOR = 10  # "truly flat": still diffusive over this many times the run's horizon

__all__ = ["draw_figures", "draw_spectral_density"]

COLOURS = {"confined": "tab:blue", "diffusive": "tab:orange", "unstable": "tab:red", "escaping": "tab:purple"}


def _array(values) -> np.ndarray:
    return np.asarray([[np.nan if v is None else v for v in row] for row in values], dtype=float) \
        if values and isinstance(values[0], list) else np.asarray([np.nan if v is None else v for v in values],
                                                                   dtype=float)


def _drawable(*arrays) -> bool:
    return any(np.any(np.isfinite(a) & (a > 0)) for a in arrays)


def _fixed_frame(run) -> np.ndarray | None:
    """The fixed-frame prediction ``(C, m)`` of a run whose headline is another theory (None otherwise)."""
    if run.summary.prediction == "fixed-frame" or run.fixed_frame_variance is None:
        return None
    return _array(run.fixed_frame_variance)


def _coupled(run) -> np.ndarray | None:
    """The coupled closure ``(C, m)`` of a run where it is not the headline (None otherwise)."""
    if run.summary.prediction == "coupled" or run.coupled_variance is None:
        return None
    return _array(run.coupled_variance)


def draw_figures(results: ValidationResults, directory: Path) -> list[Path]:
    """Draw the run's figures into ``directory``; a sweep gets one row (or panel) per learning rate."""
    directory = Path(directory)
    paths: list[Path] = []
    runs = results.runs
    curvature = _array(results.statistics.curvature)
    grad_noise = _array(results.statistics.grad_noise)
    curvature_noise = np.nan_to_num(_array(results.statistics.curvature_noise))
    replicas = results.config.ensemble.replicas
    null = null_directions(grad_noise, curvature_noise)
    preset = results.config.preset or results.model.class_name
    if not any(_drawable(_array(run.measured_variance)) for run in runs):
        return paths  # every run diverged: nothing to draw

    # 1. variance against step for a few confined (stiffest) and diffusive (flattest) modes, per eta
    fig, axes = plt.subplots(len(runs), 2, figsize=(11, 4.2 * len(runs)), squeeze=False)
    for row, run in zip(axes, runs):
        steps = np.asarray(run.steps)[1:]
        measured = _array(run.measured_variance)[1:]
        predicted = _array(run.predicted_variance)[1:]
        langevin = _array(run.langevin_variance)[1:]
        fixed = _fixed_frame(run)
        fixed = None if fixed is None else fixed[1:]
        coupled = _coupled(run)
        coupled = None if coupled is None else coupled[1:]
        regimes = np.asarray(run.regimes)
        finite = np.all(np.isfinite(measured) & (measured > 0), axis=0)
        confined = [i for i in np.argsort(-np.abs(curvature)) if regimes[i] == "confined" and finite[i]][:3]
        # the noisiest of the truly flat modes (the flattest ones are often null directions, inputs that are
        # always zero, with no noise to diffuse)
        longer = regime_names(mode_functions("numpy").regime(np.nan_to_num(curvature), run.lr,
                                                             FLAT_HORIZON_FACTOR * max(int(steps[-1]), 1),
                                                             curvature_noise=curvature_noise))
        flat = (longer == "diffusive") & finite
        diffusive = [i for i in np.argsort(-np.nan_to_num(grad_noise)) if flat[i]][:3] or \
            [i for i in np.argsort(np.abs(curvature)) if regimes[i] == "diffusive" and finite[i]][:3]
        for axis, chosen, title in ((row[0], confined, "confined modes"), (row[1], diffusive, "noisiest flat modes")):
            for n, i in enumerate(chosen):
                colour = f"C{n}"
                lower, upper = chi2_interval(measured[:, i], replicas)
                axis.fill_between(steps, lower, upper, color=colour, alpha=0.2)
                axis.plot(steps, measured[:, i], "o", color=colour, ms=3, label=f"mode {i}, λ={curvature[i]:.3g}")
                axis.plot(steps, predicted[:, i], "-", color=colour)
                axis.plot(steps, langevin[:, i], "--", color=colour, alpha=0.7)
                if fixed is not None:
                    axis.plot(steps, fixed[:, i], ":", color=colour, alpha=0.9)
                if coupled is not None:
                    axis.plot(steps, coupled[:, i], "-.", color=colour, alpha=0.7)
            axis.set(xscale="log", yscale="log" if chosen else "linear", xlabel="step k", ylabel="variance",
                     title=f"{title}, η = {run.lr:g}")
            if chosen:
                axis.legend(fontsize=7)
    headline = {"moving-frame": " in the moving frame", "coupled": ", coupled closure"}.get(runs[0].summary.prediction, "")
    beside = any(_fixed_frame(run) is not None for run in runs)
    closure = any(_coupled(run) is not None for run in runs)
    fig.suptitle(f"{preset}: measured (dots, 95 % band), discrete SGD{headline} (solid)"
                 f"{', fixed frame at the reference point (dotted)' if beside else ''}"
                 f"{', coupled closure there (dash-dot)' if closure else ''}, Langevin (dashed)", fontsize=9)
    fig.tight_layout()
    paths.append(directory / "variance_vs_step.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    # 2. measured against predicted at the last checkpoint, one panel per eta
    columns = min(len(runs), 3)
    panel_rows = -(-len(runs) // columns)
    fig, axes = plt.subplots(panel_rows, columns, figsize=(5.2 * columns, 5 * panel_rows), squeeze=False)
    for axis in axes.flat[len(runs):]:
        axis.set_visible(False)
    for axis, run in zip(axes.flat, runs):
        measured = _array(run.measured_variance)[-1]
        predicted = _array(run.predicted_variance)[-1]
        langevin = _array(run.langevin_variance)[-1]
        fixed = _fixed_frame(run)
        regimes = np.asarray(run.regimes)
        if not _drawable(measured):
            axis.set_title(f"η = {run.lr:g}: every replica diverged")
            axis.set_axis_off()
            continue
        for name, colour in COLOURS.items():
            mask = (regimes == name) & np.isfinite(measured) & (measured > 0) & np.isfinite(predicted) & (predicted > 0)
            mask &= ~null  # rounding error, 20 decades below the rest: set aside as in the summary
            if mask.any():
                axis.scatter(predicted[mask], measured[mask], s=10, color=colour, label=f"{name} (discrete)")
                axis.scatter(langevin[mask], measured[mask], s=10, facecolors="none", edgecolors=colour, alpha=0.5)
                if fixed is not None:
                    axis.scatter(fixed[-1][mask], measured[mask], s=9, marker="x", color="0.45", alpha=0.5,
                                 linewidths=0.6)
        positive = measured[(measured > 0) & np.isfinite(measured) & ~null]
        if positive.size:
            low, high = positive.min() / 2, positive.max() * 2
            axis.plot([low, high], [low, high], "k-", lw=0.8)
        axis.set(xscale="log", yscale="log", xlabel="predicted variance (hollow: Langevin"
                 + ("; grey x: fixed frame)" if fixed is not None else ")"),
                 ylabel="measured variance", title=f"η = {run.lr:g}, final step {int(run.steps[-1])}"
                 + (f" ({int(null.sum())} null directions not drawn)" if null.any() else ""))
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=7)
    fig.tight_layout()
    paths.append(directory / "measured_vs_predicted.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    # 3. diffusion coefficient against eta (a sweep)
    if results.scaling is not None and results.scaling.points:
        points = np.asarray(results.scaling.points)
        predicted_d = [(r.lr, r.summary.diffusion_coefficient_predicted) for r in runs
                       if r.summary.diffusion_coefficient_predicted is not None]
        fig, axis = plt.subplots(figsize=(5, 4))
        axis.plot(points[:, 0], points[:, 1], "o", label="measured (flat modes, geometric mean)")
        if predicted_d:
            axis.plot(*zip(*predicted_d), "-", label="predicted (mode theory)")
        exponent = results.scaling.exponent
        axis.set(xscale="log", yscale="log", xlabel="learning rate η", ylabel="diffusion coefficient per unit time",
                 title=f"fitted exponent {exponent:.2f}" if exponent is not None else "")
        axis.legend(fontsize=8)
        fig.tight_layout()
        paths.append(directory / "diffusion_vs_lr.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    return paths


def draw_spectral_density(density, path: Path, title: str = "", width: float | None = None,
                          measured=None) -> Path:
    """The Hessian's spectral density by stochastic Lanczos quadrature (a
    :class:`~sgdfp.validate.spectral_density.SpectralDensity`) on a symmetric-log axis, Gaussian-smoothed by
    ``width`` (default: 1 % of the spectrum's range); ``measured`` eigenvalues (the directions a run measured)
    are marked below it."""
    nodes = density.nodes.reshape(-1)
    low, high = float(nodes.min()), float(nodes.max())
    span = max(high - low, 1e-12)
    width = width or 0.01 * span
    grid = np.linspace(low - 0.05 * span, high + 0.05 * span, 2000)
    fig, axis = plt.subplots(figsize=(6, 4))
    axis.semilogy(grid, np.maximum(density.density(grid, width), 1e-12), "-", color="tab:blue",
                  label="SLQ density (Gaussian-smoothed)")
    if measured is not None and len(measured):
        axis.plot(np.asarray(measured, dtype=float), np.full(len(measured), 1e-12 * 10), "|", color="tab:red", ms=12,
                  label="measured directions (Lanczos)")
    axis.set(xlabel="eigenvalue λ", ylabel="density", title=title or "Hessian spectral density",
             ylim=(1e-12, None))
    axis.legend(fontsize=7)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
