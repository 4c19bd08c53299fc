r"""Sweeps of validation runs on Dask: a grid of runs, each an ordinary run directory, one combined summary.

``sgdfp sweep --preset digits-mlp --quick --lr 0.02 0.05 --seed 0 1 --out DIR`` runs the grid (preset × η ×
batch size × sampling × seed × any configuration field from a TOML file) as ``dask.distributed`` tasks -- on
a local cluster, or on an existing Dask cluster (``--scheduler``, e.g. one of ``dask-jobqueue`` on Slurm:
``docs/sweeps.md``) -- and writes ``DIR/runs/NAME`` per run, ``DIR/sweep.json`` and ``DIR/runs.csv`` (the
table of every run and the power-law fits of the flat-mode diffusion coefficient against η and 1/b), the
figure ``DIR/diffusion_vs_lr.png`` and ``DIR/report`` (``sgdfp report`` over the runs). Running it again
continues: runs already done (same configuration hash) are skipped. A run that fails is recorded with its
error; a worker that dies is replaced and its run retried on another, a bounded number of times.

The package, one concept per module:

- :mod:`~sgdfp.sweep.grid` -- the grid: axes from flags and TOML, its runs, the configuration hash;
- :mod:`~sgdfp.sweep.store` -- the sweep directory: layout, which runs are done, whole-file writes, the lock;
- :mod:`~sgdfp.sweep.tasks` -- one run as a task, and its outcome;
- :mod:`~sgdfp.sweep.execute` -- the Dask cluster or client, submitting the tasks, faults and retries;
- :mod:`~sgdfp.sweep.summary` -- the combined table and the scaling fits (``sweep.json``, ``runs.csv``);
- :mod:`~sgdfp.sweep.figures` -- the diffusion coefficient against η and 1/b;
- :mod:`~sgdfp.sweep.pipeline` -- :func:`run_sweep`, all of it.

Dask is an optional extra (``pip install sgdfp[distributed]``): importing this package does not import it
(nor torch); executing runs without it is an :class:`~sgdfp.errors.InputError` that says how to install it.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Grid": "grid", "SweepRun": "grid", "config_hash": "grid", "read_grid_file": "grid",
    "SweepDirectory": "store", "RunOutcome": "tasks", "run_task": "tasks",
    "dask_client": "execute", "execute_runs": "execute",
    "SweepSummary": "summary", "SweepRow": "summary", "ScalingFit": "summary", "summarise": "summary",
    "run_sweep": "pipeline",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"sgdfp.sweep.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'sgdfp.sweep' has no attribute {name!r}")


def __dir__():
    return __all__
