"""Symbolic derivations (SymPy): from a discrete stochastic update to its density equations.

The chain: :class:`Noise` (moments of the random symbols) -> :class:`DiscreteUpdate` (any
first-order update; :func:`sgd_update` for SGD) -> :func:`jump_moment` -> :func:`kramers_moyal`
-> :func:`discrete_fokker_planck`, :func:`langevin_fokker_planck`, :func:`langevin_flow`,
:func:`modified_equation`, and the differences between them. :mod:`~sgdfp.derive.minibatch`
turns per-sample gradient cumulants into per-step ones. Every result prints as LaTeX.
"""

from sgdfp.derive.fokker_planck import (
    discrete_fokker_planck,
    kramers_moyal,
    langevin_flow,
    langevin_flow_difference,
    langevin_fokker_planck,
    langevin_step_difference,
)
from sgdfp.derive.printing import align, latex, text
from sgdfp.derive.minibatch import (
    minibatch_covariance,
    minibatch_cumulant,
    minibatch_cumulant_tensor,
    per_sample_cumulant,
)
from sgdfp.derive.modes import REGIMES, DiffusionCoefficient, Mode, MomentRecursion, StationaryDensity
from sgdfp.derive.modified import ModifiedEquation, modified_equation
from sgdfp.derive.noise import Noise
from sgdfp.derive.quadratic import ModeDecomposition, QuadraticModel, pair_cross_covariance
from sgdfp.derive.operators import KramersMoyalSeries
from sgdfp.derive.symbols import eta, gradient_noise_symbols, parameters
from sgdfp.derive.update import DiscreteUpdate, jump_moment, sgd_update, symbolic_sgd

__all__ = [
    "Noise",
    "DiscreteUpdate",
    "sgd_update",
    "symbolic_sgd",
    "jump_moment",
    "KramersMoyalSeries",
    "kramers_moyal",
    "discrete_fokker_planck",
    "langevin_fokker_planck",
    "langevin_flow",
    "langevin_step_difference",
    "langevin_flow_difference",
    "ModifiedEquation",
    "modified_equation",
    "minibatch_cumulant",
    "minibatch_cumulant_tensor",
    "minibatch_covariance",
    "per_sample_cumulant",
    "Mode",
    "MomentRecursion",
    "StationaryDensity",
    "DiffusionCoefficient",
    "REGIMES",
    "QuadraticModel",
    "ModeDecomposition",
    "pair_cross_covariance",
    "latex",
    "align",
    "text",
    "eta",
    "parameters",
    "gradient_noise_symbols",
]
