"""Replicas sharded over processes: two gloo processes under torchrun give the moments of one process."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from sgdfp.cli import main
from sgdfp.validate.distributed import LAUNCH_VARIABLES, Shard


def _run(seed=3):
    return ["validate", "--preset", "digits-mlp", "--quick", "--replicas", "9", "--steps", "24", "--seed", str(seed),
            "--device", "cpu", "--json"]


RUN = _run()


def _results(directory):
    return json.loads((directory / "results.json").read_text())


def test_two_gloo_processes_give_the_moments_of_one_process(tmp_path, capsys):
    environment = {k: v for k, v in os.environ.items() if k not in LAUNCH_VARIABLES}
    launched = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m", "sgdfp",
         *RUN, "--out", str(tmp_path / "two"), "--distributed"],
        capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=300)
    assert launched.returncode == 0, launched.stderr[-2000:]
    assert json.loads(launched.stdout)["replicas"] == 9  # rank 0 alone printed the summary
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # torchrun's processes run one thread each: the same arithmetic before the ensemble
    try:
        assert main([*RUN, "--out", str(tmp_path / "one")]) == 0
    finally:
        torch.set_num_threads(threads)
    capsys.readouterr()
    one, two = _results(tmp_path / "one")["runs"][0], _results(tmp_path / "two")["runs"][0]
    measured_one = np.array(one["measured_variance"], dtype=float)
    measured_two = np.array(two["measured_variance"], dtype=float)
    # replicas 0-3 ran on rank 0 and 4-8 on rank 1; their float64 sums differ from one process's only in the
    # order of the additions. The Hessian's null directions (no gradient noise) hold displacements of float64
    # rounding (~1e-15, variances below 1e-20, far below every other mode's): only their size is compared.
    noisy = measured_one > 1e-20
    assert measured_one.shape == (len(one["steps"]), 610) and noisy[-1].sum() > 500
    assert np.allclose(measured_two[noisy], measured_one[noisy], rtol=1e-9, atol=0)
    assert np.all(measured_two[~noisy] < 1e-20)
    assert two["live_replicas"] == one["live_replicas"] == [9] * len(one["steps"])
    spread_one = one["summary"]["mean_displacement_over_spread"]  # the mean displacement, in units of the spread
    assert spread_one > 0 and two["summary"]["mean_displacement_over_spread"] == pytest.approx(spread_one, rel=1e-9)
    # the validity diagnostic saw the same first replicas (gathered from both ranks)
    validity_one, validity_two = (np.array(run["table"]["validity_error"], dtype=float)[noisy[-1]] for run in (one, two))
    assert np.isfinite(validity_one).sum() > 500
    assert np.allclose(validity_two, validity_one, rtol=1e-7, equal_nan=True)
    # and a different seed is a different ensemble (the comparison above can fail)
    assert main([*_run(seed=4), "--out", str(tmp_path / "other")]) == 0
    other = np.array(_results(tmp_path / "other")["runs"][0]["measured_variance"], dtype=float)
    assert not np.allclose(other[-1], measured_one[-1], rtol=1e-3)


def test_distributed_without_a_launcher_says_how_to_start_it(tmp_path, capsys, monkeypatch):
    for name in LAUNCH_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert main([*RUN, "--out", str(tmp_path / "run"), "--distributed"]) == 2
    error = capsys.readouterr().err
    assert "torchrun --nproc-per-node N -m sgdfp validate" in error and "RANK" in error
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("world_size", [1, 2, 3, 8])
def test_the_ranks_blocks_cover_the_replicas_in_order(world_size):
    for total in (2, 9, 128):
        blocks = [Shard(rank, world_size, rank, torch.device("cpu"), "gloo").replicas(total)
                  for rank in range(world_size)]
        assert [r for block in blocks for r in block] == list(range(total))
        assert max(map(len, blocks)) - min(map(len, blocks)) <= 1
