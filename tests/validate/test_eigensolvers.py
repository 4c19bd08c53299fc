"""Eigensolver strategies: dense and Lanczos agree, residuals are small, the automatic choice."""

import pytest
import torch
from problems import tiny

from sgdfp.validate import dense_eigenpairs, top_eigenpairs


def test_dense_and_lanczos_eigenpairs_agree():
    model, x, y = tiny()
    theta = model.theta0
    values, vectors = dense_eigenpairs(model.hessian(theta, x, y))
    top_values, top_vectors = top_eigenpairs(model, theta, x, y, 6)
    by_magnitude = values[values.abs().argsort()[-6:]].sort().values
    assert torch.allclose(top_values, by_magnitude, rtol=1e-8, atol=1e-10)
    overlap = (top_vectors.T @ vectors[:, values.abs().argsort()[-6:]]).abs().max(dim=1).values
    assert torch.all(overlap > 1 - 1e-6)


def test_numpy_numbers_are_accepted_and_text_is_refused_by_name():
    import numpy as np
    import pytest

    from sgdfp.validate import LanczosEigensolver, get_eigensolver

    solver = LanczosEigensolver(np.int64(4), seed=np.uint8(1), tolerance=np.float32(1e-8))
    assert (solver.count, solver.seed, type(solver.count)) == (4, 1, int)
    assert get_eigensolver("auto", np.int64(10), dense_limit=np.int32(20)).name == "dense"
    for call, message in [(lambda: LanczosEigensolver("4"), "count must be an integer; got str '4'"),
                          (lambda: LanczosEigensolver(4, tolerance=-1.0), "tolerance must be a finite number >= 0"),
                          (lambda: get_eigensolver("dense", 10, seed=True), "seed must be an integer; got bool"),
                          (lambda: top_eigenpairs("model", None, None, None, 2),
                           "model must be a sgdfp.validate.FlatModel")]:
        with pytest.raises((TypeError, ValueError), match=message.replace("(", r"\(")):
            call()


def _assert_ends_match_dense(model, theta, x, y, count, tolerance=1e-6):
    """Lanczos at both ends against the dense spectrum.

    Tolerance logic: for a symmetric H and a unit vector u, some eigenvalue lies within r = ||Hu - λu|| of the
    Rayleigh quotient λ (always checked), and a Ritz value with relative gap δ to the rest of the spectrum is off
    by at most r² / (δ |λ|) -- ARPACK's tolerance of 1e-10 makes that far below 1e-6 relative wherever δ >= 1e-3,
    which is where the 1e-6 relative bar is asserted. The dense reference is accurate to about 1e-15 ||H||."""
    from sgdfp.validate import LanczosEigensolver

    dense = torch.linalg.eigvalsh(model.hessian(theta, x, y).to(torch.float64))
    found = LanczosEigensolver(count, seed=3).solve(model, theta, x, y)
    assert found.values.shape == (2 * count,) and found.vectors.shape == (model.num_parameters, 2 * count)
    assert found.residuals is not None and found.residuals.shape == (2 * count,)
    expected = torch.cat([dense[:count], dense[-count:]])
    scale = float(dense.abs().max())
    gaps = torch.stack([torch.diff(dense, prepend=dense[:1] - scale, append=dense[-1:] + scale)[i:i + 2].min()
                        for i in list(range(count)) + list(range(len(dense) - count, len(dense)))])
    error = (found.values - expected).abs()
    assert torch.all(error <= torch.as_tensor(found.residuals) + 1e-12 * scale)
    separated = gaps / expected.abs() >= 1e-3
    assert separated.sum() >= count  # most of both ends are well separated on these models
    assert torch.all(error[separated] <= tolerance * expected.abs()[separated]), (error / expected.abs()).max()
    assert float(found.residuals.max()) <= 1e-6 * scale
    # the vectors are orthonormal across the two ends
    gram = found.vectors.T @ found.vectors
    assert torch.allclose(gram, torch.eye(2 * count, dtype=torch.float64), atol=1e-8)
    return found, dense


def test_lanczos_gives_the_largest_and_most_negative_eigenpairs_of_the_tiny_model():
    model, x, y = tiny()
    found, dense = _assert_ends_match_dense(model, model.theta0, x, y, 4)
    assert found.values[0] < 0 < found.values[-1] and found.method == "lanczos"


def test_lanczos_matches_dense_at_both_ends_on_mnist_mlp():
    """The mnist-mlp model (386 parameters, 1 024 real MNIST digits) after 300 SGD steps: a point near, not at,
    a minimum, where the most negative eigenvalues are small and the largest well separated."""
    from sgdfp.validate import MLP, FlatModel, load_mnist

    torch.manual_seed(0)
    data = load_mnist(pool=6).subset(1024)
    model = FlatModel(MLP(36, 8, 10))
    theta, x, y = model.theta0.clone(), data.inputs, data.targets
    generator = torch.Generator().manual_seed(0)
    step = torch.func.grad(model.loss)
    for _ in range(300):
        index = torch.randint(len(x), (64,), generator=generator)
        theta = theta - 0.5 * step(theta, x[index], y[index])
    _assert_ends_match_dense(model, theta, x, y, 8)


def test_auto_picks_lanczos_above_the_dense_limit_with_both_ends():
    from sgdfp.validate import get_eigensolver
    from sgdfp.validate.eigensolvers import DEFAULT_LANCZOS_MODES

    solver = get_eigensolver("auto", 10**5)
    assert (solver.name, solver.count, solver.ends) == ("lanczos", DEFAULT_LANCZOS_MODES, "both")
    assert get_eigensolver("auto", 10**5, modes=5).count == 5
    import pytest

    from sgdfp.validate import LanczosEigensolver

    with pytest.raises(ValueError, match="ends must be one of both, largest, magnitude"):
        LanczosEigensolver(2, ends="top")


@pytest.mark.slow
def test_lanczos_matches_dense_at_both_ends_on_a_small_char_transformer():
    """The char-transformer preset's model (1 072 parameters, float64) on 128 windows of Python's documentation."""
    from sgdfp.validate import CharTransformer, FlatModel, load_text

    torch.manual_seed(0)
    data = load_text("pydoc", sequences=128, context=16)
    model = FlatModel(CharTransformer(30, 8, 16), task="next-token")
    theta, x, y = model.theta0.clone(), data.inputs, data.targets
    step = torch.func.grad(model.loss)
    for _ in range(100):
        theta = theta - 0.5 * step(theta, x, y)
    _assert_ends_match_dense(model, theta, x, y, 6)
