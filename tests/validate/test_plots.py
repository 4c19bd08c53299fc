"""Figures: drawn for a normal run, skipped (not crashed) where a run diverged and nothing can be drawn."""

import math

from problems import Linear, quadratic_problem

from sgdfp.validate.config import ValidationConfig
from sgdfp.validate.plots import draw_figures
from sgdfp.validate.run import run_validation


def _run(lr, steps):
    dataset, loss = quadratic_problem(dim=3, samples=90)
    config = ValidationConfig.from_flat(lr=lr, batch_size=4, replicas=8, steps=steps, samples=90, reference_steps=0,
                                        checkpoints=8, device="cpu")
    return run_validation(config, module=Linear(3), dataset=dataset, loss=loss, task="classification")


def test_a_sweep_draws_three_figures(tmp_path):
    paths = draw_figures(_run([0.1, 0.2], 30), tmp_path)
    assert sorted(p.name for p in paths) == ["diffusion_vs_lr.png", "measured_vs_predicted.png",
                                             "variance_vs_step.png"]
    assert all(p.stat().st_size > 10_000 for p in paths)


def test_a_run_where_every_replica_diverged_is_drawn_up_to_the_divergence(tmp_path):
    results = _run([60.0], 400)
    run = results.runs[0]
    assert run.summary.diverged_replicas == 8 and run.live_replicas[-1] == 0
    assert all(v is None or math.isnan(v) for v in run.measured_variance[-1])
    assert run.summary.noise_floor_abs_log_ratio is None or math.isnan(run.summary.noise_floor_abs_log_ratio)
    assert {p.name for p in draw_figures(results, tmp_path)} == {"variance_vs_step.png", "measured_vs_predicted.png"}
    results.runs[0].measured_variance = [[float("nan")] * 3 for _ in run.steps]  # nothing finite at all
    assert draw_figures(results, tmp_path / "none") == []
