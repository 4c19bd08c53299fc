"""``sgdfp sweep``: a grid of validation runs on Dask, each an ordinary run directory, one combined summary.

The grid comes from the flags and a TOML file (:mod:`sgdfp.sweep.grid`; a flag replaces the file's axis);
:func:`sgdfp.sweep.run_sweep` executes it. Exit status 0 when every run succeeded, 1 when any failed (each is
listed with its error, here and in ``sweep.json``), 2 for a user mistake, 130 when interrupted (run the same
command again to continue).
"""

from __future__ import annotations

import argparse
import json
import sys

from sgdfp.cli.parser import bounded_int, positive_float

__all__ = ["add_parser", "run", "print_summary"]


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``sgdfp sweep`` and its flags."""
    parser = commands.add_parser(
        "sweep", help="a grid of validation runs on Dask, with one combined summary",
        description="Run 'sgdfp validate' over a grid (preset x eta x batch size x sampling x seed x any "
                    "configuration field from --config) as Dask tasks, each run an ordinary run directory under "
                    "--out DIR/runs, then the combined summary (sweep.json, runs.csv: every run, the diffusion "
                    "coefficient's fits against eta and 1/b), its figures and 'sgdfp report' over the runs. "
                    "Running it again continues: finished runs are skipped.")
    parser.add_argument("--preset", nargs="+", metavar="NAME", help="one or several presets (an axis)")
    parser.add_argument("--quick", action="store_true", help="each preset's --quick reductions")
    parser.add_argument("--lr", type=positive_float, nargs="+", metavar="ETA", help="learning rates (an axis)")
    parser.add_argument("--batch-size", type=bounded_int(1, 10**6), nargs="+", metavar="B", help="an axis")
    parser.add_argument("--sampling", choices=["with", "without"], nargs="+",
                        help="minibatches with or without replacement (an axis)")
    parser.add_argument("--seed", type=bounded_int(0, 2**31 - 1), nargs="+", metavar="S", help="an axis")
    parser.add_argument("--replicas", type=bounded_int(2, 10**6), nargs="+", metavar="R", help="an axis")
    parser.add_argument("--steps", type=bounded_int(1, 10**7), nargs="+", metavar="T", help="an axis")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], help="where each run computes")
    parser.add_argument("--config", metavar="GRID.toml",
                        help="a grid file: configuration fields by name, a list being an axis (docs/sweeps.md)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=bounded_int(1, 4096), metavar="N",
                       help="a local Dask cluster of N worker processes (default: one per core)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (dask-jobqueue on Slurm, ...)")
    parser.add_argument("--retries", type=bounded_int(0, 100), default=2, metavar="K",
                        help="times a run whose worker died is retried on another (local cluster; default 2)")
    parser.add_argument("--out", required=True, metavar="DIR", help="the sweep directory (continued if it is one)")
    parser.add_argument("--no-pdf", action="store_true", help="the report without its PDF")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)
    return parser


def _show(value, spec: str = ".3g") -> str:
    return "-" if value is None else format(value, spec)


def print_summary(summary, out: str) -> None:
    """The lines ``sgdfp sweep`` prints about a finished sweep (:class:`sgdfp.sweep.SweepSummary`)."""
    counts = summary.counts
    print(f"sgdfp sweep: {counts['total']} runs ({counts['done']} run now, {counts['skipped']} done before, "
          f"{counts['failed']} failed) in {summary.wall_seconds:.1f} s on {summary.where}")
    axes = list(dict.fromkeys(key for row in summary.runs for key in row.point if key != "preset"))
    header = ["status", *axes, "D measured", "D predicted", "median|log r|", "noise floor", "run"]
    rows = [[row.status, *(str(row.point.get(axis, "")) for axis in axes),
             _show(row.metrics.get("diffusion_coefficient_measured")),
             _show(row.metrics.get("diffusion_coefficient_predicted")),
             _show(row.metrics.get("median_abs_log_ratio_all")), _show(row.metrics.get("noise_floor_abs_log_ratio")),
             row.name] for row in summary.runs]
    widths = [max(len(str(line[i])) for line in [header, *rows]) for i in range(len(header))]
    for line in [header, *rows]:
        print("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip())
    for fit in summary.scaling:
        variable = "eta" if fit.against == "lr" else "1/b"
        interval = "" if fit.interval is None else f" (95 % interval [{fit.interval[0]:.3g}, {fit.interval[1]:.3g}])"
        group = " ".join(f"{k}={v}" for k, v in fit.group.items())
        print(f"diffusion coefficient ~ {variable}^{_show(fit.exponent)}{interval}; predicted "
              f"{variable}^{_show(fit.predicted_exponent)}; {fit.runs} runs {group}".rstrip())
    for row in summary.failed:
        print(f"FAILED {row.name}: {row.error}")
    written = ["sweep.json", "runs.csv", *summary.figures]
    print(f"wrote {out}/{', '.join(written)}" + (f" and {summary.report}" if summary.report else ""))
    if summary.report_note:
        print(f"report: {summary.report_note}")


def run(args: argparse.Namespace) -> None:
    from sgdfp.sweep.grid import Grid, read_grid_file
    from sgdfp.sweep.pipeline import run_sweep
    from sgdfp.validate.typed_json import to_json

    grid = read_grid_file(args.config) if args.config else Grid()
    grid = grid.override(preset=args.preset, lr=args.lr, batch_size=args.batch_size, sampling=args.sampling,
                         seed=args.seed, replicas=args.replicas, steps=args.steps)
    if args.device is not None:
        grid = grid.override(device=[args.device])
    grid.quick = grid.quick or args.quick
    runs = grid.runs()
    progress = not args.quiet and not args.json and sys.stderr.isatty()
    summary = run_sweep(runs, args.out, workers=args.workers, scheduler=args.scheduler, retries=args.retries,
                        progress=progress, pdf=not args.no_pdf)
    if args.json:
        print(json.dumps(to_json(summary), indent=2))
    else:
        print_summary(summary, args.out)
    if summary.failed:
        print(f"sgdfp sweep: {len(summary.failed)} of {summary.counts['total']} runs failed (their errors are in "
              f"{args.out}/sweep.json)", file=sys.stderr)
        raise SystemExit(1)
