"""Command line: ``sgdfp derive``, ``mode``, ``validate``, ``latex`` and ``report``.

:func:`build_parser` assembles the commands of :mod:`sgdfp.cli.commands` (one module each, with its flags
and its ``run``); :func:`main` runs one. User mistakes (bad flags, values out of range) end with one line on
stderr and exit status 2 (:mod:`sgdfp.cli.parser`). Heavy imports (SymPy, torch) happen inside the
commands, so ``sgdfp --help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sgdfp.cli.commands import COMMANDS
from sgdfp.cli.commands.derive import MAX_DIM, MAX_ETA_ORDER, SECTION_TITLES, derive_report
from sgdfp.cli.commands.mode import mode_report
from sgdfp.cli.parser import ArgumentParser, UsageError
from sgdfp.errors import InputError

__all__ = ["main", "build_parser", "mode_report", "derive_report", "UsageError", "MAX_DIM", "MAX_ETA_ORDER",
           "SECTION_TITLES"]


def build_parser() -> argparse.ArgumentParser:
    """The ``sgdfp`` parser with every command; ``args.run(args)`` runs the one chosen."""
    parser = ArgumentParser(prog="sgdfp", description="Dynamics of SGD at finite learning rate.",
                            epilog="--debug (anywhere): show the traceback of an internal error.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sgdfp`` console script; returns the exit status.

    0 on success (a run whose replicas diverged is a result, not an error); 2 for a user mistake (one line
    on stderr: a bad flag, an :class:`~sgdfp.errors.InputError`); 1 for an operating-system error such as a
    full disk, and for a bug in sgdfp (one line; ``--debug`` anywhere on the command line shows the
    traceback); 130 when interrupted (Ctrl-C or SIGTERM).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    try:
        args = build_parser().parse_args(argv)
        args.run(args)
        return 0
    except BrokenPipeError:  # the reader went away (`sgdfp mode ... | head`): not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 0
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"sgdfp: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sgdfp: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # e.g. a full disk
        if debug:
            raise
        print(f"sgdfp: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: say so in one line, the traceback on request
        if debug:
            raise
        print(f"sgdfp: internal error: {type(exc).__name__}: {exc} (this is a bug in sgdfp; run again with "
              f"--debug for the traceback)", file=sys.stderr)
        return 1
