"""A whole sweep: prepare the directory, skip what is done, execute the rest on Dask, summarise, report.

:func:`run_sweep` is what ``sgdfp sweep`` runs; it is also the library's entry point (``from sgdfp.sweep
import run_sweep``), with an existing ``dask.distributed.Client`` if the caller has one.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sgdfp.errors import check_bool, check_instance
from sgdfp.files import terminate_as_interrupt
from sgdfp.sweep.execute import (
    DEFAULT_RETRIES,
    DaskSession,
    check_cluster_arguments,
    dask_client,
    execute_runs,
    require_dask,
)
from sgdfp.sweep.figures import draw_scaling_figures
from sgdfp.sweep.grid import SweepRun, check_runs
from sgdfp.sweep.store import SweepDirectory, write_text_atomically
from sgdfp.sweep.summary import SweepSummary, runs_csv, summarise
from sgdfp.sweep.tasks import RunOutcome
from sgdfp.validate.results import ResultError, ValidationResults
from sgdfp.validate.typed_json import to_json

__all__ = ["run_sweep", "SUMMARY_FILE", "TABLE_FILE", "REPORT_DIR"]

SUMMARY_FILE = "sweep.json"
TABLE_FILE = "runs.csv"
REPORT_DIR = "report"


def _progress_bar(total: int, initial: int, enabled: bool) -> tuple[Callable[[RunOutcome], None], Callable[[], None]]:
    """A terminal progress bar (runs done / total, failures), or nothing."""
    if not enabled:
        return (lambda outcome: None), (lambda: None)
    from tqdm import tqdm

    bar = tqdm(total=total, initial=initial, desc="sweep", unit="run", file=sys.stderr)
    failures = [0]

    def update(outcome: RunOutcome) -> None:
        failures[0] += outcome.status == "failed"
        bar.set_postfix(failed=failures[0], refresh=False)
        bar.update(1)
    return update, bar.close


def _write_outputs(directory: SweepDirectory, summary: SweepSummary) -> None:
    """``runs.csv`` and the figures, then ``sweep.json`` (each file replaced whole)."""
    staging = Path(tempfile.mkdtemp(prefix=".figures-", dir=directory.path))
    try:
        summary.figures = draw_scaling_figures(summary, staging)
        for name in summary.figures:
            os.replace(staging / name, directory.path / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    write_text_atomically(directory.path / TABLE_FILE, runs_csv(summary))
    write_text_atomically(directory.path / SUMMARY_FILE,
                          json.dumps(to_json(summary), indent=1, allow_nan=False) + "\n")


def _report(directory: SweepDirectory, summary: SweepSummary, run_dirs: list[Path], pdf: bool) -> None:
    """``sgdfp report`` over the runs that succeeded (a report that cannot be made is a note, not a failure)."""
    from sgdfp.report import write_report

    if not run_dirs:
        summary.report_note = "no run succeeded"
        return
    try:
        written = write_report(run_dirs, directory.path / REPORT_DIR, pdf=pdf, force=True)
    except ValueError as exc:  # a TeX error, or a report directory that is not ours
        summary.report_note = " ".join(str(exc).split())
        return
    summary.report = str(written.html.relative_to(directory.path))
    summary.report_note = written.pdf_note


def run_sweep(runs: list[SweepRun], out: str | os.PathLike, workers: int | None = None,
              scheduler: str | None = None, client: Any = None, retries: int = DEFAULT_RETRIES,
              progress: bool = False, report: bool = True, pdf: bool = True) -> SweepSummary:
    """Run a sweep into ``out``: every run of ``runs`` not done there yet, as a Dask task.

    Args:
        runs: the grid's runs (:meth:`sgdfp.sweep.grid.Grid.runs`).
        out: the sweep directory (created, or continued when it is one).
        workers, scheduler: a local cluster of ``workers`` processes (default: the cores), or the address of an
            existing Dask scheduler; ``client``: an existing ``dask.distributed.Client`` instead of either.
        retries: how many times a run whose worker died goes to another worker (local cluster only).
        progress: a progress bar on stderr.
        report, pdf: write ``report/`` (``sgdfp report`` over the runs that succeeded), and its PDF.

    Returns:
        The summary (also written to ``out/sweep.json``); its ``failed`` rows say what failed and why.

    Raises:
        InputError: ``out`` is not a sweep directory, another sweep holds it, Dask is missing, the scheduler
            cannot be reached. KeyboardInterrupt: interrupted (the runs finished are kept; run again to continue).
    """
    start = time.perf_counter()
    runs = check_runs("runs", runs)  # every argument checked before anything is created, connected or started
    check_instance("out", out, (str, os.PathLike), "the path of the sweep directory")
    workers, scheduler, retries = check_cluster_arguments(workers, scheduler, retries)
    progress, report, pdf = (check_bool(name, value) for name, value in
                             (("progress", progress), ("report", report), ("pdf", pdf)))
    if client is None:
        require_dask()  # before anything is created
    else:
        check_instance("client", client, require_dask().Client, "a dask.distributed.Client or None")
    directory = SweepDirectory(out)
    directory.prepare()
    with directory.locked(), terminate_as_interrupt():
        directory.write_grid(runs)
        done = {run.hash for run in runs if directory.is_done(run)}
        pending = [run for run in runs if run.hash not in done]
        outcomes = {run.hash: RunOutcome(run.name, run.hash, "skipped") for run in runs if run.hash in done}
        where = "nothing to run: every run was done"
        if pending:
            update, close = _progress_bar(len(runs), len(done), progress)
            try:
                if client is not None:
                    session = DaskSession(client, None, len(client.scheduler_info().get("workers", {})),
                                          "the caller's Dask client")
                    finished = execute_runs(pending, directory, session, update)
                else:
                    with dask_client(workers, scheduler, retries) as session:
                        finished = execute_runs(pending, directory, session, update)
                where = session.where
            finally:
                close()
            outcomes.update({outcome.hash: outcome for outcome in finished})
        results = {}
        for run in runs:
            outcome = outcomes[run.hash]
            if outcome.succeeded:
                try:
                    results[run.hash] = ValidationResults.read(directory.run_dir(run))
                except ResultError as exc:  # written, then spoilt (by hand?) before the summary
                    outcomes[run.hash] = RunOutcome(run.name, run.hash, "failed", outcome.seconds, outcome.worker,
                                                    f"its results cannot be read: {exc}")
        summary = summarise(runs, [outcomes[run.hash] for run in runs], results, where, time.perf_counter() - start)
        if report:
            _report(directory, summary, [directory.run_dir(run) for run in runs if run.hash in results], pdf)
        summary.wall_seconds = time.perf_counter() - start
        _write_outputs(directory, summary)
    return summary
