r"""Theory-vs-experiment checks as ordinary pytest tests: the ``sgdfp`` pytest plugin.

Installed as the ``pytest11`` entry point ``sgdfp``, so that in any project with sgdfp installed::

    import pytest
    from sgdfp.testing import assert_regime, assert_variance_matches

    @pytest.mark.theory
    def test_sgd_fluctuations_match_the_mode_theory():
        samples = ...                      # (replicas, *modes): one row per independent SGD replica
        predicted = ...                    # the theory's variance of every mode, same mode shape
        assert_variance_matches(samples, predicted)

Every check is recorded, passed or failed, and the end of the run prints a table of them
("sgdfp: theory vs experiment"). The pieces:

- :func:`assert_variance_matches` -- measured per-mode variances against predicted ones;
- :func:`assert_regime` -- the measured growth of the variance against a predicted regime
  (``"confined"``, ``"diffusive"``, ``"unstable"``, ``"escaping"``: :data:`sgdfp.derive.modes.REGIMES`);
- the ``theory`` marker, the ``theory_check`` fixture (the two helpers, bound to the test, and the
  checks it recorded), and the terminal summary;
- :func:`detection_power`, :func:`required_replicas` and :func:`growth_bands`: what a check can see.

**Variances.** Replicas are independent, so for Gaussian fluctuations the unbiased sample variance
of :math:`R` replicas obeys :math:`\nu s^2/\sigma^2 \sim \chi^2_\nu`, :math:`\nu = R - 1`, exactly.
A check of :math:`m` modes at level :math:`\alpha` (default :data:`DEFAULT_ALPHA` = 0.01) is two tests,
with :math:`\alpha` split between them (:data:`POOLED_SHARE`) so that the probability that a correct
prediction fails is at most :math:`\alpha` (union bound):

1. *per mode*: the exact two-sided :math:`\chi^2_\nu` test of :math:`s_i^2/\sigma_i^2 = 1`, with
   Holm's step-down procedure over the modes at family-wise level :math:`\alpha/2` (valid whatever the
   dependence between modes); it names the modes that fail;
2. *pooled*: the weighted mean ratio :math:`\bar r = \sum_i \nu_i s_i^2/\sigma_i^2 / \sum_i \nu_i`, for
   which :math:`(\sum_i\nu_i)\bar r \sim \chi^2_{\sum\nu_i}` exactly when the modes are independent,
   tested two-sided at :math:`\alpha/2`. It catches an error shared by many modes (every mode 20 %
   off), which a per-mode test at level :math:`\alpha/(2m)` would miss. When the modes are
   correlated (modes of one SGD run share the minibatch) the sum has fewer degrees of freedom:
   given samples, the effective number of independent modes :math:`m^2/\sum_{ij}\rho_{ij}^2` is
   estimated from the sample correlations (bias-corrected, never above :math:`m`) and the
   Satterthwaite :math:`\chi^2` is used; given only variances, the modes are taken independent
   unless ``effective_modes`` says otherwise. Errors of mixed sign cancel in :math:`\bar r`; they
   are left to the per-mode tests.

A single mode is tested once, at the whole :math:`\alpha` (the two tests coincide). The per-mode
intervals in messages are the exact ones of :func:`sgdfp.validate.compare.chi2_interval` at the
simultaneous level :math:`1 - \alpha_\text{family}/m` (a mode lies outside its interval exactly when
the first Holm step rejects it); the pooled interval is the same function with
:math:`\sum_i\nu_i + 1` "replicas". Non-Gaussian fluctuations (curvature noise makes the stationary
law heavy-tailed) widen the spread of :math:`s^2`: with ``excess_kurtosis`` (a number, or
``"estimate"`` from samples, clipped at 0) the :math:`\chi^2` degrees of freedom become
:math:`2/(2/(R-1) + \kappa/R)` (moment matching); the default is the exact Gaussian test.

**Calibration**, at the defaults :math:`\alpha = 0.01` and :data:`DEFAULT_REPLICAS` = 1200 replicas, measured
by ``benchmarks/bench_testing.py`` (99 % Clopper--Pearson intervals) and checked with fewer trials by
``tests/test_testing.py``:

- false failures on data where the theory is exact: 1.03 % [0.97, 1.09] for one mode (200 000 trials of
  :math:`\chi^2_{1199}` draws; the single test is exact, its rate is :math:`\alpha`), 0.91 %, 0.97 % and
  0.94 % for 2, 8 and 48 independent modes (200 000, 200 000, 50 000 trials), and 0.95 % [0.48, 1.66] on
  2 000 runs of :func:`sgdfp.numerics.simulate_mode` (4 modes, samples) against
  :func:`sgdfp.numerics.mode_functions`; for independent Gaussian modes it cannot exceed :math:`\alpha`;
- a prediction 20 % off on every mode is caught with probability 97.0 % [96.8, 97.2] (predicted = 1.2 x
  truth) and 99.77 % (0.8 x truth) with one mode, the hardest case (50 000 trials each; exact: 96.9 % and
  99.8 %), and :math:`\ge` 99.97 % from 2 modes on. 1200 is the round number above
  :func:`required_replicas` (0.2) = 1089, the fewest replicas giving one mode 95 % power at 20 % error.

The scenario is independent Gaussian fluctuations (the linear map without curvature noise), every mode
off by the same factor. One mode off among many is caught only by the per-mode family at level
:math:`\alpha/(2m)`; :func:`detection_power` and :func:`required_replicas` give other scenarios.

**Regimes.** The growth exponent over a window :math:`[k_1, k_2]` (default: the last checkpoint
and the first one at or after half of it) is
:math:`\gamma = \log(V_{k_2}/V_{k_1})/\log(k_2/k_1)`. :meth:`sgdfp.derive.Mode.regime` calls a mode
diffusive when :math:`T|1-q| < 1` over the horizon :math:`T`; a mode started at a point has
:math:`V_k \propto (1 - q^k)/(1 - q)`, so the regime boundaries :math:`q = 1 \mp 1/T` become
exponent boundaries :math:`\gamma_\pm` (:func:`growth_bands`; 0.68 and 1.41 for :math:`k_1 = T/2`):
confined :math:`\gamma \le \gamma_-` (0 once settled), diffusive :math:`\gamma_- \le \gamma \le
\gamma_+` (1 for a flat mode), unstable or escaping :math:`\gamma \ge \gamma_+`. A mode fails when
the exact confidence interval of :math:`V_{k_2}/V_{k_1}` misses its band: with samples, the
Pitman--Morgan test (the variance ratio of two correlated Gaussian variables, the same replicas at
both steps: :math:`\operatorname{corr}(Y_2/\sqrt\theta + Y_1, Y_2/\sqrt\theta - Y_1)` is zero exactly
when :math:`V_2/V_1 = \theta`, a :math:`t_{R-2}` test); with variances only, the :math:`F` test of
independent ensembles, exact for them and conservative for one ensemble followed in time. p-values
are taken at the nearest band edge, two-sided, and Holm-controlled over modes at :math:`\alpha`.
Measured at 1200 replicas over the window 50 -> 100 (20 000 trials each): a mode exactly on a regime
boundary, the worst case, fails 0.46-0.61 % of the time from samples and under 0.08 % from variances;
a flat mode asserted confined is caught 99.8 % (samples) and 95.9 % (variances) of the time, a flat
mode asserted escaping, a settled mode asserted diffusive and an escaping mode asserted diffusive
:math:`\ge` 99.9 %. The bands assume zero initial variance and no large drift of the mean; start the
window late when the initial spread matters.

**The plugin.** The ``theory`` marker (registered here) labels theory-vs-experiment tests
(``pytest -m theory`` runs them); tests that use the ``theory_check`` fixture get it automatically.
Checks record themselves on the running test's report (so results survive ``pytest-xdist``), and
``pytest_terminal_summary`` prints them: test id and label, modes, replicas, worst
:math:`|\log(s^2/\sigma^2)|`, pooled ratio, failing modes, and whether the check agrees.

**Decisions.** One assertion takes under a millisecond for up to 48 modes (3.6 ms for 1000 modes from
variances, 95 ms from 1200 x 1000 samples). The module imports numpy only; scipy (and, for the message intervals,
:mod:`sgdfp.validate.compare`, which imports torch) load on the first check, and the regime names
(:mod:`sgdfp.derive.modes`, which imports SymPy) on the first regime check -- so loading the plugin
into every pytest run costs little. The decisions themselves (:func:`_decide_variance`,
:func:`_decide_growth`) take a leading batch axis: the calibration runs thousands of trials through the
very functions the assertions call. Samples with NaN or inf are an error (leave diverged replicas
out and pass the survivors), as are non-positive predictions and fewer than two replicas.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

try:
    import pytest
except ImportError:  # pragma: no cover - the helpers work without pytest; the plugin parts need it
    pytest = None

__all__ = ["assert_variance_matches", "assert_regime", "VarianceCheck", "RegimeCheck", "TheoryCheck",
           "detection_power", "required_replicas", "growth_bands", "DEFAULT_ALPHA", "DEFAULT_REPLICAS",
           "POOLED_SHARE"]

DEFAULT_ALPHA = 0.01
"""Probability that a check of a correct prediction fails (at most; exact for one mode)."""
DEFAULT_REPLICAS = 1200
"""Replicas at which a prediction 20 % off on every mode fails with probability >= 0.95, for any number of modes."""
POOLED_SHARE = 0.5
"""Share of ``alpha`` spent on the pooled test (the rest goes to the per-mode family) when there are >= 2 modes."""
_SHOWN = 5  # modes listed in a message


# ---------------------------------------------------------------------------------------------- input checks
def _array(value, name: str) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor, on any device, without importing torch here
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers; got {type(value).__name__}") from None


def _require_finite(array: np.ndarray, name: str, hint: str = "") -> None:
    finite = np.isfinite(array)
    if not finite.all():
        raise ValueError(f"{name} has {int(finite.size - finite.sum())} non-finite value(s) (NaN or inf){hint}")


def _check_alpha(alpha) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number strictly between 0 and 1; got {alpha!r}")
    return float(alpha)


def _check_replicas(replicas, name: str = "replicas") -> np.ndarray:
    counts = np.asarray(replicas)
    if counts.dtype == bool or not np.issubdtype(counts.dtype, np.number) or counts.size == 0 \
            or np.any(counts != np.round(counts)):
        raise ValueError(f"{name} must be a whole number of replicas (or one per mode); got {replicas!r}")
    if np.any(counts < 2):
        raise ValueError(f"at least 2 replicas are needed for a variance; got {name}={replicas!r}")
    return counts.astype(np.int64)


def _check_ddof(ddof) -> int:
    if ddof not in (0, 1) or isinstance(ddof, bool):
        raise ValueError(f"ddof must be 1 (variances divided by R - 1) or 0 (divided by R); got {ddof!r}")
    return int(ddof)


def _check_kurtosis(excess_kurtosis):
    if isinstance(excess_kurtosis, str):
        if excess_kurtosis != "estimate":
            raise ValueError(f"excess_kurtosis must be a number >= 0 or 'estimate'; got {excess_kurtosis!r}")
        return excess_kurtosis
    if isinstance(excess_kurtosis, bool) or not isinstance(excess_kurtosis, (int, float, np.floating)) \
            or not excess_kurtosis >= 0 or not math.isfinite(excess_kurtosis):
        raise ValueError(f"excess_kurtosis must be a number >= 0 or 'estimate'; got {excess_kurtosis!r}")
    return float(excess_kurtosis)


def _label(index: int, mode_shape: tuple) -> str:
    if mode_shape == ():
        return "the mode"
    position = np.unravel_index(index, mode_shape)
    return f"mode {int(position[0])}" if len(mode_shape) == 1 else f"mode {tuple(int(i) for i in position)}"


# ---------------------------------------------------------------------------------------------- statistics
def _two_sided(lower_tail: np.ndarray, upper_tail: np.ndarray) -> np.ndarray:
    return np.minimum(1.0, 2.0 * np.minimum(lower_tail, upper_tail))


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values over the last axis, in the original order (reject where adjusted <= level)."""
    m = p.shape[-1]
    order = np.argsort(p, axis=-1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=-1) * (m - np.arange(m))
    ranked = np.minimum(1.0, np.maximum.accumulate(ranked, axis=-1))
    adjusted = np.empty_like(ranked)
    np.put_along_axis(adjusted, order, ranked, axis=-1)
    return adjusted


