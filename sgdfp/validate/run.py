"""The validation pipeline: reference point -> curvature and noise statistics -> replica ensembles ->
predictions (through :mod:`sgdfp.numerics`) -> comparison -> result files and figures.

Presets follow the published experiments; :func:`run_validation` also takes a user's own module,
loss and dataset.
"""

from __future__ import annotations

import json
import os
import platform
import time
from functools import lru_cache
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from sgdfp.derive import Mode
from sgdfp.files import atomic_directory
from sgdfp.numerics import mode_functions
from sgdfp.validate.compare import summarise
from sgdfp.validate.data import Dataset, load_digits, load_mnist, load_text
from sgdfp.validate.ensemble import run_ensemble
from sgdfp.validate.functional import FlatModel
from sgdfp.validate.models import MLP, CharTransformer
from sgdfp.validate.statistics import mode_statistics

__all__ = ["ValidationConfig", "PRESETS", "run_validation", "write_results", "resolve_device"]


@dataclass
class ValidationConfig:
    """Everything a validation run depends on (recorded in ``results.json``)."""

    preset: str
    lr: list = field(default_factory=lambda: [0.05])
    batch_size: int = 64
    replicas: int = 128
    steps: int = 500
    sampling: str = "with"
    device: str = "auto"
    seed: int = 0
    samples: int = 2048
    reference_steps: int = 500
    reference_lr: float = 0.1
    reference_batch_size: int = 64
    polish_tolerance: float | None = None
    polish_max_steps: int = 20000
    checkpoints: int = 24
    modes: int | None = None
    curvature_samples: int | None = None
    direction_chunk: int = 32
    validity_replicas: int = 16
    dtype: str = "float64"


def _mnist():
    return load_mnist(pool=6)


PRESETS = {
    "mnist-mlp": dict(data=_mnist, model=lambda: MLP(36, 8, 10), task="classification", config={}),
    "mnist-mlp-critical": dict(data=_mnist, model=lambda: MLP(36, 8, 10), task="classification",
                               config={"polish_tolerance": 5e-3}),
    "digits-mlp": dict(data=load_digits, model=lambda: MLP(64, 8, 10), task="classification",
                       config={"samples": 1797}),
    "char-transformer": dict(data=lambda: load_text("pydoc", sequences=2048, context=16),
                             model=lambda: CharTransformer(30, 8, 16), task="next-token",
                             config={"reference_steps": 1500, "reference_lr": 0.5, "curvature_samples": 512,
                                     "direction_chunk": 16, "dtype": "float32"},
                             quick={"samples": 512, "curvature_samples": 128}),
}
# float32 halves the memory traffic of the heavier models; the eigendecomposition and every statistic
# are still computed in float64 (see mode_statistics).
DTYPES = {"float64": torch.float64, "float32": torch.float32}
QUICK = {"replicas": 32, "steps": 100, "reference_steps": 200, "samples": 1024, "checkpoints": 12}


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for but no CUDA device is available")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda; got {device!r}")
    return torch.device(device)


