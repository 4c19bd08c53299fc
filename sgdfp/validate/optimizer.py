r"""The optimiser the replicas run, and the theory that predicts them: plain SGD, heavy-ball or Nesterov momentum,
each with coupled L2 weight decay.

One step of :class:`Optimizer` on the parameters :math:`\theta` with velocity :math:`v` (zero at the reference
point) is

.. math::
    v' = \beta v - \eta\,(\nabla L_B(p) + \omega p),\qquad \theta' = \theta + v',

with :math:`p = \theta` (SGD, :math:`\beta = 0`; heavy ball) or :math:`p = \theta + \beta v` (Nesterov, in
Sutskever's form): the map of :class:`sgdfp.derive.MomentumMode`. ``torch.optim.SGD(momentum=, nesterov=True)``
runs the same dynamics on the look-ahead point :math:`p`; the replicas here report :math:`\theta`. The weight decay
pulls towards the origin, as ``torch.optim.SGD(weight_decay=)`` does, not towards the reference point
:math:`\theta^*`: in the mode :math:`i` the pull :math:`\omega(\theta^* + y)` adds :math:`\omega` to the curvature and
:math:`\omega\,e_i^\top\theta^*` to the mean gradient, and the prediction carries both.

:meth:`Optimizer.predict` gives the predictions a run is compared with: the exact discrete theory of this optimiser
(:func:`sgdfp.numerics.mode_functions` for plain SGD, :func:`sgdfp.numerics.momentum_functions` otherwise), its
Langevin counterpart, and for momentum the SGD theory at the effective learning rate :math:`\eta/(1 - \beta)` --
the rule of thumb that momentum is SGD with a larger step. The Langevin counterpart of momentum is the overdamped
Langevin equation at that learning rate (the leading order of the heavy-ball chain for times beyond
:math:`1/(1 - \beta)` steps: the same :math:`\mathcal D_\mathrm{eff} = \eta^2 D/(2(1 - \beta)^2)` per step).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from sgdfp.errors import InputError

if TYPE_CHECKING:  # the step works on tensors; reading a configuration needs no torch
    import torch

__all__ = ["Optimizer", "Predictions", "OPTIMIZERS"]

OPTIMIZERS = ("sgd", "heavy-ball", "nesterov")


@cache
def _effective_sgd():
    """derive's :func:`~sgdfp.derive.mode.momentum.effective_sgd`, compiled: (curvature, lr) of (lambda, eta, beta,
    omega)."""
    from sgdfp.derive.mode.momentum import effective_sgd
    from sgdfp.derive.mode.parameters import beta, lam, omega
    from sgdfp.derive.symbols import eta
    from sgdfp.numerics import compile

    mapping = effective_sgd()
    return compile([mapping[lam], mapping[eta]], (lam, eta, beta, omega))


@dataclass(frozen=True)
class Predictions:
    """What the theory says of every mode of one run: variances at the checkpoints ``(C, m)``, the stationary
    variance and the regime ``(m,)``; ``effective_sgd`` is None for plain SGD."""

    variance: np.ndarray
    langevin: np.ndarray
    stationary: np.ndarray
    regimes: list[str]
    effective_sgd: np.ndarray | None


@dataclass(frozen=True)
class Optimizer:
    """The replicas' optimiser: ``kind`` one of :data:`OPTIMIZERS`, ``momentum`` :math:`\\beta`, ``weight_decay``
    :math:`\\omega`.

    Raises:
        InputError: an unknown kind, a momentum outside [0, 1) (or non-zero for plain SGD, or zero for momentum),
            a negative or non-finite weight decay.
    """

    kind: str = "sgd"
    momentum: float = 0.0
    weight_decay: float = 0.0

    def __post_init__(self):
        if self.kind not in OPTIMIZERS:
            raise InputError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {self.kind!r}")
        for name, value in (("momentum", self.momentum), ("weight_decay", self.weight_decay)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
                raise InputError(f"{name} must be a finite number >= 0; got {value!r}")
        if self.kind == "sgd" and self.momentum != 0:
            raise InputError(f"--momentum {self.momentum} needs --optimizer heavy-ball or nesterov (plain SGD has "
                             f"none)")
        if self.kind != "sgd" and not 0 < self.momentum < 1:
            raise InputError(f"--optimizer {self.kind} needs a momentum 0 < beta < 1 (--momentum); got "
                             f"{self.momentum!r}")

    @property
    def has_velocity(self) -> bool:
        return self.kind != "sgd"

    @property
    def nesterov(self) -> bool:
        return self.kind == "nesterov"

    def __str__(self) -> str:
        text = "SGD" if self.kind == "sgd" else f"{self.kind} momentum {self.momentum:g}"
        return text + (f", weight decay {self.weight_decay:g}" if self.weight_decay else "")

    # ------------------------------------------------------------------ the replicas' step
    def gradient_point(self, thetas: torch.Tensor, velocities: torch.Tensor | None) -> torch.Tensor:
        """Where the minibatch gradient is taken: the look-ahead point for Nesterov, the parameters otherwise."""
        return thetas + self.momentum * velocities if self.nesterov else thetas

    def step(self, thetas: torch.Tensor, velocities: torch.Tensor | None, gradients: torch.Tensor,
             points: torch.Tensor, lr: float) -> tuple[torch.Tensor, torch.Tensor | None]:
        """One step from the minibatch ``gradients`` at ``points``: the new parameters and velocities."""
        force = gradients + self.weight_decay * points if self.weight_decay else gradients
        if not self.has_velocity:
            return thetas - lr * force, None
        velocities = self.momentum * velocities - lr * force
        return thetas + velocities, velocities

    # ------------------------------------------------------------------ the theory
    def predict_coupled(self, stats, lr: float, checkpoints: np.ndarray,
                        reference_projection: np.ndarray | None = None) -> np.ndarray | None:
        r"""The coupled closure's variances ``(C, m)`` in the fixed frame (:class:`sgdfp.numerics.CoupledClosure`),
        where ``stats`` has the pairs' curvature noise and the replicas run SGD (weight decay included: it adds
        :math:`\omega` to every curvature and :math:`\omega e_i^\top\theta^*` to the mean gradient); ``None``
        otherwise -- with momentum the closure would run on the (y, v) state, which is not built."""
        from sgdfp.numerics import CoupledClosure

        if getattr(stats, "pair_curvature_noise", None) is None or self.has_velocity:
            return None
        mean_grad = stats.mean_grad
        if self.weight_decay:
            if reference_projection is None:
                raise ValueError("a prediction with weight decay needs the reference point's projection")
            mean_grad = mean_grad + self.weight_decay * np.asarray(reference_projection, dtype=np.float64)
        closure = CoupledClosure(stats.curvature + self.weight_decay, stats.grad_noise, lr, stats.pair_curvature_noise,
                                 mean_grad, stats.pair_cross)
        with np.errstate(over="ignore", invalid="ignore"):  # a growing closure overflows to inf: no prediction there
            return closure.trajectory(np.asarray(checkpoints, dtype=np.int64))[1]

    def predict(self, stats, lr: float, checkpoints: np.ndarray, horizon: int,
                reference_projection: np.ndarray | None = None) -> Predictions:
        """The predictions for the modes of ``stats`` (a :class:`~sgdfp.validate.statistics.ModeStatistics`) at
        learning rate ``lr`` and the steps ``checkpoints``; ``reference_projection`` (:math:`e_i^\\top\\theta^*`)
        is needed when there is weight decay."""
        from sgdfp.derive import LANGEVIN
        from sgdfp.numerics import mode_functions, momentum_functions, regime_names

        k = np.asarray(checkpoints)[:, None]
        curvature, noise = stats.curvature, stats.grad_noise
        mean_grad = stats.mean_grad
        if self.weight_decay:
            if reference_projection is None:
                raise ValueError("a prediction with weight decay needs the reference point's projection")
            mean_grad = mean_grad + self.weight_decay * np.asarray(reference_projection, dtype=np.float64)
        params = dict(curvature_noise=stats.curvature_noise, mean_grad=mean_grad, cross=stats.cross)
        # the plain-SGD mode of derive's effective_sgd(): with beta = 0 exactly SGD with weight decay, otherwise the
        # rule of thumb and the Langevin counterpart's parameters
        effective_curvature, effective_lr = _effective_sgd()(curvature, lr, self.momentum, self.weight_decay)
        sgd = mode_functions("numpy")
        langevin = mode_functions("numpy", LANGEVIN).variance(effective_curvature, noise, effective_lr, k, **params)
        if not self.has_velocity:
            variance = sgd.variance(effective_curvature, noise, lr, k, **params)
            stationary = sgd.stationary_variance(effective_curvature, noise, lr, **params)
            codes = sgd.regime(effective_curvature, lr, horizon, curvature_noise=stats.curvature_noise)
            return Predictions(variance, langevin, stationary, regime_names(codes).tolist(), None)
        functions = momentum_functions("numpy", self.nesterov)
        theory = dict(params, momentum=self.momentum, weight_decay=self.weight_decay)
        variance = functions.variance(curvature, noise, lr, k, **theory)
        stationary = functions.stationary_variance(curvature, noise, lr, **theory)
        codes = functions.regime(curvature, lr, horizon, momentum=self.momentum, weight_decay=self.weight_decay,
                                 curvature_noise=stats.curvature_noise)
        effective_sgd = sgd.variance(effective_curvature, noise, effective_lr, k, **params)
        return Predictions(variance, langevin, stationary, regime_names(codes).tolist(), effective_sgd)
