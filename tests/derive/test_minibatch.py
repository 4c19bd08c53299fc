"""Minibatch cumulants against brute-force enumeration of every batch, and published closed forms."""

from fractions import Fraction
from itertools import combinations, product

import pytest
import sympy as sp
from sympy.utilities.iterables import multiset_partitions

from sgdfp.derive import minibatch_covariance, minibatch_cumulant, minibatch_cumulant_tensor, per_sample_cumulant
from sgdfp.derive.minibatch import batch_size as b
from sgdfp.derive.minibatch import num_samples as N

# A small population of 2-D "per-sample gradients" (exact rationals).
POPULATION = [(Fraction(3), Fraction(-1)), (Fraction(-2), Fraction(5, 2)), (Fraction(1, 2), Fraction(0)),
              (Fraction(4), Fraction(1)), (Fraction(-1), Fraction(-3))]


def _joint_cumulant(samples, weights, idx):
    """kappa(X_i1, ..., X_in) = sum_pi (-1)^(|pi|-1) (|pi|-1)! prod_B E[prod_{i in B} X_i] (exact)."""
    def expect(block):
        total = Fraction(0)
        for x, w in zip(samples, weights):
            term = w
            for i in block:
                term *= x[idx[i]]
            total += term
        return total
    result = Fraction(0)
    for pi in multiset_partitions(list(range(len(idx)))):
        k = len(pi)
        term = Fraction((-1) ** (k - 1) * sp.factorial(k - 1))
        for block in pi:
            term *= expect(block)
        result += term
    return result


def _enumerate(batch, sampling, population=POPULATION):
    n = len(population)
    batches = (list(product(range(n), repeat=batch)) if sampling == "with"
               else list(combinations(range(n), batch)))
    means = [tuple(sum(population[a][c] for a in bt) / batch for c in range(2)) for bt in batches]
    return means, [Fraction(1, len(batches))] * len(batches)


def _population_tensors(order, population=POPULATION):
    weights = [Fraction(1, len(population))] * len(population)
    return {k: sp.ImmutableDenseNDimArray(
        [sp.Rational(_joint_cumulant(population, weights, idx)) for idx in product(range(2), repeat=k)],
        (2,) * k) for k in range(2, order + 1)}


@pytest.mark.parametrize("sampling", ["with", "without"])
@pytest.mark.parametrize("batch", [1, 2, 3])
@pytest.mark.parametrize("order", [2, 3, 4])
def test_tensor_cumulants_match_enumeration_of_every_batch(sampling, batch, order):
    means, weights = _enumerate(batch, sampling)
    derived = minibatch_cumulant_tensor(_population_tensors(order), order, sampling, batch, len(POPULATION))
    for idx in product(range(2), repeat=order):
        exact = _joint_cumulant(means, weights, idx)
        assert derived[idx] == sp.Rational(exact), (idx, derived[idx], exact)


def test_orders_above_the_population_size_without_replacement():
    """N = 3 < order 4: the closed form is 0/0 there; its limit matches enumeration."""
    small = POPULATION[:3]
    means, weights = _enumerate(2, "without", small)
    derived = minibatch_cumulant_tensor(_population_tensors(4, small), 4, "without", 2, 3)
    for idx in product(range(2), repeat=4):
        assert derived[idx] == sp.Rational(_joint_cumulant(means, weights, idx))


def test_published_without_replacement_factors():
    k2, k3 = per_sample_cumulant(2), per_sample_cumulant(3)
    # finite-population variance and third cumulant of a sample mean (e.g. Tukey; Cochran, Sampling Techniques)
    assert sp.simplify(minibatch_cumulant(2, "without") - k2 * (N - b) / (b * (N - 1))) == 0
    assert sp.simplify(minibatch_cumulant(3, "without")
                       - k3 * (N - b) * (N - 2 * b) / (b**2 * (N - 1) * (N - 2))) == 0


@pytest.mark.parametrize("order", range(2, 7))
def test_with_replacement_scales_as_inverse_batch_power(order):
    assert sp.simplify(minibatch_cumulant(order, "with") - per_sample_cumulant(order) / b ** (order - 1)) == 0


