"""Command line: ``sgdfp derive``, ``mode``, ``validate``, ``latex`` and ``report``.

User mistakes (bad flags, values out of range) end with one line on stderr and exit status 2.
Heavy imports (SymPy) happen inside the commands, so ``sgdfp --help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

MAX_DIM = 6
MAX_ETA_ORDER = 6


class UsageError(Exception):
    """A user mistake: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)  # a typo is an error, not a guess
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # one line, no usage dump
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _bounded_int(low: int, high: int):
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer from {low} to {high}; got {value!r}") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected an integer from {low} to {high}; got {number}")
        return number
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sgdfp", description="Dynamics of SGD at finite learning rate.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    derive = sub.add_parser(
        "derive", help="jump moments, discrete Fokker-Planck and Langevin equations of SGD",
        description="Derive, for SGD on a symbolic loss L(theta) with symbolic noise covariance "
                    "Sigma(theta) in D dimensions, the jump moments, the discrete Fokker-Planck "
                    "equation at O(eta^K), the per-step Langevin form, and their differences.")
    derive.add_argument("--dim", type=_bounded_int(1, MAX_DIM), default=1,
                        help=f"number of parameters D (1..{MAX_DIM}; default 1)")
    derive.add_argument("--eta-order", type=_bounded_int(1, MAX_ETA_ORDER), default=2,
                        help=f"truncation order K in eta (1..{MAX_ETA_ORDER}; default 2)")
    out = derive.add_mutually_exclusive_group()
    out.add_argument("--latex", action="store_true", help="print LaTeX align* blocks")
    out.add_argument("--json", action="store_true", help="print one JSON object (text and LaTeX forms)")
    mode = sub.add_parser(
        "mode", help="one mode near a critical point: regime, variances, discrete SGD vs Langevin",
        description="Exact moments of the mode y' = (1 - eta h) y - eta g with E h = L, Var h = G, "
                    "E g = M, Var g = D, Cov(h, g) = R (per-step values), beside the Langevin model.")
    mode.add_argument("--curvature", type=_finite_float, required=True, metavar="L", help="lambda = E h")
    mode.add_argument("--grad-noise", type=_finite_float, required=True, metavar="D", help="D = Var g per step")
    mode.add_argument("--lr", type=_finite_float, required=True, metavar="ETA", help="learning rate eta > 0")
    mode.add_argument("--curvature-noise", type=_finite_float, default=0.0, metavar="G", help="Gamma = Var h")
    mode.add_argument("--mean-grad", type=_finite_float, default=0.0, metavar="M", help="gbar = E g")
    mode.add_argument("--cross", type=_finite_float, default=0.0, metavar="R", help="rho = Cov(h, g)")
    mode.add_argument("--steps", type=_bounded_int(0, 10**12), nargs="+", default=None, metavar="K",
                      help="steps at which to report mean and variance (default: 1 10 100 1000)")
    mode_out = mode.add_mutually_exclusive_group()
    mode_out.add_argument("--latex", action="store_true", help="print the formulas and values as LaTeX")
    mode_out.add_argument("--json", action="store_true", help="print one JSON object")
    validate = sub.add_parser(
        "validate", help="real SGD on real models against the mode theory",
        description="Train to a reference point, measure curvature and noise per mode, run replica "
                    "ensembles of SGD and compare their per-mode variances with the predictions.")
    validate.add_argument("--preset", required=True, choices=["mnist-mlp", "mnist-mlp-critical", "digits-mlp",
                                                              "char-transformer"])
    validate.add_argument("--quick", action="store_true", help="fewer replicas, steps and samples (seconds)")
    validate.add_argument("--lr", type=_positive_float, nargs="+", metavar="ETA", help="one or several (a sweep)")
    validate.add_argument("--batch-size", type=_bounded_int(1, 10**6), metavar="B")
    validate.add_argument("--replicas", type=_bounded_int(2, 10**6), metavar="R")
    validate.add_argument("--steps", type=_bounded_int(1, 10**7), metavar="T")
    validate.add_argument("--sampling", choices=["with", "without"], help="minibatches with or without replacement")
    validate.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    validate.add_argument("--seed", type=_bounded_int(0, 2**31 - 1), default=0, metavar="S")
    validate.add_argument("--out", required=True, metavar="DIR", help="output directory (must not exist)")
    validate.add_argument("--force", action="store_true", help="replace an existing output directory")
    validate.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    validate.add_argument("--quiet", action="store_true", help="no progress bar")
    latex = sub.add_parser(
        "latex", help="a LaTeX document of every derivation, each equation also as its own snippet",
        description="Write a self-contained LaTeX document whose equations are all derived at run time "
                    "(master equation, Kramers-Moyal expansion, discrete Fokker-Planck and Langevin forms, "
                    "modified equation, mode theory), plus one .tex snippet per equation.")
    latex.add_argument("--out", required=True, metavar="DIR", help="output directory (must not exist)")
    latex.add_argument("--pdf", action="store_true", help="also compile the PDF (needs a TeX engine)")
    latex.add_argument("--eta-order", type=_bounded_int(1, MAX_ETA_ORDER), default=2,
                       help=f"truncation order K in eta (1..{MAX_ETA_ORDER}; default 2)")
    latex.add_argument("--dim", type=_bounded_int(1, MAX_DIM), default=2,
                       help=f"number of parameters D (1..{MAX_DIM}; default 2)")
    latex.add_argument("--force", action="store_true", help="replace an existing output directory")
    report = sub.add_parser(
        "report", help="an HTML (and PDF) report of one or more 'sgdfp validate' runs",
        description="Turn 'sgdfp validate' output directories into one report: figures, summary table, "
                    "per-regime breakdown, configuration and the theory behind the predictions. "
                    "Several runs appear side by side.")
    report.add_argument("runs", nargs="+", metavar="DIR", help="'sgdfp validate' output directories")
    report.add_argument("--out", metavar="DIR",
                        help="report directory (default: DIR/report for a single run; required for several)")
    report.add_argument("--no-pdf", action="store_true", help="skip the PDF even when TeX is installed")
    report.add_argument("--force", action="store_true", help="replace an existing report directory")
    return parser


