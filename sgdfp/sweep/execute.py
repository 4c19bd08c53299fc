"""Executing a sweep's runs as Dask tasks (``dask.distributed``), on a cluster of the user's or a local one.

- :func:`dask_client`: a ``LocalCluster`` on this machine by default (one worker process per core, one thread
  each; torch in each task gets the cores divided by the workers), or ``scheduler`` -- the address of an
  existing Dask scheduler (a cluster started by hand, by ``dask-jobqueue`` on Slurm/PBS/SGE, or by
  ``dask-cuda`` on GPUs). Dask is an optional extra (``pip install sgdfp[distributed]``), imported here only,
  when a sweep has runs to execute.
- :func:`execute`: one task per run (:func:`sgdfp.sweep.tasks.run_task`), outcomes collected as they finish.

Faults: a worker that dies (killed, out of memory, a crash) is restarted by its nanny and the scheduler
gives its task to another worker, up to ``retries`` times (the scheduler's ``allowed_failures``; on an
existing cluster, its own ``distributed.scheduler.allowed-failures``); beyond that the run is failed with
the reason. A run that raises is a failed outcome at once: the runs are seeded, so a retry would fail alike.
Ctrl-C (or SIGTERM) cancels what is queued and stops the workers; the runs already written stay.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sgdfp.errors import InputError
from sgdfp.sweep.grid import SweepRun
from sgdfp.sweep.store import SweepDirectory
from sgdfp.sweep.tasks import RunOutcome, run_task

__all__ = ["DaskSession", "dask_client", "execute", "available_cores", "require_dask", "INSTALL", "DEFAULT_RETRIES"]

INSTALL = "pip install sgdfp[distributed]"
#: How many times a run is given to another worker after the one running it died.
DEFAULT_RETRIES = 2


def require_dask():
    """``dask.distributed``, or an :class:`InputError` that says how to install it."""
    try:
        import distributed
    except ImportError:
        raise InputError(f"sgdfp sweep executes its runs on Dask (dask.distributed), which is not installed: "
                         f"{INSTALL}") from None
    return distributed


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class DaskSession:
    """A connected Dask client, and the torch threads each task is to use (None: the worker's own setting)."""

    client: Any
    torch_threads: int | None
    workers: int
    where: str


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None,
                retries: int = DEFAULT_RETRIES) -> Iterator[DaskSession]:
    """Connect to ``scheduler``, or start a ``LocalCluster`` of ``workers`` processes (default: the cores);
    closed (its workers stopped) at the end.

    Raises:
        InputError: Dask is not installed; the scheduler cannot be reached; workers < 1.
    """
    distributed = require_dask()
    if scheduler is not None:
        try:
            client = distributed.Client(scheduler, timeout="20s")
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
        try:
            count = len(client.scheduler_info().get("workers", {}))
            yield DaskSession(client, None, count, f"the Dask scheduler at {scheduler}")
        finally:
            client.close()
        return
    cores = available_cores()
    workers = cores if workers is None else int(workers)
    if workers < 1:
        raise InputError(f"--workers must be at least 1; got {workers}")
    import dask

    # Dask's nanny gives its workers MALLOC_TRIM_THRESHOLD_=65536, which fixes glibc's mmap threshold: every
    # large tensor is then mapped and unmapped afresh, and a run takes twice as long (measured: 6.7 s against
    # 3.2 s for digits-mlp --quick). Left unset, as for any other process.
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
            silence_logs=logging.ERROR, scheduler_kwargs={"allowed_failures": int(retries)})
    try:
        client = distributed.Client(cluster)
        try:
            yield DaskSession(client, max(1, cores // workers), workers, f"a local Dask cluster of {workers} workers")
        finally:
            client.close()
    finally:
        cluster.close()


def _failure(run: SweepRun, exc: BaseException) -> RunOutcome:
    distributed = require_dask()
    if isinstance(exc, distributed.KilledWorker):
        reason = (f"the worker running it died {exc.allowed_failures + 1} times (killed, out of memory or a crash); "
                  f"no retries left")
    else:
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())
    return RunOutcome(run.name, run.hash, "failed", error=reason)


def execute(runs: list[SweepRun], directory: SweepDirectory, session: DaskSession,
            on_outcome: Callable[[RunOutcome], None] | None = None) -> list[RunOutcome]:
    """Run every one of ``runs`` as a task, writing ``runs/NAME`` of ``directory``; their outcomes, in order.

    ``on_outcome`` is called with each outcome as it arrives (the progress bar). A run whose worker died more
    than the retries allow, or whose task could not be run, is a failed outcome with the reason.
    """
    distributed = require_dask()
    token = uuid.uuid4().hex[:8]  # a key of its own on a shared scheduler
    futures = {}
    for run in runs:
        future = session.client.submit(run_task, run, str(directory.run_dir(run)), session.torch_threads,
                                       key=f"sgdfp-run-{run.name}-{token}", pure=False)
        futures[future] = run
    outcomes: dict[str, RunOutcome] = {}
    try:
        for future in distributed.as_completed(futures):
            run = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # the task never finished: its workers died, or it could not be run
                outcome = _failure(run, exc)
            outcomes[run.hash] = outcome
            if on_outcome is not None:
                on_outcome(outcome)
    except BaseException:  # Ctrl-C: nothing more is started; what finished is on disk
        session.client.cancel(list(futures), force=True)
        raise
    return [outcomes[run.hash] for run in runs]
