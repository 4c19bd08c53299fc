"""Configuration by stage: the flat names of earlier versions, presets and --quick, clear errors."""

import dataclasses

import pytest

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
