"""The README's five-line example: derive, print LaTeX, compile, evaluate."""

from sgdfp.derive import discrete_fokker_planck, symbolic_sgd
from sgdfp.numerics import mode_functions

update = symbolic_sgd(2)                                          # SGD on L(θ1, θ2) with noise covariance Σ(θ)
print(discrete_fokker_planck(update, update.density(), eta_order=2).latex())
variance = mode_functions("numpy").variance                       # the exact mode variance, compiled
print(variance([1.0, 1e-3, 0.0], 1.0, 0.1, 1000))                 # confined, slow, flat modes after 1000 steps
