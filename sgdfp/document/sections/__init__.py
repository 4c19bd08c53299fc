"""The document's sections, in order: each a function ``write(builder, derived)`` that adds prose and displays.

- :mod:`~sgdfp.document.sections.engine` -- the update and its noise, master equation and Kramers--Moyal
  expansion, discrete Fokker--Planck equation, the Langevin form and the differences, the modified equation;
- :mod:`~sgdfp.document.sections.quadratic` -- the random quadratic near a critical point and the mode map;
- :mod:`~sgdfp.document.sections.mode` -- the mode theory, printed from the catalogue: moment recursions,
  closed forms, regimes and thresholds, diffusion of a flat mode, stationary density;
- :mod:`~sgdfp.document.sections.tails` -- the exact map's law beside the truncated density: the moment
  recursion with higher cumulants, the Lyapunov condition, Kesten's tail index;
- :mod:`~sgdfp.document.sections.momentum` -- heavy-ball and Nesterov momentum with weight decay;
- :mod:`~sgdfp.document.sections.frame` -- the moving frame: the covariance along the mean path.
"""

from __future__ import annotations

from sgdfp.document.sections import engine, frame, mode, momentum, quadratic, tails

__all__ = ["SECTIONS"]

#: The section writers in the order the document prints them.
SECTIONS = (engine.write_update, engine.write_master, engine.write_discrete_fokker_planck, engine.write_langevin,
            engine.write_modified, quadratic.write_quadratic, mode.write_moments, mode.write_closed_forms,
            mode.write_regimes, mode.write_diffusion, mode.write_density, tails.write_tails, momentum.write_momentum,
            frame.write_frame)