def _dof(replicas, excess_kurtosis) -> np.ndarray:
    r"""Degrees of freedom of :math:`\nu s^2/\sigma^2 \sim \chi^2_\nu`: :math:`R - 1` for Gaussian fluctuations,
    :math:`2/(2/(R-1) + \kappa/R)` (variance matched) with excess kurtosis :math:`\kappa`."""
    replicas = np.asarray(replicas, dtype=np.float64)
    return 2.0 / (2.0 / (replicas - 1) + np.asarray(excess_kurtosis) / replicas)


def _sample_statistics(samples: np.ndarray, excess_kurtosis) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unbiased variances ``(..., m)``, their degrees of freedom ``(..., m)`` and the effective number of
    independent modes ``(...)`` from samples ``(..., R, m)``."""
    n = samples.shape[-2]
    centred = samples - samples.mean(axis=-2, keepdims=True)
    sum_squares = np.einsum("...rm,...rm->...m", centred, centred)
    variance = sum_squares / (n - 1)
    if excess_kurtosis == "estimate":
        with np.errstate(invalid="ignore", divide="ignore"):
            kurtosis = n * np.einsum("...rm->...m", centred**4) / sum_squares**2 - 3.0
        excess_kurtosis = np.clip(np.nan_to_num(kurtosis), 0.0, None)
    dof = np.broadcast_to(_dof(n, excess_kurtosis), variance.shape)
    return variance, dof, _effective_modes(centred, sum_squares)


def _effective_modes(centred: np.ndarray, sum_squares: np.ndarray) -> np.ndarray:
    r""":math:`m^2/\sum_{ij}\tilde\rho_{ij}^2` with :math:`\tilde\rho^2 = r^2 - (1 - r^2)/(R - 2)` (unbiased for
    independent modes), kept in :math:`[1, m]`."""
    n, m = centred.shape[-2:]
    if m == 1:
        return np.ones(centred.shape[:-2])
    norm = np.sqrt(sum_squares)[..., None, :]
    unit = np.divide(centred, norm, out=np.zeros_like(centred), where=norm > 0)
    gram = (np.swapaxes(unit, -1, -2) @ unit) if m <= n else (unit @ np.swapaxes(unit, -1, -2))
    total = np.einsum("...ij,...ij->...", gram, gram)  # sum over all ordered pairs, the diagonal included
    if n > 3:
        total = m + (total - m) * (n - 1) / (n - 2) - m * (m - 1) / (n - 2)
    return m**2 / np.clip(total, m, m**2)


@dataclass
class _VarianceDecision:
    ratio: np.ndarray
    dof: np.ndarray
    p_values: np.ndarray
    adjusted: np.ndarray
    pooled_ratio: np.ndarray
    pooled_dof: np.ndarray
    pooled_p: np.ndarray
    family_alpha: float
    pooled_alpha: float
    failed_modes: np.ndarray
    failed: np.ndarray


def _decide_variance(variance, predicted, dof, alpha: float = DEFAULT_ALPHA, effective_modes=None,
                     pooled_share: float = POOLED_SHARE) -> _VarianceDecision:
    """The decision of :func:`assert_variance_matches`, vectorised over any leading axes (modes last)."""
    from scipy import stats

    ratio = np.asarray(variance, dtype=np.float64) / predicted
    dof = np.broadcast_to(np.asarray(dof, dtype=np.float64), ratio.shape)
    m = ratio.shape[-1]
    statistic = dof * ratio
    p = _two_sided(stats.chi2.cdf(statistic, dof), stats.chi2.sf(statistic, dof))
    adjusted = _holm(p)
    family_alpha, pooled_alpha = (alpha, 0.0) if m == 1 else (alpha * (1 - pooled_share), alpha * pooled_share)
    total = dof.sum(axis=-1)
    pooled_ratio = statistic.sum(axis=-1) / total
    effective = m if effective_modes is None else np.clip(effective_modes, 1, m)
    pooled_dof = total * effective / m
    pooled_p = _two_sided(stats.chi2.cdf(pooled_dof * pooled_ratio, pooled_dof),
                          stats.chi2.sf(pooled_dof * pooled_ratio, pooled_dof))
    failed_modes = adjusted <= family_alpha
    failed = failed_modes.any(axis=-1) | ((pooled_alpha > 0) & (pooled_p <= pooled_alpha))
    return _VarianceDecision(ratio, dof, p, adjusted, pooled_ratio, pooled_dof, pooled_p, family_alpha, pooled_alpha,
                             failed_modes, failed)


def detection_power(error: float, replicas: int = DEFAULT_REPLICAS, modes: int = 1,
                    alpha: float = DEFAULT_ALPHA) -> float:
    r"""Probability that :func:`assert_variance_matches` fails a prediction that is ``1 + error`` times the
    true variance on every one of ``modes`` independent Gaussian modes.

    Exact for the single test of one mode; for several modes it is the power of the pooled test alone, a
    lower bound for the whole check.

    Args:
        error: relative error of the prediction, > -1 (0.2: 20 % too large; -0.2: 20 % too small).
        replicas, modes, alpha: the check's replica count, number of modes and level.
    """
    from scipy import stats

    if not -1 < error or not math.isfinite(error):
        raise ValueError(f"error must be a finite number > -1 (a relative error of the prediction); got {error!r}")
    replicas = int(_check_replicas(replicas))
    if not isinstance(modes, (int, np.integer)) or modes < 1:
        raise ValueError(f"modes must be a positive integer; got {modes!r}")
    alpha = _check_alpha(alpha)
    level = alpha if modes == 1 else alpha * POOLED_SHARE
    dof = modes * (replicas - 1)
    lower, upper = stats.chi2.ppf(level / 2, dof), stats.chi2.isf(level / 2, dof)
    factor = 1.0 + error  # the statistic is chi2_dof / factor
    return float(stats.chi2.cdf(lower * factor, dof) + stats.chi2.sf(upper * factor, dof))


def required_replicas(error: float = 0.2, modes: int = 1, power: float = 0.95, alpha: float = DEFAULT_ALPHA) -> int:
    """Fewest replicas with which a prediction off by ``±error`` on every mode fails with probability ``>= power``
    (both signs; :func:`detection_power`)."""
    if not 0 < error < 1:
        raise ValueError(f"error must be between 0 and 1 (a relative error); got {error!r}")
    if not 0 < power < 1:
        raise ValueError(f"power must be between 0 and 1; got {power!r}")

    def enough(r):
        return min(detection_power(error, r, modes, alpha), detection_power(-error, r, modes, alpha)) >= power

    high = 2
    while not enough(high):
        high *= 2
        if high > 2**40:
            raise ValueError(f"no replica count reaches power {power} for an error of {error}")
    low = max(2, high // 2)
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if enough(middle) else (middle + 1, high)
    return high


# ---------------------------------------------------------------------------------------------- variances
@dataclass
class VarianceCheck:
    """The outcome of :func:`assert_variance_matches` (flattened over the mode shape)."""

    label: str | None
    passed: bool
    alpha: float
    mode_shape: tuple
    replicas: np.ndarray
    measured: np.ndarray
    predicted: np.ndarray
    ratio: np.ndarray
    p_values: np.ndarray
    adjusted_p: np.ndarray
    failing: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    interval_level: float
    pooled_ratio: float | None
    pooled_interval: tuple | None
    pooled_p: float | None
    pooled_alpha: float
    family_alpha: float
    effective_modes: float
    noise_floor: float
    message: str = field(default="", repr=False)

    @property
    def modes(self) -> int:
        return int(self.ratio.size)

    @property
    def worst_abs_log_ratio(self) -> float:
        with np.errstate(divide="ignore"):
            return float(np.max(np.abs(np.log(self.ratio))))

    def record(self) -> dict:
        """Plain values for the end-of-run summary."""
        return {"kind": "variance", "label": self.label, "modes": self.modes, "replicas": _replica_text(self.replicas),
                "worst": self.worst_abs_log_ratio, "pooled": self.pooled_ratio, "failing": int(self.failing.size),
                "passed": bool(self.passed)}


def _replica_text(replicas: np.ndarray) -> str:
    low, high = int(np.min(replicas)), int(np.max(replicas))
    return str(low) if low == high else f"{low}-{high}"


def assert_variance_matches(samples_or_moments, predicted, *, replicas=None, alpha: float = DEFAULT_ALPHA,
                            ddof: int = 1, effective_modes: float | None = None, excess_kurtosis=0.0,
                            label: str | None = None) -> VarianceCheck:
    r"""Assert that measured per-mode variances agree with predicted ones (statistics: module docstring).

    Args:
        samples_or_moments: either samples, shape ``(replicas,)`` or ``(replicas, *modes)``, one row per
            independent replica; or, with ``replicas`` given, the per-mode sample variances, shape ``modes``.
        predicted: the predicted variance of every mode (shape ``modes``, or broadcastable to it), > 0.
        replicas: the number of replicas behind the variances (an integer, or one per mode); omit for samples.
        alpha: probability that a correct prediction fails (default :data:`DEFAULT_ALPHA`).
        ddof: variances were divided by ``R - ddof`` (1: unbiased, as ``torch.var``; 0: as
            :func:`sgdfp.numerics.simulate_mode`).
        effective_modes: number of independent modes the pooled test assumes (default: estimated from
            samples; all modes for variances).
        excess_kurtosis: excess kurtosis of the fluctuations (0: Gaussian, exact), or ``"estimate"`` (samples).
        label: a name for the check in messages and the summary.

    Returns:
        The :class:`VarianceCheck` (on success).

    Raises:
        AssertionError: the measurement contradicts the prediction; the message names the failing modes,
            measured against predicted with their intervals, and the pooled ratio.
        ValueError: shapes that do not match, predictions that are not positive, fewer than 2 replicas,
            NaN or inf, negative variances, a bad ``alpha``.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> check = assert_variance_matches(rng.normal(0, 2, size=(1200, 3)), [4.0, 4.0, 4.0])
        >>> check.passed
        True
    """
    alpha = _check_alpha(alpha)
    excess_kurtosis = _check_kurtosis(excess_kurtosis)
    data = _array(samples_or_moments, "samples_or_moments")
    if replicas is None:
        if data.ndim == 0:
            raise ValueError("samples need a leading replica axis, shape (replicas,) or (replicas, *modes); "
                             "to pass per-mode variances give replicas=")
        if data.shape[0] < 2:
            raise ValueError(f"at least 2 replicas are needed for a variance; got {data.shape[0]} "
                             f"(samples of shape {data.shape}, replicas first)")
        _require_finite(data, "samples", " -- leave diverged replicas out and pass the survivors")
        mode_shape = data.shape[1:]
        flat = data.reshape(data.shape[0], -1)
        if flat.shape[1] == 0:
            raise ValueError(f"samples of shape {data.shape} hold no modes")
        variance, dof, estimated = _sample_statistics(flat, excess_kurtosis)
        counts = np.full(flat.shape[1], data.shape[0])
        effective = float(estimated) if effective_modes is None else effective_modes
    else:
        if excess_kurtosis == "estimate":
            raise ValueError("excess_kurtosis='estimate' needs samples; with variances give a number")
        ddof = _check_ddof(ddof)
        mode_shape = data.shape
        if data.size == 0:
            raise ValueError("no measured variances were given")
        _require_finite(data, "measured variances")
        if np.any(data < 0):
            raise ValueError(f"variances cannot be negative; got {data.ravel()[data.ravel() < 0][:3]} ...")
        counts = _check_replicas(replicas)
        try:
            counts = np.broadcast_to(counts, mode_shape).ravel()
        except ValueError:
            raise ValueError(f"replicas has shape {np.shape(replicas)}; it must be one number or one per mode "
                             f"(modes of shape {mode_shape})") from None
        variance = data.ravel() * (counts - ddof) / (counts - 1)
        dof = _dof(counts, excess_kurtosis)
        effective = effective_modes
    predicted = _array(predicted, "predicted")
    try:
        predicted = np.broadcast_to(predicted, mode_shape)
    except ValueError:
        raise ValueError(f"predicted has shape {predicted.shape} but the measured modes have shape {mode_shape}"
                         + (" (samples: replicas first)" if replicas is None else "")) from None
    predicted = predicted.ravel()
    _require_finite(predicted, "predicted")
    if np.any(predicted <= 0):
        bad = int(np.flatnonzero(predicted <= 0)[0])
        raise ValueError(f"predicted variances must be positive; {_label(bad, mode_shape)} has {predicted[bad]!r}")
    m = predicted.size
    if effective is not None and (isinstance(effective, bool) or not isinstance(effective, (int, float, np.floating))
                                  or not 1 <= effective <= m):
        raise ValueError(f"effective_modes must be a number between 1 and the number of modes ({m}); got {effective!r}")
    decision = _decide_variance(variance, predicted, dof, alpha, effective)
    check = _variance_check(decision, variance, predicted, counts, mode_shape, alpha, m if effective is None
                            else float(effective), label)
    _record(check)
    if not check.passed:
        raise AssertionError(check.message)
    return check


def _variance_check(decision: _VarianceDecision, variance, predicted, counts, mode_shape, alpha, effective,
                    label) -> VarianceCheck:
    from sgdfp.validate.compare import chi2_interval, noise_floor

    m = predicted.size
    level = 1 - decision.family_alpha / m  # simultaneous: outside <=> rejected at Holm's first step
    lower, upper = chi2_interval(variance, decision.dof + 1, level)
    pooled = None
    if m > 1:
        pooled_lower, pooled_upper = chi2_interval(float(decision.pooled_ratio), float(decision.pooled_dof) + 1,
                                                   1 - decision.pooled_alpha)
        pooled = (float(pooled_lower), float(pooled_upper))
    check = VarianceCheck(
        label=label, passed=not bool(decision.failed), alpha=alpha, mode_shape=tuple(mode_shape), replicas=counts,
        measured=variance, predicted=predicted, ratio=decision.ratio, p_values=decision.p_values,
        adjusted_p=decision.adjusted, failing=np.flatnonzero(decision.failed_modes), lower=lower, upper=upper,
        interval_level=level, pooled_ratio=float(decision.pooled_ratio) if m > 1 else None, pooled_interval=pooled,
        pooled_p=float(decision.pooled_p) if m > 1 else None, pooled_alpha=decision.pooled_alpha,
        family_alpha=decision.family_alpha, effective_modes=float(effective),
        noise_floor=noise_floor(int(counts.min())))
    check.message = _variance_message(check)
    return check


def _percent(level: float) -> str:
    return f"{100 * level:.6g} %"


def _variance_message(check: VarianceCheck) -> str:
    m = check.modes
    replicas = _replica_text(check.replicas)
    verdict = "agree with" if check.passed else "disagree with"
    lines = [(f"{check.label + ': ' if check.label else ''}measured variances {verdict} the prediction "
              f"(alpha={check.alpha:g}; {m} mode{'s' if m != 1 else ''}, {replicas} replicas)")]
    if m > 1:
        lines.append(f"per-mode exact chi2 tests, Holm family-wise at {check.family_alpha:g}: "
                     f"{check.failing.size} of {m} modes fail; the {min(m, _SHOWN)} least consistent:")
    else:
        lines.append(f"exact chi2 test at {check.family_alpha:g}:")
    failing = set(check.failing.tolist())
    for i in np.argsort(check.p_values, kind="stable")[:_SHOWN]:
        text = (f"  {_label(int(i), check.mode_shape)}: measured {check.measured[i]:.4g}, predicted "
                f"{check.predicted[i]:.4g} (ratio {check.ratio[i]:.3f}); {_percent(check.interval_level)} interval "
                f"[{check.lower[i]:.4g}, {check.upper[i]:.4g}]; p={check.p_values[i]:.2g}")
        if m > 1:
            text += f" (Holm {check.adjusted_p[i]:.2g})"
        lines.append(text + (" -- FAILS" if int(i) in failing else ""))
    if m > 1:
        low, high = check.pooled_interval
        verdict = "FAILS" if check.pooled_p <= check.pooled_alpha else "ok"
        lines.append(f"pooled test at {check.pooled_alpha:g} over {check.effective_modes:.4g} effective independent "
                     f"modes: measured/predicted {check.pooled_ratio:.4f}, {_percent(1 - check.pooled_alpha)} interval "
                     f"[{low:.4f}, {high:.4f}]; p={check.pooled_p:.2g} -- {verdict}")
    with np.errstate(divide="ignore"):
        median = float(np.median(np.abs(np.log(check.ratio))))
    lines.append(f"median |log(measured/predicted)| = {median:.3g}; a perfect prediction shows about "
                 f"{check.noise_floor:.3g} with {int(check.replicas.min())} replicas")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- regimes
def _regimes() -> tuple:
    from sgdfp.derive.modes import REGIMES

    return REGIMES


def _log_growth(k: float, log_q: float) -> float:
    """log|q^k - 1|, without overflow."""
    a = k * log_q
    return a + math.log(-math.expm1(-a)) if a > 0 else math.log(-math.expm1(a))


def growth_bands(start: int, stop: int, horizon: float | None = None) -> dict[str, tuple[float, float]]:
    r"""The growth exponent :math:`\log(V_\text{stop}/V_\text{start})/\log(\text{stop}/\text{start})` allowed
    for each regime: the boundaries are those of :meth:`sgdfp.derive.Mode.regime` over ``horizon``
    (default ``stop``), :math:`q = 1 \mp 1/T`, for a mode started at a point (module docstring).

    Example:
        >>> {name: tuple(round(x, 3) for x in band) for name, band in growth_bands(500, 1000).items()}["diffusive"]
        (0.684, 1.405)
    """
    for name, value in (("start", start), ("stop", stop)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be a whole number of steps; got {value!r}")
    if not 0 < start < stop:
        raise ValueError(f"the window needs 0 < start < stop; got start={start}, stop={stop}")
    horizon = stop if horizon is None else horizon
    if isinstance(horizon, bool) or not isinstance(horizon, (int, float, np.integer, np.floating)) or not horizon >= 2:
        raise ValueError(f"horizon must be a number of steps >= 2; got {horizon!r}")
    scale = math.log(stop / start)

    def exponent(q):
        return (_log_growth(stop, math.log(q)) - _log_growth(start, math.log(q))) / scale

    low, high = exponent(1 - 1 / horizon), exponent(1 + 1 / horizon)
    bands = {"confined": (-math.inf, low), "diffusive": (low, high), "unstable": (high, math.inf),
             "escaping": (high, math.inf)}
    return {name: bands[name] for name in _regimes()}


@dataclass
class _GrowthDecision:
    exponent: np.ndarray
    p_values: np.ndarray
    adjusted: np.ndarray
    failed_modes: np.ndarray
    failed: np.ndarray


def _decide_growth(var1, var2, corr, dof1, dof2, log_window: float, lower, upper,
                   alpha: float = DEFAULT_ALPHA) -> _GrowthDecision:
    """The decision of :func:`assert_regime`, vectorised over leading axes (modes last). ``corr`` is the sample
    correlation between the two steps (same replicas: Pitman--Morgan), or None (F test)."""
    from scipy import stats

    ratio = np.asarray(var2, dtype=np.float64) / var1
    exponent = np.log(ratio) / log_window
    edge = np.clip(exponent, lower, upper)
    inside = exponent == edge
    fold = ratio / np.exp(edge * log_window)  # measured ratio over the nearest ratio the regime allows
    with np.errstate(divide="ignore", invalid="ignore"):
        if corr is None:
            p = _two_sided(stats.f.cdf(fold, dof2, dof1), stats.f.sf(fold, dof2, dof1))
        else:
            n = np.asarray(dof1, dtype=np.float64) + 1
            r = (fold - 1) / np.sqrt((fold + 1) ** 2 - 4 * np.asarray(corr) ** 2 * fold)
            t = r * np.sqrt((n - 2) / np.maximum(1 - r**2, 1e-300))
            p = np.minimum(1.0, 2 * stats.t.sf(np.abs(t), n - 2))
    p = np.where(inside, 1.0, np.nan_to_num(p, nan=1.0))
    adjusted = _holm(p)
    failed_modes = adjusted <= alpha
    return _GrowthDecision(exponent, p, adjusted, failed_modes, failed_modes.any(axis=-1))


def _growth_interval(var1, var2, corr, dof1, dof2, log_window: float, level: float):
    """Exact interval of the growth exponent (inverts the tests of :func:`_decide_growth`)."""
    from scipy import stats

    ratio = var2 / var1
    tail = (1 - level) / 2
    if corr is None:
        low_fold, high_fold = stats.f.isf(tail, dof2, dof1), stats.f.ppf(tail, dof2, dof1)
    else:
        n = dof1 + 1
        t = stats.t.isf(tail, n - 2)
        rc2 = t**2 / (n - 2 + t**2)
        b = 1 + rc2 - 2 * rc2 * corr**2
        root = np.sqrt(np.maximum(b**2 - (1 - rc2) ** 2, 0.0))
        low_fold, high_fold = (b + root) / (1 - rc2), (b - root) / (1 - rc2)
    return np.log(ratio / low_fold) / log_window, np.log(ratio / high_fold) / log_window


@dataclass
class RegimeCheck:
    """The outcome of :func:`assert_regime` (flattened over the mode shape)."""

    label: str | None
    passed: bool
    alpha: float
    mode_shape: tuple
    window: tuple
    horizon: float
    replicas: np.ndarray
    regimes: list
    exponent: np.ndarray
    band_lower: np.ndarray
    band_upper: np.ndarray
    interval_lower: np.ndarray
    interval_upper: np.ndarray
    interval_level: float
    p_values: np.ndarray
    adjusted_p: np.ndarray
    failing: np.ndarray
    message: str = field(default="", repr=False)

    @property
    def modes(self) -> int:
        return int(self.exponent.size)

    @property
    def worst_miss(self) -> float:
        """Largest distance of a measured exponent outside its regime's band (0: every one inside)."""
        return float(np.max(np.maximum(self.band_lower - self.exponent, self.exponent - self.band_upper).clip(0)))

    def record(self) -> dict:
        """Plain values for the end-of-run summary."""
        return {"kind": "regime", "label": self.label, "modes": self.modes, "replicas": _replica_text(self.replicas),
                "worst": self.worst_miss, "pooled": None, "failing": int(self.failing.size),
                "passed": bool(self.passed)}


