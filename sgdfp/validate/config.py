"""What a validation run depends on, by stage: reference point, curvature statistics, replica ensembles.

:class:`ValidationConfig` holds one config per stage (:class:`ReferenceConfig`, :class:`CurvatureConfig`,
:class:`EnsembleConfig`) and what is common to all (data size, device, seed, precision). It is recorded
whole in ``results.json``. The flat names of earlier versions (``lr``, ``reference_steps``, ``modes``,
...) still work through :meth:`ValidationConfig.with_overrides` and :meth:`ValidationConfig.from_flat`:
:data:`FLAT_FIELDS` says where each one lives now.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, replace
from typing import Any

from sgdfp.errors import InputError

__all__ = ["ReferenceConfig", "CurvatureConfig", "EnsembleConfig", "ValidationConfig", "FLAT_FIELDS", "DTYPES",
           "SAMPLING", "EIGENSOLVERS", "FRAME_MODES", "COUPLING_AUTO_LIMIT", "ensemble_optimizer"]

DTYPES = ("float64", "float32")
SAMPLING = ("with", "without")
EIGENSOLVERS = ("auto", "dense", "lanczos")
FRAME_MODES = ("auto", "on", "off")  # sgdfp.validate.moving_frame imports torch; the names live here
#: ``coupling="auto"`` measures the pairs' curvature noise up to this many modes (N m single-sample Hessian--vector
#: products and an m x m matrix per step of the closure)
COUPLING_AUTO_LIMIT = 1500


@dataclass(frozen=True)
class ReferenceConfig:
    """How the reference point is reached: SGD, then optionally full-batch gradient descent to a tolerance."""

    steps: int = 500
    lr: float = 0.1
    batch_size: int = 64
    polish_tolerance: float | None = None
    polish_max_steps: int = 20000


@dataclass(frozen=True)
class CurvatureConfig:
    r"""How the Hessian's eigenbasis and the per-mode statistics are measured.

    ``eigensolver``: ``"dense"`` (the whole Hessian), ``"lanczos"`` (the ``modes`` largest and the ``modes`` most
    negative eigenpairs from Hessian--vector products, 16 each when ``modes`` is None), or ``"auto"`` (dense up to
    ``dense_limit`` parameters when ``modes`` is None, Lanczos otherwise).

    ``moving_frame``: propagate the replicas' covariance along the mean path
    (:mod:`~sgdfp.validate.moving_frame`) -- ``"auto"`` (up to ``FRAME_AUTO_LIMIT`` = 1 500 parameters and
    ``dense_limit``), ``"on"`` (up to ``dense_limit``) or ``"off"``; ``frame_refresh``: steps between its refreshes of the path's Hessian and noise.

    ``coupling``: measure the curvature noise between every pair of measured modes,
    :math:`V_{ij} = \operatorname{Var}_B[e_i^\top H_B e_j]`, from ``coupling_samples`` random samples and predict with
    it (the coupled closure of :mod:`sgdfp.numerics.coupled` in the fixed frame, :math:`\eta^2 V s` in the moving
    frame) -- ``"auto"`` (up to ``COUPLING_AUTO_LIMIT`` = 1 500 measured modes), ``"on"`` or ``"off"``.
    """

    eigensolver: str = "auto"
    modes: int | None = None
    dense_limit: int = 3000
    curvature_samples: int | None = None
    direction_chunk: int = 32
    moving_frame: str = "auto"
    # on mnist-mlp (500 steps) refreshing every 10, 25, 50 or 100 steps gives the same error (median |log ratio|
    # 0.090-0.095, floor 0.085); 50 costs a fifth of 10 (benchmarks/bench_frame.py)
    frame_refresh: int = 50
    coupling: str = "auto"
    # 256 samples: N m single-sample Hessian-vector products, ~3 s on mnist-mlp (2 cores)
    coupling_samples: int = 256


@dataclass(frozen=True)
class EnsembleConfig:
    """The replica ensembles whose fluctuations are compared with the theory (one per learning rate).

    ``optimizer`` (``"sgd"``, ``"heavy-ball"`` or ``"nesterov"``), ``momentum`` and ``weight_decay`` say what the
    replicas run (:class:`~sgdfp.validate.optimizer.Optimizer`); they start with zero velocity.
    """

    lr: list[float] = field(default_factory=lambda: [0.05])
    batch_size: int = 64
    replicas: int = 128
    steps: int = 500
    sampling: str = "with"
    checkpoints: int = 24
    validity_replicas: int = 16
    optimizer: str = "sgd"
    momentum: float = 0.0
    weight_decay: float = 0.0


#: The flat field names of earlier versions: name -> (stage, field); stage None is the top level.
FLAT_FIELDS: dict[str, tuple[str | None, str]] = {
    "preset": (None, "preset"), "device": (None, "device"), "seed": (None, "seed"), "samples": (None, "samples"),
    "dtype": (None, "dtype"),
    "lr": ("ensemble", "lr"), "batch_size": ("ensemble", "batch_size"), "replicas": ("ensemble", "replicas"),
    "steps": ("ensemble", "steps"), "sampling": ("ensemble", "sampling"), "checkpoints": ("ensemble", "checkpoints"),
    "validity_replicas": ("ensemble", "validity_replicas"), "optimizer": ("ensemble", "optimizer"),
    "momentum": ("ensemble", "momentum"), "weight_decay": ("ensemble", "weight_decay"),
    "reference_steps": ("reference", "steps"), "reference_lr": ("reference", "lr"),
    "reference_batch_size": ("reference", "batch_size"), "polish_tolerance": ("reference", "polish_tolerance"),
    "polish_max_steps": ("reference", "polish_max_steps"),
    "eigensolver": ("curvature", "eigensolver"), "modes": ("curvature", "modes"),
    "dense_limit": ("curvature", "dense_limit"), "curvature_samples": ("curvature", "curvature_samples"),
    "direction_chunk": ("curvature", "direction_chunk"), "moving_frame": ("curvature", "moving_frame"),
    "frame_refresh": ("curvature", "frame_refresh"), "coupling": ("curvature", "coupling"),
    "coupling_samples": ("curvature", "coupling_samples"),
}


def ensemble_optimizer(ensemble: EnsembleConfig):
    """The :class:`~sgdfp.validate.optimizer.Optimizer` of an ensemble config (checked)."""
    from sgdfp.validate.optimizer import Optimizer

    return Optimizer(ensemble.optimizer, ensemble.momentum, ensemble.weight_decay)


def _integer(name: str, value, low: int, high: float = math.inf) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        bound = f"between {low} and {high}" if high != math.inf else f">= {low}"
        raise InputError(f"{name} must be an integer {bound}; got {value!r}")


def _positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InputError(f"{name} must be a positive finite number; got {value!r}")


@dataclass(frozen=True)
class ValidationConfig:
    """Everything a validation run depends on (recorded in ``results.json``).

    Args:
        preset: the preset it came from (None for a user's own model).
        reference, curvature, ensemble: the stages.
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.
        seed: fixes the model's initialisation, the reference SGD, the statistics' subsamples and the replicas.
        samples: how many samples of the data set to train and measure on.
        dtype: the model's arithmetic (``"float64"``, or ``"float32"`` for heavier models; statistics stay float64).
    """

    preset: str | None = None
    reference: ReferenceConfig = field(default_factory=ReferenceConfig)
    curvature: CurvatureConfig = field(default_factory=CurvatureConfig)
    ensemble: EnsembleConfig = field(default_factory=EnsembleConfig)
    device: str = "auto"
    seed: int = 0
    samples: int = 2048
    dtype: str = "float64"

    @classmethod
    def from_flat(cls, **flat) -> ValidationConfig:
        """A config from the flat names of :data:`FLAT_FIELDS` (the defaults elsewhere)."""
        return cls().with_overrides(**flat)

    def with_overrides(self, **flat) -> ValidationConfig:
        """A copy with fields replaced by their flat names (:data:`FLAT_FIELDS`); ``None`` values are skipped."""
        unknown = set(flat) - set(FLAT_FIELDS)
        if unknown:
            raise InputError(f"unknown configuration field(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(FLAT_FIELDS)}")
        top: dict[str, Any] = {}
        stages: dict[str, dict[str, Any]] = {}
        for name, value in flat.items():
            if value is None:  # not given (a command-line flag left out)
                continue
            stage, key = FLAT_FIELDS[name]
            if name == "lr":
                value = [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else list(value)
            if stage is None:
                top[key] = value
            else:
                stages.setdefault(stage, {})[key] = value
        staged = {stage: replace(getattr(self, stage), **values) for stage, values in stages.items()}
        return replace(self, **top, **staged)

    def flat(self) -> dict[str, Any]:
        """The config by its flat names."""
        out = {}
        for name, (stage, key) in FLAT_FIELDS.items():
            out[name] = getattr(self if stage is None else getattr(self, stage), key)
        return out

    def check(self, dataset_size: int) -> None:
        """Raise an :class:`~sgdfp.errors.InputError` (a ``ValueError``) that says what is wrong and what is allowed, before anything is computed."""
        if self.preset is not None and not isinstance(self.preset, str):
            raise InputError(f"preset must be a name or None; got {self.preset!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise InputError(f"device must be auto, cpu or cuda; got {self.device!r}")
        if self.dtype not in DTYPES:
            raise InputError(f"dtype must be one of {', '.join(DTYPES)}; got {self.dtype!r}")
        _integer("seed", self.seed, 0, 2**63 - 1)
        _integer("samples", self.samples, 1)
        samples = min(self.samples, dataset_size)
        ensemble, reference, curvature = self.ensemble, self.reference, self.curvature
        if not ensemble.lr:
            raise InputError("at least one learning rate is needed")
        for lr in ensemble.lr:
            _positive("a learning rate", lr)
        _integer("replicas", ensemble.replicas, 2)
        _integer("steps", ensemble.steps, 1)
        _integer("checkpoints", ensemble.checkpoints, 1)
        _integer("validity_replicas", ensemble.validity_replicas, 0)
        if ensemble.sampling not in SAMPLING:
            raise InputError(f"sampling must be 'with' or 'without'; got {ensemble.sampling!r}")
        if isinstance(ensemble.batch_size, bool) or not isinstance(ensemble.batch_size, int) \
                or not 1 <= ensemble.batch_size <= samples:
            raise InputError(f"batch size must be between 1 and the number of samples ({samples}); "
                             f"got {ensemble.batch_size!r}")
        ensemble_optimizer(ensemble)  # an unknown optimiser or a momentum it cannot take
        _integer("reference_steps", reference.steps, 0)
        _positive("reference_lr", reference.lr)
        _integer("reference_batch_size", reference.batch_size, 1, samples)
        if reference.polish_tolerance is not None:
            _positive("polish_tolerance", reference.polish_tolerance)
        _integer("polish_max_steps", reference.polish_max_steps, 0)
        if curvature.eigensolver not in EIGENSOLVERS:
            raise InputError(f"eigensolver must be one of {', '.join(EIGENSOLVERS)}; got {curvature.eigensolver!r}")
        if curvature.modes is not None:
            _integer("modes", curvature.modes, 1)
        if curvature.curvature_samples is not None:
            _integer("curvature_samples", curvature.curvature_samples, 2)
        _integer("direction_chunk", curvature.direction_chunk, 1)
        _integer("dense_limit", curvature.dense_limit, 1)
        if curvature.moving_frame not in FRAME_MODES:
            raise InputError(f"moving_frame must be one of {', '.join(FRAME_MODES)}; got {curvature.moving_frame!r}")
        _integer("frame_refresh", curvature.frame_refresh, 1)
        if curvature.coupling not in FRAME_MODES:
            raise InputError(f"coupling must be one of {', '.join(FRAME_MODES)}; got {curvature.coupling!r}")
        _integer("coupling_samples", curvature.coupling_samples, 2)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
