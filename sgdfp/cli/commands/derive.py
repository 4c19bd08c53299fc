"""``sgdfp derive``: jump moments, the discrete Fokker--Planck and Langevin equations of SGD, and their differences.

Prints the derive-layer objects that :func:`sgdfp.document.derivations` gathers, as plain text, LaTeX
``align*`` blocks or one JSON object.
"""

from __future__ import annotations

import argparse
import json

from sgdfp.cli.parser import bounded_int, output_format

__all__ = ["MAX_DIM", "MAX_ETA_ORDER", "SECTION_TITLES", "add_parser", "derive_report", "print_derive", "run"]

MAX_DIM = 6
MAX_ETA_ORDER = 6

SECTION_TITLES = {
    "update": "SGD update (xi: minibatch gradient noise, covariance Sigma)",
    "jump_moments": "Jump moments M^(n) = E[Delta_i1 ... Delta_in]",
    "discrete_fokker_planck": "Discrete Fokker-Planck equation (truncated at eta^{K})",
    "langevin_fokker_planck": "Langevin form per step (drift and centred covariance only)",
    "step_difference": "Discrete minus Langevin, per step",
    "flow_difference": "Discrete minus the Langevin flow over time eta",
    "modified_equation": "Stochastic modified equation, weak order 2 (drift b, diffusion a)",
}


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``sgdfp derive`` and its flags."""
    parser = commands.add_parser(
        "derive", help="jump moments, discrete Fokker-Planck and Langevin equations of SGD",
        description="Derive, for SGD on a symbolic loss L(theta) with symbolic noise covariance "
                    "Sigma(theta) in D dimensions, the jump moments, the discrete Fokker-Planck "
                    "equation at O(eta^K), the per-step Langevin form, and their differences.")
    parser.add_argument("--dim", type=bounded_int(1, MAX_DIM), default=1,
                        help=f"number of parameters D (1..{MAX_DIM}; default 1)")
    parser.add_argument("--eta-order", type=bounded_int(1, MAX_ETA_ORDER), default=2,
                        help=f"truncation order K in eta (1..{MAX_ETA_ORDER}; default 2)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--latex", action="store_true", help="print LaTeX align* blocks")
    out.add_argument("--json", action="store_true", help="print one JSON object (text and LaTeX forms)")
    parser.set_defaults(run=run)
    return parser


def _jump_moments(derived: dict) -> list[tuple[str, str, object]]:
    """``(JSON name, LaTeX left side, value)`` for every independent entry of the jump moments."""
    from itertools import combinations_with_replacement

    dim = len(derived["update"].state)
    rows = []
    for n, tensor in derived["jump_moments"].items():
        for idx in combinations_with_replacement(range(dim), n):
            indices = "".join(str(i + 1) for i in idx)
            rows.append((f"M{n}_{indices}", rf"M^{{({n})}}_{{{indices}}}", tensor[idx]))
    return rows


def _report(derived: dict, dim: int, eta_order: int) -> dict:
    import sympy as sp

    from sgdfp.derive import latex, text

    update, sme = derived["update"], derived["modified_equation"]
    moments = {name: {"text": text(value), "latex": f"{lhs} = {latex(value)}"}
               for name, lhs, value in _jump_moments(derived)}
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


def derive_report(dim: int, eta_order: int) -> dict:
    """Everything ``sgdfp derive`` prints, as ``{section: {"text": ..., "latex": ...}}``.

    Raises:
        ValueError: ``dim`` or ``eta_order`` is not a positive integer.
    """
    from sgdfp.document import derivations

    return _report(derivations(dim, eta_order), dim, eta_order)


def print_derive(report: dict, fmt: str, jump_moments_latex: str | None = None) -> None:
    """Print :func:`derive_report` as ``"text"``, ``"latex"`` or ``"json"``.

    Args:
        jump_moments_latex: the jump moments as one ``align*`` block, for ``"latex"``.
    """
    if fmt == "json":
        print(json.dumps(report, indent=2))
        return
    for key, title in SECTION_TITLES.items():
        title = title.format(K=report["eta_order"])
        print(f"% {title}" if fmt == "latex" else f"== {title}")
        section = report[key]
        if key == "jump_moments":
            if fmt == "latex":
                print(jump_moments_latex)
            else:
                for name, value in section.items():
                    print(f"{name} = {value['text']}")
        else:
            print(section["latex"] if fmt == "latex" else section["text"])
        print()


def run(args: argparse.Namespace) -> None:
    from sgdfp.derive import align
    from sgdfp.document import derivations

    fmt = output_format(args)
    derived = derivations(args.dim, args.eta_order)
    block = align((lhs, value) for _, lhs, value in _jump_moments(derived)) if fmt == "latex" else None
    print_derive(_report(derived, args.dim, args.eta_order), fmt, block)