def _check_steps(steps) -> np.ndarray:
    array = np.atleast_1d(np.asarray(steps))
    if array.ndim != 1 or array.size < 2 or not np.issubdtype(array.dtype, np.number) or array.dtype == bool \
            or np.any(array != np.round(array)) or np.any(array < 0) or np.any(np.diff(array) <= 0):
        raise ValueError(f"steps must be at least two increasing whole numbers >= 0; got {steps!r}")
    return array.astype(np.int64)


def _regime_names(regime, m: int, mode_shape: tuple, horizon: float) -> list:
    allowed = _regimes()

    def name(value):
        if callable(getattr(value, "regime", None)):  # a numeric sgdfp.derive.Mode
            value = value.regime(horizon=math.ceil(horizon))
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(f"unknown regime {value!r}; allowed: {', '.join(allowed)} "
                             "(or a numeric sgdfp.derive.Mode)")
        return value

    if isinstance(regime, str) or callable(getattr(regime, "regime", None)):
        return [name(regime)] * m
    values = np.empty(0, dtype=object)
    try:
        values = np.asarray(regime, dtype=object)
    except (TypeError, ValueError):
        pass
    if values.shape != mode_shape and not (values.ndim == 1 and values.size == m):
        raise ValueError(f"regime must be one regime or one per mode (modes of shape {mode_shape}); "
                         f"got {np.shape(values)}")
    return [name(value) for value in values.ravel()]


