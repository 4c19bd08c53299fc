"""The examples run, and print what they promise."""

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_demo_runs_and_derives_the_equations(tmp_path):
    done = subprocess.run([sys.executable, str(EXAMPLES / "demo.py")], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "P_{k+1} - P_k" in out and r"\Delta_{\mathrm{flow}}" in out
    assert "Sigma_1*(N - b)/(b*(N - 1))" in out
    # eta*lam = 1: discrete stationary variance is twice Langevin's (eta D / (lam (2 - eta lam)) vs eta D / 2 lam)
    assert "1.00   confined     1.0000     0.5000   2.000" in out
    assert "10. Validated on real SGD" in out and (tmp_path / "out" / "demo-validate" / "results.json").is_file()
    assert (tmp_path / "out" / "demo-latex" / "derivations.tex").is_file()
    assert (tmp_path / "out" / "demo-report" / "report.html").is_file()


def test_quickstart_prints_the_equation_and_three_variances():
    done = subprocess.run([sys.executable, str(EXAMPLES / "quickstart.py")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert r"\begin{align*}" in done.stdout and r"\Sigma_{22}" in done.stdout
    # a flat mode diffuses: variance eta^2 D k = 0.01 * 1 * 1000 = 10 after 1000 steps
    assert done.stdout.strip().splitlines()[-1].rstrip("]").split()[-1] == "10."


def test_the_pytest_plugin_example_passes_as_a_users_tests(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(EXAMPLES / "test_theory_with_pytest.py")], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "sgdfp: theory vs experiment" in done.stdout and "2 checks: 2 agree, 0 disagree" in done.stdout
