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
    directory = Path(directory)
    paths = []
    run = results["runs"][0]
    steps = np.asarray(run["steps"])[1:]
    measured = np.asarray(run["measured_variance"])[1:]
    predicted = np.asarray(run["predicted_variance"])[1:]
    langevin = np.asarray(run["langevin_variance"])[1:]
    regimes = np.asarray(run["regimes"])
    curvature = np.asarray(results["statistics"]["curvature"])
    replicas = results["config"]["replicas"]

    # 1. variance against step for a few confined (stiffest) and diffusive (flattest) modes
    confined = [i for i in np.argsort(-np.abs(curvature)) if regimes[i] == "confined"][:3]
    diffusive = [i for i in np.argsort(np.abs(curvature)) if regimes[i] == "diffusive"][:3]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for axis, chosen, title in ((axes[0], confined, "confined modes"), (axes[1], diffusive, "diffusive modes")):
        for n, i in enumerate(chosen):
            colour = f"C{n}"
            lower, upper = chi2_interval(measured[:, i], replicas)
            axis.fill_between(steps, lower, upper, color=colour, alpha=0.2)
            axis.plot(steps, measured[:, i], "o", color=colour, ms=3, label=f"mode {i}, λ={curvature[i]:.3g}")
            axis.plot(steps, predicted[:, i], "-", color=colour)
            axis.plot(steps, langevin[:, i], "--", color=colour, alpha=0.7)
        axis.set(xscale="log", yscale="log", xlabel="step k", ylabel="variance", title=title)
        if chosen:
            axis.legend(fontsize=7)
    fig.suptitle(f"{results['config']['preset']}, η = {run['lr']}: measured (dots, 95 % band), "
                 "discrete SGD (solid), Langevin (dashed)", fontsize=9)
    fig.tight_layout()
    paths.append(directory / "variance_vs_step.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    # 2. measured against predicted at the last checkpoint
    fig, axis = plt.subplots(figsize=(5.2, 5))
    for name, colour in COLOURS.items():
        mask = regimes == name
        if mask.any():
            axis.scatter(predicted[-1, mask], measured[-1, mask], s=10, color=colour, label=f"{name} (discrete)")
            axis.scatter(langevin[-1, mask], measured[-1, mask], s=10, facecolors="none", edgecolors=colour,
                         alpha=0.5)
    positive = measured[-1][measured[-1] > 0]
    if positive.size:
        low, high = positive.min() / 2, positive.max() * 2
        axis.plot([low, high], [low, high], "k-", lw=0.8)
    axis.set(xscale="log", yscale="log", xlabel="predicted variance (hollow: Langevin)",
             ylabel="measured variance", title=f"final step {int(steps[-1])}")
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