def preset_config(name: str, quick: bool = False, **overrides) -> ValidationConfig:
    """The configuration of a preset, with ``--quick`` reductions and explicit overrides applied."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    config = ValidationConfig(preset=name, **PRESETS[name]["config"])
    if quick:  # the common reductions, then the preset's own (its heavy parts)
        config = replace(config, **{k: min(v, getattr(config, k)) for k, v in QUICK.items()})
        config = replace(config, **PRESETS[name].get("quick", {}))
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})


def _check(config: ValidationConfig, dataset: Dataset) -> None:
    if not config.lr or any(not (isinstance(lr, (int, float)) and lr > 0) for lr in config.lr):
        raise ValueError(f"learning rates must be positive numbers; got {config.lr}")
    if config.replicas < 2:
        raise ValueError(f"at least 2 replicas are needed for a variance; got {config.replicas}")
    if config.steps < 1:
        raise ValueError(f"steps must be positive; got {config.steps}")
    if config.dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}; got {config.dtype!r}")
    if config.sampling not in ("with", "without"):
        raise ValueError(f"sampling must be 'with' or 'without'; got {config.sampling!r}")
    if not 1 <= config.batch_size <= min(config.samples, len(dataset)):
        raise ValueError(f"batch size must be between 1 and the number of samples ({min(config.samples, len(dataset))})")


def reference_point(model: FlatModel, inputs, targets, config: ValidationConfig, generator) -> tuple:
    """SGD to near a minimum, then (optionally) full-batch gradient descent until ||grad L|| <= tolerance."""
    theta = model.theta0.clone()
    step = torch.func.grad(model.loss)
    for _ in range(config.reference_steps):
        index = torch.randint(inputs.shape[0], (config.reference_batch_size,), generator=generator,
                              device=inputs.device)
        theta = theta - config.reference_lr * step(theta, inputs[index], targets[index])
    polish = {"steps": 0, "converged": None}
    if config.polish_tolerance is not None:
        for k in range(config.polish_max_steps):
            _, gradient = model.full_loss_and_gradient(theta, inputs, targets)
            if float(gradient.norm()) <= config.polish_tolerance:
                polish = {"steps": k, "converged": True}
                break
            theta = theta - config.reference_lr * gradient
        else:
            polish = {"steps": config.polish_max_steps, "converged": False}
    loss, gradient = model.full_loss_and_gradient(theta, inputs, targets)
    return theta, {"loss": loss, "grad_norm": float(gradient.norm()), "polish": polish}


def _regimes(stats, lr, horizon):
    return [Mode.from_estimates(stats.curvature[i], stats.grad_noise[i], lr, stats.curvature_noise[i],
                                stats.mean_grad[i], stats.cross[i]).regime(horizon=horizon)
            for i in range(len(stats.curvature))]


def run_validation(config: ValidationConfig, module: torch.nn.Module | None = None, dataset: Dataset | None = None,
                   loss=None, task: str | None = None, progress: bool = False) -> dict:
    """Run the whole pipeline; returns the results dictionary (see :func:`write_results`)."""
    start = time.perf_counter()
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    if module is None or dataset is None:
        preset = PRESETS[config.preset]
        dataset = dataset or preset["data"]()
        module = module or preset["model"]()
        task = task or preset["task"]
    _check(config, dataset)
    data = dataset.subset(min(config.samples, len(dataset)))
    inputs, targets = data.inputs.to(device), data.targets.to(device)
    dtype = DTYPES[config.dtype]
    if inputs.is_floating_point():
        inputs = inputs.to(dtype)
    model = FlatModel(module, task=task or data.task, loss=loss, dtype=dtype, device=device)
    generator = torch.Generator(device=device)
    generator.manual_seed(config.seed)
    theta, reference = reference_point(model, inputs, targets, config, generator)
    stats_start = time.perf_counter()
    stats = mode_statistics(model, theta, inputs, targets, config.batch_size, config.sampling, modes=config.modes,
                            seed=config.seed, curvature_samples=config.curvature_samples,
                            direction_chunk=config.direction_chunk)
    statistics_seconds = time.perf_counter() - stats_start
    checkpoints = np.unique(np.concatenate([[0], np.geomspace(1, config.steps, config.checkpoints).astype(int)]))
    functions = mode_functions("numpy")
    params = dict(curvature_noise=stats.curvature_noise, mean_grad=stats.mean_grad, cross=stats.cross)
    runs = []
    for index, lr in enumerate(config.lr):
        ensemble_start = time.perf_counter()
        ensemble = run_ensemble(model, theta, inputs, targets, stats.eigenvectors, lr, config.batch_size,
                                config.replicas, config.steps, checkpoints, config.sampling,
                                seed=config.seed + 1 + index, progress=progress, keep_final=config.validity_replicas)
        ensemble_seconds = time.perf_counter() - ensemble_start
        validity_start = time.perf_counter()
        validity = _validity_error(model, theta, stats, ensemble.final_positions, inputs, targets)
        validity_seconds = time.perf_counter() - validity_start
        k = checkpoints[:, None]
        predicted = functions.variance(stats.curvature, stats.grad_noise, lr, k, **params)
        langevin = functions.langevin_variance(stats.curvature, stats.grad_noise, lr, k, **params)
        stationary = functions.stationary_variance(stats.curvature, stats.grad_noise, lr, **params)
        regimes = _regimes(stats, lr, config.steps)
        measured_steps = checkpoints[1:]  # step 0 has zero variance by construction
        summary, table = summarise(stats.curvature, lr, measured_steps, ensemble.variance[1:], predicted[1:],
                                   langevin[1:], stationary, regimes, ensemble.live[1:], validity)
        summary.update(diverged_replicas=int(ensemble.diverged), ensemble_seconds=ensemble_seconds,
                       validity_seconds=validity_seconds, mean_displacement_over_spread=_mean_displacement(ensemble))
        runs.append({"lr": lr, "summary": summary, "steps": checkpoints.tolist(),
                     "measured_variance": ensemble.variance.tolist(), "predicted_variance": predicted.tolist(),
                     "langevin_variance": langevin.tolist(), "stationary_variance": stationary.tolist(),
                     "regimes": regimes, "table": {key: np.asarray(v).tolist() for key, v in table.items()}})
    _diffusion(runs, stats)
    results = {
        "config": asdict(config), "device": str(device), "reference": reference,
        "dataset": {"name": data.name, "source": data.source, "samples": len(data), **data.meta},
        "model": {"class": type(module).__name__, "parameters": model.num_parameters, "task": model.task},
        "statistics": {"method": stats.method, "minibatch_factor": stats.factor,
                       "grad_noise_offdiagonal": stats.grad_noise_offdiagonal,
                       "curvature_noise_offdiagonal": stats.curvature_noise_offdiagonal,
                       "curvature_consistency": stats.curvature_consistency, "seconds": statistics_seconds,
                       **{key: value.tolist() for key, value in stats.as_dict().items()}},
        "runs": runs, "scaling": _scaling(runs) if len(runs) > 1 else None,
        "versions": _versions(), "wall_seconds": time.perf_counter() - start,
    }
    return results


@lru_cache(maxsize=None)
def _diffusion_function():
    """The flat-mode diffusion coefficient per unit time, derived by Mode and compiled."""
    from sgdfp.derive.modes import D, eta, lam
    from sgdfp.numerics import compile

    return compile(Mode(lam, D, eta).diffusion_coefficient().per_time, [lam, D, eta])


def _diffusion(runs, stats) -> None:
    """Measured and predicted diffusion coefficients of the flat modes (diffusive at every eta of the
    sweep, with gradient noise): per mode, half the slope of the variance against t = eta k over the
    second half of the run; summarised by their geometric mean."""
    flat = np.all([np.asarray(r["regimes"]) == "diffusive" for r in runs], axis=0) & (stats.grad_noise > 0)
    for run in runs:
        lr = run["lr"]
        steps = np.asarray(run["steps"])[1:]
        variance = np.asarray(run["measured_variance"])[1:]
        late = steps >= steps[-1] / 2
        t = lr * steps[late].astype(float)
        measured = np.array([np.polyfit(t, variance[late, i], 1)[0] / 2 for i in np.flatnonzero(flat)])
        predicted = _diffusion_function()(stats.curvature[flat], stats.grad_noise[flat], lr)
        good = measured > 0
        run["summary"].update(
            flat_modes=int(flat.sum()),
            diffusion_coefficient_measured=float(np.exp(np.mean(np.log(measured[good])))) if good.any() else None,
            diffusion_coefficient_predicted=float(np.exp(np.mean(np.log(predicted[good])))) if good.any() else None)


def _mean_displacement(ensemble) -> float:
    """Median over modes of the ensemble's mean displacement at the end, in units of its spread."""
    spread = np.sqrt(np.maximum(ensemble.variance[-1], 1e-300))
    return float(np.median(np.abs(ensemble.mean[-1]) / spread))


