"""``sgdfp validate``: real SGD on real models against the mode theory, summarised in a few lines (or JSON).

The run itself is :func:`sgdfp.validate.run.run_validation`; this command builds its configuration from a
preset and the flags, writes the results atomically and prints the typed results
(:class:`sgdfp.validate.results.ValidationResults`). A metric that is undefined for a run is ``None``
and prints as ``-``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator

from sgdfp.cli.parser import bounded_int, momentum_value, positive_float, weight_decay_value

__all__ = ["add_parser", "run", "show", "print_summary"]


class _PresetNames:
    """The names of :data:`sgdfp.validate.presets.PRESETS` as argparse choices, looked up only when a preset
    is checked or listed (building the parser for ``sgdfp --help`` imports nothing of the validator)."""

    def _names(self) -> list[str]:
        from sgdfp.validate.presets import PRESETS

        return list(PRESETS)

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``sgdfp validate`` and its flags (the presets from :data:`sgdfp.validate.presets.PRESETS`)."""
    parser = commands.add_parser(
        "validate", help="real SGD on real models against the mode theory",
        description="Train to a reference point, measure curvature and noise per mode, run replica "
                    "ensembles of SGD and compare their per-mode variances with the predictions.")
    parser.add_argument("--preset", required=True, choices=_PresetNames(), metavar="NAME",
                        help="the model and data: %(choices)s")
    parser.add_argument("--quick", action="store_true", help="fewer replicas, steps and samples (seconds)")
    parser.add_argument("--lr", type=positive_float, nargs="+", metavar="ETA", help="one or several (a sweep)")
    parser.add_argument("--batch-size", type=bounded_int(1, 10**6), metavar="B")
    parser.add_argument("--replicas", type=bounded_int(2, 10**6), metavar="R")
    parser.add_argument("--steps", type=bounded_int(1, 10**7), metavar="T")
    parser.add_argument("--sampling", choices=["with", "without"], help="minibatches with or without replacement")
    parser.add_argument("--optimizer", choices=["sgd", "heavy-ball", "nesterov"], default=None,
                        help="what the replicas run, from zero velocity (default sgd)")
    parser.add_argument("--momentum", type=momentum_value, default=None, metavar="B",
                        help="the momentum beta of heavy-ball or Nesterov, 0 < beta < 1")
    parser.add_argument("--weight-decay", type=weight_decay_value, default=None, metavar="W",
                        help="coupled L2 weight decay omega >= 0 towards the origin, as torch.optim.SGD's (default 0)")
    parser.add_argument("--moving-frame", choices=["auto", "on", "off"], default=None,
                        help="predict with the covariance propagated along the mean path (auto: up to 1 500 "
                             "parameters; on: up to the dense limit; off: the per-mode theory at the reference point)")
    parser.add_argument("--frame-refresh", type=bounded_int(1, 10**7), default=None, metavar="M",
                        help="steps between the moving frame's refreshes of the path's Hessian and noise (default 50)")
    parser.add_argument("--coupling", choices=["auto", "on", "off"], default=None,
                        help="measure the curvature noise between every pair of modes, Var_B[e_i^T H_B e_j], and "
                             "predict with it (auto: up to 1 500 modes)")
    parser.add_argument("--coupling-samples", type=bounded_int(2, 10**9), default=None, metavar="N",
                        help="samples the pairs' curvature noise is measured from (default 256)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--seed", type=bounded_int(0, 2**31 - 1), default=0, metavar="S")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (must not exist)")
    parser.add_argument("--force", action="store_true", help="replace an existing output directory")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--distributed", action="store_true",
                        help="shard the replicas over the processes 'torchrun --nproc-per-node N -m sgdfp validate "
                             "...' starts (gloo on CPU, NCCL with a GPU per process); rank 0 writes the run")
    parser.set_defaults(run=run)
    return parser


def show(value: float | None, spec: str = ".3g") -> str:
    """A metric formatted with ``spec``, or ``-`` where it is undefined (``None``)."""
    return "-" if value is None else format(value, spec)


def _percent(fraction: float | None, spec: str) -> str:
    return show(None if fraction is None else 100 * fraction, spec)


#: A regime with fewer modes than this gets a caveat line: its median says little.
THIN_REGIME = 5


def _over(value: float | None, floor: float | None) -> float | None:
    return None if value is None or not floor else value / floor


def _divergence(run_result, replicas: int) -> str:
    """``"32 of 32 replicas diverged by step 7 (loss 30, non-finite 2)"``."""
    live = run_result.live_replicas or []
    dead_at = next((step for step, count in zip(run_result.steps, live) if count < replicas), None)
    counts = run_result.divergence.counts if run_result.divergence is not None else {}
    causes = ", ".join(f"{cause} {count}" for cause, count in counts.items() if count)
    by_step = f" by step {dead_at}" if dead_at is not None else ""
    return (f"{run_result.summary.diverged_replicas} of {replicas} replicas diverged{by_step}"
            + (f" ({causes})" if causes else ""))


