"""Numerics: SymPy expressions compiled to fast, numerically stable numpy and torch functions.

- :mod:`~sgdfp.numerics.backends` -- the array backends (numpy, torch) in one registry;
- :func:`compile` (:mod:`~sgdfp.numerics.codegen`) turns any derived expression into a vectorised callable;
- :mod:`~sgdfp.numerics.stable` evaluates the structured closed forms without cancellation;
- :func:`mode_functions` compiles the formulas of :class:`sgdfp.derive.Mode` (and the regime rule) for arrays;
- :func:`momentum_functions` does the same for :class:`sgdfp.derive.MomentumMode` (heavy ball, Nesterov, weight
  decay): the compiled recursion of mean and covariance, raised to the steps asked for;
- :class:`QuadraticModel` evaluates the d-dimensional random quadratic (full covariance, Lyapunov equation);
- :func:`simulate_mode`, :func:`simulate_quadratic` and :func:`simulate_momentum` (heavy-ball or Nesterov
  momentum with weight decay) run the discrete maps themselves.
"""

from sgdfp.numerics.backends import BACKENDS, ArrayBackend, backend_of, get_backend, register_backend
from sgdfp.numerics.codegen import CompiledFunction, clear_cache, compile
from sgdfp.numerics.modes import ModeFunctions, mode_functions, regime_names
from sgdfp.numerics.momentum import MomentumFunctions, momentum_functions
from sgdfp.numerics.quadratic import ModeDecomposition, QuadraticModel, offdiagonal_fraction, pair_cross_covariance
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
           "momentum_functions", "MomentumFunctions",
           "QuadraticModel", "ModeDecomposition", "pair_cross_covariance", "offdiagonal_fraction",
           "simulate_mode", "simulate_quadratic", "simulate_momentum", "ModeSimulation", "QuadraticSimulation",
           "MomentumSimulation"]
