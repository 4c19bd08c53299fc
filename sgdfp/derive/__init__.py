"""Symbolic derivations (SymPy): from a discrete stochastic update to its density equations and mode theory.

The engine: :class:`Noise` (moments of the random symbols) -> :class:`DiscreteUpdate` (any first-order
update; :func:`sgd_update` for SGD) -> :func:`jump_moment` -> :func:`kramers_moyal` ->
:func:`discrete_fokker_planck`, :func:`langevin_fokker_planck`, :func:`langevin_flow`,
:func:`modified_equation`, and the differences between them; :mod:`~sgdfp.derive.minibatch` turns
per-sample gradient cumulants into per-step ones.

The mode theory (:mod:`sgdfp.derive.mode`): the parameter table (:data:`MODE_PARAMETERS`), the
dynamics strategies (:data:`SGD`, :data:`LANGEVIN`, :data:`SME2`), the regime rule (:func:`regime_rule`),
:class:`Mode`, and the catalogue of its equations (:class:`Equation`, :func:`mode_equations`);
momentum and weight decay on the state :math:`(y, v)`: :class:`Momentum`, :class:`MomentumMode`
(:func:`momentum_update`, :func:`momentum_matrix`, :func:`stability_conditions`, :func:`flat_diffusion`);
the exact map's law beside the truncated equation's: :class:`CurvatureLaw` (:class:`GaussianCurvature`,
:class:`DiscreteCurvature`, :class:`DensityCurvature`, :func:`minibatch_curvature_law`),
:func:`lyapunov_exponent`, :func:`almost_sure_threshold`, :func:`tail_index` (a :class:`MapResult`), and the
minibatch cumulants of per-sample data (:func:`sample_cumulants`, :func:`minibatch_mode_cumulants`).
Every result prints as LaTeX.

``QuadraticModel``, ``ModeDecomposition`` and ``pair_cross_covariance`` evaluate with numpy and live
in :mod:`sgdfp.numerics`; the names here are deprecated aliases (the derive layer stays symbolic).

Names are imported on first use, so that importing this package (or its parameter table) is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sgdfp.derive.display import display_condition, display_form
    from sgdfp.derive.fokker_planck import (
        discrete_fokker_planck,
        kramers_moyal,
        langevin_flow,
        langevin_flow_difference,
        langevin_fokker_planck,
        langevin_step_difference,
    )
    from sgdfp.derive.minibatch import (
        minibatch_covariance,
        minibatch_cumulant,
        minibatch_cumulant_tensor,
        per_sample_cumulant,
    )
    from sgdfp.derive.mode.density import StationaryDensity
    from sgdfp.derive.mode.dynamics import (
        DYNAMICS,
        LANGEVIN,
        SGD,
        SME2,
        DiscreteSGD,
        Dynamics,
        ModifiedEquationDynamics,
        get_dynamics,
    )
    from sgdfp.derive.mode.equations import GROUPS, Equation, EquationGroup, mode_equations
    from sgdfp.derive.mode.exact_law import (
        CurvatureLaw,
        DensityCurvature,
        DiscreteCurvature,
        GaussianCurvature,
        MapResult,
        almost_sure_threshold,
        lyapunov_exponent,
        minibatch_curvature_law,
        tail_index,
    )
    from sgdfp.derive.mode.mode import DiffusionCoefficient, Mode
    from sgdfp.derive.mode.momentum import (
        Momentum,
        flat_diffusion,
        momentum_matrix,
        momentum_update,
        stability_conditions,
    )
    from sgdfp.derive.mode.momentum_mode import MomentumMode
    from sgdfp.derive.mode.pair import pair_recursion
    from sgdfp.derive.mode.parameters import MODE_PARAMETERS, PARAMETERS, Parameter
    from sgdfp.derive.mode.regime import REGIMES, diffusive_band, regime_conditions, regime_rule
    from sgdfp.derive.mode.sample_cumulants import minibatch_mode_cumulants, sample_cumulants
    from sgdfp.derive.mode.update import MomentRecursion, mode_update
    from sgdfp.derive.modified import ModifiedEquation, modified_equation
    from sgdfp.derive.noise import Noise
    from sgdfp.derive.operators import KramersMoyalSeries
    from sgdfp.derive.printing import align, latex, text
    from sgdfp.derive.stationarity import (
        diffusive_msd,
        energy_relation,
        fdr_estimators,
        fdr_relations,
        local_exponent,
        stationarity_equations,
        stationary_msd,
        two_time_moments,
    )
    from sgdfp.derive.symbols import eta, gradient_noise_symbols, parameters
    from sgdfp.derive.update import DiscreteUpdate, jump_moment, sgd_update, symbolic_sgd

_EXPORTS = {
    "display_condition": "sgdfp.derive.display",
    "display_form": "sgdfp.derive.display",
    "discrete_fokker_planck": "sgdfp.derive.fokker_planck",
    "kramers_moyal": "sgdfp.derive.fokker_planck",
    "langevin_flow": "sgdfp.derive.fokker_planck",
    "langevin_flow_difference": "sgdfp.derive.fokker_planck",
    "langevin_fokker_planck": "sgdfp.derive.fokker_planck",
    "langevin_step_difference": "sgdfp.derive.fokker_planck",
    "minibatch_covariance": "sgdfp.derive.minibatch",
    "minibatch_cumulant": "sgdfp.derive.minibatch",
    "minibatch_cumulant_tensor": "sgdfp.derive.minibatch",
    "per_sample_cumulant": "sgdfp.derive.minibatch",
    "DYNAMICS": "sgdfp.derive.mode.dynamics",
    "LANGEVIN": "sgdfp.derive.mode.dynamics",
    "SGD": "sgdfp.derive.mode.dynamics",
    "SME2": "sgdfp.derive.mode.dynamics",
    "DiscreteSGD": "sgdfp.derive.mode.dynamics",
    "Dynamics": "sgdfp.derive.mode.dynamics",
    "ModifiedEquationDynamics": "sgdfp.derive.mode.dynamics",
    "get_dynamics": "sgdfp.derive.mode.dynamics",
    "GROUPS": "sgdfp.derive.mode.equations",
    "Equation": "sgdfp.derive.mode.equations",
    "EquationGroup": "sgdfp.derive.mode.equations",
    "mode_equations": "sgdfp.derive.mode.equations",
    "CurvatureLaw": "sgdfp.derive.mode.exact_law",
    "GaussianCurvature": "sgdfp.derive.mode.exact_law",
    "DiscreteCurvature": "sgdfp.derive.mode.exact_law",
    "DensityCurvature": "sgdfp.derive.mode.exact_law",
    "MapResult": "sgdfp.derive.mode.exact_law",
    "minibatch_curvature_law": "sgdfp.derive.mode.exact_law",
    "lyapunov_exponent": "sgdfp.derive.mode.exact_law",
    "almost_sure_threshold": "sgdfp.derive.mode.exact_law",
    "tail_index": "sgdfp.derive.mode.exact_law",
    "sample_cumulants": "sgdfp.derive.mode.sample_cumulants",
    "minibatch_mode_cumulants": "sgdfp.derive.mode.sample_cumulants",
    "DiffusionCoefficient": "sgdfp.derive.mode.mode",
    "Mode": "sgdfp.derive.mode.mode",
    "Momentum": "sgdfp.derive.mode.momentum",
    "flat_diffusion": "sgdfp.derive.mode.momentum",
    "momentum_matrix": "sgdfp.derive.mode.momentum",
    "momentum_update": "sgdfp.derive.mode.momentum",
    "stability_conditions": "sgdfp.derive.mode.momentum",
    "MomentumMode": "sgdfp.derive.mode.momentum_mode",
    "StationaryDensity": "sgdfp.derive.mode.density",
    "MODE_PARAMETERS": "sgdfp.derive.mode.parameters",
    "PARAMETERS": "sgdfp.derive.mode.parameters",
    "Parameter": "sgdfp.derive.mode.parameters",
    "REGIMES": "sgdfp.derive.mode.regime",
    "diffusive_band": "sgdfp.derive.mode.regime",
    "regime_conditions": "sgdfp.derive.mode.regime",
    "regime_rule": "sgdfp.derive.mode.regime",
    "MomentRecursion": "sgdfp.derive.mode.update",
    "mode_update": "sgdfp.derive.mode.update",
    "pair_recursion": "sgdfp.derive.mode.pair",
    "ModifiedEquation": "sgdfp.derive.modified",
    "modified_equation": "sgdfp.derive.modified",
    "Noise": "sgdfp.derive.noise",
    "KramersMoyalSeries": "sgdfp.derive.operators",
    "align": "sgdfp.derive.printing",
    "latex": "sgdfp.derive.printing",
    "text": "sgdfp.derive.printing",
    "diffusive_msd": "sgdfp.derive.stationarity",
    "energy_relation": "sgdfp.derive.stationarity",
    "fdr_estimators": "sgdfp.derive.stationarity",
    "fdr_relations": "sgdfp.derive.stationarity",
    "local_exponent": "sgdfp.derive.stationarity",
    "stationarity_equations": "sgdfp.derive.stationarity",
    "stationary_msd": "sgdfp.derive.stationarity",
    "two_time_moments": "sgdfp.derive.stationarity",
    "eta": "sgdfp.derive.symbols",
    "gradient_noise_symbols": "sgdfp.derive.symbols",
    "parameters": "sgdfp.derive.symbols",
    "DiscreteUpdate": "sgdfp.derive.update",
    "jump_moment": "sgdfp.derive.update",
    "sgd_update": "sgdfp.derive.update",
    "symbolic_sgd": "sgdfp.derive.update",
}
__all__ = [
    "display_condition",
    "display_form",
    "discrete_fokker_planck",
    "kramers_moyal",
    "langevin_flow",
    "langevin_flow_difference",
    "langevin_fokker_planck",
    "langevin_step_difference",
    "minibatch_covariance",
    "minibatch_cumulant",
    "minibatch_cumulant_tensor",
    "per_sample_cumulant",
    "DYNAMICS",
    "LANGEVIN",
    "SGD",
    "SME2",
    "DiscreteSGD",
    "Dynamics",
    "ModifiedEquationDynamics",
    "get_dynamics",
    "GROUPS",
    "Equation",
    "EquationGroup",
    "mode_equations",
    "CurvatureLaw",
    "GaussianCurvature",
    "DiscreteCurvature",
    "DensityCurvature",
    "MapResult",
    "minibatch_curvature_law",
    "lyapunov_exponent",
    "almost_sure_threshold",
    "tail_index",
    "sample_cumulants",
    "minibatch_mode_cumulants",
    "DiffusionCoefficient",
    "Mode",
    "Momentum",
    "flat_diffusion",
    "momentum_matrix",
    "momentum_update",
    "stability_conditions",
    "MomentumMode",
    "StationaryDensity",
    "MODE_PARAMETERS",
    "PARAMETERS",
    "Parameter",
    "REGIMES",
    "diffusive_band",
    "regime_conditions",
    "regime_rule",
    "MomentRecursion",
    "mode_update",
    "pair_recursion",
    "ModifiedEquation",
    "modified_equation",
    "Noise",
    "KramersMoyalSeries",
    "align",
    "latex",
    "text",
    "diffusive_msd",
    "energy_relation",
    "fdr_estimators",
    "fdr_relations",
    "local_exponent",
    "stationarity_equations",
    "stationary_msd",
    "two_time_moments",
    "eta",
    "gradient_noise_symbols",
    "parameters",
    "DiscreteUpdate",
    "jump_moment",
    "sgd_update",
    "symbolic_sgd",
]

_MOVED = {"QuadraticModel": "sgdfp.numerics", "ModeDecomposition": "sgdfp.numerics",
          "pair_cross_covariance": "sgdfp.numerics"}


def __getattr__(name: str):
    """The public names, imported on first use (``sgdfp --help`` loads no SymPy)."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    if name in _MOVED:
        import warnings

        warnings.warn(f"sgdfp.derive.{name} moved to {_MOVED[name]}.{name}", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module 'sgdfp.derive' has no attribute {name!r}")


def __dir__():
    return __all__
