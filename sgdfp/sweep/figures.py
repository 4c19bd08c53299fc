r"""The sweep's combined figures: the flat modes' diffusion coefficient against η (and against 1/b), measured
(filled) and predicted (open), with the fitted power laws of :mod:`sgdfp.sweep.summary`, one colour per group."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sgdfp.sweep.summary import ScalingFit, SweepSummary

__all__ = ["draw_scaling_figures", "FIGURES"]

#: The figure of each fit's axis: file name and the x label.
FIGURES = {"lr": ("diffusion_vs_lr.png", r"learning rate $\eta$"),
           "inverse_batch_size": ("diffusion_vs_batch_size.png", r"inverse batch size $1/b$")}


def _exponent(value: float | None, interval: list[float] | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" + (f" [{interval[0]:.2f}, {interval[1]:.2f}]" if interval else "")


def _line(ax, points: list[list[float]], exponent: float | None, style: dict) -> None:
    """The least-squares line of log y on log x through ``points`` (slope ``exponent``), over their range."""
    if exponent is None or len(points) < 2:
        return
    x, y = np.log(np.array(points)).T
    intercept = y.mean() - exponent * x.mean()  # the least-squares line passes through the centroid
    grid = np.linspace(x.min(), x.max(), 20)
    ax.plot(np.exp(grid), np.exp(intercept + exponent * grid), **style)


def _label(fit: ScalingFit) -> str:
    group = ", ".join(f"{k}={v}" for k, v in fit.group.items() if k != "preset" or len(fit.group) == 1)
    return group or "all runs"


def draw_scaling_figures(summary: SweepSummary, directory: Path) -> list[str]:
    """Draw one figure per fitted axis into ``directory``; the file names written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for against, (name, xlabel) in FIGURES.items():
        fits = [fit for fit in summary.scaling if fit.against == against and fit.points]
        if not fits:
            continue
        fig, ax = plt.subplots(figsize=(6.4, 4.6))
        for index, fit in enumerate(fits):
            colour = f"C{index % 10}"
            points = np.array(fit.points)
            ax.loglog(points[:, 0], points[:, 1], "o", color=colour,
                      label=f"{_label(fit)}: measured, exponent {_exponent(fit.exponent, fit.interval)}")
            _line(ax, fit.points, fit.exponent, dict(color=colour, lw=1.2))
            if fit.predicted_points:
                predicted = np.array(fit.predicted_points)
                ax.loglog(predicted[:, 0], predicted[:, 1], "s", mfc="none", color=colour, ms=8,
                          label=f"predicted, exponent {_exponent(fit.predicted_exponent, fit.predicted_interval)}")
                _line(ax, fit.predicted_points, fit.predicted_exponent, dict(color=colour, lw=1.0, ls="--"))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(r"flat-mode diffusion coefficient $\mathcal{D}$ (per unit time $\eta k$)")
        presets = sorted({str(row.preset) for row in summary.runs})
        ax.set_title(f"sgdfp sweep: {', '.join(presets)} ({summary.counts['total']} runs)", fontsize=10)
        ax.legend(fontsize=7, loc="best", title=f"coefficients over {fits[0].modes}", title_fontsize=7)
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        fig.savefig(directory / name, dpi=120)
        plt.close(fig)
        written.append(name)
    return written
