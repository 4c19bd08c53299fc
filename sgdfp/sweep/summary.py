r"""A sweep's combined summary: a table of every run, and the scaling of the flat modes' diffusion coefficient.

The flat-mode diffusion coefficient (:func:`sgdfp.validate.diffusion.flat_mode_diffusion`, measured from the
replicas and predicted by the theory; against η over the modes flat at every η of a group, since the runs of
one seed share their reference point and eigenbasis) is fitted as a power law (:func:`sgdfp.stats.power_law_fit`,
a 95 % Student-t interval on the exponent) against :math:`\eta` over the runs that differ only in
:math:`\eta` and the seed (the seeds pooled), and against :math:`1/b` over those that differ only in the
batch size and the seed. For SGD the theory has :math:`\mathcal D = \eta D / 2` per unit time
:math:`t = \eta k`, with the per-step gradient noise :math:`D \propto 1/b`; the summary fits the measured
and the predicted coefficients alike, so the two exponents are compared without typing the theory's here.

``sweep.json`` is strict JSON (:func:`sgdfp.validate.typed_json.to_json`: an undefined value is ``null``,
with its reason); ``runs.csv`` holds the same table.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sgdfp.errors import check_instance, check_real
from sgdfp.stats import power_law_fit
from sgdfp.sweep.grid import SweepRun, check_runs
from sgdfp.sweep.tasks import STATUSES, RunOutcome
from sgdfp.validate.results import ValidationResults

__all__ = ["SweepRow", "ScalingFit", "SweepSummary", "summarise", "scaling_fits", "runs_csv", "METRICS",
           "FORMAT_VERSION", "SCALING_AXES", "COMMON_MODES", "OWN_MODES"]

FORMAT_VERSION = 1
#: The metrics of a run (its :class:`~sgdfp.validate.results.RunSummary` keys) in the table.
METRICS = ("diffusion_coefficient_measured", "diffusion_coefficient_predicted", "flat_modes",
           "median_abs_log_ratio_all", "noise_floor_abs_log_ratio", "log_corr_all", "fraction_outside_interval",
           "diverged_replicas")
#: The axes the diffusion coefficient is fitted against: axis -> (the fit's name, x from the axis value).
SCALING_AXES = {"lr": ("lr", lambda value: float(value)),
                "batch_size": ("inverse_batch_size", lambda value: 1.0 / float(value))}


@dataclass
class SweepRow:
    """One run in the table: its grid point, what became of it, and its metrics (None unless it succeeded)."""

    UNDEFINED: ClassVar[dict[str, str]] = {key: "the run failed" for key in ("wall_seconds", "parameters", *METRICS)}

    name: str
    hash: str
    status: str
    point: dict[str, Any]
    preset: str
    lr: float
    batch_size: int
    sampling: str
    seed: int
    seconds: float | None = None
    worker: str | None = None
    error: str | None = None
    traceback: str | None = None
    wall_seconds: float | None = None
    parameters: int | None = None
    metrics: dict[str, float | int | None] = field(default_factory=dict)
    undefined: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass
class ScalingFit:
    r"""The diffusion coefficient :math:`\mathcal D \propto x^{a}` over one group of runs, ``x`` = η or 1/b.

    ``group`` holds the values the group's runs share (the other axes); ``points`` the (x, measured) pairs
    used, ``predicted_points`` the (x, predicted) ones."""

    UNDEFINED: ClassVar[dict[str, str]] = {
        "exponent": "fewer than two runs with a measured diffusion coefficient",
        "interval": "an interval needs three or more runs with a measured coefficient",
        "predicted_exponent": "fewer than two runs with a predicted diffusion coefficient",
        "predicted_interval": "an interval needs three or more runs with a predicted coefficient",
    }

    against: str
    group: dict[str, Any]
    runs: int
    modes: str
    exponent: float | None
    interval: list[float] | None
    predicted_exponent: float | None
    predicted_interval: list[float] | None
    points: list[list[float]]
    predicted_points: list[list[float]]
    undefined: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass
class SweepSummary:
    """``sweep.json``: every run, the counts by status, the scaling fits, and where the report went."""

    runs: list[SweepRow]
    counts: dict[str, int]
    scaling: list[ScalingFit]
    where: str
    wall_seconds: float
    report: str | None = None
    report_note: str | None = None
    figures: list[str] = field(default_factory=list)
    format_version: int = FORMAT_VERSION

    @property
    def failed(self) -> list[SweepRow]:
        return [row for row in self.runs if row.status == "failed"]


def _row(run: SweepRun, outcome: RunOutcome, results: ValidationResults | None) -> SweepRow:
    config = run.config
    row = SweepRow(run.name, run.hash, outcome.status, dict(run.point), str(config.preset), config.ensemble.lr[0],
                   config.ensemble.batch_size, config.ensemble.sampling, config.seed, outcome.seconds, outcome.worker,
                   outcome.error, outcome.traceback)
    if results is not None:
        summary = results.runs[0].summary
        row.wall_seconds, row.parameters = results.wall_seconds, results.model.parameters
        row.metrics = {key: summary.get(key) for key in METRICS}
        row.undefined = {key: summary.undefined[key] for key in METRICS if key in summary.undefined}
    return row


#: Over which modes a fit's coefficients are taken.
COMMON_MODES = "the modes flat at every eta of the group, per seed"
OWN_MODES = "each run's own flat modes"


def _common_mode_coefficients(members: list[SweepRow], results: dict[str, ValidationResults]) -> dict | None:
    r"""Runs that differ only in η and share a seed share their reference point and eigenbasis: their
    coefficients over the modes flat at every one of their η (what ``sgdfp validate --lr ...`` reports within one
    run, :func:`sgdfp.validate.diffusion.flat_mode_diffusion`), by run hash; None where that does not hold.

    Each run's own flat modes are those diffusive at its η; the larger η, the fewer, so coefficients over each
    run's own modes mix the law in η with a change of modes."""
    import copy

    import numpy as np

    from sgdfp.validate.diffusion import flat_mode_diffusion

    found = [results.get(row.hash) for row in members]
    if any(r is None for r in found):
        return None
    curvature, grad_noise = (np.array(getattr(found[0].statistics, key), dtype=float)
                             for key in ("curvature", "grad_noise"))
    for other in found[1:]:
        if not (np.array_equal(np.array(other.statistics.curvature, dtype=float), curvature)
                and np.array_equal(np.array(other.statistics.grad_noise, dtype=float), grad_noise)):
            return None  # not one reference point (a nondeterministic device?)
    runs = [copy.deepcopy(r.runs[0]) for r in found]
    flat_mode_diffusion(runs, curvature, grad_noise)
    return {row.hash: (run.summary.diffusion_coefficient_measured, run.summary.diffusion_coefficient_predicted)
            for row, run in zip(members, runs)}


