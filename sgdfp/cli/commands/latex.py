"""``sgdfp latex``: write the LaTeX document of every derivation, one snippet per equation, optionally the PDF."""

from __future__ import annotations

import argparse

from sgdfp.cli.commands.derive import MAX_DIM, MAX_ETA_ORDER, check_budget
from sgdfp.cli.parser import bounded_int

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``sgdfp latex`` and its flags."""
    parser = commands.add_parser(
        "latex", help="a LaTeX document of every derivation, each equation also as its own snippet",
        description="Write a self-contained LaTeX document whose equations are all derived at run time "
                    "(master equation, Kramers-Moyal expansion, discrete Fokker-Planck and Langevin forms, "
                    "modified equation, mode theory), plus one .tex snippet per equation.")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (must not exist)")
    parser.add_argument("--pdf", action="store_true", help="also compile the PDF (needs a TeX engine)")
    parser.add_argument("--eta-order", type=bounded_int(1, MAX_ETA_ORDER), default=2,
                        help=f"truncation order K in eta (1..{MAX_ETA_ORDER}; default 2)")
    parser.add_argument("--dim", type=bounded_int(1, MAX_DIM), default=2,
                        help=f"number of parameters D (1..{MAX_DIM}; default 2)")
    parser.add_argument("--force", action="store_true", help="replace an existing output directory")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> None:
    from sgdfp.document import write_document

    check_budget(args.dim, args.eta_order, "sgdfp latex")  # the same derivations as sgdfp derive: refused up front
    written = write_document(args.out, dim=args.dim, eta_order=args.eta_order, pdf=args.pdf, force=args.force)
    print(f"wrote {written.tex} ({written.equations} numbered equations, {len(written.snippets)} snippets in "
          f"{written.snippets_dir})")
    if written.pdf is not None:
        print(f"compiled {written.pdf}")
