"""``sgdfp validate``: the flags, the checks made before anything runs, and the summary printed from the typed
results, where an undefined metric (``None``) prints as ``-``."""

import json

import pytest

from sgdfp.cli import main
from sgdfp.cli.commands.validate import print_summary, show
from sgdfp.validate import results as typed
from sgdfp.validate.config import ValidationConfig
from sgdfp.validate.presets import PRESETS


def _results(summary: typed.RunSummary, scaling: typed.Scaling | None, loss: float | None = 0.25):
    modes = 3
    statistics = typed.StatisticsRecord(method="dense", minibatch_factor=1.0, grad_noise_offdiagonal=0.0,
                                  curvature_noise_offdiagonal=0.0, curvature_consistency=1.0, seconds=0.1,
                                  curvature=[0.0, 0.5, 2.0], grad_noise=[1.0] * modes, curvature_noise=[0.0] * modes,
                                  mean_grad=[0.0] * modes, cross=[0.0] * modes)
    table = typed.ModeTable(lower=[None] * modes, upper=[None] * modes, outside=[False] * modes,
                      growth_exponent=[None] * modes, log_ratio=[None] * modes, langevin_log_ratio=[None] * modes,
                      validity_error=[None] * modes)
    run = typed.RunResult(lr=0.05, summary=summary, steps=[0, 10], measured_variance=[[0.0] * modes, [0.1] * modes],
                    predicted_variance=[[0.0] * modes, [0.1] * modes], langevin_variance=[[0.0] * modes, [0.1] * modes],
                    stationary_variance=[None, 0.1, 0.02], regimes=["diffusive", "confined", "confined"], table=table)
    return typed.ValidationResults(config=ValidationConfig(preset="digits-mlp"), device="cpu",
                             reference=typed.ReferenceResult(loss=loss, grad_norm=None),
                             dataset=typed.DatasetInfo("digits", "sklearn", 1797),
                             model=typed.ModelInfo("MLP", 610, "classification"),
                             statistics=statistics, runs=[run], scaling=scaling, versions={}, wall_seconds=12.34)


def test_show_prints_a_dash_for_an_undefined_metric():
    assert show(None) == "-" and show(None, ".3f") == "-"
    assert show(0.123456, ".3f") == "0.123" and show(1234.5) == "1.23e+03"


def test_the_summary_prints_every_metric_and_a_dash_where_undefined(capsys):
    summary = typed.RunSummary(log_corr_top=0.9321, stationary_log_corr_top=None, log_corr_all=0.999,
                         median_abs_log_ratio_top=0.415, median_abs_log_ratio_all=None,
                         langevin_median_abs_log_ratio_all=0.381, noise_floor_abs_log_ratio=0.371,
                         fraction_outside_interval=None, diverged_replicas=2, confined_growth_exponent=0.02,
                         diffusive_growth_exponent=None, regime_counts={"confined": 2, "diffusive": 1},
                         by_lr_curvature=[typed.StiffnessBin([None, 0.0], 0, None, None),
                                          typed.StiffnessBin([0.0, 0.05], 3, 0.368, 0.37)],
                         validity_modes_checked=3, locally_valid_fraction=2 / 3,
                         median_abs_log_ratio_locally_valid=0.3, median_abs_log_ratio_beyond_local=None,
                         regime_counts_beyond_local={"confined": 1, "diffusive": 0})
    print_summary(_results(summary, typed.Scaling(exponent=0.98, interval=[0.9, 1.06], points=[])), "out")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "sgdfp validate digits-mlp: 610 parameters, 1797 samples, SGD, device cpu, 12.3 s"
    assert lines[1] == "reference point: loss 0.2500, |grad L| -"
    assert lines[2] == "eta = 0.05: 2 of 128 replicas diverged; the moments are over the 126 replicas left"
    # the error against the noise floor and the fraction outside the interval lead
    assert lines[3] == ("eta = 0.05: median |log ratio| - = -x the noise floor 0.371, - % of modes outside their "
                        "95 % interval (fixed-frame prediction)")
    assert lines[4] == ("   top-48 median |log ratio| 0.415; Langevin 0.381; log-corr top-48 0.932 (stationary "
                        "formula -), all 0.999; diverged replicas 2")
    # two confined modes and no escaping one: too few to test those regimes, said
    assert lines[5] == ("   caveat: over 500 steps with 128 replicas (noise floor 0.371) only 2 confined, 0 escaping "
                        "modes are classified: too few to test those regimes (a mode must relax or escape within the "
                        "horizon; --quick shortens both)")
    assert lines[6] == ("   growth exponents: confined 0.02, diffusive -; regimes {'confined': 2, 'diffusive': 1}")
    assert lines[7] == ("   by eta*lambda: [-, 0) 0 modes: discrete -, Langevin -; "
                        "[0, 0.05) 3 modes: discrete 0.368, Langevin 0.370")
    assert lines[8] == ("   local theory holds for 67 % of the 3 modes checked (median |log ratio| 0.3 there, "
                        "- beyond it: {'confined': 1})")
    assert lines[9] == "flat-mode diffusion coefficient ~ eta^0.98 (95 % interval [0.9, 1.06])"
    assert lines[10] == "wrote out/results.json, modes.csv and figures"


def test_the_stationarity_line(capsys):
    summary = typed.RunSummary(noise_floor_abs_log_ratio=0.1, regime_counts={"confined": 30, "escaping": 6},
                               fdr_confined_modes=30, fdr_consistent_fraction=0.9, fdr_median_abs_deviation=0.12,
                               fdr_flagged_fraction_other=0.4, msd_median_abs_log=0.05,
                               msd_exponent_by_regime={"confined": 0.1}, msd_exponent_predicted_by_regime={})
    print_summary(_results(summary, None), "out")
    out = capsys.readouterr().out
    assert ("   stationarity: the FDR ratio 2<yF>/(eta<F^2>) holds 1 for 90 % of the 30 confined modes (median "
            "|r - 1| 0.12) and flags 40 % of the others; MSD median |log ratio| 0.050, its exponent by regime: "
            "confined 0.10 (theory -)") in out
    assert "caveat" not in out


