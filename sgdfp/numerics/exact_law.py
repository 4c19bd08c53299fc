r"""The law of a minibatch's curvature from sampled minibatches, for the exact map's tail and thresholds.

:func:`sgdfp.derive.minibatch_curvature_law` enumerates every minibatch, which is exact but only feasible for
small :math:`\binom{N + b - 1}{b}`. For real data :func:`sampled_minibatch_curvature` draws minibatches with a
seeded generator and returns a :class:`SampledCurvature`: the empirical law of the sampled means
:math:`h_B`, a :class:`sgdfp.derive.CurvatureLaw` evaluated with numpy in float64, so that
:func:`sgdfp.derive.tail_index`, :func:`sgdfp.derive.lyapunov_exponent` and
:func:`sgdfp.derive.almost_sure_threshold` (and ``Mode(..., curvature_law=...)``) take it as they take an exact
law. Its answers carry the sampling error of ``draws`` minibatches (the tail index is set by the largest
:math:`|1 - \eta h_B|`, so the rare large minibatch curvatures matter most).
"""

from __future__ import annotations

from collections.abc import Sequence

import mpmath
import numpy as np

from sgdfp.derive.mode.exact_law import CurvatureLaw
from sgdfp.errors import check_integer

__all__ = ["SampledCurvature", "sampled_minibatch_curvature", "MAX_POLES"]

#: Up to this many distinct sampled values the almost-sure threshold is searched exactly between the poles 1/h.
MAX_POLES = 2000


class SampledCurvature(CurvatureLaw):
    r"""The empirical law of sampled curvatures :math:`h_1..h_M` (equal weights), in float64.

    :math:`\mathbb{E}|1 - \eta h|^\alpha` is summed as :math:`\exp` of a log-sum-exp, so that large
    :math:`\alpha` does not overflow.

    Raises:
        ValueError: no samples, or values that are not finite.
    """

    def __init__(self, samples):
        values = np.asarray(samples, dtype=np.float64).ravel()
        if values.size == 0 or not np.all(np.isfinite(values)):
            raise ValueError("sampled curvatures must be a non-empty array of finite numbers")
        self.samples = values

    def __repr__(self) -> str:
        return f"SampledCurvature({self.samples.size} samples, mean={self.samples.mean():.6g})"

    @property
    def mean(self):
        return mpmath.mpf(float(self.samples.mean()))

    @property
    def variance(self):
        return mpmath.mpf(float(self.samples.var()))

    def _factors(self, lr) -> np.ndarray:
        return np.abs(1.0 - float(lr) * self.samples)

    def power_mean(self, alpha, lr):
        with np.errstate(divide="ignore"):
            logs = float(alpha) * np.log(self._factors(lr))
        top = logs.max()
        if not np.isfinite(top):
            return mpmath.mpf(0)
        return mpmath.mpf(float(np.exp(top) * np.mean(np.exp(logs - top))))

    def log_mean(self, lr):
        factors = self._factors(lr)
        if np.any(factors == 0):
            return -mpmath.inf
        return mpmath.mpf(float(np.mean(np.log(factors))))

    def log_mean_slope(self, lr):
        with np.errstate(divide="ignore"):  # at a pole the slope is infinite, as it is
            return mpmath.mpf(float(np.mean(-self.samples / (1.0 - float(lr) * self.samples))))

    def exceeds_one(self, lr):
        return bool(np.any(self._factors(lr) > 1.0))

    def poles(self):
        # few distinct values (a small data set): the exact search between the poles 1/h; many stand for a
        # continuous law, and the threshold search scans a grid instead of visiting each pole
        distinct = np.unique(self.samples)
        if distinct.size > MAX_POLES:
            return None
        return tuple(mpmath.mpf(float(v)) for v in np.sort(1.0 / distinct[distinct > 0]))


def sampled_minibatch_curvature(curvatures: Sequence[float], batch_size: int, sampling: str = "with",
                                draws: int = 100_000, seed: int = 0) -> SampledCurvature:
    r"""The means :math:`h_B` of ``draws`` minibatches of per-sample curvatures, drawn with a seeded generator.

    Args:
        curvatures: per-sample curvatures :math:`h_a` (an array of :math:`N` numbers).
        batch_size: :math:`b` (at most :math:`N` without replacement).
        sampling: ``"with"`` (i.i.d. draws) or ``"without"`` replacement (a fresh draw per minibatch).
        draws: the number of minibatches; seed: of ``numpy.random.default_rng``.

    Raises:
        TypeError: a non-integer size or seed.
        ValueError: empty or non-finite curvatures, a bad batch size, sampling or number of draws.
    """
    values = np.asarray(curvatures, dtype=np.float64).ravel()
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError("curvatures must be a non-empty array of finite numbers")
    b = check_integer("batch_size", batch_size, minimum=1)
    draws = check_integer("draws", draws, minimum=1)
    seed = check_integer("seed", seed, minimum=0)
    if sampling not in ("with", "without"):
        raise ValueError(f"sampling must be 'with' or 'without' (replacement); got {sampling!r}")
    if sampling == "without" and b > values.size:
        raise ValueError(f"without replacement the batch size ({b}) cannot exceed the number of samples "
                         f"({values.size})")
    rng = np.random.default_rng(seed)
    if sampling == "with":
        index = rng.integers(0, values.size, size=(draws, b))
        return SampledCurvature(values[index].mean(axis=1))
    # b distinct samples per draw: the first b of a random permutation of each row, in chunks of bounded memory
    chunk = max(1, 10_000_000 // values.size)
    means = [values[np.argsort(rng.random((min(chunk, draws - start), values.size)), axis=1)[:, :b]].mean(axis=1)
             for start in range(0, draws, chunk)]
    return SampledCurvature(np.concatenate(means))
