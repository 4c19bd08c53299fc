"""Statistics with numpy and scipy only: intervals, noise floors, multiple testing, growth exponents.

This package imports neither torch nor SymPy (the import-linter contract keeps it standing alone), so
the pytest plugin and the report use it without them (the plugin imports it, and so scipy, on its first check).

- :mod:`~sgdfp.stats.intervals` -- exact chi-square intervals and tests of a variance, the sampling-noise floor;
- :mod:`~sgdfp.stats.correlation` -- the effective number of independent modes among correlated ones;
- :mod:`~sgdfp.stats.multiple_testing` -- two-sided p-values, Holm's step-down adjustment;
- :mod:`~sgdfp.stats.variance_ratio` -- tests of a ratio of two variances (Pitman--Morgan, F) and its interval;
- :mod:`~sgdfp.stats.growth` -- growth exponents of variances and power-law fits with intervals.
"""

from sgdfp.stats.correlation import effective_modes
from sgdfp.stats.growth import PowerLaw, growth_exponents, power_law_fit
from sgdfp.stats.intervals import chi2_dof, chi2_interval, chi2_p_values, noise_floor
from sgdfp.stats.multiple_testing import holm, two_sided
from sgdfp.stats.variance_ratio import ratio_interval, ratio_p_values

__all__ = ["chi2_interval", "chi2_p_values", "chi2_dof", "noise_floor", "effective_modes", "holm", "two_sided",
           "ratio_p_values", "ratio_interval", "growth_exponents", "power_law_fit", "PowerLaw"]
