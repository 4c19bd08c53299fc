r"""The mode theory as a catalogue of equations: one object per displayed line, derived for a mode.

An :class:`Equation` is a name, a group, a left side (LaTeX notation), a relation, a right side (a
SymPy expression or condition, in the form a theorist writes, see :mod:`sgdfp.derive.display`) and a
one-line note. :func:`mode_equations` derives every formula of a :class:`~sgdfp.derive.Mode`; the LaTeX
document, the HTML/PDF report and ``sgdfp mode --latex`` iterate over the same objects, so no layer
parses LaTeX back, and each ``Equation`` keeps the form it was derived in (``derived``) beside the one
it displays: the tests hold them equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sympy as sp

from sgdfp.derive.display import display_condition, display_form
from sgdfp.derive.mode.dynamics import LANGEVIN, SGD, SME2
from sgdfp.derive.mode.parameters import gbar, k_step, rho
from sgdfp.derive.mode.regime import growth, regime_conditions
from sgdfp.derive.mode.update import MomentRecursion, curvature_sample, gradient_sample, mode_update
from sgdfp.derive.printing import align, latex
from sgdfp.derive.symbols import eta

if TYPE_CHECKING:
    from sgdfp.derive.mode.mode import Mode

__all__ = ["Equation", "EquationGroup", "GROUPS", "mode_equations", "align_equations", "contraction_symbol",
           "initial_mean_symbol"]

#: Placeholders the displayed forms use: the contraction q and the initial mean y_0.
contraction_symbol = sp.Symbol("q", positive=True)
initial_mean_symbol = sp.Symbol("y_0", real=True)


@dataclass(frozen=True)
class Equation:
    """One displayed line of the theory.

    Attributes:
        name: unique label (``"mode-variance"``); ``display`` is the numbered display it belongs to
            (several lines can share one, e.g. the moments of the noise).
        group: the key of its :class:`EquationGroup` in :data:`GROUPS`.
        lhs: the left side in LaTeX (notation only).
        rhs: the right side, a SymPy expression or condition in display form; ``sp.true`` prints
            as "otherwise".
        relation: ``"="``, ``r"\\propto"``, ``r"\\iff"``, ...
        note: one line saying what it is.
        derived: the form as derived, where ``rhs`` is a rewriting of it (``None``: the same).
        names: LaTeX names for placeholder symbols in ``rhs`` (moments at step k, ...).
        substitutions: placeholders of ``rhs`` and what they stand for (``q``: the contraction).
    """

    name: str
    group: str
    lhs: str
    rhs: sp.Basic
    relation: str = "="
    note: str = ""
    derived: sp.Basic | None = None
    display: str = ""
    names: dict = field(default_factory=dict, compare=False, hash=False)
    substitutions: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        # the left side, relation and note are LaTeX/prose text; the right side is a SymPy object, never text
        for name in ("name", "group", "lhs", "relation", "note", "display"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"Equation.{name} is text; got {getattr(self, name)!r}")
        for name in ("rhs", "derived"):
            value = getattr(self, name)
            if not isinstance(value, sp.Basic) and not (name == "derived" and value is None):
                raise TypeError(f"Equation.{name} must be a SymPy expression or condition (text is never parsed); "
                                f"got {type(value).__name__} {value!r}")
        if not isinstance(self.names, dict) or not all(isinstance(k, sp.Symbol) and isinstance(v, str)
                                                       for k, v in self.names.items()):
            raise TypeError("Equation.names maps SymPy Symbols to their LaTeX names (text)")
        if not isinstance(self.substitutions, dict) or not all(
                isinstance(k, sp.Symbol) and isinstance(v, sp.Basic) for k, v in self.substitutions.items()):
            raise TypeError("Equation.substitutions maps placeholder Symbols to SymPy expressions")

    @property
    def label(self) -> str:
        """The display this line belongs to (its own name unless given)."""
        return self.display or self.name

    def rhs_latex(self, **settings) -> str:
        """The right side in LaTeX (``\\text{otherwise}`` for a condition that always holds)."""
        if self.rhs is sp.true:
            return r"\text{otherwise}"
        return latex(self.rhs, symbol_names=self.names, **settings)

    def latex(self) -> str:
        """``lhs relation rhs`` on one line."""
        return f"{self.lhs} {self.relation} {self.rhs_latex()}"

    def expanded(self) -> sp.Basic:
        """``rhs`` with its placeholders replaced by what they stand for (to compare with ``derived``)."""
        return self.rhs.xreplace(self.substitutions) if self.substitutions else self.rhs


@dataclass(frozen=True)
class EquationGroup:
    """A titled group of equations, with a sentence that introduces it."""

    key: str
    title: str
    intro: str

    def __post_init__(self):
        for name in ("key", "title", "intro"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"EquationGroup.{name} is text; got {getattr(self, name)!r}")


GROUPS: dict[str, EquationGroup] = {g.key: g for g in (
    EquationGroup("map", "The mode map",
                  "In the eigenbasis of the Hessian at the reference point each mode y follows a random linear "
                  "map whose curvature h and gradient g every minibatch draws afresh."),
    EquationGroup("recursion", "Exact moment recursion",
                  "The adjoint of the map's Kramers–Moyal expansion on powers of y: a closed, lower-triangular "
                  "recursion, exact for the first two moments."),
    EquationGroup("stability", "Contraction and stability",
                  "The second moment grows by q per step; the mode has a stationary law while q < 1."),
    EquationGroup("finite", "Mean and variance after k steps",
                  "Closed-form solutions of the recursion, beside the Langevin and second-order modified "
                  "equations at time t = ηk."),
    EquationGroup("stationary", "Stationary law",
                  "Finite-η SGD settles wider than Langevin: compare the denominators."),
    EquationGroup("flat", "Flat modes",
                  "Nearly flat modes do not settle: their variance grows as 2𝒟t, with 𝒟 ∝ η."),
    EquationGroup("density", "Stationary density of the truncated equation",
                  "The discrete Fokker–Planck equation kept to η² has a power-law stationary density; its "
                  "variance is the map's, its tail is the truncation's (the exact map's tail differs)."),
    EquationGroup("regimes", "Regimes",
                  "How a mode is classified over a horizon of T steps: the conditions are tested in this "
                  "order and the first that holds wins."),
)}


def _equation(name, group, lhs, derived, note="", relation="=", display="", names=None, substitutions=None,
              condition=False) -> Equation:
    derived = _floats(sp.sympify(derived))
    shown = display_condition(derived) if condition else display_form(derived, substitutions)
    return Equation(name, group, lhs, shown, relation, note, derived, display, dict(names or {}),
                    dict(substitutions or {}))


def _regime_rows(mode: Mode) -> list[Equation]:
    """The rule of :mod:`~sgdfp.derive.mode.regime` in terms of q (u = q - 1)."""
    q = contraction_symbol
    notes = {"diffusive": "variance grows linearly: q = 1, or too slow to settle within T steps",
             "confined": "variance settles", "escaping": "a saddle direction",
             "unstable": "variance grows geometrically although λ ≥ 0 (edge of stability, or curvature noise)"}
    rows = []
    for name, condition in regime_conditions().items():
        shown = condition if condition is sp.true else \
            display_condition(condition.xreplace({growth: q - 1}).subs(sp.Eq(q - 1, 0), sp.Eq(q, 1)))
        rows.append(Equation(f"regime-{name}", "regimes", rf"\text{{{name}}}", shown, r"\iff", notes[name],
                             condition, "regimes", substitutions={q: 1 + growth}))
    return sorted(rows, key=lambda e: list(regime_conditions()).index(e.name.removeprefix("regime-")))


_CATALOGUES: dict = {}


def mode_equations(mode: Mode, moment_order: int = 2) -> tuple[Equation, ...]:
    """Every formula of ``mode`` (for its parameters, usually symbolic), in catalogue order.

    Derived once per parameter set and dynamics in a process (the document, the report and ``sgdfp mode``
    ask for the same catalogues).

    Args:
        mode: the mode; its parameters set which terms appear (zero mean gradient: no stationary mean).
        moment_order: the highest moment of the recursion shown.

    Raises:
        TypeError: ``mode`` is not a :class:`~sgdfp.derive.Mode`, ``moment_order`` not an integer.
        ValueError: ``moment_order`` below 1.
    """
    from sgdfp.derive.inputs import as_integer
    from sgdfp.derive.mode.mode import Mode

    if not isinstance(mode, Mode):
        raise TypeError(f"mode must be a sgdfp.derive.Mode; got {type(mode).__name__}")
    moment_order = as_integer(moment_order, "moment_order", minimum=1)
    key = (tuple(mode.given.items()), mode.dynamics, moment_order)
    if key not in _CATALOGUES:
        _CATALOGUES[key] = _derive_equations(mode, moment_order)
    return _CATALOGUES[key]


def _floats(expr):
    """A numeric mode's exact rationals (binary fractions of its floats) as 15-digit floats, for display."""
    if not isinstance(expr, sp.Basic):
        return expr
    return expr.xreplace({r: sp.Float(r, 15) for r in expr.atoms(sp.Rational) if r.q > 1000})


