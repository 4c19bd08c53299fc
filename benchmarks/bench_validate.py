"""Benchmark of the validate layer.

- Ensemble throughput (replica-steps per second) of the vectorised engine against a plain per-replica
  loop in the same run, on ``mnist-mlp`` with R = 128 (target: at least 10x).
- Hessian and per-mode statistics time for each preset (``--presets``).

Run: ``python benchmarks/bench_validate.py [--presets mnist-mlp digits-mlp] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch

from sgdfp.validate.ensemble import run_ensemble, run_loop
from sgdfp.validate.functional import FlatModel
from sgdfp.validate.run import DTYPES, PRESETS, preset_config
from sgdfp.validate.statistics import mode_statistics


def _setup(name):
    config = preset_config(name)
    torch.manual_seed(0)
    data = PRESETS[name]["data"]().subset(config.samples)
    dtype = DTYPES[config.dtype]  # the preset's precision (float32 for the transformer)
    model = FlatModel(PRESETS[name]["model"](), task=PRESETS[name]["task"], dtype=dtype)
    inputs = data.inputs.to(dtype) if data.inputs.is_floating_point() else data.inputs
    return config, model, inputs, data.targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["mnist-mlp", "digits-mlp"])
    parser.add_argument("--replicas", type=int, default=128)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--json")
    args = parser.parse_args()
    results = {}
    config, model, inputs, targets = _setup("mnist-mlp")
    theta = model.theta0
    basis = torch.eye(model.num_parameters, dtype=torch.float64)
    start = time.perf_counter()
    run_ensemble(model, theta, inputs, targets, basis, 0.05, 64, args.replicas, args.steps, [args.steps])
    vectorised = time.perf_counter() - start
    start = time.perf_counter()
    run_loop(model, theta, inputs, targets, basis, 0.05, 64, args.replicas, args.steps, [args.steps])
    loop = time.perf_counter() - start
    results["ensemble"] = {"replicas": args.replicas, "steps": args.steps,
                           "vectorised_replica_steps_per_s": args.replicas * args.steps / vectorised,
                           "loop_replica_steps_per_s": args.replicas * args.steps / loop, "speedup": loop / vectorised}
    print(f"ensemble mnist-mlp R={args.replicas}: vectorised {args.replicas * args.steps / vectorised:.0f} "
          f"replica-steps/s, per-replica loop {args.replicas * args.steps / loop:.0f}, speedup {loop / vectorised:.1f}x "
          "(target >= 10x)")
    for name in args.presets:
        config, model, inputs, targets = _setup(name)
        start = time.perf_counter()
        model.hessian(model.theta0, inputs, targets)
        hessian = time.perf_counter() - start
        start = time.perf_counter()
        mode_statistics(model, model.theta0, inputs, targets, config.batch_size,
                        curvature_samples=config.curvature_samples, direction_chunk=config.direction_chunk)
        statistics = time.perf_counter() - start
        results[name] = {"parameters": model.num_parameters, "samples": len(inputs), "hessian_s": hessian,
                         "statistics_s": statistics}
        print(f"{name}: {model.num_parameters} parameters, {len(inputs)} samples: Hessian {hessian:.2f} s, "
              f"all per-mode statistics (Hessian included) {statistics:.2f} s")
    if args.json:
        env = {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
               "threads": torch.get_num_threads()}
        with open(args.json, "w") as handle:
            json.dump({"environment": env, "results": results}, handle, indent=2)


if __name__ == "__main__":
    main()
