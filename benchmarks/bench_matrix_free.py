"""Benchmark of the matrix-free curvature path, with ratios measured in the same run.

- Lanczos at both ends of the spectrum (``count`` largest and ``count`` most negative eigenpairs, scipy's
  ``eigsh`` on Hessian--vector products) against the dense Hessian and ``eigh``, on the ``mnist-mlp`` model
  (386 parameters) at a point after 300 SGD steps; the largest relative eigenvalue difference and the
  largest residual.
- Per-direction statistics (λ, D, Γ, ḡ, ρ of the Lanczos directions) in one pass against chunks of samples and
  directions: time, and the elements of the largest per-sample tensor each holds (the memory bound of
  :mod:`sgdfp.validate.projections`).

Run: ``python benchmarks/bench_matrix_free.py [--count 8] [--samples 1024] [--chunk 64] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch

from sgdfp.validate import MLP, FlatModel, LanczosEigensolver, load_mnist
from sgdfp.validate.statistics import mode_statistics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--chunk", type=int, default=64)
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.manual_seed(0)
    data = load_mnist(pool=6).subset(args.samples)
    model = FlatModel(MLP(36, 8, 10))
    theta, x, y = model.theta0.clone(), data.inputs, data.targets
    generator = torch.Generator().manual_seed(0)
    step = torch.func.grad(model.loss)
    for _ in range(300):
        index = torch.randint(len(x), (64,), generator=generator)
        theta = theta - 0.5 * step(theta, x[index], y[index])
    start = time.perf_counter()
    dense = torch.linalg.eigvalsh(model.hessian(theta, x, y))
    dense_s = time.perf_counter() - start
    solver = LanczosEigensolver(args.count, seed=3)
    start = time.perf_counter()
    found = solver.solve(model, theta, x, y)
    lanczos_s = time.perf_counter() - start
    expected = torch.cat([dense[:args.count], dense[-args.count:]])
    relative = float(((found.values - expected).abs() / expected.abs()).max())
    print(f"mnist-mlp ({model.num_parameters} parameters, {len(x)} samples): dense Hessian + eigh {dense_s:.2f} s, "
          f"Lanczos {args.count} + {args.count} pairs {lanczos_s:.2f} s (dense / Lanczos = {dense_s / lanczos_s:.2f}); "
          f"max relative eigenvalue difference {relative:.1e}, max residual {found.residuals.max():.1e}")

    class Fixed:  # the Lanczos pairs, found once, for both statistics runs
        name = "lanczos"

        def solve(self, *_):
            return found

    P, N, m = model.num_parameters, len(x), 2 * args.count
    timings = {}
    for label, chunk, directions in (("one pass", N, m), ("chunked", args.chunk, 4)):
        start = time.perf_counter()
        stats = mode_statistics(model, theta, x, y, 64, eigensolver=Fixed(), sample_chunk=chunk,
                                direction_chunk=directions)
        timings[label] = (time.perf_counter() - start, chunk * P, stats)
        print(f"statistics, {label}: {timings[label][0]:.2f} s, largest per-sample gradient block {chunk} x {P} "
              f"= {chunk * P} elements (the unchunked N x P would be {N * P})")
    ratio = timings["chunked"][0] / timings["one pass"][0]
    same = max(float(np.max(np.abs(getattr(timings["chunked"][2], k) - v) / np.maximum(np.abs(v), 1e-300)))
               for k, v in timings["one pass"][2].as_dict().items())
    print(f"chunked / one pass time = {ratio:.2f}; largest relative difference of any statistic {same:.1e}")
    if args.json:
        env = {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
               "threads": torch.get_num_threads()}
        out = {"dense_s": dense_s, "lanczos_s": lanczos_s, "max_relative_difference": relative,
               "max_residual": float(found.residuals.max()), "chunked_over_one_pass": ratio,
               "statistics_difference": same}
        with open(args.json, "w") as handle:
            json.dump({"environment": env, "results": out}, handle, indent=2)


if __name__ == "__main__":
    main()
