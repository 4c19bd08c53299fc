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
