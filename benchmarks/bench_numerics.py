"""Benchmark of the numerics layer.

- Compiled numpy variance of 10^6 modes x 100 steps against a hand-written numpy expression of the
  same formula, eta^2 D (1 - q^k)/(1 - q), in the same run (target: within 1.5x).
- Compilation of the mode formulas: cold (SymPy derivation + code generation) and cached.
- Throughput of the torch backend in modes*steps per second, on the CPU and on CUDA when present.

Run: ``python benchmarks/bench_numerics.py [--modes N] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np


def _best(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def hand_written(lam, grad_noise, lr, k):
    q = (1 - lr * lam) ** 2
    return lr**2 * grad_noise * (1 - q**k) / (1 - q)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()

    import sympy as sp

    from sgdfp.derive.mode import dynamics
    from sgdfp.derive.mode.update import mode_update
    from sgdfp.numerics import clear_cache, mode_functions
    from sgdfp.numerics import modes as compiled_modes

    results = {}
    # compilation, cold: every derivation cache emptied
    for cache in (dynamics._centred_cached, dynamics.generator_matrix, dynamics.raw_discrete_matrix, mode_update,
                  compiled_modes._expression):
        cache.cache_clear()
    clear_cache()
    sp.core.cache.clear_cache()
    start = time.perf_counter()
    functions = mode_functions("numpy")
    for quantity in ("mean", "variance", "stationary_variance"):
        functions.function(quantity)
    mode_functions("numpy", "langevin").function("variance")
    results["compile_cold_s"] = time.perf_counter() - start
    start = time.perf_counter()
    for quantity in ("mean", "variance", "stationary_variance"):
        functions.function(quantity)
    mode_functions("numpy", "langevin").function("variance")
    results["compile_cached_s"] = time.perf_counter() - start

    rng = np.random.default_rng(0)
    lam = rng.uniform(0.0, 2.0, size=(args.modes, 1))
    k = np.arange(1, args.steps + 1, dtype=float)[None, :]
    functions.variance(lam[:10], 1.0, 0.1, k)  # warm
    t_compiled = _best(lambda: functions.variance(lam, 1.0, 0.1, k))
    t_hand = _best(lambda: hand_written(lam, 1.0, 0.1, k))
    results.update(numpy_compiled_s=t_compiled, numpy_hand_written_s=t_hand, numpy_ratio=t_compiled / t_hand)

    # regime classification of a validation run's 386 modes: the compiled rule against one exact Mode per mode
    from sgdfp.derive import Mode
    from sgdfp.numerics import regime_names

    curv = rng.normal(0.0, 1.0, 386)
    noise = rng.uniform(0.0, 0.1, 386)
    functions.regime(curv, 0.05, 500, curvature_noise=noise)  # compile once
    t_rule = _best(lambda: regime_names(functions.regime(curv, 0.05, 500, curvature_noise=noise)))
    t_modes = _best(lambda: [Mode.from_estimates(c, 1.0, 0.05, g).regime(horizon=500) for c, g in zip(curv, noise)],
                    repeat=1)
    results.update(regime_compiled_s=t_rule, regime_per_mode_s=t_modes)

    import torch

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        torch_functions = mode_functions("torch")
        lam_t = torch.as_tensor(lam, device=device)
        k_t = torch.as_tensor(k, device=device)
        torch_functions.variance(lam_t[:10], 1.0, 0.1, k_t)

        def run(torch_functions=torch_functions, lam_t=lam_t, k_t=k_t, device=device):
            torch_functions.variance(lam_t, 1.0, 0.1, k_t)
            if device == "cuda":
                torch.cuda.synchronize()

        seconds = _best(run)
        results[f"torch_{device}_modes_steps_per_s"] = args.modes * args.steps / seconds

    print(f"compile mode formulas: cold {results['compile_cold_s']:.2f} s, cached {results['compile_cached_s'] * 1e3:.2f} ms")
    print(f"variance of {args.modes} modes x {args.steps} steps: compiled numpy {t_compiled:.3f} s, "
          f"hand-written numpy {t_hand:.3f} s, ratio {t_compiled / t_hand:.2f} (target <= 1.5)")
    print(f"regime of 386 modes: compiled rule {t_rule * 1e3:.2f} ms, one exact Mode per mode {t_modes:.2f} s "
          f"({t_modes / t_rule:.0f}x)")
    for device in devices:
        print(f"torch {device}: {results[f'torch_{device}_modes_steps_per_s']:.3g} modes*steps/s")
    if args.json:
        env = {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
               "machine": platform.machine(), "cuda": torch.cuda.is_available()}
        with open(args.json, "w") as fh:
            json.dump({"environment": env, "results": results}, fh, indent=2)


if __name__ == "__main__":
    main()