def _positive_float(value: str) -> float:
    number = _finite_float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number; got {value!r}")
    return number


def _finite_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number; got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number; got {value!r}")
    return number


def _number(value) -> float | None:
    """A float for JSON; None for nan or infinity (no stationary law, no relaxation)."""
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


def mode_report(curvature: float, grad_noise: float, lr: float, curvature_noise: float = 0.0,
                mean_grad: float = 0.0, cross: float = 0.0, steps: Sequence[int] | None = None) -> dict:
    """Everything ``sgdfp mode`` prints, as one JSON-ready dictionary."""
    from sgdfp.derive import Mode

    mode = Mode(curvature, grad_noise, lr, curvature_noise=curvature_noise, mean_grad=mean_grad, cross=cross)
    several = steps is None or len(steps) > 1
    steps = list(steps) if steps is not None else [1, 10, 100, 1000]
    discrete, langevin = mode.stationary_variance(), mode.langevin_stationary_variance()
    diffusion = mode.diffusion_coefficient()
    per_step = {
        "mean": [_number(mode.mean(k)) for k in steps],
        "variance": [_number(mode.variance(k)) for k in steps],
        "langevin_mean": [_number(mode.langevin_mean(k)) for k in steps],
        "langevin_variance": [_number(mode.langevin_variance(k)) for k in steps],
        "sme2_variance": [_number(mode.sme2_variance(k)) for k in steps],
    }
    ratio = _number(discrete / langevin) if _number(discrete) is not None and _number(langevin) else None
    report = {
        "parameters": {"curvature": curvature, "grad_noise": grad_noise, "lr": lr,
                       "curvature_noise": curvature_noise, "mean_grad": mean_grad, "cross": cross},
        "regime": mode.regime(),
        "regime_at_horizon": mode.regime(horizon=max(max(steps), 1)),
        "horizon": max(max(steps), 1),
        "contraction": _number(mode.contraction()),
        "stability_threshold": _number(mode.stability_threshold()) if curvature > 0 else None,
        "langevin_only_stable": mode.langevin_only_stable(),
        "stationary_variance": _number(discrete),
        "langevin_stationary_variance": _number(langevin),
        "sme2_stationary_variance": _number(mode.sme2_stationary_variance()),
        "stationary_ratio": ratio,
        "diffusion_coefficient": _number(diffusion.per_time),
        "diffusion_coefficient_per_step": _number(diffusion.per_step),
        "relaxation_steps": _number(mode.relaxation_steps()),
        "steps": steps if several else steps[0],
    }
    report.update({key: values if several else values[0] for key, values in per_step.items()})
    return report


