"""The backend registry: lookup, dispatch by array type, seeded random numbers, a user's own backend."""

import numpy as np
import pytest
import torch

from sgdfp.numerics import backends
from sgdfp.numerics.backends import BACKENDS, backend_of, get_backend, register_backend


def test_lookup_and_dispatch():
    assert set(BACKENDS) >= {"numpy", "torch"}
    assert backend_of(np.ones(2), 1.0).name == "numpy" and backend_of(1.0, torch.ones(2)).name == "torch"
    with pytest.raises(ValueError, match="unknown backend 'cupy'; choose one of numpy, torch"):
        get_backend("cupy")


@pytest.mark.parametrize("name", ["numpy", "torch"])
def test_seeded_random_numbers_repeat_and_are_standard_normal(name):
    backend = get_backend(name)
    a = backend.to_numpy(backend.random(7).normal((20_000,)))
    b = backend.to_numpy(backend.random(7).normal((20_000,)))
    assert np.array_equal(a, b) and a.dtype == np.float64
    assert abs(a.mean()) < 5 / np.sqrt(a.size) and abs(a.var() - 1) < 5 * np.sqrt(2 / a.size)
    with pytest.raises(ValueError, match="seed must be an integer"):
        backend.random(1.5)


def test_operations_agree_between_backends():
    x = np.array([[3.0, -1.0, 2.0], [0.5, 0.25, -4.0]])
    n, t = get_backend("numpy"), get_backend("torch")
    assert np.array_equal(n.sort(x), t.to_numpy(t.sort(torch.as_tensor(x))))
    assert t.asarrays(1.0, like=torch.ones(1, dtype=torch.float32))[0].dtype == torch.float32
    copy = t.copy(torch.as_tensor(x))
    copy[0, 0] = 9
    assert x[0, 0] == 3.0


def test_a_registered_backend_is_found(monkeypatch):
    monkeypatch.setattr(backends, "_REGISTRY", dict(backends._REGISTRY))
    register_backend("numpy-again", backends.NumpyBackend)
    assert "numpy-again" in backends.BACKENDS and isinstance(get_backend("numpy-again"), backends.NumpyBackend)
    get_backend.cache_clear()


def test_a_backend_needs_a_plain_name_and_a_factory():
    with pytest.raises(ValueError, match="letters, digits"):
        register_backend("__import__('os')", backends.NumpyBackend)
    with pytest.raises(TypeError, match="factory must be callable"):
        register_backend("other", "NumpyBackend")
    assert "other" not in BACKENDS
    numpy = get_backend("numpy")
    with pytest.raises(ValueError, match="runs on the CPU"):
        numpy.asarray([1.0], device="cuda")
    with pytest.raises(TypeError, match="like must be a numpy array"):
        numpy.asarrays([1.0], like="float32")
