"""The reference point: SGD to near a minimum, then optionally full-batch gradient descent to a tolerance."""

from __future__ import annotations

import torch

from sgdfp.validate.config import ReferenceConfig
from sgdfp.validate.functional import FlatModel
from sgdfp.validate.results import PolishResult, ReferenceResult

__all__ = ["reference_point"]


def reference_point(model: FlatModel, inputs, targets, config: ReferenceConfig,
                    generator: torch.Generator, weight_decay: float = 0.0) -> tuple[torch.Tensor, ReferenceResult]:
    r"""``config.steps`` SGD steps from the model's initialisation, then (with a ``polish_tolerance``) full-batch
    gradient descent until ``||grad L|| <= tolerance`` or ``polish_max_steps``; the point and its record.

    With ``weight_decay`` :math:`\omega` both descend :math:`L + \omega\|\theta\|^2/2`, the objective the replicas
    run on (a weight-decayed network's critical points are that objective's, not the data loss's), and the
    recorded gradient norm is that objective's; the recorded loss is the data loss."""
    theta = model.theta0.clone()
    step = torch.func.grad(model.loss)
    for _ in range(config.steps):
        index = torch.randint(inputs.shape[0], (config.batch_size,), generator=generator, device=inputs.device)
        theta = theta - config.lr * (step(theta, inputs[index], targets[index]) + weight_decay * theta)
    polish = PolishResult(0, None)
    if config.polish_tolerance is not None:
        for k in range(config.polish_max_steps):
            _, gradient = model.full_loss_and_gradient(theta, inputs, targets)
            gradient = gradient + weight_decay * theta
            if float(gradient.norm()) <= config.polish_tolerance:
                polish = PolishResult(k, True)
                break
            theta = theta - config.lr * gradient
        else:
            polish = PolishResult(config.polish_max_steps, False)
    loss, gradient = model.full_loss_and_gradient(theta, inputs, targets)
    gradient = gradient + weight_decay * theta
    return theta, ReferenceResult(loss=float(loss), grad_norm=float(gradient.norm()), polish=polish)
