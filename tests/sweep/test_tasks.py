"""One run as a task: a run that fails is an outcome with its error, and nothing is written for it."""

import torch

from sgdfp.sweep.grid import Grid
from sgdfp.sweep.tasks import run_task


def test_a_failing_run_is_an_outcome_with_its_error_not_an_exception(tmp_path):
    # more samples asked for than the data set has: the grid passes (it cannot know), the run refuses
    (run,) = Grid(fixed={"preset": "digits-mlp", "samples": 5000, "batch_size": 2000, "device": "cpu"}).runs()
    threads = torch.get_num_threads()
    try:
        outcome = run_task(run, str(tmp_path / "run"), torch_threads=1)
    finally:
        torch.set_num_threads(threads)
    assert outcome.status == "failed" and not outcome.succeeded
    assert outcome.error == "batch size must be between 1 and the number of samples (1797); got 2000"
    assert "Traceback" in outcome.traceback and outcome.name == run.name and outcome.hash == run.hash
    assert not (tmp_path / "run").exists()
