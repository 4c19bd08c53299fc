"""A valid call of every public callable, for the test that feeds them text that would run as code.

``CALLS`` maps the public name (``"sgdfp.derive.Mode.variance"``) to an :class:`~payload_context.Entry`: a
function of the shared :class:`~payload_context.Context` that returns valid ``(args, kwargs)``, the instance a
method is called on, and which parameters legitimately take text (a label, a path, LaTeX for a side of
``align``). Records -- dataclasses that only hold what they are given -- take text in every field.
"""

from __future__ import annotations

from pathlib import Path

import mpmath
import numpy as np
from payload_context import NO_ARGUMENTS, Entry, as_record, call, entry
from payload_context import cls as _cls
from payload_context import dynamics as _dynamics
from payload_context import module as _module

# ---------------------------------------------------------------------------------------------------- derive
DERIVE = {
    "sgdfp.derive.display_condition": entry(lambda c: call(c.symbols[0] ** 2 > 1)),
    "sgdfp.derive.display_form": entry(lambda c: call(c.symbols[0] ** 2 + 2 * c.symbols[0] + 1,
                                                      {c.sp.Symbol("q"): c.symbols[0] + 1})),
    "sgdfp.derive.discrete_fokker_planck": entry(lambda c: call(c.update, c.density, 2)),
    "sgdfp.derive.kramers_moyal": entry(lambda c: call(c.update, c.density, 2)),
    "sgdfp.derive.langevin_flow": entry(lambda c: call(c.update, c.density, 2)),
    "sgdfp.derive.langevin_flow_difference": entry(lambda c: call(c.update, c.density, 2)),
    "sgdfp.derive.langevin_fokker_planck": entry(lambda c: call(c.update, c.density)),
    "sgdfp.derive.langevin_step_difference": entry(lambda c: call(c.update, c.density, 2)),
    "sgdfp.derive.minibatch_covariance": entry(lambda c: call([[2, 1], [1, 3]], "without", 4, 10)),
    "sgdfp.derive.minibatch_cumulant": entry(lambda c: call(3, "without", 2, 5)),
    "sgdfp.derive.minibatch_cumulant_tensor": entry(lambda c: call({2: [[2, 1], [1, 3]]}, 2, "with", 4)),
    "sgdfp.derive.per_sample_cumulant": entry(lambda c: call(3)),
    "sgdfp.derive.DiscreteSGD": entry(NO_ARGUMENTS),
    "sgdfp.derive.DiscreteSGD.raw_matrix": entry(NO_ARGUMENTS, on=_dynamics("sgd")),
    "sgdfp.derive.DiscreteSGD.growth_offset": entry(NO_ARGUMENTS, on=_dynamics("sgd")),
    "sgdfp.derive.DiscreteSGD.growth_rate": entry(NO_ARGUMENTS, on=_dynamics("sgd")),
    "sgdfp.derive.DiscreteSGD.contraction": entry(NO_ARGUMENTS, on=_dynamics("sgd")),
    "sgdfp.derive.DiscreteSGD.propagator": entry(lambda c: call(c.centred, 5, c.sp.Rational(1, 10)),
                                                 on=_dynamics("sgd")),
    "sgdfp.derive.DiscreteSGD.numeric_propagator": entry(lambda c: call(c.centred, 5, c.sp.Rational(1, 10)),
                                                         on=_dynamics("sgd")),
    "sgdfp.derive.DiscreteSGD.stationary_condition": entry(lambda c: call(c.centred, c.sp.Rational(-1, 10)),
                                                           on=_dynamics("sgd")),
    "sgdfp.derive.Dynamics": entry(NO_ARGUMENTS),
    "sgdfp.derive.Dynamics.raw_matrix": entry(NO_ARGUMENTS, on=_dynamics("sgd")),
    "sgdfp.derive.Dynamics.centred_matrix": entry(NO_ARGUMENTS, on=_dynamics("sgd")),
    "sgdfp.derive.Dynamics.growth_offset": entry(NO_ARGUMENTS, on=_dynamics("sgd")),
    "sgdfp.derive.Dynamics.growth_rate": entry(NO_ARGUMENTS, on=_dynamics("sgd")),
    "sgdfp.derive.Dynamics.contraction": entry(NO_ARGUMENTS, on=_dynamics("sgd")),
    "sgdfp.derive.Dynamics.propagator": entry(lambda c: call(c.centred, 5, c.sp.Rational(1, 10)),
                                              on=_dynamics("langevin")),
    "sgdfp.derive.Dynamics.numeric_propagator": entry(lambda c: call(c.centred, 5, c.sp.Rational(1, 10)),
                                                      on=_dynamics("langevin")),
    "sgdfp.derive.Dynamics.stationary_condition": entry(lambda c: call(c.centred, c.sp.Rational(-1, 10)),
                                                        on=_dynamics("langevin")),
    "sgdfp.derive.Dynamics.fixed_point": entry(lambda c: call(c.mode.substitute(c.mode.dynamics.raw_matrix())),
                                               on=_dynamics("sgd")),
    "sgdfp.derive.ModifiedEquationDynamics": entry(lambda c: call(1)),
    "sgdfp.derive.ModifiedEquationDynamics.raw_matrix": entry(NO_ARGUMENTS, on=_dynamics("sme2")),
    "sgdfp.derive.ModifiedEquationDynamics.growth_rate": entry(NO_ARGUMENTS, on=_dynamics("sme2")),
    "sgdfp.derive.ModifiedEquationDynamics.growth_offset": entry(NO_ARGUMENTS, on=_dynamics("sme2")),
    "sgdfp.derive.ModifiedEquationDynamics.contraction": entry(NO_ARGUMENTS, on=_dynamics("sme2")),
    "sgdfp.derive.ModifiedEquationDynamics.propagator": entry(lambda c: call(c.centred, 5, c.sp.Rational(1, 10)),
                                                              on=_dynamics("sme2")),
    "sgdfp.derive.ModifiedEquationDynamics.numeric_propagator": entry(
        lambda c: call(c.centred, 5, c.sp.Rational(1, 10)), on=_dynamics("sme2")),
    "sgdfp.derive.ModifiedEquationDynamics.stationary_condition": entry(
        lambda c: call(c.centred, c.sp.Rational(-1, 10)), on=_dynamics("sme2")),
    "sgdfp.derive.get_dynamics": entry(lambda c: call("langevin"), text=["dynamics"]),  # a name, looked up
    "sgdfp.derive.Equation": entry(lambda c: call("demo", "map", "q", c.symbols[0] + 1, "=", "a note"),
                                   text=["name", "group", "lhs", "relation", "note", "display", "names[]"]),
    "sgdfp.derive.Equation.rhs_latex": entry(lambda c: call(), on=lambda c: c.mode.equations()[0],
                                             keys=["symbol_names"]),
    "sgdfp.derive.Equation.latex": entry(NO_ARGUMENTS, on=lambda c: c.mode.equations()[0]),
    "sgdfp.derive.Equation.expanded": entry(NO_ARGUMENTS, on=lambda c: c.mode.equations()[0]),
    "sgdfp.derive.EquationGroup": entry(lambda c: call("map", "The mode map", "An introduction."),
                                        text=["key", "title", "intro"]),
    "sgdfp.derive.mode_equations": entry(lambda c: call(c.mode, 2)),
    "sgdfp.derive.DiffusionCoefficient": entry(lambda c: call(0.05, 0.005)),
    "sgdfp.derive.Mode": entry(lambda c: call(1.0, 1.0, 0.1, 0.1, 0.1, 0.1, dynamics="sgd"), text=["dynamics"]),
    "sgdfp.derive.Mode.from_estimates": entry(lambda c: call(1.0, 1.0, 0.1, 0.1, 0.1, 0.1, dynamics="sgd"),
                                              on=_cls("sgdfp.derive.Mode"), text=["dynamics"]),
    "sgdfp.derive.Mode.under": entry(lambda c: call("langevin"), on=lambda c: c.mode, text=["dynamics"]),
    "sgdfp.derive.Mode.substitute": entry(lambda c: call(c.mode.dynamics.growth_offset()), on=lambda c: c.mode),
    "sgdfp.derive.Mode.moment_recursion": entry(lambda c: call(2), on=lambda c: c.mode),
    "sgdfp.derive.Mode.mean": entry(lambda c: call(5, 1.0), on=lambda c: c.mode),
    "sgdfp.derive.Mode.variance": entry(lambda c: call(5, 1.0, 0.5), on=lambda c: c.mode),
    "sgdfp.derive.Mode.growth_offset": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.derive.Mode.contraction": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.derive.Mode.has_stationary_law": entry(lambda c: call("langevin"), on=lambda c: c.mode,
                                                  text=["dynamics"]),
    "sgdfp.derive.Mode.stationary_variance": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.derive.Mode.stationary_mean": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.derive.Mode.relaxation_steps": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.derive.Mode.regime": entry(lambda c: call(100), on=lambda c: c.mode),
    "sgdfp.derive.Mode.diffusion_coefficient": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.derive.Mode.stability_threshold": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.derive.Mode.langevin_only_stable": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.derive.Mode.stationary_density": entry(lambda c: call(c.symbols[0]), on=lambda c: c.mode),
    "sgdfp.derive.Mode.equations": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.derive.Mode.latex": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.derive.Mode.langevin_mean": entry(lambda c: call(5, 1.0), on=lambda c: c.mode),
    "sgdfp.derive.Mode.langevin_variance": entry(lambda c: call(5, 1.0, 0.5), on=lambda c: c.mode),
    "sgdfp.derive.Mode.sme2_mean": entry(lambda c: call(5, 1.0), on=lambda c: c.mode),
    "sgdfp.derive.Mode.sme2_variance": entry(lambda c: call(5, 1.0, 0.5), on=lambda c: c.mode),
    "sgdfp.derive.Mode.langevin_stationary_variance": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.derive.Mode.sme2_stationary_variance": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.derive.Momentum": entry(lambda c: call(c.sp.Rational(1, 2), False, c.sp.Rational(1, 10))),
    "sgdfp.derive.Momentum.update": entry(NO_ARGUMENTS, on=lambda c: c.momentum),
    "sgdfp.derive.Momentum.raw_matrix": entry(NO_ARGUMENTS, on=lambda c: c.momentum),
    "sgdfp.derive.Momentum.values": entry(NO_ARGUMENTS, on=lambda c: c.momentum),
    "sgdfp.derive.momentum_update": entry(lambda c: call(False)),
    "sgdfp.derive.momentum_matrix": entry(lambda c: call(False)),
    "sgdfp.derive.stability_conditions": entry(lambda c: call(False)),
    "sgdfp.derive.flat_diffusion": entry(lambda c: call(False)),
    # numeric (small rationals): a symbolic momentum mode takes seconds a call
    "sgdfp.derive.MomentumMode": entry(lambda c: call(1, 1, c.sp.Rational(1, 10), c.sp.Rational(1, 10),
                                                      c.sp.Rational(1, 10), c.sp.Rational(1, 10),
                                                      momentum=c.sp.Rational(1, 2), nesterov=False,
                                                      weight_decay=c.sp.Rational(1, 10))),
    "sgdfp.derive.MomentumMode.substitute": entry(lambda c: call(_cls("sgdfp.derive.flat_diffusion")(c)(False)),
                                                  on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.effective_curvature": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.moment_recursion": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.moments": entry(lambda c: call(5, 1, c.sp.Rational(1, 2)), on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.covariance": entry(lambda c: call(5, 1, c.sp.Rational(1, 2)),
                                                  on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.mean": entry(lambda c: call(5, 1), on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.variance": entry(lambda c: call(5, 1, c.sp.Rational(1, 2)),
                                                on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.growth_offset": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.contraction": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.stability_conditions": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.has_stationary_law": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.relaxation_steps": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.stability_threshold": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.stationary_covariance": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.stationary_variance": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.stationary_mean": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.regime": entry(lambda c: call(100), on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.diffusion_coefficient": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.crossover_steps": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.langevin": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.equations": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.value_rows": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.MomentumMode.latex": entry(NO_ARGUMENTS, on=lambda c: c.momentum_mode),
    "sgdfp.derive.StationaryDensity": entry(lambda c: as_record(c.mode.stationary_density())),
    "sgdfp.derive.StationaryDensity.variance": entry(lambda c: call(False, 15),
                                                     on=lambda c: c.mode.stationary_density()),
    "sgdfp.derive.StationaryDensity.normalisable": entry(lambda c: call(True), on=lambda c: c.mode.stationary_density()),
    "sgdfp.derive.Parameter": entry(lambda c: call("lr", "eta", "--lr", "ETA", r"\eta", "η", "learning rate",
                                                   "positive", 0.1, {"positive": True}),
                                    text=["keyword", "symbol_name", "flag", "metavar", "latex", "unicode",
                                          "description", "assumptions[]"]),
    "sgdfp.derive.Parameter.check": entry(lambda c: call(0.1), on=lambda c: _cls("sgdfp.derive.PARAMETERS")(c)["lr"]),
    "sgdfp.derive.Parameter.admits": entry(lambda c: call(0.1), on=lambda c: _cls("sgdfp.derive.PARAMETERS")(c)["lr"]),
    "sgdfp.derive.diffusive_band": entry(lambda c: call(100)),
    "sgdfp.derive.regime_conditions": entry(NO_ARGUMENTS),
    "sgdfp.derive.regime_rule": entry(NO_ARGUMENTS),
    "sgdfp.derive.MomentRecursion": entry(lambda c: as_record(c.mode.moment_recursion(2))),
    "sgdfp.derive.MomentRecursion.rows": entry(NO_ARGUMENTS, on=lambda c: c.mode.moment_recursion(2)),
    "sgdfp.derive.MomentRecursion.moment_names": entry(lambda c: call(2), on=_cls("sgdfp.derive.MomentRecursion")),
    "sgdfp.derive.MomentRecursion.latex": entry(NO_ARGUMENTS, on=lambda c: c.mode.moment_recursion(2)),
    "sgdfp.derive.mode_update": entry(lambda c: call(((0, 4),))),
    "sgdfp.derive.pair_recursion": entry(NO_ARGUMENTS),
    "sgdfp.derive.ModifiedEquation": entry(lambda c: as_record(c.modified)),
    "sgdfp.derive.ModifiedEquation.generator": entry(lambda c: call(c.density), on=lambda c: c.modified),
    "sgdfp.derive.ModifiedEquation.latex": entry(NO_ARGUMENTS, on=lambda c: c.modified),
    "sgdfp.derive.modified_equation": entry(lambda c: call(c.update, 1)),
    "sgdfp.derive.Noise": entry(lambda c: call([c.symbols[1]], moments={(1,): 0, (2,): 1})),
    "sgdfp.derive.Noise.from_moments": entry(lambda c: call([c.symbols[1]], {c.symbols[1]: 0, c.symbols[1] ** 2: 1}),
                                             on=_cls("sgdfp.derive.Noise")),
    "sgdfp.derive.Noise.from_cumulants": entry(lambda c: call([c.symbols[1]], {c.symbols[1]: 0, c.symbols[1] ** 2: 1},
                                                              2), on=_cls("sgdfp.derive.Noise")),
    "sgdfp.derive.Noise.gaussian": entry(lambda c: call([c.symbols[1], c.symbols[2]], [0, 0], [[1, 0], [0, 2]]),
                                         on=_cls("sgdfp.derive.Noise")),
    "sgdfp.derive.Noise.moment": entry(lambda c: call(c.symbols[1] ** 2), on=lambda c: c.noise),
    "sgdfp.derive.Noise.expect": entry(lambda c: call(c.symbols[1] ** 2 + c.symbols[2]), on=lambda c: c.noise),
    "sgdfp.derive.KramersMoyalSeries": entry(lambda c: call(c.series.state, c.series.coefficients, c.density,
                                                            "P_{k+1} - P_k"), text=["lhs"]),
    "sgdfp.derive.KramersMoyalSeries.scale": entry(lambda c: call(c.sp.Rational(1, 2)), on=lambda c: c.series),
    "sgdfp.derive.KramersMoyalSeries.compose": entry(lambda c: call(c.series, None, 2), on=lambda c: c.series),
    "sgdfp.derive.KramersMoyalSeries.truncate": entry(lambda c: call(_eta(), 2), on=lambda c: c.series),
    "sgdfp.derive.KramersMoyalSeries.simplify": entry(NO_ARGUMENTS, on=lambda c: c.series),
    "sgdfp.derive.KramersMoyalSeries.is_zero": entry(NO_ARGUMENTS, on=lambda c: c.series),
    "sgdfp.derive.KramersMoyalSeries.equals": entry(lambda c: call(c.series), on=lambda c: c.series),
    "sgdfp.derive.KramersMoyalSeries.adjoint": entry(lambda c: call(c.symbols[0] ** 2), on=lambda c: c.series),
    "sgdfp.derive.KramersMoyalSeries.normal_form": entry(NO_ARGUMENTS, on=lambda c: c.series),
    "sgdfp.derive.KramersMoyalSeries.from_normal_form": entry(
        lambda c: call(c.series.state, c.series.normal_form(), c.density, "P_{k+1} - P_k"),
        on=_cls("sgdfp.derive.KramersMoyalSeries"), text=["lhs"]),
    "sgdfp.derive.KramersMoyalSeries.terms": entry(NO_ARGUMENTS, on=lambda c: c.series),
    "sgdfp.derive.KramersMoyalSeries.doit": entry(NO_ARGUMENTS, on=lambda c: c.series),
    "sgdfp.derive.KramersMoyalSeries.apply": entry(lambda c: call(c.sp.exp(-c.symbols[0] ** 2)), on=lambda c: c.series),
    "sgdfp.derive.KramersMoyalSeries.with_density": entry(lambda c: call(c.sp.Function("Q")(c.symbols[0])),
                                                          on=lambda c: c.series),
    "sgdfp.derive.KramersMoyalSeries.latex": entry(NO_ARGUMENTS, on=lambda c: c.series),
    "sgdfp.derive.align": entry(lambda c: call([("a", c.symbols[0]), ("b", r"\propto", [c.symbols[0], 1])], True),
                                text=["equations[]"]),
    "sgdfp.derive.latex": entry(lambda c: call(c.symbols[0] ** 2, symbol_names={c.symbols[0]: "y"}),
                                keys=["symbol_names", "mul_symbol"], text=["settings.mul_symbol"]),  # LaTeX
    "sgdfp.derive.text": entry(lambda c: call(c.symbols[0] ** 2)),
    "sgdfp.derive.gradient_noise_symbols": entry(lambda c: call(2)),
    "sgdfp.derive.parameters": entry(lambda c: call(2, "theta"), text=["name"]),  # the symbols' name
    "sgdfp.derive.DiscreteUpdate": entry(lambda c: call([c.symbols[0]], [-_eta() * (c.symbols[1] * c.symbols[0]
                                                                                     + c.symbols[2])], c.noise, _eta())),
    "sgdfp.derive.DiscreteUpdate.jump_moment": entry(lambda c: call(2), on=lambda c: c.update),
    "sgdfp.derive.DiscreteUpdate.density": entry(lambda c: call("P"), on=lambda c: c.update, text=["name"]),
    "sgdfp.derive.DiscreteUpdate.latex": entry(NO_ARGUMENTS, on=lambda c: c.update),
    "sgdfp.derive.jump_moment": entry(lambda c: call(c.update, 2)),
    "sgdfp.derive.sgd_update": entry(lambda c: call(c.symbols[0] ** 2 / 2, [c.symbols[0]], _eta(), [[1]],
                                                    {(0, 0, 0): 1})),
    "sgdfp.derive.symbolic_sgd": entry(lambda c: call(1, _eta())),
    "sgdfp.derive.fdr_relations": entry(lambda c: call("momentum")),
    "sgdfp.derive.fdr_estimators": entry(lambda c: call("sgd")),
    "sgdfp.derive.energy_relation": entry(lambda c: call(1)),
    "sgdfp.derive.two_time_moments": entry(NO_ARGUMENTS),
    "sgdfp.derive.stationary_msd": entry(lambda c: call(False)),
    "sgdfp.derive.diffusive_msd": entry(NO_ARGUMENTS),
    "sgdfp.derive.local_exponent": entry(lambda c: call(_cls("sgdfp.derive.diffusive_msd")(c)())),
    "sgdfp.derive.stationarity_equations": entry(NO_ARGUMENTS),
}


def _eta():
    from sgdfp.derive import eta

    return eta


# -------------------------------------------------------------------------------------------------- numerics
def _numpy(c):
    from sgdfp.numerics import get_backend

    return get_backend("numpy")


def _compiled(c):
    from sgdfp.numerics import compile

    x = c.symbols[0]
    return compile([x**2, x + 1], [x])


def _compiled_parts(c):
    f = _compiled(c)
    return f._function, f.args, f.exprs, "numpy", f.source, True


def _mode_functions(c):
    from sgdfp.numerics import mode_functions

    return mode_functions("numpy")


_OPTIONAL = ["curvature_noise", "mean_grad", "cross", "mean0", "var0"]
_MODE_ARGS = (np.array([1.0, 2.0]), 1.0, 0.1)


def _displacement(c):
    from sgdfp.numerics import displacement_functions

    return displacement_functions("numpy")


def _quantity(steps: bool):
    return entry(lambda c: (_MODE_ARGS + ((5,) if steps else ()), {"curvature_noise": 0.1, "mean0": 0.5}),
                 on=_mode_functions, keys=["curvature_noise", "mean0"])


def _momentum_functions(c):
    from sgdfp.numerics import momentum_functions

    return momentum_functions("numpy", True)


def _momentum_quantity(steps: bool):
    return entry(lambda c: (_MODE_ARGS + ((5,) if steps else ()), {"momentum": 0.9, "weight_decay": 1e-3,
                                                                   "mean0": 0.5}),
                 on=_momentum_functions, keys=["momentum", "weight_decay", "mean0"])


NUMERICS = {
    "sgdfp.numerics.momentum_functions": entry(lambda c: call("numpy", True)),
    "sgdfp.numerics.MomentumFunctions": entry(lambda c: call("numpy", False)),
    "sgdfp.numerics.MomentumFunctions.matrix": _momentum_quantity(False),
    "sgdfp.numerics.MomentumFunctions.states": _momentum_quantity(True),
    "sgdfp.numerics.MomentumFunctions.mean": _momentum_quantity(True),
    "sgdfp.numerics.MomentumFunctions.variance": _momentum_quantity(True),
    "sgdfp.numerics.MomentumFunctions.contraction": _momentum_quantity(False),
    "sgdfp.numerics.MomentumFunctions.growth_offset": _momentum_quantity(False),
    "sgdfp.numerics.MomentumFunctions.stationary_state": _momentum_quantity(False),
    "sgdfp.numerics.MomentumFunctions.stationary_variance": _momentum_quantity(False),
    "sgdfp.numerics.MomentumFunctions.stationary_mean": _momentum_quantity(False),
    "sgdfp.numerics.MomentumFunctions.regime": entry(
        lambda c: call(np.array([1.0, -1.0]), 0.1, 100.0, momentum=0.9, weight_decay=1e-3, curvature_noise=0.1),
        on=_momentum_functions, keys=["momentum", "weight_decay", "curvature_noise"]),
    "sgdfp.numerics.MomentumFunctions.diffusion_coefficient": entry(lambda c: call(1.0, 0.1, momentum=0.9),
                                                                    on=_momentum_functions, keys=["momentum"]),
    "sgdfp.numerics.compile": entry(lambda c: call([c.symbols[0] ** 2, 1], [c.symbols[0]], "numpy")),
    "sgdfp.numerics.ArrayBackend": entry(NO_ARGUMENTS),
    # array conversion: a string becomes a (string) array or is refused by float conversion, never code
    "sgdfp.numerics.ArrayBackend.owns": entry(lambda c: call(np.zeros(2)), on=_numpy, text=["value"]),
    "sgdfp.numerics.ArrayBackend.asarrays": entry(lambda c: call(np.zeros(2), 1.0, like=None), on=_numpy),
    "sgdfp.numerics.ArrayBackend.broadcast": entry(lambda c: call(np.zeros(2), 1.0), on=_numpy),
    "sgdfp.numerics.ArrayBackend.asarray": entry(lambda c: call([1.0, 2.0], None), on=_numpy),
    "sgdfp.numerics.ArrayBackend.sort": entry(lambda c: call(np.array([2.0, 1.0]), -1), on=_numpy, text=["array"]),
    "sgdfp.numerics.ArrayBackend.copy": entry(lambda c: call(np.zeros(2)), on=_numpy),
    "sgdfp.numerics.ArrayBackend.broadcast_to": entry(lambda c: call(np.zeros(2), (3, 2)), on=_numpy,
                                                      text=["array"]),
    "sgdfp.numerics.ArrayBackend.to_numpy": entry(lambda c: call(np.zeros(2)), on=_numpy, text=["array"]),
    "sgdfp.numerics.ArrayBackend.random": entry(lambda c: call(0, "cpu"), on=_numpy),
    "sgdfp.numerics.ArrayBackend.printer": entry(NO_ARGUMENTS, on=_numpy),
    "sgdfp.numerics.ArrayBackend.namespace": entry(NO_ARGUMENTS, on=_numpy),
    "sgdfp.numerics.get_backend": entry(lambda c: call("numpy")),
    "sgdfp.numerics.backend_of": entry(lambda c: call(np.zeros(2), 1.0), text=["values"]),  # looks at types only
    "sgdfp.numerics.register_backend": entry(lambda c: call("numpy_copy", _cls("sgdfp.numerics.backends.NumpyBackend")(c))),
    "sgdfp.numerics.CompiledFunction": entry(lambda c: call(*_compiled_parts(c)),
                                             text=["source"]),  # the generated code, kept for reading
    "sgdfp.numerics.clear_cache": entry(NO_ARGUMENTS),
    "sgdfp.numerics.displacement_functions": entry(lambda c: call("numpy")),
    "sgdfp.numerics.DisplacementFunctions": entry(lambda c: call("numpy")),
    "sgdfp.numerics.DisplacementFunctions.msd": entry(
        lambda c: ((np.array([0.0, 1.0]), 1.0, 0.1, 5), {"var_k": 0.5, "mean_grad": 0.1}), on=_displacement,
        keys=["var_k", "mean_grad"]),
    "sgdfp.numerics.DisplacementFunctions.covariance": entry(lambda c: call(1.0, 0.1, 5, 0.5), on=_displacement),
    "sgdfp.numerics.DisplacementFunctions.mean_displacement": entry(lambda c: call(1.0, 0.1, 5, 0.1, 0.5),
                                                                    on=_displacement),
    "sgdfp.numerics.DisplacementFunctions.stationary_msd": entry(
        lambda c: ((1.0, 1.0, 0.1, 5), {"curvature_noise": 0.1}), on=_displacement, keys=["curvature_noise"]),
    "sgdfp.numerics.DisplacementFunctions.exponent": entry(lambda c: ((0.5, 1.0, 0.1, 2, 8), {"var_k": 0.5}),
                                                           on=_displacement, keys=["var_k"]),
    "sgdfp.numerics.DisplacementFunctions.between": entry(lambda c: call([0, 2, 5], np.array([0.0, 1.0]), 1.0, 0.1,
                                                                         curvature_noise=0.1), on=_displacement),
    "sgdfp.numerics.mode_functions": entry(lambda c: call("numpy", "sgd")),
    "sgdfp.numerics.ModeFunctions": entry(lambda c: call("numpy", "langevin")),
    "sgdfp.numerics.ModeFunctions.function": entry(lambda c: call("variance", frozenset({"var0"})),
                                                   on=_mode_functions),
    "sgdfp.numerics.ModeFunctions.mean": _quantity(True),
    "sgdfp.numerics.ModeFunctions.variance": _quantity(True),
    "sgdfp.numerics.ModeFunctions.contraction": _quantity(False),
    "sgdfp.numerics.ModeFunctions.growth_offset": _quantity(False),
    "sgdfp.numerics.ModeFunctions.stationary_variance": _quantity(False),
    "sgdfp.numerics.ModeFunctions.stationary_mean": _quantity(False),
    "sgdfp.numerics.ModeFunctions.regime": entry(lambda c: call(np.array([1.0, -1.0]), 0.1, 100.0, curvature_noise=0.1),
                                                 on=_mode_functions),
    "sgdfp.numerics.ModeFunctions.langevin_mean": _quantity(True),
    "sgdfp.numerics.ModeFunctions.langevin_variance": _quantity(True),
    "sgdfp.numerics.ModeFunctions.sme2_variance": _quantity(True),
    "sgdfp.numerics.ModeFunctions.langevin_stationary_variance": _quantity(False),
    "sgdfp.numerics.regime_names": entry(lambda c: call(np.array([0, 1, 3]))),
    "sgdfp.numerics.CoupledClosure": entry(lambda c: call([0.0, 1.0], [1.0, 0.5], 0.1, [[0.0, 0.5], [0.5, 0.1]],
                                                          [0.1, 0.0], [[0.0, 0.1], [0.0, 0.0]])),
    "sgdfp.numerics.CoupledClosure.operator": entry(NO_ARGUMENTS, on=lambda c: c.closure),
    "sgdfp.numerics.CoupledClosure.step": entry(lambda c: call(np.zeros(2), np.ones(2)), on=lambda c: c.closure),
    "sgdfp.numerics.CoupledClosure.trajectory": entry(lambda c: call(np.array([0, 5]), [0.1, 0.0], [0.2, 0.1]),
                                                      on=lambda c: c.closure),
    "sgdfp.numerics.CoupledClosure.variance": entry(lambda c: call(5, 0.1, 0.2), on=lambda c: c.closure),
    "sgdfp.numerics.CoupledClosure.growth_offsets": entry(NO_ARGUMENTS, on=lambda c: c.closure),
    "sgdfp.numerics.CoupledClosure.spectral_radius": entry(NO_ARGUMENTS, on=lambda c: c.closure),
    "sgdfp.numerics.CoupledClosure.regimes": entry(lambda c: call(100), on=lambda c: c.closure),
    "sgdfp.numerics.CoupledClosure.stationary_variance": entry(NO_ARGUMENTS, on=lambda c: c.closure),
    "sgdfp.numerics.coupled_regimes": entry(lambda c: call(np.array([0.0, 1.0]), np.array([0.01, -0.1]), 50)),
    "sgdfp.numerics.feeding_radii": entry(lambda c: call(np.array([[0.5, 0.2], [0.0, 1.1]]), 1e-12)),
    "sgdfp.numerics.QuadraticModel": entry(lambda c: call([[1.0, 0.0], [0.0, 0.5]], [[1.0, 0.0], [0.0, 0.5]], 0.1,
                                                          np.zeros((2, 2, 2, 2)), [0.1, 0.0], np.zeros((2, 2, 2)),
                                                          dynamics="sgd"), text=["dynamics"]),
    "sgdfp.numerics.QuadraticModel.under": entry(lambda c: call("langevin"), on=lambda c: c.quadratic,
                                                 text=["dynamics"]),
    "sgdfp.numerics.QuadraticModel.step": entry(lambda c: call(np.zeros(2), np.eye(2), True), on=lambda c: c.quadratic),
    "sgdfp.numerics.QuadraticModel.mean": entry(lambda c: call(5, [1.0, 0.0]), on=lambda c: c.quadratic),
    "sgdfp.numerics.QuadraticModel.covariance": entry(lambda c: call(5, [1.0, 0.0], np.eye(2)),
                                                      on=lambda c: c.quadratic),
    "sgdfp.numerics.QuadraticModel.second_moment_spectral_radius": entry(NO_ARGUMENTS, on=lambda c: c.quadratic),
    "sgdfp.numerics.QuadraticModel.stationary_mean": entry(NO_ARGUMENTS, on=lambda c: c.quadratic),
    "sgdfp.numerics.QuadraticModel.stationary_covariance": entry(NO_ARGUMENTS, on=lambda c: c.quadratic),
    "sgdfp.numerics.QuadraticModel.langevin_stationary_covariance": entry(NO_ARGUMENTS, on=lambda c: c.quadratic),
    "sgdfp.numerics.QuadraticModel.modes": entry(NO_ARGUMENTS, on=lambda c: c.quadratic),
    "sgdfp.numerics.QuadraticModel.cross_covariance": entry(lambda c: call(0, 1, 5), on=lambda c: c.quadratic),
    "sgdfp.numerics.ModeDecomposition": entry(lambda c: as_record(c.quadratic.modes()), record=True),
    "sgdfp.numerics.pair_cross_covariance": entry(lambda c: call(1.0, 0.5, 0.2, 0.1, 5, 0.0)),
    "sgdfp.numerics.offdiagonal_fraction": entry(lambda c: call(np.array([[1.0, 0.1], [0.1, 1.0]]))),
    "sgdfp.numerics.simulate_mode": entry(lambda c: call(np.array([1.0, 0.5]), 1.0, 0.1, [0, 5], curvature_noise=0.1,
                                                         mean_grad=0.1, cross=0.1, mean0=0.0, var0=0.1, chains=50,
                                                         seed=1, backend="numpy", device=None, max_moment=2,
                                                         sampler=None, keep_samples=False)),
    "sgdfp.numerics.simulate_quadratic": entry(lambda c: call(np.eye(2), np.eye(2), 0.1, [0, 5],
                                                              curvature_noise=np.zeros((2, 2, 2, 2)), mean_grad=[0.0, 0.1],
                                                              cross=np.zeros((2, 2, 2)), chains=50, seed=1,
                                                              backend="numpy", device=None, sampler=None,
                                                              keep_samples=False)),
    "sgdfp.numerics.simulate_momentum": entry(lambda c: call(np.array([1.0, 0.5]), 1.0, 0.1, [0, 5], momentum=0.5,
                                                             nesterov=False, weight_decay=0.1, curvature_noise=0.1,
                                                             mean_grad=0.1, cross=0.1, mean0=0.0, var0=0.1, chains=50,
                                                             seed=1, backend="numpy", device=None)),
    "sgdfp.numerics.MomentumSimulation": entry(lambda c: as_record(_cls("sgdfp.numerics.simulate_momentum")(c)(
        1.0, 1.0, 0.1, [0, 2], momentum=0.5, chains=10)), record=True),
    "sgdfp.numerics.ModeSimulation": entry(lambda c: as_record(_cls("sgdfp.numerics.simulate_mode")(c)(
        1.0, 1.0, 0.1, [0, 2], chains=10)), record=True),
    "sgdfp.numerics.QuadraticSimulation": entry(lambda c: as_record(_cls("sgdfp.numerics.simulate_quadratic")(c)(
        np.eye(2), np.eye(2), 0.1, [0, 2], chains=10)), record=True),
}

# ----------------------------------------------------------------------------------------------------- stats
_V = np.array([1.0, 1.2])
STATS = {
    "sgdfp.stats.chi2_interval": entry(lambda c: call(_V, 100, 0.95)),
    "sgdfp.stats.chi2_p_values": entry(lambda c: call(_V, 99)),
    "sgdfp.stats.chi2_dof": entry(lambda c: call(100, 0.5)),
    "sgdfp.stats.noise_floor": entry(lambda c: call(100)),
    "sgdfp.stats.effective_modes": entry(lambda c: call(np.random.default_rng(0).normal(size=(50, 4)))),
    "sgdfp.stats.holm": entry(lambda c: call(np.array([0.01, 0.2]))),
    "sgdfp.stats.two_sided": entry(lambda c: call(np.array([0.1]), np.array([0.9]))),
    "sgdfp.stats.ratio_p_values": entry(lambda c: call(_V, _V * 1.1, 1.0, 99, 99, np.array([0.5, 0.5]))),
    "sgdfp.stats.ratio_interval": entry(lambda c: call(_V, _V * 1.1, 99, 99, 0.95, np.array([0.5, 0.5]))),
    "sgdfp.stats.growth_exponents": entry(lambda c: call(np.array([10, 20, 40, 80]),
                                                         np.array([[1.0], [2.0], [4.0], [8.0]]))),
    "sgdfp.stats.power_law_fit": entry(lambda c: call(np.array([1.0, 2.0, 4.0, 8.0]), np.array([1.0, 2.1, 3.9, 8.2]),
                                                      0.95)),
    "sgdfp.stats.PowerLaw": entry(lambda c: call(1.0, (0.9, 1.1), [(1.0, 1.0), (2.0, 2.0)]), record=True),
}

# -------------------------------------------------------------------------------------------------- validate
def _config(c):
    return c.results.config


def _observables_inputs(c):
    """A tiny real ensemble of the exactly quadratic model and its statistics (built once per context)."""
    if not hasattr(c, "_observables_inputs"):
        import torch
        from problems import Linear, quadratic_problem

        from sgdfp.validate import FlatModel
        from sgdfp.validate.ensemble import ensemble_sums
        from sgdfp.validate.statistics import mode_statistics

        dataset, loss = quadratic_problem(dim=3, samples=90)
        model = FlatModel(Linear(3), loss=loss)
        theta = torch.zeros(3, dtype=torch.float64)
        stats = mode_statistics(model, theta, dataset.inputs, dataset.targets, 4, "with")
        sums = ensemble_sums(model, theta, dataset.inputs, dataset.targets, stats.eigenvectors, 0.5, 4, 6, 8,
                             [0, 1, 2, 4, 8], seed=0)
        c._observables_inputs = (sums, stats)
    return c._observables_inputs


def _observables(c):
    from sgdfp.validate import measure_observables

    return measure_observables(*_observables_inputs(c), 0.5)


def _flat(c):
    model, theta, inputs, targets = c.tiny
    return model


def _model_call(*extra, **named):
    def make(c):
        model, theta, inputs, targets = c.tiny
        return (theta, *[e(c) if callable(e) else e for e in extra], inputs, targets), named
    return make


VALIDATE = {
    "sgdfp.validate.CharTransformer": entry(lambda c: call(30, 4, 8)),
    "sgdfp.validate.CharTransformer.forward": entry(lambda c: call(_cls("torch.zeros")(c)(2, 8, dtype=_long())),
                                                    on=lambda c: _cls("sgdfp.validate.CharTransformer")(c)(30, 4, 8)),
    "sgdfp.validate.CurvatureConfig": entry(lambda c: as_record(_config(c).curvature), record=True),
    "sgdfp.validate.DataUnavailable": entry(lambda c: call("the package 'x' is not installed"), text=["args"]),
    "sgdfp.validate.Dataset": entry(lambda c: as_record(c.dataset), text=["name", "source", "meta[]"]),
    "sgdfp.validate.Dataset.subset": entry(lambda c: call(2), on=lambda c: c.dataset),
    "sgdfp.validate.DenseEigensolver": entry(NO_ARGUMENTS),
    "sgdfp.validate.DenseEigensolver.solve": entry(lambda c: ((_flat(c), *c.tiny[1:]), {}),
                                                   on=lambda c: _cls("sgdfp.validate.DenseEigensolver")(c)()),
    "sgdfp.validate.Eigenpairs": entry(lambda c: as_record(_cls("sgdfp.validate.DenseEigensolver")(c)().solve(
        _flat(c), *c.tiny[1:])), record=True),
    "sgdfp.validate.EnsembleConfig": entry(lambda c: as_record(_config(c).ensemble), record=True),
    "sgdfp.validate.FlatModel": entry(lambda c: call(_cls("sgdfp.validate.MLP")(c)(4, 2, 3), "classification", None,
                                                     _cls("torch.float64")(c), "cpu")),
    "sgdfp.validate.FlatModel.unflatten": entry(lambda c: call(c.tiny[1]), on=_flat),
    "sgdfp.validate.FlatModel.per_sample_loss": entry(_model_call(), on=_flat),
    "sgdfp.validate.FlatModel.loss": entry(_model_call(), on=_flat),
    "sgdfp.validate.FlatModel.full_loss_and_gradient": entry(lambda c: ((*c.tiny[1:], 16), {}), on=_flat),
    "sgdfp.validate.FlatModel.per_sample_gradients": entry(lambda c: ((*c.tiny[1:], 16), {}), on=_flat),
    "sgdfp.validate.FlatModel.hvp": entry(_model_call(lambda c: _cls("torch.ones_like")(c)(c.tiny[1])), on=_flat),
    "sgdfp.validate.FlatModel.hessian": entry(lambda c: ((*c.tiny[1:], 16), {}), on=_flat),
    "sgdfp.validate.FlatModel.directional_curvatures": entry(
        lambda c: ((c.tiny[1], _cls("torch.eye")(c)(c.tiny[1].numel(), dtype=c.tiny[1].dtype)[:2], *c.tiny[2:], 16, 1),
                   {}), on=_flat),
    "sgdfp.validate.LanczosEigensolver": entry(lambda c: call(2, 0, 1e-8)),
    "sgdfp.validate.LanczosEigensolver.solve": entry(lambda c: ((_flat(c), *c.tiny[1:]), {}),
                                                     on=lambda c: _cls("sgdfp.validate.LanczosEigensolver")(c)(2)),
    "sgdfp.validate.MLP": entry(lambda c: call(4, 2, 3)),
    "sgdfp.validate.MLP.forward": entry(lambda c: call(_cls("torch.zeros")(c)(2, 4, dtype=_cls("torch.float64")(c))),
                                        on=lambda c: _cls("sgdfp.validate.MLP")(c)(4, 2, 3).double()),
    "sgdfp.validate.Preset": entry(lambda c: as_record(_cls("sgdfp.validate.PRESETS")(c)["digits-mlp"]), record=True),
    "sgdfp.validate.ReferenceConfig": entry(lambda c: as_record(_config(c).reference), record=True),
    "sgdfp.validate.ResultError": entry(lambda c: call("results.json: field 'runs' is missing"), text=["args"]),
    "sgdfp.validate.RunResult": entry(lambda c: as_record(c.results.runs[0]), record=True),
    "sgdfp.validate.RunSummary": entry(lambda c: as_record(c.results.runs[0].summary), record=True),
    "sgdfp.validate.RunSummary.get": entry(lambda c: call("log_corr_top", None), on=lambda c: c.results.runs[0].summary,
                                           text=["key", "default"]),  # a field looked up by name, like dict.get
    "sgdfp.validate.ValidationConfig": entry(lambda c: as_record(_config(c)), record=True),
    # a config is a record: its values are checked by ValidationConfig.check before a run computes anything
    "sgdfp.validate.ValidationConfig.from_flat": entry(lambda c: call(steps=10, lr=[0.1]),
                                                       on=_cls("sgdfp.validate.ValidationConfig"), keys=["steps", "lr"],
                                                       text=["flat"]),
    "sgdfp.validate.ValidationConfig.with_overrides": entry(lambda c: call(steps=10, lr=[0.1]), on=_config,
                                                            keys=["steps", "lr"], text=["flat"]),
    "sgdfp.validate.ValidationConfig.flat": entry(NO_ARGUMENTS, on=_config),
    "sgdfp.validate.ValidationConfig.check": entry(lambda c: call(90), on=_config),
    "sgdfp.validate.ValidationConfig.to_dict": entry(NO_ARGUMENTS, on=_config),
    "sgdfp.validate.ValidationResults": entry(lambda c: as_record(c.results), record=True),
    "sgdfp.validate.ValidationResults.to_json": entry(NO_ARGUMENTS, on=lambda c: c.results),
    "sgdfp.validate.ValidationResults.write": entry(lambda c: call("written"), on=lambda c: c.results,
                                                    text=["directory"]),
    "sgdfp.validate.ValidationResults.from_json": entry(lambda c: call(c.results.to_json(), "results.json"),
                                                        on=_cls("sgdfp.validate.ValidationResults"),
                                                        text=["file", "data[]"]),  # JSON: its strings are text
    "sgdfp.validate.ValidationResults.read": entry(lambda c: call(c.run_dir), on=_cls("sgdfp.validate.ValidationResults"),
                                                   text=["directory"]),
    "sgdfp.validate.dense_eigenpairs": entry(lambda c: call(_cls("torch.eye")(c)(3, dtype=_cls("torch.float64")(c)))),
    "sgdfp.validate.get_eigensolver": entry(lambda c: call("lanczos", 10, 2, 3000, 0)),
    "sgdfp.validate.measure_observables": entry(lambda c: call(_observables_inputs(c)[0], _observables_inputs(c)[1], 0.5,
                                                       reference_projection=np.zeros(3), origin=2, level=0.9)),
    "sgdfp.validate.Observables": entry(lambda c: as_record(_observables(c)), record=True),
    "sgdfp.validate.ObservablesSummary": entry(lambda c: as_record(_observables(c).summary), record=True),
    "sgdfp.validate.json_summary": entry(lambda c: call(c.results)),
    "sgdfp.validate.load_digits": entry(NO_ARGUMENTS),
    "sgdfp.validate.load_fashion_mnist": entry(lambda c: call(c.root / "no-fashion-mnist-here", 6, "train"),
                                               text=["directory"]),
    "sgdfp.validate.load_mnist": entry(lambda c: call(6)),
    "sgdfp.validate.load_text": entry(lambda c: call("pydoc", 8, 8, 0), text=["source"]),
    "sgdfp.validate.preset_config": entry(lambda c: call("digits-mlp", True, steps=10), keys=["steps"],
                                          text=["overrides"]),  # config values, checked as above
    "sgdfp.validate.resolve_device": entry(lambda c: call("cpu")),
    "sgdfp.validate.run_validation": entry(lambda c: call(_config(c), _cls("problems.Linear")(c)(3),
                                                          *_cls("problems.quadratic_problem")(c)(dim=3, samples=90),
                                                          "classification", False)),
    "sgdfp.validate.top_eigenpairs": entry(lambda c: ((*c.tiny, 2, "LM", 1e-8, 0), {})),
    "sgdfp.validate.write_results": entry(lambda c: call(c.results, "results-out", False, False), text=["out"]),
}


def _long():
    import torch

    return torch.long


# --------------------------------------------------------------------------------------------------- testing
TESTING = {
    "sgdfp.testing.assert_variance_matches": entry(lambda c: call(*c.variances, replicas=None, alpha=0.01, ddof=1,
                                                                  effective_modes=None, excess_kurtosis=0.0,
                                                                  label="three modes"), text=["label"]),
    "sgdfp.testing.assert_regime": entry(lambda c: call(*c.regime_inputs, replicas=200, alpha=0.01, start=None,
                                                        horizon=None, ddof=1, label="three modes"), text=["label"]),
    "sgdfp.testing.VarianceCheck": entry(lambda c: as_record(c.variance_check), record=True),
    "sgdfp.testing.VarianceCheck.record": entry(NO_ARGUMENTS, on=lambda c: c.variance_check),
    "sgdfp.testing.RegimeCheck": entry(lambda c: as_record(c.regime_check), record=True),
    "sgdfp.testing.RegimeCheck.record": entry(NO_ARGUMENTS, on=lambda c: c.regime_check),
    "sgdfp.testing.TheoryCheck": entry(lambda c: call(c.test_record)),
    "sgdfp.testing.TheoryCheck.variance": entry(lambda c: (c.variances, {"label": "three modes"}),
                                                on=lambda c: _cls("sgdfp.testing.TheoryCheck")(c)(c.test_record),
                                                text=["options.label"], keys=["label", "alpha"]),
    "sgdfp.testing.TheoryCheck.regime": entry(lambda c: (c.regime_inputs, {"replicas": 200}),
                                              on=lambda c: _cls("sgdfp.testing.TheoryCheck")(c)(c.test_record),
                                              keys=["replicas", "alpha"]),
    "sgdfp.testing.detection_power": entry(lambda c: call(0.2, 1200, 1, 0.01)),
    "sgdfp.testing.required_replicas": entry(lambda c: call(0.2, 1, 0.95, 0.01)),
    "sgdfp.testing.growth_bands": entry(lambda c: call(50, 100, 1000)),
}

# ---------------------------------------------------------------------------------------------------- report
REPORT = {
    "sgdfp.report.write_report": entry(lambda c: call(c.run_dir, "report-out", False, False), text=["out"]),
    "sgdfp.report.WrittenReport": entry(lambda c: call(Path("r/report.html"), None, "no TeX", Path("r/report.tex"), 1.0),
                                        record=True),
    "sgdfp.report.load_run": entry(lambda c: call(c.run_dir), text=["directory"]),
    "sgdfp.report.regime_breakdown": entry(lambda c: call(c.results, c.results.runs[0])),
    "sgdfp.report.theory": entry(NO_ARGUMENTS),
}

# -------------------------------------------------------------------------------------------------- document
DOCUMENT = {
    "sgdfp.document.Display": entry(lambda c: call("sgd-update", r"\begin{equation}x = 1\end{equation}", ()),
                                    record=True),
    "sgdfp.document.Document": entry(lambda c: call(r"\documentclass{article}", (), 1, 2), record=True),
    "sgdfp.document.WrittenDocument": entry(lambda c: call(Path("d/derivations.tex"), 3, [], Path("d/equations"), None),
                                            record=True),
    "sgdfp.document.build_document": entry(lambda c: call(1, 2)),
    "sgdfp.document.derivations": entry(lambda c: call(1, 2)),
    "sgdfp.document.write_document": entry(lambda c: call("latex-out", 1, 2, False, False, None), text=["out", "engine"]),
}

# ----------------------------------------------------------------------------------------------------- sweep
# No call here starts a Dask cluster or connects to one: dask_client returns a context manager that the test
# never enters (its arguments are checked at the call), execute gets a session without a client (every variant
# is refused by its checks before the session is used), and run_sweep gets no runs.
SWEEP = {
    # a grid is a record: Grid.runs checks its values (through preset_config and ValidationConfig.check)
    "sgdfp.sweep.Grid": entry(lambda c: as_record(c.sweep_grid), record=True),
    "sgdfp.sweep.Grid.override": entry(lambda c: call(lr=[0.05], seed=[0, 1]), on=lambda c: c.sweep_grid,
                                       keys=["lr", "seed"]),
    "sgdfp.sweep.Grid.runs": entry(NO_ARGUMENTS, on=lambda c: c.sweep_grid),
    "sgdfp.sweep.RunOutcome": entry(lambda c: as_record(c.sweep_outcomes[0]), record=True),
    "sgdfp.sweep.ScalingFit": entry(lambda c: as_record(c.sweep_summary.scaling[0]), record=True),
    "sgdfp.sweep.SweepDirectory": entry(lambda c: call(c.root / "sweep"), text=["out"]),
    "sgdfp.sweep.SweepDirectory.run_dir": entry(lambda c: call(c.sweep_runs[0]), on=lambda c: c.sweep_directory),
    "sgdfp.sweep.SweepDirectory.prepare": entry(NO_ARGUMENTS, on=lambda c: c.sweep_directory),
    "sgdfp.sweep.SweepDirectory.locked": entry(NO_ARGUMENTS, on=lambda c: c.sweep_directory),
    "sgdfp.sweep.SweepDirectory.write_grid": entry(lambda c: call(c.sweep_runs), on=lambda c: c.sweep_directory),
    "sgdfp.sweep.SweepDirectory.is_done": entry(lambda c: call(c.sweep_runs[0]), on=lambda c: c.sweep_directory),
    "sgdfp.sweep.SweepRow": entry(lambda c: as_record(c.sweep_summary.runs[0]), record=True),
    "sgdfp.sweep.SweepRun": entry(lambda c: as_record(c.sweep_runs[0]), record=True),
    "sgdfp.sweep.SweepSummary": entry(lambda c: as_record(c.sweep_summary), record=True),
    "sgdfp.sweep.config_hash": entry(lambda c: call(c.sweep_runs[0].config)),
    # the address is text; one that is no Dask address (the payload) is an InputError at the call, at once
    "sgdfp.sweep.dask_client": entry(lambda c: call(1, None, 2), text=["scheduler"]),
    "sgdfp.sweep.read_grid_file": entry(lambda c: call(c.grid_file), text=["path"]),
    # no runs: with the payload as the directory (text, so the sweep goes ahead) there is nothing to execute
    # and no cluster starts (a run of the list would start one: runs not done in a new directory)
    "sgdfp.sweep.run_sweep": entry(lambda c: call([], c.root / "empty-sweep", 1, None, None, 2, False, False, False),
                                   text=["out", "scheduler"]),
    # the payload as the directory runs the (tiny) run into it: about a second
    "sgdfp.sweep.run_task": entry(lambda c: call(c.sweep_runs[0], "run-task-out", None), text=["directory"]),
    "sgdfp.sweep.summarise": entry(lambda c: call(c.sweep_runs, c.sweep_outcomes, c.sweep_results, "in this process",
                                                  1.0),
                                   text=["where", "results[]"]),  # results are keyed by run hash (text)
    "sgdfp.sweep.execute_runs": entry(lambda c: call(c.sweep_runs, c.sweep_directory, c.dask_session, None)),
    # the module's public names that the package does not export (a module name beside its own: "on" it)
    "sgdfp.sweep.execute.DaskSession": entry(lambda c: as_record(c.dask_session), on=_module("sgdfp.sweep.execute"),
                                             record=True),
    "sgdfp.sweep.execute.available_cores": entry(NO_ARGUMENTS, on=_module("sgdfp.sweep.execute")),
    "sgdfp.sweep.execute.require_dask": entry(NO_ARGUMENTS, on=_module("sgdfp.sweep.execute")),
}

#: A valid call of every public callable of the packages the test covers.
# ------------------------------------------------------------------------- the exact map's law (derive, numerics)
def _gauss(c):
    return _cls("sgdfp.derive.GaussianCurvature")(c)(1, 0.5)


def _discrete(c):
    return _cls("sgdfp.derive.DiscreteCurvature")(c)([0.5, 5], [0.9, 0.1])


def _density(c):
    return _cls("sgdfp.derive.DensityCurvature")(c).gamma(2, 0.5)


def _sampled(c):
    return _cls("sgdfp.numerics.sampled_minibatch_curvature")(c)([0.5, 1.0, 2.0], 2, draws=100)


def _sample_mode(c):
    return _cls("sgdfp.derive.Mode")(c).from_samples([1, 4, 9], [1, -3, 2], 0.1, 1)


def _law_methods(prefix, on):
    return {f"{prefix}.power_mean": entry(lambda c: call(2.0, 0.5), on=on),
            f"{prefix}.log_mean": entry(lambda c: call(0.5), on=on),
            f"{prefix}.exceeds_one": entry(lambda c: call(0.5), on=on)}


EXACT_LAW = {
    "sgdfp.derive.CurvatureLaw": entry(NO_ARGUMENTS),
    **_law_methods("sgdfp.derive.CurvatureLaw", _gauss),
    "sgdfp.derive.CurvatureLaw.poles": entry(NO_ARGUMENTS, on=_gauss),
    "sgdfp.derive.CurvatureLaw.log_mean_slope": entry(lambda c: call(0.5), on=_gauss),
    "sgdfp.derive.GaussianCurvature": entry(lambda c: call(1, 0.5)),
    **_law_methods("sgdfp.derive.GaussianCurvature", _gauss),
    "sgdfp.derive.DiscreteCurvature": entry(lambda c: call([0.5, 5], [0.9, 0.1])),
    **_law_methods("sgdfp.derive.DiscreteCurvature", _discrete),
    "sgdfp.derive.DiscreteCurvature.poles": entry(NO_ARGUMENTS, on=_discrete),
    "sgdfp.derive.DiscreteCurvature.log_mean_slope": entry(lambda c: call(0.5), on=_discrete),
    "sgdfp.derive.DensityCurvature": entry(lambda c: call(lambda h: mpmath.exp(-h), (0, mpmath.inf))),
    "sgdfp.derive.DensityCurvature.gamma": entry(lambda c: call(2, 0.5), on=_cls("sgdfp.derive.DensityCurvature")),
    **_law_methods("sgdfp.derive.DensityCurvature", _density),
    "sgdfp.derive.MapResult": entry(lambda c: call("tail index", 2.5, ""), record=True),
    "sgdfp.derive.minibatch_curvature_law": entry(lambda c: call([1, 4, 9], 2, "with", 100)),
    "sgdfp.derive.lyapunov_exponent": entry(lambda c: call(_gauss(c), 0.5)),
    "sgdfp.derive.almost_sure_threshold": entry(lambda c: call(_discrete(c))),
    "sgdfp.derive.tail_index": entry(lambda c: call(_discrete(c), 0.5)),
    "sgdfp.derive.sample_cumulants": entry(lambda c: call([1, 4, 9], [1, -3, 2], 3)),
    "sgdfp.derive.minibatch_mode_cumulants": entry(lambda c: call([1, 4, 9], [1, -3, 2], 2, "without", 3)),
    "sgdfp.derive.Mode.from_samples": entry(lambda c: call([1, 4, 9], [1, -3, 2], 0.1, 2, "with", 3,
                                                           dynamics="sgd"), on=_cls("sgdfp.derive.Mode"),
                                            text=["dynamics"]),
    "sgdfp.derive.Mode.stationary_moments": entry(lambda c: call(3), on=lambda c: c.mode),
    "sgdfp.derive.Mode.stationary_excess_kurtosis": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.derive.Mode.curvature_law": entry(NO_ARGUMENTS, on=_sample_mode),
    "sgdfp.derive.Mode.lyapunov_exponent": entry(NO_ARGUMENTS, on=_sample_mode),
    "sgdfp.derive.Mode.almost_sure_threshold": entry(NO_ARGUMENTS, on=_sample_mode),
    "sgdfp.derive.Mode.tail_index": entry(NO_ARGUMENTS, on=lambda c: c.mode),
    "sgdfp.numerics.SampledCurvature": entry(lambda c: call([0.5, 1.0, 2.0])),
    **_law_methods("sgdfp.numerics.SampledCurvature", _sampled),
    "sgdfp.numerics.SampledCurvature.poles": entry(NO_ARGUMENTS, on=_sampled),
    "sgdfp.numerics.SampledCurvature.log_mean_slope": entry(lambda c: call(0.5), on=_sampled),
    "sgdfp.numerics.sampled_minibatch_curvature": entry(lambda c: call([0.5, 1.0, 2.0], 2, "without", 100, 1)),
}


CALLS: dict[str, Entry] = {**DERIVE, **NUMERICS, **EXACT_LAW, **STATS, **VALIDATE, **TESTING, **REPORT, **DOCUMENT,
                           **SWEEP}
