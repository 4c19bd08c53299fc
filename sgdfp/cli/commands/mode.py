r"""``sgdfp mode``: one mode near a critical point -- regime, variances, discrete SGD beside Langevin and SME-2.

The parameter flags come from the parameter table (:data:`sgdfp.derive.mode.parameters.MODE_PARAMETERS`:
flag, placeholder, description, default, range), which loads no SymPy, so ``sgdfp --help`` stays fast.
``--latex`` prints the catalogue's equations (:func:`sgdfp.derive.mode_equations`): the formulas derived
for the mode's nonzero parameters, then their values for this mode.

``--momentum B``, ``--nesterov`` and ``--weight-decay W`` answer for heavy-ball (or Nesterov) momentum with
coupled weight decay instead (:class:`sgdfp.derive.mode.momentum.MomentumMode`): the same keys, with the
continuous-time comparisons (Langevin, SME-2, derived for SGD) set to ``null``, and the keys of
:data:`MOMENTUM_KEYS` added. Without these flags the output is what it always was.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import replace

from sgdfp.cli.parser import (
    bounded_int,
    momentum_value,
    output_format,
    parameter_value,
    weight_decay_value,
)
from sgdfp.derive.mode.parameters import MODE_PARAMETERS, MOMENTUM, WEIGHT_DECAY

__all__ = ["DEFAULT_STEPS", "SCALARS", "MOMENTUM_KEYS", "add_parser", "mode_report", "momentum_report", "scalars",
           "print_mode", "run"]

#: The steps reported without ``--steps``.
DEFAULT_STEPS = (1, 10, 100, 1000)

#: The mode's scalar results: JSON key and the catalogue equation whose value it is.
SCALARS = {
    "contraction": "mode-contraction",
    "stability_threshold": "stability-threshold",
    "stationary_variance": "mode-stationary-variance",
    "langevin_stationary_variance": "mode-langevin-stationary-variance",
    "sme2_stationary_variance": "mode-sme2-stationary-variance",
    "diffusion_coefficient": "diffusion-coefficient-time",
    "diffusion_coefficient_per_step": "diffusion-coefficient-step",
    "relaxation_steps": "mode-relaxation",
}


#: The keys a momentum report adds, after the usual ones.
MOMENTUM_KEYS = ("optimizer", "momentum", "weight_decay", "effective_curvature", "crossover_steps",
                 "sgd_stationary_variance")


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``sgdfp mode``: one flag per mode parameter, ``--steps`` and the output format."""
    parser = commands.add_parser(
        "mode", help="one mode near a critical point: regime, variances, discrete SGD vs Langevin",
        description="Exact moments of the mode y' = (1 - eta h) y - eta g with E h = L, Var h = G, "
                    "E g = M, Var g = D, Cov(h, g) = R (per-step values), beside the Langevin model.")
    for parameter in MODE_PARAMETERS:
        required = parameter.default is None
        default = "" if required else f" (default {parameter.default:g})"
        parser.add_argument(parameter.flag, dest=parameter.keyword, type=parameter_value(parameter),
                            required=required, default=parameter.default, metavar=parameter.metavar,
                            help=f"{parameter.description}{default}")
    parser.add_argument(MOMENTUM.flag, dest="momentum", type=momentum_value, default=None, metavar=MOMENTUM.metavar,
                        help=f"{MOMENTUM.description}: answer for the momentum optimiser (default: plain SGD)")
    parser.add_argument("--nesterov", action="store_true",
                        help="Nesterov momentum: the gradient at the look-ahead point y + β v")
    parser.add_argument(WEIGHT_DECAY.flag, dest="weight_decay", type=weight_decay_value, default=None,
                        metavar=WEIGHT_DECAY.metavar, help=f"{WEIGHT_DECAY.description} (default 0)")
    parser.add_argument("--steps", type=bounded_int(0, 10**12), nargs="+", default=None, metavar="K",
                        help="steps at which to report mean and variance (default: "
                             + " ".join(map(str, DEFAULT_STEPS)) + ")")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--latex", action="store_true", help="print the formulas and values as LaTeX")
    out.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)
    return parser


