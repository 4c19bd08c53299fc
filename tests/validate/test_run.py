"""The pipeline end to end: an exactly quadratic model where the theory is exact, atomic result files, the CLI,
and the full presets (slow)."""

import json

import numpy as np
import pytest
import torch
from problems import Linear, quadratic_problem

from sgdfp.cli import main
from sgdfp.testing import assert_regime, assert_variance_matches
from sgdfp.validate.config import ValidationConfig
from sgdfp.validate.run import json_summary, preset_config, run_validation, write_results


def _config(**flat):
    return ValidationConfig.from_flat(preset=None, device="cpu", reference_steps=0, **flat)


@pytest.mark.theory
def test_end_to_end_on_a_quadratic_model_where_the_theory_is_exact():
    dataset, loss = quadratic_problem()
    config = _config(lr=[0.2], batch_size=8, replicas=400, steps=150, samples=600, checkpoints=10)
    results = run_validation(config, module=Linear(6), dataset=dataset, loss=loss, task="classification")
    run = results.runs[0]
    summary = run.summary
    assert summary.median_abs_log_ratio_all <= 2.5 * summary.noise_floor_abs_log_ratio
    # the model is exactly quadratic: the gradient never leaves the theory's line, every mode is valid
    assert summary.locally_valid_fraction == 1.0 and np.nanmax(run.table.validity_error) < 1e-8
    live = config.ensemble.replicas - summary.diverged_replicas
    measured, predicted = np.asarray(run.measured_variance), np.asarray(run.predicted_variance)
    assert_variance_matches(measured[-1], predicted[-1], replicas=live, label="quadratic model, last step")
    assert_regime(run.steps, measured, run.regimes, replicas=live, label="quadratic model, regimes")
    # a deliberately wrong prediction (20 % too large) must fail the same check
    with pytest.raises(AssertionError, match="disagree with the prediction"):
        assert_variance_matches(measured[-1], 1.2 * predicted[-1], replicas=live, label="deliberately 20 % too large")


def test_results_are_written_atomically_and_not_overwritten(tmp_path, monkeypatch):
    dataset, loss = quadratic_problem(dim=3, samples=90)
    config = _config(lr=[0.1, 0.2], batch_size=4, replicas=16, steps=20, samples=90, checkpoints=8)
    results = run_validation(config, module=Linear(3), dataset=dataset, loss=loss, task="classification")
    out = tmp_path / "run"
    write_results(results, out)
    assert {p.name for p in out.iterdir()} >= {"results.json", "modes.csv", "variance_vs_step.png",
                                               "measured_vs_predicted.png", "diffusion_vs_lr.png"}
    stored = json.loads((out / "results.json").read_text())
    assert stored["config"]["seed"] == 0 and stored["versions"]["torch"] == torch.__version__
    assert len((out / "modes.csv").read_text().splitlines()) == 1 + 2 * 3
    with pytest.raises(ValueError, match="exists"):
        write_results(results, out)
    def failing_figures(*_args):  # a failure half-way (e.g. a full disk): nothing half written is left behind
        raise OSError("no space left on device")

    monkeypatch.setattr("sgdfp.validate.plots.draw_figures", failing_figures)
    with pytest.raises(OSError, match="no space"):
        write_results(results, tmp_path / "broken")
    assert not (tmp_path / "broken").exists() and not list(tmp_path.glob(".broken*"))
    summary = json_summary(results)
    assert summary["lr"] == [0.1, 0.2] and len(summary["summary"]) == 2