def assert_regime(steps, samples_or_variances, regime, *, replicas=None, alpha: float = DEFAULT_ALPHA,
                  start: int | None = None, horizon: float | None = None, ddof: int = 1,
                  label: str | None = None) -> RegimeCheck:
    r"""Assert that the measured growth of each mode's variance fits its predicted regime (module docstring).

    Args:
        steps: the checkpoints (increasing whole numbers) along the first axis of the data.
        samples_or_variances: samples of shape ``(steps, replicas, *modes)`` -- the same replicas followed in
            time (exact Pitman--Morgan test) -- or, with ``replicas``, variances of shape ``(steps, *modes)``
            (F test; exact for independent ensembles per step, conservative for one).
        regime: ``"confined"``, ``"diffusive"``, ``"unstable"`` or ``"escaping"``, a numeric
            :class:`sgdfp.derive.Mode` (its :meth:`~sgdfp.derive.Mode.regime` over ``horizon``), or one of
            these per mode.
        replicas: replicas behind the variances: one number, or one per step (or per step and mode).
        alpha: probability that a correct prediction fails (at most).
        start: first step of the window (one of ``steps``); default: the first checkpoint at or after
            half the last one.
        horizon: the horizon :math:`T` of the regime boundaries; default: the last step.
        ddof: variances were divided by ``R - ddof``.
        label: a name for the check in messages and the summary.

    Raises:
        AssertionError: a growth exponent is incompatible with its regime; the message lists the modes.
        ValueError: bad steps, shapes, window, regime names, NaN, zero variances, too few replicas.
    """
    alpha = _check_alpha(alpha)
    steps = _check_steps(steps)
    data = _array(samples_or_variances, "samples_or_variances")
    if data.ndim == 0 or data.shape[0] != steps.size:
        raise ValueError(f"the first axis of samples_or_variances must run over the {steps.size} steps; "
                         f"got shape {data.shape}")
    stop = int(steps[-1])
    if start is None:
        candidates = np.flatnonzero((steps >= stop / 2) & (steps > 0) & (steps < stop))
        if candidates.size == 0:
            raise ValueError(f"no checkpoint in [{stop / 2:g}, {stop}) starts the window; give start= "
                             f"(one of the steps, 0 < start < {stop})")
        first = int(candidates[0])
    else:
        matches = np.flatnonzero(steps == start) if isinstance(start, (int, np.integer)) else []
        if len(matches) == 0 or not 0 < start < stop:
            raise ValueError(f"start must be one of the steps, above 0 and below the last ({stop}); got {start!r}")
        first = int(matches[0])
    start = int(steps[first])
    horizon = stop if horizon is None else horizon
    bands = growth_bands(start, stop, horizon)
    if replicas is None:
        if data.ndim < 2:
            raise ValueError("samples need shape (steps, replicas, *modes); to pass variances give replicas=")
        n = data.shape[1]
        if n < 3:
            raise ValueError(f"at least 3 replicas are needed to compare variances at two steps; got {n}")
        mode_shape = data.shape[2:]
        y1, y2 = data[first].reshape(n, -1), data[-1].reshape(n, -1)
        _require_finite(np.stack([y1, y2]), "samples", " -- leave diverged replicas out and pass the survivors")
        c1, c2 = y1 - y1.mean(axis=0), y2 - y2.mean(axis=0)
        ss1, ss2 = (c1**2).sum(axis=0), (c2**2).sum(axis=0)
        var1, var2 = ss1 / (n - 1), ss2 / (n - 1)
        norm = np.sqrt(ss1 * ss2)
        corr = np.divide((c1 * c2).sum(axis=0), norm, out=np.zeros_like(norm), where=norm > 0)
        dof1 = dof2 = np.full(var1.shape, n - 1.0)
        counts = np.full(var1.shape, n)
    else:
        ddof = _check_ddof(ddof)
        mode_shape = data.shape[1:]
        _require_finite(data, "measured variances")
        if np.any(data < 0):
            raise ValueError("variances cannot be negative")
        counts = _check_replicas(replicas)
        if counts.ndim == 1 and counts.size == steps.size:
            counts = counts.reshape((-1,) + (1,) * len(mode_shape))
        try:
            counts = np.broadcast_to(counts, data.shape)
        except ValueError:
            raise ValueError(f"replicas has shape {np.shape(replicas)}; it must be one number, one per step or one "
                             f"per step and mode (data of shape {data.shape})") from None
        unbiased = data * (counts - ddof) / (counts - 1)
        var1, var2 = unbiased[first].ravel(), unbiased[-1].ravel()
        dof1, dof2 = counts[first].ravel() - 1.0, counts[-1].ravel() - 1.0
        corr = None
        counts = np.concatenate([counts[first].ravel(), counts[-1].ravel()])
    m = var1.size
    if m == 0:
        raise ValueError(f"no modes in data of shape {data.shape}")
    for step, variance in ((start, var1), (stop, var2)):
        if np.any(variance <= 0):
            bad = int(np.flatnonzero(variance <= 0)[0])
            raise ValueError(f"the measured variance is zero at step {step} for {_label(bad, mode_shape)}: a growth "
                             f"needs a positive variance at both ends of the window")
    names = _regime_names(regime, m, mode_shape, horizon)
    lower = np.array([bands[name][0] for name in names])
    upper = np.array([bands[name][1] for name in names])
    log_window = math.log(stop / start)
    decision = _decide_growth(var1, var2, corr, dof1, dof2, log_window, lower, upper, alpha)
    level = 1 - alpha / m
    low, high = _growth_interval(var1, var2, corr, dof1, dof2, log_window, level)
    check = RegimeCheck(label=label, passed=not bool(decision.failed), alpha=alpha, mode_shape=tuple(mode_shape),
                        window=(start, stop), horizon=float(horizon), replicas=counts, regimes=names,
                        exponent=decision.exponent, band_lower=lower, band_upper=upper, interval_lower=low,
                        interval_upper=high, interval_level=level, p_values=decision.p_values,
                        adjusted_p=decision.adjusted, failing=np.flatnonzero(decision.failed_modes))
    check.message = _regime_message(check)
    _record(check)
    if not check.passed:
        raise AssertionError(check.message)
    return check


