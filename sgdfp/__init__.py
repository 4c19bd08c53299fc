"""sgdfp: the dynamics of SGD at finite learning rate -- derived, compiled, and checked on real SGD.

The packages, in their dependency order (each imports only those below it; ``docs/architecture.md``):

- :mod:`sgdfp.cli` -- the ``sgdfp`` command (``derive``, ``mode``, ``validate``, ``latex``, ``report``).
- :mod:`sgdfp.report` -- HTML/PDF reports of validation runs (jinja2 templates);
  :mod:`sgdfp.document` -- the LaTeX document of every derivation;
  :mod:`sgdfp.testing` -- the pytest plugin (``assert_variance_matches``, ``assert_regime``).
- :mod:`sgdfp.validate` -- real SGD on real models against the theory: configuration by stage, presets,
  eigensolver strategies, per-mode statistics, replica ensembles, typed results and their files.
- :mod:`sgdfp.numerics` -- the backend registry (numpy, torch), code generation, stable kernels, the
  compiled mode formulas and regime rule, the d-dimensional quadratic, the simulators.
- :mod:`sgdfp.derive` -- SymPy: the Kramers--Moyal engine (updates, noise, jump moments, discrete
  Fokker--Planck, Langevin, modified equations, minibatch cumulants) and the mode theory
  (:mod:`sgdfp.derive.mode`: the parameter table, dynamics strategies, the regime rule, ``Mode``, the
  equation catalogue).
- :mod:`sgdfp.stats` -- numpy/scipy statistics that stand alone (intervals, noise floors, Holm, variance
  ratios, growth exponents).
- :mod:`sgdfp.files` (atomic output directories) and :mod:`sgdfp.tex` (compiling LaTeX) serve them all.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
