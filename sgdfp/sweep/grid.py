"""A sweep's grid: the axes (presets, learning rates, batch sizes, sampling, seeds, any configuration field),
read from the command line and a TOML file, expanded into runs, each with its configuration hash.

A grid file names configuration fields by their flat names (:data:`sgdfp.validate.config.FLAT_FIELDS`) or in
stage tables as ``results.json`` records them; a list is an axis (one run per value), anything else holds for
every run::

    preset = "digits-mlp"       # or a list of presets
    quick = true
    lr = [0.02, 0.05, 0.1]      # an axis: each run holds one learning rate
    seed = [0, 1]
    steps = 200                 # the same for every run
    [reference]
    steps = 300                 # reference_steps

The product of the axes (presets, then η, batch size, sampling, seed, then the others in the file's order)
gives the runs. A run is identified by the hash of its whole configuration (:func:`config_hash`), which is
what ``results.json`` records: a run directory holding results of the same hash is that run, done.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sgdfp.errors import InputError, check_instance
from sgdfp.validate.config import FLAT_FIELDS, ValidationConfig
from sgdfp.validate.presets import PRESETS, preset_config
from sgdfp.validate.typed_json import from_json, to_json

__all__ = ["Grid", "SweepRun", "config_hash", "read_grid_file", "AXIS_ORDER", "MAX_RUNS", "STAGES"]

#: The axes named by the command line, in the order the grid's product runs over them.
AXIS_ORDER = ("preset", "lr", "batch_size", "sampling", "seed")
#: A grid larger than this is a mistake (a typo in a range), not a sweep.
MAX_RUNS = 100_000
STAGES = ("reference", "curvature", "ensemble")
_STAGED = {(stage, key): name for name, (stage, key) in FLAT_FIELDS.items()}


def config_hash(config: ValidationConfig) -> str:
    """The identity of a run: SHA-256 (16 hex digits) of its whole configuration as canonical JSON.

    The configuration goes through the same typed JSON as ``results.json`` first, so the configuration a
    results file reads back hashes as the one that was run (an integer learning rate 1 and 1.0 are one)."""
    check_instance("config", config, ValidationConfig, "a ValidationConfig")
    normal = from_json(ValidationConfig, json.loads(json.dumps(to_json(config))), "config", "configuration")
    canonical = json.dumps(to_json(normal), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class SweepRun:
    """One run of a sweep: its configuration, its hash and its directory's name under ``runs/``.

    ``point`` holds the grid's values for this run (flat names), the axes the summary groups runs by."""

    config: ValidationConfig
    point: dict[str, Any]
    hash: str

    @property
    def name(self) -> str:
        """``digits-mlp-lr0.05-b64-with-s0-1a2b3c4d``: readable, and unique by the hash."""
        ensemble = self.config.ensemble
        return (f"{self.config.preset}-lr{ensemble.lr[0]:g}-b{ensemble.batch_size}-{ensemble.sampling}"
                f"-s{self.config.seed}-{self.hash[:8]}")

    @property
    def label(self) -> str:
        """The run's grid values, ``preset=digits-mlp lr=0.05 ...`` (for messages)."""
        return " ".join(f"{key}={value}" for key, value in {"preset": self.config.preset, **self.point}.items())


