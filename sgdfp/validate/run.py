"""The validation pipeline: reference point -> eigenbasis and per-mode statistics -> replica ensembles ->
predictions (through :mod:`sgdfp.numerics`) -> comparison -> typed results, result files and figures.

Presets follow the published experiments (:mod:`~sgdfp.validate.presets`); :func:`run_validation` also takes
a user's own module, loss and dataset.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from sgdfp.errors import InputError, check_bool, check_instance
from sgdfp.files import atomic_directory
from sgdfp.validate.compare import summarise
from sgdfp.validate.config import COUPLING_AUTO_LIMIT, ValidationConfig, ensemble_optimizer
from sgdfp.validate.data import Dataset
from sgdfp.validate.diffusion import diffusion_scaling, flat_mode_diffusion
from sgdfp.validate.eigensolvers import get_eigensolver
from sgdfp.validate.ensemble import DivergenceBounds, run_ensemble
from sgdfp.validate.functional import FlatModel
from sgdfp.validate.moving_frame import frame_applies, moving_frame
from sgdfp.validate.null import null_directions
from sgdfp.validate.observables import measure_observables
from sgdfp.validate.presets import PRESETS, preset_config
from sgdfp.validate.reference import reference_point
from sgdfp.validate.results import (
    DatasetInfo,
    DivergenceRecord,
    ModelInfo,
    RunResult,
    StatisticsRecord,
    ValidationResults,
)
from sgdfp.validate.statistics import mode_statistics
from sgdfp.validate.validity import validity_error

__all__ = ["run_validation", "write_results", "json_summary", "resolve_device", "preset_config", "PRESETS",
           "ValidationConfig"]

RESULTS = "a sgdfp.validate.ValidationResults (from run_validation or ValidationResults.read)"
DTYPES = {"float64": torch.float64, "float32": torch.float32}
# A replica is diverged beyond these multiples of the reference loss and of the theory's spread (see bounds()).
DIVERGENCE_LOSS_FACTOR = 1e3
DIVERGENCE_SPREAD_FACTOR = 1e3


def divergence_bounds(reference_loss: float | None, predicted_final: np.ndarray) -> DivergenceBounds:
    """The bounds beyond which a replica counts as diverged: a minibatch loss above
    ``DIVERGENCE_LOSS_FACTOR`` times the reference loss (at least that many nats above it), and a distance from the
    reference point above ``DIVERGENCE_SPREAD_FACTOR`` times the spread the theory predicts at the end,
    sqrt(sum of the finite predicted variances). A missing scale leaves that bound infinite."""
    loss = np.inf
    if reference_loss is not None and np.isfinite(reference_loss):
        loss = max(DIVERGENCE_LOSS_FACTOR * reference_loss, reference_loss + DIVERGENCE_LOSS_FACTOR)
    finite = predicted_final[np.isfinite(predicted_final) & (predicted_final > 0)]
    spread = float(np.sqrt(finite.sum())) if finite.size else 0.0
    displacement = DIVERGENCE_SPREAD_FACTOR * spread if spread > 0 and np.isfinite(spread) else np.inf
    return DivergenceBounds(loss=float(loss), displacement=float(displacement))


def resolve_device(device: str) -> torch.device:
    """``auto``: CUDA when torch sees a GPU; ``cuda`` insists on one."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda was asked for but no CUDA device is available")
    if device not in ("cpu", "cuda"):
        raise InputError(f"device must be auto, cpu or cuda; got {device!r}")
    return torch.device(device)


def _versions() -> dict[str, str]:
    import sympy

    return {"python": platform.python_version(), "torch": torch.__version__, "sympy": sympy.__version__,
            "numpy": np.__version__, "platform": platform.platform()}


def _mean_displacement(ensemble) -> float:
    """Median over modes of the ensemble's mean displacement at the end, in units of its spread."""
    spread = np.sqrt(np.maximum(ensemble.variance[-1], 1e-300))
    return float(np.median(np.abs(ensemble.mean[-1]) / spread))


def _explain_divergence(summary, ensemble, checkpoints) -> None:
    """Every undefined metric of a run whose replicas all diverged gets that as its reason."""
    import dataclasses
    import math

    dead = next((int(k) for k, live in zip(checkpoints, ensemble.live) if live < 2), None)
    reason = (f"{ensemble.diverged} of {ensemble.replicas} replicas diverged (fewer than 2 left"
              + (f" from step {dead})" if dead is not None else ")"))
    for field in dataclasses.fields(summary):
        value = getattr(summary, field.name)
        if value is None or isinstance(value, float) and not math.isfinite(value):
            summary.undefined[field.name] = reason


