"""The combined summary: scaling fits recover a known power law per group, failed runs are listed and left out
of the fits, the CSV holds every run."""

import csv
import io
import json

import numpy as np
import pytest

from sgdfp.sweep.summary import SweepRow, SweepSummary, runs_csv, scaling_fits
from sgdfp.validate.typed_json import to_json


def _row(lr, batch_size, seed, measured, predicted, status="done", sampling="with"):
    point = {"lr": lr, "batch_size": batch_size, "seed": seed, "sampling": sampling}
    metrics = {"diffusion_coefficient_measured": measured, "diffusion_coefficient_predicted": predicted}
    name = f"run-{lr}-{batch_size}-{seed}-{sampling}"
    return SweepRow(name, name, status, point, "digits-mlp", lr, batch_size,
                    sampling, seed, metrics=metrics if status != "failed" else {},
                    error="RuntimeError: boom" if status == "failed" else None)


def test_the_fits_recover_the_exponents_of_a_known_law_group_by_group():
    rng = np.random.default_rng(0)
    rows = []
    for sampling in ("with", "without"):
        for lr in (0.01, 0.02, 0.05, 0.1):
            for b in (16, 64):
                for seed in (0, 1, 2):
                    law = 3e-6 * lr**1.0 * b**-1.0 * (1.7 if sampling == "without" else 1.0)
                    rows.append(_row(lr, b, seed, law * np.exp(rng.normal(0, 0.05)), law * lr**0.1, sampling=sampling))
    rows.append(_row(0.2, 16, 0, None, None, status="failed"))  # left out of every fit
    fits = scaling_fits(rows)
    by_lr = [f for f in fits if f.against == "lr"]
    by_batch = [f for f in fits if f.against == "inverse_batch_size"]
    assert len(by_lr) == 4 and len(by_batch) == 8  # (sampling x b) groups over eta; (sampling x eta) groups over 1/b
    for fit in by_lr:
        assert set(fit.group) == {"batch_size", "sampling"} and fit.runs == 12 and len(fit.points) == 12
        assert fit.predicted_exponent == pytest.approx(1.1, abs=1e-9)  # exact data: the exponent exactly
    for fit in by_batch:
        assert set(fit.group) == {"lr", "sampling"} and fit.runs == 6
        assert fit.predicted_exponent == pytest.approx(1.0, abs=1e-9)
    # 5 % noise: every exponent near 1, and the 95 % intervals cover it (at most one miss in 12 by chance)
    assert all(abs(fit.exponent - 1.0) < 0.1 for fit in fits)
    assert sum(fit.interval[0] < 1.0 < fit.interval[1] for fit in fits) >= 11


def test_a_group_with_one_value_of_the_axis_or_no_coefficient_has_no_fit_or_says_why():
    assert scaling_fits([_row(0.05, 64, 0, 1e-8, 1e-8), _row(0.05, 64, 1, 2e-8, 1e-8)]) == []
    (fit,) = scaling_fits([_row(0.05, 64, 0, 1e-8, None), _row(0.1, 64, 0, None, None)])
    assert fit.exponent is None and fit.points == [[0.05, 1e-8]] and fit.predicted_points == []
    assert fit.modes == "each run's own flat modes"  # no results given: the runs' own coefficients
    stored = to_json(fit)
    assert stored["exponent"] is None and "fewer than two runs" in stored["undefined"]["exponent"]


def test_the_table_lists_every_run_with_its_error():
    rows = [_row(0.05, 64, 0, 1e-8, 1.1e-8), _row(0.1, 64, 0, None, None, status="failed")]
    summary = SweepSummary(rows, {"done": 1, "skipped": 0, "failed": 1, "total": 2}, scaling_fits(rows), "here", 1.0)
    assert [row.name for row in summary.failed] == ["run-0.1-64-0-with"]
    table = list(csv.DictReader(io.StringIO(runs_csv(summary))))
    assert [r["status"] for r in table] == ["done", "failed"] and table[1]["error"] == "RuntimeError: boom"
    assert float(table[0]["diffusion_coefficient_measured"]) == 1e-8 and table[1]["diffusion_coefficient_measured"] == ""
    stored = json.loads(json.dumps(to_json(summary), allow_nan=False))
    assert stored["runs"][1]["wall_seconds"] is None and stored["runs"][1]["undefined"]["wall_seconds"] == "the run failed"
