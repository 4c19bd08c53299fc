r"""The measured growth of the variance against a predicted regime: :func:`assert_regime`, :func:`growth_bands`.

The growth exponent over a window :math:`[k_1, k_2]` (default: the last checkpoint and the first one at or
after half of it) is :math:`\gamma = \log(V_{k_2}/V_{k_1})/\log(k_2/k_1)`. The regime rule of
:mod:`sgdfp.derive` (:meth:`sgdfp.derive.Mode.regime`) calls a mode diffusive when :math:`T|1-q| < 1` over
the horizon :math:`T`; a mode started at a point has :math:`V_k \propto (1 - q^k)/(1 - q)`, so the rule's
band edges :math:`q = 1 \mp 1/T` (:func:`sgdfp.derive.diffusive_band`) become exponent boundaries
:math:`\gamma_\pm` (:func:`growth_bands`; 0.68 and 1.41 for :math:`k_1 = T/2`): confined
:math:`\gamma \le \gamma_-` (0 once settled), diffusive :math:`\gamma_- \le \gamma \le \gamma_+` (1 for a flat
mode), unstable or escaping :math:`\gamma \ge \gamma_+`.

A mode fails when the exact confidence interval of :math:`V_{k_2}/V_{k_1}` misses its band: with samples, the
Pitman--Morgan test (the variance ratio of two correlated Gaussian variables, the same replicas at both
steps: :math:`\operatorname{corr}(Y_2/\sqrt\theta + Y_1, Y_2/\sqrt\theta - Y_1)` is zero exactly when
:math:`V_2/V_1 = \theta`, a :math:`t_{R-2}` test); with variances only, the :math:`F` test of independent
ensembles, exact for them and conservative for one ensemble followed in time (both in
:mod:`sgdfp.stats.variance_ratio`). p-values are taken at the nearest band edge, two-sided, and
Holm-controlled over modes at :math:`\alpha`.

**Calibration**, measured by ``benchmarks/bench_testing.py`` at 1200 replicas over the window 50 -> 100
(20 000 trials each): a mode exactly on a regime boundary, the worst case, fails 0.46-0.61 % of the time from
samples and under 0.08 % from variances; a flat mode asserted confined is caught 99.8 % (samples) and 95.9 %
(variances) of the time, a flat mode asserted escaping, a settled mode asserted diffusive and an escaping
mode asserted diffusive :math:`\ge` 99.9 %. The bands assume zero initial variance and no large drift of the
mean; start the window late when the initial spread matters.

The decision (:func:`_decide_growth`) takes leading batch axes, like the variance check's. The regime names
and bands come from :mod:`sgdfp.derive` (SymPy), imported on the first regime check, not on import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from sgdfp.testing.inputs import (
    DEFAULT_ALPHA,
    SHOWN,
    as_array,
    check_alpha,
    check_ddof,
    check_replicas,
    mode_label,
    percent,
    replica_text,
    require_finite,
)
from sgdfp.testing.recording import record

__all__ = ["assert_regime", "RegimeCheck", "growth_bands"]


def _regimes() -> tuple:
    from sgdfp.derive import REGIMES

    return REGIMES


@lru_cache(maxsize=256)
def _diffusive_q(horizon: float) -> tuple[float, float]:
    """The contraction factors bounding the diffusive band, from the regime rule (solved once per horizon)."""
    from sgdfp.derive import diffusive_band

    # a float horizon: the edges evaluate in double precision
    low, high = diffusive_band(float(horizon))
    return float(low), float(high)


def _log_growth(k: float, log_q: float) -> float:
    """log|q^k - 1|, without overflow."""
    a = k * log_q
    return a + math.log(-math.expm1(-a)) if a > 0 else math.log(-math.expm1(a))


def growth_bands(start: int, stop: int, horizon: float | None = None) -> dict[str, tuple[float, float]]:
    r"""The growth exponent :math:`\log(V_\text{stop}/V_\text{start})/\log(\text{stop}/\text{start})` allowed
    for each regime, for a mode started at a point (module docstring).

    The boundaries are the edges :math:`q = 1 \mp 1/T` of the regime rule's diffusive band over ``horizon``
    (:func:`sgdfp.derive.diffusive_band`), carried through :math:`V_k \propto (q^k - 1)/(q - 1)`.

    Args:
        start, stop: the window, whole numbers of steps with ``0 < start < stop``.
        horizon: the horizon :math:`T` of the regime rule, >= 2; default ``stop``.

    Returns:
        ``{regime: (lowest, highest exponent)}`` in the order of :data:`sgdfp.derive.REGIMES`.

    Raises:
        ValueError: a window or horizon that is not allowed.

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

    q_low, q_high = _diffusive_q(float(horizon))
    low, high = exponent(q_low), exponent(q_high)
    # below the band the variance settles (confined); above it, it runs away (unstable, or escaping for lambda < 0)
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
    from sgdfp.stats import holm, ratio_p_values

    ratio = np.asarray(var2, dtype=np.float64) / var1
    exponent = np.log(ratio) / log_window
    edge = np.clip(exponent, lower, upper)  # the nearest exponent the regime allows
    inside = exponent == edge
    p = ratio_p_values(var1, var2, np.exp(edge * log_window), dof1, dof2, corr)
    p = np.where(inside, 1.0, p)
    adjusted = holm(p)
    failed_modes = adjusted <= alpha
    return _GrowthDecision(exponent, p, adjusted, failed_modes, failed_modes.any(axis=-1))