def _print_mode(report: dict, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(report, indent=2))
        return
    if fmt == "latex":
        _print_mode_latex(report)
        return

    def show(value):
        return "none" if value is None else f"{value:.6g}"

    p = report["parameters"]
    print(f"mode  lambda={p['curvature']:g}  D={p['grad_noise']:g}  eta={p['lr']:g}  Gamma={p['curvature_noise']:g}"
          f"  gbar={p['mean_grad']:g}  rho={p['cross']:g}")
    print(f"regime                  {report['regime']} (over {report['horizon']} steps: {report['regime_at_horizon']})")
    print(f"contraction q           {show(report['contraction'])}"
          f"   (stable for eta < {show(report['stability_threshold'])})")
    if report["langevin_only_stable"]:
        print("                        Langevin predicts a stationary law here; SGD has none")
    print(f"relaxation              {show(report['relaxation_steps'])} steps")
    print(f"stationary variance     discrete {show(report['stationary_variance'])}   Langevin "
          f"{show(report['langevin_stationary_variance'])}   SME-2 {show(report['sme2_stationary_variance'])}"
          f"   discrete/Langevin {show(report['stationary_ratio'])}")
    print(f"diffusion coefficient   {show(report['diffusion_coefficient'])} per unit time (t = eta k), "
          f"{show(report['diffusion_coefficient_per_step'])} per step")
    steps = report["steps"] if isinstance(report["steps"], list) else [report["steps"]]

    def column(key):
        return report[key] if isinstance(report[key], list) else [report[key]]

    print(f"{'step':>12s} {'mean':>14s} {'variance':>14s} {'Langevin mean':>14s} {'Langevin var':>14s}"
          f" {'SME-2 var':>14s} {'var/Langevin':>13s}")
    for i, k in enumerate(steps):
        var, lvar = column("variance")[i], column("langevin_variance")[i]
        ratio = show(var / lvar) if var is not None and lvar else "none"
        print(f"{k:>12d} {show(column('mean')[i]):>14s} {show(var):>14s} {show(column('langevin_mean')[i]):>14s}"
              f" {show(lvar):>14s} {show(column('sme2_variance')[i]):>14s} {ratio:>13s}")


def _print_mode_latex(report: dict) -> None:
    import sympy as sp

    from sgdfp.derive import Mode, align
    from sgdfp.derive.modes import D, Gamma, eta, gbar, lam, rho

    p = report["parameters"]
    symbolic = Mode(lam, D, eta, Gamma if p["curvature_noise"] else 0, gbar if p["mean_grad"] else 0,
                    rho if p["cross"] else 0)
    print("% the formulas (derived for this mode's nonzero parameters)")
    print(symbolic.latex())
    print("% the values")
    rows = [(name, sp.Float(report[key], 6) if report[key] is not None else sp.nan) for name, key in (
        ("q", "contraction"), (r"\operatorname{Var}_\infty", "stationary_variance"),
        (r"\operatorname{Var}^{\mathrm{Langevin}}_\infty", "langevin_stationary_variance"),
        (r"\mathcal{D}_t", "diffusion_coefficient"))]
    print(align(rows))