def _noise_change(end: np.ndarray, start: np.ndarray, null: np.ndarray) -> float | None:
    """Median over the modes with noise of |log(D at the end of the mean path / D at the reference point)|."""
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.abs(np.log(end / start))[~null]
    change = change[np.isfinite(change)]
    return float(np.median(change)) if change.size else None


def _stationarity(summary, observables) -> None:
    """The run-level numbers of :func:`~sgdfp.validate.observables.measure_observables` into the summary."""
    found = observables.summary
    summary.fdr_confined_modes = found.fdr_confined_modes
    summary.fdr_consistent_fraction, summary.fdr_median_abs_deviation = (found.fdr_consistent_fraction,
                                                                         found.fdr_median_abs_deviation)
    summary.fdr_flagged_fraction_other, summary.msd_median_abs_log = (found.fdr_flagged_fraction_other,
                                                                      found.msd_median_abs_log)
    summary.msd_exponent_by_regime = dict(found.exponent_median)
    summary.msd_exponent_predicted_by_regime = dict(found.exponent_predicted_median)
    for key in ("fdr_consistent_fraction", "fdr_median_abs_deviation", "fdr_flagged_fraction_other",
                "msd_median_abs_log"):
        if getattr(summary, key) is None and key in found.undefined:
            summary.undefined[key] = found.undefined[key]


def _with_moving_frame(curvature, parameters: int) -> bool:
    """Whether the run predicts with the moving frame (``curvature.moving_frame``: auto, on, off)."""
    if curvature.moving_frame == "on" and not frame_applies(parameters, curvature.dense_limit, automatic=False):
        raise InputError(f"the moving frame holds dense {parameters} x {parameters} Hessians, beyond dense_limit "
                         f"{curvature.dense_limit}; raise --dense-limit to insist, or leave --moving-frame auto")
    return curvature.moving_frame == "on" or curvature.moving_frame == "auto" and frame_applies(
        parameters, curvature.dense_limit)


