"""``sgdfp mode``: one mode's regime, variances and the discrete-vs-Langevin comparison, checked against the
moments of the map worked out by hand and the Ornstein--Uhlenbeck process."""

import json
import math

import pytest

from sgdfp.cli import main, mode_report

KEYS = ["parameters", "regime", "regime_at_horizon", "horizon", "contraction", "stability_threshold",
        "langevin_only_stable", "stationary_variance", "langevin_stationary_variance", "sme2_stationary_variance",
        "stationary_ratio", "diffusion_coefficient", "diffusion_coefficient_per_step", "relaxation_steps", "steps",
        "mean", "variance", "langevin_mean", "langevin_variance", "sme2_variance"]


def _hand_variance(lam, D, eta, Gamma, steps):
    """Var y_k from y_0 = 0 for y' = (1 - eta h) y - eta g (critical point): v' = q v + eta^2 D."""
    q, v = (1 - eta * lam) ** 2 + eta**2 * Gamma, 0.0
    for _ in range(steps):
        v = q * v + eta**2 * D
    return v


def test_mode_json_has_the_contract_keys_and_right_values(capsys):
    assert main(["mode", "--curvature", "1", "--grad-noise", "2", "--lr", "0.1", "--steps", "10", "1000",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report) == KEYS
    assert report["parameters"] == {"curvature": 1.0, "grad_noise": 2.0, "lr": 0.1, "curvature_noise": 0.0,
                                    "mean_grad": 0.0, "cross": 0.0}
    assert report["regime"] == "confined" and report["regime_at_horizon"] == "confined" and report["horizon"] == 1000
    assert report["contraction"] == pytest.approx(0.81)
    assert report["stability_threshold"] == pytest.approx(2.0)  # q = 1 at eta = 2 / lambda
    assert report["stationary_variance"] == pytest.approx(0.1 * 2 / (1 * (2 - 0.1)))  # eta D / (lam (2 - eta lam))
    assert report["langevin_stationary_variance"] == pytest.approx(0.1)  # OU: eta D / (2 lam)
    assert report["sme2_stationary_variance"] == pytest.approx(0.1 * 2 / (2.1))  # OU rate lam (1 + eta lam / 2)
    assert report["stationary_ratio"] == pytest.approx(2 / 1.9)
    assert report["relaxation_steps"] == pytest.approx(1 / (1 - 0.81))
    assert report["steps"] == [10, 1000] and len(report["variance"]) == 2
    assert report["variance"] == pytest.approx([_hand_variance(1, 2, 0.1, 0, k) for k in (10, 1000)], rel=1e-12)
    assert report["langevin_variance"] == pytest.approx([0.1 * (1 - math.exp(-2 * 0.1 * k)) for k in (10, 1000)])
    assert report["sme2_variance"][0] == pytest.approx(0.2 / 2.1 * (1 - math.exp(-0.1 * 10 * 2.1)))
    assert report["mean"] == [0.0, 0.0] and report["langevin_mean"] == [0.0, 0.0]
    assert report["diffusion_coefficient"] == pytest.approx(0.1)  # eta D / 2
    assert report["diffusion_coefficient_per_step"] == pytest.approx(0.01)  # eta^2 D / 2


def test_mode_single_step_gives_scalars_and_no_stationary_law_is_null(capsys):
    assert main(["mode", "--curvature", "1", "--grad-noise", "1", "--lr", "1.2", "--curvature-noise", "1",
                 "--steps", "5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["regime"] == "unstable" and report["langevin_only_stable"] is True
    assert report["stationary_variance"] is None and report["relaxation_steps"] is None
    assert isinstance(report["variance"], float) and report["steps"] == 5
    assert report["variance"] == pytest.approx(_hand_variance(1, 1, 1.2, 1, 5), rel=1e-12)


def test_a_saddle_has_no_stability_threshold_and_a_mean_gradient_moves_the_mean():
    report = mode_report(-0.5, 1.0, 0.1, mean_grad=0.2, steps=[3])
    assert report["regime"] == "escaping" and report["stability_threshold"] is None
    mean = 0.0
    for _ in range(3):
        mean = (1 + 0.05) * mean - 0.1 * 0.2  # E y' = (1 - eta lam) E y - eta gbar
    assert report["mean"] == pytest.approx(mean, rel=1e-12)


def test_mode_text(capsys):
    assert main(["mode", "--curvature", "0", "--grad-noise", "1", "--lr", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "diffusive" in out and "diffusion coefficient" in out
    assert "stationary variance     discrete none" in out  # a flat mode has no stationary law
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert [int(r[0]) for r in rows] == [1, 10, 100, 1000]
    assert [float(r[2]) for r in rows] == pytest.approx([0.05**2 * k for k in (1, 10, 100, 1000)], rel=1e-5)


def test_mode_latex_prints_the_catalogue_for_the_nonzero_parameters_then_the_values(capsys):
    assert main(["mode", "--curvature", "2", "--grad-noise", "1", "--lr", "0.05", "--latex"]) == 0
    out = capsys.readouterr().out
    formulas, values = out.split("% the values")
    assert r"\operatorname{Var}_\infty &= \frac{D \eta}{\lambda \left(2 - \eta \lambda\right)}" in formulas
    assert r"\bar{g}" not in formulas and r"\Gamma" not in formulas and r"\rho" not in formulas
    assert r"\text{unstable} &\iff \text{otherwise}" in formulas  # the regime rule
    lines = dict(line.rstrip(" \\").split(" &= ") for line in values.strip().splitlines()[1:-1])
    assert float(lines["q"]) == pytest.approx(0.81)
    assert float(lines[r"\operatorname{Var}_\infty"]) == pytest.approx(0.05 / (2 * 1.9), rel=1e-5)
    assert float(lines[r"\operatorname{Var}^{\mathrm{Langevin}}_\infty"]) == pytest.approx(0.0125)
    assert float(lines[r"\eta^*"]) == pytest.approx(1.0)
    assert main(["mode", "--curvature", "2", "--grad-noise", "1", "--lr", "0.05", "--mean-grad", "0.1",
                 "--latex"]) == 0
    assert r"\bar{g}" in capsys.readouterr().out.split("% the values")[0]


def test_mode_latex_where_there_is_no_stationary_law(capsys):
    import sympy as sp

    from sgdfp.derive import latex

    assert main(["mode", "--curvature", "1", "--grad-noise", "1", "--lr", "2.5", "--latex"]) == 0
    values = capsys.readouterr().out.split("% the values")[1]
    assert r"\operatorname{Var}_\infty &= \text{NaN}" in values  # q = 2.25: no stationary law
    assert rf"\tau_{{\mathrm{{relax}}}} &= {latex(sp.oo)}" in values  # the variance never forgets
    assert r"\operatorname{Var}^{\mathrm{Langevin}}_\infty &= 1.25" in values  # eta D / (2 lambda): Langevin has one


@pytest.mark.parametrize("argv, message", [
    (["mode", "--curvature", "1", "--grad-noise", "-1", "--lr", "0.1"], "cannot be negative"),
    (["mode", "--curvature", "1", "--grad-noise", "1", "--lr", "0"], "lr must be positive"),
    (["mode", "--curvature", "1", "--grad-noise", "1"], "required: --lr"),
    (["mode", "--curvatur", "1", "--grad-noise", "1", "--lr", "0.1"], "required: --curvature"),
    (["mode", "--curvature", "nan", "--grad-noise", "1", "--lr", "0.1"], "finite"),
    (["mode", "--curvature", "1", "--grad-noise", "1", "--lr", "0.1", "--steps", "-3"], "--steps"),
    (["mode", "--curvature", "1", "--grad-noise", "1", "--lr", "0.1", "--curvature-noise", "1", "--cross", "5"],
     "is impossible"),
])
def test_mode_user_mistakes_exit_2_with_one_line(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_the_flags_come_from_the_parameter_table(capsys):
    from sgdfp.derive.mode.parameters import MODE_PARAMETERS

    with pytest.raises(SystemExit):
        main(["mode", "--help"])
    out = capsys.readouterr().out
    for parameter in MODE_PARAMETERS:
        assert f"{parameter.flag} {parameter.metavar}" in out
