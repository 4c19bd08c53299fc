r"""Theory-vs-experiment checks as ordinary pytest tests, and the ``sgdfp`` pytest plugin.

The plugin (:mod:`sgdfp.testing.plugin`) is installed as the ``pytest11`` entry point ``sgdfp``, so that in
any project with sgdfp installed::

    import pytest
    from sgdfp.testing import assert_regime, assert_variance_matches

    @pytest.mark.theory
    def test_sgd_fluctuations_match_the_mode_theory():
        samples = ...                      # (replicas, *modes): one row per independent SGD replica
        predicted = ...                    # the theory's variance of every mode, same mode shape
        assert_variance_matches(samples, predicted)

Every check is recorded, passed or failed, and the end of the run prints a table of them
("sgdfp: theory vs experiment"). The pieces, one module each:

- :mod:`~sgdfp.testing.variance` -- :func:`assert_variance_matches`: measured per-mode variances against
  predicted ones (exact :math:`\chi^2` tests per mode under Holm, and a pooled test);
- :mod:`~sgdfp.testing.power` -- :func:`detection_power`, :func:`required_replicas`: what a variance check can
  see, and the calibration of the defaults :data:`DEFAULT_ALPHA`, :data:`DEFAULT_REPLICAS`, :data:`POOLED_SHARE`;
- :mod:`~sgdfp.testing.regime` -- :func:`assert_regime`: the measured growth of the variance against a
  predicted regime (``"confined"``, ``"diffusive"``, ``"unstable"``, ``"escaping"``: :data:`sgdfp.derive.REGIMES`),
  and :func:`growth_bands`, the exponents the regime rule allows over a window;
- :mod:`~sgdfp.testing.plugin` -- the ``theory`` marker, the ``theory_check`` fixture (:class:`TheoryCheck`:
  the two helpers, bound to the test, and the checks it recorded) and the terminal summary;
- :mod:`~sgdfp.testing.inputs`, :mod:`~sgdfp.testing.recording` -- argument checks and message pieces shared
  by the checks, and the record of the running test's checks.

The statistics themselves are :mod:`sgdfp.stats`. ``import sgdfp.testing`` loads numpy only: scipy loads on
the first check and SymPy (:mod:`sgdfp.derive`, for the regime rule) on the first regime check.
"""

from sgdfp.testing.inputs import DEFAULT_ALPHA
from sgdfp.testing.power import DEFAULT_REPLICAS, detection_power, required_replicas
from sgdfp.testing.regime import RegimeCheck, assert_regime, growth_bands
from sgdfp.testing.theory_check import TheoryCheck
from sgdfp.testing.variance import POOLED_SHARE, VarianceCheck, assert_variance_matches

__all__ = ["assert_variance_matches", "assert_regime", "VarianceCheck", "RegimeCheck", "TheoryCheck",
           "detection_power", "required_replicas", "growth_bands", "DEFAULT_ALPHA", "DEFAULT_REPLICAS",
           "POOLED_SHARE"]
