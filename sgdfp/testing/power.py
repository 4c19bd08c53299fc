r"""What a variance check can detect: :func:`detection_power`, :func:`required_replicas`, and the calibration of
the defaults of :func:`~sgdfp.testing.assert_variance_matches`.

**Calibration**, at the defaults :math:`\alpha = 0.01` and :data:`DEFAULT_REPLICAS` = 1200 replicas, measured
by ``benchmarks/bench_testing.py`` (99 % Clopper--Pearson intervals) and checked with fewer trials by
``tests/testing/test_variance.py``:

- false failures on data where the theory is exact: 1.03 % [0.97, 1.09] for one mode (200 000 trials of
  :math:`\chi^2_{1199}` draws; the single test is exact, its rate is :math:`\alpha`), 0.91 %, 0.97 % and
  0.94 % for 2, 8 and 48 independent modes (200 000, 200 000, 50 000 trials), and 0.95 % [0.48, 1.66] on
  2 000 runs of :func:`sgdfp.numerics.simulate_mode` (4 modes, samples) against
  :func:`sgdfp.numerics.mode_functions`; for independent Gaussian modes it cannot exceed :math:`\alpha`;
- a prediction 20 % off on every mode is caught with probability 97.0 % [96.8, 97.2] (predicted = 1.2 x
  truth) and 99.77 % (0.8 x truth) with one mode, the hardest case (50 000 trials each; exact: 96.9 % and
  99.8 %), and :math:`\ge` 99.97 % from 2 modes on. 1200 is the round number above
  :func:`required_replicas` (0.2) = 1089, the fewest replicas giving one mode 95 % power at 20 % error.

The scenario is independent Gaussian fluctuations (the linear map without curvature noise), every mode
off by the same factor. One mode off among many is caught only by the per-mode family at level
:math:`\alpha/(2m)`; :func:`detection_power` and :func:`required_replicas` give other scenarios.
"""

from __future__ import annotations

import math

import numpy as np

from sgdfp.testing.inputs import DEFAULT_ALPHA, check_alpha, check_replicas
from sgdfp.testing.variance import POOLED_SHARE

__all__ = ["detection_power", "required_replicas", "DEFAULT_REPLICAS"]

DEFAULT_REPLICAS = 1200
"""Replicas at which a prediction 20 % off on every mode fails with probability >= 0.95, for any number of modes."""


def detection_power(error: float, replicas: int = DEFAULT_REPLICAS, modes: int = 1,
                    alpha: float = DEFAULT_ALPHA) -> float:
    r"""Probability that :func:`~sgdfp.testing.assert_variance_matches` fails a prediction that is ``1 + error``
    times the true variance on every one of ``modes`` independent Gaussian modes.

    Exact for the single test of one mode; for several modes it is the power of the pooled test alone, a
    lower bound for the whole check: with :math:`\nu = m(R - 1)` and :math:`c_\mp` the :math:`\chi^2_\nu`
    quantiles at the pooled level's two tails, :math:`P(\chi^2_\nu < (1 + e)c_-) + P(\chi^2_\nu > (1 + e)c_+)`.

    Args:
        error: relative error of the prediction, > -1 (0.2: 20 % too large; -0.2: 20 % too small).
        replicas, modes, alpha: the check's replica count, number of modes and level.

    Returns:
        The probability, in [0, 1].

    Raises:
        ValueError: an error <= -1 or not finite, fewer than 2 replicas, a bad number of modes or ``alpha``.
    """
    from scipy import stats

    if not -1 < error or not math.isfinite(error):
        raise ValueError(f"error must be a finite number > -1 (a relative error of the prediction); got {error!r}")
    replicas = int(check_replicas(replicas))
    if not isinstance(modes, (int, np.integer)) or modes < 1:
        raise ValueError(f"modes must be a positive integer; got {modes!r}")
    alpha = check_alpha(alpha)
    level = alpha if modes == 1 else alpha * POOLED_SHARE
    dof = modes * (replicas - 1)
    lower, upper = stats.chi2.ppf(level / 2, dof), stats.chi2.isf(level / 2, dof)
    factor = 1.0 + error  # the statistic is chi2_dof / factor
    return float(stats.chi2.cdf(lower * factor, dof) + stats.chi2.sf(upper * factor, dof))


def required_replicas(error: float = 0.2, modes: int = 1, power: float = 0.95, alpha: float = DEFAULT_ALPHA) -> int:
    """Fewest replicas with which a prediction off by ``±error`` on every mode fails with probability ``>= power``
    (both signs; :func:`detection_power`).

    Raises:
        ValueError: ``error`` or ``power`` outside (0, 1), or no replica count up to :math:`2^{40}` is enough.
    """
    if not 0 < error < 1:
        raise ValueError(f"error must be between 0 and 1 (a relative error); got {error!r}")
    if not 0 < power < 1:
        raise ValueError(f"power must be between 0 and 1; got {power!r}")

    def enough(r):
        return min(detection_power(error, r, modes, alpha), detection_power(-error, r, modes, alpha)) >= power

    high = 2  # double until enough, then bisect: the power grows with the replicas
    while not enough(high):
        high *= 2
        if high > 2**40:
            raise ValueError(f"no replica count reaches power {power} for an error of {error}")
    low = max(2, high // 2)
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if enough(middle) else (middle + 1, high)
    return high
