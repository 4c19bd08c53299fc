"""Calibration and cost of the theory-vs-experiment checks of ``sgdfp.testing``.

Prints, at the defaults (alpha = 0.01, R = DEFAULT_REPLICAS = 1200), each with its trial count and a 99 %
Clopper--Pearson interval:

- the false-failure rate of ``assert_variance_matches`` on data where the theory is exact (chi-squared draws of
  sample variances, 1 to 48 independent modes; ``simulate_mode`` samples against ``mode_functions``), target <= 1 %;
- the probability that a prediction off by 20 % on every mode (x1.2 and x0.8) fails, target >= 95 %, beside the
  exact power of the pooled (or single) test, ``detection_power``;
- the same two figures for ``assert_regime`` (exact bivariate Gaussian draws: modes on the regime boundaries,
  and modes asserted in a wrong regime);
- the time of one assertion, from variances and from samples, for 1 to 100 000 modes.

The trials run through ``_decide_variance`` / ``_decide_growth``, the functions the assertions call.
Run: ``python benchmarks/bench_testing.py [--trials N] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time

import numpy as np
from scipy import stats

from sgdfp.testing import (
    DEFAULT_ALPHA,
    DEFAULT_REPLICAS,
    assert_regime,
    assert_variance_matches,
    detection_power,
    growth_bands,
    required_replicas,
)
from sgdfp.testing.regime import _decide_growth
from sgdfp.testing.variance import _decide_variance, _sample_statistics

ALPHA, R = DEFAULT_ALPHA, DEFAULT_REPLICAS


def _rate(failed: np.ndarray) -> dict:
    n, k = failed.size, int(failed.sum())
    low = stats.beta.ppf(0.005, k, n - k + 1) if k > 0 else 0.0
    high = stats.beta.ppf(0.995, k + 1, n - k) if k < n else 1.0
    return {"rate": k / n, "interval99": [float(low), float(high)], "trials": n}


def _show(name: str, result: dict, extra: str = "") -> None:
    low, high = result["interval99"]
    print(f"  {name:<60} {100 * result['rate']:7.3f} %   [{100 * low:6.3f}, {100 * high:6.3f}] %   "
          f"n={result['trials']}{extra}")


def _chunked(decide, trials: int, chunk: int = 20_000) -> np.ndarray:
    return np.concatenate([decide(min(chunk, trials - start)) for start in range(0, trials, chunk)])


def variance_calibration(trials: int, rng) -> dict:
    out = {}
    print(f"assert_variance_matches: exact chi2 draws of sample variances, R = {R}, alpha = {ALPHA}")
    for modes in (1, 2, 8, 48):
        n = trials if modes <= 8 else trials // 4
        failed = _chunked(lambda size, modes=modes: _decide_variance(
            rng.chisquare(R - 1, (size, modes)) / (R - 1), np.ones(modes), R - 1).failed, n)
        out[f"false_failure_m{modes}"] = result = _rate(failed)
        _show(f"false failures, {modes} mode(s)", result)
    for modes in (1, 2, 8):
        for factor in (1.2, 0.8):
            n = trials // 4
            failed = _chunked(lambda size, modes=modes, factor=factor: _decide_variance(
                rng.chisquare(R - 1, (size, modes)) / (R - 1), np.full(modes, factor), R - 1).failed, n)
            out[f"power_m{modes}_x{factor}"] = result = _rate(failed)
            result["exact_pooled_power"] = exact = detection_power(factor - 1, R, modes)
            _show(f"caught, prediction x{factor}, {modes} mode(s)", result,
                  f"   (pooled test alone: {100 * exact:.3f} %)")
    out["required_replicas_20pc_m1"] = needed = required_replicas(0.2, 1)
    print(f"  replicas needed for 95 % power at 20 % error, one mode: {needed} (default {R})")
    return out


def simulated_calibration(trials: int) -> dict:
    from sgdfp.numerics import mode_functions, simulate_mode

    lam, noise, lr, k = np.array([2.0, 1.0, 0.3, 0.0]), np.array([1.0, 0.5, 2.0, 1.0]), 0.1, 15
    print(f"assert_variance_matches: simulate_mode samples (4 modes, {k} steps) against mode_functions, R = {R}")
    predicted = mode_functions("numpy").variance(lam, noise, lr, k)
    failed = {1.0: [], 1.2: [], 0.8: []}
    for seed, start in enumerate(range(0, trials, 250)):
        size = min(250, trials - start)
        sim = simulate_mode(np.broadcast_to(lam, (size, 4)), noise, lr, [k], chains=R, seed=100 + seed,
                            keep_samples=True, max_moment=2)
        variance, dof, effective = _sample_statistics(np.moveaxis(sim.samples[k], 0, -2), 0.0)
        for factor in failed:
            failed[factor].append(_decide_variance(variance, factor * predicted, dof, ALPHA, effective).failed)
    out = {}
    for factor, values in failed.items():
        out[f"simulated_x{factor}"] = result = _rate(np.concatenate(values))
        _show("false failures" if factor == 1.0 else f"caught, prediction x{factor}", result)
    return out


def _pairs(rng, q, trials, start, stop):
    def var(k):
        return float(k) if q == 1 else (1 - q**k) / (1 - q)

    covariance = math.sqrt(q) ** (stop - start) * var(start)
    chol = np.linalg.cholesky([[var(start), covariance], [covariance, var(stop)]])
    y = rng.standard_normal((trials, R, 2)) @ chol.T
    c = y - y.mean(axis=1, keepdims=True)
    ss = (c**2).sum(axis=1)
    corr = (c[..., 0] * c[..., 1]).sum(axis=1) / np.sqrt(ss[:, 0] * ss[:, 1])
    return ss[:, :1] / (R - 1), ss[:, 1:] / (R - 1), corr[:, None]


def regime_calibration(trials: int, rng) -> dict:
    start, stop = 50, 100
    bands = growth_bands(start, stop)
    print(f"assert_regime: exact bivariate Gaussian draws, window {start} -> {stop}, R = {R} "
          f"(bands: diffusive {bands['diffusive'][0]:.3f} .. {bands['diffusive'][1]:.3f})")
    cases = [(1 - 1 / stop, "confined", "boundary confined/diffusive, asserted confined"),
             (1 - 1 / stop, "diffusive", "boundary confined/diffusive, asserted diffusive"),
             (1 + 1 / stop, "escaping", "boundary diffusive/escaping, asserted escaping"),
             (1.0, "diffusive", "flat mode, asserted diffusive"),
             (1.0, "confined", "flat mode, asserted confined"),
             (1.0, "escaping", "flat mode, asserted escaping"),
             (0.81, "diffusive", "settled mode, asserted diffusive"),
             (1.1025, "diffusive", "escaping mode, asserted diffusive")]
    out = {}
    for q, regime, name in cases:
        low, high = bands[regime]
        paired, unpaired = [], []
        for begin in range(0, trials, 2_000):
            v1, v2, corr = _pairs(rng, q, min(2_000, trials - begin), start, stop)
            paired.append(_decide_growth(v1, v2, corr, R - 1, R - 1, math.log(stop / start), low, high).failed)
            unpaired.append(_decide_growth(v1, v2, None, R - 1, R - 1, math.log(stop / start), low, high).failed)
        out[name] = {"samples": _rate(np.concatenate(paired)), "variances": _rate(np.concatenate(unpaired))}
        _show(name + " (samples)", out[name]["samples"])
        _show(name + " (variances)", out[name]["variances"])
    return out


def _time(fn, repeat=5) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def timings(rng) -> dict:
    print("time per assertion (best of 5)")
    out = {}
    for modes in (1, 48, 1_000, 100_000):
        variance = rng.chisquare(R - 1, modes) / (R - 1)
        out[f"variances_m{modes}_s"] = seconds = _time(
            lambda variance=variance, modes=modes: assert_variance_matches(variance, np.ones(modes), replicas=R))
        print(f"  from variances, {modes:>7} modes: {1e3 * seconds:9.2f} ms")
    for modes in (1, 48, 1_000):
        samples = rng.standard_normal((R, modes))
        out[f"samples_m{modes}_s"] = seconds = _time(
            lambda samples=samples, modes=modes: assert_variance_matches(samples, np.ones(modes)))
        print(f"  from samples (R = {R}), {modes:>5} modes: {1e3 * seconds:9.2f} ms")
    trajectory = rng.standard_normal((2, R, 48)).cumsum(axis=0)
    out["regime_samples_m48_s"] = seconds = _time(lambda: assert_regime([50, 100], trajectory, "diffusive",
                                                                        horizon=1e9))
    print(f"  assert_regime from samples (R = {R}), 48 modes: {1e3 * seconds:9.2f} ms")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200_000, help="trials per false-failure figure")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()
    rng = np.random.default_rng(2024)
    start = time.perf_counter()
    results = {"alpha": ALPHA, "replicas": R}
    results["variance"] = variance_calibration(args.trials, rng)
    results["simulated"] = simulated_calibration(max(args.trials // 100, 250))
    results["regime"] = regime_calibration(max(args.trials // 10, 2_000), rng)
    results["timing"] = timings(rng)
    results["wall_seconds"] = time.perf_counter() - start
    results["versions"] = {"python": platform.python_version(), "numpy": np.__version__,
                           "scipy": __import__("scipy").__version__, "platform": platform.platform()}
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
