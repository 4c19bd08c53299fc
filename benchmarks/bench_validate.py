"""Benchmark of the validate layer.

- Ensemble throughput (replica-steps per CPU second, one thread) of the vectorised engine, with and without
  replacement, and against a plain per-replica loop in the same run, on ``mnist-mlp`` with R = 128 (target: at
  least 10x). Every replica draws from its own stream (``sgdfp.validate.ensemble.replica_seed``): measured
  against the earlier single stream, 0.99x (with) and 0.97x (without replacement).
- Hessian and per-mode statistics time for each preset (``--presets``).

Run: ``python benchmarks/bench_validate.py [--presets mnist-mlp digits-mlp] [--json PATH]`` (``--presets`` with no
name: the ensemble part alone).
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
    preset = PRESETS[name]
    data = preset.data().subset(min(config.samples, len(preset.data())))
    dtype = DTYPES[config.dtype]  # the preset's precision (float32 for the transformer)
    model = FlatModel(preset.model(), task=preset.task, dtype=dtype)
    inputs = data.inputs.to(dtype) if data.inputs.is_floating_point() else data.inputs
    return config, model, inputs, data.targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="*", default=["mnist-mlp", "digits-mlp"])
    parser.add_argument("--replicas", type=int, default=128)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--json")
    args = parser.parse_args()
    results = {}
    config, model, inputs, targets = _setup("mnist-mlp")
    theta = model.theta0
    basis = torch.eye(model.num_parameters, dtype=torch.float64)
    # CPU time of one thread: on a shared machine it measures the work, where wall time measures the neighbours
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    work = args.replicas * args.steps
    for sampling in ("with", "without"):
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            run_ensemble(model, theta, inputs, targets, basis, 0.05, 64, args.replicas, args.steps,
                         [0, args.steps // 2, args.steps], sampling, seed=1)
            best = min(best, time.process_time() - start)
        results[f"ensemble_{sampling}"] = {"replicas": args.replicas, "steps": args.steps,
                                           "vectorised_replica_steps_per_cpu_s": work / best}
        print(f"ensemble mnist-mlp R={args.replicas}, sampling {sampling} replacement: {work / best:.0f} "
              f"replica-steps per CPU second (one thread, per-replica streams)")
    start = time.process_time()
    run_loop(model, theta, inputs, targets, basis, 0.05, 64, args.replicas, args.steps, [args.steps])
    loop = time.process_time() - start
    vectorised = work / results["ensemble_with"]["vectorised_replica_steps_per_cpu_s"]
    torch.set_num_threads(threads)
    results["ensemble"] = {"replicas": args.replicas, "steps": args.steps,
                           "vectorised_replica_steps_per_s": work / vectorised,
                           "loop_replica_steps_per_s": work / loop, "speedup": loop / vectorised}
    print(f"ensemble mnist-mlp R={args.replicas}: vectorised {work / vectorised:.0f} replica-steps/s, per-replica "
          f"loop {work / loop:.0f}, speedup {loop / vectorised:.1f}x (target >= 10x)")
    for name in args.presets:
        config, model, inputs, targets = _setup(name)
        start = time.perf_counter()
        model.hessian(model.theta0, inputs, targets)
        hessian = time.perf_counter() - start
        start = time.perf_counter()
        mode_statistics(model, model.theta0, inputs, targets, config.ensemble.batch_size,
                        curvature_samples=config.curvature.curvature_samples,
                        direction_chunk=config.curvature.direction_chunk)
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
