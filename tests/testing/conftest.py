"""Shared pieces of the sgdfp.testing tests: Monte Carlo margins for false-failure rates and powers."""

import math
from types import SimpleNamespace

import pytest


def _at_most(rate, nominal, trials):
    """``rate`` is not significantly above ``nominal`` (one-sided 99 %: 2.33 standard errors of the nominal rate)."""
    return rate <= nominal + 2.33 * math.sqrt(nominal * (1 - nominal) / trials)


def _at_least(rate, nominal, trials):
    """``rate`` is significantly at or above ``nominal``: its one-sided 99 % lower bound clears it."""
    return rate - 2.33 * math.sqrt(max(rate * (1 - rate), 1e-12) / trials) >= nominal


@pytest.fixture(scope="session")
def margins():
    """``margins.at_most(rate, nominal, trials)`` and ``margins.at_least(rate, nominal, trials)``."""
    return SimpleNamespace(at_most=_at_most, at_least=_at_least)