def test_cli_validate_quick_json(tmp_path, capsys):
    out = tmp_path / "quick"
    assert main(["validate", "--preset", "digits-mlp", "--quick", "--replicas", "8", "--steps", "10",
                 "--out", str(out), "--json", "--device", "cpu"]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("preset", "lr", "batch_size", "replicas", "steps", "device", "wall_seconds", "summary"):
        assert key in summary
    for key in ("log_corr_top", "log_corr_all", "median_abs_log_ratio_top", "median_abs_log_ratio_all",
                "langevin_median_abs_log_ratio_top", "noise_floor_abs_log_ratio", "fraction_outside_interval",
                "confined_growth_exponent", "diffusive_growth_exponent"):
        assert key in summary["summary"]
    assert main(["validate", "--preset", "digits-mlp", "--quick", "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["validate", "--preset", "imagenet", "--out", str(tmp_path / "x")]) == 2


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mnist_mlp_published_setup(seed):
    """A non-critical reference point (|grad L| 0.14-0.23): the theory linearised once at theta_0 is off by about
    0.2 (40 % of the modes outside their interval); the moving frame brings it to the noise floor."""
    summary = run_validation(preset_config("mnist-mlp", seed=seed)).runs[0].summary
    assert summary.prediction == "moving-frame" and summary.null_modes == 9
    assert summary.median_abs_log_ratio_all <= 1.3 * summary.noise_floor_abs_log_ratio
    assert summary.fraction_outside_interval <= 0.15
    assert summary.fixed_frame_median_abs_log_ratio_all >= 1.8 * summary.noise_floor_abs_log_ratio
    assert summary.mean_error_over_spread <= 0.2  # the mean path, against a drift of ~10 spreads


@pytest.mark.slow
def test_mnist_mlp_near_critical_point():
    summary = run_validation(preset_config("mnist-mlp-critical")).runs[0].summary
    assert summary.median_abs_log_ratio_all <= 1.3 * summary.noise_floor_abs_log_ratio
    assert summary.fraction_outside_interval <= 0.10
    assert abs(summary.diffusive_growth_exponent - 1.0) <= 0.1


@pytest.mark.slow
def test_large_learning_rates_show_where_langevin_and_then_the_local_theory_fail():
    """Up to eta * lambda_max ~ 1.5: the discrete theory beats Langevin on stiff modes, is no worse
    elsewhere while the local theory holds, and the validity diagnostic flags the flat and negative
    modes that leave the quadratic region first."""
    results = run_validation(preset_config("mnist-mlp-critical", lr=[0.1, 0.4]))
    small, large = (run.summary for run in results.runs)
    assert 1.2 <= 0.4 * max(results.statistics.curvature) <= 1.8
    for summary in (small, large):
        assert summary.median_abs_log_ratio_stiff < summary.langevin_median_abs_log_ratio_stiff
        for row in summary.by_lr_curvature:
            low, high = row.lr_curvature
            # a bin of one or two modes is one or two sampling draws (spread ~ the noise floor): compared from
            # three modes on, as below
            if low is not None and low >= 0.2 and high is not None and high <= 2.0 and row.modes >= 3:
                assert row.median_abs_log_ratio < row.langevin_median_abs_log_ratio
    floor = small.noise_floor_abs_log_ratio
    for row in small.by_lr_curvature:  # inside the local theory: never worse than Langevin
        if row.modes >= 3:
            assert row.median_abs_log_ratio <= row.langevin_median_abs_log_ratio + floor / 4
    assert small.locally_valid_fraction >= 0.9 and large.locally_valid_fraction <= 0.5
    assert large.median_abs_log_ratio_beyond_local >= 1.5 * large.median_abs_log_ratio_locally_valid
    beyond, counts = large.regime_counts_beyond_local, large.regime_counts
    flat_share = (beyond["diffusive"] + beyond["escaping"]) / (counts["diffusive"] + counts["escaping"])
    assert flat_share >= 3 * beyond["confined"] / counts["confined"]


@pytest.mark.slow
def test_char_transformer_preset():
    results = run_validation(preset_config("char-transformer"))
    run = results.runs[0]
    summary = run.summary
    assert results.model.parameters == 1072 and results.statistics.method == "dense"
    assert summary.prediction == "moving-frame"
    assert summary.median_abs_log_ratio_all <= 1.3 * summary.noise_floor_abs_log_ratio
    assert abs(summary.diffusive_growth_exponent - 1.0) <= 0.15
    # the negative-curvature modes, which the fixed frame over-predicts (median 0.66)
    negative = np.asarray(results.statistics.curvature) < 0
    errors = np.abs(np.asarray(run.table.log_ratio, dtype=float))[negative]
    assert np.nanmedian(errors) <= 0.3


def test_a_diverging_run_is_a_result_with_reasons_not_an_error(tmp_path, capsys):
    out = tmp_path / "diverged"
    assert main(["validate", "--preset", "digits-mlp", "--quick", "--replicas", "4", "--steps", "6", "--lr", "1e4",
                 "--out", str(out), "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert "DIVERGED: 4 of 4 replicas diverged" in printed
    stored = json.loads((out / "results.json").read_text(), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    summary = stored["runs"][0]["summary"]
    assert summary["median_abs_log_ratio_all"] is None and "diverged" in summary["undefined"]["median_abs_log_ratio_all"]
    assert stored["runs"][0]["divergence"]["counts"]["loss"] + stored["runs"][0]["divergence"]["counts"][
        "non-finite"] == 4


def test_mnist_cnn_preset_is_matrix_free_by_size():
    from sgdfp.validate.eigensolvers import get_eigensolver

    for quick in (False, True):
        curvature = preset_config("mnist-cnn", quick=quick).curvature
        solver = get_eigensolver(curvature.eigensolver, 103018, curvature.modes, curvature.dense_limit)
        assert solver.name == "lanczos" and solver.ends == "both" and solver.count == (8 if quick else 16)



@pytest.mark.theory
@pytest.mark.parametrize("optimizer, weight_decay", [("heavy-ball", 0.0), ("nesterov", 0.0), ("heavy-ball", 0.05)])
def test_momentum_end_to_end_on_a_quadratic_model_where_the_theory_is_exact(optimizer, weight_decay):
    """Heavy-ball and Nesterov replicas from zero velocity, with weight decay towards the origin (the reference
    point is not the origin: the pull enters each mode's mean gradient), against the momentum theory."""
    dataset, loss = quadratic_problem()
    config = _config(lr=[0.05], batch_size=8, replicas=400, steps=150, samples=600, checkpoints=10,
                     optimizer=optimizer, momentum=0.9, weight_decay=weight_decay)
    results = run_validation(config, module=Linear(6), dataset=dataset, loss=loss, task="classification")
    run = results.runs[0]
    live = config.ensemble.replicas - run.summary.diverged_replicas
    measured, predicted = np.asarray(run.measured_variance), np.asarray(run.predicted_variance)
    assert_variance_matches(measured[-1], predicted[-1], replicas=live, label=f"{optimizer}, last step")
    # the rule of thumb "momentum is SGD at eta / (1 - beta)" misses the stiffest modes (eta lambda / (1 - beta)
    # up to 0.5 here): the same check must fail on it
    effective = np.asarray(run.effective_sgd_variance)
    with pytest.raises(AssertionError, match="disagree with the prediction"):
        assert_variance_matches(measured[-1], effective[-1], replicas=live, label="SGD at eta / (1 - beta)")


def test_moving_frame_off_and_beyond_the_dense_limit():
    dataset, loss = quadratic_problem(dim=3, samples=90)
    run = lambda **flat: run_validation(  # noqa: E731
        _config(lr=[0.1], batch_size=4, replicas=8, steps=10, samples=90, checkpoints=4, **flat),
        module=Linear(3), dataset=dataset, loss=loss, task="classification")
    off = run(moving_frame="off", coupling="off").runs[0]
    assert off.summary.prediction == "fixed-frame" and off.predicted_mean is None and off.coupled_variance is None
    assert off.summary.fixed_frame_median_abs_log_ratio_all == off.summary.median_abs_log_ratio_all
    assert off.summary.coupled_median_abs_log_ratio_all is None
    # without the frame the coupled closure is the headline, the per-mode theory beside it
    coupled = run(moving_frame="off").runs[0]
    assert coupled.summary.prediction == "coupled" and coupled.predicted_variance == coupled.coupled_variance
    assert coupled.summary.coupled_median_abs_log_ratio_all == coupled.summary.median_abs_log_ratio_all
    assert coupled.fixed_frame_variance == off.fixed_frame_variance
    assert run(dense_limit=2, coupling="off").runs[0].summary.prediction == "fixed-frame"  # auto: "too large"
    with pytest.raises(ValueError, match="moving frame holds dense 3 x 3 Hessians"):
        run(dense_limit=2, moving_frame="on")


def test_null_directions_are_counted_and_set_aside():
    """A mode without noise (its measured and predicted variances rounding error) must not move the medians."""
    from sgdfp.validate.compare import summarise
    from sgdfp.validate.null import null_directions

    steps = np.array([10, 100])
    predicted = np.array([[1.0, 2.0, 1e-30], [2.0, 3.0, 1e-30]])
    measured = predicted * np.array([1.1, 1.3, 50.0])  # the null mode's "ratio" is noise on noise
    null = null_directions(np.array([0.5, 0.2, 1e-28]), np.array([0.1, 0.1, 0.0]))
    assert null.tolist() == [False, False, True]
    args = (np.array([1.0, 0.5, 1e-18]), 0.1, steps, measured, predicted, predicted, predicted[-1],
            ["confined", "confined", "diffusive"], np.array([64, 64]))
    summary, table = summarise(*args, null=null)
    assert summary.null_modes == 1 and summary.median_abs_log_ratio_all == pytest.approx(np.log(1.1 * 1.3) / 2)
    assert [(r.regime, r.modes) for r in summary.by_regime] == [("confined", 2)]
    assert len(table.log_ratio) == 3  # the table keeps every mode
    assert summarise(*args)[0].median_abs_log_ratio_all == pytest.approx(np.log(1.3))  # with it: the middle of 3
    assert summarise(*args)[0].regime_counts["diffusive"] == 1


def test_a_frame_that_blew_up_leaves_the_headline_to_the_fixed_frame(monkeypatch):
    """Where the path's curvature passes the stability edge the linearised covariance grows without bound while
    the replicas do not (the nonlinearity holds them): the run says so and compares with the fixed frame."""
    import dataclasses

    from sgdfp.validate import run as pipeline

    real = pipeline.moving_frame

    def blown_up(*args, **kwargs):
        frame = real(*args, **kwargs)
        return dataclasses.replace(frame, variance=np.where(np.arange(len(frame.variance))[:, None] > 2, np.inf,
                                                            frame.variance))
    monkeypatch.setattr(pipeline, "moving_frame", blown_up)
    dataset, loss = quadratic_problem(dim=3, samples=90)
    config = _config(lr=[0.1], batch_size=4, replicas=8, steps=10, samples=90, checkpoints=4)
    run = run_validation(config, module=Linear(3), dataset=dataset, loss=loss, task="classification").runs[0]
    # the next most complete theory that applies: the coupled closure at the reference point
    assert run.summary.frame_overflowed and run.summary.prediction == "coupled"
    assert run.predicted_variance == run.coupled_variance and run.summary.median_abs_log_ratio_all is not None


def test_stationarity_and_diffusion_observables_in_every_run():
    """On an exactly quadratic model the fixed-frame theory is exact: the replicas' mean-squared displacement
    between checkpoints matches it, and the summary counts the confined modes the FDR ratio checks."""
    dataset, loss = quadratic_problem(dim=3, samples=90)
    config = _config(lr=[0.1], batch_size=4, replicas=256, steps=60, samples=90, checkpoints=8)
    run = run_validation(config, module=Linear(3), dataset=dataset, loss=loss, task="classification").runs[0]
    s = run.summary
    assert s.fdr_confined_modes == s.regime_counts["confined"]
    assert s.msd_median_abs_log is not None and s.msd_median_abs_log < 0.15
    assert set(s.msd_exponent_by_regime) <= set(s.regime_counts)
