"""Benchmark of the moving frame: its error/cost trade-off over the refresh interval, against the same run without
it (``--moving-frame off``) measured in the same process.

On ``mnist-mlp`` (the published, non-critical reference; seed 0, 128 replicas x 500 steps) one validation run per
setting, the whole run timed (wall seconds; the frame's own seconds and its Hessian refreshes' share beside), and the
error of the headline prediction: median |log ratio| over all modes and the fraction outside the 95 % interval,
with the noise floor. The reference point, the statistics and the replicas are the same in every run (same seed),
so the differences are the frame's.

Run: ``python benchmarks/bench_frame.py [--preset mnist-mlp] [--refresh 10 25 50 100 250] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time


def one_run(preset: str, frame: str, refresh: int) -> dict:
    from sgdfp.validate.run import preset_config, run_validation

    start = time.perf_counter()
    results = run_validation(preset_config(preset, moving_frame=frame, frame_refresh=refresh))
    wall = time.perf_counter() - start
    summary = results.runs[0].summary
    return {"moving_frame": frame, "refresh": refresh if frame == "on" else None, "wall_seconds": wall,
            "frame_seconds": summary.frame_seconds, "median_abs_log_ratio_all": summary.median_abs_log_ratio_all,
            "fraction_outside_interval": summary.fraction_outside_interval,
            "noise_floor": summary.noise_floor_abs_log_ratio, "mean_error_over_spread": summary.mean_error_over_spread}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="mnist-mlp")
    parser.add_argument("--refresh", type=int, nargs="+", default=[10, 25, 50, 100, 250])
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()
    one_run(args.preset, "off", 50)  # warm-up: data loading and compilation out of the first timing
    baseline = one_run(args.preset, "off", 50)
    rows = [baseline] + [one_run(args.preset, "on", refresh) for refresh in args.refresh]
    print(f"{args.preset}: noise floor {baseline['noise_floor']:.3f}; whole run without the frame "
          f"{baseline['wall_seconds']:.1f} s")
    print(f"{'frame':>10} {'refresh':>8} {'median':>8} {'outside':>8} {'mean err':>9} {'run s':>7} {'x base':>7}")
    for row in rows:
        ratio = row["wall_seconds"] / baseline["wall_seconds"]
        print(f"{row['moving_frame']:>10} {row['refresh'] or '-':>8} {row['median_abs_log_ratio_all']:8.3f} "
              f"{100 * row['fraction_outside_interval']:7.1f}% "
              f"{'-' if row['mean_error_over_spread'] is None else format(row['mean_error_over_spread'], '.3f'):>9} "
              f"{row['wall_seconds']:7.1f} {ratio:7.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"preset": args.preset, "platform": platform.platform(), "runs": rows}, handle, indent=1)


if __name__ == "__main__":
    main()
