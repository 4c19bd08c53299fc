"""sgdfp.stats.correlation: the effective number of independent modes, against its definition by simulation.

The definition: the mean of m correlated chi-squared ratios has the variance of m_eff independent ones,
Var(mean_i s_i^2/sigma_i^2) = 2/(nu m_eff) with m_eff = m^2/sum_ij rho_ij^2.
"""

import numpy as np
import pytest

from sgdfp.stats import effective_modes


def _equicorrelated(rng, shape, modes, rho):
    """Gaussian samples of ``modes`` unit-variance columns with every pairwise correlation ``rho`` >= 0."""
    common = rng.standard_normal(shape + (1,))
    return np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.standard_normal(shape + (modes,))


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.8])
def test_equicorrelated_modes_give_m_squared_over_the_sum_of_squared_correlations(rho):
    rng = np.random.default_rng(int(10 * rho))
    modes = 6
    exact = modes**2 / (modes + modes * (modes - 1) * rho**2)
    estimates = effective_modes(_equicorrelated(rng, (200, 400), modes, rho))
    if rho == 0:  # unbiased around m, then clipped at m: at least half the estimates are exactly m
        assert np.mean(estimates == modes) >= 0.4 and np.all(estimates <= modes)
    else:
        assert np.median(estimates) == pytest.approx(exact, rel=0.03)


def test_the_estimate_gives_the_variance_of_the_pooled_ratio():
    """Monte Carlo of the definition: the variance of the mean variance ratio is 2/(nu m_eff)."""
    rng = np.random.default_rng(1)
    trials, replicas, modes = 6_000, 100, 8
    samples = _equicorrelated(rng, (trials, replicas), modes, 0.5)
    pooled = samples.var(axis=-2, ddof=1).mean(axis=-1)
    measured = 2 / ((replicas - 1) * pooled.var(ddof=1))
    assert np.median(effective_modes(samples)) == pytest.approx(measured, rel=0.06)


def test_blocks_of_copies_count_once_each():
    rng = np.random.default_rng(2)
    blocks = rng.standard_normal((3000, 3))
    samples = blocks[:, [0, 0, 0, 1, 1, 2]]  # three independent modes, copied 3, 2 and 1 times
    exact = 36 / (9 + 4 + 1)  # m^2 / sum of squared correlations: 9 + 4 + 1 ones
    assert float(effective_modes(samples)) == pytest.approx(exact, rel=0.01)


def _by_hand(samples):
    """The estimator written out from numpy's correlation matrix: squared correlations, bias-corrected, clipped."""
    n, m = samples.shape
    r2 = np.corrcoef(samples, rowvar=False) ** 2
    corrected = r2 - (1 - r2) / (n - 2)
    np.fill_diagonal(corrected, 1.0)
    return m**2 / np.clip(corrected.sum(), m, m**2)


@pytest.mark.parametrize("replicas, modes", [(500, 5), (30, 200), (40, 40)])
def test_the_estimator_written_out_by_hand(replicas, modes):
    """Both Gram matrices (modes x modes, or replicas x replicas when there are more modes) give the same."""
    rng = np.random.default_rng(replicas)
    samples = _equicorrelated(rng, (replicas,), modes, 0.2) * rng.uniform(0.5, 3, size=modes)
    assert float(effective_modes(samples)) == pytest.approx(_by_hand(samples), rel=1e-9)


def test_shapes_and_edge_cases():
    rng = np.random.default_rng(3)
    assert effective_modes(rng.normal(size=(4, 50, 1))).tolist() == [1.0] * 4  # one mode is one mode
    batch = rng.normal(size=(3, 60, 4))
    assert effective_modes(batch) == pytest.approx([float(effective_modes(b)) for b in batch], rel=1e-12)
    with pytest.raises(ValueError, match="replicas, modes"):
        effective_modes(np.ones(5))