def _derive_equations(mode: Mode, moment_order: int) -> tuple[Equation, ...]:
    update = mode_update()
    h, g = curvature_sample, gradient_sample
    y_k = sp.Symbol("y_k", real=True)
    rows: list[Equation] = []
    (y,) = update.state
    rows.append(Equation("mode-update", "map", "y_{k+1}", y_k + update.increment[0].subs(y, y_k), note="one SGD step",
                         derived=y_k + update.increment[0].subs(y, y_k)))
    for monomial in (h, g, h**2, h * g, g**2):
        rows.append(_equation(f"mode-noise-{str(monomial).replace('**', '').replace('*', '')}", "map",
                              rf"\mathbb{{E}}[{latex(monomial)}]", mode.substitute(update.noise.moment(monomial)),
                              "a moment of the minibatch's curvature and gradient", display="mode-noise"))
    recursion = mode.moment_recursion(moment_order)
    names = MomentRecursion.moment_names(moment_order)
    for j, (lhs, rhs) in enumerate(recursion.rows(), start=1):
        rows.append(Equation(f"moment-recursion-{j}", "recursion", lhs, rhs, note=f"moment {j}", derived=rhs,
                             display="moment-recursion", names=names))

    q_expr = mode.contraction()
    q_sub = {contraction_symbol: 1 + mode.growth_offset()}
    rows += [
        _equation("mode-contraction", "stability", "q", q_expr, "second-moment contraction factor per step"),
        _equation("stability-threshold", "stability", r"\eta^*", mode.stability_threshold(),
                  "largest stable learning rate (q = 1)"),
        _equation("mode-relaxation", "stability", r"\tau_{\mathrm{relax}}", mode.relaxation_steps(),
                  "relaxation time of the variance, in steps"),
    ]
    if not mode.numeric:
        rows.append(_equation("langevin-only-stable", "stability", r"\text{Langevin-only stable}",
                              mode.langevin_only_stable(), "Langevin has a stationary law but SGD has none",
                              relation=r"\iff", condition=True))
    k = k_step
    rows.append(_equation("mode-mean", "finite", r"\mathbb{E}[y_k]", mode.mean(k, initial_mean_symbol),
                          "mean after k steps from y_0", substitutions=q_sub))
    for dynamics, what in ((SGD, "discrete SGD (exact)"), (LANGEVIN, "Langevin"),
                           (SME2, "second-order modified equation")):
        tag = f"^{{{dynamics.tag}}}" if dynamics.tag else ""
        suffix = "" if dynamics is SGD else f"-{dynamics.name}"
        rows.append(_equation(f"mode{suffix}-variance", "finite", rf"\operatorname{{Var}}{tag}[y_k]",
                              mode.under(dynamics).variance(k), f"variance after k steps: {what}",
                              substitutions=q_sub if dynamics is SGD else None))
    if mode.values[gbar] != 0 or mode.values[rho] != 0:
        rows.append(_equation("mode-stationary-mean", "stationary", r"\mathbb{E}[y_\infty]", mode.stationary_mean(),
                              "stationary mean"))
    for dynamics, what in ((SGD, "discrete SGD (exact)"), (LANGEVIN, "Langevin"),
                           (SME2, "second-order modified equation")):
        tag = f"^{{{dynamics.tag}}}" if dynamics.tag else ""
        suffix = "" if dynamics is SGD else f"-{dynamics.name}"
        rows.append(_equation(f"mode{suffix}-stationary-variance", "stationary",
                              rf"\operatorname{{Var}}{tag}_\infty", mode.under(dynamics).stationary_variance(),
                              f"stationary variance: {what}", display="mode-stationary-variance"))
    coefficient = mode.diffusion_coefficient()
    rows += [
        _equation("diffusion-coefficient-time", "flat", r"\mathcal{D}_t", coefficient.per_time,
                  "diffusion coefficient per unit time t = ηk", display="diffusion-coefficient"),
        _equation("diffusion-coefficient-step", "flat", r"\mathcal{D}_{\mathrm{step}}", coefficient.per_step,
                  "diffusion coefficient per step", display="diffusion-coefficient"),
    ]
    density = mode.stationary_density()
    rows += [
        Equation("stationary-density", "density", r"P_\infty(y)",
                 sp.powsimp(sp.factor(density.density), force=True), r"\propto",
                 "stationary density of the truncated discrete Fokker–Planck equation", density.density),
        _equation("tail-exponent", "density", r"\alpha_{\mathrm{tail}}", sp.apart(density.tail_exponent, eta)
                  if density.tail_exponent.has(eta) else density.tail_exponent,
                  "its power-law tail exponent, P ~ |y|^(−α) (the truncation's, not the exact map's)"),
        Equation("langevin-stationary-density", "density", r"P^{\mathrm{Langevin}}_\infty(y)",
                 density.langevin_density, r"\propto", "stationary density of the Langevin equation",
                 density.langevin_density),
    ]
    rows += _regime_rows(mode)
    return tuple(rows)


def align_equations(equations: Iterable[Equation]) -> str:
    """The equations as one ``align*`` block, in order."""
    equations = list(equations) if not isinstance(equations, str) else equations
    if isinstance(equations, str) or not all(isinstance(e, Equation) for e in equations):
        raise TypeError("align_equations() takes Equation objects (mode_equations(mode) gives them)")
    return align((e.lhs, e.relation, e.rhs_latex()) for e in equations)