def _number(value) -> float | None:
    """A float for JSON; None for nan or infinity (no stationary law, no relaxation)."""
    number = float(value)
    return number if math.isfinite(number) else None


def scalars(mode) -> dict:
    """The mode's scalar results (SymPy numbers, ``nan``/``oo`` where undefined) by the keys of :data:`SCALARS`;
    ``stability_threshold`` is ``None`` where there is none (:math:`\\lambda \\le 0`)."""
    from sgdfp.derive import LANGEVIN, SME2

    diffusion = mode.diffusion_coefficient()
    return {
        "contraction": mode.contraction(),
        "stability_threshold": mode.stability_threshold() if mode.curvature > 0 else None,
        "stationary_variance": mode.stationary_variance(),
        "langevin_stationary_variance": mode.under(LANGEVIN).stationary_variance(),
        "sme2_stationary_variance": mode.under(SME2).stationary_variance(),
        "diffusion_coefficient": diffusion.per_time,
        "diffusion_coefficient_per_step": diffusion.per_step,
        "relaxation_steps": mode.relaxation_steps(),
    }


def mode_report(curvature: float, grad_noise: float, lr: float, curvature_noise: float = 0.0,
                mean_grad: float = 0.0, cross: float = 0.0, steps: Sequence[int] | None = None, *,
                momentum: float | None = None, nesterov: bool = False, weight_decay: float | None = None) -> dict:
    """Everything ``sgdfp mode`` prints, as one JSON-ready dictionary.

    With ``momentum``, ``nesterov`` or ``weight_decay`` given: :func:`momentum_report`.

    Raises:
        ValueError: a parameter outside its range (see :class:`sgdfp.derive.Mode`).
    """
    from sgdfp.derive import LANGEVIN, SME2, Mode

    if momentum is not None or nesterov or weight_decay is not None:
        return momentum_report(curvature, grad_noise, lr, curvature_noise, mean_grad, cross, steps,
                               momentum=0.0 if momentum is None else momentum, nesterov=nesterov,
                               weight_decay=0.0 if weight_decay is None else weight_decay)

    given = (curvature, grad_noise, lr, curvature_noise, mean_grad, cross)
    mode = Mode(*given)
    langevin, sme2 = mode.under(LANGEVIN), mode.under(SME2)
    several = steps is None or len(steps) > 1
    steps = list(steps) if steps is not None else list(DEFAULT_STEPS)
    horizon = max(max(steps), 1)
    values = {key: None if value is None else _number(value) for key, value in scalars(mode).items()}
    per_step = {
        "mean": [_number(mode.mean(k)) for k in steps],
        "variance": [_number(mode.variance(k)) for k in steps],
        "langevin_mean": [_number(langevin.mean(k)) for k in steps],
        "langevin_variance": [_number(langevin.variance(k)) for k in steps],
        "sme2_variance": [_number(sme2.variance(k)) for k in steps],
    }
    discrete, continuous = values["stationary_variance"], values["langevin_stationary_variance"]
    report = {
        "parameters": {p.keyword: value for p, value in zip(MODE_PARAMETERS, given)},
        "regime": mode.regime(),
        "regime_at_horizon": mode.regime(horizon=horizon),
        "horizon": horizon,
        "contraction": values["contraction"],
        "stability_threshold": values["stability_threshold"],
        "langevin_only_stable": mode.langevin_only_stable(),
        "stationary_variance": discrete,
        "langevin_stationary_variance": continuous,
        "sme2_stationary_variance": values["sme2_stationary_variance"],
        "stationary_ratio": _number(discrete / continuous) if discrete is not None and continuous else None,
        "diffusion_coefficient": values["diffusion_coefficient"],
        "diffusion_coefficient_per_step": values["diffusion_coefficient_per_step"],
        "relaxation_steps": values["relaxation_steps"],
        "steps": steps if several else steps[0],
    }
    report.update({key: column if several else column[0] for key, column in per_step.items()})
    return report


