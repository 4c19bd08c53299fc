"""The report's tables, independent of HTML and TeX: rows of labelled values, one column per learning rate
(or per run directory, for the configuration).

- :func:`summary_rows`: the side-by-side metrics of every learning rate of every run;
- :func:`regime_breakdown` and :func:`regime_rows`: per regime, from each run's per-mode table;
- :func:`stiffness_rows`: discrete SGD theory against Langevin by :math:`\\eta\\lambda`, where the runs hold it.

The configuration table, one column per run directory, is :mod:`~sgdfp.report.configuration`.

A :class:`Row` holds the exact value of every column; rows that no column has a value for are left out
unless they are always shown, and a group heading whose rows are all left out goes with them.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sgdfp.errors import check_instance
from sgdfp.report.sources import Source
from sgdfp.report.values import format_value, is_missing
from sgdfp.validate.config import ensemble_optimizer
from sgdfp.validate.null import null_directions
from sgdfp.validate.results import REGIME_NAMES, TOP_MODES, RunResult, ValidationResults

__all__ = ["Column", "Cell", "Row", "heading", "columns_of", "source_spans", "regime_breakdown", "summary_rows",
           "regime_rows", "stiffness_rows", "REGIMES"]

REGIMES = REGIME_NAMES


@dataclass
class Column:
    """One learning rate of one run directory: a column of the side-by-side tables."""

    id: str
    source: Source
    run: RunResult
    breakdown: dict[str, dict[str, Any]]
    starts: bool = False  # the first column of its run directory

    @property
    def results(self) -> ValidationResults:
        return self.source.results


def columns_of(sources: list[Source]) -> list[Column]:
    """One column per learning rate of every source, numbered ``c1, c2, ...``."""
    columns: list[Column] = []
    for source in sources:
        for i, run in enumerate(source.results.runs):
            columns.append(Column(f"c{len(columns) + 1}", source, run, regime_breakdown(source.results, run),
                                  starts=i == 0))
    return columns


def source_spans(columns: list[Column]) -> list[tuple[Source, int]]:
    """(source, how many of ``columns`` are its), in order: the run directories above the column headers."""
    spans: list[list] = []
    for column in columns:
        if spans and spans[-1][0] is column.source:
            spans[-1][1] += 1
        else:
            spans.append([column.source, 1])
    return [(source, count) for source, count in spans]


@dataclass(frozen=True)
class Cell:
    """A table cell: the exact value, how to show it, and the column (or run directory) it spans."""

    column: str
    key: str
    value: Any
    kind: str = "g"
    span: int = 1
    classes: str = ""

    @property
    def numeric(self) -> bool:
        return isinstance(self.value, (int, float)) and not isinstance(self.value, bool)


@dataclass
class Row:
    """A labelled row (``heading``: a group title with no values).

    Attributes:
        key: what its cells are called in the page (``data-key``), e.g. ``log_corr_all``.
        values: column id -> exact value.
        per_source: one value per run directory, spanning its columns (the wall time).
        marked: extra classes per column id (``diff``: the values differ between directories).
    """

    label: str
    key: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    kind: str = "g"
    hint: str = ""
    emphasised: bool = False
    heading: bool = False
    per_source: bool = False
    marked: dict[str, str] = field(default_factory=dict)

    def cells(self, columns: list) -> list[Cell]:
        """The cells for ``columns`` (a :class:`Column` list, or a :class:`Source` list for the configuration;
        a ``per_source`` row takes columns)."""
        if self.heading:
            return []
        if not self.per_source:
            return [Cell(_column_id(c), self.key, self.values.get(_column_id(c)), self.kind, 1,
                         self._classes(c)) for c in columns]
        cells, position = [], 0
        for _source, count in source_spans(columns):  # one cell per run directory, under its first column
            first = columns[position].id
            cells.append(Cell(first, self.key, self.values.get(first), self.kind, count, "start"))
            position += count
        return cells

    def _classes(self, column) -> str:
        column_id = _column_id(column)
        classes = ["start"] if isinstance(column, Column) and column.starts else []
        if self.kind == "path":
            classes.append("path")
        if column_id in self.marked:
            classes.append(self.marked[column_id])
        return " ".join(classes)


def _column_id(column) -> str:
    return column.id if isinstance(column, Column) else column.slug


def heading(label: str) -> Row:
    """A group title row."""
    return Row(label, heading=True)


def _visible(rows: list[tuple[Row, bool]]) -> list[Row]:
    """Rows with a value in some column (or always shown), and the headings of groups left with rows."""
    out: list[Row] = []
    heading = None
    for row, always in rows:
        if row.heading:
            heading = row
            continue
        if not always and all(is_missing(v) for v in row.values.values()):
            continue
        if heading is not None:
            out.append(heading)
            heading = None
        out.append(row)
    return out


# ---------------------------------------------------------------------------------------------- regimes


def regime_breakdown(results: ValidationResults, run: RunResult) -> dict[str, dict[str, Any]]:
    """Per regime and over all modes (``"all"``), from the per-mode table of ``run``, the null directions
    (:func:`sgdfp.validate.compare.null_directions`) left out as in the run's summary.

    Returns:
        regime -> ``count``, ``median_abs_log_ratio`` (the headline prediction), ``langevin_median_abs_log_ratio``,
        ``fixed_frame_median_abs_log_ratio`` and ``fraction_outside`` (of the 95 % interval); the medians are over the modes whose ratio is
        defined, ``None`` where there is none (and the fraction ``None`` for a regime without modes).

    Raises:
        TypeError: ``results`` is no :class:`ValidationResults` or ``run`` no :class:`RunResult` (one of its runs).
    """
    check_instance("results", results, ValidationResults, "a sgdfp.validate.ValidationResults (from load_run)")
    check_instance("run", run, RunResult, "a sgdfp.validate.RunResult (one of results.runs)")
    table = run.table
    if len(run.regimes) != results.modes:
        raise ValueError(f"run at lr={run.lr} has {len(run.regimes)} regimes for {results.modes} modes")

    def median(values: list, members: list[int]) -> float | None:
        defined = [abs(values[i]) for i in members if values[i] is not None and math.isfinite(values[i])]
        return float(statistics.median(defined)) if defined else None

    record = results.statistics
    null = null_directions([np.nan if v is None else v for v in record.grad_noise],
                           [np.nan if v is None else v for v in record.curvature_noise])
    fixed = table.fixed_frame_log_ratio if table.fixed_frame_log_ratio is not None else table.log_ratio
    out = {}
    everything = [i for i in range(len(run.regimes)) if not null[i]]
    for name in (*REGIMES, "all"):
        members = everything if name == "all" else [i for i in everything if run.regimes[i] == name]
        out[name] = {"count": len(members), "median_abs_log_ratio": median(table.log_ratio, members),
                     "langevin_median_abs_log_ratio": median(table.langevin_log_ratio, members),
                     "fixed_frame_median_abs_log_ratio": median(fixed, members),
                     "fraction_outside": sum(bool(table.outside[i]) for i in members) / len(members)
                     if members else None}
    return out


_REGIME_METRICS = (("count", "modes", "g"), ("median_abs_log_ratio", "median |log ratio|, SGD theory", "g"),
                   ("fixed_frame_median_abs_log_ratio", "median |log ratio|, fixed frame", "g"),
                   ("langevin_median_abs_log_ratio", "median |log ratio|, Langevin", "g"),
                   ("fraction_outside", "outside the 95 % interval", "pct"))


def regime_rows(columns: list[Column]) -> list[Row]:
    """A group per regime (and all modes); a regime no column has shows its count only."""
    rows = []
    for name in (*REGIMES, "all"):
        rows.append(heading("all modes" if name == "all" else name))
        empty = all(c.breakdown[name]["count"] == 0 for c in columns)
        for key, label, kind in _REGIME_METRICS[:1] if empty else _REGIME_METRICS:
            rows.append(Row(label, f"regime.{name}.{key}", {c.id: c.breakdown[name][key] for c in columns}, kind,
                            emphasised=key == "count"))
    return rows


def _bin_label(bounds: tuple) -> str:
    low, high = bounds
    if low is None:
        return f"ηλ < {format_value(high)}"
    if high is None:
        return f"ηλ ≥ {format_value(low)}"
    return f"{format_value(low)} ≤ ηλ < {format_value(high)}"


def stiffness_rows(columns: list[Column]) -> list[Row]:
    """The discrete-against-Langevin breakdown by ηλ, where the runs hold one (else ``[]``)."""
    bins: dict[tuple, dict[str, Any]] = {}
    for column in columns:
        for entry in column.run.summary.by_lr_curvature:
            bounds = tuple(entry.lr_curvature) if len(entry.lr_curvature) == 2 else (None, None)
            bins.setdefault(bounds, {})[column.id] = entry
    having = {c.id for c in columns if c.run.summary.by_lr_curvature}

    def value(column: Column, bounds: tuple, key: str):
        if column.id not in having:
            return None  # a result file without this breakdown
        entry = bins[bounds].get(column.id)
        return getattr(entry, key) if entry is not None else (0 if key == "modes" else None)

    rows = []
    for bounds in sorted(bins, key=lambda b: -math.inf if b[0] is None else b[0]):
        label = _bin_label(bounds)
        rows.append(heading(label))
        for key, name in (("modes", "modes"), ("median_abs_log_ratio", "median |log ratio|, SGD theory"),
                          ("langevin_median_abs_log_ratio", "median |log ratio|, Langevin")):
            rows.append(Row(name, f"stiffness.{label}.{key}", {c.id: value(c, bounds, key) for c in columns},
                            emphasised=key == "modes"))
    return rows


# ---------------------------------------------------------------------------------------------- summary


def _describe_data(results: ValidationResults) -> str:
    return f"{results.dataset.name}, {results.dataset.samples} samples"


def _describe_model(results: ValidationResults) -> str:
    return f"{results.model.class_name}, {results.model.parameters} parameters"


def _ratio_to_floor(column: Column) -> float | None:
    value, floor = column.run.summary.median_abs_log_ratio_all, column.run.summary.noise_floor_abs_log_ratio
    return None if is_missing(value) or is_missing(floor) or not floor else value / floor


# (key, label, hint, getter, kind, emphasised, always); a str opens a group.
_Spec = tuple[str, str, str, Callable[[Column], Any], str, bool, bool]


def _summary_specs(diffusion_text: str) -> list[str | _Spec]:
    def summary(key: str, kind: str = "g", emphasised: bool = False, label: str = "", hint: str = "",
                always: bool = False) -> _Spec:
        return (key, label, hint, lambda c: getattr(c.run.summary, key), kind, emphasised, always)

    top = f"top {TOP_MODES}"
    return [
        "Run",
        ("preset", "preset", "", lambda c: c.results.config.preset, "g", True, True),
        ("dataset", "data", "", lambda c: _describe_data(c.results), "g", False, False),
        ("model", "model", "", lambda c: _describe_model(c.results), "g", False, False),
        ("lr", "learning rate η", "", lambda c: c.run.lr, "g", True, True),
        ("optimizer", "optimiser", "what the replicas run, from zero velocity",
         lambda c: str(ensemble_optimizer(c.results.config.ensemble)), "g", True, True),
        ("batch_size", "batch size", "", lambda c: c.results.config.ensemble.batch_size, "g", False, True),
        ("replicas", "replicas", "SGD runs per η", lambda c: c.results.config.ensemble.replicas, "g", False, True),
        ("steps", "steps", "horizon T", lambda c: c.results.config.ensemble.steps, "g", False, True),
        ("modes", "modes", "Hessian eigen-directions", lambda c: c.results.modes, "g", False, True),
        "Discrete SGD theory against measurement (final step)",
        summary("prediction", "g", True, "prediction", "moving frame: the covariance along the mean path; "
                "coupled: the pairwise closure at the reference point; fixed frame: the per-mode theory there",
                True),
        summary("log_corr_top", "r", True, f"log-correlation, {top}", "modes of largest |λ|", True),
        summary("log_corr_all", "r", True, "log-correlation, all", always=True),
        summary("stationary_log_corr_top", "r", False, "log-correlation, stationary formula", f"{top}, Var∞ for Var_T"),
        summary("median_abs_log_ratio_top", "g", False, f"median |log ratio|, {top}", always=True),
        summary("median_abs_log_ratio_all", "g", True, "median |log ratio|, all", always=True),
        summary("null_modes", "g", False, "null directions set aside", "no gradient or curvature noise: "
                "their variance is rounding error"),
        summary("noise_floor_abs_log_ratio", "g", True, "noise floor", "a perfect prediction with R replicas", True),
        ("ratio_to_floor", "median all ÷ noise floor", "1: as good as R replicas can tell", _ratio_to_floor, "x",
         False, False),
        summary("fraction_outside_interval", "pct", True, "outside the 95 % interval",
                "fraction of modes; 5 % expected", True),
        "Fixed frame: the per-mode theory linearised once at the reference point",
        summary("fixed_frame_median_abs_log_ratio_top", "g", False, f"median |log ratio|, {top}"),
        summary("fixed_frame_median_abs_log_ratio_all", "g", True, "median |log ratio|, all"),
        summary("fixed_frame_fraction_outside_interval", "pct", True, "outside the 95 % interval"),
        "Coupled closure: the per-mode theory at the reference point with the pairs' curvature noise",
        summary("coupled_median_abs_log_ratio_top", "g", False, f"median |log ratio|, {top}"),
        summary("coupled_median_abs_log_ratio_all", "g", True, "median |log ratio|, all",
                "η² Σ_j Var_B[e_iᵀH_Be_j] s_j feeds each mode"),
        summary("coupled_fraction_outside_interval", "pct", True, "outside the 95 % interval"),
        "Moving-frame diagnostics",
        summary("frame_gap_median_abs_log", "g", False, "moving vs fixed frame",
                "median |log| of their ratio: how far the run left its reference point"),
        summary("noise_change_median_abs_log", "g", False, "gradient noise change along the path",
                "median |log D_end / D_ref|: what the fixed frame holds constant"),
        summary("mean_error_over_spread", "g", False, "mean path error ÷ spread",
                "measured minus predicted mean displacement, median over modes"),
        summary("frame_refresh", "g", False, "refresh interval", "steps between the path's Hessians"),
        "Stationarity and diffusion (Yaida's fluctuation-dissipation ratio, mean-squared displacement)",
        summary("fdr_confined_modes", "g", False, "confined modes checked"),
        summary("fdr_consistent_fraction", "pct", True, "FDR ratio consistent with 1",
                "2⟨yF⟩/(η⟨F²⟩) at the last step; 1 at a stationary law"),
        summary("fdr_median_abs_deviation", "g", False, "median |r − 1|, confined"),
        summary("fdr_flagged_fraction_other", "pct", False, "other modes flagged non-stationary"),
        summary("msd_median_abs_log", "g", True, "MSD: median |log ratio|", "E[(y_k+τ − y_k)²], measured vs theory"),
        "Langevin (continuous-time) model",
        summary("langevin_median_abs_log_ratio_top", "g", False, f"median |log ratio|, {top}", always=True),
        summary("langevin_median_abs_log_ratio_all", "g", True, "median |log ratio|, all", always=True),
        summary("stiff_modes", "g", False, "stiff modes", "ηλ ≥ 0.2, where the two models part"),
        summary("median_abs_log_ratio_stiff", "g", False, "stiff: median |log ratio|, SGD theory"),
        summary("langevin_median_abs_log_ratio_stiff", "g", False, "stiff: median |log ratio|, Langevin"),
        "Momentum as SGD at the effective learning rate η/(1 − β) (the rule of thumb)",
        summary("effective_sgd_median_abs_log_ratio_top", "g", False, f"median |log ratio|, {top}"),
        summary("effective_sgd_median_abs_log_ratio_all", "g", True, "median |log ratio|, all",
                "the discrete SGD theory at η/(1 − β), curvature λ + ω"),
        "Local validity (gradient beyond the quadratic theory, as extra noise)",
        summary("validity_modes_checked", "g", False, "modes checked"),
        summary("locally_valid_fraction", "pct", False, "locally valid", "fraction of the modes checked"),
        summary("median_abs_log_ratio_locally_valid", "g", False, "median |log ratio|, locally valid"),
        summary("median_abs_log_ratio_beyond_local", "g", False, "median |log ratio|, beyond local"),
        summary("langevin_median_abs_log_ratio_beyond_local", "g", False, "Langevin, beyond local"),
        "Growth and diffusion",
        summary("confined_growth_exponent", "g", True, "growth exponent, confined",
                "slope of log Var against log k, late half", True),
        summary("diffusive_growth_exponent", "g", True, "growth exponent, diffusive", "1 for free diffusion", True),
        summary("flat_modes", "g", False, "flat modes", "diffusive at every η of the run"),
        summary("diffusion_coefficient_measured", "g", False, "diffusion coefficient, measured",
                "per unit time, geometric mean"),
        summary("diffusion_coefficient_predicted", "g", False, "diffusion coefficient, predicted",
                f"{diffusion_text}, same modes"),
        "Health and cost",
        summary("diverged_replicas", "g", True, "diverged replicas", always=True),
        summary("mean_displacement_over_spread", "g", False, "mean displacement ÷ spread",
                "median over modes, final step"),
        summary("ensemble_seconds", "s", False, "ensemble time", "SGD replicas at this η"),
        summary("validity_seconds", "s", False, "validity check time"),
        summary("frame_seconds", "s", False, "moving frame time", "the mean path and its covariance at this η"),
        ("wall_seconds", "wall time", "whole run, all η", lambda c: c.results.wall_seconds, "s", True, True),
    ]


def summary_rows(columns: list[Column], diffusion_text: str) -> list[Row]:
    """The summary table: run, agreement with the discrete theory and with Langevin, validity, growth, cost.

    Args:
        columns: the columns (every learning rate of every run).
        diffusion_text: the theory's flat-mode diffusion coefficient in prose (``Dη/2``), for a hint.
    """
    rows: list[tuple[Row, bool]] = []
    for spec in _summary_specs(diffusion_text):
        if isinstance(spec, str):
            rows.append((heading(spec), False))
            continue
        key, label, hint, getter, kind, emphasised, always = spec
        rows.append((Row(label, key, {c.id: getter(c) for c in columns}, kind, hint, emphasised,
                         per_source=key == "wall_seconds"), always))
    return _visible(rows)
