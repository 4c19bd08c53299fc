"""Numerics: SymPy expressions compiled to fast, numerically stable numpy and torch functions.

:func:`compile` turns any derived expression into a vectorised callable; the structured closed forms
of the mode theory are evaluated by the stable kernels of :mod:`sgdfp.numerics.stable`;
:func:`mode_functions` compiles the formulas of :class:`sgdfp.derive.Mode` once for arrays of modes;
:func:`simulate_mode` and :func:`simulate_quadratic` run the discrete maps themselves.
"""

from sgdfp.numerics.codegen import BACKENDS, CompiledFunction, clear_cache, compile
from sgdfp.numerics.modes import ModeFunctions, mode_functions
from sgdfp.numerics.simulate import ModeSimulation, QuadraticSimulation, simulate_mode, simulate_quadratic

__all__ = ["compile", "BACKENDS", "CompiledFunction", "clear_cache", "mode_functions", "ModeFunctions",
           "simulate_mode", "simulate_quadratic", "ModeSimulation", "QuadraticSimulation"]
