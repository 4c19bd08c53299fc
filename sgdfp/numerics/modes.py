r"""The formulas of :class:`sgdfp.derive.Mode`, compiled once for arrays of modes, steps and learning rates.

``mode_functions("numpy").variance(lam, D, eta, k)`` evaluates the exact variance for every broadcast
combination (say :math:`10^6` modes by 100 steps) in one call; ``mode_functions("numpy", LANGEVIN)``
gives the same quantities under Langevin dynamics. The closed forms come from ``Mode`` with symbolic
parameters (divided-difference form, evaluated by the stable kernels); each quantity specialises on
which optional parameters are present, so a mode without curvature noise or mean gradient does not pay
for their terms. :meth:`ModeFunctions.regime` compiles the regime rule of
:mod:`sgdfp.derive.mode.regime` itself: the validator classifies all its modes in one call.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp

from sgdfp.derive import LANGEVIN, PARAMETERS, REGIMES, SME2, Dynamics, Mode, get_dynamics, regime_rule
from sgdfp.derive.mode.parameters import D, Gamma, gbar, horizon, k_step, lam, mean0, rho, var0
from sgdfp.derive.mode.regime import growth
from sgdfp.derive.symbols import eta
from sgdfp.numerics.backends import check_backend
from sgdfp.numerics.codegen import CompiledFunction, compile

__all__ = ["mode_functions", "ModeFunctions", "regime_names"]

_OPTIONAL = {"curvature_noise": Gamma, "mean_grad": gbar, "cross": rho, "mean0": mean0, "var0": var0}
_QUANTITIES = ("mean", "variance", "contraction", "growth_offset", "stationary_variance", "stationary_mean")


def _is_zero(value) -> bool:
    return np.ndim(value) == 0 and not hasattr(value, "requires_grad") and float(value) == 0.0


def check_finite(name: str, value) -> None:
    """No NaN or inf among the arguments (a NaN parameter would give a NaN answer without a word)."""
    if hasattr(value, "detach"):  # a torch tensor
        bad = not bool(value.detach().isfinite().all())
    elif isinstance(value, (str, bytes)) or np.asarray(value).dtype.kind in "USO":
        raise TypeError(f"{name} must be a number or an array of numbers, not text or objects; got {value!r}")
    else:
        try:
            bad = not bool(np.all(np.isfinite(np.asarray(value, dtype=np.float64))))
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a number or an array of numbers; got {type(value).__name__}") from None
    if bad:
        raise ValueError(f"{name} has NaN or infinite entries; it must be finite")


def check_domain(name: str, value) -> None:
    parameter = PARAMETERS.get(name)
    domain = parameter.domain if parameter is not None else ("nonnegative" if name == "var0" else "real")
    data = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value, dtype=np.float64)
    if domain == "nonnegative" and np.any(data < 0):
        raise ValueError(f"{name} is a variance and cannot be negative; got {data.min():g}")
    if domain == "positive" and np.any(data <= 0):
        raise ValueError(f"{name} must be positive; got {data.min():g}")


def check_steps(k) -> np.ndarray:
    """The steps ``k`` as a float64 array, refused unless finite non-negative integers."""
    check_finite("k", k)
    steps = k.detach().cpu().numpy() if hasattr(k, "detach") else np.asarray(k, dtype=np.float64)
    bad = (steps < 0) | (steps != np.round(steps))
    if np.any(bad):
        raise ValueError(f"the step k must be a non-negative integer; got {float(steps[bad].ravel()[0]):g}")
    return steps


@cache
def _expression(dynamics: Dynamics, quantity: str, present: frozenset) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    values = {name: (symbol if name in present else 0) for name, symbol in _OPTIONAL.items()}
    mode = Mode(lam, D, eta, values["curvature_noise"], values["mean_grad"], values["cross"], dynamics=dynamics)
    m0, v0 = values["mean0"], values["var0"]

    def stationary(value):
        return sp.Piecewise((value, mode.has_stationary_law()), (sp.nan, True))

    expr = {
        "mean": lambda: mode.mean(k_step, m0),
        "variance": lambda: mode.variance(k_step, m0, v0),
        "contraction": lambda: mode.contraction(),
        "growth_offset": lambda: mode.growth_offset(),
        "stationary_variance": lambda: stationary(mode.stationary_variance()),
        "stationary_mean": lambda: stationary(mode.stationary_mean()),
    }[quantity]()
    args = (lam, D, eta, k_step) + tuple(_OPTIONAL[name] for name in _OPTIONAL if name in present)
    return expr, args


@cache
def _regime_expression(dynamics: Dynamics, with_curvature_noise: bool) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    """The regime rule with the dynamics' growth offset in place of u."""
    offset = Mode(lam, D, eta, Gamma if with_curvature_noise else 0, dynamics=dynamics).growth_offset()
    return regime_rule().xreplace({growth: offset}), (lam, eta, horizon) + ((Gamma,) if with_curvature_noise else ())