def _validity_error(model, theta, stats, positions, inputs, targets) -> np.ndarray:
    r"""Per mode, how far the run has left the local quadratic theory (NaN when not measured).

    The quadratic theory says the full-batch gradient at a replica's position :math:`\theta^* + x` is
    :math:`\bar g + Hx`, so along mode :math:`i` it is :math:`\bar g_i + \lambda_i y_i`. At the end of
    the run the gradient is measured at a few replicas; what it has beyond that line -- third-order
    terms, the curvature changing along the way, stiff modes' fluctuations pushing flat ones --
    differs from replica to replica and acts on the mode like extra gradient noise. Its variance over
    the replicas, relative to the gradient noise :math:`D_i` the prediction uses, changes the predicted
    variance by about :math:`\log(1 + \mathrm{Var}_r/D_i)`, which is returned.
    """
    error = np.full(len(stats.curvature), np.nan)
    if positions is None or positions.shape[0] < 2:
        return error
    vectors = stats.eigenvectors
    gradients = torch.stack([model.full_loss_and_gradient(point, inputs, targets)[1] for point in positions])
    along = (gradients.to(vectors.dtype) @ vectors).cpu().numpy()                     # (replicas, modes)
    displacement = ((positions - theta).to(vectors.dtype) @ vectors).cpu().numpy()
    residual = along - stats.mean_grad - stats.curvature * displacement
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.var(residual, axis=0, ddof=1) / stats.grad_noise
    measured = stats.grad_noise > 0
    error[measured] = np.log1p(ratio[measured])
    return error


