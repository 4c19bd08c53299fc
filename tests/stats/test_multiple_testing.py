"""sgdfp.stats.multiple_testing: two-sided p-values and Holm's step-down adjustment.

References: the normal tail by ``math.erfc``; Holm's procedure as the closed testing of Bonferroni tests
(enumerating every intersection hypothesis), as the textbook step-down loop, and on a worked example.
"""

import itertools
import math

import numpy as np
import pytest
from scipy.stats import binomtest, norm

from sgdfp.stats import holm, two_sided


def test_two_sided_p_of_a_normal_statistic_is_the_erfc_tail():
    for z in (-3.1, -1.0, 0.0, 0.4, 2.0, 5.0):
        assert two_sided(norm.cdf(z), norm.sf(z)) == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-12)
    assert np.all(two_sided(np.array([0.7, 0.5]), np.array([0.3, 0.5])) == np.array([0.6, 1.0]))  # capped at 1


def _holm_by_closed_testing(p):
    """Adjusted p_i = max over every set S containing i of the Bonferroni p-value |S| min_{j in S} p_j."""
    m = len(p)
    adjusted = np.zeros(m)
    for size in range(1, m + 1):
        for subset in itertools.combinations(range(m), size):
            bonferroni = min(1.0, size * min(p[j] for j in subset))
            for i in subset:
                adjusted[i] = max(adjusted[i], bonferroni)
    return adjusted


def test_holm_equals_the_closed_testing_of_bonferroni_tests():
    rng = np.random.default_rng(0)
    for _ in range(60):
        m = int(rng.integers(1, 7))
        p = rng.uniform(0, 0.2, size=m) ** 2
        if m > 2:
            p[1] = p[0]  # ties
        assert np.allclose(holm(p), _holm_by_closed_testing(p), rtol=1e-12, atol=0)


def test_holm_against_the_textbook_procedure():
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 0.05, size=(200, 6)) ** 2
    adjusted = holm(p)
    for row, adj in zip(p, adjusted):
        order = np.argsort(row)
        rejected = set()
        for rank, index in enumerate(order):  # reject while p_(j) <= alpha / (m - j)
            if row[index] > 0.01 / (6 - rank):
                break
            rejected.add(int(index))
        assert rejected == set(np.flatnonzero(adj <= 0.01).tolist())


def test_holm_on_a_worked_example():
    """Four hypotheses with p = 0.01, 0.04, 0.03, 0.005 at alpha = 0.05: sorted, 0.005 * 4 = 0.02,
    0.01 * 3 = 0.03, 0.03 * 2 = 0.06 -- stop: H1 and H4 are rejected, H2 and H3 are not."""
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02], rel=1e-12)
    assert np.flatnonzero(adjusted <= 0.05).tolist() == [0, 3]


def test_holm_controls_the_family_wise_error_at_its_exact_value_under_the_complete_null():
    """With m independent true nulls Holm rejects something iff min p <= alpha/m: probability 1 - (1 - alpha/m)^m."""
    rng = np.random.default_rng(1)
    trials, m, alpha = 20_000, 10, 0.05
    any_rejected = (holm(rng.uniform(size=(trials, m))) <= alpha).any(axis=1)
    exact = 1 - (1 - alpha / m) ** m
    assert exact <= alpha
    assert binomtest(int(any_rejected.sum()), trials, exact).pvalue > 1e-3


def test_holm_works_row_by_row_over_leading_axes():
    rng = np.random.default_rng(2)
    p = rng.uniform(size=(3, 4, 5))
    batch = holm(p)
    assert batch.shape == p.shape
    for index in np.ndindex(3, 4):
        assert np.array_equal(batch[index], holm(p[index]))