def run_validation(config: ValidationConfig, module: torch.nn.Module | None = None, dataset: Dataset | None = None,
                   loss=None, task: str | None = None, progress: bool = False, shard=None) -> ValidationResults:
    """Run the whole pipeline on a preset (``config.preset``) or on a user's ``module`` and ``dataset``.

    ``shard`` (a :class:`sgdfp.validate.distributed.Shard`) runs this process's part of a distributed run: its
    device, rank 0's reference point and eigenvectors, its block of the replicas, the moments reduced over the
    ranks (every rank returns the same moments).

    Raises:
        TypeError: an argument of the wrong kind (``module`` and ``loss`` are checked by :class:`FlatModel`).
        ValueError: a bad configuration (before anything is computed), an unknown preset, no model.
    """
    check_instance("config", config, ValidationConfig,
                   "a sgdfp.validate.ValidationConfig (preset_config(name) or ValidationConfig(...))")
    if dataset is not None:
        check_instance("dataset", dataset, Dataset, "a sgdfp.validate.Dataset, or None for the preset's data")
    progress = check_bool("progress", progress)
    if shard is not None:
        from sgdfp.validate.distributed import Shard

        check_instance("shard", shard, Shard, "a sgdfp.validate.distributed.Shard (from sharded()), or None")
    start = time.perf_counter()
    device = resolve_device(config.device) if shard is None else shard.device
    torch.manual_seed(config.seed)  # the model's initialisation too
    if module is None or dataset is None:
        if config.preset is None:
            raise InputError("give a preset name in the configuration, or a module and a dataset")
        if config.preset not in PRESETS:
            raise InputError(f"unknown preset {config.preset!r}; choose one of {', '.join(PRESETS)}")
        preset = PRESETS[config.preset]
        dataset = dataset or preset.data()
        module = module or preset.model()
        task = task or preset.task
    config.check(len(dataset))
    data = dataset.subset(min(config.samples, len(dataset)))
    inputs, targets = data.inputs.to(device), data.targets.to(device)
    dtype = DTYPES[config.dtype]
    if inputs.is_floating_point():
        inputs = inputs.to(dtype)
    model = FlatModel(module, task=task or data.task, loss=loss, dtype=dtype, device=device)
    generator = torch.Generator(device=device)
    generator.manual_seed(config.seed)
    optimizer = ensemble_optimizer(config.ensemble)
    theta, reference = reference_point(model, inputs, targets, config.reference, generator, optimizer.weight_decay)
    stats_start = time.perf_counter()
    curvature = config.curvature
    solver = get_eigensolver(curvature.eigensolver, model.num_parameters, curvature.modes, curvature.dense_limit,
                             config.seed)
    stats = mode_statistics(model, theta, inputs, targets, config.ensemble.batch_size, config.ensemble.sampling,
                            seed=config.seed, curvature_samples=curvature.curvature_samples,
                            direction_chunk=curvature.direction_chunk, eigensolver=solver,
                            coupling_samples=None if curvature.coupling == "off" else curvature.coupling_samples,
                            coupling_limit=COUPLING_AUTO_LIMIT if curvature.coupling == "auto" else None)
    statistics_seconds = time.perf_counter() - stats_start
    if shard is not None:  # every rank projects on rank 0's basis, from rank 0's reference point
        theta, stats.eigenvectors = shard.broadcast(theta), shard.broadcast(stats.eigenvectors)
    ensemble_config = config.ensemble
    checkpoints = np.unique(np.concatenate([[0], np.geomspace(1, ensemble_config.steps,
                                                              ensemble_config.checkpoints).astype(int)]))
    projection = (theta.detach().to(stats.eigenvectors.dtype) @ stats.eigenvectors).cpu().numpy() \
        if optimizer.weight_decay else None
    with_frame = _with_moving_frame(curvature, model.num_parameters)
    null = null_directions(stats.grad_noise, stats.curvature_noise)
    runs = []
    for index, lr in enumerate(ensemble_config.lr):
        theory = optimizer.predict(stats, lr, checkpoints, ensemble_config.steps, projection)
        coupled = optimizer.predict_coupled(stats, lr, checkpoints, projection)
        frame = moving_frame(model, theta, inputs, targets, stats, lr, checkpoints, curvature.frame_refresh,
                             optimizer, progress) if with_frame else None
        overflowed = frame is not None and frame.overflowed
        # the most complete theory that applies: the frame (coupled where V was measured) unless its linearisation
        # blew up, else the coupled closure unless it overflowed, else the per-mode theory
        headline = frame if frame is not None and not overflowed else None
        closure_headline = headline is None and coupled is not None and bool(np.isfinite(coupled[-1]).all())
        prediction = "moving-frame" if headline is not None else "coupled" if closure_headline else "fixed-frame"
        predicted = (headline.variance if headline is not None else coupled if closure_headline
                     else theory.variance)
        bounds = divergence_bounds(reference.loss, predicted[-1])
        ensemble_start = time.perf_counter()
        ensemble = (run_ensemble if shard is None else shard.run_ensemble)(
            model, theta, inputs, targets, stats.eigenvectors, lr, ensemble_config.batch_size,
            ensemble_config.replicas, ensemble_config.steps, checkpoints, ensemble_config.sampling,
            seed=config.seed + 1 + index, progress=progress, keep_final=ensemble_config.validity_replicas,
            bounds=bounds, optimizer=optimizer)
        ensemble_seconds = time.perf_counter() - ensemble_start
        validity_start = time.perf_counter()
        validity = validity_error(model, theta, stats, ensemble.final_positions, inputs, targets)
        validity_seconds = time.perf_counter() - validity_start
        langevin, stationary, regimes = theory.langevin, theory.stationary, theory.regimes
        effective = theory.effective_sgd
        summary, table = summarise(stats.curvature, lr, checkpoints[1:], ensemble.variance[1:], predicted[1:],
                                   langevin[1:], stationary, regimes, ensemble.live[1:], validity,
                                   effective_sgd=None if effective is None else effective[1:],
                                   fixed_frame=None if prediction == "fixed-frame" else theory.variance[1:],
                                   measured_mean=ensemble.mean[1:],
                                   predicted_mean=None if headline is None else headline.mean[1:], null=null,
                                   coupled=None if coupled is None else coupled[1:], prediction=prediction)
        if frame is not None:
            summary.frame_refresh, summary.frame_seconds, summary.frame_overflowed = (frame.refresh, frame.seconds,
                                                                                     overflowed)
            summary.noise_change_median_abs_log = _noise_change(frame.noise_end, stats.grad_noise, null)
        summary.diverged_replicas = int(ensemble.diverged)
        if ensemble.live[-1] < 2:  # the real reason every statistic is undefined
            _explain_divergence(summary, ensemble, checkpoints)
        summary.ensemble_seconds, summary.validity_seconds = ensemble_seconds, validity_seconds
        summary.mean_displacement_over_spread = _mean_displacement(ensemble)
        _stationarity(summary, measure_observables(ensemble, stats, lr, optimizer=optimizer,
                                                   reference_projection=projection))
        runs.append(RunResult(lr=lr, summary=summary, steps=checkpoints.tolist(),
                              measured_variance=ensemble.variance.tolist(), predicted_variance=predicted.tolist(),
                              langevin_variance=langevin.tolist(), stationary_variance=stationary.tolist(),
                              effective_sgd_variance=None if effective is None else effective.tolist(),
                              fixed_frame_variance=theory.variance.tolist(), measured_mean=ensemble.mean.tolist(),
                              predicted_mean=None if headline is None else headline.mean.tolist(),
                              coupled_variance=None if coupled is None else coupled.tolist(),
                              regimes=regimes, table=table, live_replicas=ensemble.live.tolist(),
                              divergence=DivergenceRecord(bounds.loss, bounds.displacement, ensemble.diverged_by)))
    flat_mode_diffusion(runs, stats.curvature, stats.grad_noise, optimizer)
    statistics = StatisticsRecord(
        method=stats.method, minibatch_factor=stats.factor, grad_noise_offdiagonal=stats.grad_noise_offdiagonal,
        curvature_noise_offdiagonal=stats.curvature_noise_offdiagonal,
        curvature_consistency=stats.curvature_consistency, seconds=statistics_seconds,
        residuals=None if stats.residuals is None else stats.residuals.tolist(), coupling_samples=stats.coupling_samples,
        **{key: value.tolist() for key, value in stats.as_dict().items()})
    return ValidationResults(
        config=config, device=str(device), reference=reference,
        dataset=DatasetInfo(data.name, data.source, len(data), dict(data.meta)),
        model=ModelInfo(type(module).__name__, model.num_parameters, model.task), statistics=statistics,
        runs=runs, scaling=diffusion_scaling(runs), versions=_versions(), wall_seconds=time.perf_counter() - start)


