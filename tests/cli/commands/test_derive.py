"""``sgdfp derive``: the jump moments and density equations of SGD, as text, LaTeX or JSON."""

import io
import json

import pytest

from sgdfp.cli import derive_report, main
from sgdfp.cli.commands import derive as command
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


# ---------------------------------------------------------------- bounded work: the budget and the progress bar


def test_a_size_over_the_budget_is_refused_up_front(capsys, monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("the refusal must come before any derivation")

    monkeypatch.setattr("sgdfp.document.derivations", no_work)
    assert main(["derive", "--dim", "6", "--eta-order", "6", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    err = captured.err
    assert err.startswith("sgdfp derive: --dim 6 --eta-order 6 would take an estimated ")
    assert f"over the {command.BUDGET_SECONDS:g} s budget; sizes that fit: --dim 1" in err
    estimate = float(err.split("estimated ")[1].split(" s,")[0])
    assert estimate == pytest.approx(command.estimated_seconds(6, 6), rel=1e-2) and estimate > command.BUDGET_SECONDS


@pytest.mark.parametrize("name, document", [("sgdfp derive", False), ("sgdfp latex", True)])
def test_every_size_up_to_four_dimensions_at_eta4_fits_and_the_largest_sizes_are_named(name, document):
    largest = command.largest_sizes(document=document)
    assert set(largest) == set(range(1, command.MAX_DIM + 1))
    assert all(largest[d] >= 4 for d in range(1, 5))  # the target: up to dim 4 x O(eta^4)
    for dim in range(1, command.MAX_DIM + 1):
        for k in range(1, command.MAX_ETA_ORDER + 1):
            fits = command.estimated_seconds(dim, k, document) <= command.BUDGET_SECONDS
            assert fits == (k <= largest[dim])
            if fits:
                command.check_budget(dim, k, name)  # a size inside the budget runs
            else:
                with pytest.raises(command.UsageError, match=f"^{name}: --dim {dim} --eta-order {k} would take"):
                    command.check_budget(dim, k, name)


@pytest.mark.parametrize("document", [False, True])
def test_the_estimate_grows_with_the_dimension_and_the_order(document):
    for dim in range(1, command.MAX_DIM + 1):
        for k in range(1, command.MAX_ETA_ORDER + 1):
            here = command.estimated_seconds(dim, k, document)
            assert here > 0
            if dim > 1:
                assert here >= command.estimated_seconds(dim - 1, k, document)
            if k > 1:
                assert here >= command.estimated_seconds(dim, k - 1, document)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_shown_on_a_terminal_only(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with command.progress_bar(2, delay=0, mininterval=0) as step:
        step("jump moments")
        step("flow difference")
    assert "done: flow difference" in terminal.getvalue() and "2/2" in terminal.getvalue()
    quiet = _Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    with command.progress_bar(2, enabled=False, delay=0, mininterval=0) as step:  # --json
        step("jump moments")
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    with command.progress_bar(2, delay=0, mininterval=0) as step:
        step("jump moments")
    assert quiet.getvalue() == pipe.getvalue() == ""


def test_a_derivation_inside_the_budget_prints_no_progress_into_a_pipe(capsys):
    assert main(["derive", "--dim", "2", "--eta-order", "3", "--json"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_four_dimensions_at_eta4_is_derived(capsys):
    assert main(["derive", "--dim", "4", "--eta-order", "4", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    # one entry per sorted index tuple: C(4 + n - 1, n) for n = 1..4
    assert len(report["jump_moments"]) == 4 + 10 + 20 + 35
    assert report["flow_difference"]["text"].startswith(r"\Delta_{\mathrm{flow}} = ")
