"""validate: data, models, curvature, per-mode statistics, ensembles, and the end-to-end comparison."""

import json

import numpy as np
import pytest
import torch

from sgdfp.cli import main
from sgdfp.testing import assert_regime, assert_variance_matches
from sgdfp.validate import (ALPHABET, CharTransformer, DataUnavailable, Dataset, FlatModel, MLP, dense_eigenpairs,
                            load_digits, load_fashion_mnist, load_mnist, load_text, top_eigenpairs)
from sgdfp.validate.ensemble import run_ensemble, run_loop
from sgdfp.validate.run import ValidationConfig, json_summary, preset_config, run_validation, write_results
from sgdfp.validate.statistics import minibatch_factor, mode_statistics


def test_real_data_loads_without_network(tmp_path):
    mnist = load_mnist()
    assert mnist.inputs.shape == (5000, 36) and 0 <= float(mnist.inputs.min()) and float(mnist.inputs.max()) <= 1
    assert np.bincount(mnist.targets.numpy()).tolist() == [500] * 10
    assert load_mnist(pool=None).inputs.shape == (5000, 784)
    digits = load_digits()
    assert digits.inputs.shape == (1797, 64) and digits.num_classes == 10
    text = load_text(sequences=64, context=16)
    assert text.inputs.shape == (64, 16) and torch.equal(text.inputs[:, 1:], text.targets[:, :-1])
    assert int(text.inputs.max()) < len(ALPHABET) == 30
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("In the beginning was the Word, and the Word was with God. " * 20, encoding="utf-8")
    assert load_text(str(corpus), sequences=8, context=8).inputs.shape == (8, 8)


