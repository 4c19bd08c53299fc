r"""The momentum formulas of :class:`sgdfp.derive.MomentumMode`, compiled for arrays of modes and steps.

``momentum_functions("numpy").variance(lam, D, eta, k, momentum=0.9)`` evaluates the variance of :math:`y_k`
under heavy-ball momentum (``nesterov=True``: Nesterov) with coupled weight decay for every broadcast
combination of modes and steps in one call, from :math:`v_0 = 0`.

There is no closed form to compile: the entries of the mean-and-covariance recursion
:func:`~sgdfp.derive.mode.momentum.centred_matrix` (derived by the engine, nothing typed in) are compiled by
:func:`~sgdfp.numerics.compile` into one function that builds the :math:`9 \times 9` matrices of all modes at
once, and the moments at step :math:`k` are matrix powers (repeated squaring, :math:`O(\log k)` products; the
steps asked for are visited in order, each advanced from the last). Powers are the stable form here: a flat
mode's linear growth or a nearly unstable mode's :math:`q^k` need no division by :math:`1 - q`, and the
covariance is propagated apart from the mean, so a mode whose mean is far larger than its spread (weight decay
pulling it across the landscape) loses no digits to :math:`\mathbb{E}y^2 - (\mathbb{E}y)^2`. The spectral
radius :math:`q` of the second-moment block and the stationary law come from the same matrices
(``eigvals``, ``solve``); the regime is :mod:`the one rule <sgdfp.derive.mode.regime>`, compiled, read with
the curvature :math:`\lambda + \omega` and :math:`u = q - 1`.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from sgdfp.derive.mode.momentum import centred_matrix, flat_diffusion
from sgdfp.derive.mode.parameters import D, Gamma, beta, gbar, horizon, lam, omega, rho
from sgdfp.derive.mode.regime import growth, regime_rule
from sgdfp.derive.symbols import eta
from sgdfp.numerics.backends import check_backend
from sgdfp.numerics.codegen import compile
from sgdfp.numerics.modes import check_domain, check_finite, check_steps

__all__ = ["momentum_functions", "MomentumFunctions"]

#: The optional keywords and their defaults; ``momentum`` has none (plain SGD is :func:`mode_functions`).
_OPTIONAL = ("weight_decay", "curvature_noise", "mean_grad", "cross", "mean0", "var0")
_MATRIX_ARGS = (lam, D, eta, Gamma, gbar, rho, beta, omega)
_VARIANCE, _MEAN = 6, 1  # positions in the centred state (1, m_y, m_v, m m, C)


@cache
def _matrix_function(backend: str, nesterov: bool):
    return compile(list(centred_matrix(nesterov)), _MATRIX_ARGS, backend)


@cache
def _diffusion_function(backend: str, nesterov: bool):
    return compile(flat_diffusion(nesterov), (D, eta, beta), backend)


@cache
def _regime_function(backend: str):
    return compile(regime_rule(), (lam, growth, horizon), backend)


class _Numpy:
    """The linear algebra of the recursion on numpy arrays (float64)."""

    @staticmethod
    def asarray(value, like=None):
        return np.asarray(value, dtype=np.float64)

    stack = staticmethod(np.stack)
    matrix_power = staticmethod(np.linalg.matrix_power)
    broadcast_shapes = staticmethod(np.broadcast_shapes)

    @staticmethod
    def spectral_radius(blocks):
        return np.abs(np.linalg.eigvals(blocks)).max(axis=-1)

    @staticmethod
    def solve(matrices, rhs):
        return np.linalg.solve(matrices, rhs[..., None])[..., 0]

    @staticmethod
    def take(values, index):
        return np.take_along_axis(values, index, axis=0)[0]

    @staticmethod
    def where(mask, a, b):
        return np.where(mask, a, b)


class _Torch:
    """The same on torch tensors (their device and dtype)."""

    def __init__(self):
        import torch

        self.torch = torch

    def asarray(self, value, like=None):
        if isinstance(value, self.torch.Tensor):
            return value
        dtype = like.dtype if like is not None else self.torch.float64
        device = like.device if like is not None else None
        return self.torch.as_tensor(value, dtype=dtype, device=device)

    def stack(self, values, axis):
        return self.torch.stack(values, dim=axis)

    def matrix_power(self, matrices, n):
        return self.torch.linalg.matrix_power(matrices, int(n))

    @staticmethod
    def broadcast_shapes(*shapes):
        return tuple(np.broadcast_shapes(*shapes))

    def spectral_radius(self, blocks):
        return self.torch.linalg.eigvals(blocks).abs().amax(dim=-1)

    def solve(self, matrices, rhs):
        return self.torch.linalg.solve(matrices, rhs)

    def take(self, values, index):
        return self.torch.take_along_dim(values, index, dim=0)[0]

    def where(self, mask, a, b):
        return self.torch.where(mask, a, b)


class MomentumFunctions:
    """Vectorised momentum formulas for one backend and one optimiser kind; see :func:`momentum_functions`.

    Every method takes ``(curvature, grad_noise, lr[, k])``, the keyword ``momentum`` (:math:`0 \\le \\beta < 1`)
    and the optional keywords ``weight_decay`` (:math:`\\omega \\ge 0`, coupled L2), ``curvature_noise``,
    ``mean_grad``, ``cross``, ``mean0``, ``var0`` (default 0), each a number or an array; the arrays broadcast
    together (``k`` too). The velocity starts at 0.

    Raises:
        ValueError: NaN or infinite arguments, negative variances, a non-positive learning rate, a momentum outside
            [0, 1), a negative weight decay, a negative or non-integer step.
        TypeError: text where numbers belong, an unknown keyword.
    """

    def __init__(self, backend: str, nesterov: bool = False):
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov must be True or False; got {nesterov!r}")
        self.backend = check_backend(backend)
        self.nesterov = bool(nesterov)
        self._linalg = _Numpy() if self.backend == "numpy" else _Torch()

    def __repr__(self) -> str:
        return f"MomentumFunctions({self.backend!r}, nesterov={self.nesterov})"

    # ------------------------------------------------------------------ the recursion
    def _parameters(self, curvature, grad_noise, lr, momentum, optional) -> dict:
        unknown = set(optional) - set(_OPTIONAL)
        if unknown:
            raise TypeError(f"unknown keyword(s) {sorted(unknown)}; allowed: momentum, {', '.join(_OPTIONAL)}")
        named = {"curvature": curvature, "grad_noise": grad_noise, "lr": lr, "momentum": momentum,
                 **{name: optional.get(name, 0.0) for name in _OPTIONAL}}
        for name, value in named.items():
            check_finite(name, value)
            if name not in ("momentum", "weight_decay"):
                check_domain(name, value)
        for name, upper in (("momentum", 1.0), ("weight_decay", None)):
            value = named[name]
            data = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value, dtype=np.float64)
            if np.any(data < 0) or (upper is not None and np.any(data >= upper)):
                allowed = "0 <= momentum < 1" if upper is not None else "weight_decay >= 0"
                raise ValueError(f"{name} must satisfy {allowed}; got {data.min() if np.any(data < 0) else data.max():g}")
        like = next((v for v in named.values() if hasattr(v, "detach")), None)
        return {name: self._linalg.asarray(value, like) for name, value in named.items()}

    def _matrices(self, p: dict):
        entries = _matrix_function(self.backend, self.nesterov)(
            p["curvature"], p["grad_noise"], p["lr"], p["curvature_noise"], p["mean_grad"], p["cross"],
            p["momentum"], p["weight_decay"])
        shape = tuple(entries[0].shape)
        return self._linalg.stack(list(entries), -1).reshape(*shape, 9, 9)

    def _start(self, p: dict):
        """:math:`w_0`: :math:`y_0` with mean ``mean0`` and variance ``var0``, :math:`v_0 = 0`."""
        m0, zero = p["mean0"], 0 * p["mean0"]
        return self._linalg.stack([zero + 1, m0, zero, m0 * m0, zero, zero, p["var0"], zero, zero], -1)

    def matrix(self, curvature, grad_noise, lr, *, momentum, **optional):
        """The :math:`9 \\times 9` recursion :math:`w_{k+1} = A_c w_k` of every mode, on the state
        :func:`~sgdfp.derive.mode.momentum.centred_basis` (shape ``(*modes, 9, 9)``)."""
        p = self._parameters(curvature, grad_noise, lr, momentum, optional)
        return self._matrices(self._broadcast(p))

    def _broadcast(self, p: dict) -> dict:
        la = self._linalg
        shape = la.broadcast_shapes(*(tuple(v.shape) for v in p.values()))
        zero = la.asarray(np.zeros(shape), p["curvature"]) if self.backend == "numpy" else \
            p["curvature"].new_zeros(shape)
        return {name: value + zero for name, value in p.items()}

    def states(self, curvature, grad_noise, lr, k, *, momentum, **optional):
        """The centred state :math:`w_k = (1, m_y, m_v, m_y^2, m_y m_v, m_v^2, C_{yy}, C_{yv}, C_{vv})` at the
        broadcast of ``k`` with the parameters (shape ``(*broadcast, 9)``)."""
        return self._at_steps(curvature, grad_noise, lr, k, momentum, optional, slice(None))

    def mean(self, curvature, grad_noise, lr, k, *, momentum, **optional):
        """:math:`\\mathbb{E}[y_k]`."""
        return self._at_steps(curvature, grad_noise, lr, k, momentum, optional, _MEAN)

    def variance(self, curvature, grad_noise, lr, k, *, momentum, **optional):
        """:math:`\\operatorname{Var}[y_k]` (``inf`` where an unstable mode's moments overflow)."""
        return self._at_steps(curvature, grad_noise, lr, k, momentum, optional, _VARIANCE)

    def _at_steps(self, curvature, grad_noise, lr, k, momentum, optional, component):
        la = self._linalg
        p = self._broadcast(self._parameters(curvature, grad_noise, lr, momentum, optional))
        steps = check_steps(k)
        A = self._matrices(p)
        shape = tuple(A.shape[:-2])
        unique, index = np.unique(steps, return_inverse=True)
        state, done, picked = self._start(p), 0, []
        for step in unique.astype(np.int64):
            with np.errstate(over="ignore", invalid="ignore"):
                state = (la.matrix_power(A, int(step) - done) @ state[..., None])[..., 0]
            done = int(step)
            picked.append(state[..., component])
        values = la.stack(picked, 0)  # (steps, *shape[, 9])
        out_shape = la.broadcast_shapes(tuple(np.shape(steps)), shape)
        extra = () if isinstance(component, int) else (9,)
        values = values.reshape(len(unique), *((1,) * (len(out_shape) - len(shape))), *shape, *extra)
        index = np.asarray(index).reshape(np.shape(steps))
        index = index.reshape(1, *((1,) * (len(out_shape) - index.ndim)), *index.shape, *((1,) * len(extra)))
        if self.backend == "torch":
            index = la.torch.as_tensor(index, device=values.device)
        result = la.take(values, index)
        result = la.where(result != result, la.asarray(np.inf, result), result)  # inf * 0 in an overflowed power
        return result

    # ------------------------------------------------------------------ growth, stationary law, regime
    def contraction(self, curvature, grad_noise, lr, *, momentum, **optional):
        """:math:`q`, the spectral radius of the second-moment map."""
        p = self._broadcast(self._parameters(curvature, grad_noise, lr, momentum, optional))
        return self._linalg.spectral_radius(self._matrices(p)[..., 6:, 6:])

    def growth_offset(self, curvature, grad_noise, lr, *, momentum, **optional):
        """:math:`u = q - 1`."""
        return self.contraction(curvature, grad_noise, lr, momentum=momentum, **optional) - 1

    def stationary_state(self, curvature, grad_noise, lr, *, momentum, **optional):
        """The fixed point of the centred recursion (``nan`` where :math:`q \\ge 1` or :math:`\\lambda + \\omega
        \\le 0`: no stationary law), shape ``(*modes, 9)``."""
        la = self._linalg
        p = self._broadcast(self._parameters(curvature, grad_noise, lr, momentum, optional))
        A = self._matrices(p)
        q = la.spectral_radius(A[..., 6:, 6:])
        stable = (q < 1) & (p["curvature"] + p["weight_decay"] > 0)
        eye = la.asarray(np.eye(8), A)
        # unstable modes get a harmless system (the identity) and are set to nan after the solve
        system = la.where(stable[..., None, None], eye - A[..., 1:, 1:], eye)
        rhs = la.where(stable[..., None], A[..., 1:, 0], 0 * A[..., 1:, 0])
        solution = la.solve(system, rhs)
        state = la.stack([0 * solution[..., 0] + 1] + [solution[..., i] for i in range(8)], -1)
        return la.where(stable[..., None], state, la.asarray(np.nan, state))

    def stationary_variance(self, curvature, grad_noise, lr, *, momentum, **optional):
        """The stationary variance of :math:`y` (``nan`` where no stationary law exists)."""
        return self.stationary_state(curvature, grad_noise, lr, momentum=momentum, **optional)[..., _VARIANCE]

    def stationary_mean(self, curvature, grad_noise, lr, *, momentum, **optional):
        """The stationary mean of :math:`y` (``nan`` where no stationary law exists)."""
        return self.stationary_state(curvature, grad_noise, lr, momentum=momentum, **optional)[..., _MEAN]

    def regime(self, curvature, lr, horizon=None, *, momentum, weight_decay=0.0, curvature_noise=0.0):
        """Integer regime codes (:func:`~sgdfp.numerics.regime_names` names them) by the compiled regime rule with
        the curvature :math:`\\lambda + \\omega` and :math:`u = q - 1`; ``horizon=None`` is an infinite horizon."""
        u = self.growth_offset(curvature, 0.0, lr, momentum=momentum, weight_decay=weight_decay,
                               curvature_noise=curvature_noise)
        horizon = np.inf if horizon is None else horizon
        steps = horizon.detach().cpu().numpy() if hasattr(horizon, "detach") else np.asarray(horizon, np.float64)
        if np.any(np.isnan(steps)) or np.any(steps <= 0):
            raise ValueError(f"horizon must be a positive number of steps (inf for none); got {horizon!r}")
        la = self._linalg
        effective = la.asarray(curvature, u) + la.asarray(weight_decay, u)
        return _regime_function(self.backend)(effective, u, horizon)

    def diffusion_coefficient(self, grad_noise, lr, *, momentum):
        """The flat mode's diffusion coefficient per step, :math:`\\eta^2 D/(2(1 - \\beta)^2)`
        (:func:`~sgdfp.derive.mode.momentum.flat_diffusion`): :math:`\\operatorname{Var}y_k \\simeq 2\\mathcal
        D_\\mathrm{eff} k`."""
        p = self._parameters(0.0, grad_noise, lr, momentum, {})
        return _diffusion_function(self.backend, self.nesterov)(p["grad_noise"], p["lr"], p["momentum"])


@cache
def _momentum_functions(backend: str, nesterov: bool) -> MomentumFunctions:
    return MomentumFunctions(backend, nesterov)


def momentum_functions(backend: str = "numpy", nesterov: bool = False) -> MomentumFunctions:
    """The compiled momentum formulas for ``backend`` (``"numpy"`` or ``"torch"``): heavy ball, or Nesterov."""
    if not isinstance(nesterov, (bool, np.bool_)):
        raise TypeError(f"nesterov must be True or False; got {nesterov!r}")
    return _momentum_functions(check_backend(backend), bool(nesterov))

