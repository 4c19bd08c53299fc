"""``sgdfp report``: an HTML (and PDF) report of ``sgdfp validate`` runs, by :func:`sgdfp.report.write_report`."""

from __future__ import annotations

import argparse

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``sgdfp report`` and its flags."""
    parser = commands.add_parser(
        "report", help="an HTML (and PDF) report of one or more 'sgdfp validate' runs",
        description="Turn 'sgdfp validate' output directories into one report: figures, summary table, "
                    "per-regime breakdown, configuration and the theory behind the predictions. "
                    "Several runs appear side by side.")
    parser.add_argument("runs", nargs="+", metavar="DIR", help="'sgdfp validate' output directories")
    parser.add_argument("--out", metavar="DIR",
                        help="report directory (default: DIR/report for a single run; required for several)")
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF even when TeX is installed")
    parser.add_argument("--force", action="store_true", help="replace an existing report directory")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> None:
    from sgdfp.report import write_report

    written = write_report(args.runs, args.out, pdf=not args.no_pdf, force=args.force)
    print(f"wrote {written.html}")
    if written.pdf is not None:
        print(f"compiled {written.pdf}")
    elif written.pdf_note:
        print(f"no PDF: {written.pdf_note}")
