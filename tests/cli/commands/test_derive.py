"""``sgdfp derive``: the jump moments and density equations of SGD, as text, LaTeX or JSON."""

import json

from sgdfp.cli import derive_report, main
from sgdfp.derive import jump_moment, symbolic_sgd, text


def test_derive_latex_prints_the_equations(capsys):
    assert main(["derive", "--dim", "2", "--latex"]) == 0
    out = capsys.readouterr().out
    assert out.count("\\begin{align*}") == 7
    for piece in ("P_{k+1} - P_k", r"\Delta_{\mathrm{step}}", r"\Delta_{\mathrm{flow}}", r"\partial_{\theta_{2}}",
                  r"M^{(2)}_{12} &="):
        assert piece in out


def test_derive_json_is_one_object_with_every_section(capsys):
    assert main(["derive", "--dim", "1", "--eta-order", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dim"] == 1 and report["eta_order"] == 3
    assert set(report["jump_moments"]) == {"M1_1", "M2_11", "M3_111"}
    # at eta^3 the third jump moment, which Langevin lacks, joins the squared drift
    assert report["step_difference"]["text"] == (
        r"\Delta_{\mathrm{step}} = d_theta_1^2(eta**2*P*d_theta_1(L)**2/2)"
        r" + d_theta_1^3(eta**3*(3*Sigma_11 + d_theta_1(L)**2)*P*d_theta_1(L)/6)")
    for key in ("discrete_fokker_planck", "langevin_fokker_planck", "flow_difference", "modified_equation"):
        assert report[key]["latex"].startswith("\\begin{align*}")


def test_the_jump_moments_are_the_engines(capsys):
    report = derive_report(2, 2)
    update = symbolic_sgd(2)
    second = jump_moment(update, 2)
    assert report["jump_moments"]["M2_12"]["text"] == text(second[0, 1])
    assert report["jump_moments"]["M2_12"]["latex"].startswith(r"M^{(2)}_{12} = ")
    assert set(report["jump_moments"]) == {"M1_1", "M1_2", "M2_11", "M2_12", "M2_22"}
    assert main(["derive", "--dim", "2"]) == 0
    out = capsys.readouterr().out
    assert f"M2_12 = {text(second[0, 1])}" in out and "== Jump moments" in out
    assert "\\" not in out.split("== Jump moments")[1].split("==")[0]