def _band_text(low: float, high: float) -> str:
    if math.isinf(low):
        return f"<= {high:.3g}"
    if math.isinf(high):
        return f">= {low:.3g}"
    return f"in [{low:.3g}, {high:.3g}]"


def _regime_message(check: RegimeCheck) -> str:
    m = check.modes
    start, stop = check.window
    verdict = "fits" if check.passed else "contradicts"
    plural = "s" if m != 1 else ""
    lines = [(f"{check.label + ': ' if check.label else ''}the measured growth of the variance {verdict} the "
              f"predicted regime{plural} over steps {start} -> {stop} (alpha={check.alpha:g}; {m} mode{plural}, "
              f"{_replica_text(check.replicas)} replicas; growth exponent = log(V_{stop}/V_{start}) / "
              f"log({stop}/{start}))"),
             (f"{check.failing.size} of {m} mode{plural} fail (Holm, family-wise {check.alpha:g}); "
              f"the {min(m, _SHOWN)} least consistent:")]
    failing = set(check.failing.tolist())
    for i in np.argsort(check.p_values, kind="stable")[:_SHOWN]:
        lines.append(f"  {_label(int(i), check.mode_shape)}: predicted {check.regimes[i]} (exponent "
                     f"{_band_text(check.band_lower[i], check.band_upper[i])}), measured {check.exponent[i]:.3f}, "
                     f"{_percent(check.interval_level)} interval [{check.interval_lower[i]:.3f}, "
                     f"{check.interval_upper[i]:.3f}]; p={check.p_values[i]:.2g}"
                     + (f" (Holm {check.adjusted_p[i]:.2g})" if m > 1 else "")
                     + (" -- FAILS" if int(i) in failing else ""))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- the plugin