def write_results(results: ValidationResults, out: str | os.PathLike, force: bool = False,
                  figures: bool = True) -> Path:
    """Write ``results.json``, ``modes.csv`` and the figures into ``out``, atomically.

    Everything goes to a temporary directory beside ``out`` first and is renamed into place, so an
    interrupted run leaves nothing half written.

    Raises:
        TypeError: ``results`` is no :class:`ValidationResults`; ``force`` or ``figures`` is not a bool.
        ValueError: ``out`` exists and ``force`` is false.
    """
    check_instance("results", results, ValidationResults, RESULTS)
    force, figures = check_bool("force", force), check_bool("figures", figures)
    with atomic_directory(out, force, kind="validate") as staging:
        results.write(staging)
        if figures:
            from sgdfp.validate.plots import draw_figures

            draw_figures(results, staging)
    return Path(out)


def json_summary(results: ValidationResults) -> dict:
    """The ``--json`` summary: one object with the contract keys (strict JSON: NaN is ``null``)."""
    from sgdfp.validate.typed_json import to_json

    check_instance("results", results, ValidationResults, RESULTS)
    runs = results.runs
    several = len(runs) > 1
    ensemble = results.config.ensemble
    summaries = [to_json(r.summary) for r in runs]
    return {
        "preset": results.config.preset, "lr": [r.lr for r in runs] if several else runs[0].lr,
        "batch_size": ensemble.batch_size, "replicas": ensemble.replicas, "steps": ensemble.steps,
        "sampling": ensemble.sampling, "seed": results.config.seed, "device": results.device,
        "wall_seconds": results.wall_seconds, "reference": to_json(results.reference),
        "summary": summaries if several else summaries[0],
        "scaling": to_json(results.scaling) if results.scaling is not None else None,
    }
