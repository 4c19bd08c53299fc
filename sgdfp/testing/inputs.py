"""What the variance and regime checks share: their default level, checks of their arguments, message pieces.

Bad input is a ``ValueError`` (a ``TypeError`` for something that is not an array of numbers) with one line
saying what was wrong and what is allowed; no check turns it into NaN.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["DEFAULT_ALPHA", "SHOWN", "as_array", "require_finite", "check_alpha", "check_replicas", "check_ddof",
           "check_kurtosis", "mode_label", "replica_text", "percent"]

DEFAULT_ALPHA = 0.01
"""Probability that a check of a correct prediction fails (at most; exact for one mode)."""
SHOWN = 5
"""Modes listed in a message (the least consistent ones)."""


def as_array(value, name: str) -> np.ndarray:
    """``value`` as a float64 array; a torch tensor, on any device, is copied to the host without importing torch.

    Raises:
        TypeError: ``value`` is not an array of real numbers.
    """
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers; got {type(value).__name__}") from None


def require_finite(array: np.ndarray, name: str, hint: str = "") -> None:
    """Raise a ``ValueError`` that counts the NaN and inf in ``array`` (``hint`` ends the message)."""
    finite = np.isfinite(array)
    if not finite.all():
        raise ValueError(f"{name} has {int(finite.size - finite.sum())} non-finite value(s) (NaN or inf){hint}")


def check_alpha(alpha) -> float:
    """The level of a check: a number strictly between 0 and 1 (not a bool)."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number strictly between 0 and 1; got {alpha!r}")
    return float(alpha)


def check_replicas(replicas, name: str = "replicas") -> np.ndarray:
    """Replica counts (one, or an array of them) as int64: whole numbers, at least 2."""
    counts = np.asarray(replicas)
    if counts.dtype == bool or not np.issubdtype(counts.dtype, np.number) or counts.size == 0 \
            or np.any(counts != np.round(counts)):
        raise ValueError(f"{name} must be a whole number of replicas (or one per mode); got {replicas!r}")
    if np.any(counts < 2):
        raise ValueError(f"at least 2 replicas are needed for a variance; got {name}={replicas!r}")
    return counts.astype(np.int64)


def check_ddof(ddof) -> int:
    """The divisor offset of given variances: 1 (divided by ``R - 1``) or 0 (divided by ``R``)."""
    if ddof not in (0, 1) or isinstance(ddof, bool):
        raise ValueError(f"ddof must be 1 (variances divided by R - 1) or 0 (divided by R); got {ddof!r}")
    return int(ddof)


def check_kurtosis(excess_kurtosis) -> float | str:
    """An excess kurtosis: a finite number >= 0, or ``"estimate"`` (from samples)."""
    if isinstance(excess_kurtosis, str):
        if excess_kurtosis != "estimate":
            raise ValueError(f"excess_kurtosis must be a number >= 0 or 'estimate'; got {excess_kurtosis!r}")
        return excess_kurtosis
    if isinstance(excess_kurtosis, bool) or not isinstance(excess_kurtosis, (int, float, np.floating)) \
            or not excess_kurtosis >= 0 or not math.isfinite(excess_kurtosis):
        raise ValueError(f"excess_kurtosis must be a number >= 0 or 'estimate'; got {excess_kurtosis!r}")
    return float(excess_kurtosis)


def mode_label(index: int, mode_shape: tuple) -> str:
    """How a message names the mode at flat ``index`` of the mode shape: ``mode 3``, ``mode (1, 2)``, ``the mode``."""
    if mode_shape == ():
        return "the mode"
    position = np.unravel_index(index, mode_shape)
    return f"mode {int(position[0])}" if len(mode_shape) == 1 else f"mode {tuple(int(i) for i in position)}"


def replica_text(replicas: np.ndarray) -> str:
    """The replica count, or its range when modes or steps have different counts."""
    low, high = int(np.min(replicas)), int(np.max(replicas))
    return str(low) if low == high else f"{low}-{high}"


def percent(level: float) -> str:
    """A level as a percentage with the digits that matter (``99.8333 %``)."""
    return f"{100 * level:.6g} %"
