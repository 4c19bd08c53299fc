"""The package imports without Dask (and without torch): Dask is an optional extra, loaded only to execute runs."""

import subprocess
import sys


def test_importing_the_sweep_loads_neither_dask_nor_torch_and_works_without_dask():
    code = ("import sys\nsys.modules['distributed'] = None\nsys.modules['dask'] = None  # as if not installed\n"
            "import sgdfp.sweep.pipeline, sgdfp.sweep.execute, sgdfp.sweep.grid, sgdfp.sweep.summary\n"
            "from sgdfp.sweep import run_sweep, Grid\n"
            "print(sorted(m for m in ('torch', 'sympy', 'matplotlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
