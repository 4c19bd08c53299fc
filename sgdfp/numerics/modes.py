r"""The formulas of :class:`sgdfp.derive.Mode`, compiled once for arrays of modes, steps and learning rates.

``mode_functions("numpy").variance(lam, D, eta, k)`` evaluates the exact variance for every
broadcast combination (say :math:`10^6` modes by 100 steps) in one call. The closed forms come from
``Mode`` with symbolic parameters (divided-difference form, evaluated by the stable kernels); each
method specialises on which optional parameters are present, so a mode without curvature noise or
mean gradient does not pay for their terms.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy as sp

from sgdfp.derive.modes import D, Gamma, Mode, eta, gbar, k_step, lam, rho
from sgdfp.numerics.codegen import BACKENDS, CompiledFunction, compile

__all__ = ["mode_functions", "ModeFunctions"]

mean0, var0 = sp.symbols("mean0 var0", real=True)
_OPTIONAL = {"curvature_noise": Gamma, "mean_grad": gbar, "cross": rho, "mean0": mean0, "var0": var0}
_QUANTITIES = ("mean", "variance", "langevin_mean", "langevin_variance", "sme2_variance", "contraction",
               "stationary_variance", "langevin_stationary_variance")


def _is_zero(value) -> bool:
    return np.ndim(value) == 0 and not hasattr(value, "requires_grad") and float(value) == 0.0


@lru_cache(maxsize=None)
def _expression(quantity: str, present: frozenset) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    values = {name: (symbol if name in present else 0) for name, symbol in _OPTIONAL.items()}
    mode = Mode(lam, D, eta, values["curvature_noise"], values["mean_grad"], values["cross"])
    m0, v0 = values["mean0"], values["var0"]
    expr = {
        "mean": lambda: mode.mean(k_step, m0),
        "variance": lambda: mode.variance(k_step, m0, v0),
        "langevin_mean": lambda: mode.langevin_mean(k_step, m0),
        "langevin_variance": lambda: mode.langevin_variance(k_step, m0, v0),
        "sme2_variance": lambda: mode.sme2_variance(k_step, m0, v0),
        "contraction": lambda: mode.contraction(),
        "stationary_variance": lambda: sp.Piecewise((mode.stationary_variance(), mode.has_stationary_law()),
                                                    (sp.nan, True)),
        "langevin_stationary_variance": lambda: sp.Piecewise(
            (mode.langevin_stationary_variance(), mode.has_stationary_law("langevin")), (sp.nan, True)),
    }[quantity]()
    args = (lam, D, eta, k_step) + tuple(_OPTIONAL[name] for name in _OPTIONAL if name in present)
    return expr, args


class ModeFunctions:
    """Vectorised mode formulas for one backend; see :func:`mode_functions`.

    Every method takes ``(curvature, grad_noise, lr, k)`` and the keywords ``curvature_noise``,
    ``mean_grad``, ``cross``, ``mean0``, ``var0`` (default 0), each a number or an array; the
    arrays broadcast together. ``k`` is ignored by the stationary quantities and the contraction.
    """

    def __init__(self, backend: str):
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        self.backend = backend

    def function(self, quantity: str, present: frozenset = frozenset()) -> CompiledFunction:
        """The compiled function of one quantity for the given set of present optional parameters."""
        if quantity not in _QUANTITIES:
            raise ValueError(f"unknown quantity {quantity!r}; choose one of {', '.join(_QUANTITIES)}")
        expr, args = _expression(quantity, frozenset(present))
        return compile(expr, args, self.backend)

    def _evaluate(self, quantity, curvature, grad_noise, lr, k, optional):
        unknown = set(optional) - set(_OPTIONAL)
        if unknown:
            raise TypeError(f"unknown keyword(s) {sorted(unknown)}; allowed: {', '.join(_OPTIONAL)}")
        present = frozenset(name for name, value in optional.items() if not _is_zero(value))
        function = self.function(quantity, present)
        values = [curvature, grad_noise, lr, k] + [optional[name] for name in _OPTIONAL if name in present]
        return function(*values)

    def mean(self, curvature, grad_noise, lr, k, **optional):
        return self._evaluate("mean", curvature, grad_noise, lr, k, optional)

    def variance(self, curvature, grad_noise, lr, k, **optional):
        return self._evaluate("variance", curvature, grad_noise, lr, k, optional)

    def langevin_mean(self, curvature, grad_noise, lr, k, **optional):
        return self._evaluate("langevin_mean", curvature, grad_noise, lr, k, optional)

    def langevin_variance(self, curvature, grad_noise, lr, k, **optional):
        return self._evaluate("langevin_variance", curvature, grad_noise, lr, k, optional)

    def sme2_variance(self, curvature, grad_noise, lr, k, **optional):
        return self._evaluate("sme2_variance", curvature, grad_noise, lr, k, optional)

    def contraction(self, curvature, grad_noise, lr, **optional):
        return self._evaluate("contraction", curvature, grad_noise, lr, 0, optional)

    def stationary_variance(self, curvature, grad_noise, lr, **optional):
        return self._evaluate("stationary_variance", curvature, grad_noise, lr, 0, optional)

    def langevin_stationary_variance(self, curvature, grad_noise, lr, **optional):
        return self._evaluate("langevin_stationary_variance", curvature, grad_noise, lr, 0, optional)


@lru_cache(maxsize=None)
def mode_functions(backend: str = "numpy") -> ModeFunctions:
    """The compiled mode formulas for ``backend`` (``"numpy"`` or ``"torch"``)."""
    return ModeFunctions(backend)
