"""The sweep directory: created whole with its marker, continued only when it is a sweep's, a run done only
when its results hash as it, one sweep at a time."""

import json
import os
import subprocess
import sys

import pytest
from problems import Linear, quadratic_problem

from sgdfp.errors import InputError
from sgdfp.files import MARKER
from sgdfp.sweep.grid import SweepRun, config_hash
from sgdfp.sweep.store import SweepDirectory
from sgdfp.validate.config import ValidationConfig
from sgdfp.validate.run import run_validation, write_results


def _run(seed=0):
    config = ValidationConfig.from_flat(preset=None, device="cpu", reference_steps=0, reference_batch_size=8, lr=[0.1],
                                        batch_size=4, replicas=4, steps=5, samples=60, checkpoints=3, seed=seed)
    return SweepRun(config, {"seed": seed}, config_hash(config))


def _write(directory, run):
    dataset, loss = quadratic_problem(dim=3, samples=60)
    results = run_validation(run.config, module=Linear(3), dataset=dataset, loss=loss, task="classification")
    write_results(results, directory.run_dir(run), figures=False)


def test_a_run_is_done_only_when_its_directory_holds_valid_results_of_its_hash(tmp_path):
    directory = SweepDirectory(tmp_path / "sweep")
    assert directory.prepare() is False
    assert json.loads((tmp_path / "sweep" / MARKER).read_text())["kind"] == "sweep"
    run, other = _run(0), _run(1)
    assert not directory.is_done(run)
    _write(directory, run)
    assert directory.is_done(run) and not directory.is_done(other)
    os.rename(directory.run_dir(run), directory.run_dir(other))  # another run's name, its results: not that run
    assert not directory.is_done(other)
    os.rename(directory.run_dir(other), directory.run_dir(run))
    results = directory.run_dir(run) / "results.json"
    results.write_text(results.read_text()[:-50])  # spoilt: run again
    assert not directory.is_done(run)
    assert SweepDirectory(tmp_path / "sweep").prepare() is True  # it continues


def test_only_a_sweep_directory_is_continued(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("a user's own directory")
    with pytest.raises(InputError, match="is not an sgdfp sweep directory"):
        SweepDirectory(tmp_path / "mine").prepare()
    assert os.listdir(tmp_path / "mine") == ["notes.txt"]
    with pytest.raises(InputError, match="working directory"):
        SweepDirectory(".").prepare()


def test_one_sweep_at_a_time_and_a_killed_sweeps_lock_is_taken_over(tmp_path):
    directory = SweepDirectory(tmp_path / "sweep")
    directory.prepare()
    with directory.locked():
        with pytest.raises(InputError, match="another sweep is filling"):
            with directory.locked():
                pass
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / "sweep" / ".sgdfp-sweep-lock").write_text(gone.stdout.strip())  # its holder has exited
    with directory.locked():
        assert (tmp_path / "sweep" / ".sgdfp-sweep-lock").read_text() == str(os.getpid())
    assert not (tmp_path / "sweep" / ".sgdfp-sweep-lock").exists()
