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