def _scaling(runs) -> dict:
    """Fitted exponent of the flat-mode diffusion coefficient against eta, with a 95 % interval."""
    from scipy import stats as scipy_stats

    pairs = [(r["lr"], r["summary"]["diffusion_coefficient_measured"]) for r in runs
             if r["summary"]["diffusion_coefficient_measured"] and r["summary"]["diffusion_coefficient_measured"] > 0]
    if len(pairs) < 2:
        return {"exponent": None, "interval": None, "points": pairs}
    x, y = np.log([p[0] for p in pairs]), np.log([p[1] for p in pairs])
    fit = scipy_stats.linregress(x, y)
    if len(pairs) > 2:
        half = scipy_stats.t.ppf(0.975, len(pairs) - 2) * fit.stderr
        interval = [float(fit.slope - half), float(fit.slope + half)]
    else:
        interval = None
    return {"exponent": float(fit.slope), "interval": interval, "points": pairs}


def _versions() -> dict:
    import sympy

    return {"python": platform.python_version(), "torch": torch.__version__, "sympy": sympy.__version__,
            "numpy": np.__version__, "platform": platform.platform()}


def write_results(results: dict, out: str | os.PathLike, force: bool = False, figures: bool = True) -> Path:
    """Write ``results.json``, ``modes.csv`` and the figures into ``out``, atomically.

    Everything goes to a temporary directory beside ``out`` first and is renamed into place, so an
    interrupted run leaves nothing half written.

    Raises:
        ValueError: ``out`` exists and ``force`` is false.
    """
    with atomic_directory(out, force) as staging:
        with open(staging / "results.json", "w") as handle:
            json.dump(results, handle, indent=1, default=_json_default)
        _write_csv(results, staging / "modes.csv")
        if figures:
            from sgdfp.validate.plots import draw_figures

            draw_figures(results, staging)
    return Path(out)


def _json_default(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _write_csv(results: dict, path: Path) -> None:
    stats = results["statistics"]
    columns = ["lr", "mode", "curvature", "grad_noise", "curvature_noise", "mean_grad", "cross", "regime",
               "measured_variance", "lower", "upper", "predicted_variance", "langevin_variance",
               "stationary_variance", "log_ratio", "growth_exponent", "validity_error"]
    lines = [",".join(columns)]
    for run in results["runs"]:
        for i in range(len(stats["curvature"])):
            row = [run["lr"], i, stats["curvature"][i], stats["grad_noise"][i], stats["curvature_noise"][i],
                   stats["mean_grad"][i], stats["cross"][i], run["regimes"][i], run["measured_variance"][-1][i],
                   run["table"]["lower"][i], run["table"]["upper"][i], run["predicted_variance"][-1][i],
                   run["langevin_variance"][-1][i], run["stationary_variance"][i], run["table"]["log_ratio"][i],
                   run["table"]["growth_exponent"][i], run["table"]["validity_error"][i]]
            lines.append(",".join(str(v) for v in row))
    path.write_text("\n".join(lines) + "\n")


def json_summary(results: dict) -> dict:
    """The ``--json`` summary: one object with the contract keys."""
    config, runs = results["config"], results["runs"]
    several = len(runs) > 1
    return {
        "preset": config["preset"], "lr": [r["lr"] for r in runs] if several else runs[0]["lr"],
        "batch_size": config["batch_size"], "replicas": config["replicas"], "steps": config["steps"],
        "sampling": config["sampling"], "seed": config["seed"], "device": results["device"],
        "wall_seconds": results["wall_seconds"], "reference": results["reference"],
        "summary": [r["summary"] for r in runs] if several else runs[0]["summary"],
        "scaling": results["scaling"],
    }
