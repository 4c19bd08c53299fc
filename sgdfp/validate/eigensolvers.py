r"""Eigensolver strategies: the eigenbasis of the Hessian at the reference point.

- :class:`DenseEigensolver`: the whole Hessian from reverse-over-reverse rows, then ``eigh`` in float64
  (every mode; the models of the published experiments);
- :class:`LanczosEigensolver`: the ``count`` eigenpairs of largest magnitude by Lanczos (scipy's ``eigsh``) on
  Hessian--vector products, never forming the Hessian.

:func:`get_eigensolver` chooses by name (``"dense"``, ``"lanczos"``, ``"auto"``: dense up to a size).
Every strategy returns :class:`Eigenpairs` with the residual :math:`\|Hv - \lambda v\|` of each pair where
it measured one. A new strategy (a GPU Lanczos, a polynomial filter for the flat bulk) is a class with
a ``solve(model, theta, inputs, targets)`` method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from sgdfp.errors import check_instance, check_integer, check_real
from sgdfp.validate.functional import FlatModel, check_tensors

__all__ = ["Eigenpairs", "DenseEigensolver", "LanczosEigensolver", "get_eigensolver", "dense_eigenpairs",
           "top_eigenpairs"]


@dataclass
class Eigenpairs:
    """Eigenvalues (ascending, float64), eigenvectors as columns (float64) and per-pair residuals (or None)."""

    values: torch.Tensor
    vectors: torch.Tensor
    method: str
    residuals: np.ndarray | None = None


def _check_model(model: object) -> FlatModel:
    return check_instance("model", model, FlatModel, "a sgdfp.validate.FlatModel (FlatModel(module) wraps a torch module)")


def dense_eigenpairs(hessian: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """All eigenpairs of a symmetric matrix, eigenvalues ascending."""
    values, vectors = torch.linalg.eigh(hessian)
    return values, vectors


def top_eigenpairs(model: FlatModel, theta, inputs, targets, count: int, which: str = "LM",
                   tolerance: float = 1e-10, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` eigenpairs of the Hessian by Lanczos (scipy's ``eigsh``) on Hessian--vector products.

    ``which="LM"`` gives those of largest magnitude. Eigenvalues come back ascending.
    """
    from scipy.sparse.linalg import LinearOperator, eigsh

    P = _check_model(model).num_parameters
    check_tensors(theta=theta, inputs=inputs, targets=targets)
    count = check_integer("count", count)
    tolerance = check_real("tolerance", tolerance, 0)
    if not 1 <= count < P:
        raise ValueError(f"Lanczos needs 1 <= count < {P} eigenpairs; got {count}")

    def matvec(v):
        vector = torch.as_tensor(np.asarray(v).reshape(-1), dtype=theta.dtype, device=theta.device)
        return model.hvp(theta, vector, inputs, targets).detach().cpu().numpy()

    operator = LinearOperator((P, P), matvec=matvec, dtype=np.float64)
    start = np.random.default_rng(seed).standard_normal(P)
    values, vectors = eigsh(operator, k=count, which=which, tol=tolerance, v0=start)
    order = np.argsort(values)
    return (torch.as_tensor(values[order], dtype=theta.dtype, device=theta.device),
            torch.as_tensor(vectors[:, order], dtype=theta.dtype, device=theta.device))


class DenseEigensolver:
    """Every eigenpair, from the dense Hessian (decomposed in float64 whatever the model's precision)."""

    name = "dense"

    def solve(self, model: FlatModel, theta, inputs, targets) -> Eigenpairs:
        values, vectors = dense_eigenpairs(_check_model(model).hessian(theta, inputs, targets).to(torch.float64))
        return Eigenpairs(values, vectors, self.name)


class LanczosEigensolver:
    """The ``count`` eigenpairs of largest magnitude, matrix-free, with their residuals."""

    name = "lanczos"

    def __init__(self, count: int, seed: int = 0, tolerance: float = 1e-10):
        self.count = check_integer("count", count, 1)
        self.seed = check_integer("seed", seed, 0)
        self.tolerance = check_real("tolerance", tolerance, 0)

    def solve(self, model: FlatModel, theta, inputs, targets) -> Eigenpairs:
        count = min(self.count, _check_model(model).num_parameters - 1)
        values, vectors = top_eigenpairs(model, theta, inputs, targets, count, seed=self.seed, tolerance=self.tolerance)
        values, vectors = values.to(torch.float64), vectors.to(torch.float64)
        residuals = []
        for i in range(vectors.shape[1]):
            v = vectors[:, i]
            hv = model.hvp(theta, v.to(theta.dtype), inputs, targets).to(torch.float64)
            residuals.append(float(torch.linalg.norm(hv - values[i] * v)))
        return Eigenpairs(values, vectors, self.name, np.array(residuals))


def get_eigensolver(name: str, parameters: int, modes: int | None = None, dense_limit: int = 3000,
                    seed: int = 0) -> DenseEigensolver | LanczosEigensolver:
    """The strategy called ``name``; ``"auto"`` is dense when ``modes`` is None and the model has at most
    ``dense_limit`` parameters, Lanczos for ``modes`` (or ``dense_limit``) pairs otherwise."""
    parameters = check_integer("parameters", parameters, 1)
    modes = None if modes is None else check_integer("modes", modes, 1)
    dense_limit = check_integer("dense_limit", dense_limit, 1)
    seed = check_integer("seed", seed, 0)
    if name == "auto":
        name = "dense" if modes is None and parameters <= dense_limit else "lanczos"
    if name == "dense":
        return DenseEigensolver()
    if name == "lanczos":
        return LanczosEigensolver(modes or min(dense_limit, parameters - 1), seed=seed)
    raise ValueError(f"eigensolver must be auto, dense or lanczos; got {name!r}")
