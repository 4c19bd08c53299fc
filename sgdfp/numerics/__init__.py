"""Numerics: SymPy expressions compiled to fast, numerically stable numpy and torch functions.

- :mod:`~sgdfp.numerics.backends` -- the array backends (numpy, torch) in one registry;
- :func:`compile` (:mod:`~sgdfp.numerics.codegen`) turns any derived expression into a vectorised callable;
- :mod:`~sgdfp.numerics.stable` evaluates the structured closed forms without cancellation;
- :func:`mode_functions` compiles the formulas of :class:`sgdfp.derive.Mode` (and the regime rule) for arrays;
- :func:`momentum_functions` does the same for :class:`sgdfp.derive.MomentumMode` (heavy ball, Nesterov, weight
  decay): the compiled recursion of mean and covariance, raised to the steps asked for;
- :func:`displacement_functions` compiles the two-time moments of :mod:`sgdfp.derive.stationarity` (the mean
  squared displacement between two steps, its stationary form, the two-time covariance) for arrays of modes;
- :class:`QuadraticModel` evaluates the d-dimensional random quadratic (full covariance, Lyapunov equation), its
  modes as coupled views (:class:`~sgdfp.numerics.quadratic.CoupledMode`); :class:`CoupledClosure` closes many coupled modes pairwise;
- :func:`sampled_minibatch_curvature` draws minibatches of per-sample curvatures: a :class:`SampledCurvature`
  law for the exact map's tail and thresholds (:mod:`~sgdfp.numerics.exact_law`);
- :func:`simulate_mode`, :func:`simulate_quadratic` and :func:`simulate_momentum` (heavy-ball or Nesterov
  momentum with weight decay) run the discrete maps themselves.
"""

from sgdfp.numerics.backends import BACKENDS, ArrayBackend, backend_of, get_backend, register_backend
from sgdfp.numerics.codegen import CompiledFunction, clear_cache, compile
from sgdfp.numerics.coupled import CoupledClosure, coupled_regimes, feeding_radii
from sgdfp.numerics.displacement import DisplacementFunctions, displacement_functions
from sgdfp.numerics.exact_law import SampledCurvature, sampled_minibatch_curvature
from sgdfp.numerics.modes import ModeFunctions, mode_functions, regime_names
from sgdfp.numerics.momentum import MomentumFunctions, momentum_functions
from sgdfp.numerics.quadratic import (
    ModeDecomposition,
    QuadraticModel,
    offdiagonal_fraction,
    pair_cross_covariance,
)
from sgdfp.numerics.simulate import (
    ModeSimulation,
    MomentumSimulation,
    QuadraticSimulation,
    simulate_mode,
    simulate_momentum,
    simulate_quadratic,
)

__all__ = ["compile", "BACKENDS", "ArrayBackend", "get_backend", "backend_of", "register_backend",
           "CompiledFunction", "clear_cache", "mode_functions", "ModeFunctions", "regime_names",
           "momentum_functions", "MomentumFunctions", "displacement_functions", "DisplacementFunctions",
           "QuadraticModel", "ModeDecomposition", "pair_cross_covariance", "offdiagonal_fraction",
           "CoupledClosure", "coupled_regimes", "feeding_radii",
           "simulate_mode", "simulate_quadratic", "simulate_momentum", "ModeSimulation", "QuadraticSimulation",
           "MomentumSimulation", "SampledCurvature", "sampled_minibatch_curvature"]