def derive_report(dim: int, eta_order: int) -> dict:
    """Everything ``sgdfp derive`` prints, as ``{section: {"text": ..., "latex": ...}}``."""
    from itertools import combinations_with_replacement

    import sympy as sp

    from sgdfp.derive import latex, text
    from sgdfp.document import derivations

    derived = derivations(dim, eta_order)
    update, sme = derived["update"], derived["modified_equation"]
    moments = {}
    for n, tensor in derived["jump_moments"].items():
        for idx in combinations_with_replacement(range(dim), n):
            name = f"M{n}_" + "".join(str(i + 1) for i in idx)
            value = tensor[idx]
            tex = rf"M^{{({n})}}_{{{''.join(str(i + 1) for i in idx)}}}"
            moments[name] = {"text": text(value), "latex": f"{tex} = {latex(value)}"}
    equations = {key: derived[key] for key in ("discrete_fokker_planck", "langevin_fokker_planck",
                                               "step_difference", "flow_difference")}
    return {
        "dim": dim,
        "eta_order": eta_order,
        "update": {"text": "; ".join(f"{s} -> {text(s + sp.UnevaluatedExpr(inc))}"
                                    for s, inc in zip(update.state, update.increment)),
                   "latex": update.latex()},
        "jump_moments": moments,
        **{key: {"text": str(series), "latex": series.latex()} for key, series in equations.items()},
        "modified_equation": {
            "text": "; ".join([f"b_{i + 1} = {text(sme.drift[i])}" for i in range(dim)]
                              + [f"a_{i + 1}{j + 1} = {text(sme.diffusion[i, j])}"
                                 for i in range(dim) for j in range(i, dim)]),
            "latex": sme.latex(),
        },
    }


SECTION_TITLES = {
    "update": "SGD update (xi: minibatch gradient noise, covariance Sigma)",
    "jump_moments": "Jump moments M^(n) = E[Delta_i1 ... Delta_in]",
    "discrete_fokker_planck": "Discrete Fokker-Planck equation (truncated at eta^{K})",
    "langevin_fokker_planck": "Langevin form per step (drift and centred covariance only)",
    "step_difference": "Discrete minus Langevin, per step",
    "flow_difference": "Discrete minus the Langevin flow over time eta",
    "modified_equation": "Stochastic modified equation, weak order 2 (drift b, diffusion a)",
}


def _print_derive(report: dict, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(report, indent=2))
        return
    for key, title in SECTION_TITLES.items():
        print(f"% {title.format(K=report['eta_order'])}" if fmt == "latex" else f"== {title.format(K=report['eta_order'])}")
        section = report[key]
        if key == "jump_moments":
            if fmt == "latex":
                print("\\begin{align*}\n" + " \\\\\n".join(v["latex"].replace(" = ", " &= ", 1)
                                                         for v in section.values()) + "\n\\end{align*}")
            else:
                for name, value in section.items():
                    print(f"{name} = {value['text']}")
        else:
            print(section["latex"] if fmt == "latex" else section["text"])
        print()


def _show(value) -> str:
    return "-" if value is None else f"{value:.3g}"


