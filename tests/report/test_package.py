"""``import sgdfp.report`` is cheap: neither torch nor SymPy (they load when a report is written)."""

import subprocess
import sys

import sgdfp.report


def test_importing_the_report_loads_neither_torch_nor_sympy():
    code = ("import sys, sgdfp.report; heavy = [m for m in ('torch', 'sympy', 'matplotlib', 'jinja2') "
            "if m in sys.modules]; print(','.join(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_public_names_of_earlier_versions():
    assert set(sgdfp.report.__all__) == {"write_report", "WrittenReport", "load_run", "regime_breakdown", "theory"}
    assert all(callable(getattr(sgdfp.report, name)) for name in sgdfp.report.__all__)
