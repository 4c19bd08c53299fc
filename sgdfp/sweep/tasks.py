"""One run of a sweep as a task: what a worker executes (:func:`run_task`) and what it reports (:class:`RunOutcome`).

The task runs :func:`sgdfp.validate.run.run_validation` and writes an ordinary run directory atomically
(:func:`sgdfp.validate.run.write_results`), so a worker that dies mid-run leaves no half-written run, and the
retry on another worker (:mod:`sgdfp.sweep.execute`) starts clean. A run that raises is a result, not a crash:
the outcome carries the error (one line) and its traceback, and the sweep goes on with the others.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass

from sgdfp.errors import InputError, check_instance, check_integer
from sgdfp.sweep.grid import SweepRun

__all__ = ["RunOutcome", "run_task", "STATUSES"]

#: ``done``: run by this sweep; ``skipped``: done by an earlier one (same hash); ``failed``: see ``error``.
STATUSES = ("done", "skipped", "failed")


@dataclass
class RunOutcome:
    """What became of one run.

    Attributes:
        name, hash: the run (:class:`~sgdfp.sweep.grid.SweepRun`).
        status: one of :data:`STATUSES`.
        seconds: the task's time on its worker (None when skipped or when no worker finished it).
        worker: ``host:pid`` of the worker that finished it.
        error: for a failed run, one line: the exception, or why the task never finished.
        traceback: the failed run's traceback (None when there is none).
    """

    name: str
    hash: str
    status: str
    seconds: float | None = None
    worker: str | None = None
    error: str | None = None
    traceback: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status != "failed"


def run_task(run: SweepRun, directory: str, torch_threads: int | None = None) -> RunOutcome:
    """Run ``run`` and write it to ``directory`` (replacing only an earlier sgdfp run directory there).

    Args:
        run: the run.
        directory: its run directory.
        torch_threads: torch's intra-op threads in this worker (None: leave torch's choice).

    Returns:
        The outcome: ``done``, or ``failed`` with the error; never raises for a failing run.
    """
    check_instance("run", run, SweepRun, "a SweepRun (an entry of Grid.runs())")
    check_instance("directory", directory, (str, os.PathLike), "the path of the run's directory")
    if torch_threads is not None:
        torch_threads = check_integer("torch_threads", torch_threads, minimum=1)
    start = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        import torch

        if torch_threads is not None:
            torch.set_num_threads(int(torch_threads))
        from sgdfp.validate.run import run_validation, write_results

        results = run_validation(run.config)
        write_results(results, directory, force=True)
    except Exception as exc:  # a failing run is recorded; the sweep goes on
        kind = "" if isinstance(exc, InputError) else f"{type(exc).__name__}: "
        line = " ".join(f"{kind}{exc}".split())
        return RunOutcome(run.name, run.hash, "failed", time.perf_counter() - start, worker, line,
                          traceback.format_exc())
    return RunOutcome(run.name, run.hash, "done", time.perf_counter() - start, worker)
