"""Theory-vs-experiment checks as ordinary tests, with the sgdfp pytest plugin.

Run with ``pytest examples/test_theory_with_pytest.py``: the plugin (installed with sgdfp) provides the
``theory`` marker, the assertions and a summary table at the end of the run. The "experiment" here is
the discrete SGD map of one mode per entry, simulated; in a user's project it is their own SGD runs.
"""

import numpy as np
import pytest

from sgdfp.derive import Mode
from sgdfp.numerics import mode_functions, simulate_mode
from sgdfp.testing import DEFAULT_REPLICAS, assert_regime, assert_variance_matches

CURVATURE = np.array([2.0, 0.5, 1e-4, -0.05])        # stiff, soft, flat, a saddle direction
# Without curvature noise the fluctuations are Gaussian and the chi-squared tests are exact; with it,
# pass excess_kurtosis="estimate" to assert_variance_matches (heavy tails widen the spread of s^2).
GRAD_NOISE, CURVATURE_NOISE, LR = 0.3, 0.0, 0.2
STEPS = [50, 100, 200, 400]


@pytest.fixture(scope="module")
def simulation():
    return simulate_mode(CURVATURE, GRAD_NOISE, LR, STEPS, curvature_noise=CURVATURE_NOISE,
                         chains=DEFAULT_REPLICAS, seed=1, keep_samples=True)


@pytest.mark.theory
def test_variances_follow_the_discrete_theory(simulation):
    predicted = mode_functions("numpy").variance(CURVATURE, GRAD_NOISE, LR, STEPS[-1],
                                                 curvature_noise=CURVATURE_NOISE)
    assert_variance_matches(simulation.samples[STEPS[-1]], predicted, label="4 modes at step 400")


@pytest.mark.theory
def test_each_mode_is_in_its_predicted_regime(simulation):
    regimes = [Mode(lam, GRAD_NOISE, LR, curvature_noise=CURVATURE_NOISE).regime(horizon=STEPS[-1])
               for lam in CURVATURE]
    assert regimes == ["confined", "confined", "diffusive", "escaping"]
    samples = np.stack([simulation.samples[k] for k in STEPS])  # (steps, replicas, modes)
    assert_regime(STEPS, samples, regimes, label="regimes over 400 steps")
