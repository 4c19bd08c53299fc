"""The stable kernels against divided differences at 150 digits."""

import itertools

import mpmath
import numpy as np
import pytest

from sgdfp.numerics import stable


def _divided_difference_reference(kind, k, nodes):
    """Recursive divided differences at 150 digits (enough for nodes 1e-14 apart, four levels deep)."""
    with mpmath.workdps(150):
        xs = [(1 + mpmath.mpf(float(u))) if kind == "pow" else mpmath.mpf(float(u)) for u in nodes]
        f = (lambda x: x**k) if kind == "pow" else (lambda x: mpmath.exp(k * x))

        def dd(points):
            return f(points[0]) if len(points) == 1 else (dd(points[:-1]) - dd(points[1:])) / (points[0] - points[-1])
        return dd(xs)


@pytest.mark.parametrize("kind", ["pow", "exp"])
def test_stable_kernels_against_150_digit_divided_differences(kind):
    rng = np.random.default_rng(11)
    worst = 0.0
    for k, scale, m in itertools.product([3.0, 100.0, 1e4, 1e7], [1e-14, 1e-9, 1e-5, 1e-2, 0.4], [1, 2, 3, 4]):
        nodes = rng.uniform(-scale, scale, size=m) - (0.3 if kind == "exp" else 0.0)
        args = [np.float64(u) for u in nodes]
        if m == 2 and k > 50:
            args[1] = 0  # the geometric special case
            nodes[1] = 0.0
        got = float(getattr(stable, f"{kind}_dd{m - 1}")(np.float64(k), *args))
        want = _divided_difference_reference(kind, k, nodes)
        if want == 0 or not (mpmath.mpf("1e-300") < abs(want) < mpmath.mpf("1e300")):
            continue
        worst = max(worst, float(abs((mpmath.mpf(got) - want) / want)))
    assert worst < 1e-12, worst


@pytest.mark.parametrize("kernel, nodes", [("pow_dd3", 4), ("exp_dd2", 3)])
def test_the_simplex_integral_is_taken_in_bounded_chunks_with_the_same_result(monkeypatch, kernel, nodes):
    """Crowded nodes (flat modes) go to the 12^m-point simplex rule: a chunk of entries at a time, so memory is
    bounded for any number of modes, and chunking changes no digit."""
    import tracemalloc

    rng = np.random.default_rng(1)
    entries = 3000
    first = -np.abs(rng.normal(0, 1e-7, entries))  # nearly coincident: every entry needs the integral
    args = [np.full(entries, 40.0)] + [first * (1 + 0.1 * i) for i in range(nodes)]
    whole = getattr(stable, kernel)(*args)
    monkeypatch.setattr(stable, "POINT_BUDGET", 1000)  # one or a few entries per chunk
    chunked = getattr(stable, kernel)(*args)
    assert np.array_equal(whole, chunked)
    monkeypatch.setattr(stable, "POINT_BUDGET", 2**16)
    tracemalloc.start()
    getattr(stable, kernel)(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # unchunked, the integral alone holds 3000 x 1728 points (41 MB) several times over
    assert peak < 20 * 2**20, peak