def test_a_run_without_validity_check_or_scaling_says_nothing_of_them(capsys):
    print_summary(_results(typed.RunSummary(), None, loss=None), "out")
    out = capsys.readouterr().out
    assert "local theory" not in out and "flat-mode diffusion" not in out
    assert "reference point: loss -, |grad L| -" in out and "None" not in out


def test_a_polish_that_stopped_short_is_a_warning_line(capsys):
    import dataclasses

    results = _results(typed.RunSummary(), None)
    results = dataclasses.replace(results, reference=typed.ReferenceResult(
        loss=0.25, grad_norm=0.02, polish=typed.PolishResult(steps=20000, converged=False)),
        config=ValidationConfig.from_flat(preset="digits-mlp", polish_tolerance=5e-3))
    print_summary(results, "out")
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == ("warning: the reference polish stopped after 20000 steps with |grad L| 2.00e-02 above its "
                        "tolerance 5.00e-03: the point is not as critical as asked (raise polish_max_steps or the "
                        "tolerance)")
    print_summary(_results(typed.RunSummary(), None), "out")  # no polish asked: no warning
    assert "warning" not in capsys.readouterr().out


def test_an_undefined_scaling_exponent_is_a_dash(capsys):
    print_summary(_results(typed.RunSummary(), typed.Scaling(exponent=None, interval=None, points=[])), "out")
    assert "flat-mode diffusion coefficient ~ eta^- (95 % interval -)" in capsys.readouterr().out


def test_an_existing_output_directory_is_refused_before_anything_runs(tmp_path, capsys):
    (tmp_path / "run").mkdir()
    assert main(["validate", "--preset", "digits-mlp", "--quick", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists; pass --force to replace it" in err


@pytest.mark.parametrize("argv, message", [
    (["--preset", "imagenet"], "invalid choice: 'imagenet' (choose from " + ", ".join(map(repr, PRESETS)) + ")"),
    (["--preset", "digits-mlp", "--replicas", "1"], "--replicas: expected an integer from 2 to"),
    (["--preset", "digits-mlp", "--lr", "0"], "--lr: expected a positive number"),
    (["--preset", "digits-mlp", "--sampling", "both"], "invalid choice: 'both'"),
    (["--preset", "digits-mlp", "--device", "tpu"], "invalid choice: 'tpu'"),
    (["--preset", "digits-mlp", "--optimizer", "adam"], "invalid choice: 'adam'"),
    (["--preset", "digits-mlp", "--optimizer", "heavy-ball", "--momentum", "1"], "0 <= momentum < 1"),
    (["--preset", "digits-mlp", "--weight-decay", "-0.1"], "weight_decay >= 0"),
    (["--preset", "digits-mlp", "--momentum", "0.9"], "needs --optimizer heavy-ball or nesterov"),
    (["--preset", "digits-mlp", "--optimizer", "nesterov"], "needs a momentum 0 < beta < 1 (--momentum)"),
])
def test_validate_flag_mistakes_exit_2_with_one_line(tmp_path, capsys, argv, message):
    assert main(["validate", *argv, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_momentum_run_prints_its_optimizer_and_the_sgd_rule_of_thumb(tmp_path, capsys):
    out = tmp_path / "hb"
    assert main(["validate", "--preset", "digits-mlp", "--quick", "--replicas", "8", "--steps", "10", "--device",
                 "cpu", "--optimizer", "nesterov", "--momentum", "0.9", "--weight-decay", "1e-3", "--lr", "0.005",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "nesterov momentum 0.9, weight decay 0.001" in printed and "SGD at eta/(1 - beta)" in printed
    stored = json.loads((out / "results.json").read_text())
    assert stored["config"]["ensemble"] | {"optimizer": "nesterov", "momentum": 0.9, "weight_decay": 0.001} == \
        stored["config"]["ensemble"]
    run = stored["runs"][0]
    assert len(run["effective_sgd_variance"]) == len(run["steps"])
    assert run["summary"]["effective_sgd_median_abs_log_ratio_all"] is not None


def test_the_presets_are_listed_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert all(name in out for name in PRESETS)


def test_a_moving_frame_run_prints_both_frames_and_the_regimes(capsys):
    summary = typed.RunSummary(prediction="moving-frame", median_abs_log_ratio_all=0.09, noise_floor_abs_log_ratio=0.085,
                               fraction_outside_interval=0.05, fixed_frame_median_abs_log_ratio_all=0.194,
                               fixed_frame_fraction_outside_interval=0.435, mean_error_over_spread=0.11,
                               frame_refresh=50, frame_seconds=4.5, null_modes=9,
                               by_regime=[typed.RegimeSummary("confined", 26, 0.17, 0.12),
                                          typed.RegimeSummary("escaping", 7, None, None)])
    print_summary(_results(summary, None), "out")
    printed = capsys.readouterr().out
    assert ("   moving frame (refreshed every 50 steps, 4.5 s): mean path off by 0.11 of the spread; fixed frame at "
            "the reference point: median |log ratio| 0.194, outside 43.5 %") in printed
    assert ("by regime (median |log ratio| over the noise floor, outside the interval): confined 26: 2.00x, 12 %; "
            "escaping 7: -x, - %; 9 null directions (no noise) set aside") in printed
