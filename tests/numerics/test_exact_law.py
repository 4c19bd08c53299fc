"""Sampled minibatch laws of the curvature, and Kesten's index against a simulated chain."""

import numpy as np
import pytest
import sympy as sp

from sgdfp.derive import DensityCurvature, Mode, almost_sure_threshold, minibatch_curvature_law, tail_index
from sgdfp.numerics import SampledCurvature, sampled_minibatch_curvature


def _hill(values: np.ndarray, k: int) -> float:
    """Hill's estimator of the tail index from the k largest |values|."""
    top = np.sort(np.abs(values))[::-1]
    return float(1 / np.mean(np.log(top[:k] / top[k])))


def test_kesten_index_matches_a_simulated_chain():
    # h ~ chi^2_4 / 4, g ~ N(0, 1), eta = 1: 40000 independent chains, 150 steps (E log|1 - h| = -1.01 per step)
    rng = np.random.default_rng(1)
    y = np.zeros(40000)
    for _ in range(150):
        y = (1 - rng.gamma(2.0, 0.5, y.size)) * y - rng.standard_normal(y.size)
    alpha = float(tail_index(DensityCurvature.gamma(2, sp.Rational(1, 2)), 1))
    assert _hill(y, 1000) == pytest.approx(alpha, abs=0.5)
    # the truncated density's survival exponent, 7/3, is far outside the chain's
    assert abs(_hill(y, 1000) - 7 / 3) > 0.7


@pytest.mark.parametrize("sampling", ["with", "without"])
def test_sampled_law_approaches_the_enumerated_one(sampling):
    curvatures = [0.5, 1.0, 2.0, 4.0, 0.25, 3.0]
    exact = minibatch_curvature_law(curvatures, 3, sampling)
    sampled = sampled_minibatch_curvature(curvatures, 3, sampling, draws=200_000, seed=3)
    assert float(sampled.mean) == pytest.approx(float(exact.mean), rel=5e-3)
    assert float(sampled.variance) == pytest.approx(float(exact.variance), rel=2e-2)
    lr = 0.9
    assert float(tail_index(sampled, lr)) == pytest.approx(float(tail_index(exact, lr)), rel=0.03)
    assert float(almost_sure_threshold(sampled)) == pytest.approx(float(almost_sure_threshold(exact)), rel=0.02)
    mode = Mode(float(sampled.mean), 1.0, lr, float(sampled.variance), curvature_law=sampled)
    assert mode.tail_index().value == tail_index(sampled, lr).value


def test_sampled_law_bad_input():
    with pytest.raises(ValueError, match="finite"):
        SampledCurvature([1.0, float("nan")])
    with pytest.raises(ValueError, match="cannot exceed"):
        sampled_minibatch_curvature([1.0, 2.0], 3, "without")
    with pytest.raises(ValueError, match="sampling"):
        sampled_minibatch_curvature([1.0, 2.0], 1, "replace")
    with pytest.raises(TypeError, match="batch_size"):
        sampled_minibatch_curvature([1.0, 2.0], 1.5)
