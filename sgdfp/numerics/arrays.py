"""Checked numeric arrays for the numeric models: one place for the refusal of text, wrong shapes and non-finite
entries."""

from __future__ import annotations

import numpy as np

from sgdfp.errors import InputError

__all__ = ["finite_array"]


def finite_array(value, name: str, shape: tuple[int, ...] | None = None, ndim: int | None = None) -> np.ndarray:
    """``value`` as a float array of the given ``shape`` (or number of dimensions), every entry finite.

    Raises:
        TypeError: text (never parsed).
        InputError: not numbers, the wrong shape, NaN or infinite entries.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, not text ({value!r})")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be an array of numbers") from None
    if shape is not None and array.shape != shape:
        raise InputError(f"{name} must have shape {shape}; got {array.shape}")
    if ndim is not None and array.ndim != ndim:
        raise InputError(f"{name} must have {ndim} dimension(s); got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise InputError(f"{name} has non-finite entries")
    return array