def print_summary(results, out: str) -> None:
    """The lines ``sgdfp validate`` prints about a finished run (:class:`~sgdfp.validate.results.ValidationResults`)."""
    reference = results.reference
    from sgdfp.validate.config import ensemble_optimizer

    print(f"sgdfp validate {results.config.preset}: {results.model.parameters} parameters, "
          f"{results.dataset.samples} samples, {ensemble_optimizer(results.config.ensemble)}, device "
          f"{results.device}, {results.wall_seconds:.1f} s")
    print(f"reference point: loss {show(reference.loss, '.4f')}, |grad L| {show(reference.grad_norm, '.2e')}")
    if reference.polish.converged is False:  # the theory assumes a critical point the run did not reach
        tolerance = results.config.reference.polish_tolerance
        print(f"warning: the reference polish stopped after {reference.polish.steps} steps with |grad L| "
              f"{show(reference.grad_norm, '.2e')} above its tolerance {show(tolerance, '.2e')}: the point is not as "
              f"critical as asked (raise polish_max_steps or the tolerance)")
    for run_result in results.runs:
        s = run_result.summary
        replicas = results.config.ensemble.replicas
        if run_result.all_diverged:
            print(f"eta = {run_result.lr}: DIVERGED: {_divergence(run_result, replicas)}; no variance left to "
                  f"compare (the statistics are null in results.json, with the reason)")
            continue
        if s.diverged_replicas:
            print(f"eta = {run_result.lr}: {_divergence(run_result, replicas)}; the moments are over the "
                  f"{replicas - s.diverged_replicas} replicas left")
        # the error against the sampling-noise floor and the fraction outside the interval first: the log-correlations
        # are near 1 whenever the variances span many orders of magnitude, and say little
        print(f"eta = {run_result.lr}: median |log ratio| {show(s.median_abs_log_ratio_all, '.3f')} = "
              f"{show(_over(s.median_abs_log_ratio_all, s.noise_floor_abs_log_ratio), '.2f')}x the noise floor "
              f"{show(s.noise_floor_abs_log_ratio, '.3f')}, {_percent(s.fraction_outside_interval, '.1f')} % of modes "
              f"outside their 95 % interval ({s.prediction} prediction"
              + (f", pairs' curvature noise from {results.statistics.coupling_samples} samples"
                 if results.statistics.coupling_samples and s.prediction != "fixed-frame" else "") + ")")
        print(f"   top-48 median |log ratio| {show(s.median_abs_log_ratio_top, '.3f')}; Langevin "
              f"{show(s.langevin_median_abs_log_ratio_all, '.3f')}"
              + ("" if s.effective_sgd_median_abs_log_ratio_all is None else
                 f", SGD at eta/(1 - beta) {show(s.effective_sgd_median_abs_log_ratio_all, '.3f')}")
              + f"; log-corr top-48 {show(s.log_corr_top, '.3f')} (stationary formula "
              f"{show(s.stationary_log_corr_top, '.3f')}), all {show(s.log_corr_all, '.3f')}; diverged replicas "
              f"{s.diverged_replicas}")
        if s.frame_overflowed:
            print("   warning: the moving frame's linearised covariance blew up along the mean path (its curvature "
                  "beyond the stability edge 2/eta, where only the nonlinearity holds the replicas): the prediction "
                  "is the fixed frame at the reference point")
        if s.prediction == "moving-frame":
            print(f"   moving frame (refreshed every {s.frame_refresh} steps, {show(s.frame_seconds, '.1f')} s): mean "
                  f"path off by {show(s.mean_error_over_spread, '.2f')} of the spread; fixed frame at the reference "
                  f"point: median |log ratio| {show(s.fixed_frame_median_abs_log_ratio_all, '.3f')}, outside "
                  f"{_percent(s.fixed_frame_fraction_outside_interval, '.1f')} %")
        if s.coupled_median_abs_log_ratio_all is not None and s.prediction != "coupled":
            print(f"   coupled closure at the reference point: median |log ratio| "
                  f"{show(s.coupled_median_abs_log_ratio_all, '.3f')}, outside "
                  f"{_percent(s.coupled_fraction_outside_interval, '.1f')} %")
        elif s.prediction == "coupled":
            print(f"   per-mode theory at the reference point (uncoupled): median |log ratio| "
                  f"{show(s.fixed_frame_median_abs_log_ratio_all, '.3f')}, outside "
                  f"{_percent(s.fixed_frame_fraction_outside_interval, '.1f')} %")
        if s.by_regime:
            print("   by regime (median |log ratio| over the noise floor, outside the interval): " + "; ".join(
                f"{r.regime} {r.modes}: {show(_over(r.median_abs_log_ratio, s.noise_floor_abs_log_ratio), '.2f')}x, "
                f"{_percent(r.fraction_outside_interval, '.0f')} %" for r in s.by_regime)
                  + (f"; {s.null_modes} null directions (no noise) set aside" if s.null_modes else ""))
        thin = [name for name in ("confined", "escaping") if 0 < s.regime_counts.get(name, 0) < THIN_REGIME]
        if thin or s.regime_counts.get("confined", 0) == 0:
            ensemble = results.config.ensemble
            counts = ", ".join(f"{s.regime_counts.get(name, 0)} {name}" for name in ("confined", "escaping"))
            print(f"   caveat: over {ensemble.steps} steps with {ensemble.replicas} replicas (noise floor "
                  f"{show(s.noise_floor_abs_log_ratio, '.3f')}) only {counts} modes are classified: too few to test "
                  f"those regimes (a mode must relax or escape within the horizon; --quick shortens both)")
        if s.fdr_confined_modes is not None:
            exponents = ", ".join(f"{regime} {show(value, '.2f')} (theory "
                                  f"{show(s.msd_exponent_predicted_by_regime.get(regime), '.2f')})"
                                  for regime, value in s.msd_exponent_by_regime.items())
            print(f"   stationarity: the FDR ratio 2<yF>/(eta<F^2>) holds 1 for {_percent(s.fdr_consistent_fraction, '.0f')}"
                  f" % of the {s.fdr_confined_modes} confined modes (median |r - 1| "
                  f"{show(s.fdr_median_abs_deviation, '.2f')}) and flags {_percent(s.fdr_flagged_fraction_other, '.0f')}"
                  f" % of the others; MSD median |log ratio| {show(s.msd_median_abs_log, '.3f')}"
                  + (f", its exponent by regime: {exponents}" if exponents else ""))
        print(f"   growth exponents: confined {show(s.confined_growth_exponent)}, diffusive "
              f"{show(s.diffusive_growth_exponent)}; regimes {s.regime_counts}")
        print("   by eta*lambda: " + "; ".join(
            f"[{show(b.lr_curvature[0])}, {show(b.lr_curvature[1])}) {b.modes} modes: discrete "
            f"{show(b.median_abs_log_ratio, '.3f')}, Langevin {show(b.langevin_median_abs_log_ratio, '.3f')}"
            for b in s.by_lr_curvature))
        if s.locally_valid_fraction is not None:
            beyond = {k: v for k, v in s.regime_counts_beyond_local.items() if v}
            print(f"   local theory holds for {_percent(s.locally_valid_fraction, '.0f')} % of the "
                  f"{s.validity_modes_checked} modes checked (median |log ratio| "
                  f"{show(s.median_abs_log_ratio_locally_valid)} there, "
                  f"{show(s.median_abs_log_ratio_beyond_local)} beyond it: {beyond})")
    scaling = results.scaling
    if scaling is not None:
        interval = "-" if scaling.interval is None else f"[{show(scaling.interval[0])}, {show(scaling.interval[1])}]"
        print(f"flat-mode diffusion coefficient ~ eta^{show(scaling.exponent)} (95 % interval {interval})")
    print(f"wrote {out}/results.json, modes.csv and figures")


def run(args: argparse.Namespace) -> None:
    from sgdfp.files import refuse_existing

    refuse_existing(args.out, args.force, kind="validate")  # before torch is even imported
    from sgdfp.validate.run import json_summary, preset_config, run_validation, write_results

    config = preset_config(args.preset, quick=args.quick, lr=args.lr, batch_size=args.batch_size,
                           replicas=args.replicas, steps=args.steps, sampling=args.sampling, device=args.device,
                           seed=args.seed, optimizer=args.optimizer, momentum=args.momentum,
                           weight_decay=args.weight_decay, moving_frame=args.moving_frame,
                           frame_refresh=args.frame_refresh, coupling=args.coupling,
                           coupling_samples=args.coupling_samples)
    progress = not args.quiet and not args.json and sys.stderr.isatty()
    if args.distributed:
        from sgdfp.validate.distributed import sharded

        with sharded(args.device) as shard:
            results = run_validation(config, progress=progress, shard=shard)
        if not shard.is_root:  # every rank holds the moments; rank 0 writes and prints them
            return
    else:
        results = run_validation(config, progress=progress)
    write_results(results, args.out, force=args.force)
    if args.json:
        print(json.dumps(json_summary(results), indent=2, default=float))
    else:
        print_summary(results, args.out)
