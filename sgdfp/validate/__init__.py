"""Validation on real data and real models: measured SGD fluctuations against the mode theory.

The pipeline (:func:`run_validation`): a reference point (:mod:`~sgdfp.validate.reference`), its
eigenbasis by an eigensolver strategy (:mod:`~sgdfp.validate.eigensolvers`), per-mode statistics
(:mod:`~sgdfp.validate.statistics`), replica ensembles (:mod:`~sgdfp.validate.ensemble`), predictions
through :mod:`sgdfp.numerics`, comparison (:mod:`~sgdfp.validate.compare`), typed results and their
files (:mod:`~sgdfp.validate.results`), figures (:mod:`~sgdfp.validate.plots`). Configuration by stage
in :mod:`~sgdfp.validate.config`, presets in :mod:`~sgdfp.validate.presets`.

Names are imported lazily: ``import sgdfp.validate.results`` (or ``config``) does not load torch.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Dataset": "data", "DataUnavailable": "data", "load_mnist": "data", "load_digits": "data", "load_text": "data",
    "load_fashion_mnist": "data", "ALPHABET": "data",
    "FlatModel": "functional", "dense_eigenpairs": "eigensolvers", "top_eigenpairs": "eigensolvers",
    "Eigenpairs": "eigensolvers", "DenseEigensolver": "eigensolvers", "LanczosEigensolver": "eigensolvers",
    "get_eigensolver": "eigensolvers",
    "MLP": "models", "CharTransformer": "models",
    "ValidationConfig": "config", "ReferenceConfig": "config", "CurvatureConfig": "config",
    "EnsembleConfig": "config",
    "PRESETS": "presets", "Preset": "presets", "preset_config": "presets",
    "ValidationResults": "results", "RunResult": "results", "RunSummary": "results", "ResultError": "results",
    "measure_observables": "observables", "Observables": "observables", "ObservablesSummary": "observables",
    "run_validation": "run", "write_results": "run", "json_summary": "run", "resolve_device": "run",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"sgdfp.validate.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'sgdfp.validate' has no attribute {name!r}")


def __dir__():
    return __all__