def test_without_replacement_tends_to_with_replacement_for_large_populations():
    for order in (2, 3, 4):
        limit = sp.limit(minibatch_cumulant(order, "without"), N, sp.oo)
        assert sp.simplify(limit - minibatch_cumulant(order, "with")) == 0


def test_full_batch_without_replacement_has_no_noise():
    for order in (2, 3, 4):
        assert minibatch_cumulant(order, "without", batch_size=6, num_samples=6) == 0


def test_minibatch_covariance():
    s = sp.Matrix([[2, 1], [1, 3]])
    assert minibatch_covariance(s, "with", 4) == s / 4
    assert minibatch_covariance(s, "without", 4, 10) == s * sp.Rational(6, 36)


@pytest.mark.parametrize("kwargs, message", [
    (dict(order=2, sampling="replace"), "'with' or 'without'"),
    (dict(order=0), "positive integer"),
    (dict(order=2, sampling="without", batch_size=5, num_samples=3), "cannot exceed"),
    (dict(order=2, batch_size=0), "positive integer"),
])
def test_bad_minibatch_inputs(kwargs, message):
    with pytest.raises(ValueError, match=message):
        minibatch_cumulant(**kwargs)


SIX = POPULATION + [(Fraction(-5, 2), Fraction(2))]  # N = 6, so that b = 3 is half the population


@pytest.mark.parametrize("order, batch", [(3, 3), (2, 6), (3, 6), (4, 6)])
def test_vanishing_cumulants_are_zero_tensors_as_enumeration_gives(order, batch):
    """Without replacement the order-3 cumulant vanishes at b = N/2 and every cumulant at b = N; the tensor is
    then an array of zeros (it used to raise KeyError), as the enumeration of every batch says."""
    means, weights = _enumerate(batch, "without", SIX)
    derived = minibatch_cumulant_tensor(_population_tensors(order, SIX), order, "without", batch, len(SIX))
    assert derived.shape == (2,) * order
    for idx in product(range(2), repeat=order):
        assert _joint_cumulant(means, weights, idx) == 0 and derived[idx] == 0


def test_order_four_at_half_the_population_does_not_vanish():
    """The order-3 zero at b = N/2 is special to order 3: order 4 there matches enumeration and is not zero."""
    means, weights = _enumerate(3, "without", SIX)
    derived = minibatch_cumulant_tensor(_population_tensors(4, SIX), 4, "without", 3, 6)
    exact = {idx: sp.Rational(_joint_cumulant(means, weights, idx)) for idx in product(range(2), repeat=4)}
    assert all(derived[idx] == value for idx, value in exact.items()) and any(exact.values())


@pytest.mark.parametrize("call, error, message", [
    (lambda: minibatch_cumulant(2, batch_size="4"), TypeError, "batch_size must be a number .* not text"),
    (lambda: minibatch_cumulant(2, "without", 4, num_samples="10"), TypeError, "num_samples .* not text"),
    (lambda: minibatch_covariance([["1", 0], [0, 1]]), TypeError, "every entry of per_sample_cov .* not text"),
    (lambda: minibatch_covariance([[1, 0, 0], [0, 1, 0]]), ValueError, "square"),
    (lambda: minibatch_cumulant_tensor({2: [["1", 0], [0, 1]]}, 2), TypeError, "tensor of rank 2 .* not text"),
    (lambda: minibatch_cumulant_tensor({"2": [[1, 0], [0, 1]]}, 2), TypeError, "rank of per_sample .* not text"),
    (lambda: minibatch_cumulant_tensor("kappa_2", 2), TypeError, "per_sample must map ranks"),
    (lambda: minibatch_cumulant_tensor({}, 2, "without", 4, 4), ValueError, "at least one per-sample"),
    (lambda: per_sample_cumulant("2"), ValueError, "positive integer"),
])
def test_text_is_refused_not_parsed(call, error, message):
    with pytest.raises(error, match=message):
        call()
