"""The `sgdfp` command line."""

import json
import subprocess
import sys

import pytest

from sgdfp.cli import main


def test_derive_latex_prints_the_equations(capsys):
    assert main(["derive", "--dim", "2", "--latex"]) == 0
    out = capsys.readouterr().out
    assert out.count("\\begin{align*}") == 7
    for piece in ("P_{k+1} - P_k", r"\Delta_{\mathrm{step}}", r"\Delta_{\mathrm{flow}}", r"\partial_{\theta_{2}}",
                  r"M^{(2)}_{12}"):
        assert piece in out


def test_derive_json_is_one_object_with_every_section(capsys):
    assert main(["derive", "--dim", "1", "--eta-order", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dim"] == 1 and report["eta_order"] == 3
    assert set(report["jump_moments"]) == {"M1_1", "M2_11", "M3_111"}
    # at eta^3 the third jump moment, which Langevin lacks, joins the squared drift
    assert report["step_difference"]["text"] == (r"\Delta_{\mathrm{step}} = d_theta_1^2(eta**2*P*d_theta_1(L)**2/2)"
                                                 r" + d_theta_1^3(eta**3*(3*Sigma_11 + d_theta_1(L)**2)*P*d_theta_1(L)/6)")
    for key in ("discrete_fokker_planck", "langevin_fokker_planck", "flow_difference", "modified_equation"):
        assert report[key]["latex"].startswith("\\begin{align*}")


@pytest.mark.parametrize("argv, message", [
    (["derive", "--dim", "0"], "--dim: expected an integer from 1 to 6"),
    (["derive", "--dim", "two"], "--dim: expected an integer"),
    (["derive", "--eta-ordr", "2"], "unrecognized arguments"),
    (["derive", "--latex", "--json"], "not allowed with"),
    (["derivee"], "invalid choice"),
    ([], "required"),
])
def test_user_mistakes_exit_2_with_one_line(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_module_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "sgdfp", "derive", "--dim", "1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "P_{k+1} - P_k = d_theta_1(eta*P*d_theta_1(L))" in done.stdout


def test_mode_json_has_the_contract_keys_and_right_values(capsys):
    assert main(["mode", "--curvature", "1", "--grad-noise", "2", "--lr", "0.1", "--steps", "10", "1000",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("regime", "contraction", "stationary_variance", "langevin_stationary_variance", "steps", "mean",
                "variance", "langevin_variance", "diffusion_coefficient", "relaxation_steps"):
        assert key in report
    assert report["regime"] == "confined"
    assert report["contraction"] == pytest.approx(0.81)
    assert report["stationary_variance"] == pytest.approx(0.1 * 2 / (1 * (2 - 0.1)))  # eta D / (lam (2 - eta lam))
    assert report["langevin_stationary_variance"] == pytest.approx(0.1)
    assert report["steps"] == [10, 1000] and len(report["variance"]) == 2
    assert report["variance"][1] == pytest.approx(report["stationary_variance"])
    assert report["diffusion_coefficient"] == pytest.approx(0.1)


def test_mode_single_step_gives_scalars_and_no_stationary_law_is_null(capsys):
    assert main(["mode", "--curvature", "1", "--grad-noise", "1", "--lr", "1.2", "--curvature-noise", "1",
                 "--steps", "5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["regime"] == "unstable" and report["langevin_only_stable"] is True
    assert report["stationary_variance"] is None and report["relaxation_steps"] is None
    assert isinstance(report["variance"], float) and report["steps"] == 5


def test_mode_text_and_latex(capsys):
    assert main(["mode", "--curvature", "0", "--grad-noise", "1", "--lr", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "diffusive" in out and "diffusion coefficient" in out
    assert main(["mode", "--curvature", "2", "--grad-noise", "1", "--lr", "0.05", "--latex"]) == 0
    assert r"\operatorname{Var}_\infty" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["mode", "--curvature", "1", "--grad-noise", "-1", "--lr", "0.1"], "cannot be negative"),
    (["mode", "--curvature", "1", "--grad-noise", "1", "--lr", "0"], "lr must be positive"),
    (["mode", "--curvature", "1", "--grad-noise", "1"], "required: --lr"),
    (["mode", "--curvatur", "1", "--grad-noise", "1", "--lr", "0.1"], "required: --curvature"),
    (["mode", "--curvature", "nan", "--grad-noise", "1", "--lr", "0.1"], "finite"),
    (["mode", "--curvature", "1", "--grad-noise", "1", "--lr", "0.1", "--steps", "-3"], "--steps"),
])
def test_mode_user_mistakes_exit_2_with_one_line(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