def _growth_interval(var1, var2, corr, dof1, dof2, log_window: float, level: float):
    """Exact interval of the growth exponent (inverts the tests of :func:`_decide_growth`)."""
    from sgdfp.stats import ratio_interval

    low, high = ratio_interval(var1, var2, dof1, dof2, level, corr)
    return np.log(low) / log_window, np.log(high) / log_window


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
        return {"kind": "regime", "label": self.label, "modes": self.modes, "replicas": replica_text(self.replicas),
                "worst": self.worst_miss, "pooled": None, "failing": int(self.failing.size),
                "passed": bool(self.passed)}


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

    Returns:
        The :class:`RegimeCheck` (on success).

    Raises:
        AssertionError: a growth exponent is incompatible with its regime; the message lists the modes.
        ValueError: bad steps, shapes, window, regime names, NaN, zero variances, too few replicas.
    """
    alpha = check_alpha(alpha)
    steps = _check_steps(steps)
    data = as_array(samples_or_variances, "samples_or_variances")
    if data.ndim == 0 or data.shape[0] != steps.size:
        raise ValueError(f"the first axis of samples_or_variances must run over the {steps.size} steps; "
                         f"got shape {data.shape}")
    first = _window_start(steps, start)
    start, stop = int(steps[first]), int(steps[-1])
    horizon = stop if horizon is None else horizon
    bands = growth_bands(start, stop, horizon)
    if replicas is None:
        mode_shape, var1, var2, corr, dof1, dof2, counts = _from_samples(data, first)
    else:
        mode_shape, var1, var2, corr, dof1, dof2, counts = _from_variances(data, first, replicas, ddof, steps.size)
    m = var1.size
    if m == 0:
        raise ValueError(f"no modes in data of shape {data.shape}")
    for step, variance in ((start, var1), (stop, var2)):
        if np.any(variance <= 0):
            bad = int(np.flatnonzero(variance <= 0)[0])
            raise ValueError(f"the measured variance is zero at step {step} for {mode_label(bad, mode_shape)}: a "
                             f"growth needs a positive variance at both ends of the window")
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
    record(check)
    if not check.passed:
        raise AssertionError(check.message)
    return check


def _check_steps(steps) -> np.ndarray:
    array = np.atleast_1d(np.asarray(steps))
    if array.ndim != 1 or array.size < 2 or not np.issubdtype(array.dtype, np.number) or array.dtype == bool \
            or np.any(array != np.round(array)) or np.any(array < 0) or np.any(np.diff(array) <= 0):
        raise ValueError(f"steps must be at least two increasing whole numbers >= 0; got {steps!r}")
    return array.astype(np.int64)


def _window_start(steps: np.ndarray, start) -> int:
    """Index of the window's first checkpoint: ``start``, or the first at or after half the last step."""
    stop = int(steps[-1])
    if start is None:
        candidates = np.flatnonzero((steps >= stop / 2) & (steps > 0) & (steps < stop))
        if candidates.size == 0:
            raise ValueError(f"no checkpoint in [{stop / 2:g}, {stop}) starts the window; give start= "
                             f"(one of the steps, 0 < start < {stop})")
        return int(candidates[0])
    matches = np.flatnonzero(steps == start) if isinstance(start, (int, np.integer)) else []
    if len(matches) == 0 or not 0 < start < stop:
        raise ValueError(f"start must be one of the steps, above 0 and below the last ({stop}); got {start!r}")
    return int(matches[0])