def _no_pytest(*_args, **_kwargs):  # pragma: no cover - decorators when pytest is missing
    return lambda function: function


_hookimpl = pytest.hookimpl if pytest is not None else _no_pytest
_fixture = pytest.fixture if pytest is not None else _no_pytest
_PENDING = pytest.StashKey[list]() if pytest is not None else None  # checks not yet attached to a report
_CHECKS = pytest.StashKey[list]() if pytest is not None else None  # every check of the item
_RUNNING: list = []  # items whose protocol runs: a stack, since pytester runs pytest inside a test
_ORDER = itertools.count()
_MARKER = "theory: a theory-vs-experiment check (sgdfp.testing); its checks are listed in the end-of-run summary"


def _record(check) -> None:
    if not _RUNNING:
        return
    item = _RUNNING[-1]
    item.stash.setdefault(_CHECKS, []).append(check)
    item.stash.setdefault(_PENDING, []).append(dict(check.record(), test=item.nodeid, order=next(_ORDER)))


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", _MARKER)


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if "theory_check" in getattr(item, "fixturenames", ()) and item.get_closest_marker("theory") is None:
            item.add_marker("theory")


@_hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    item.stash[_PENDING], item.stash[_CHECKS] = [], []
    _RUNNING.append(item)
    try:
        yield
    finally:
        if _RUNNING and _RUNNING[-1] is item:
            _RUNNING.pop()
        elif item in _RUNNING:
            _RUNNING.remove(item)


