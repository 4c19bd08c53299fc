"""The command line's parser: argparse that reports a mistake in one line, and the value types of its flags.

A user mistake (an unknown flag, a missing one, a value out of range) raises :class:`UsageError`, which
:func:`sgdfp.cli.main` prints as one line on stderr with exit status 2: no usage dump, no traceback.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

__all__ = ["UsageError", "ArgumentParser", "bounded_int", "finite_float", "positive_float", "momentum_value",
           "weight_decay_value", "parameter_value", "output_format"]


class UsageError(Exception):
    """A user mistake: reported as one line, exit status 2."""


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose errors are one :class:`UsageError` line; it never guesses abbreviations."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)  # a typo is an error, not a guess
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]  # one line, no usage dump
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """A flag type: an integer from ``low`` to ``high``."""
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer from {low} to {high}; got {value!r}") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected an integer from {low} to {high}; got {number}")
        return number
    return parse


def finite_float(value: str) -> float:
    """A flag type: a finite number."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number; got {value!r}") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"expected a finite number; got {value!r}")
    return number


def positive_float(value: str) -> float:
    """A flag type: a finite positive number."""
    number = finite_float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number; got {value!r}")
    return number


def momentum_value(value: str) -> float:
    """A flag type: the momentum, a number in [0, 1)."""
    number = finite_float(value)
    if not 0 <= number < 1:
        raise argparse.ArgumentTypeError(f"the momentum must satisfy 0 <= momentum < 1; got {value!r}")
    return number


def weight_decay_value(value: str) -> float:
    """A flag type: the weight decay, a number >= 0."""
    number = finite_float(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"the weight decay must satisfy weight_decay >= 0; got {value!r}")
    return number


def parameter_value(parameter: Any) -> Callable[[str], float]:
    """A flag type for a mode parameter (:class:`sgdfp.derive.Parameter`): a finite number in its range."""
    def parse(value: str) -> float:
        number = finite_float(value)
        try:
            return parameter.check(number)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = parameter.keyword  # argparse names the type in some messages
    return parse


def output_format(args: argparse.Namespace) -> str:
    """``"json"``, ``"latex"`` or ``"text"``, from a command's ``--json`` and ``--latex`` flags."""
    return "json" if getattr(args, "json", False) else "latex" if getattr(args, "latex", False) else "text"
