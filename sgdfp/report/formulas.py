r"""The theory section: the catalogue's equations, derived while the report is written, in titled groups.

Nothing here is typed by hand or parsed back from LaTeX: the groups are the catalogue's
(:data:`sgdfp.derive.GROUPS`, titles and intros) and their equations are :class:`sgdfp.derive.Equation`
objects from :meth:`sgdfp.derive.Mode.equations` for symbolic parameters. Two modes are shown:

- the general mode :math:`\mathrm{Mode}(\lambda, D, \eta, \Gamma, \bar g, \rho)` for the map, its exact
  moment recursion and the stationary law with mean gradient and cross term;
- the mode with curvature noise only, :math:`\bar g = \rho = 0`, for the closed forms: stability,
  mean and variance after :math:`k` steps, stationary law, flat modes, density, regimes.

A group's title says which parameters it covers where that changes its equations (the stationary law
appears for both modes; the regimes are the same for both and say nothing). SymPy is imported only when
:func:`theory` is first called.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sympy as sp

    from sgdfp.derive import Equation

__all__ = ["Theory", "TheoryGroup", "theory", "prose"]

#: Which groups of the catalogue are shown for the general mode, and which for the mode with ḡ = ρ = 0.
GENERAL_GROUPS = ("map", "recursion", "stationary")
CLOSED_GROUPS = ("stability", "finite", "stationary", "flat", "density", "regimes")
#: What the report adds to a group's intro: how the group relates to the measurements.
CONTEXT = {
    "map": "Each mode's {measured} are measured at the reference point.",
    "recursion": "The predicted variance of every mode is the closed-form solution of this recursion, with every "
                 "measured parameter, compiled by sgdfp.numerics.",
    "finite": "The predictions use the same forms with every measured parameter ({general} included).",
}


@dataclass(frozen=True)
class TheoryGroup:
    """A titled group of the catalogue's equations.

    Attributes:
        key: the catalogue's group key (``"stationary"``).
        title, intro: the catalogue's, with the parameters it covers where they matter.
        equations: the :class:`sgdfp.derive.Equation` objects, in catalogue order.
        latex: the group as one ``align*`` block (what the PDF typesets and the HTML shows as source).
    """

    key: str
    title: str
    intro: str
    equations: tuple[Equation, ...]
    latex: str


@dataclass(frozen=True)
class Theory:
    """The theory section.

    Attributes:
        groups: the groups in order.
        diffusion_exponent: the power of :math:`\\eta` in the flat-mode diffusion coefficient (``None`` if it
            is not a monomial in :math:`\\eta`).
        diffusion_text, diffusion_latex: that coefficient in prose (``Dη/2``) and in LaTeX.
        symbols: what each parameter symbol means, in prose.
        seconds: how long the derivation took.
    """

    groups: tuple[TheoryGroup, ...]
    diffusion_exponent: int | None
    diffusion_text: str
    diffusion_latex: str
    symbols: str
    seconds: float


@cache
def theory() -> Theory:
    """The formulas behind the predictions, derived now by :class:`sgdfp.derive.Mode` with symbolic parameters."""
    import sympy as sp

    from sgdfp.derive import GROUPS, MODE_PARAMETERS, Mode
    from sgdfp.derive.mode.equations import align_equations

    start = time.perf_counter()
    symbols = [p.symbol for p in MODE_PARAMETERS]
    general = Mode(*symbols)
    closed = Mode(*symbols[:4])  # curvature, gradient noise, learning rate, curvature noise
    dropped = MODE_PARAMETERS[4:]
    by_group = {name: _grouped(mode.equations()) for name, mode in (("general", general), ("closed", closed))}
    scopes = {"general": " (with " + " and ".join(p.unicode for p in dropped) + ")",
              "closed": " (" + " = ".join(p.unicode for p in dropped) + " = 0)"}
    context = {key: text.format(measured=", ".join(p.unicode for p in MODE_PARAMETERS if p.keyword != "lr"),
                                general=" and ".join(p.unicode for p in dropped)) for key, text in CONTEXT.items()}
    groups = []
    for name, keys in (("general", GENERAL_GROUPS), ("closed", CLOSED_GROUPS)):
        other = by_group["closed" if name == "general" else "general"]
        for key in keys:
            equations = by_group[name].get(key, ())
            if not equations:
                continue
            catalogue = GROUPS[key]
            differs = [e.latex() for e in equations] != [e.latex() for e in other.get(key, ())]
            intro = " ".join(part for part in (catalogue.intro, context.get(key, "")) if part)
            groups.append(TheoryGroup(key, catalogue.title + (scopes[name] if differs else ""), intro, equations,
                                      align_equations(equations)))
    coefficient = next(e for e in by_group["closed"]["flat"] if e.name == "diffusion-coefficient-time")
    per_time = coefficient.derived if coefficient.derived is not None else coefficient.rhs
    lr = next(p.symbol for p in MODE_PARAMETERS if p.keyword == "lr")
    try:
        exponent: int | None = int(sp.Poly(per_time, lr).degree()) if sp.Poly(per_time, lr).is_monomial else None
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        exponent = None
    described = "; ".join(p.description for p in MODE_PARAMETERS) + "; k: the step"
    return Theory(tuple(groups), exponent, prose(per_time), coefficient.rhs_latex(), described,
                  time.perf_counter() - start)


def _grouped(equations) -> dict[str, tuple]:
    groups: dict[str, list] = {}
    for equation in equations:
        groups.setdefault(equation.group, []).append(equation)
    return {key: tuple(value) for key, value in groups.items()}


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def prose(expr: sp.Basic) -> str:
    """A SymPy expression as prose: the parameters by their Unicode forms (:attr:`Parameter.unicode`), products
    by juxtaposition, integer powers as superscripts: ``D*eta/2`` -> ``Dη/2``."""
    from sympy.printing.precedence import PRECEDENCE
    from sympy.printing.str import StrPrinter

    from sgdfp.derive import MODE_PARAMETERS

    names = {p.symbol: p.unicode for p in MODE_PARAMETERS}

    class Prose(StrPrinter):
        def _print_Symbol(self, symbol):
            return names.get(symbol, symbol.name)

        def _print_Pow(self, power, rational=False):
            base = self.parenthesize(power.base, PRECEDENCE["Pow"])
            if power.exp.is_Integer and power.exp > 0:
                return base + str(power.exp).translate(_SUPERSCRIPTS)
            return super()._print_Pow(power, rational)

        def _print_Mul(self, product):
            numerator, denominator = product.as_numer_denom()
            if denominator == 1:
                return self._product(product)
            high, low = self._print(numerator), self._print(denominator)
            if numerator.is_Add:
                high = f"({high})"
            if denominator.is_Add or (denominator.is_Mul and len(denominator.args) > 1):
                low = f"({low})"
            return f"{high}/{low}"

        def _product(self, product):
            coefficient, rest = product.as_coeff_Mul()
            if rest == 1:
                return self._print(coefficient)
            sign = "-" if coefficient < 0 else ""
            parts = [] if abs(coefficient) == 1 else [self._print(abs(coefficient))]
            parts += [self.parenthesize(f, PRECEDENCE["Mul"]) for f in rest.as_ordered_factors()]
            return sign + "".join(parts)  # juxtaposition: one number at most, first

    return Prose().doprint(expr)
