"""``sgdfp mode --momentum/--nesterov/--weight-decay``: the keys of the plain report plus the optimiser's, each
value the library's, and bad flags refused in one line with exit status 2."""

from __future__ import annotations

import json

import pytest

from sgdfp.cli import main
from sgdfp.cli.commands.mode import MOMENTUM_KEYS
from sgdfp.derive.mode.momentum_mode import MomentumMode

KEYS = ["parameters", "regime", "regime_at_horizon", "horizon", "contraction", "stability_threshold",
        "langevin_only_stable", "stationary_variance", "langevin_stationary_variance", "sme2_stationary_variance",
        "stationary_ratio", "diffusion_coefficient", "diffusion_coefficient_per_step", "relaxation_steps", "steps",
        "mean", "variance", "langevin_mean", "langevin_variance", "sme2_variance"]


@pytest.mark.parametrize("nesterov", [False, True])
def test_json_keys_and_values_are_the_library_s(capsys, nesterov):
    argv = ["mode", "--curvature", "1", "--grad-noise", "2", "--lr", "0.1", "--curvature-noise", "0.5",
            "--momentum", "0.9", "--weight-decay", "0.01", "--steps", "10", "100", "--json"]
    assert main(argv + (["--nesterov"] if nesterov else [])) == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report) == KEYS + list(MOMENTUM_KEYS)
    mode = MomentumMode(1.0, 2.0, 0.1, 0.5, momentum=0.9, nesterov=nesterov, weight_decay=0.01)
    assert report["optimizer"] == ("nesterov" if nesterov else "heavy_ball")
    assert report["momentum"] == 0.9 and report["weight_decay"] == 0.01
    assert report["regime"] == mode.regime() == "confined"
    assert report["contraction"] == pytest.approx(float(mode.contraction()), rel=1e-14)
    assert report["stability_threshold"] == pytest.approx(float(mode.stability_threshold()), rel=1e-14)
    assert report["stationary_variance"] == pytest.approx(float(mode.stationary_variance()), rel=1e-14)
    assert report["variance"] == pytest.approx([float(mode.variance(10)), float(mode.variance(100))], rel=1e-14)
    assert report["diffusion_coefficient_per_step"] == pytest.approx(0.01 * 2 / (2 * 0.01), rel=1e-12)
    assert report["effective_curvature"] == pytest.approx(1.01)
    # the Langevin counterpart at eta / (1 - beta) = 1 and curvature 1.01: eta D / (2 lambda - eta Gamma), typed
    # here from the Ornstein-Uhlenbeck process with state-dependent noise, not taken from the code
    assert report["langevin_stationary_variance"] == pytest.approx(1.0 * 2.0 / (2 * 1.01 - 1.0 * 0.5), rel=1e-12)
    assert report["stationary_ratio"] == pytest.approx(report["stationary_variance"] / report["langevin_stationary_variance"])
    assert report["sme2_variance"] == [None, None] and report["langevin_only_stable"] is False


def test_a_flat_mode_with_weight_decay_saturates(capsys):
    assert main(["mode", "--curvature", "0", "--grad-noise", "1", "--lr", "0.1", "--momentum", "0.9",
                 "--weight-decay", "0.001", "--steps", "10", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["regime"] == "confined" and report["stability_threshold"] == pytest.approx(3800.0)
    mode = MomentumMode(0.0, 1.0, 0.1, momentum=0.9, weight_decay=0.001)
    assert report["stationary_variance"] == pytest.approx(float(mode.stationary_variance()))
    assert report["crossover_steps"] == pytest.approx(float(mode.crossover_steps()))
    assert report["sgd_stationary_variance"] is None  # plain SGD on a flat mode has no stationary law


def test_text_and_latex(capsys):
    assert main(["mode", "--curvature", "0", "--grad-noise", "1", "--lr", "0.1", "--momentum", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "optimizer               heavy_ball  beta=0.5" in out and "diffusive" in out
    assert main(["mode", "--curvature", "1", "--grad-noise", "1", "--lr", "0.1", "--nesterov", "--latex"]) == 0
    out = capsys.readouterr().out
    assert r"\mathcal{D}_\mathrm{eff}" in out and "J_{4}" in out


@pytest.mark.parametrize("flags, message", [
    (["--momentum", "1"], "0 <= momentum < 1"), (["--momentum", "-0.1"], "0 <= momentum < 1"),
    (["--momentum", "nan"], "finite"), (["--weight-decay", "-0.5"], "weight_decay >= 0"),
    (["--weight-decay", "x"], "expected a number")])
def test_bad_optimizer_flags_exit_2_with_one_line(capsys, flags, message):
    assert main(["mode", "--curvature", "1", "--grad-noise", "1", "--lr", "0.1", *flags]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