def test_missing_data_is_a_clear_error(tmp_path):
    with pytest.raises(DataUnavailable, match="dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path)
    with pytest.raises(DataUnavailable, match="does not exist"):
        load_text(str(tmp_path / "nowhere.txt"))


def test_reference_models_have_the_published_sizes():
    assert sum(p.numel() for p in MLP(36, 8, 10).parameters()) == 386
    assert sum(p.numel() for p in CharTransformer(30, 8, 16).parameters()) == 1072


def _tiny():
    torch.manual_seed(1)
    digits = load_digits()
    model = FlatModel(MLP(64, 3, 10))
    return model, digits.inputs[:200], digits.targets[:200]


def test_dense_and_lanczos_eigenpairs_agree():
    model, x, y = _tiny()
    theta = model.theta0
    values, vectors = dense_eigenpairs(model.hessian(theta, x, y))
    top_values, top_vectors = top_eigenpairs(model, theta, x, y, 6)
    by_magnitude = values[values.abs().argsort()[-6:]].sort().values
    assert torch.allclose(top_values, by_magnitude, rtol=1e-8, atol=1e-10)
    overlap = (top_vectors.T @ vectors[:, values.abs().argsort()[-6:]]).abs().max(dim=1).values
    assert torch.all(overlap > 1 - 1e-6)


def test_hessian_from_products_matches_autograd_hessian():
    model, x, y = _tiny()
    exact = torch.func.hessian(model.loss)(model.theta0, x, y)
    assert torch.allclose(model.hessian(model.theta0, x, y, data_chunk=64), exact, atol=1e-12)
    V = torch.linalg.qr(torch.randn(model.num_parameters, 5, dtype=torch.float64))[0]
    looped = model.directional_curvatures(model.theta0, V, x, y, direction_chunk=1)
    vectorised = model.directional_curvatures(model.theta0, V, x, y, direction_chunk=3, data_chunk=70)
    assert torch.allclose(looped, vectorised, atol=1e-13)


def test_per_mode_statistics_against_brute_force():
    model, x, y = _tiny()
    theta = model.theta0
    stats = mode_statistics(model, theta, x, y, batch_size=16, sampling="with")
    V = stats.eigenvectors
    grads = torch.stack([torch.func.grad(model.loss)(theta, x[a:a + 1], y[a:a + 1]) for a in range(len(x))]) @ V
    curv = torch.stack([torch.einsum("pi,pq,qi->i", V, torch.func.hessian(model.loss)(theta, x[a:a + 1], y[a:a + 1]),
                                     V) for a in range(0, len(x))])
    g, h = grads.numpy(), curv.numpy()
    assert np.allclose(stats.mean_grad, g.mean(0), atol=1e-12)
    assert np.allclose(stats.grad_noise, g.var(0) / 16, rtol=1e-9, atol=1e-15)
    assert np.allclose(stats.curvature_noise, h.var(0) / 16, rtol=1e-9, atol=1e-15)
    assert np.allclose(stats.cross, ((g - g.mean(0)) * (h - h.mean(0))).mean(0) / 16, rtol=1e-8, atol=1e-15)
    assert stats.curvature_consistency < 1e-10
    assert minibatch_factor(16, 200, "without") == pytest.approx((200 - 16) / (16 * 199))


def test_vectorised_ensemble_reproduces_a_per_replica_loop():
    model, x, y = _tiny()
    theta = model.theta0
    V = torch.linalg.qr(torch.randn(model.num_parameters, 5, dtype=torch.float64))[0]
    for sampling in ("with", "without"):
        fast = run_ensemble(model, theta, x, y, V, 0.1, 8, 6, 12, [0, 3, 12], sampling, seed=4)
        slow = run_loop(model, theta, x, y, V, 0.1, 8, 6, 12, [0, 3, 12], sampling, seed=4)
        assert np.allclose(fast.mean, slow.mean, rtol=1e-10, atol=1e-14)
        assert np.allclose(fast.variance, slow.variance, rtol=1e-10, atol=1e-16)


def test_diverging_replicas_are_counted():
    dataset, loss = _quadratic_problem(dim=3, samples=60)
    model = FlatModel(_Linear(3), loss=loss)
    V = torch.eye(3, dtype=torch.float64)
    result = run_ensemble(model, model.theta0, dataset.inputs, dataset.targets, V, 50.0, 4, 5, 400, [400], seed=0)
    assert result.diverged == 5 and result.live[-1] == 0


class _Linear(torch.nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(dim, dtype=torch.float64))

    def forward(self, x):
        return x @ self.weight


def _quadratic_problem(dim=6, samples=600, seed=0):
    """Each sample touches one coordinate: per-sample Hessians are diagonal, the loss exactly quadratic,
    so the mode theory is exact for every mode, at any point."""
    rng = np.random.default_rng(seed)
    coordinate = rng.integers(0, dim, samples)
    scale = rng.uniform(0.5, 2.0, samples) * np.sqrt(np.linspace(0.05, 3.0, dim))[coordinate]
    x = np.zeros((samples, dim))
    x[np.arange(samples), coordinate] = scale
    targets = rng.normal(size=samples)
    dataset = Dataset("quadratic", torch.as_tensor(x), torch.as_tensor(targets), 0, "classification", "synthetic")
    return dataset, (lambda prediction, target: 0.5 * (prediction - target) ** 2)


@pytest.mark.theory
def test_end_to_end_on_a_quadratic_model_where_the_theory_is_exact():
    dataset, loss = _quadratic_problem()
    config = ValidationConfig(preset="quadratic", lr=[0.2], batch_size=8, replicas=400, steps=150, samples=600,
                              reference_steps=0, checkpoints=10, device="cpu")
    results = run_validation(config, module=_Linear(6), dataset=dataset, loss=loss, task="classification")
    run = results["runs"][0]
    summary = run["summary"]
    assert summary["median_abs_log_ratio_all"] <= 2.5 * summary["noise_floor_abs_log_ratio"]
    # the model is exactly quadratic: the gradient never leaves the theory's line, every mode is valid
    assert summary["locally_valid_fraction"] == 1.0 and np.nanmax(run["table"]["validity_error"]) < 1e-8
    live = config.replicas - summary["diverged_replicas"]
    measured, predicted = np.asarray(run["measured_variance"]), np.asarray(run["predicted_variance"])
    assert_variance_matches(measured[-1], predicted[-1], replicas=live, label="quadratic model, last step")
    assert_regime(run["steps"], measured, run["regimes"], replicas=live, label="quadratic model, regimes")
    # a deliberately wrong prediction (20 % too large) must fail the same check
    with pytest.raises(AssertionError, match="disagree with the prediction"):
        assert_variance_matches(measured[-1], 1.2 * predicted[-1], replicas=live, label="deliberately 20 % too large")


def test_results_are_written_atomically_and_not_overwritten(tmp_path, monkeypatch):
    dataset, loss = _quadratic_problem(dim=3, samples=90)
    config = ValidationConfig(preset="quadratic", lr=[0.1, 0.2], batch_size=4, replicas=16, steps=20, samples=90,
                              reference_steps=0, checkpoints=5, device="cpu")
    results = run_validation(config, module=_Linear(3), dataset=dataset, loss=loss, task="classification")
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
def test_mnist_mlp_published_setup():
    config = ValidationConfig(preset="mnist-mlp")
    summary = run_validation(config)["runs"][0]["summary"]
    assert summary["log_corr_all"] >= 0.99
    assert summary["median_abs_log_ratio_all"] <= 0.2


def test_subsampled_curvature_statistics_estimate_the_full_ones():
    model, x, y = _tiny()
    full = mode_statistics(model, model.theta0, x, y, batch_size=16)
    sub = mode_statistics(model, model.theta0, x, y, batch_size=16, curvature_samples=150, direction_chunk=1)
    assert np.array_equal(full.grad_noise, sub.grad_noise) and np.array_equal(full.curvature, sub.curvature)
    informative = full.curvature_noise > 1e-9 * full.curvature_noise.max()
    ratio = sub.curvature_noise[informative] / full.curvature_noise[informative]
    assert informative.sum() > 10 and 0.8 < np.median(ratio) < 1.25


@pytest.mark.slow
def test_mnist_mlp_near_critical_point():
    summary = run_validation(ValidationConfig(preset="mnist-mlp-critical", polish_tolerance=5e-3))["runs"][0]["summary"]
    assert summary["median_abs_log_ratio_all"] <= 1.3 * summary["noise_floor_abs_log_ratio"]
    assert summary["fraction_outside_interval"] <= 0.10
    assert abs(summary["diffusive_growth_exponent"] - 1.0) <= 0.1


@pytest.mark.slow
def test_large_learning_rates_show_where_langevin_and_then_the_local_theory_fail():
    """Up to eta * lambda_max ~ 1.5: the discrete theory beats Langevin on stiff modes, is no worse
    elsewhere while the local theory holds, and the validity diagnostic flags the flat and negative
    modes that leave the quadratic region first."""
    results = run_validation(preset_config("mnist-mlp-critical", lr=[0.1, 0.4]))
    small, large = (run["summary"] for run in results["runs"])
    assert 1.2 <= 0.4 * max(results["statistics"]["curvature"]) <= 1.8
    for summary in (small, large):
        assert summary["median_abs_log_ratio_stiff"] < summary["langevin_median_abs_log_ratio_stiff"]
        for row in summary["by_lr_curvature"]:
            low, high = row["lr_curvature"]
            if low is not None and low >= 0.2 and high is not None and high <= 2.0:
                assert row["median_abs_log_ratio"] < row["langevin_median_abs_log_ratio"]
    floor = small["noise_floor_abs_log_ratio"]
    for row in small["by_lr_curvature"]:  # inside the local theory: never worse than Langevin
        if row["modes"] >= 3:
            assert row["median_abs_log_ratio"] <= row["langevin_median_abs_log_ratio"] + floor / 4
    assert small["locally_valid_fraction"] >= 0.9 and large["locally_valid_fraction"] <= 0.5
    assert large["median_abs_log_ratio_beyond_local"] >= 1.5 * large["median_abs_log_ratio_locally_valid"]
    beyond, counts = large["regime_counts_beyond_local"], large["regime_counts"]
    flat_share = (beyond["diffusive"] + beyond["escaping"]) / (counts["diffusive"] + counts["escaping"])
    assert flat_share >= 3 * beyond["confined"] / counts["confined"]


@pytest.mark.slow
def test_char_transformer_preset():
    results = run_validation(preset_config("char-transformer"))
    summary = results["runs"][0]["summary"]
    assert results["model"]["parameters"] == 1072 and results["statistics"]["method"] == "dense"
    assert summary["median_abs_log_ratio_all"] <= 0.2
    assert abs(summary["diffusive_growth_exponent"] - 1.0) <= 0.15