def scaling_fits(rows: list[SweepRow], results: dict[str, ValidationResults] | None = None) -> list[ScalingFit]:
    """The power-law fits of the diffusion coefficient against each swept axis of :data:`SCALING_AXES`, one per
    group of runs that share every other axis but the seed (the seeds pooled), for groups of two or more
    values of the axis. Against η, with ``results`` (by run hash), over the modes flat at every η of the
    group (:data:`COMMON_MODES`, per seed); otherwise over each run's own flat modes (:data:`OWN_MODES`)."""
    fits = []
    done = [row for row in rows if row.status != "failed"]
    for axis, (against, x_of) in SCALING_AXES.items():
        groups: dict[tuple, list[SweepRow]] = {}
        for row in done:
            if axis not in row.point:
                continue
            key = tuple(sorted((k, v) for k, v in row.point.items() if k not in (axis, "seed")))
            groups.setdefault(key, []).append(row)
        for key, members in groups.items():
            if len({row.point[axis] for row in members}) < 2:
                continue
            x = [x_of(row.point[axis]) for row in members]
            coefficients = {row.hash: (row.metrics.get("diffusion_coefficient_measured"),
                                       row.metrics.get("diffusion_coefficient_predicted")) for row in members}
            modes = OWN_MODES
            if axis == "lr" and results is not None:
                by_seed: dict[Any, list[SweepRow]] = {}
                for row in members:
                    by_seed.setdefault(row.seed, []).append(row)
                common = [_common_mode_coefficients(same, results) for same in by_seed.values()]
                if all(c is not None for c in common):
                    coefficients = {h: value for c in common for h, value in c.items()}
                    modes = COMMON_MODES
            measured = power_law_fit(x, [coefficients[row.hash][0] for row in members])
            predicted = power_law_fit(x, [coefficients[row.hash][1] for row in members])
            fits.append(ScalingFit(
                against, dict(key), len(members), modes, measured.exponent,
                list(measured.interval) if measured.interval else None, predicted.exponent,
                list(predicted.interval) if predicted.interval else None,
                [list(p) for p in measured.points], [list(p) for p in predicted.points]))
    return fits


def summarise(runs: list[SweepRun], outcomes: list[RunOutcome], results: dict[str, ValidationResults],
              where: str, wall_seconds: float) -> SweepSummary:
    """The summary of ``runs`` from their ``outcomes`` and the results of those that succeeded (by hash)."""
    runs = check_runs("runs", runs)
    if not isinstance(outcomes, (list, tuple)):
        raise TypeError(f"outcomes must be a list of RunOutcome, one per run; got {type(outcomes).__name__}")
    for index, outcome in enumerate(outcomes):
        check_instance(f"outcomes[{index}]", outcome, RunOutcome, "a RunOutcome")
    if len(outcomes) != len(runs):
        raise ValueError(f"outcomes must hold one RunOutcome per run: {len(runs)} runs, {len(outcomes)} outcomes")
    check_instance("results", results, dict, "a dict of ValidationResults by run hash")
    for key, value in results.items():
        check_instance(f"results[{key!r}]", value, ValidationResults, "a ValidationResults")
    check_instance("where", where, str, "text saying where the runs ran")
    wall_seconds = check_real("wall_seconds", wall_seconds, minimum=0.0)
    rows = [_row(run, outcome, results.get(run.hash)) for run, outcome in zip(runs, outcomes)]
    counts = {status: sum(row.status == status for row in rows) for status in STATUSES}
    counts["total"] = len(rows)
    return SweepSummary(rows, counts, scaling_fits(rows, results), where, wall_seconds)


def runs_csv(summary: SweepSummary) -> str:
    """The table as CSV: one row per run (an undefined value is an empty cell)."""
    axes = list(dict.fromkeys(key for row in summary.runs for key in row.point))
    columns = ["name", "status", *axes, "wall_seconds", "seconds", *METRICS, "hash", "error"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in summary.runs:
        values = {"name": row.name, "status": row.status, **row.point, "wall_seconds": row.wall_seconds,
                  "seconds": row.seconds, **row.metrics, "hash": row.hash, "error": row.error}
        writer.writerow(["" if values.get(c) is None else repr(values[c]) if isinstance(values[c], float)
                         else values[c] for c in columns])
    return buffer.getvalue()
