"""The symbols sgdfp uses by default, named so that they print as the usual LaTeX."""

from __future__ import annotations

import sympy as sp

__all__ = ["eta", "parameters", "gradient_noise_symbols"]

#: The learning rate :math:`\eta` (positive).
eta = sp.Symbol("eta", positive=True)


def parameters(dim: int, name: str = "theta") -> tuple[sp.Symbol, ...]:
    r"""State symbols :math:`\theta_1, \dots, \theta_d` (real)."""
    _check_dim(dim)
    return tuple(sp.Symbol(f"{name}_{i + 1}", real=True) for i in range(dim))


def gradient_noise_symbols(dim: int) -> tuple[sp.Symbol, ...]:
    r"""Random symbols :math:`\xi_1, \dots, \xi_d`: the minibatch gradient minus its mean."""
    _check_dim(dim)
    return tuple(sp.Symbol(f"xi_{i + 1}", real=True) for i in range(dim))


def _check_dim(dim: int) -> None:
    if not isinstance(dim, int) or isinstance(dim, bool) or dim < 1:
        raise ValueError(f"the dimension must be a positive integer; got {dim!r}")
