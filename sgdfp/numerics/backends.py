"""The array backends numerics runs on, in one registry: numpy (always) and torch (imported when first used).

A backend is everything that differs between array libraries -- conversion (float64 by default, torch
tensors keep their device and dtype), the few operations whose names differ (``sort``, ``copy``,
``broadcast_to``), random numbers, the code printer -- so that code generation, the stable kernels and
the simulators are written once against :class:`ArrayBackend`. ``xp`` is the array module itself, for
the element-wise functions both libraries name alike (``exp``, ``log1p``, ``where``, ...).

A new backend (say JAX) is a subclass registered with :func:`register_backend`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

__all__ = ["ArrayBackend", "NumpyBackend", "TorchBackend", "BACKENDS", "register_backend", "get_backend",
           "backend_of", "check_backend"]


class ArrayBackend:
    """What numerics needs from an array library. Subclasses set ``name`` and implement the methods."""

    name = ""

    @property
    def xp(self) -> Any:
        """The array module (``numpy``, ``torch``)."""
        raise NotImplementedError

    def owns(self, value) -> bool:
        """True when ``value`` is one of this library's arrays."""
        raise NotImplementedError

    def asarrays(self, *values, like=None) -> list:
        """``values`` as arrays of one kind (float64, or the dtype and device of the first own array), not broadcast."""
        raise NotImplementedError

    def broadcast(self, *values) -> list:
        """``values`` as arrays broadcast against each other."""
        raise NotImplementedError

    def asarray(self, value, device=None):
        """``value`` as a float64 array on ``device`` (a :attr:`Random.device`)."""
        raise NotImplementedError

    def sort(self, array, axis: int = -1):
        raise NotImplementedError

    def copy(self, array):
        raise NotImplementedError

    def broadcast_to(self, array, shape):
        raise NotImplementedError

    def to_numpy(self, array) -> np.ndarray:
        raise NotImplementedError

    def random(self, seed: int, device: str | None = None) -> Random:
        """A seeded source of standard normals and uniforms on ``device``."""
        raise NotImplementedError

    def printer(self):
        """The SymPy code printer of :mod:`sgdfp.numerics.codegen` for this backend."""
        raise NotImplementedError

    def namespace(self) -> dict:
        """What generated code needs besides the stable kernels: the module and its ``_prepare``/``_finish``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.name} backend>"


class Random:
    """Seeded random numbers of one backend (a numpy ``Generator`` or a torch ``Generator`` on a device)."""

    def __init__(self, backend: ArrayBackend, normal: Callable, uniform: Callable, device=None):
        self.backend, self._normal, self._uniform, self.device = backend, normal, uniform, device

    def normal(self, shape):
        """Standard normal draws (float64)."""
        return self._normal(shape)

    def uniform(self, shape):
        """Uniform draws on [0, 1) (float64)."""
        return self._uniform(shape)


def _check_seed(seed) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer; got {seed!r}")
    return int(seed)


class NumpyBackend(ArrayBackend):
    name = "numpy"

    @property
    def xp(self):
        return np

    def owns(self, value) -> bool:
        return isinstance(value, np.ndarray)

    def asarrays(self, *values, like=None) -> list:
        if like is not None and not isinstance(like, np.ndarray):
            raise TypeError(f"like must be a numpy array or None; got {type(like).__name__}")
        return [np.asarray(v, dtype=np.float64) for v in values]

    def broadcast(self, *values) -> list:
        return list(np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values)))

    def asarray(self, value, device=None):
        if device not in (None, "cpu"):
            raise ValueError(f"the numpy backend runs on the CPU; got device {device!r}")
        return np.asarray(value, dtype=np.float64)

    def sort(self, array, axis: int = -1):
        return np.sort(array, axis=axis)

    def copy(self, array):
        return np.array(array, dtype=np.float64)  # writable, even 0-d

    def broadcast_to(self, array, shape):
        return np.broadcast_to(array, shape)

    def to_numpy(self, array) -> np.ndarray:
        return np.asarray(array)

    def random(self, seed: int, device: str | None = None) -> Random:
        if device not in (None, "cpu"):
            raise ValueError("the numpy backend runs on the CPU; use backend='torch' for a device")
        rng = np.random.default_rng(_check_seed(seed))
        return Random(self, rng.standard_normal, rng.random, "cpu")

    def printer(self):
        from sgdfp.numerics.codegen import NumpyCodePrinter

        return NumpyCodePrinter({"fully_qualified_modules": True})

    def namespace(self) -> dict:
        import functools

        def prepare(*args):
            return [np.asarray(a, dtype=np.float64) for a in args], np.asarray

        def finish(outputs, inputs):
            shape = np.broadcast_shapes(*(np.shape(a) for a in inputs)) if inputs else ()
            out = []
            for o in outputs:
                o = np.asarray(o, dtype=np.float64)
                out.append(o if o.shape == shape else np.broadcast_to(o, shape).copy())
            return tuple(out)

        return {"numpy": np, "functools": functools, "_prepare": prepare, "_finish": finish}


class TorchBackend(ArrayBackend):
    name = "torch"

    @property
    def xp(self):
        import torch

        return torch

    def owns(self, value) -> bool:
        return type(value).__module__.startswith("torch")

    def _reference(self, values, like=None):
        torch = self.xp
        reference = like if like is not None else next((v for v in values if isinstance(v, torch.Tensor)), None)
        dtype = reference.dtype if reference is not None and reference.is_floating_point() else torch.float64
        device = reference.device if reference is not None else torch.device("cpu")
        return dtype, device

    def asarrays(self, *values, like=None) -> list:
        torch = self.xp
        dtype, device = self._reference(values, like)
        return [v if isinstance(v, torch.Tensor) and v.dtype == dtype and v.device == device
                else torch.as_tensor(v, dtype=dtype, device=device) for v in values]

    def broadcast(self, *values) -> list:
        return list(self.xp.broadcast_tensors(*self.asarrays(*values)))

    def asarray(self, value, device=None):
        torch = self.xp
        if isinstance(value, torch.Tensor):
            return value.to(dtype=torch.float64, device=device)
        return torch.as_tensor(np.asarray(value, dtype=np.float64), device=device)

    def sort(self, array, axis: int = -1):
        return self.xp.sort(array, dim=axis).values

    def copy(self, array):
        return array.clone()

    def broadcast_to(self, array, shape):
        return array.expand(shape)

    def to_numpy(self, array) -> np.ndarray:
        return array.detach().cpu().numpy()

    def device(self, device: str | None):
        """``None``/``"auto"``: CUDA when present; ``"cuda"`` insists on it."""
        torch = self.xp
        if device in (None, "auto"):
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if not isinstance(device, str) or not (device == "cpu" or device.startswith("cuda")):
            raise ValueError(f"device must be 'auto', 'cpu' or 'cuda'; got {device!r}")
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise ValueError("device 'cuda' was asked for but no CUDA device is available")
        return torch.device(device)

    def random(self, seed: int, device: str | None = None) -> Random:
        torch = self.xp
        where = self.device(device)
        generator = torch.Generator(device=where)
        generator.manual_seed(_check_seed(seed))
        return Random(self, lambda shape: torch.randn(shape, generator=generator, device=where, dtype=torch.float64),
                      lambda shape: torch.rand(shape, generator=generator, device=where, dtype=torch.float64), where)

    def printer(self):
        from sgdfp.numerics.codegen import TorchCodePrinter

        return TorchCodePrinter()

    def namespace(self) -> dict:
        torch = self.xp

        def prepare(*args):
            out = self.asarrays(*args)
            dtype, device = (out[0].dtype, out[0].device) if out else (torch.float64, torch.device("cpu"))
            return out, (lambda value, kind=dtype: torch.as_tensor(value, dtype=kind, device=device))

        def finish(outputs, inputs):
            reference = inputs[0] if inputs else torch.zeros((), dtype=torch.float64)
            shape = torch.broadcast_shapes(*(a.shape for a in inputs)) if inputs else ()
            out = []
            for o in outputs:
                o = o if isinstance(o, torch.Tensor) else torch.as_tensor(o, dtype=reference.dtype,
                                                                          device=reference.device)
                out.append(o.expand(shape) if o.shape != shape else o)
            return tuple(out)

        return {"torch": torch, "_prepare": prepare, "_finish": finish}


_REGISTRY: dict[str, Callable[[], ArrayBackend]] = {"numpy": NumpyBackend, "torch": TorchBackend}
BACKENDS: tuple[str, ...] = tuple(_REGISTRY)


def register_backend(name: str, factory: Callable[[], ArrayBackend]) -> None:
    """Make ``factory()`` available as backend ``name`` (in :data:`BACKENDS`).

    Raises:
        ValueError: ``name`` is not a plain name (letters, digits, ``_`` and ``-``: ``"jax"``).
        TypeError: ``factory`` is not callable (a class or function that returns an :class:`ArrayBackend`).
    """
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name):
        raise ValueError(f"a backend name is letters, digits, '_' and '-', such as 'jax'; got {name!r}")
    if not callable(factory):
        raise TypeError(f"factory must be callable and return an ArrayBackend; got {type(factory).__name__}")
    global BACKENDS
    _REGISTRY[name] = factory
    BACKENDS = tuple(_REGISTRY)
    get_backend.cache_clear()


def check_backend(name) -> str:
    """``name`` if it is a registered backend, else a ``ValueError`` that lists them."""
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(_REGISTRY)}")
    return name


@cache
def get_backend(name: str) -> ArrayBackend:
    """The backend called ``name`` (one instance per process)."""
    return _REGISTRY[check_backend(name)]()


def backend_of(*values) -> ArrayBackend:
    """The backend of the first value that is a non-numpy array (torch), else numpy."""
    for value in values:
        module = type(value).__module__
        if module.startswith("torch"):
            return get_backend("torch")
    return get_backend("numpy")
