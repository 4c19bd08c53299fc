"""The object behind the ``theory_check`` fixture: the assertions, bound to the running test, and its checks."""

from __future__ import annotations

from sgdfp.errors import check_instance
from sgdfp.testing.recording import TestRecord
from sgdfp.testing.regime import RegimeCheck, assert_regime
from sgdfp.testing.variance import VarianceCheck, assert_variance_matches

__all__ = ["TheoryCheck"]


class TheoryCheck:
    """The ``theory_check`` fixture: the helpers, bound to the running test, and the checks it has recorded.

    Example::

        def test_flat_mode(theory_check):
            theory_check.variance(samples, predicted)
            theory_check.regime(steps, trajectory_samples, "diffusive")
            assert len(theory_check.checks) == 2
    """

    def __init__(self, test_record: TestRecord):
        self._record = check_instance("test_record", test_record, TestRecord,
                                      "a sgdfp.testing.recording.TestRecord (the plugin makes one for each test)")

    def variance(self, samples_or_moments, predicted, **options) -> VarianceCheck:
        """:func:`~sgdfp.testing.assert_variance_matches`."""
        return assert_variance_matches(samples_or_moments, predicted, **options)

    def regime(self, steps, samples_or_variances, regime, **options) -> RegimeCheck:
        """:func:`~sgdfp.testing.assert_regime`."""
        return assert_regime(steps, samples_or_variances, regime, **options)

    @property
    def checks(self) -> list:
        """The checks recorded in this test so far (passed or failed)."""
        return list(self._record.checks)
