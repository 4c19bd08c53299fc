"""Executing a sweep's runs as Dask tasks (``dask.distributed``), on a cluster of the user's or a local one.

- :func:`dask_client`: a ``LocalCluster`` on this machine by default (one worker process per core, one thread
  each; torch in each task gets the cores divided by the workers), or ``scheduler`` -- the address of an
  existing Dask scheduler (a cluster started by hand, by ``dask-jobqueue`` on Slurm/PBS/SGE, or by
  ``dask-cuda`` on GPUs). Dask is an optional extra (``pip install sgdfp[distributed]``), imported here only,
  when a sweep has runs to execute.
- :func:`execute_runs`: one task per run (:func:`sgdfp.sweep.tasks.run_task`), outcomes collected as they finish.

Faults: a worker that dies (killed, out of memory, a crash) is restarted by its nanny and the scheduler
gives its task to another worker, up to ``retries`` times (the scheduler's ``allowed_failures``; on an
existing cluster, its own ``distributed.scheduler.allowed-failures``); beyond that the run is failed with
the reason. A run that raises is a failed outcome at once: the runs are seeded, so a retry would fail alike.
Ctrl-C (or SIGTERM) cancels what is queued and stops the workers; the runs already written stay.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from sgdfp.errors import InputError, check_instance, check_integer
from sgdfp.sweep.grid import SweepRun, check_runs
from sgdfp.sweep.store import SweepDirectory
from sgdfp.sweep.tasks import RunOutcome, run_task

__all__ = ["DaskSession", "dask_client", "execute_runs", "available_cores", "require_dask", "INSTALL", "DEFAULT_RETRIES"]

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


#: A Dask address: ``[PROTOCOL://]HOST[:PORT][/PATH]`` (``tcp://node7:8786``, ``10.0.0.2:8786``, ``tls://[::1]:8786``,
#: ``ucx://...``, ``inproc://HOST/PID/N``); anything else (spaces, quotes, brackets of code) is no address.
_ADDRESS = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?:\[[0-9A-Za-z:.%]+\]|[A-Za-z0-9._~-]+)(?::[0-9]{1,5})?"
                      r"(?:/[A-Za-z0-9._~/-]*)?")


def check_cluster_arguments(workers: object, scheduler: object, retries: object) -> tuple[int | None, str | None, int]:
    """``workers``, ``scheduler`` and ``retries`` of :func:`dask_client`, checked before anything connects or starts.

    Raises:
        TypeError: a number given as text, or a scheduler address that is not text.
        InputError: workers < 1; a scheduler that is no Dask address (refused at once, not after a timeout).
        ValueError: retries < 0.
    """
    if workers is not None:
        workers = check_integer("workers", workers)
        if workers < 1:
            raise InputError(f"--workers must be at least 1; got {workers}")
    if scheduler is not None:
        check_instance("scheduler", scheduler, str, "the address of a Dask scheduler ('tcp://HOST:PORT') or None")
        if not _ADDRESS.fullmatch(scheduler):
            raise InputError(f"--scheduler {scheduler!r} is not the address of a Dask scheduler; give "
                             f"[PROTOCOL://]HOST:PORT, e.g. tcp://node7:8786 (cluster.scheduler_address)")
    return workers, scheduler, check_integer("retries", retries, minimum=0)


def dask_client(workers: int | None = None, scheduler: str | None = None,
                retries: int = DEFAULT_RETRIES) -> AbstractContextManager[DaskSession]:
    """Connect to ``scheduler``, or start a ``LocalCluster`` of ``workers`` processes (default: the cores);
    closed (its workers stopped) at the end. The arguments are checked at the call, before anything connects
    or starts (:func:`check_cluster_arguments`).

    Raises:
        InputError: Dask is not installed; the scheduler cannot be reached or is no address; workers < 1.
        TypeError: a number given as text, a scheduler address that is not text.
    """
    return _dask_client(*check_cluster_arguments(workers, scheduler, retries))


@contextmanager
def _dask_client(workers: int | None, scheduler: str | None, retries: int) -> Iterator[DaskSession]:
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
    workers = cores if workers is None else workers
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


def execute_runs(runs: list[SweepRun], directory: SweepDirectory, session: DaskSession,
            on_outcome: Callable[[RunOutcome], None] | None = None) -> list[RunOutcome]:
    """Run every one of ``runs`` as a task, writing ``runs/NAME`` of ``directory``; their outcomes, in order.

    ``on_outcome`` is called with each outcome as it arrives (the progress bar). A run whose worker died more
    than the retries allow, or whose task could not be run, is a failed outcome with the reason.
    """
    runs = check_runs("runs", runs)
    check_instance("directory", directory, SweepDirectory, "a SweepDirectory")
    check_instance("session", session, DaskSession, "a DaskSession (what dask_client gives)")
    if on_outcome is not None and not callable(on_outcome):
        raise TypeError(f"on_outcome must be a function of a RunOutcome, or None; got {type(on_outcome).__name__}")
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