def _from_samples(data: np.ndarray, first: int):
    """Mode shape, unbiased variances at both ends, their correlation, degrees of freedom and replica counts."""
    if data.ndim < 2:
        raise ValueError("samples need shape (steps, replicas, *modes); to pass variances give replicas=")
    n = data.shape[1]
    if n < 3:
        raise ValueError(f"at least 3 replicas are needed to compare variances at two steps; got {n}")
    y1, y2 = data[first].reshape(n, -1), data[-1].reshape(n, -1)
    require_finite(np.stack([y1, y2]), "samples", " -- leave diverged replicas out and pass the survivors")
    c1, c2 = y1 - y1.mean(axis=0), y2 - y2.mean(axis=0)
    ss1, ss2 = (c1**2).sum(axis=0), (c2**2).sum(axis=0)
    norm = np.sqrt(ss1 * ss2)
    corr = np.divide((c1 * c2).sum(axis=0), norm, out=np.zeros_like(norm), where=norm > 0)
    dof = np.full(ss1.shape, n - 1.0)
    return data.shape[2:], ss1 / (n - 1), ss2 / (n - 1), corr, dof, dof, np.full(ss1.shape, n)


def _from_variances(data: np.ndarray, first: int, replicas, ddof, step_count: int):
    """As :func:`_from_samples`, from variances (``corr`` None: the F test), with replicas per step or mode."""
    ddof = check_ddof(ddof)
    mode_shape = data.shape[1:]
    require_finite(data, "measured variances")
    if np.any(data < 0):
        raise ValueError("variances cannot be negative")
    counts = check_replicas(replicas)
    if counts.ndim == 1 and counts.size == step_count:
        counts = counts.reshape((-1,) + (1,) * len(mode_shape))
    try:
        counts = np.broadcast_to(counts, data.shape)
    except ValueError:
        raise ValueError(f"replicas has shape {np.shape(replicas)}; it must be one number, one per step or one "
                         f"per step and mode (data of shape {data.shape})") from None
    unbiased = data * (counts - ddof) / (counts - 1)
    var1, var2 = unbiased[first].ravel(), unbiased[-1].ravel()
    dof1, dof2 = counts[first].ravel() - 1.0, counts[-1].ravel() - 1.0
    both = np.concatenate([counts[first].ravel(), counts[-1].ravel()])
    return mode_shape, var1, var2, None, dof1, dof2, both


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
              f"{replica_text(check.replicas)} replicas; growth exponent = log(V_{stop}/V_{start}) / "
              f"log({stop}/{start}))"),
             (f"{check.failing.size} of {m} mode{plural} fail (Holm, family-wise {check.alpha:g}); "
              f"the {min(m, SHOWN)} least consistent:")]
    failing = set(check.failing.tolist())
    for i in np.argsort(check.p_values, kind="stable")[:SHOWN]:
        lines.append(f"  {mode_label(int(i), check.mode_shape)}: predicted {check.regimes[i]} (exponent "
                     f"{_band_text(check.band_lower[i], check.band_upper[i])}), measured {check.exponent[i]:.3f}, "
                     f"{percent(check.interval_level)} interval [{check.interval_lower[i]:.3f}, "
                     f"{check.interval_upper[i]:.3f}]; p={check.p_values[i]:.2g}"
                     + (f" (Holm {check.adjusted_p[i]:.2g})" if m > 1 else "")
                     + (" -- FAILS" if int(i) in failing else ""))
    return "\n".join(lines)
