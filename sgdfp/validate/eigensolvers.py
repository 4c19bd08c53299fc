r"""Eigensolver strategies: the eigenbasis of the Hessian at the reference point.

- :class:`DenseEigensolver`: the whole Hessian from reverse-over-reverse rows, then ``eigh`` in float64
  (every mode; the models of the published experiments);
- :class:`LanczosEigensolver`: the ``count`` largest and the ``count`` most negative eigenpairs (algebraic, one
  ``eigsh`` call per end of the spectrum: ``"LA"`` and ``"SA"``) by Lanczos on Hessian--vector products, never
  forming the Hessian (``ends="magnitude"``: the ``count`` of largest magnitude instead).

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
           "top_eigenpairs", "residual_norms", "LANCZOS_ENDS", "DEFAULT_LANCZOS_MODES"]


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

    ``which``: scipy's ``"LM"`` (largest magnitude), ``"LA"`` (largest algebraic), ``"SA"`` (most negative).
    Eigenvalues come back ascending.
    """
    from scipy.sparse.linalg import LinearOperator, eigsh

    P = _check_model(model).num_parameters
    check_tensors(theta=theta, inputs=inputs, targets=targets)
    count = check_integer("count", count)
    tolerance = check_real("tolerance", tolerance, 0)
    if not 1 <= count < P:
        raise ValueError(f"Lanczos needs 1 <= count < {P} eigenpairs; got {count}")
    if which not in ("LM", "LA", "SA"):
        raise ValueError(f"which must be 'LM', 'LA' or 'SA'; got {which!r}")

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


#: What :class:`LanczosEigensolver` takes from the spectrum: both ends (``count`` each), the top end, or by magnitude.
LANCZOS_ENDS = ("both", "largest", "magnitude")
#: Eigenpairs per end that ``get_eigensolver`` asks Lanczos for when no ``modes`` is given.
DEFAULT_LANCZOS_MODES = 16


def residual_norms(model: FlatModel, theta, inputs, targets, values: torch.Tensor, vectors: torch.Tensor) -> np.ndarray:
    r""":math:`\|H u_i - \lambda_i u_i\|` for every pair (one Hessian--vector product each, in float64)."""
    out = []
    for i in range(vectors.shape[1]):
        u = vectors[:, i]
        hu = model.hvp(theta, u.to(theta.dtype), inputs, targets).to(torch.float64)
        out.append(float(torch.linalg.norm(hu - values[i] * u)))
    return np.array(out)


class LanczosEigensolver:
    """Eigenpairs from both ends of the spectrum, matrix-free, with their residuals.

    Args:
        count: eigenpairs per end (``ends="both"``: the ``count`` largest and the ``count`` most negative, so
            ``2 * count`` directions); with ``"largest"`` or ``"magnitude"`` the ``count`` largest (of largest |λ|).
        seed: the start vector of each Lanczos run.
        tolerance: ARPACK's relative accuracy of each Ritz value (``||r|| <= tolerance * |λ|``).
        ends: one of :data:`LANCZOS_ENDS`.
    """

    name = "lanczos"

    def __init__(self, count: int, seed: int = 0, tolerance: float = 1e-10, ends: str = "both"):
        self.count = check_integer("count", count, 1)
        self.seed = check_integer("seed", seed, 0)
        self.tolerance = check_real("tolerance", tolerance, 0)
        if ends not in LANCZOS_ENDS:
            raise ValueError(f"ends must be one of {', '.join(LANCZOS_ENDS)}; got {ends!r}")
        self.ends = ends

    def solve(self, model: FlatModel, theta, inputs, targets) -> Eigenpairs:
        P = _check_model(model).num_parameters
        if self.ends == "both":
            # the two ends must not overlap: at most P - 1 pairs per eigsh call and 2 * count < P in all
            count = min(self.count, (P - 1) // 2)
            if count < 1:
                raise ValueError(f"Lanczos at both ends needs at least 3 parameters; the model has {P}")
            calls = [("LA", count), ("SA", count)]
        else:
            calls = [("LA" if self.ends == "largest" else "LM", min(self.count, P - 1))]
        found = [top_eigenpairs(model, theta, inputs, targets, k, which=which, seed=self.seed,
                                tolerance=self.tolerance) for which, k in calls]
        values = torch.cat([v for v, _ in found]).to(torch.float64)
        vectors = torch.cat([u for _, u in found], dim=1).to(torch.float64)
        order = torch.argsort(values)
        values, vectors = values[order], vectors[:, order]
        return Eigenpairs(values, vectors, self.name, residual_norms(model, theta, inputs, targets, values, vectors))


def get_eigensolver(name: str, parameters: int, modes: int | None = None, dense_limit: int = 3000,
                    seed: int = 0) -> DenseEigensolver | LanczosEigensolver:
    """The strategy called ``name``; ``"auto"`` is dense when ``modes`` is None and the model has at most
    ``dense_limit`` parameters, Lanczos otherwise: ``modes`` (or :data:`DEFAULT_LANCZOS_MODES`) eigenpairs from
    each end of the spectrum, the largest and the most negative."""
    parameters = check_integer("parameters", parameters, 1)
    modes = None if modes is None else check_integer("modes", modes, 1)
    dense_limit = check_integer("dense_limit", dense_limit, 1)
    seed = check_integer("seed", seed, 0)
    if name == "auto":
        name = "dense" if modes is None and parameters <= dense_limit else "lanczos"
    if name == "dense":
        return DenseEigensolver()
    if name == "lanczos":
        return LanczosEigensolver(modes or DEFAULT_LANCZOS_MODES, seed=seed)
    raise ValueError(f"eigensolver must be auto, dense or lanczos; got {name!r}")
