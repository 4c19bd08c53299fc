r"""Simulators of the discrete maps that every formula is checked against.

- :func:`simulate_mode`: :math:`y' = (1 - \eta h)y - \eta g` for an array of modes at once;
- :func:`simulate_quadratic`: :math:`x' = (I - \eta H_B)x - \eta g_B` in d dimensions;
- :func:`simulate_momentum`: heavy-ball or Nesterov momentum with weight decay on one mode,
  :math:`v' = \beta v - \eta((h + \omega)p + g)`, :math:`y' = y + v'`, for an array of modes at once.

Both are vectorised over chains, seeded, run on numpy or torch (a CUDA device when asked and
present), and reduce the state to moments at the requested steps as they go: memory is
:math:`O(\text{chains} \times \text{state})`, never the trajectory (unless ``keep_samples``).
Noise is Gaussian with the given moments unless a ``sampler`` is supplied. Chains whose state
stops being finite are counted as diverged and left out of the moments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sgdfp.numerics.backends import check_backend, get_backend

__all__ = ["simulate_mode", "simulate_quadratic", "simulate_momentum", "ModeSimulation", "QuadraticSimulation",
           "MomentumSimulation"]


@dataclass
class ModeSimulation:
    """Moments of simulated modes at the requested steps (first axis: step; then the mode shape).

    ``moments[j]`` is :math:`\\mathbb{E}[y^j]` for ``j = 1..max_moment``; ``variance`` is centred;
    ``standard_error`` holds the Monte Carlo errors of ``mean`` and ``variance``."""

    steps: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    moments: dict
    standard_error: dict
    chains: int
    diverged: np.ndarray
    samples: dict = field(default_factory=dict)


@dataclass
class QuadraticSimulation:
    """Mean ``(steps, d)`` and covariance ``(steps, d, d)`` of the simulated d-dimensional map."""

    steps: np.ndarray
    mean: np.ndarray
    covariance: np.ndarray
    chains: int
    diverged: np.ndarray
    samples: dict = field(default_factory=dict)


@dataclass
class MomentumSimulation:
    """Moments of simulated momentum modes at the requested steps.

    ``mean`` has shape ``(steps, 2) + mode shape`` (components ``y``, ``v``), ``covariance`` ``(steps, 2, 2) +
    mode shape``; ``standard_error["mean"]`` and ``standard_error["covariance"]`` are their Monte Carlo errors."""

    steps: np.ndarray
    mean: np.ndarray
    covariance: np.ndarray
    standard_error: dict
    chains: int
    diverged: np.ndarray

    @property
    def variance(self) -> np.ndarray:
        """The variance of ``y``, shape ``(steps,) + mode shape``."""
        return self.covariance[:, 0, 0]


def _numbers(name: str, value) -> np.ndarray:
    """A parameter as a float64 array: text (never parsed), NaN and infinity are refused."""
    if isinstance(value, (str, bytes)) or np.asarray(value).dtype.kind in "USO":
        raise TypeError(f"{name} must be a number or an array of numbers, not text or objects; got {value!r}")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers; got {type(value).__name__}") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has NaN or infinite entries; it must be finite")
    return array


def _check_options(sampler, keep_samples, max_moment=1) -> None:
    if isinstance(max_moment, (bool, np.bool_)) or not isinstance(max_moment, (int, np.integer)) or max_moment < 1:
        raise ValueError(f"max_moment must be a positive integer; got {max_moment!r}")
    if sampler is not None and not callable(sampler):
        raise TypeError(f"sampler must be a function sampler(normal, shape) or None; got {type(sampler).__name__}")
    if not isinstance(keep_samples, (bool, np.bool_)):
        raise TypeError(f"keep_samples must be True or False; got {keep_samples!r}")


def _check_steps(steps) -> np.ndarray:
    if isinstance(steps, (str, bytes)) or np.asarray(steps).dtype.kind not in "iuf":
        raise TypeError(f"steps must be non-negative integers; got {steps!r}")
    steps = np.atleast_1d(np.asarray(steps))
    if steps.ndim != 1 or steps.size == 0 or not np.all(np.equal(np.mod(steps, 1), 0)) or np.any(steps < 0):
        raise ValueError(f"steps must be non-negative integers; got {steps!r}")
    return np.unique(steps.astype(np.int64))


def _check_chains(chains) -> int:
    if isinstance(chains, (bool, np.bool_)) or not isinstance(chains, (int, np.integer)) or chains < 2:
        raise ValueError(f"chains must be an integer >= 2; got {chains!r}")
    return int(chains)


def _gaussian_minibatch(arrays, rng, lam, d, gamma, gbar, rho):
    """``draw(shape) -> (h, g)``: a mode's minibatch curvature and gradient, Gaussian with means (lam, gbar),
    variances (Gamma, D) and covariance rho, as ``(lam + sqrt(Gamma) z1, gbar + r z1 + s z2)`` with
    ``r = rho / sqrt(Gamma)``, ``s = sqrt(D - r^2)``.

    Raises:
        ValueError: rho^2 > Gamma D (no such law).
    """
    if np.any(rho**2 > gamma * d * (1 + 1e-12)):
        raise ValueError("cross is impossible: Cov(h, g)^2 must not exceed Var(h) Var(g)")
    sqrt_gamma = np.sqrt(gamma)
    r = np.divide(rho, sqrt_gamma, out=np.zeros_like(rho), where=sqrt_gamma > 0)
    s = np.sqrt(np.maximum(d - r**2, 0.0))
    lam_, sg_, gbar_, r_, s_ = (arrays.asarray(a, rng.device) for a in (lam, sqrt_gamma, gbar, r, s))

    def draw(shape):
        z1, z2 = rng.normal(shape), rng.normal(shape)
        return lam_ + sg_ * z1, gbar_ + r_ * z1 + s_ * z2
    return draw


def simulate_mode(curvature, grad_noise, lr, steps: Sequence[int], *, curvature_noise=0.0, mean_grad=0.0,
                  cross=0.0, mean0=0.0, var0=0.0, chains: int = 100_000, seed: int = 0, backend: str = "numpy",
                  device: str | None = None, max_moment: int = 4,
                  sampler: Callable | None = None, keep_samples: bool = False) -> ModeSimulation:
    r"""Simulate :math:`y_{k+1} = (1 - \eta h_k) y_k - \eta g_k` for every mode of a parameter array.

    Args:
        curvature, grad_noise, lr, curvature_noise, mean_grad, cross: as in
            :class:`sgdfp.derive.Mode`; numbers or arrays that broadcast to the mode shape.
        steps: the steps at which moments are recorded.
        mean0, var0: the Gaussian initial law.
        chains: independent chains per mode.
        seed: the RNG seed (results are reproducible per backend and device).
        backend: ``"numpy"`` or ``"torch"``; ``device`` for torch (``"auto"``: CUDA when present).
        max_moment: raw moments recorded, :math:`\mathbb{E}[y^j]` for ``j <= max_moment``.
        sampler: optional ``sampler(normal, shape) -> (h, g)``, where ``normal(shape)`` draws
            standard normals from the simulator's RNG; replaces the Gaussian noise.
        keep_samples: also return the chains' states at the requested steps.

    Raises:
        TypeError: text (never parsed) or objects where numbers belong; a sampler that is not callable.
        ValueError: NaN or infinite parameters, negative variances, an impossible ``cross``, bad steps,
            chains, ``max_moment``, backend or device.
    """
    arrays = get_backend(check_backend(backend))
    names = ("curvature", "grad_noise", "lr", "curvature_noise", "mean_grad", "cross", "mean0", "var0")
    values = [_numbers(n, v) for n, v in zip(names, (curvature, grad_noise, lr, curvature_noise, mean_grad, cross,
                                                      mean0, var0))]
    checkpoints = _check_steps(steps)
    chains = _check_chains(chains)
    _check_options(sampler, keep_samples, max_moment)
    rng = arrays.random(seed, device)
    try:
        params = np.broadcast_arrays(*values)
    except ValueError:
        raise ValueError(f"the parameters' shapes do not broadcast together: {[v.shape for v in values]}") from None
    lam, d, eta, gamma, gbar, rho, m0, v0 = params
    if np.any(d < 0) or np.any(gamma < 0) or np.any(v0 < 0):
        raise ValueError("grad_noise, curvature_noise and var0 are variances and cannot be negative")
    if np.any(eta <= 0):
        raise ValueError("lr must be positive")
    draw = _gaussian_minibatch(arrays, rng, lam, d, gamma, gbar, rho)
    shape = (chains,) + lam.shape
    eta_ = arrays.asarray(eta, rng.device)
    y = arrays.asarray(m0, rng.device) + arrays.asarray(np.sqrt(v0), rng.device) * rng.normal(shape)
    records: dict[int, dict] = {}
    for k in range(int(checkpoints[-1]) + 1):
        if k in checkpoints:
            records[k] = _mode_moments(arrays, y, max_moment, keep_samples)
        if k == checkpoints[-1]:
            break
        if sampler is None:
            h, g = draw(shape)
        else:
            h, g = sampler(rng.normal, shape)
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is counted, not warned about
            y = (1 - eta_ * h) * y - eta_ * g
    stack = lambda key: np.stack([records[k][key] for k in checkpoints])  # noqa: E731
    return ModeSimulation(
        steps=checkpoints, mean=stack("mean"), variance=stack("variance"),
        moments={j: np.stack([records[k]["moments"][j] for k in checkpoints]) for j in range(1, max_moment + 1)},
        standard_error={"mean": stack("se_mean"), "variance": stack("se_variance")},
        chains=chains, diverged=stack("diverged"),
        samples={int(k): records[k]["samples"] for k in checkpoints} if keep_samples else {})


def _mode_moments(arrays, y, max_moment, keep_samples):
    finite = arrays.xp.isfinite(y)
    n = finite.sum(0)
    y_np = arrays.to_numpy(y)
    finite_np = arrays.to_numpy(finite)
    count = np.maximum(arrays.to_numpy(n), 1)
    clean = np.where(finite_np, y_np, 0.0)
    mean = clean.sum(0) / count
    centred = np.where(finite_np, y_np - mean, 0.0)
    c2 = (centred**2).sum(0) / count
    c4 = (centred**4).sum(0) / count
    return {
        "mean": mean, "variance": c2,
        "moments": {j: (clean**j).sum(0) / count for j in range(1, max_moment + 1)},
        "se_mean": np.sqrt(c2 / count), "se_variance": np.sqrt(np.maximum(c4 - c2**2, 0.0) / count),
        "diverged": y_np.shape[0] - arrays.to_numpy(n), "samples": y_np.copy() if keep_samples else None,
    }


def simulate_quadratic(hessian, grad_cov, lr: float, steps: Sequence[int], *, curvature_noise=None,
                       mean_grad=None, cross=None, chains: int = 100_000, seed: int = 0, backend: str = "numpy",
                       device: str | None = None, sampler: Callable | None = None,
                       keep_samples: bool = False) -> QuadraticSimulation:
    r"""Simulate :math:`x_{k+1} = (I - \eta H_B)x_k - \eta g_B` from :math:`x_0 = 0`.

    The noise :math:`(\operatorname{vec}\Xi, \zeta)` of :math:`H_B = H + \Xi`, :math:`g_B = \bar g + \zeta`
    is Gaussian with covariance :math:`\begin{pmatrix}\Gamma & \rho\\ \rho^\top & C\end{pmatrix}`
    (parameters as in :class:`sgdfp.numerics.QuadraticModel`), or drawn by
    ``sampler(normal, chains) -> (Xi, zeta)`` with shapes ``(chains, d, d)`` and ``(chains, d)``.

    Raises:
        TypeError: text (never parsed) or objects where numbers belong; a sampler that is not callable.
        ValueError: NaN or infinite parameters, wrong shapes, a Hessian that is not symmetric, a joint
            noise covariance that is not positive semi-definite, :math:`\eta \le 0`, bad steps, chains,
            backend or device.
    """
    arrays = get_backend(check_backend(backend))
    H = _numbers("hessian", hessian)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0 or not np.allclose(H, H.T):
        raise ValueError("hessian must be a non-empty symmetric square matrix")
    dim = H.shape[0]
    C = _numbers("grad_cov", grad_cov)
    if C.shape != (dim, dim):
        raise ValueError(f"grad_cov must have shape {(dim, dim)}; got {C.shape}")
    if isinstance(lr, (bool, np.bool_)) or _numbers("lr", lr).ndim != 0 or not float(lr) > 0:
        raise ValueError(f"lr must be a positive number; got {lr!r}")
    gbar = np.zeros(dim) if mean_grad is None else _numbers("mean_grad", mean_grad)
    gamma = np.zeros((dim,) * 4) if curvature_noise is None else _numbers("curvature_noise", curvature_noise)
    rho = np.zeros((dim,) * 3) if cross is None else _numbers("cross", cross)
    for name, array, shape in (("mean_grad", gbar, (dim,)), ("curvature_noise", gamma, (dim,) * 4),
                               ("cross", rho, (dim,) * 3)):
        if array.shape != shape:
            raise ValueError(f"{name} must have shape {shape}; got {array.shape}")
    checkpoints = _check_steps(steps)
    chains = _check_chains(chains)
    _check_options(sampler, keep_samples)
    rng = arrays.random(seed, device)
    joint = np.block([[gamma.reshape(dim * dim, dim * dim), rho.reshape(dim * dim, dim)],
                      [rho.reshape(dim * dim, dim).T, C]])
    values, vectors = np.linalg.eigh((joint + joint.T) / 2)
    if values.min() < -1e-10 * max(1.0, np.abs(values).max()):
        raise ValueError("the joint covariance of curvature and gradient noise is not positive semi-definite")
    root = arrays.asarray(vectors * np.sqrt(np.clip(values, 0.0, None)), rng.device)  # joint = root root^T
    H_, gbar_ = arrays.asarray(H, rng.device), arrays.asarray(gbar, rng.device)
    eta = float(lr)
    x = arrays.asarray(np.zeros((chains, dim)), rng.device)
    records = {}
    for k in range(int(checkpoints[-1]) + 1):
        if k in checkpoints:
            records[k] = _quadratic_moments(arrays, x, keep_samples)
        if k == checkpoints[-1]:
            break
        if sampler is None:
            noise = rng.normal((chains, dim * dim + dim)) @ root.T
            xi, zeta = noise[:, :dim * dim].reshape(chains, dim, dim), noise[:, dim * dim:]
        else:
            xi, zeta = sampler(rng.normal, chains)
        with np.errstate(over="ignore", invalid="ignore"):
            x = x - eta * (x @ H_.T + (xi @ x[:, :, None])[:, :, 0] + gbar_ + zeta)
    return QuadraticSimulation(steps=checkpoints, mean=np.stack([records[k]["mean"] for k in checkpoints]),
                               covariance=np.stack([records[k]["covariance"] for k in checkpoints]), chains=chains,
                               diverged=np.array([records[k]["diverged"] for k in checkpoints]),
                               samples={int(k): records[k]["samples"] for k in checkpoints} if keep_samples else {})


def _quadratic_moments(arrays, x, keep_samples):
    x_np = arrays.to_numpy(x)
    finite = np.all(np.isfinite(x_np), axis=1)
    kept = x_np[finite]
    mean = kept.mean(0) if len(kept) else np.full(x_np.shape[1], np.nan)
    centred = kept - mean
    covariance = centred.T @ centred / max(len(kept), 1)
    return {"mean": mean, "covariance": covariance, "diverged": int((~finite).sum()),
            "samples": x_np.copy() if keep_samples else None}


def simulate_momentum(curvature, grad_noise, lr, steps: Sequence[int], *, momentum=0.0, nesterov: bool = False,
                      weight_decay=0.0, curvature_noise=0.0, mean_grad=0.0, cross=0.0, mean0=0.0, var0=0.0,
                      chains: int = 100_000, seed: int = 0, backend: str = "numpy",
                      device: str | None = None) -> MomentumSimulation:
    r"""Simulate :math:`v_{k+1} = \beta v_k - \eta((h_k + \omega)p_k + g_k)`, :math:`y_{k+1} = y_k + v_{k+1}` with
    :math:`p = y` (heavy ball) or :math:`p = y + \beta v` (``nesterov``), from :math:`v_0 = 0` and a Gaussian
    :math:`y_0`, for every mode of a parameter array (the map of :class:`sgdfp.derive.mode.momentum.MomentumMode`).

    Args:
        curvature, grad_noise, lr, curvature_noise, mean_grad, cross: as in :func:`simulate_mode`.
        momentum: :math:`\beta \in [0, 1)`; weight_decay: :math:`\omega \ge 0` (coupled: added to the gradient).
        nesterov: the gradient at the look-ahead point.
        steps, mean0, var0, chains, seed, backend, device: as in :func:`simulate_mode`.

    Raises:
        TypeError: text (never parsed) or objects where numbers belong; ``nesterov`` not True/False.
        ValueError: NaN or infinite parameters, negative variances or weight decay, a momentum outside
            [0, 1), an impossible ``cross``, bad steps, chains, backend or device.
    """
    arrays = get_backend(check_backend(backend))
    if not isinstance(nesterov, (bool, np.bool_)):
        raise TypeError(f"nesterov must be True or False; got {nesterov!r}")
    names = ("curvature", "grad_noise", "lr", "curvature_noise", "mean_grad", "cross", "mean0", "var0", "momentum",
             "weight_decay")
    values = [_numbers(n, x) for n, x in zip(names, (curvature, grad_noise, lr, curvature_noise, mean_grad, cross,
                                                      mean0, var0, momentum, weight_decay))]
    checkpoints = _check_steps(steps)
    chains = _check_chains(chains)
    rng = arrays.random(seed, device)
    try:
        params = np.broadcast_arrays(*values)
    except ValueError:
        raise ValueError(f"the parameters' shapes do not broadcast together: {[x.shape for x in values]}") from None
    lam, d, eta, gamma, gbar, rho, m0, v0, beta, omega = params
    if np.any(d < 0) or np.any(gamma < 0) or np.any(v0 < 0):
        raise ValueError("grad_noise, curvature_noise and var0 are variances and cannot be negative")
    if np.any(eta <= 0):
        raise ValueError("lr must be positive")
    if np.any(beta < 0) or np.any(beta >= 1):
        raise ValueError("momentum must satisfy 0 <= momentum < 1")
    if np.any(omega < 0):
        raise ValueError("weight_decay must satisfy weight_decay >= 0")
    draw = _gaussian_minibatch(arrays, rng, lam, d, gamma, gbar, rho)
    shape = (chains,) + lam.shape
    eta_, beta_, omega_ = (arrays.asarray(x, rng.device) for x in (eta, beta, omega))
    y = arrays.asarray(m0, rng.device) + arrays.asarray(np.sqrt(v0), rng.device) * rng.normal(shape)
    vel = y * 0.0
    records: dict[int, dict] = {}
    for k in range(int(checkpoints[-1]) + 1):
        if k in checkpoints:
            records[k] = _pair_moments(arrays, y, vel)
        if k == checkpoints[-1]:
            break
        h, g = draw(shape)
        with np.errstate(over="ignore", invalid="ignore"):
            point = y + beta_ * vel if nesterov else y
            vel = beta_ * vel - eta_ * ((h + omega_) * point + g)
            y = y + vel
    stack = lambda key: np.stack([records[k][key] for k in checkpoints])  # noqa: E731
    return MomentumSimulation(steps=checkpoints, mean=stack("mean"), covariance=stack("covariance"),
                              standard_error={"mean": stack("se_mean"), "covariance": stack("se_covariance")},
                              chains=chains, diverged=stack("diverged"))


def _pair_moments(arrays, y, vel):
    y_np, v_np = arrays.to_numpy(y), arrays.to_numpy(vel)
    finite = np.isfinite(y_np) & np.isfinite(v_np)
    count = np.maximum(finite.sum(0), 1)
    state = [np.where(finite, x, 0.0) for x in (y_np, v_np)]
    mean = [x.sum(0) / count for x in state]
    centred = [np.where(finite, x - m, 0.0) for x, m in zip(state, mean)]
    cov = np.empty((2, 2) + y_np.shape[1:])
    se_cov = np.empty_like(cov)
    with np.errstate(over="ignore", invalid="ignore"):  # huge finite chains overflow their squares: inf, not a warning
        for i in range(2):
            for j in range(2):
                product = centred[i] * centred[j]
                cov[i, j] = product.sum(0) / count
                se_cov[i, j] = np.sqrt(np.maximum((product**2).sum(0) / count - cov[i, j] ** 2, 0.0) / count)
    return {"mean": np.stack(mean), "covariance": cov,
            "se_mean": np.stack([np.sqrt(cov[0, 0] / count), np.sqrt(cov[1, 1] / count)]),
            "se_covariance": se_cov, "diverged": y_np.shape[0] - finite.sum(0)}