@dataclass
class Grid:
    """The axes of a sweep (flat name -> values) and the values every run shares; ``quick`` for every preset."""

    axes: dict[str, list[Any]] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    quick: bool = False

    def override(self, **axes: Sequence[Any] | None) -> Grid:
        """A copy with the axes given (from the command line) replacing the file's; ``None`` keeps the file's."""
        for name, values in axes.items():
            if values is None:
                continue
            if name not in FLAT_FIELDS:
                raise InputError(f"unknown configuration field {name!r}")
            if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
                raise TypeError(f"the axis {name} must be a list of values (one run per value), e.g. {name}=[...], "
                                f"or None; got {type(values).__name__}")
        given = {name: list(values) for name, values in axes.items() if values is not None}
        return Grid({**{k: v for k, v in self.axes.items() if k not in given}, **given},
                    {k: v for k, v in self.fixed.items() if k not in given}, self.quick)

    def runs(self) -> list[SweepRun]:
        """Every point of the grid as a run, checked (before anything runs). An axis of one value is a value
        every run shares; ``point`` holds the axes of two or more values.

        Raises:
            InputError: no preset, an unknown preset, an empty axis, a grid larger than :data:`MAX_RUNS`, a
                configuration that :meth:`ValidationConfig.check` refuses (the run named), the same run twice.
        """
        fixed, axes = dict(self.fixed), {}
        for name, values in self.axes.items():
            if not values:
                raise InputError(f"the grid's axis {name!r} has no values")
            if len(values) == 1:
                fixed[name] = values[0]
            else:
                axes[name] = list(values)
        presets = axes.get("preset") or ([fixed["preset"]] if fixed.get("preset") is not None else [])
        if not presets:
            raise InputError("a sweep needs a preset: --preset NAME or 'preset = ...' in the grid file")
        for preset in presets:
            if preset not in PRESETS:
                raise InputError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
        order = [name for name in AXIS_ORDER if name in axes] + [name for name in axes if name not in AXIS_ORDER]
        size = math.prod(len(axes[name]) for name in order)
        if size > MAX_RUNS:
            raise InputError(f"the grid has {size} runs, more than {MAX_RUNS}; split it into several sweeps")
        fixed.pop("preset", None)
        if isinstance(fixed.get("lr"), (int, float)) and not isinstance(fixed.get("lr"), bool):
            fixed["lr"] = [fixed["lr"]]
        runs, seen = [], {}
        for values in itertools.product(*(axes[name] for name in order)):
            point = dict(zip(order, values))
            preset = point.get("preset", presets[0])
            overrides = {**fixed, **{k: v for k, v in point.items() if k != "preset"}}
            if "lr" in point:
                overrides["lr"] = [point["lr"]]
            label = " ".join(f"{key}={value}" for key, value in {"preset": preset, **point}.items())
            try:
                config = preset_config(preset, quick=self.quick, **overrides)
                if len(config.ensemble.lr) != 1:
                    raise InputError(f"a sweep's run holds one learning rate (several are an axis: --lr ETA ... or "
                                     f"lr = [...]); got {config.ensemble.lr}")
                config.check(config.samples)  # the data set's own size is checked when the run loads it
                run = SweepRun(config, point, config_hash(config))
            except (ValueError, TypeError) as exc:
                raise InputError(f"run {label}: {exc}") from None
            if run.hash in seen:
                raise InputError(f"the grid holds the same run twice ({seen[run.hash]} and {label})")
            seen[run.hash] = label
            runs.append(run)
        return runs


def check_runs(name: str, runs: object) -> list[SweepRun]:
    """``runs`` (a list or tuple of :class:`SweepRun`, as :meth:`Grid.runs` gives) as a list.

    Raises:
        TypeError: anything else -- text above all, or a list holding something other than a run.
    """
    if not isinstance(runs, (list, tuple)):
        raise TypeError(f"{name} must be a list of SweepRun (Grid.runs()); got {type(runs).__name__}")
    for index, run in enumerate(runs):
        check_instance(f"{name}[{index}]", run, SweepRun, "a SweepRun (an entry of Grid.runs())")
    return list(runs)


def _value(name: str, value: Any, file: Path) -> Any:
    """A TOML value for a configuration field: scalars, or a list of scalars (an axis)."""
    scalar = (str, int, float, bool)
    if isinstance(value, list):
        if not all(isinstance(v, scalar) for v in value):
            raise InputError(f"'{file}': {name}: an axis is a list of numbers or strings; got {value!r}")
        return value
    if not isinstance(value, scalar):
        raise InputError(f"'{file}': {name}: expected a number, a string, true/false or a list; got {value!r}")
    return value


def read_grid_file(path: str | os.PathLike) -> Grid:
    """The grid of a TOML file (see the module's docstring).

    Raises:
        InputError: a missing or unreadable file, TOML that does not parse (the line named), an unknown field.
    """
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"grid file '{file}' does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read grid file '{file}': {getattr(exc, 'strerror', None) or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"grid file '{file}' is not valid TOML: {exc}") from None
    grid = Grid()
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key == "quick":
            if not isinstance(value, bool):
                raise InputError(f"'{file}': quick must be true or false; got {value!r}")
            grid.quick = value
        elif key in STAGES and isinstance(value, Mapping):
            for field_name, field_value in value.items():
                if (key, field_name) not in _STAGED:
                    raise InputError(f"'{file}': [{key}] has no field {field_name!r}; it has "
                                     f"{', '.join(k for s, k in _STAGED if s == key)}")
                flat[_STAGED[key, field_name]] = _value(f"{key}.{field_name}", field_value, file)
        elif key in FLAT_FIELDS:
            flat[key] = _value(key, value, file)
        else:
            raise InputError(f"'{file}': unknown field {key!r}; a grid names 'quick', the stage tables "
                             f"({', '.join(STAGES)}) or configuration fields: {', '.join(FLAT_FIELDS)}")
    for name, value in flat.items():
        (grid.axes if isinstance(value, list) else grid.fixed)[name] = value
    return grid

