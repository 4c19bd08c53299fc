"""sgdfp: the dynamics of SGD at finite learning rate.

Sub-packages:

- :mod:`sgdfp.derive` -- SymPy derivations: jump moments, Kramers--Moyal expansion,
  discrete Fokker--Planck and Langevin forms, stochastic modified equations, minibatch noise.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
