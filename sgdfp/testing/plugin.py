r"""The ``sgdfp`` pytest plugin: the ``theory`` marker, the ``theory_check`` fixture and the end-of-run summary.

Installed as the ``pytest11`` entry point ``sgdfp`` (``sgdfp = "sgdfp.testing.plugin"``), so it is active in
any pytest run where sgdfp is installed. The ``theory`` marker (registered here) labels theory-vs-experiment
tests (``pytest -m theory`` runs them); tests that use the ``theory_check`` fixture get it automatically.

Checks record themselves on the running test (:mod:`sgdfp.testing.recording`); when the test's report is
made, their rows are attached to it as plain values (so results survive ``pytest-xdist``), and
``pytest_terminal_summary`` prints them: test id and label, modes, replicas, worst
:math:`|\log(s^2/\sigma^2)|` (or, for a regime check, how far an exponent lies outside its band), pooled
ratio, failing modes, and whether the check agrees. A check that disagrees inside a test that passed was
expected by it (e.g. under ``pytest.raises``) and is shown as such.

Loading the plugin into every pytest run costs little: it imports numpy only; scipy loads on the first
check and SymPy on the first regime check.
"""

from __future__ import annotations

import pytest

from sgdfp.testing.recording import TestRecord, recording
from sgdfp.testing.theory_check import TheoryCheck

__all__ = ["pytest_configure", "pytest_collection_modifyitems", "pytest_runtest_protocol",
           "pytest_runtest_makereport", "pytest_terminal_summary", "theory_check"]

_RECORD = pytest.StashKey[TestRecord]()  # the checks of the item
_MARKER = "theory: a theory-vs-experiment check (sgdfp.testing); its checks are listed in the end-of-run summary"
_NAME_WIDTH = 70  # longest test id shown in full in the summary


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", _MARKER)


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if "theory_check" in getattr(item, "fixturenames", ()) and item.get_closest_marker("theory") is None:
            item.add_marker("theory")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    with recording(item.nodeid) as test_record:
        item.stash[_RECORD] = test_record
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    test_record = item.stash.get(_RECORD, None)
    if test_record is not None and test_record.pending:
        report = outcome.get_result()
        # plain values (xdist-safe); a disagreement inside a test that passed was expected by it
        report.sgdfp_theory = [dict(entry, test_passed=report.passed) for entry in test_record.pending]
        test_record.pending.clear()


@pytest.fixture()
def theory_check(request) -> TheoryCheck:
    """Theory-vs-experiment checks for this test (:class:`~sgdfp.testing.TheoryCheck`); marks the test ``theory``."""
    test_record = request.node.stash.get(_RECORD, None)
    return TheoryCheck(test_record if test_record is not None else TestRecord(request.node.nodeid))


def _summary_row(entry: dict) -> tuple:
    name = entry["test"] + (f" [{entry['label']}]" if entry.get("label") else "")
    worst = entry.get("worst")
    if worst is None:
        worst_text = "-"
    elif entry["kind"] == "variance":
        worst_text = f"|log r| {worst:.3f}"
    else:
        worst_text = f"miss {worst:.3f}"
    pooled = "-" if entry.get("pooled") is None else f"{entry['pooled']:.4f}"
    return (name, entry["kind"], str(entry["modes"]), str(entry["replicas"]), worst_text, pooled,
            f"{entry['failing']}/{entry['modes']}", _verdict(entry))


def _verdict(entry: dict) -> str:
    if entry["passed"]:
        return "agrees"
    return "disagrees (expected by the test)" if entry.get("test_passed") else "DISAGREES"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    entries = [entry for reports in terminalreporter.stats.values() for report in reports
               for entry in (getattr(report, "sgdfp_theory", None) or ())]
    if not entries:
        return
    entries.sort(key=lambda entry: (entry["test"], entry["order"]))
    header = ("check", "kind", "modes", "replicas", "worst", "pooled ratio", "failing", "result")
    rows = [_summary_row(entry) for entry in entries]
    name_width = min(max(len(row[0]) for row in rows + [header]), _NAME_WIDTH)
    widths = [name_width] + [max(len(row[i]) for row in rows + [header]) for i in range(1, len(header))]

    def line(row):
        name = row[0] if len(row[0]) <= name_width else "..." + row[0][-(name_width - 3):]
        return "  ".join([name.ljust(name_width)] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])])

    terminalreporter.write_sep("=", "sgdfp: theory vs experiment")
    terminalreporter.write_line(line(header))
    for row in rows:
        terminalreporter.write_line(line(row))
    agree = sum(entry["passed"] for entry in entries)
    expected = sum(not entry["passed"] and bool(entry.get("test_passed")) for entry in entries)
    terminalreporter.write_line(f"{len(entries)} check{'s' if len(entries) != 1 else ''}: {agree} agree, "
                                f"{len(entries) - agree} disagree"
                                + (f" ({expected} as their tests expected)" if expected else "")
                                + " (worst: largest |log measured/predicted| of a variance check, or how far a "
                                  "growth exponent lies outside its regime's band)")
