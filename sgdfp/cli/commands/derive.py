"""``sgdfp derive``: jump moments, the discrete Fokker--Planck and Langevin equations of SGD, and their differences.

Prints the derive-layer objects that :func:`sgdfp.document.derivations` gathers, as plain text, LaTeX
``align*`` blocks or one JSON object. Every size the flags accept is either derived within
:data:`BUDGET_SECONDS` or refused at once (exit 2) with its estimated cost and the largest sizes that fit
(:func:`check_budget`, shared with ``sgdfp latex``); on a terminal a long derivation shows a progress bar.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sgdfp.cli.parser import UsageError, bounded_int, output_format

__all__ = ["MAX_DIM", "MAX_ETA_ORDER", "BUDGET_SECONDS", "SECTION_TITLES", "add_parser", "derive_report",
           "estimated_seconds", "largest_sizes", "check_budget", "print_derive", "run"]

MAX_DIM = 6
MAX_ETA_ORDER = 6

#: The most a derivation started from the command line may be expected to take: seconds on 2 cores.
BUDGET_SECONDS = 30.0

# estimated_seconds' model: log(t - start-up) = c0 + c1 K + c2 K log D + c3 log D + c4 K^2, least squares on the
# 13 sizes from 1 s to 36 s of `python benchmarks/bench_derive.py --sizes 1-6x2-6` (2 cores, SymPy 1.14, symengine
# 0.15); it reproduces each of them within 25 %. `sgdfp latex` prints the same series at more length and adds the
# mode catalogues: its time was a fixed 4.2 s plus 1.48 times the same work (1x1, 4x4, 5x4, 2x6, 3x5).
# Refit when the engine or the printers change.
_STARTUP_SECONDS = 0.55
_FIT = (-3.016, -1.154, 1.091, -0.265, 0.234)
_DOCUMENT_SECONDS, _DOCUMENT_FACTOR = 4.2, 1.48

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


def estimated_seconds(dim: int, eta_order: int, document: bool = False) -> float:
    r"""The expected wall time of ``sgdfp derive --dim D --eta-order K --json`` (of ``sgdfp latex`` with
    ``document``), in seconds on 2 cores.

    A measured model: above a fixed start-up, the work (mostly printing the Langevin flow difference, whose
    terms are products of derivatives of :math:`L` and :math:`\Sigma`) grows geometrically in :math:`K` at a
    rate that grows with :math:`\log D`,
    :math:`\log(t - t_0) = c_0 + c_1 K + c_2 K\log D + c_3 \log D + c_4 K^2`, fitted to the size table of
    ``benchmarks/bench_derive.py``; it never decreases with :math:`K`.
    """
    work = max(_work(dim, k) for k in range(1, eta_order + 1))
    return _DOCUMENT_SECONDS + _DOCUMENT_FACTOR * work if document else _STARTUP_SECONDS + work


def _work(dim: int, eta_order: int) -> float:
    c0, c1, c2, c3, c4 = _FIT
    log_d = math.log(dim)
    return math.exp(c0 + c1 * eta_order + c2 * eta_order * log_d + c3 * log_d + c4 * eta_order**2)


def largest_sizes(budget: float = BUDGET_SECONDS, document: bool = False) -> dict[int, int]:
    """``{dim: the largest eta_order whose estimate fits the budget}`` for every accepted dim (0: none fits)."""
    return {dim: max((k for k in range(1, MAX_ETA_ORDER + 1) if estimated_seconds(dim, k, document) <= budget),
                     default=0)
            for dim in range(1, MAX_DIM + 1)}


def check_budget(dim: int, eta_order: int, command: str = "sgdfp derive") -> None:
    """Refuse, before any work, a size whose estimated cost is over :data:`BUDGET_SECONDS`.

    Args:
        command: ``"sgdfp derive"`` or ``"sgdfp latex"`` (the document costs more: its own estimate).

    Raises:
        UsageError: one line with the estimate and the largest sizes that fit.
    """
    document = command == "sgdfp latex"
    estimate = estimated_seconds(dim, eta_order, document)
    if estimate <= BUDGET_SECONDS:
        return
    groups: dict[int, list[int]] = {}
    for d, k in largest_sizes(document=document).items():
        groups.setdefault(k, []).append(d)
    fits = "; ".join(f"--dim {dims[0] if len(dims) == 1 else f'{dims[0]}-{dims[-1]}'} up to --eta-order {k}"
                     for k, dims in sorted(groups.items(), reverse=True) if k)
    raise UsageError(f"{command}: --dim {dim} --eta-order {eta_order} would take an estimated {estimate:.3g} s, over "
                     f"the {BUDGET_SECONDS:g} s budget; sizes that fit: {fits}")


@contextmanager
def progress_bar(total: int, enabled: bool = True, delay: float = 2.0,
                 mininterval: float = 0.1) -> Iterator[Callable[[str], None]]:
    """A tqdm bar on stderr, shown only on a terminal and once the work has taken ``delay`` seconds.

    Yields ``step(stage)``, to be called as each of ``total`` stages is done (the bar redraws at most every
    ``mininterval`` seconds).
    """
    from tqdm import tqdm

    with tqdm(total=total, file=sys.stderr, delay=delay, mininterval=mininterval, leave=False, unit="step",
              disable=not (enabled and sys.stderr.isatty())) as bar:
        def step(stage: str) -> None:
            bar.set_postfix_str(f"done: {stage}", refresh=False)
            bar.update()
        yield step


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


def _report(derived: dict, dim: int, eta_order: int, step: Callable[[str], None] | None = None) -> dict:
    import sympy as sp

    from sgdfp.derive import latex, text

    done = step or (lambda stage: None)
    update, sme = derived["update"], derived["modified_equation"]
    moments = {name: {"text": text(value), "latex": f"{lhs} = {latex(value)}"}
               for name, lhs, value in _jump_moments(derived)}
    done("printing the jump moments")
    equations = {}
    for key in _PRINTED_SERIES:
        series = derived[key]
        equations[key] = {"text": str(series), "latex": series.latex()}
        done(f"printing {key.replace('_', ' ')}")
    return {
        "dim": dim,
        "eta_order": eta_order,
        "update": {"text": "; ".join(f"{s} -> {text(s + sp.UnevaluatedExpr(inc))}"
                                    for s, inc in zip(update.state, update.increment)),
                   "latex": update.latex()},
        "jump_moments": moments,
        **equations,
        "modified_equation": {
            "text": "; ".join([f"b_{i + 1} = {text(sme.drift[i])}" for i in range(dim)]
                              + [f"a_{i + 1}{j + 1} = {text(sme.diffusion[i, j])}"
                                 for i in range(dim) for j in range(i, dim)]),
            "latex": sme.latex(),
        },
    }


_PRINTED_SERIES = ("discrete_fokker_planck", "langevin_fokker_planck", "step_difference", "flow_difference")


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
    from sgdfp.document.gather import STAGES

    check_budget(args.dim, args.eta_order)
    fmt = output_format(args)
    with progress_bar(len(STAGES) + 1 + len(_PRINTED_SERIES), enabled=fmt != "json") as step:
        derived = derivations(args.dim, args.eta_order, progress=step)
        block = align((lhs, value) for _, lhs, value in _jump_moments(derived)) if fmt == "latex" else None
        report = _report(derived, args.dim, args.eta_order, step)
    print_derive(report, fmt, block)
