"""The results of a validation run as typed objects, and their files: ``results.json`` and ``modes.csv``.

One :class:`ValidationResults` travels from the pipeline to the figures, the report and the command
line; nobody indexes into untyped dicts. ``results.json`` is strict JSON (NaN and infinities are
``null``, with the reason in the enclosing object's ``"undefined"`` map) and carries
:data:`FORMAT_VERSION`; :meth:`ValidationResults.read` checks every field and says, in one line, which
file and field is wrong and what was expected. Files of format 1 (flat configuration, written before
the typed results) are read too.

This module imports neither torch nor SymPy, so the report can read results cheaply.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from sgdfp.derive.mode.regime import REGIMES
from sgdfp.validate.config import FLAT_FIELDS, ValidationConfig
from sgdfp.validate.typed_json import ResultError, from_json, to_json

__all__ = ["FORMAT_VERSION", "RESULTS_FILE", "MODES_FILE", "MODE_COLUMNS", "ValidationResults", "RunResult",
           "RunSummary", "ModeTable", "StatisticsRecord", "ReferenceResult", "PolishResult", "DatasetInfo",
           "ModelInfo", "Scaling", "StiffnessBin", "RegimeSummary", "DivergenceRecord", "ResultError", "read_modes_csv",
           "TOP_MODES"]

FORMAT_VERSION = 2
RESULTS_FILE = "results.json"
MODES_FILE = "modes.csv"
REGIME_NAMES = REGIMES  # the regimes' names, from the one regime rule
#: How many modes of largest |lambda| the ``*_top`` metrics of a run summary are taken over.
TOP_MODES = 48
MAX_BYTES = 512 * 2**20  # a results.json beyond this is not one of ours


@dataclass
class PolishResult:
    steps: int = 0
    converged: bool | None = None


@dataclass
class ReferenceResult:
    """The reference point: full-batch loss and gradient norm, and how the polish ended."""

    loss: float | None
    grad_norm: float | None
    polish: PolishResult = field(default_factory=PolishResult)
    undefined: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass
class DatasetInfo:
    name: str
    source: str
    samples: int
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class ModelInfo:
    class_name: str = field(metadata={"json": "class"})
    parameters: int
    task: str


@dataclass
class StatisticsRecord:
    """Per-mode statistics at the reference point (eigenvalues ascending) and how they were measured."""

    method: str
    minibatch_factor: float
    grad_noise_offdiagonal: float
    curvature_noise_offdiagonal: float
    curvature_consistency: float
    seconds: float
    curvature: list[float | None]
    grad_noise: list[float | None]
    curvature_noise: list[float | None]
    mean_grad: list[float | None]
    cross: list[float | None]
    residuals: list[float | None] | None = None
    #: samples the pairs' curvature noise V_ij was measured from (None: not measured, no coupled prediction)
    coupling_samples: int | None = None
    undefined: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass
class StiffnessBin:
    """Discrete SGD against Langevin for the modes with eta * lambda in ``lr_curvature`` (None: unbounded)."""

    lr_curvature: list[float | None]
    modes: int
    median_abs_log_ratio: float | None
    langevin_median_abs_log_ratio: float | None
    undefined: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass
class RegimeSummary:
    """The headline prediction against measurement for the modes of one regime (the fixed frame's beside it)."""

    UNDEFINED: ClassVar[dict[str, str]] = {
        "median_abs_log_ratio": "no mode of the regime with positive measured and predicted variances",
        "fraction_outside_interval": "no mode of the regime with a measured variance",
        "fixed_frame_median_abs_log_ratio": "no mode of the regime with positive measured and fixed-frame variances",
    }

    regime: str
    modes: int
    median_abs_log_ratio: float | None
    fraction_outside_interval: float | None
    fixed_frame_median_abs_log_ratio: float | None = None
    undefined: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass
class RunSummary:
    """The metrics of one learning rate (the final checkpoint); keys of the ``--json`` contract among them."""

    UNDEFINED: ClassVar[dict[str, str]] = {
        "log_corr_top": "fewer than 3 of the top modes have positive measured and predicted variances",
        "log_corr_all": "fewer than 3 modes have positive measured and predicted variances",
        "stationary_log_corr_top": "fewer than 3 of the top modes have a finite stationary variance",
        "median_abs_log_ratio_top": "no top mode has a positive measured and predicted variance",
        "median_abs_log_ratio_all": "no mode has a positive measured and predicted variance",
        "langevin_median_abs_log_ratio_top": "no top mode has a positive measured and Langevin variance",
        "langevin_median_abs_log_ratio_all": "no mode has a positive measured and Langevin variance",
        "effective_sgd_median_abs_log_ratio_top": "plain SGD, or no top mode with a positive SGD-equivalent variance",
        "effective_sgd_median_abs_log_ratio_all": "plain SGD, or no mode with a positive SGD-equivalent variance",
        "confined_growth_exponent": "no confined mode, or too few checkpoints in the second half",
        "diffusive_growth_exponent": "no diffusive mode, or too few checkpoints in the second half",
        "median_abs_log_ratio_stiff": "no stiff mode (eta * lambda >= 0.2)",
        "langevin_median_abs_log_ratio_stiff": "no stiff mode (eta * lambda >= 0.2)",
        "locally_valid_fraction": "the validity diagnostic measured no mode",
        "median_abs_log_ratio_locally_valid": "no mode inside the local theory",
        "median_abs_log_ratio_beyond_local": "no mode beyond the local theory",
        "langevin_median_abs_log_ratio_beyond_local": "no mode beyond the local theory",
        "diffusion_coefficient_measured": "no flat mode with a positive measured diffusion coefficient",
        "diffusion_coefficient_predicted": "no flat mode with a positive measured diffusion coefficient",
        "mean_displacement_over_spread": "no live replicas at the end",
        "fraction_outside_interval": "no mode with a measured variance (fewer than 2 live replicas at the end)",
        "noise_floor_abs_log_ratio": "fewer than 2 live replicas at the end",
        "fixed_frame_median_abs_log_ratio_top": "no top mode has a positive measured and fixed-frame variance",
        "fixed_frame_median_abs_log_ratio_all": "no mode has a positive measured and fixed-frame variance",
        "fixed_frame_fraction_outside_interval": "no mode with a measured variance",
        "mean_error_over_spread": "no moving frame (it predicts the mean path), or no live replicas at the end",
        "frame_gap_median_abs_log": "no moving frame, or no mode with positive variances in both frames",
        "frame_refresh": "no moving frame", "frame_seconds": "no moving frame",
        "noise_change_median_abs_log": "no moving frame, or no mode with gradient noise at both ends of the path",
        "coupled_median_abs_log_ratio_top": "no coupled closure (the pairs' curvature noise not measured, or momentum), "
                                            "or no top mode with positive measured and coupled variances",
        "coupled_median_abs_log_ratio_all": "no coupled closure (the pairs' curvature noise not measured, or momentum), "
                                            "or no mode with positive measured and coupled variances",
        "coupled_fraction_outside_interval": "no coupled closure, or no mode with a measured variance",
        "fdr_consistent_fraction": "no confined mode, or the FDR sums were not kept",
        "fdr_median_abs_deviation": "no confined mode with a defined FDR ratio",
        "fdr_flagged_fraction_other": "every mode is confined, or the FDR sums were not kept",
        "msd_median_abs_log": "no MSD prediction (momentum), or the two-time sums were not kept",
    }

    #: the theory the headline metrics (median_abs_log_ratio_*, fraction_outside_interval, log_corr_*) compare with:
    #: "moving-frame" (sgdfp.validate.moving_frame, with the pairs' curvature noise where measured), "coupled" (the
    #: coupled closure at the reference point, sgdfp.numerics.coupled) or "fixed-frame" (the per-mode theory there)
    prediction: str = "fixed-frame"
    #: modes without noise (sgdfp.validate.compare.null_directions), left out of every metric below
    null_modes: int = 0
    log_corr_top: float | None = None
    log_corr_all: float | None = None
    stationary_log_corr_top: float | None = None
    median_abs_log_ratio_top: float | None = None
    median_abs_log_ratio_all: float | None = None
    langevin_median_abs_log_ratio_top: float | None = None
    langevin_median_abs_log_ratio_all: float | None = None
    effective_sgd_median_abs_log_ratio_top: float | None = None
    effective_sgd_median_abs_log_ratio_all: float | None = None
    noise_floor_abs_log_ratio: float | None = None
    fraction_outside_interval: float | None = None
    confined_growth_exponent: float | None = None
    diffusive_growth_exponent: float | None = None
    stiff_modes: int = 0
    median_abs_log_ratio_stiff: float | None = None
    langevin_median_abs_log_ratio_stiff: float | None = None
    regime_counts: dict[str, int] = field(default_factory=dict)
    by_regime: list[RegimeSummary] = field(default_factory=list)
    by_lr_curvature: list[StiffnessBin] = field(default_factory=list)
    validity_modes_checked: int = 0
    locally_valid_fraction: float | None = None
    median_abs_log_ratio_locally_valid: float | None = None
    median_abs_log_ratio_beyond_local: float | None = None
    langevin_median_abs_log_ratio_beyond_local: float | None = None
    regime_counts_beyond_local: dict[str, int] = field(default_factory=dict)
    diverged_replicas: int = 0
    ensemble_seconds: float | None = None
    validity_seconds: float | None = None
    mean_displacement_over_spread: float | None = None
    flat_modes: int | None = None
    diffusion_coefficient_measured: float | None = None
    diffusion_coefficient_predicted: float | None = None
    fixed_frame_median_abs_log_ratio_top: float | None = None
    fixed_frame_median_abs_log_ratio_all: float | None = None
    fixed_frame_fraction_outside_interval: float | None = None
    mean_error_over_spread: float | None = None
    frame_gap_median_abs_log: float | None = None
    #: median over modes of |log(D at the path's last refresh / D at the reference point)|: how much the gradient noise
    #: the fixed frame assumes changed along the way (a validity diagnostic)
    noise_change_median_abs_log: float | None = None
    frame_refresh: int | None = None
    frame_seconds: float | None = None
    #: the moving frame ran but its linearisation blew up (edge of stability): the fixed frame is the headline
    frame_overflowed: bool = False
    #: the coupled closure in the fixed frame (the pairs' curvature noise V_ij = Var_B[e_i^T H_B e_j])
    coupled_median_abs_log_ratio_top: float | None = None
    coupled_median_abs_log_ratio_all: float | None = None
    coupled_fraction_outside_interval: float | None = None
    #: stationarity and diffusion observables (sgdfp.validate.observables): Yaida's fluctuation-dissipation ratio
    #: r = 2<y F>/(eta <F^2>) at the last checkpoint (1 at a stationary law) -- how many confined modes, the fraction
    #: of them whose interval holds 1, their median |r - 1|, and the fraction of the other modes it flags -- and the
    #: mean-squared displacement between checkpoints against the theory, with its log-log exponent per regime
    fdr_confined_modes: int | None = None
    fdr_consistent_fraction: float | None = None
    fdr_median_abs_deviation: float | None = None
    fdr_flagged_fraction_other: float | None = None
    msd_median_abs_log: float | None = None
    msd_exponent_by_regime: dict[str, float] = field(default_factory=dict)
    msd_exponent_predicted_by_regime: dict[str, float] = field(default_factory=dict)
    undefined: dict[str, str] = field(default_factory=dict, compare=False)

    def get(self, key: str, default=None):
        """A metric by its JSON key (``None`` for one this version does not know)."""
        return getattr(self, key, default) if not key.startswith("_") and key != "UNDEFINED" else default


@dataclass
class ModeTable:
    """Per mode at the final checkpoint: the 95 % interval, whether the prediction lies outside it, errors."""

    UNDEFINED: ClassVar[dict[str, str]] = {
        "log_ratio": "null for a mode without noise (measured and predicted variance both zero)",
        "langevin_log_ratio": "null for a mode without noise (measured and predicted variance both zero)",
        "growth_exponent": "null for a mode whose variance was not measured in the second half",
        "validity_error": "null for a mode the validity diagnostic did not measure (no gradient noise)",
        "fixed_frame_log_ratio": "null for a mode without noise (measured and predicted variance both zero)",
        "coupled_log_ratio": "null for a mode without noise; the whole column without a coupled closure",
        "lower": "null where the measured variance is undefined", "upper": "null where the measured variance is undefined",
    }

    lower: list[float | None]
    upper: list[float | None]
    outside: list[bool]
    growth_exponent: list[float | None]
    log_ratio: list[float | None]
    langevin_log_ratio: list[float | None]
    validity_error: list[float | None]
    #: log(measured / fixed-frame prediction); the same as log_ratio when the fixed frame is the headline prediction
    fixed_frame_log_ratio: list[float | None] | None = None
    #: log(measured / coupled closure in the fixed frame); None without one
    coupled_log_ratio: list[float | None] | None = None
    undefined: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass
class DivergenceRecord:
    """When a replica counted as diverged (its minibatch loss above ``loss_bound``, its distance from the reference
    point above ``displacement_bound``, or non-finite values), and how many did, by cause."""

    UNDEFINED: ClassVar[dict[str, str]] = {"loss_bound": "no bound (the reference loss is not finite)",
                                            "displacement_bound": "no bound (the theory predicts no finite scale)"}

    loss_bound: float | None
    displacement_bound: float | None
    counts: dict[str, int] = field(default_factory=dict)
    undefined: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass
class RunResult:
    """One learning rate: measured and predicted variances at every checkpoint, regimes, the summary."""

    UNDEFINED: ClassVar[dict[str, str]] = {
        "stationary_variance": "null where the mode has no stationary law (q >= 1)",
        "measured_variance": "null where fewer than 2 replicas were live",
        "predicted_variance": "null where the prediction overflows",
        "langevin_variance": "null where the prediction overflows",
        "effective_sgd_variance": "null where the prediction overflows; the whole field for plain SGD",
        "fixed_frame_variance": "null where the prediction overflows",
        "predicted_mean": "the whole field without a moving frame", "measured_mean": "null where no replica was live",
        "coupled_variance": "null where the closure overflows; the whole field without a coupled closure",
    }

    lr: float
    summary: RunSummary
    steps: list[int]
    measured_variance: list[list[float | None]]
    predicted_variance: list[list[float | None]]
    langevin_variance: list[list[float | None]]
    stationary_variance: list[float | None]
    regimes: list[str]
    table: ModeTable
    live_replicas: list[int] | None = None
    divergence: DivergenceRecord | None = None
    #: momentum runs: the SGD theory at the effective learning rate eta / (1 - beta), at the checkpoints
    effective_sgd_variance: list[list[float | None]] | None = None
    #: the per-mode theory at the reference point (the headline prediction too when there is no moving frame)
    fixed_frame_variance: list[list[float | None]] | None = None
    #: the mean displacement from the reference point: measured, and predicted by the moving frame
    measured_mean: list[list[float | None]] | None = None
    predicted_mean: list[list[float | None]] | None = None
    #: the coupled closure in the fixed frame (sgdfp.numerics.coupled), at the checkpoints
    coupled_variance: list[list[float | None]] | None = None
    undefined: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def all_diverged(self) -> bool:
        """True when fewer than two replicas were left at the end (no variance can be measured)."""
        return self.live_replicas is not None and self.live_replicas[-1] < 2


@dataclass
class Scaling:
    """The flat-mode diffusion coefficient against the learning rate: fitted exponent and 95 % interval."""

    exponent: float | None
    interval: list[float] | None
    points: list[list[float]]
    undefined: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass
class ValidationResults:
    """Everything one ``sgdfp validate`` run measured and predicted (the contents of ``results.json``)."""

    config: ValidationConfig
    device: str
    reference: ReferenceResult
    dataset: DatasetInfo
    model: ModelInfo
    statistics: StatisticsRecord
    runs: list[RunResult]
    scaling: Scaling | None
    versions: dict[str, str]
    wall_seconds: float
    format_version: int = FORMAT_VERSION

    # ------------------------------------------------------------------ views
    @property
    def modes(self) -> int:
        return len(self.statistics.curvature)

    def to_json(self) -> dict:
        return to_json(self)

    # ------------------------------------------------------------------ files
    def write(self, directory: str | os.PathLike) -> None:
        """``results.json`` and ``modes.csv`` into an existing ``directory`` (the caller makes it atomic)."""
        directory = Path(directory)
        text = json.dumps(self.to_json(), indent=1, allow_nan=False)
        (directory / RESULTS_FILE).write_text(text + "\n", encoding="utf-8")
        (directory / MODES_FILE).write_text(modes_csv(self), encoding="utf-8")

    @classmethod
    def from_json(cls, data: dict, file: str = RESULTS_FILE) -> ValidationResults:
        """Checked results from parsed JSON (format 1 or 2).

        Raises:
            ResultError: one line naming ``file``, the field and what was expected.
        """
        if not isinstance(data, dict):
            raise ResultError(f"'{file}': expected a JSON object with 'config' and 'runs', found a "
                              f"{type(data).__name__}")
        version = data.get("format_version", 1)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ResultError(f"'{file}': field 'format_version': expected a positive integer, found {version!r}")
        if version > FORMAT_VERSION:
            raise ResultError(f"'{file}': format version {version} is newer than this sgdfp reads "
                              f"({FORMAT_VERSION}); upgrade sgdfp")
        if version == 1:
            data = _upgrade_from_format_1(data, file)
        results = from_json(cls, data, "", file)
        _check_consistency(results, file)
        return results

    @classmethod
    def read(cls, directory: str | os.PathLike) -> ValidationResults:
        """The checked ``results.json`` of a run directory.

        Raises:
            ResultError: a missing directory or file, unreadable or invalid JSON (line and column named), or a
                field that does not match the schema; always one line naming the file.
        """
        directory = Path(directory)
        if not directory.exists():
            raise ResultError(f"run directory '{directory}' does not exist")
        if not directory.is_dir():
            raise ResultError(f"'{directory}' is not a directory (expected an 'sgdfp validate' output directory)")
        path = directory / RESULTS_FILE
        if path.is_symlink() or not path.is_file():
            raise ResultError(f"'{directory}' has no {RESULTS_FILE} (is it an 'sgdfp validate' output directory?)")
        try:
            if path.stat().st_size > MAX_BYTES:
                raise ResultError(f"'{path}' is larger than {MAX_BYTES >> 20} MiB; not an sgdfp result file")
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ResultError(f"'{path}' is not UTF-8 text (corrupt result file?)") from None
        except OSError as exc:
            raise ResultError(f"cannot read '{path}': {exc.strerror or exc}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ResultError(f"'{path}' is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") \
                from None
        except RecursionError:
            raise ResultError(f"'{path}' is nested too deeply to be an sgdfp result file") from None
        return cls.from_json(data, str(path))


def _upgrade_from_format_1(data: dict, file: str) -> dict:
    """Format 1 had a flat configuration and the dataset's details beside its name."""
    data = dict(data)
    flat = data.get("config")
    if not isinstance(flat, dict):
        raise ResultError(f"'{file}': field 'config': expected an object, found {type(flat).__name__}")
    config: dict[str, Any] = {"reference": {}, "curvature": {}, "ensemble": {}}
    for name, value in flat.items():
        if name in FLAT_FIELDS:
            stage, key = FLAT_FIELDS[name]
            (config if stage is None else config[stage])[key] = value
    data["config"] = config
    dataset = data.get("dataset")
    if isinstance(dataset, dict) and "meta" not in dataset:
        data["dataset"] = {**{k: dataset[k] for k in ("name", "source", "samples") if k in dataset},
                           "meta": {k: v for k, v in dataset.items() if k not in ("name", "source", "samples")}}
    return data


REQUIRED_ROWS = ("measured_variance", "predicted_variance", "langevin_variance")


def _check_consistency(results: ValidationResults, file: str) -> None:
    modes = results.modes
    statistics = results.statistics
    for name in ("grad_noise", "curvature_noise", "mean_grad", "cross"):
        if len(getattr(statistics, name)) != modes:
            raise ResultError(f"'{file}': field 'statistics.{name}' has {len(getattr(statistics, name))} entries "
                              f"for {modes} modes")
    if not results.runs:
        raise ResultError(f"'{file}': field 'runs' is empty")
    for i, run in enumerate(results.runs):
        where = f"runs[{i}]"
        columns = [("regimes", run.regimes), ("stationary_variance", run.stationary_variance)]
        columns += [(f"table.{key}", getattr(run.table, key)) for key in
                    ("lower", "upper", "outside", "growth_exponent", "log_ratio", "langevin_log_ratio",
                     "validity_error", "fixed_frame_log_ratio", "coupled_log_ratio")
                    if getattr(run.table, key) is not None]
        for name, values in columns:
            if len(values) != modes:
                raise ResultError(f"'{file}': field '{where}.{name}' has {len(values)} entries for {modes} modes")
        for name in ("measured_variance", "predicted_variance", "langevin_variance", "effective_sgd_variance",
                     "fixed_frame_variance", "measured_mean", "predicted_mean", "coupled_variance"):
            rows = getattr(run, name)
            if rows is None and name not in REQUIRED_ROWS:
                continue
            if len(rows) != len(run.steps) or any(len(row) != modes for row in rows):
                raise ResultError(f"'{file}': field '{where}.{name}' must have one row of {modes} values per "
                                  f"step ({len(run.steps)} steps)")
        unknown = set(run.regimes) - set(REGIME_NAMES)
        if unknown:
            raise ResultError(f"'{file}': field '{where}.regimes': unknown regime {min(unknown)!r}; expected one of "
                              f"{', '.join(REGIME_NAMES)}")
        for name, count in run.summary.regime_counts.items():
            if name not in REGIME_NAMES or count < 0:
                raise ResultError(f"'{file}': field '{where}.summary.regime_counts.{name}': expected a regime name "
                                  f"with a count >= 0")
    if results.scaling is not None and results.scaling.interval is not None and len(results.scaling.interval) != 2:
        raise ResultError(f"'{file}': field 'scaling.interval': expected two numbers [low, high], found "
                          f"{len(results.scaling.interval)}")
    if results.scaling is not None and any(len(p) != 2 for p in results.scaling.points):
        raise ResultError(f"'{file}': field 'scaling.points': expected pairs [lr, coefficient]")


#: The columns of ``modes.csv``: one row per learning rate and mode, values at the final checkpoint.
MODE_COLUMNS = ("lr", "mode", "curvature", "grad_noise", "curvature_noise", "mean_grad", "cross", "regime",
                "measured_variance", "lower", "upper", "predicted_variance", "langevin_variance",
                "stationary_variance", "log_ratio", "growth_exponent", "validity_error", "fixed_frame_variance",
                "fixed_frame_log_ratio", "coupled_variance", "coupled_log_ratio")
#: Columns a ``modes.csv`` written before they existed lacks (read as empty).
LATER_COLUMNS = ("fixed_frame_variance", "fixed_frame_log_ratio", "coupled_variance", "coupled_log_ratio")


def _cell(value) -> str:
    if value is None or isinstance(value, float) and not math.isfinite(value):
        return ""  # undefined (results.json says why)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def modes_csv(results: ValidationResults) -> str:
    """``modes.csv`` as text (stdlib ``csv``; an undefined value is an empty cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(MODE_COLUMNS)
    s = results.statistics
    for run in results.runs:
        t = run.table
        fixed = run.fixed_frame_variance[-1] if run.fixed_frame_variance is not None else run.predicted_variance[-1]
        fixed_log_ratio = t.fixed_frame_log_ratio if t.fixed_frame_log_ratio is not None else t.log_ratio
        coupled = run.coupled_variance[-1] if run.coupled_variance is not None else [None] * results.modes
        coupled_log_ratio = t.coupled_log_ratio if t.coupled_log_ratio is not None else [None] * results.modes
        for i in range(results.modes):
            writer.writerow([_cell(v) for v in (
                run.lr, i, s.curvature[i], s.grad_noise[i], s.curvature_noise[i], s.mean_grad[i], s.cross[i],
                run.regimes[i], run.measured_variance[-1][i], t.lower[i], t.upper[i], run.predicted_variance[-1][i],
                run.langevin_variance[-1][i], run.stationary_variance[i], t.log_ratio[i], t.growth_exponent[i],
                t.validity_error[i], fixed[i], fixed_log_ratio[i], coupled[i], coupled_log_ratio[i])])
    return buffer.getvalue()


def read_modes_csv(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The rows of a ``modes.csv`` with numbers parsed (empty cells are ``None``).

    Raises:
        ResultError: a missing column or a cell that is not a number, naming the file, line and column.
    """
    path = Path(path)
    text_columns = {"regime"}
    integer_columns = {"mode"}
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in MODE_COLUMNS if c not in (reader.fieldnames or []) and c not in LATER_COLUMNS]
        if missing:
            raise ResultError(f"'{path}': missing column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            parsed: dict[str, Any] = {}
            for column in MODE_COLUMNS:
                cell = row.get(column) or ""
                if column in text_columns:
                    parsed[column] = cell
                    continue
                try:
                    parsed[column] = None if cell == "" else int(cell) if column in integer_columns else float(cell)
                except ValueError:
                    raise ResultError(f"'{path}': line {line}, column '{column}': expected a number, found "
                                      f"{cell!r}") from None
            rows.append(parsed)
    return rows
