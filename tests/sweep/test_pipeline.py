"""A whole sweep on a two-worker local cluster: every run an ordinary run directory equal to the same run done
alone, the combined summary, its figure and the report; run again, nothing is redone."""

import json
import sys

import pytest

from sgdfp.errors import InputError
from sgdfp.sweep.pipeline import run_sweep
from sgdfp.validate.results import ValidationResults


def test_a_small_sweep_on_a_two_worker_local_cluster(tmp_path, small_runs, in_process, assert_same_run):
    out = tmp_path / "sweep"
    summary = run_sweep(small_runs, out, workers=2, pdf=False)
    assert summary.counts == {"done": 4, "skipped": 0, "failed": 0, "total": 4}
    assert summary.where == "a local Dask cluster of 2 workers"
    assert len({row.worker for row in summary.runs}) == 2  # both workers ran runs
    for run, row in zip(small_runs, summary.runs):
        stored = ValidationResults.read(out / "runs" / run.name)
        assert stored.config == run.config and row.lr == run.config.ensemble.lr[0]
        assert row.metrics["diffusion_coefficient_measured"] == stored.runs[0].summary.diffusion_coefficient_measured
    assert_same_run(ValidationResults.read(out / "runs" / small_runs[0].name), in_process(small_runs[0]))
    # the combined summary: the table, the fit against eta (the two seeds pooled), its figure, the report
    stored = json.loads((out / "sweep.json").read_text())
    assert [r["name"] for r in stored["runs"]] == [run.name for run in small_runs]
    (fit,) = stored["scaling"]
    assert fit["against"] == "lr" and fit["runs"] == 4 and len(fit["points"]) == 4 and fit["interval"] is not None
    assert fit["interval"][0] < fit["exponent"] < fit["interval"][1]
    assert (out / "runs.csv").read_text().count("\n") == 5 and summary.figures == ["diffusion_vs_lr.png"]
    assert (out / "diffusion_vs_lr.png").stat().st_size > 10_000
    report = (out / "report" / "report.html").read_text()
    assert all(run.name in report for run in small_runs)
    # run again: every run is done, nothing is redone (no cluster even starts), the summary is rewritten
    before = {run.name: (out / "runs" / run.name / "results.json").stat() for run in small_runs}
    again = run_sweep(small_runs, out, workers=2, report=False)
    assert again.counts == {"done": 0, "skipped": 4, "failed": 0, "total": 4}
    assert again.where == "nothing to run: every run was done"
    for run in small_runs:
        after = (out / "runs" / run.name / "results.json").stat()
        assert (after.st_ino, after.st_mtime_ns) == (before[run.name].st_ino, before[run.name].st_mtime_ns)
    assert again.scaling[0].exponent == pytest.approx(summary.scaling[0].exponent, rel=1e-12)


def test_without_dask_nothing_is_created(tmp_path, small_runs, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(InputError, match=r"pip install sgdfp\[distributed\]"):
        run_sweep(small_runs, tmp_path / "sweep")
    assert not (tmp_path / "sweep").exists()