def momentum_report(curvature: float, grad_noise: float, lr: float, curvature_noise: float = 0.0,
                    mean_grad: float = 0.0, cross: float = 0.0, steps: Sequence[int] | None = None, *,
                    momentum: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0) -> dict:
    """:func:`mode_report`'s keys for the momentum optimiser, then :data:`MOMENTUM_KEYS`.

    The ``langevin_*`` keys are the Langevin counterpart's (:meth:`MomentumMode.langevin`: the overdamped equation
    at the effective learning rate eta / (1 - beta)), at the same steps; the ``sme2_*`` keys are ``None`` (no
    modified equation of momentum is derived). ``sgd_stationary_variance`` is plain SGD's.

    Raises:
        ValueError: a parameter outside its range (see :class:`sgdfp.derive.mode.momentum.MomentumMode`).
    """
    from sgdfp.derive.mode.momentum_mode import MomentumMode

    given = (curvature, grad_noise, lr, curvature_noise, mean_grad, cross)
    mode = MomentumMode(*given, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)
    several = steps is None or len(steps) > 1
    steps = list(steps) if steps is not None else list(DEFAULT_STEPS)
    horizon = max(max(steps), 1)
    diffusion = mode.diffusion_coefficient()
    threshold = mode.stability_threshold() if mode.effective_curvature() > 0 else None
    none = [None] * len(steps)
    langevin = mode.langevin()
    per_step = {"mean": [_number(mode.mean(k)) for k in steps], "variance": [_number(mode.variance(k)) for k in steps],
                "langevin_mean": [_number(langevin.mean(k)) for k in steps],
                "langevin_variance": [_number(langevin.variance(k)) for k in steps], "sme2_variance": none}
    discrete, continuous = _number(mode.stationary_variance()), _number(langevin.stationary_variance())
    report = {
        "parameters": {p.keyword: value for p, value in zip(MODE_PARAMETERS, given)},
        "regime": mode.regime(),
        "regime_at_horizon": mode.regime(horizon=horizon),
        "horizon": horizon,
        "contraction": _number(mode.contraction()),
        "stability_threshold": None if threshold is None else _number(threshold),
        "langevin_only_stable": bool(langevin.has_stationary_law()) and not bool(mode.has_stationary_law()),
        "stationary_variance": discrete,
        "langevin_stationary_variance": continuous,
        "sme2_stationary_variance": None,
        "stationary_ratio": _number(discrete / continuous) if discrete is not None and continuous else None,
        "diffusion_coefficient": _number(diffusion.per_time),
        "diffusion_coefficient_per_step": _number(diffusion.per_step),
        "relaxation_steps": _number(mode.relaxation_steps()),
        "steps": steps if several else steps[0],
    }
    report.update({key: column if several else column[0] for key, column in per_step.items()})
    report.update({
        "optimizer": mode.optimizer.name,
        "momentum": float(momentum),
        "weight_decay": float(weight_decay),
        "effective_curvature": _number(mode.effective_curvature()),
        "crossover_steps": _number(mode.crossover_steps()),
        "sgd_stationary_variance": _number(mode.sgd.stationary_variance()),
    })
    return report


def _show(value) -> str:
    return "none" if value is None else f"{value:.6g}"


