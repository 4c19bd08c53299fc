"""The grid: axes from flags and TOML, their product as runs, and the configuration hash."""

import json

import pytest

from sgdfp.errors import InputError
from sgdfp.sweep.grid import Grid, config_hash, read_grid_file
from sgdfp.validate.config import ValidationConfig
from sgdfp.validate.presets import preset_config
from sgdfp.validate.typed_json import from_json, to_json


def test_the_runs_are_the_product_of_the_axes_each_the_presets_configuration():
    grid = Grid(quick=True).override(preset=["digits-mlp"], lr=[0.02, 0.05], batch_size=[32, 64], seed=[0, 1, 2],
                                     steps=[30])
    runs = grid.runs()
    assert len(runs) == 2 * 2 * 3
    assert [(r.point["lr"], r.point["batch_size"], r.point["seed"]) for r in runs[:4]] == [
        (0.02, 32, 0), (0.02, 32, 1), (0.02, 32, 2), (0.02, 64, 0)]
    for run in runs:  # one axis value is a value every run shares: not in the point
        assert set(run.point) == {"lr", "batch_size", "seed"}
        expected = preset_config("digits-mlp", quick=True, lr=[run.point["lr"]], batch_size=run.point["batch_size"],
                                 seed=run.point["seed"], steps=30)
        assert run.config == expected and run.hash == config_hash(expected)
    assert len({r.name for r in runs}) == len({r.hash for r in runs}) == len(runs)
    assert runs[0].name == f"digits-mlp-lr0.02-b32-with-s0-{runs[0].hash[:8]}"


def test_the_hash_is_the_whole_configuration_and_survives_the_results_file():
    config = preset_config("digits-mlp", quick=True, lr=[1])
    assert config_hash(config) == config_hash(preset_config("digits-mlp", quick=True, lr=[1.0]))
    # what results.json stores and reads back hashes alike
    stored = from_json(ValidationConfig, json.loads(json.dumps(to_json(config))), "config", "results.json")
    assert config_hash(stored) == config_hash(config)
    changed = {config_hash(config.with_overrides(**{name: value})) for name, value in [
        ("seed", 1), ("reference_steps", 201), ("direction_chunk", 16), ("device", "cpu"), ("polish_tolerance", 1e-3),
        ("sampling", "without"), ("validity_replicas", 15)]}
    assert len(changed) == 7 and config_hash(config) not in changed


def test_a_grid_file_names_fields_flat_or_by_stage_and_a_flag_replaces_its_axis(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text('preset = "digits-mlp"\nquick = true\nlr = [0.02, 0.05, 0.1]\nseed = [0, 1]\nsteps = 40\n'
                    'sampling = ["with", "without"]\n[reference]\nsteps = 150\n[curvature]\ndirection_chunk = 8\n')
    grid = read_grid_file(path)
    assert grid.quick and grid.axes == {"lr": [0.02, 0.05, 0.1], "seed": [0, 1], "sampling": ["with", "without"]}
    assert grid.fixed == {"preset": "digits-mlp", "steps": 40, "reference_steps": 150, "direction_chunk": 8}
    runs = grid.runs()
    assert len(runs) == 12 and runs[0].config.reference.steps == 150 and runs[0].config.ensemble.steps == 40
    assert runs[0].config.curvature.direction_chunk == 8
    assert list(runs[0].point) == ["lr", "sampling", "seed"]  # the command line's axes first, in their order
    narrowed = grid.override(lr=[0.05]).runs()
    assert len(narrowed) == 4 and all(r.config.ensemble.lr == [0.05] for r in narrowed)


@pytest.mark.parametrize("text, message", [
    ("preset = 'digits-mlp'\nlr = [0.1\n", "not valid TOML"),
    ("preset = 'digits-mlp'\nlearning_rate = 0.1\n", "unknown field 'learning_rate'"),
    ("preset = 'digits-mlp'\n[reference]\nreplicas = 3\n", "[reference] has no field 'replicas'"),
    ("preset = 'digits-mlp'\nquick = 'yes'\n", "quick must be true or false"),
    ("preset = 'digits-mlp'\nlr = [[0.1, 0.2]]\n", "an axis is a list of numbers or strings"),
])
def test_a_bad_grid_file_is_one_line_naming_the_file(tmp_path, text, message):
    path = tmp_path / "grid.toml"
    path.write_text(text)
    with pytest.raises(InputError, match="grid.toml") as error:
        read_grid_file(path)
    assert message in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(InputError, match="does not exist"):
        read_grid_file(tmp_path / "missing.toml")


@pytest.mark.parametrize("grid, message", [
    (Grid(), "a sweep needs a preset"),
    (Grid(fixed={"preset": "imagenet"}), "unknown preset 'imagenet'"),
    (Grid(axes={"preset": ["digits-mlp"], "lr": []}), "axis 'lr' has no values"),
    (Grid(axes={"preset": ["digits-mlp"], "lr": [0.1, 0.1]}), "the same run twice"),
    (Grid(axes={"preset": ["digits-mlp"], "batch_size": [64, 5000]}), "run preset=digits-mlp batch_size=5000: batch"),
    (Grid(axes={"preset": ["digits-mlp"], "sampling": ["with", "sometimes"]}), "sampling must be 'with' or 'without'"),
    (Grid(axes={"preset": ["digits-mlp"], "seed": list(range(400)), "lr": [0.01 * k for k in range(1, 301)]}),
     "120000 runs"),
])
def test_a_grid_that_cannot_run_is_refused_before_anything_runs(grid, message):
    with pytest.raises(InputError) as error:
        grid.runs()
    assert message in str(error.value)
