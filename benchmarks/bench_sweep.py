"""Benchmark of ``sgdfp sweep``: a sweep on a local Dask cluster against the same runs in sequence.

One measurement, in one process, on the same machine state:

- sequential: the runs one after the other in this process (``run_validation`` + ``write_results``, as a task
  does them; torch with every core; imports already paid);
- sweep: :func:`sgdfp.sweep.run_sweep` of the same runs on a ``LocalCluster`` of ``--workers`` processes (one
  torch thread each), from cluster start to the last run written (the report left out), and the ratio;
- the overhead: the cluster's start, each new worker's imports (torch, SymPy, sgdfp: paid once per worker
  process), and the round trip of one no-op task through the scheduler (what each further task costs).

Run: ``python benchmarks/bench_sweep.py [--workers 2] [--lr 0.05 0.1] [--seed 0 1] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def _imports() -> float:
    """On a worker: how long importing what a run needs takes."""
    start = time.perf_counter()
    import matplotlib.pyplot  # noqa: F401

    import sgdfp.validate.plots  # noqa: F401
    import sgdfp.validate.run  # noqa: F401
    return time.perf_counter() - start


def _noop(value):
    return value


def overhead(workers: int, round_trips: int = 40) -> dict:
    """Cluster start, per-worker imports and the per-task round trip on a fresh local cluster."""
    import distributed

    start = time.perf_counter()
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    started = time.perf_counter() - start
    try:
        imports = client.gather([client.submit(_imports, pure=False, workers=[w])
                                 for w in client.scheduler_info()["workers"]])
        latencies = []
        for index in range(round_trips):
            tick = time.perf_counter()
            client.submit(_noop, index, pure=False).result()
            latencies.append(time.perf_counter() - tick)
    finally:
        client.close()
        cluster.close()
    return {"cluster_start_s": started, "worker_imports_s": imports,
            "task_round_trip_ms": 1e3 * statistics.median(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="digits-mlp")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lr", type=float, nargs="+", default=[0.05, 0.1])
    parser.add_argument("--seed", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--json")
    args = parser.parse_args()

    import torch

    from sgdfp.sweep.grid import Grid
    from sgdfp.sweep.pipeline import run_sweep
    from sgdfp.validate.run import run_validation, write_results

    runs = Grid(quick=True).override(preset=[args.preset], lr=args.lr, seed=args.seed, device=["cpu"]).runs()
    scratch = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        run_validation(runs[0].config.with_overrides(steps=2, replicas=2))  # warm: imports, first-call costs
        sequential = {}
        threads = torch.get_num_threads()
        for count in sorted({threads, 1}, reverse=True):  # torch's own threads (what a user gets), and one
            torch.set_num_threads(count)
            start = time.perf_counter()
            for run in runs:
                write_results(run_validation(run.config), scratch / f"sequential-{count}" / run.name)
            sequential[count] = time.perf_counter() - start
        torch.set_num_threads(threads)
        start = time.perf_counter()
        summary = run_sweep(runs, scratch / "sweep", workers=args.workers, report=False)
        sweep = time.perf_counter() - start
        assert summary.counts["done"] == len(runs), [row.error for row in summary.failed]
        tasks = [row.seconds for row in summary.runs]
        computing = [row.wall_seconds for row in summary.runs]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    costs = overhead(args.workers)
    import subprocess
    import sys

    tick = time.perf_counter()  # what the sequence would add in a fresh process, as each worker pays it
    subprocess.run([sys.executable, "-c", "import matplotlib.pyplot, sgdfp.validate.plots, sgdfp.validate.run"],
                   check=True)
    costs["process_imports_s"] = time.perf_counter() - tick
    load = os.getloadavg()[0]
    results = {"runs": len(runs), "workers": args.workers, "cores": os.cpu_count(), "load_average": load,
               "sequential_s": {f"{k}_threads": v for k, v in sequential.items()}, "sweep_s": sweep,
               "speedup": {f"against_{k}_threads": v / sweep for k, v in sequential.items()}, "task_seconds": tasks,
               "run_validation_seconds_on_workers": computing, **costs}
    print(f"{len(runs)} runs of {args.preset} --quick on {os.cpu_count()} cores (load average {load:.1f}): sweep on "
          f"{args.workers} workers {sweep:.1f} s; in sequence " + ", ".join(
              f"{v:.1f} s with {k} torch thread(s) (speedup {v / sweep:.2f}x)" for k, v in sequential.items()))
    print(f"a fresh process's imports: {costs['process_imports_s']:.1f} s (the sequence above had paid them)")
    print(f"overhead: cluster start {costs['cluster_start_s']:.1f} s, each new worker's imports "
          f"{', '.join(f'{s:.1f}' for s in costs['worker_imports_s'])} s (once per worker process), then "
          f"{costs['task_round_trip_ms']:.1f} ms per task (round trip of a no-op task)")
    print("per run on its worker: task " + ", ".join(f"{s:.1f}" for s in tasks) + " s, of which run_validation "
          + ", ".join(f"{s:.1f}" for s in computing) + " s")
    if args.json:
        env = {"python": platform.python_version(), "torch": torch.__version__, "threads": torch.get_num_threads()}
        Path(args.json).write_text(json.dumps({"environment": env, "results": results}, indent=2) + "\n")


if __name__ == "__main__":  # the workers are spawned processes: they must not run main() again
    main()
