"""The mode theory as one catalogue: parameters, dynamics strategies, the regime rule, equations, :class:`Mode`.

- :mod:`~sgdfp.derive.mode.parameters` -- the table of the six parameters (keyword, symbol, flag, LaTeX, range);
- :mod:`~sgdfp.derive.mode.update` -- the mode map and its exact moment recursion;
- :mod:`~sgdfp.derive.mode.dynamics` -- SGD, Langevin, SME-2 as strategy objects;
- :mod:`~sgdfp.derive.mode.momentum` -- heavy-ball and Nesterov momentum with weight decay on the state
  :math:`(y, v)`: :class:`Momentum`, :func:`momentum_update`, :func:`momentum_matrix`,
  :func:`stability_conditions`, :func:`flat_diffusion` (exported here and from :mod:`sgdfp.derive`; the
  reduced symbols stay in the submodule);
- :mod:`~sgdfp.derive.mode.momentum_mode` -- :class:`MomentumMode` (exported), :class:`Mode`'s questions
  answered under momentum;
- :mod:`~sgdfp.derive.mode.regime` -- the regime rule, once;
- :mod:`~sgdfp.derive.mode.mode` -- :class:`Mode`;
- :mod:`~sgdfp.derive.mode.density` -- the truncated equation's stationary density;
- :mod:`~sgdfp.derive.mode.exact_law` -- the exact map's law: Lyapunov exponent, almost-sure threshold, Kesten's
  tail index, from a law of the curvature (:class:`CurvatureLaw`: Gaussian, discrete, a density; the exact
  minibatch law :func:`minibatch_curvature_law`);
- :mod:`~sgdfp.derive.mode.sample_cumulants` -- joint cumulants of the minibatch :math:`(h_B, g_B)` from per-sample data;
- :mod:`~sgdfp.derive.mode.equations` -- every formula as an :class:`Equation`;
- :mod:`~sgdfp.derive.mode.pair` -- two modes coupled by gradient noise.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sgdfp.derive.mode.density import StationaryDensity
    from sgdfp.derive.mode.dynamics import (
        DYNAMICS,
        LANGEVIN,
        SGD,
        SME2,
        DiscreteSGD,
        Dynamics,
        ModifiedEquationDynamics,
        get_dynamics,
    )
    from sgdfp.derive.mode.equations import GROUPS, Equation, EquationGroup, mode_equations
    from sgdfp.derive.mode.exact_law import (
        CurvatureLaw,
        DensityCurvature,
        DiscreteCurvature,
        GaussianCurvature,
        MapResult,
        almost_sure_threshold,
        lyapunov_exponent,
        minibatch_curvature_law,
        tail_index,
    )
    from sgdfp.derive.mode.mode import DiffusionCoefficient, Mode
    from sgdfp.derive.mode.momentum import (
        Momentum,
        flat_diffusion,
        momentum_matrix,
        momentum_update,
        stability_conditions,
    )
    from sgdfp.derive.mode.momentum_mode import MomentumMode
    from sgdfp.derive.mode.pair import pair_recursion
    from sgdfp.derive.mode.parameters import MODE_PARAMETERS, PARAMETERS, Parameter
    from sgdfp.derive.mode.regime import REGIMES, diffusive_band, regime_conditions, regime_rule
    from sgdfp.derive.mode.sample_cumulants import minibatch_mode_cumulants, sample_cumulants
    from sgdfp.derive.mode.update import MomentRecursion, mode_update

_EXPORTS = {
    "DYNAMICS": "sgdfp.derive.mode.dynamics",
    "LANGEVIN": "sgdfp.derive.mode.dynamics",
    "SGD": "sgdfp.derive.mode.dynamics",
    "SME2": "sgdfp.derive.mode.dynamics",
    "DiscreteSGD": "sgdfp.derive.mode.dynamics",
    "Dynamics": "sgdfp.derive.mode.dynamics",
    "ModifiedEquationDynamics": "sgdfp.derive.mode.dynamics",
    "get_dynamics": "sgdfp.derive.mode.dynamics",
    "GROUPS": "sgdfp.derive.mode.equations",
    "Equation": "sgdfp.derive.mode.equations",
    "EquationGroup": "sgdfp.derive.mode.equations",
    "mode_equations": "sgdfp.derive.mode.equations",
    "CurvatureLaw": "sgdfp.derive.mode.exact_law",
    "GaussianCurvature": "sgdfp.derive.mode.exact_law",
    "DiscreteCurvature": "sgdfp.derive.mode.exact_law",
    "DensityCurvature": "sgdfp.derive.mode.exact_law",
    "MapResult": "sgdfp.derive.mode.exact_law",
    "minibatch_curvature_law": "sgdfp.derive.mode.exact_law",
    "lyapunov_exponent": "sgdfp.derive.mode.exact_law",
    "almost_sure_threshold": "sgdfp.derive.mode.exact_law",
    "tail_index": "sgdfp.derive.mode.exact_law",
    "sample_cumulants": "sgdfp.derive.mode.sample_cumulants",
    "minibatch_mode_cumulants": "sgdfp.derive.mode.sample_cumulants",
    "DiffusionCoefficient": "sgdfp.derive.mode.mode",
    "Mode": "sgdfp.derive.mode.mode",
    "Momentum": "sgdfp.derive.mode.momentum",
    "flat_diffusion": "sgdfp.derive.mode.momentum",
    "momentum_matrix": "sgdfp.derive.mode.momentum",
    "momentum_update": "sgdfp.derive.mode.momentum",
    "stability_conditions": "sgdfp.derive.mode.momentum",
    "MomentumMode": "sgdfp.derive.mode.momentum_mode",
    "StationaryDensity": "sgdfp.derive.mode.density",
    "MODE_PARAMETERS": "sgdfp.derive.mode.parameters",
    "PARAMETERS": "sgdfp.derive.mode.parameters",
    "Parameter": "sgdfp.derive.mode.parameters",
    "REGIMES": "sgdfp.derive.mode.regime",
    "diffusive_band": "sgdfp.derive.mode.regime",
    "regime_conditions": "sgdfp.derive.mode.regime",
    "regime_rule": "sgdfp.derive.mode.regime",
    "MomentRecursion": "sgdfp.derive.mode.update",
    "mode_update": "sgdfp.derive.mode.update",
    "pair_recursion": "sgdfp.derive.mode.pair",
}
__all__ = [
    "DYNAMICS",
    "LANGEVIN",
    "SGD",
    "SME2",
    "DiscreteSGD",
    "Dynamics",
    "ModifiedEquationDynamics",
    "get_dynamics",
    "GROUPS",
    "Equation",
    "EquationGroup",
    "mode_equations",
    "CurvatureLaw",
    "GaussianCurvature",
    "DiscreteCurvature",
    "DensityCurvature",
    "MapResult",
    "minibatch_curvature_law",
    "lyapunov_exponent",
    "almost_sure_threshold",
    "tail_index",
    "sample_cumulants",
    "minibatch_mode_cumulants",
    "DiffusionCoefficient",
    "Mode",
    "Momentum",
    "flat_diffusion",
    "momentum_matrix",
    "momentum_update",
    "stability_conditions",
    "MomentumMode",
    "StationaryDensity",
    "MODE_PARAMETERS",
    "PARAMETERS",
    "Parameter",
    "REGIMES",
    "diffusive_band",
    "regime_conditions",
    "regime_rule",
    "MomentRecursion",
    "mode_update",
    "pair_recursion",
]


def __getattr__(name: str):
    """The public names, imported on first use (``sgdfp --help`` loads no SymPy)."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sgdfp.derive.mode' has no attribute {name!r}")


def __dir__():
    return __all__
