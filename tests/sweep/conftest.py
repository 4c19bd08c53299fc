"""The small sweep the sweep tests run: digits-mlp --quick, 2 learning rates x 2 seeds, few replicas, steps and
samples;
and each run's results computed here in this process, as the reference a sweep's runs must equal."""

import numpy as np
import pytest
import torch

from sgdfp.sweep.grid import Grid


@pytest.fixture
def small_runs():
    """The grid's four runs."""
    light = {"samples": 512, "reference_steps": 100, "curvature_samples": 128}  # a second or two a run
    return Grid(fixed=light, quick=True).override(preset=["digits-mlp"], lr=[0.05, 0.1], seed=[0, 1], replicas=[12],
                                                  steps=[30], device=["cpu"]).runs()


@pytest.fixture(scope="session")
def in_process():
    """``in_process(run)``: the run's results computed in this process with one torch thread, as a worker of a
    local cluster of as many workers as cores computes it (cached)."""
    from sgdfp.validate.run import run_validation

    cache = {}

    def results(run):
        if run.hash not in cache:
            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                cache[run.hash] = run_validation(run.config)
            finally:
                torch.set_num_threads(threads)
        return cache[run.hash]
    return results


@pytest.fixture
def assert_same_run():
    """``assert_same_run(stored, expected)``: the same measured variances (modes of real noise, to float64
    rounding; the Hessian's null directions only below the rounding floor) and the same reference point."""
    def check(stored, expected):
        assert stored.config == expected.config
        assert stored.reference.loss == pytest.approx(expected.reference.loss, rel=1e-12)
        measured, reference = (np.array(r.runs[0].measured_variance, dtype=float) for r in (stored, expected))
        noisy = reference > 1e-20
        assert noisy[-1].sum() > 400
        assert np.allclose(measured[noisy], reference[noisy], rtol=1e-9, atol=0) and np.all(measured[~noisy] < 1e-20)
    return check
