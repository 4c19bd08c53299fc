"""Benchmark of momentum and weight decay, each against plain SGD measured in the same run.

- Theory: ``momentum_functions`` (the compiled 9x9 recursion raised to the steps) against ``mode_functions`` (SGD's
  closed forms) for ``--modes`` modes at the 24 checkpoints of a validation run; and the start-up of each (import,
  derivation and compilation in a fresh process), and of ``sgdfp mode --momentum`` against ``sgdfp mode``.
- Replicas: heavy-ball and Nesterov replica-steps per CPU second (one thread) against SGD's on ``mnist-mlp``, R = 128,
  and the memory the velocity adds (R x P values).

Run: ``python benchmarks/bench_momentum.py [--modes 100000] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time

import numpy as np


def _best(function, repeats=3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        function()
        best = min(best, time.process_time() - start)
    return best


def _fresh_process(argv) -> float:
    """Wall seconds of a command in a fresh process (import, derivation and compilation included)."""
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def theory(modes: int) -> dict:
    from sgdfp.numerics import mode_functions, momentum_functions

    rng = np.random.default_rng(0)
    curvature = rng.exponential(0.3, modes) - 0.01
    noise = rng.exponential(1e-3, modes)
    optional = dict(curvature_noise=rng.exponential(1e-4, modes), mean_grad=rng.normal(0, 1e-3, modes),
                    cross=np.zeros(modes))
    k = np.unique(np.concatenate([[0], np.geomspace(1, 500, 24).astype(int)]))[:, None]
    sgd, heavy = mode_functions("numpy"), momentum_functions("numpy")
    sgd.variance(curvature[:2], noise[:2], 0.05, k, **{n: v[:2] for n, v in optional.items()})
    heavy.variance(curvature[:2], noise[:2], 0.005, k, momentum=0.9, **{n: v[:2] for n, v in optional.items()})
    t_sgd = _best(lambda: sgd.variance(curvature, noise, 0.05, k, **optional))
    t_heavy = _best(lambda: heavy.variance(curvature, noise, 0.005, k, momentum=0.9, weight_decay=1e-3, **optional))
    startup_sgd = _fresh_process([sys.executable, "-c", "from sgdfp.numerics import mode_functions as f; "
                                  "f('numpy').variance(0.5, 1.0, 0.1, 10, curvature_noise=0.1)"])
    startup_heavy = _fresh_process([sys.executable, "-c", "from sgdfp.numerics import momentum_functions as f; "
                                    "f('numpy').variance(0.5, 1.0, 0.1, 10, momentum=0.9, curvature_noise=0.1)"])
    cli = [sys.executable, "-m", "sgdfp", "mode", "--curvature", "0.5", "--grad-noise", "1", "--lr", "0.1", "--json"]
    cli_sgd = min(_fresh_process(cli) for _ in range(2))
    cli_heavy = min(_fresh_process(cli + ["--momentum", "0.9"]) for _ in range(2))
    out = {"modes": modes, "checkpoints": int(k.size), "sgd_cpu_s": t_sgd, "momentum_cpu_s": t_heavy,
           "momentum_over_sgd": t_heavy / t_sgd, "startup_sgd_s": startup_sgd, "startup_momentum_s": startup_heavy,
           "cli_mode_s": cli_sgd, "cli_mode_momentum_s": cli_heavy}
    print(f"theory, {modes} modes x {k.size} steps: SGD closed forms {t_sgd:.3f} CPU s, momentum powers "
          f"{t_heavy:.3f} CPU s ({t_heavy / t_sgd:.2f}x)")
    print(f"start-up in a fresh process: mode_functions {startup_sgd:.2f} s, momentum_functions {startup_heavy:.2f} s; "
          f"sgdfp mode {cli_sgd:.2f} s, sgdfp mode --momentum {cli_heavy:.2f} s")
    return out


def replicas(count: int, steps: int) -> dict:
    import torch

    from sgdfp.validate.ensemble import run_ensemble
    from sgdfp.validate.functional import FlatModel
    from sgdfp.validate.optimizer import Optimizer
    from sgdfp.validate.run import PRESETS

    torch.manual_seed(0)
    preset = PRESETS["mnist-mlp"]
    data = preset.data().subset(2048)
    model = FlatModel(preset.model(), task=preset.task)
    basis = torch.eye(model.num_parameters, dtype=torch.float64)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    out = {}
    work = count * steps
    for name, optimizer in (("sgd", Optimizer()), ("heavy_ball", Optimizer("heavy-ball", 0.9, 1e-3)),
                            ("nesterov", Optimizer("nesterov", 0.9))):
        seconds = _best(lambda: run_ensemble(model, model.theta0, data.inputs, data.targets, basis, 0.005, 64, count,
                                             steps, [0, steps], seed=1, optimizer=optimizer))
        out[name] = work / seconds
    torch.set_num_threads(threads)
    velocity_bytes = count * model.num_parameters * 8
    for name in ("heavy_ball", "nesterov"):
        print(f"replicas mnist-mlp R={count}: {name} {out[name]:.0f} replica-steps per CPU second, "
              f"{out[name] / out['sgd']:.2f}x SGD's {out['sgd']:.0f}")
    print(f"the velocity adds R x P = {count} x {model.num_parameters} float64 = {velocity_bytes / 2**20:.2f} MiB")
    return {"replicas": count, "steps": steps, "replica_steps_per_cpu_s": out,
            "heavy_ball_over_sgd": out["heavy_ball"] / out["sgd"], "nesterov_over_sgd": out["nesterov"] / out["sgd"],
            "velocity_bytes": velocity_bytes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", type=int, default=100_000)
    parser.add_argument("--replicas", type=int, default=128)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--json")
    args = parser.parse_args()
    results = {"theory": theory(args.modes), "replicas": replicas(args.replicas, args.steps),
               "machine": platform.platform()}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