def _validate(args) -> None:
    from pathlib import Path

    from sgdfp.validate.run import json_summary, preset_config, run_validation, write_results

    if Path(args.out).exists() and not args.force:
        raise ValueError(f"output directory '{args.out}' exists; pass --force to replace it")
    config = preset_config(args.preset, quick=args.quick, lr=args.lr, batch_size=args.batch_size,
                           replicas=args.replicas, steps=args.steps, sampling=args.sampling, device=args.device,
                           seed=args.seed)
    progress = not args.quiet and not args.json and sys.stderr.isatty()
    results = run_validation(config, progress=progress)
    write_results(results, args.out, force=args.force)
    summary = json_summary(results)
    if args.json:
        print(json.dumps(summary, indent=2, default=float))
        return
    print(f"sgdfp validate {summary['preset']}: {results['model']['parameters']} parameters, "
          f"{results['dataset']['samples']} samples, device {summary['device']}, {summary['wall_seconds']:.1f} s")
    print(f"reference point: loss {results['reference']['loss']:.4f}, |grad L| {results['reference']['grad_norm']:.2e}")
    for run in results["runs"]:
        s = run["summary"]
        print(f"eta = {run['lr']}: log-corr top-48 {s['log_corr_top']:.3f} (stationary formula "
              f"{s['stationary_log_corr_top']:.3f}), all {s['log_corr_all']:.3f}; median |log ratio| top "
              f"{s['median_abs_log_ratio_top']:.3f}, all {s['median_abs_log_ratio_all']:.3f} (Langevin "
              f"{s['langevin_median_abs_log_ratio_all']:.3f}; noise floor {s['noise_floor_abs_log_ratio']:.3f}); "
              f"outside 95 % interval {100 * s['fraction_outside_interval']:.1f} %; diverged replicas "
              f"{s['diverged_replicas']}")
        print(f"   growth exponents: confined {_show(s['confined_growth_exponent'])}, diffusive "
              f"{_show(s['diffusive_growth_exponent'])}; regimes {s['regime_counts']}")
        print("   by eta*lambda: " + "; ".join(
            f"[{_show(b['lr_curvature'][0])}, {_show(b['lr_curvature'][1])}) {b['modes']} modes: discrete "
            f"{b['median_abs_log_ratio']:.3f}, Langevin {b['langevin_median_abs_log_ratio']:.3f}"
            for b in s["by_lr_curvature"]))
        if s["locally_valid_fraction"] is not None:
            print(f"   local theory holds for {100 * s['locally_valid_fraction']:.0f} % of the "
                  f"{s['validity_modes_checked']} modes checked (median |log ratio| "
                  f"{_show(s['median_abs_log_ratio_locally_valid'])} there, "
                  f"{_show(s['median_abs_log_ratio_beyond_local'])} beyond it: "
                  f"{ {k: v for k, v in s['regime_counts_beyond_local'].items() if v} })")
    if summary["scaling"]:
        print(f"flat-mode diffusion coefficient ~ eta^{summary['scaling']['exponent']} "
              f"(95 % interval {summary['scaling']['interval']})")
    print(f"wrote {args.out}/results.json, modes.csv and figures")


def _latex(args) -> None:
    from sgdfp.document import write_document

    written = write_document(args.out, dim=args.dim, eta_order=args.eta_order, pdf=args.pdf, force=args.force)
    print(f"wrote {written.tex} ({written.equations} numbered equations, {len(written.snippets)} snippets in "
          f"{written.snippets_dir})")
    if written.pdf is not None:
        print(f"compiled {written.pdf}")


def _report(args) -> None:
    from sgdfp.report import write_report

    written = write_report(args.runs, args.out, pdf=not args.no_pdf, force=args.force)
    print(f"wrote {written.html}")
    if written.pdf is not None:
        print(f"compiled {written.pdf}")
    elif written.pdf_note:
        print(f"no PDF: {written.pdf_note}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sgdfp`` console script; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        fmt = "json" if getattr(args, "json", False) else "latex" if getattr(args, "latex", False) else "text"
        if args.command == "derive":
            _print_derive(derive_report(args.dim, args.eta_order), fmt)
        elif args.command == "mode":
            report = mode_report(args.curvature, args.grad_noise, args.lr, args.curvature_noise, args.mean_grad,
                                 args.cross, args.steps)
            _print_mode(report, fmt)
        elif args.command == "validate":
            _validate(args)
        elif args.command == "latex":
            _latex(args)
        elif args.command == "report":
            _report(args)
        return 0
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except (ValueError, TypeError) as exc:
        print(f"sgdfp: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. an unwritable output directory
        print(f"sgdfp: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("sgdfp: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
