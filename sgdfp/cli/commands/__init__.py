"""The commands of ``sgdfp``, one module each: its flags (``add_parser``) and what it does (``run``).

- :mod:`~sgdfp.cli.commands.derive` -- jump moments, discrete Fokker--Planck and Langevin equations;
- :mod:`~sgdfp.cli.commands.mode` -- one mode: regime, variances, SGD beside Langevin;
- :mod:`~sgdfp.cli.commands.validate` -- real SGD on real models against the theory;
- :mod:`~sgdfp.cli.commands.sweep` -- a grid of validation runs on Dask, with one combined summary;
- :mod:`~sgdfp.cli.commands.latex` -- the LaTeX document of every derivation;
- :mod:`~sgdfp.cli.commands.report` -- the HTML/PDF report of validation runs.

Each module imports its heavy dependencies (SymPy, torch) inside ``run``, so ``sgdfp --help`` loads neither.
"""

from __future__ import annotations

from sgdfp.cli.commands import derive, latex, mode, report, sweep, validate

__all__ = ["COMMANDS"]

#: The command modules in the order ``sgdfp --help`` lists them.
COMMANDS = (derive, mode, validate, sweep, latex, report)
