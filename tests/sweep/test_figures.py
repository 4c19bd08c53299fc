"""The combined figures: one per fitted axis, with the measured and the predicted points; none without a fit."""

import matplotlib.image

from sgdfp.sweep.figures import draw_scaling_figures
from sgdfp.sweep.summary import SweepRow, SweepSummary, scaling_fits


def _summary(axis_values):
    rows = []
    for lr, b in axis_values:
        metrics = {"diffusion_coefficient_measured": lr / b * 1e-6, "diffusion_coefficient_predicted": lr / b * 1.1e-6}
        rows.append(SweepRow(f"r{lr}-{b}", f"r{lr}-{b}", "done", {"lr": lr, "batch_size": b}, "digits-mlp", lr, b, "with", 0,
                             metrics=metrics))
    return SweepSummary(rows, {"done": len(rows), "skipped": 0, "failed": 0, "total": len(rows)}, scaling_fits(rows),
                        "here", 1.0)


def test_one_figure_per_fitted_axis(tmp_path):
    written = draw_scaling_figures(_summary([(0.01, 32), (0.02, 32), (0.01, 64), (0.02, 64)]), tmp_path)
    assert written == ["diffusion_vs_lr.png", "diffusion_vs_batch_size.png"]
    image = matplotlib.image.imread(tmp_path / "diffusion_vs_lr.png")
    assert image.shape[0] > 400 and image.shape[1] > 600 and image[..., :3].std() > 0.05  # a drawn figure


def test_no_figure_without_a_fit(tmp_path):
    assert draw_scaling_figures(_summary([(0.01, 32)]), tmp_path) == [] and list(tmp_path.iterdir()) == []
