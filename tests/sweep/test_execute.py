"""Runs as Dask tasks: a worker killed in the middle of a run is replaced and the run retried elsewhere, with the
same results; without Dask, one line that says how to install it."""

import os
import signal
import sys
import threading
import time

import pytest

from sgdfp.errors import InputError
from sgdfp.sweep.execute import dask_client, execute_runs
from sgdfp.sweep.store import SweepDirectory
from sgdfp.validate.results import ValidationResults


def _kill_a_busy_worker(client, killed: dict, busy_for: float = 1.5, timeout: float = 240.0) -> None:
    """SIGKILL the worker process of the first task seen running for ``busy_for`` seconds."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for address, keys in client.processing().items():
            for key in keys:
                first = seen.setdefault(key, time.monotonic())
                if time.monotonic() - first >= busy_for:
                    pid = client.run(os.getpid, workers=[address])[address]
                    os.kill(pid, signal.SIGKILL)
                    killed.update(key=key, pid=pid)
                    return
        time.sleep(0.1)


def test_a_worker_killed_mid_sweep_is_replaced_and_every_run_is_still_correct(tmp_path, small_runs, in_process,
                                                                                 assert_same_run):
    directory = SweepDirectory(tmp_path / "sweep")
    directory.prepare()
    killed = {}
    with dask_client(workers=2, retries=2) as session:
        killer = threading.Thread(target=_kill_a_busy_worker, args=(session.client, killed), daemon=True)
        killer.start()
        outcomes = execute_runs(small_runs, directory, session)
        killer.join(timeout=5)
    assert killed, "no task was seen running"
    assert [o.status for o in outcomes] == ["done"] * 4, [o.error for o in outcomes]
    (victim,) = [run for run in small_runs if run.name in killed["key"]]
    outcome = outcomes[small_runs.index(victim)]
    assert outcome.worker.rsplit(":", 1)[1] != str(killed["pid"])  # finished by another worker process
    assert_same_run(ValidationResults.read(directory.run_dir(victim)), in_process(victim))
    assert all(directory.is_done(run) for run in small_runs)
    assert not [p.name for p in directory.runs.iterdir() if p.name.startswith(".")]  # no staging, no lock left


def test_without_dask_the_error_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(InputError, match=r"not installed: pip install sgdfp\[distributed\]"):
        with dask_client(workers=1):
            pass
