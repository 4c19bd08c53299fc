"""Figures of a validation run (matplotlib, Agg): variance against step for chosen modes, measured
against predicted, and the flat-mode diffusion coefficient against the learning rate."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sgdfp.validate.compare import chi2_interval  # noqa: E402

__all__ = ["draw_figures"]

COLOURS = {"confined": "tab:blue", "diffusive": "tab:orange", "unstable": "tab:red", "escaping": "tab:purple"}


def draw_figures(results: dict, directory: Path) -> list[Path]:
    """Draw the run's figures into ``directory``; a sweep gets one row (or panel) per learning rate."""
    directory = Path(directory)
    paths = []
    runs = results["runs"]
    curvature = np.asarray(results["statistics"]["curvature"])
    grad_noise = np.asarray(results["statistics"]["grad_noise"])
    replicas = results["config"]["replicas"]
    preset = results["config"]["preset"]

    # 1. variance against step for a few confined (stiffest) and diffusive (flattest) modes, per eta
    fig, axes = plt.subplots(len(runs), 2, figsize=(11, 4.2 * len(runs)), squeeze=False)
    for row, run in zip(axes, runs):
        steps = np.asarray(run["steps"])[1:]
        measured = np.asarray(run["measured_variance"])[1:]
        predicted = np.asarray(run["predicted_variance"])[1:]
        langevin = np.asarray(run["langevin_variance"])[1:]
        regimes = np.asarray(run["regimes"])
        confined = [i for i in np.argsort(-np.abs(curvature)) if regimes[i] == "confined"][:3]
        # the noisiest of the truly flat modes (eta |lambda| T < 0.1): the flattest ones are often null
        # directions (inputs that are always zero) with no noise to diffuse
        flat = (regimes == "diffusive") & (np.abs(curvature) * run["lr"] * steps[-1] < 0.1)
        diffusive = [i for i in np.argsort(-grad_noise) if flat[i]][:3] or \
            [i for i in np.argsort(np.abs(curvature)) if regimes[i] == "diffusive"][:3]
        for axis, chosen, title in ((row[0], confined, "confined modes"), (row[1], diffusive, "noisiest flat modes")):
            for n, i in enumerate(chosen):
                colour = f"C{n}"
                lower, upper = chi2_interval(measured[:, i], replicas)
                axis.fill_between(steps, lower, upper, color=colour, alpha=0.2)
                axis.plot(steps, measured[:, i], "o", color=colour, ms=3, label=f"mode {i}, λ={curvature[i]:.3g}")
                axis.plot(steps, predicted[:, i], "-", color=colour)
                axis.plot(steps, langevin[:, i], "--", color=colour, alpha=0.7)
            axis.set(xscale="log", yscale="log", xlabel="step k", ylabel="variance", title=f"{title}, η = {run['lr']:g}")
            if chosen:
                axis.legend(fontsize=7)
    fig.suptitle(f"{preset}: measured (dots, 95 % band), discrete SGD (solid), Langevin (dashed)", fontsize=9)
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
        measured = np.asarray(run["measured_variance"])[-1]
        predicted = np.asarray(run["predicted_variance"])[-1]
        langevin = np.asarray(run["langevin_variance"])[-1]
        regimes = np.asarray(run["regimes"])
        for name, colour in COLOURS.items():
            mask = regimes == name
            if mask.any():
                axis.scatter(predicted[mask], measured[mask], s=10, color=colour, label=f"{name} (discrete)")
                axis.scatter(langevin[mask], measured[mask], s=10, facecolors="none", edgecolors=colour, alpha=0.5)
        positive = measured[(measured > 0) & np.isfinite(measured)]
        if positive.size:
            low, high = positive.min() / 2, positive.max() * 2
            axis.plot([low, high], [low, high], "k-", lw=0.8)
        axis.set(xscale="log", yscale="log", xlabel="predicted variance (hollow: Langevin)",
                 ylabel="measured variance", title=f"η = {run['lr']:g}, final step {int(run['steps'][-1])}")
        axis.legend(fontsize=7)
    fig.tight_layout()
    paths.append(directory / "measured_vs_predicted.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    # 3. diffusion coefficient against eta (a sweep)
    if results.get("scaling") and results["scaling"]["points"]:
        points = np.asarray(results["scaling"]["points"])
        predicted_d = [r["summary"]["diffusion_coefficient_predicted"] for r in results["runs"]]
        fig, axis = plt.subplots(figsize=(5, 4))
        axis.plot(points[:, 0], points[:, 1], "o", label="measured (flat modes, median)")
        axis.plot([r["lr"] for r in results["runs"]], predicted_d, "-", label="predicted ηD/2")
        exponent = results["scaling"]["exponent"]
        axis.set(xscale="log", yscale="log", xlabel="learning rate η", ylabel="diffusion coefficient per unit time",
                 title=f"fitted exponent {exponent:.2f}" if exponent is not None else "")
        axis.legend(fontsize=8)
        fig.tight_layout()
        paths.append(directory / "diffusion_vs_lr.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    return paths
