"""Command line: ``sgdfp derive``.

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
    return parser


def derive_report(dim: int, eta_order: int) -> dict:
    """Everything ``sgdfp derive`` prints, as ``{section: {"text": ..., "latex": ...}}``."""
    from itertools import combinations_with_replacement

    import sympy as sp

    from sgdfp.derive import (discrete_fokker_planck, jump_moment, langevin_flow_difference,
                              langevin_fokker_planck, langevin_step_difference, latex, modified_equation,
                              symbolic_sgd, text)

    update = symbolic_sgd(dim)
    density = update.density()
    moments = {}
    for n in range(1, eta_order + 1):
        tensor = jump_moment(update, n)
        for idx in combinations_with_replacement(range(dim), n):
            name = f"M{n}_" + "".join(str(i + 1) for i in idx)
            value = tensor[idx]
            tex = rf"M^{{({n})}}_{{{''.join(str(i + 1) for i in idx)}}}"
            moments[name] = {"text": text(value), "latex": f"{tex} = {latex(value)}"}
    sme = modified_equation(update, order=2)
    equations = {
        "discrete_fokker_planck": discrete_fokker_planck(update, density, eta_order),
        "langevin_fokker_planck": langevin_fokker_planck(update, density),
        "step_difference": langevin_step_difference(update, density, eta_order),
        "flow_difference": langevin_flow_difference(update, density, eta_order),
    }
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sgdfp`` console script; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        if args.command == "derive":
            fmt = "json" if args.json else "latex" if args.latex else "text"
            _print_derive(derive_report(args.dim, args.eta_order), fmt)
        return 0
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except (ValueError, TypeError) as exc:
        print(f"sgdfp: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sgdfp: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
