"""The presets of the published experiments: data, model, task, and their configuration.

A :class:`Preset` names a data loader, a model factory and the task, with its configuration overrides and
its own ``--quick`` reductions (on top of :data:`QUICK`). Adding a preset is adding an entry to
:data:`PRESETS` (``docs/architecture.md`` says how).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sgdfp.errors import InputError, check_bool
from sgdfp.validate.config import ValidationConfig

__all__ = ["Preset", "PRESETS", "QUICK", "preset_config"]


@dataclass(frozen=True)
class Preset:
    """A model on a data set: how to load both, the task, and the configuration (flat names) it changes."""

    data: Callable
    model: Callable
    task: str
    config: dict = field(default_factory=dict)
    quick: dict = field(default_factory=dict)
    description: str = ""


def _mnist():
    from sgdfp.validate.data import load_mnist

    return load_mnist(pool=6)


def _mnist_images():
    from sgdfp.validate.data import load_mnist

    return load_mnist(pool=None)


def _cnn():
    from sgdfp.validate.models import CNN

    return CNN()


def _digits():
    from sgdfp.validate.data import load_digits

    return load_digits()


def _pydoc_text():
    from sgdfp.validate.data import load_text

    return load_text("pydoc", sequences=2048, context=16)


def _mlp(inputs: int):
    def build():
        from sgdfp.validate.models import MLP

        return MLP(inputs, 8, 10)
    return build


def _char_transformer():
    from sgdfp.validate.models import CharTransformer

    return CharTransformer(30, 8, 16)


PRESETS: dict[str, Preset] = {
    "mnist-mlp": Preset(_mnist, _mlp(36), "classification",
                        description="MLP 36 -> 8 SiLU -> 10 on 6x6-pooled MNIST (386 parameters)"),
    "mnist-mlp-critical": Preset(_mnist, _mlp(36), "classification", {"polish_tolerance": 5e-3},
                                 description="the same, polished by gradient descent to |grad L| <= 5e-3"),
    "digits-mlp": Preset(_digits, _mlp(64), "classification", {"samples": 1797},
                         description="MLP 64 -> 8 SiLU -> 10 on scikit-learn's 8x8 digits"),
    "char-transformer": Preset(_pydoc_text, _char_transformer, "next-token",
                               # the moving frame refreshed every 100 steps: 0.094 against 0.136 every 250 (floor
                               # 0.085); each refresh is a 48 s dense Hessian on 2 cores
                               {"reference_steps": 1500, "reference_lr": 0.5, "curvature_samples": 512,
                                "direction_chunk": 16, "dtype": "float32", "frame_refresh": 100},
                               {"samples": 512, "curvature_samples": 128},
                               description="one-layer one-head character transformer on Python's documentation "
                                           "(1 072 parameters, float32)"),
    # ~10^5 parameters: above dense_limit, so "auto" takes Lanczos at both ends of the spectrum, and the
    # statistics are projected chunk by chunk (sgdfp.validate.projections); curvature passes one direction pair
    # at a time keep the vectorised activations small
    "mnist-cnn": Preset(_mnist_images, _cnn, "classification",
                        {"modes": 16, "curvature_samples": 1024, "direction_chunk": 2},
                        {"samples": 256, "modes": 8, "curvature_samples": 256},
                        description="CNN (two 3x3 convolutions, 128 hidden) on the 28x28 MNIST images "
                                    "(103 018 parameters, matrix-free)"),
}
# float32 halves the memory traffic of the heavier models; the eigendecomposition and every statistic
# are still computed in float64 (see mode_statistics).

#: What ``--quick`` reduces for every preset (a value is an upper bound).
QUICK = {"replicas": 32, "steps": 100, "reference_steps": 200, "samples": 1024, "checkpoints": 12}


def preset_config(name: str, quick: bool = False, **overrides) -> ValidationConfig:
    """The configuration of a preset, with ``--quick`` reductions and explicit overrides (flat names) applied."""
    if name not in PRESETS:
        raise InputError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    preset = PRESETS[name]
    quick = check_bool("quick", quick)
    config = ValidationConfig(preset=name).with_overrides(**preset.config)
    if quick:  # the common reductions, then the preset's own (its heavy parts)
        flat = config.flat()
        config = config.with_overrides(**{k: min(v, flat[k]) for k, v in QUICK.items()})
        config = config.with_overrides(**preset.quick)
    return config.with_overrides(**overrides)



