"""Where a check goes once it is decided: onto the record of the test that is running, if any.

The assertions call :func:`record` with every check, passed or failed; outside a pytest run nothing is
recorded. The plugin opens a :class:`TestRecord` around each test with :func:`recording`; the records form a
stack, since ``pytester`` runs pytest inside a test. This module needs no pytest, so the assertions work
without it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["TestRecord", "record", "recording"]

_ORDER = itertools.count()  # the order of the checks in the run, for the summary
_RUNNING: list[TestRecord] = []  # records of the tests whose protocol runs, innermost last


@dataclass(eq=False)  # records compare by identity
class TestRecord:
    """The checks of one test.

    Attributes:
        test: the test's node id.
        checks: every check it made, passed or failed (the check objects).
        pending: their summary rows (plain values) not yet attached to a test report.
    """

    __test__ = False  # not a test class, whatever pytest's name pattern says

    test: str
    checks: list = field(default_factory=list)
    pending: list[dict] = field(default_factory=list)

    def add(self, check) -> None:
        """Keep ``check`` and queue its summary row (``check.record()`` with the test id and its order)."""
        self.checks.append(check)
        self.pending.append(dict(check.record(), test=self.test, order=next(_ORDER)))


def record(check) -> None:
    """Add ``check`` to the record of the innermost running test; nothing outside a test."""
    if _RUNNING:
        _RUNNING[-1].add(check)


@contextmanager
def recording(test: str) -> Iterator[TestRecord]:
    """A fresh :class:`TestRecord` for the test ``test``, on which checks are recorded until the block ends."""
    current = TestRecord(test)
    _RUNNING.append(current)
    try:
        yield current
    finally:
        if _RUNNING and _RUNNING[-1] is current:
            _RUNNING.pop()
        elif current in _RUNNING:
            _RUNNING.remove(current)
