"""The one exception type for a user's mistake, so that the command line can tell it from a bug.

:class:`InputError` (a ``ValueError``) says what was wrong with the input and what is allowed; the command
line prints it as one line and exits with status 2. Anything else that escapes a command is a bug in
sgdfp: one line, exit status 1, and the traceback with ``--debug``. Library code that checks its
caller's input raises ``ValueError``/``TypeError`` as before; the command line converts those at its
boundaries (:func:`user_input`).

The ``check_*`` helpers are the argument checks that entry points share: each returns the value (converted
where said) or raises a one-line ``TypeError`` (the wrong kind of thing: text where a flag, a number or an
object is expected) or ``ValueError`` (out of range) that names the argument and says what to pass. They
cost an ``isinstance``: cheap enough for the top of any public function.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

__all__ = ["InputError", "user_input", "check_bool", "check_integer", "check_real", "check_instance"]

T = TypeVar("T")


class InputError(ValueError):
    """A user mistake: bad input, a missing or unreadable file, an output that may not be replaced."""


@contextmanager
def user_input() -> Iterator[None]:
    """Within the block, a ``ValueError`` or ``TypeError`` is the caller's input being refused: an :class:`InputError`."""
    try:
        yield
    except InputError:
        raise
    except (ValueError, TypeError) as exc:
        raise InputError(str(exc)) from exc


def _shown(value: object, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters for a message."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def check_bool(name: str, value: object) -> bool:
    """``value`` if it is ``True`` or ``False`` (a numpy bool too), as a ``bool``.

    Raises:
        TypeError: anything else -- text above all, which would otherwise count as true.
    """
    if isinstance(value, bool) or type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_"):
        return bool(value)
    raise TypeError(f"{name} must be True or False; got {_shown(value)}")


def check_integer(name: str, value: object, minimum: int | None = None) -> int:
    """``value`` (a Python, numpy or other integral number, not a bool) as an ``int``, at least ``minimum``.

    Raises:
        TypeError: text, a bool, a float or anything else that is not an integer.
        ValueError: an integer below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {_shown(value)}")
    number = int(value)
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {number}")
    return number


def check_real(name: str, value: object, minimum: float | None = None) -> float:
    """``value`` (a finite real number, not a bool) as a ``float``, at least ``minimum``.

    Raises:
        TypeError: text, a bool or anything else that is not a real number.
        ValueError: NaN, an infinity, or a number below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__} {_shown(value)}")
    number = float(value)
    if not math.isfinite(number) or minimum is not None and number < minimum:
        bound = f" >= {minimum:g}" if minimum is not None else ""
        raise ValueError(f"{name} must be a finite number{bound}; got {number!r}")
    return number


def check_instance(name: str, value: object, cls: type[T] | tuple[type[T], ...], what: str) -> T:
    """``value`` if it is an instance of ``cls``; ``what`` names the allowed kind (``"a torch.Tensor"``).

    Raises:
        TypeError: ``{name} must be {what}; got {type}``.
    """
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be {what}; got {type(value).__name__}")
    return value
