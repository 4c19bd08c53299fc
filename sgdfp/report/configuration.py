"""The configuration table: one column per run directory (keyed by its slug).

Grouped by stage -- the run's own settings, then each stage of :class:`~sgdfp.validate.config.ValidationConfig`
(reference point, curvature statistics, replica ensembles) with the fields it holds --, followed by what the
setup measured (reference point, noise statistics) and the environment. Rows whose values differ between
directories are marked.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

from sgdfp.report.sources import Source
from sgdfp.report.tables import Row, heading

__all__ = ["config_rows"]

_STAGE_TITLES = {"reference": "reference point", "curvature": "curvature statistics", "ensemble": "replica ensembles"}


def _config_groups(sources: list[Source]) -> list[tuple[str, list[tuple[str, str, Callable, str]]]]:
    """(group title, [(label, key, getter(results), kind)]): the configuration by stage, then the setup."""
    config = sources[0].results.config
    top = [f.name for f in dataclasses.fields(config) if not dataclasses.is_dataclass(getattr(config, f.name))]
    stages = [f.name for f in dataclasses.fields(config) if dataclasses.is_dataclass(getattr(config, f.name))]
    groups = [
        ("Data and model", [
            ("data set", "dataset.name", lambda r: r.dataset.name, "g"),
            ("samples", "dataset.samples", lambda r: r.dataset.samples, "g"),
            ("data source", "dataset.source", lambda r: r.dataset.source, "path"),
            ("model", "model.class", lambda r: r.model.class_name, "g"),
            ("parameters", "model.parameters", lambda r: r.model.parameters, "g"),
            ("task", "model.task", lambda r: r.model.task, "g")]),
        ("Configuration", [(name, f"config.{name}", lambda r, name=name: getattr(r.config, name), "g")
                           for name in top]),
    ]
    for stage in stages:
        names = [f.name for f in dataclasses.fields(getattr(config, stage))]
        groups.append((f"Configuration: {_STAGE_TITLES.get(stage, stage)}", [
            (name, f"config.{stage}.{name}", lambda r, stage=stage, name=name: getattr(getattr(r.config, stage), name),
             "g") for name in names]))
    versions: list[str] = []
    for source in sources:
        versions += [k for k in source.results.versions if k not in versions]
    groups += [
        ("Reference point", [
            ("loss", "reference.loss", lambda r: r.reference.loss, "g"),
            ("gradient norm", "reference.grad_norm", lambda r: r.reference.grad_norm, "g"),
            ("polish steps", "reference.polish.steps", lambda r: r.reference.polish.steps, "g"),
            ("polish converged", "reference.polish.converged", lambda r: r.reference.polish.converged, "g")]),
        ("Noise statistics", [
            ("method", "statistics.method", lambda r: r.statistics.method, "g"),
            ("minibatch factor", "statistics.minibatch_factor", lambda r: r.statistics.minibatch_factor, "g"),
            ("gradient noise off-diagonal", "statistics.grad_noise_offdiagonal",
             lambda r: r.statistics.grad_noise_offdiagonal, "g"),
            ("curvature noise off-diagonal", "statistics.curvature_noise_offdiagonal",
             lambda r: r.statistics.curvature_noise_offdiagonal, "g"),
            ("curvature consistency", "statistics.curvature_consistency",
             lambda r: r.statistics.curvature_consistency, "g"),
            ("statistics time", "statistics.seconds", lambda r: r.statistics.seconds, "s")]),
        ("Environment", [
            ("device", "device", lambda r: r.device, "g"),
            *[(key, f"versions.{key}", lambda r, key=key: r.versions.get(key), "path" if key == "platform" else "g")
              for key in versions],
            ("wall time", "wall_seconds", lambda r: r.wall_seconds, "s")]),
    ]
    return groups


def config_rows(sources: list[Source]) -> list[Row]:
    """One column per run directory (keyed by its slug); values that differ between directories are marked.

    A row's key is where its value lives in ``results.json`` (``config.ensemble.lr``, ``versions.torch``).
    """
    rows = []
    for title, entries in _config_groups(sources):
        rows.append(heading(title))
        for label, key, getter, kind in entries:
            values = {s.slug: getter(s.results) for s in sources}
            differ = len(sources) > 1 and len({json.dumps(v, sort_keys=True, default=str)
                                               for v in values.values()}) > 1
            rows.append(Row(label, key, values, kind,
                            marked={s.slug: "diff" for s in sources} if differ else {}))
    rows.append(Row("directory", "directory", {s.slug: str(s.path) for s in sources}, "path",
                    marked={s.slug: "diff" for s in sources} if len(sources) > 1 else {}))
    return rows