def _print_text(report: dict) -> None:
    p = report["parameters"]
    print(f"mode  lambda={p['curvature']:g}  D={p['grad_noise']:g}  eta={p['lr']:g}  Gamma={p['curvature_noise']:g}"
          f"  gbar={p['mean_grad']:g}  rho={p['cross']:g}")
    if "optimizer" in report:
        print(f"optimizer               {report['optimizer']}  beta={report['momentum']:g}  "
              f"omega={report['weight_decay']:g}  (effective curvature {_show(report['effective_curvature'])})")
    print(f"regime                  {report['regime']} (over {report['horizon']} steps: {report['regime_at_horizon']})")
    print(f"contraction q           {_show(report['contraction'])}"
          f"   (stable for eta < {_show(report['stability_threshold'])})")
    if report["langevin_only_stable"]:
        print("                        Langevin predicts a stationary law here; SGD has none")
    print(f"relaxation              {_show(report['relaxation_steps'])} steps")
    print(f"stationary variance     discrete {_show(report['stationary_variance'])}   Langevin "
          f"{_show(report['langevin_stationary_variance'])}   SME-2 {_show(report['sme2_stationary_variance'])}"
          f"   discrete/Langevin {_show(report['stationary_ratio'])}")
    print(f"diffusion coefficient   {_show(report['diffusion_coefficient'])} per unit time (t = eta k), "
          f"{_show(report['diffusion_coefficient_per_step'])} per step")
    if "optimizer" in report:
        print(f"crossover               {_show(report['crossover_steps'])} steps (stationary variance / 2 D_eff)"
              f"   plain SGD stationary variance {_show(report['sgd_stationary_variance'])}")

    def column(key):
        return report[key] if isinstance(report[key], list) else [report[key]]

    print(f"{'step':>12s} {'mean':>14s} {'variance':>14s} {'Langevin mean':>14s} {'Langevin var':>14s}"
          f" {'SME-2 var':>14s} {'var/Langevin':>13s}")
    for i, k in enumerate(column("steps")):
        var, lvar = column("variance")[i], column("langevin_variance")[i]
        ratio = _show(var / lvar) if var is not None and lvar else "none"
        print(f"{k:>12d} {_show(column('mean')[i]):>14s} {_show(var):>14s} {_show(column('langevin_mean')[i]):>14s}"
              f" {_show(lvar):>14s} {_show(column('sme2_variance')[i]):>14s} {ratio:>13s}")


def _print_latex(report: dict) -> None:
    """The catalogue of the symbolic mode with this mode's nonzero parameters, then its equations' values here."""
    import sympy as sp

    from sgdfp.derive import Mode
    from sgdfp.derive.mode.equations import align_equations

    given = report["parameters"]
    # the required parameters always symbolic; an optional one where this mode has it
    symbolic = Mode(*[p.symbol if p.default is None or given[p.keyword] else 0 for p in MODE_PARAMETERS])
    equations = symbolic.equations()
    print("% the formulas (derived for this mode's nonzero parameters)")
    print(align_equations(equations))
    values = scalars(Mode(**given))
    keys = {name: key for key, name in SCALARS.items()}
    rows = [replace(e, rhs=sp.Float(value, 6) if value.is_finite else value)
            for e in equations if e.name in keys and (value := values[keys[e.name]]) is not None]
    print("% the values")
    print(align_equations(rows))


def _print_momentum_latex(report: dict) -> None:
    """The momentum mode's formulas (generic) and values."""
    from sgdfp.derive.mode.momentum_mode import MomentumMode

    mode = MomentumMode(**report["parameters"], momentum=report["momentum"],
                        nesterov=report["optimizer"] == "nesterov", weight_decay=report["weight_decay"])
    print(mode.latex())


def print_mode(report: dict, fmt: str) -> None:
    """Print :func:`mode_report` as ``"text"``, ``"latex"`` or ``"json"``."""
    if fmt == "json":
        print(json.dumps(report, indent=2))
    elif fmt == "latex" and "optimizer" in report:
        _print_momentum_latex(report)
    elif fmt == "latex":
        _print_latex(report)
    else:
        _print_text(report)


def run(args: argparse.Namespace) -> None:
    from sgdfp.derive import Mode
    from sgdfp.errors import user_input

    with user_input():  # the parameters together: cross must fit Gamma and D
        Mode(*(getattr(args, p.keyword) for p in MODE_PARAMETERS))
    optimizer = {"momentum": getattr(args, "momentum", None), "nesterov": getattr(args, "nesterov", False),
                 "weight_decay": getattr(args, "weight_decay", None)}
    report = mode_report(*(getattr(args, p.keyword) for p in MODE_PARAMETERS), steps=args.steps, **optimizer)
    print_mode(report, output_format(args))