def regime_names(codes) -> np.ndarray:
    """Regime names (``"confined"``, ...) for the integer codes :meth:`ModeFunctions.regime` returns.

    Raises:
        ValueError: codes that are not integers in ``0..len(REGIMES) - 1`` (text included).
    """
    codes = codes.detach().cpu().numpy() if hasattr(codes, "detach") else np.asarray(codes)
    if codes.dtype.kind not in "iuf" or not np.all(np.isin(codes, np.arange(len(REGIMES)))):
        raise ValueError(f"regime codes are integers in 0..{len(REGIMES) - 1}; got {codes!r}")
    return np.asarray(REGIMES, dtype=object)[codes.astype(np.int64)]


class ModeFunctions:
    """Vectorised mode formulas for one backend and one dynamics; see :func:`mode_functions`.

    Every method takes ``(curvature, grad_noise, lr, k)`` and the keywords ``curvature_noise``,
    ``mean_grad``, ``cross``, ``mean0``, ``var0`` (default 0), each a number or an array; the
    arrays broadcast together. The stationary quantities and the contraction take no ``k``.

    ``langevin_*`` and ``sme2_*`` are documented thin aliases of the same quantity under
    :data:`~sgdfp.derive.LANGEVIN` or :data:`~sgdfp.derive.SME2` dynamics.

    Raises:
        ValueError: NaN or infinite arguments, negative variances, a non-positive learning rate, a
            negative or non-integer step (nothing is returned as a silent NaN for bad input).
        TypeError: an unknown keyword.
    """

    def __init__(self, backend: str, dynamics: Dynamics | str | None = None):
        self.backend = check_backend(backend)
        self.dynamics = get_dynamics(dynamics)

    def __repr__(self) -> str:
        return f"ModeFunctions({self.backend!r}, {self.dynamics.name!r})"

    def function(self, quantity: str, present: frozenset = frozenset()) -> CompiledFunction:
        """The compiled function of one quantity for the given set of present optional parameters.

        Raises:
            ValueError: an unknown quantity or optional parameter name.
            TypeError: ``present`` is not a set of names.
        """
        if not isinstance(quantity, str) or quantity not in _QUANTITIES:
            raise ValueError(f"unknown quantity {quantity!r}; choose one of {', '.join(_QUANTITIES)}")
        if not isinstance(present, (set, frozenset)):
            raise TypeError(f"present must be a set of optional parameter names; got {type(present).__name__}")
        if not present <= set(_OPTIONAL):
            raise ValueError(f"unknown optional parameter(s) {sorted(map(repr, present - set(_OPTIONAL)))}; "
                             f"allowed: {', '.join(_OPTIONAL)}")
        expr, args = _expression(self.dynamics, quantity, frozenset(present))
        return compile(expr, args, self.backend)

    def _evaluate(self, quantity, curvature, grad_noise, lr, k, optional):
        unknown = set(optional) - set(_OPTIONAL)
        if unknown:
            raise TypeError(f"unknown keyword(s) {sorted(unknown)}; allowed: {', '.join(_OPTIONAL)}")
        named = {"curvature": curvature, "grad_noise": grad_noise, "lr": lr, **optional}
        for name, value in named.items():
            check_finite(name, value)
            check_domain(name, value)
        check_steps(k)
        present = frozenset(name for name, value in optional.items() if not _is_zero(value))
        function = self.function(quantity, present)
        values = [curvature, grad_noise, lr, k] + [optional[name] for name in _OPTIONAL if name in present]
        return function(*values)

    def mean(self, curvature, grad_noise, lr, k, **optional):
        """:math:`\\mathbb{E}[y_k]`."""
        return self._evaluate("mean", curvature, grad_noise, lr, k, optional)

    def variance(self, curvature, grad_noise, lr, k, **optional):
        """:math:`\\operatorname{Var}[y_k]`."""
        return self._evaluate("variance", curvature, grad_noise, lr, k, optional)

    def contraction(self, curvature, grad_noise, lr, **optional):
        """:math:`q`."""
        return self._evaluate("contraction", curvature, grad_noise, lr, 0, optional)

    def growth_offset(self, curvature, grad_noise, lr, **optional):
        """:math:`q - 1`, without cancellation."""
        return self._evaluate("growth_offset", curvature, grad_noise, lr, 0, optional)

    def stationary_variance(self, curvature, grad_noise, lr, **optional):
        """The stationary variance (``nan`` where no stationary law exists)."""
        return self._evaluate("stationary_variance", curvature, grad_noise, lr, 0, optional)

    def stationary_mean(self, curvature, grad_noise, lr, **optional):
        """The stationary mean (``nan`` where no stationary law exists)."""
        return self._evaluate("stationary_mean", curvature, grad_noise, lr, 0, optional)

    def regime(self, curvature, lr, horizon=None, *, curvature_noise=0.0):
        """Integer regime codes (indices into :data:`~sgdfp.derive.REGIMES`; :func:`regime_names` names them),
        by the compiled regime rule; ``horizon=None`` is an infinite horizon."""
        for name, value in (("curvature", curvature), ("lr", lr), ("curvature_noise", curvature_noise)):
            check_finite(name, value)
            check_domain(name, value)
        horizon = np.inf if horizon is None else horizon
        if hasattr(horizon, "detach"):  # a torch tensor
            steps = horizon.detach().cpu().numpy()
        elif isinstance(horizon, (str, bytes)) or np.asarray(horizon).dtype.kind in "USO":
            raise TypeError(f"horizon must be a number or an array of numbers, not text or objects; got {horizon!r}")
        else:
            steps = np.asarray(horizon, dtype=np.float64)
        if np.any(np.isnan(steps)) or np.any(steps <= 0):
            raise ValueError(f"horizon must be a positive number of steps (inf for none); got {horizon!r}")
        with_noise = not _is_zero(curvature_noise)
        expr, args = _regime_expression(self.dynamics, with_noise)
        values = [curvature, lr, horizon] + ([curvature_noise] if with_noise else [])
        return compile(expr, args, self.backend)(*values)

    # documented thin aliases: the same quantity under another dynamics
    def langevin_mean(self, curvature, grad_noise, lr, k, **optional):
        """Alias of ``mode_functions(backend, LANGEVIN).mean``."""
        return mode_functions(self.backend, LANGEVIN).mean(curvature, grad_noise, lr, k, **optional)

    def langevin_variance(self, curvature, grad_noise, lr, k, **optional):
        """Alias of ``mode_functions(backend, LANGEVIN).variance``."""
        return mode_functions(self.backend, LANGEVIN).variance(curvature, grad_noise, lr, k, **optional)

    def sme2_variance(self, curvature, grad_noise, lr, k, **optional):
        """Alias of ``mode_functions(backend, SME2).variance``."""
        return mode_functions(self.backend, SME2).variance(curvature, grad_noise, lr, k, **optional)

    def langevin_stationary_variance(self, curvature, grad_noise, lr, **optional):
        """Alias of ``mode_functions(backend, LANGEVIN).stationary_variance``."""
        return mode_functions(self.backend, LANGEVIN).stationary_variance(curvature, grad_noise, lr, **optional)


@cache
def _mode_functions(backend: str, dynamics: Dynamics) -> ModeFunctions:
    return ModeFunctions(backend, dynamics)


def mode_functions(backend: str = "numpy", dynamics: Dynamics | str | None = None) -> ModeFunctions:
    """The compiled mode formulas for ``backend`` (``"numpy"`` or ``"torch"``) under ``dynamics`` (SGD by default)."""
    return _mode_functions(check_backend(backend), get_dynamics(dynamics))



