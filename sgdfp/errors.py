"""The one exception type for a user's mistake, so that the command line can tell it from a bug.

:class:`InputError` (a ``ValueError``) says what was wrong with the input and what is allowed; the command
line prints it as one line and exits with status 2. Anything else that escapes a command is a bug in
sgdfp: one line, exit status 1, and the traceback with ``--debug``. Library code that checks its
caller's input raises ``ValueError``/``TypeError`` as before; the command line converts those at its
boundaries (:func:`user_input`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["InputError", "user_input"]


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