@_hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    pending = item.stash.get(_PENDING, None)
    if pending:
        report = outcome.get_result()
        # a disagreement inside a test that passed was expected by it (e.g. under pytest.raises)
        report.sgdfp_theory = [dict(entry, test_passed=report.passed) for entry in pending]  # plain values:
        pending.clear()                                                                    # xdist-safe


def _summary_row(entry: dict) -> tuple:
    name = entry["test"] + (f" [{entry['label']}]" if entry.get("label") else "")
    worst = entry.get("worst")
    if worst is None:
        worst_text = "-"
    elif entry["kind"] == "variance":
        worst_text = f"|log r| {worst:.3f}"
    else:
        worst_text = f"miss {worst:.3f}"
    pooled = "-" if entry.get("pooled") is None else f"{entry['pooled']:.4f}"
    return (name, entry["kind"], str(entry["modes"]), str(entry["replicas"]), worst_text, pooled,
            f"{entry['failing']}/{entry['modes']}", _verdict(entry))


def _verdict(entry: dict) -> str:
    if entry["passed"]:
        return "agrees"
    return "disagrees (expected by the test)" if entry.get("test_passed") else "DISAGREES"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    entries = [entry for reports in terminalreporter.stats.values() for report in reports
               for entry in (getattr(report, "sgdfp_theory", None) or ())]
    if not entries:
        return
    entries.sort(key=lambda entry: (entry["test"], entry["order"]))
    header = ("check", "kind", "modes", "replicas", "worst", "pooled ratio", "failing", "result")
    rows = [_summary_row(entry) for entry in entries]
    name_width = min(max(len(row[0]) for row in rows + [header]), 70)
    widths = [name_width] + [max(len(row[i]) for row in rows + [header]) for i in range(1, len(header))]

    def line(row):
        name = row[0] if len(row[0]) <= name_width else "..." + row[0][-(name_width - 3):]
        return "  ".join([name.ljust(name_width)] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])])

    terminalreporter.write_sep("=", "sgdfp: theory vs experiment")
    terminalreporter.write_line(line(header))
    for row in rows:
        terminalreporter.write_line(line(row))
    agree = sum(entry["passed"] for entry in entries)
    expected = sum(not entry["passed"] and bool(entry.get("test_passed")) for entry in entries)
    terminalreporter.write_line(f"{len(entries)} check{'s' if len(entries) != 1 else ''}: {agree} agree, "
                                f"{len(entries) - agree} disagree"
                                + (f" ({expected} as their tests expected)" if expected else "")
                                + " (worst: largest |log measured/predicted| of a variance check, or how far a "
                                  "growth exponent lies outside its regime's band)")


class TheoryCheck:
    """The ``theory_check`` fixture: the helpers, bound to the running test, and the checks it has recorded.

    Example::

        def test_flat_mode(theory_check):
            theory_check.variance(samples, predicted)
            theory_check.regime(steps, trajectory_samples, "diffusive")
            assert len(theory_check.checks) == 2
    """

    def __init__(self, item):
        self._item = item

    def variance(self, samples_or_moments, predicted, **options) -> VarianceCheck:
        """:func:`assert_variance_matches`."""
        return assert_variance_matches(samples_or_moments, predicted, **options)

    def regime(self, steps, samples_or_variances, regime, **options) -> RegimeCheck:
        """:func:`assert_regime`."""
        return assert_regime(steps, samples_or_variances, regime, **options)

    @property
    def checks(self) -> list:
        """The checks recorded in this test so far (passed or failed)."""
        return list(self._item.stash.get(_CHECKS, []))


@_fixture()
def theory_check(request) -> TheoryCheck:
    """Theory-vs-experiment checks for this test (:class:`TheoryCheck`); marks the test ``theory``."""
    return TheoryCheck(request.node)
