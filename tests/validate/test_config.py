"""Configuration by stage: the flat names of earlier versions, presets and --quick, clear errors."""

import dataclasses

import pytest

from sgdfp.errors import InputError
from sgdfp.validate.config import FLAT_FIELDS, ValidationConfig
from sgdfp.validate.presets import PRESETS, QUICK, preset_config


def test_every_flat_name_reaches_its_stage_and_back():
    values = {name: (f"{name}" if isinstance(value, str) else value)
              for name, value in ValidationConfig().flat().items()}
    changed = {name: ([0.3, 0.7] if name == "lr" else "cpu" if name == "device" else "without"
                      if name == "sampling" else "lanczos" if name == "eigensolver" else "float32"
                      if name == "dtype" else "p" if name == "preset" else 0.5 if isinstance(value, float)
                      else 7 if isinstance(value, int) else 11)
               for name, value in values.items()}
    config = ValidationConfig.from_flat(**changed)
    assert config.flat() == changed
    for name, (stage, key) in FLAT_FIELDS.items():
        holder = config if stage is None else getattr(config, stage)
        assert getattr(holder, key) == changed[name], name
    assert ValidationConfig.from_flat(lr=0.2).ensemble.lr == [0.2]


def test_unknown_names_and_bad_values_are_clear_errors():
    with pytest.raises(ValueError, match="unknown configuration field.*learning_rate"):
        ValidationConfig.from_flat(learning_rate=0.1)
    bad = [(dict(lr=[-0.1]), "learning rate"), (dict(replicas=1), "replicas"), (dict(sampling="some"), "sampling"),
           (dict(batch_size=5000), "batch size"), (dict(dtype="float16"), "dtype"), (dict(eigensolver="qr"), "eigen"),
           (dict(device="tpu"), "device"), (dict(steps=0), "steps"), (dict(polish_tolerance=-1.0), "polish_tolerance")]
    for flat, message in bad:
        with pytest.raises(ValueError, match=message):
            ValidationConfig.from_flat(**flat).check(2048)


def test_presets_and_quick_reductions():
    for name, preset in PRESETS.items():
        config = preset_config(name)
        for flat_name, value in preset.config.items():
            assert config.flat()[flat_name] == value
        quick = preset_config(name, quick=True)
        for flat_name, bound in QUICK.items():
            expected = preset.quick.get(flat_name, min(bound, config.flat()[flat_name]))
            assert quick.flat()[flat_name] == expected
    assert preset_config("mnist-mlp", lr=[0.1, 0.2], seed=3).ensemble.lr == [0.1, 0.2]
    with pytest.raises(ValueError, match="unknown preset"):
        preset_config("imagenet")
    assert dataclasses.is_dataclass(preset_config("mnist-mlp").reference)


@pytest.mark.parametrize("flat, message", [
    (dict(optimizer="adam"), "optimizer must be one of sgd, heavy-ball, nesterov"),
    (dict(momentum=0.9), "needs --optimizer heavy-ball or nesterov"),
    (dict(optimizer="heavy-ball"), "needs a momentum 0 < beta < 1"),
    (dict(optimizer="nesterov", momentum=1.0), "needs a momentum 0 < beta < 1"),
    (dict(optimizer="heavy-ball", momentum=0.9, weight_decay=-1e-3), "weight_decay must be a finite number >= 0"),
    (dict(optimizer="heavy-ball", momentum=float("nan")), "momentum must be a finite number >= 0"),
    (dict(optimizer="heavy-ball", momentum="0.9"), "momentum must be a finite number >= 0"),
])
def test_an_optimizer_it_cannot_run_is_refused_before_anything_runs(flat, message):
    with pytest.raises(InputError, match=message):
        ValidationConfig.from_flat(**flat).check(1000)


def test_the_optimizer_round_trips_through_the_flat_names():
    config = ValidationConfig.from_flat(optimizer="nesterov", momentum=0.9, weight_decay=1e-3)
    assert config.ensemble.optimizer == "nesterov" and config.flat()["momentum"] == 0.9
    assert ValidationConfig.from_flat(**config.flat()) == config


def test_moving_frame_settings_are_checked_before_anything_runs():
    for flat, message in (({"moving_frame": "sometimes"}, "moving_frame must be one of auto, on, off"),
                          ({"frame_refresh": 0}, "frame_refresh must be an integer"),
                          ({"frame_refresh": 2.5}, "frame_refresh must be an integer")):
        with pytest.raises(InputError, match=message):
            ValidationConfig.from_flat(**flat).check(100)
    config = ValidationConfig.from_flat(moving_frame="off", frame_refresh=7)
    assert config.curvature.moving_frame == "off" and config.flat()["frame_refresh"] == 7
