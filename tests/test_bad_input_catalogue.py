"""The catalogue of malformed input (issue 11, section 5): one case per class and per entry point.

Every refusal is a ``ValueError`` or ``TypeError`` whose message is one line that names what was wrong (the
argument, the value) and what is allowed. The classes:

- NaN or infinite parameters: :class:`~sgdfp.derive.Mode`, ``Mode.from_estimates``, ``mode_functions``
  (numpy and torch), :class:`~sgdfp.numerics.QuadraticModel`, ``pair_cross_covariance``, ``simulate_mode``,
  ``simulate_quadratic``;
- negative variances: the same entry points (``mode_functions('numpy').variance(1, -1, 0.1, 10)`` returned
  -0.046 before);
- negative (or fractional) steps: ``Mode.variance``, ``mode_functions``, ``QuadraticModel.covariance``,
  ``pair_cross_covariance``, ``simulate_mode``;
- ``QuadraticModel``: a 0x0 matrix and negative curvature noise are refused; numpy scalars as the learning
  rate are accepted (and give the published stationary variance);
- ``load_text``: a directory ("is a directory"), ``sequences <= 0``, ``context <= 0``;
- ``minibatch_cumulant_tensor`` where the cumulant vanishes identically: zeros, not ``KeyError: ()``
  (checked against the enumeration of every batch in ``tests/derive/test_minibatch.py``);
- malformed ``results.json`` fields: ``tests/validate/test_results.py`` (file and field named; referenced
  below, not repeated).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from sgdfp.derive import Mode, minibatch_cumulant_tensor
from sgdfp.numerics import QuadraticModel, mode_functions, pair_cross_covariance, simulate_mode, simulate_quadratic
from sgdfp.validate import DataUnavailable, load_text

NAN, INF = float("nan"), float("inf")
H, C = [[1.0, 0.0], [0.0, 0.5]], [[1.0, 0.0], [0.0, 2.0]]


def _noise(value):
    """Curvature noise of two modes with Var(H_B,01) = value (a 4-index array)."""
    gamma = np.zeros((2, 2, 2, 2))
    gamma[0, 1, 0, 1] = value
    return gamma


def _torch(*values):
    return [torch.as_tensor(v, dtype=torch.float64) for v in values]


NUMPY, TORCH = mode_functions("numpy"), mode_functions("torch")

# (class, entry point, call, error type, message: what is wrong and what is allowed)
CASES = [
    # ---------------------------------------------------------------- NaN or infinite parameters
    ("nan", "Mode", lambda: Mode(NAN, 1.0, 0.1), ValueError, r"curvature must be a finite real number; got nan"),
    ("nan", "Mode.from_estimates", lambda: Mode.from_estimates(1.0, INF, 0.1), ValueError,
     r"grad_noise must be a finite real number"),
    ("nan", "mode_functions(numpy).variance", lambda: NUMPY.variance(1.0, NAN, 0.1, 10), ValueError,
     r"grad_noise has NaN or infinite entries; it must be finite"),
    ("nan", "mode_functions(numpy).mean", lambda: NUMPY.mean(1.0, 1.0, 0.1, 10, mean0=INF), ValueError,
     r"mean0 has NaN or infinite entries; it must be finite"),
    ("nan", "mode_functions(numpy).stationary_variance", lambda: NUMPY.stationary_variance(1.0, 1.0, NAN),
     ValueError, r"lr has NaN or infinite entries"),
    ("nan", "mode_functions(numpy).regime", lambda: NUMPY.regime([1.0, NAN], 0.1), ValueError,
     r"curvature has NaN or infinite entries"),
    ("nan", "mode_functions(torch).variance", lambda: TORCH.variance(*_torch(1.0, [1.0, NAN], 0.1), 10), ValueError,
     r"grad_noise has NaN or infinite entries"),
    ("nan", "QuadraticModel", lambda: QuadraticModel(H, [[1.0, 0.0], [0.0, NAN]], 0.1), ValueError,
     r"grad_cov has non-finite entries"),
    ("nan", "QuadraticModel(lr)", lambda: QuadraticModel(H, C, INF), ValueError, r"lr must be a positive finite number"),
    ("nan", "pair_cross_covariance", lambda: pair_cross_covariance(1.0, 0.5, NAN, 0.1), ValueError,
     r"cov_ab must be finite; got nan"),
    ("nan", "simulate_mode", lambda: simulate_mode(1.0, 1.0, NAN, [0, 5], chains=8), ValueError,
     r"lr has NaN or infinite entries; it must be finite"),
    ("nan", "simulate_quadratic", lambda: simulate_quadratic(H, C, 0.1, [0, 5], mean_grad=[0.0, INF], chains=8),
     ValueError, r"mean_grad has NaN or infinite entries"),
    # ---------------------------------------------------------------- negative variances
    ("negative variance", "Mode", lambda: Mode(1.0, -1.0, 0.1), ValueError,
     r"grad_noise is a variance and cannot be negative; got -1"),
    ("negative variance", "Mode(var0)", lambda: Mode(1.0, 1.0, 0.1).variance(5, 0, -0.5), ValueError,
     r"var0 is a variance and cannot be negative; got -0.5"),
    ("negative variance", "mode_functions(numpy).variance", lambda: NUMPY.variance(1, -1, 0.1, 10), ValueError,
     r"grad_noise is a variance and cannot be negative; got -1"),
    ("negative variance", "mode_functions(numpy).variance(curvature_noise)",
     lambda: NUMPY.variance(1.0, 1.0, 0.1, 10, curvature_noise=-0.1), ValueError,
     r"curvature_noise is a variance and cannot be negative; got -0.1"),
    ("negative variance", "mode_functions(torch).variance(var0)",
     lambda: TORCH.variance(*_torch(1.0, 1.0, 0.1), 10, var0=torch.tensor(-2.0)), ValueError,
     r"var0 is a variance and cannot be negative; got -2"),
    ("negative variance", "QuadraticModel(grad_cov)", lambda: QuadraticModel(H, [[1.0, 0.0], [0.0, -1.0]], 0.1),
     ValueError, r"grad_cov must be positive semi-definite"),
    ("negative variance", "QuadraticModel(curvature_noise)", lambda: QuadraticModel(H, C, 0.1, _noise(-0.5)),
     ValueError, r"curvature_noise\[i, j, i, j\] = Var\(H_B,ij\) is a variance and cannot be negative; "
                 r"got -0.5 at i, j = 0, 1"),
    ("negative variance", "simulate_mode", lambda: simulate_mode(1.0, 1.0, 0.1, [0, 5], curvature_noise=-1.0, chains=8),
     ValueError, r"grad_noise, curvature_noise and var0 are variances and cannot be negative"),
    # ---------------------------------------------------------------- negative or fractional steps
    ("negative step", "Mode.variance", lambda: Mode(1.0, 1.0, 0.1).variance(-1), ValueError,
     r"the step k must be a non-negative integer; got -1"),
    ("negative step", "mode_functions(numpy).variance", lambda: NUMPY.variance(1.0, 1.0, 0.1, -1), ValueError,
     r"the step k must be a non-negative integer; got -1"),
    ("negative step", "mode_functions(numpy).mean", lambda: NUMPY.mean(1.0, 1.0, 0.1, [3, 2.5]), ValueError,
     r"the step k must be a non-negative integer; got 2.5"),
    ("negative step", "QuadraticModel.covariance", lambda: QuadraticModel(H, C, 0.1).covariance(-3), ValueError,
     r"k must be a non-negative integer; got -3"),
    ("negative step", "pair_cross_covariance", lambda: pair_cross_covariance(1.0, 0.5, 0.2, 0.1, k=-2), ValueError,
     r"the step k cannot be negative; got -2"),
    ("negative step", "simulate_mode", lambda: simulate_mode(1.0, 1.0, 0.1, [-5, 5], chains=8), ValueError,
     r"steps must be non-negative integers"),
    # ---------------------------------------------------------------- QuadraticModel shapes
    ("quadratic 0x0", "QuadraticModel", lambda: QuadraticModel(np.zeros((0, 0)), np.zeros((0, 0)), 0.1), ValueError,
     r"hessian must be a non-empty square matrix \(d x d, d >= 1\); got shape \(0, 0\)"),
    ("quadratic 0x0", "QuadraticModel(not square)", lambda: QuadraticModel([[1.0, 0.0]], [[1.0]], 0.1), ValueError,
     r"hessian must be a non-empty square matrix .* got shape \(1, 2\)"),
    # ---------------------------------------------------------------- load_text
    ("load_text directory", "load_text", lambda: load_text(str(Path(__file__).parent)), DataUnavailable,
     r"text file '.*tests' is a directory; give the path of a UTF-8 text file"),
    ("load_text sequences", "load_text(sequences=0)", lambda: load_text(sequences=0), ValueError,
     r"sequences must be a positive integer; got 0"),
    ("load_text sequences", "load_text(sequences=-3)", lambda: load_text(sequences=-3), ValueError,
     r"sequences must be a positive integer; got -3"),
    ("load_text sequences", "load_text(sequences=2.5)", lambda: load_text(sequences=2.5), TypeError,
     r"sequences must be a positive integer; got float 2.5"),
    ("load_text context", "load_text(context=0)", lambda: load_text(context=0), ValueError,
     r"context must be a positive integer; got 0"),
    ("load_text context", "load_text(context=-1)", lambda: load_text(context=-1), ValueError,
     r"context must be a positive integer; got -1"),
]


@pytest.mark.parametrize("kind, where, call, error, message", CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_bad_input_is_refused_with_one_line_that_says_what_and_what_is_allowed(kind, where, call, error, message):
    with pytest.raises(error) as refused:
        call()
    text = str(refused.value)
    assert "\n" not in text, f"{where}: the message runs over several lines: {text!r}"
    assert re.search(message, text), f"{where}: {text!r} does not match {message!r}"


@pytest.mark.parametrize("lr", [np.float64(0.1), np.float32(0.1), np.array(0.1), np.array(0.1, dtype=np.float32)],
                         ids=["float64", "float32", "0-d array", "0-d float32 array"])
def test_numpy_scalars_are_learning_rates_of_a_quadratic_model(lr):
    """The stationary variance of each decoupled mode is the published eta D / (2 lambda - eta lambda^2)."""
    model = QuadraticModel(H, C, lr)
    eta = float(lr)
    assert model.lr == eta and isinstance(model.lr, float)
    expected = [eta * d / (2 * lam - eta * lam**2) for lam, d in ((1.0, 1.0), (0.5, 2.0))]
    assert np.allclose(np.diag(model.stationary_covariance()), expected, rtol=1e-12)


@pytest.mark.parametrize("order, batch", [(3, 3), (2, 6), (4, 6)])
def test_a_vanishing_minibatch_cumulant_is_a_tensor_of_zeros(order, batch):
    """Order 3 at b = N/2 and every order at b = N vanish without replacement: zeros of the right shape (the
    values are checked against every batch of a population in tests/derive/test_minibatch.py)."""
    per_sample = {k: np.ones((2,) * k).tolist() for k in range(2, order + 1)}
    zeros = minibatch_cumulant_tensor(per_sample, order, "without", batch, 6)
    assert zeros.shape == (2,) * order and not np.any(np.array(zeros.tolist(), dtype=float))


def test_malformed_results_files_are_covered_where_results_are_read():
    """ValidationResults.read names the file and the field (``scaling: "bad"``, ``scaling.interval: [1]``,
    ``summary.regime_counts: "x"``, 200 000 nested brackets, ...): the cases live beside the reader."""
    source = (Path(__file__).parent / "validate" / "test_results.py").read_text()
    for name in ("test_malformed_fields_give_one_line_naming_file_and_field", "test_unreadable_files_are_one_line_errors"):
        assert f"def {name}(" in source
    for case in ('update(scaling="bad")', "update(interval=[1])", 'update(regime_counts="x")', '"{" * 200_000'):
        assert case in source


def test_every_class_has_cases():
    kinds = {c[0] for c in CASES}
    assert kinds == {"nan", "negative variance", "negative step", "quadratic 0x0", "load_text directory",
                     "load_text sequences", "load_text context"}
