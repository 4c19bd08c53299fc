"""The sweep's entry points check their arguments before anything is created, connected or started: text where a
number, a flag, a run or a Dask client is expected is a TypeError that names the argument; a scheduler that is no
Dask address is refused at once (not after the connection's timeout)."""

import time

import pytest

from sgdfp.errors import InputError
from sgdfp.sweep import Grid, dask_client, run_sweep, run_task, summarise
from sgdfp.sweep.execute import check_cluster_arguments

CODE = "__import__('os').system('touch PWNED')"


@pytest.fixture(scope="module")
def run():
    (run,) = Grid(fixed={"preset": "digits-mlp", "device": "cpu"}, quick=True).runs()
    return run


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "10.0.0.2:8786", "node-7.cluster:45123", "tls://node7:8786",
                                     "tcp://[::1]:8786", "ucx://10.0.0.2:13337", "inproc://10.0.0.2/1234/1", "node7"])
def test_dask_addresses_pass_the_check(address):
    assert check_cluster_arguments(None, address, 2) == (None, address, 2)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"workers": "2"}, TypeError, "workers must be an integer"),
    ({"workers": 0}, InputError, "--workers must be at least 1"),
    ({"retries": "2"}, TypeError, "retries must be an integer"),
    ({"retries": -1}, ValueError, "retries must be an integer >= 0"),
    ({"scheduler": 8786}, TypeError, "scheduler must be the address of a Dask scheduler"),
    ({"scheduler": CODE}, InputError, "is not the address of a Dask scheduler"),
    ({"scheduler": ""}, InputError, "is not the address of a Dask scheduler"),
])
def test_dask_client_refuses_at_the_call_before_connecting_or_starting(kwargs, error, message):
    start = time.perf_counter()
    with pytest.raises(error, match=message):
        dask_client(**kwargs)  # not entered: the arguments are checked at the call
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("change, error, message", [
    ({"runs": CODE}, TypeError, "runs must be a list of SweepRun"),
    ({"runs": [CODE]}, TypeError, r"runs\[0\] must be a SweepRun"),
    ({"out": 3}, TypeError, "out must be the path of the sweep directory"),
    ({"workers": "2"}, TypeError, "workers must be an integer"),
    ({"scheduler": CODE}, InputError, "is not the address of a Dask scheduler"),
    ({"client": CODE}, TypeError, "client must be a dask.distributed.Client"),
    ({"progress": "no"}, TypeError, "progress must be True or False"),
    ({"report": "no"}, TypeError, "report must be True or False"),
    ({"pdf": "no"}, TypeError, "pdf must be True or False"),
])
def test_run_sweep_refuses_before_anything_is_created(tmp_path, run, change, error, message):
    arguments = {"runs": [run], "out": tmp_path / "sweep", **change}
    start = time.perf_counter()
    with pytest.raises(error, match=message):
        run_sweep(**arguments)
    assert time.perf_counter() - start < 5.0  # no cluster was started
    assert not (tmp_path / "sweep").exists()


def test_run_task_refuses_its_arguments_rather_than_recording_a_failed_run(tmp_path, run):
    with pytest.raises(TypeError, match="torch_threads must be an integer"):
        run_task(run, str(tmp_path / "run"), "2")
    with pytest.raises(TypeError, match="run must be a SweepRun"):
        run_task(CODE, str(tmp_path / "run"))
    assert not (tmp_path / "run").exists()


def test_grid_axes_are_lists_and_the_summary_needs_one_outcome_per_run(run):
    with pytest.raises(TypeError, match=r"the axis lr must be a list of values"):
        Grid().override(lr="0.1")
    with pytest.raises(InputError, match="unknown configuration field"):
        Grid().override(**{CODE: [1]})
    with pytest.raises(ValueError, match="one RunOutcome per run: 1 runs, 0 outcomes"):
        summarise([run], [], {}, "here", 1.0)
