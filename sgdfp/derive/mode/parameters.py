r"""The parameters of a mode, once: keyword, SymPy symbol, command-line flag, LaTeX and Unicode forms, range.

Every layer names a mode's parameters through this table -- :class:`~sgdfp.derive.Mode` checks its
arguments with it, :mod:`sgdfp.numerics` compiles formulas with its symbols, ``sgdfp mode`` builds its
flags from it, and the report and the document print its LaTeX and Unicode forms.

Besides the six parameters of the mode map :math:`y' = (1 - \eta h)y - \eta g` the module holds the
other symbols the theory uses: the mode coordinate :math:`y`, the step :math:`k`, the horizon
:math:`T` and the initial mean and variance.

The table itself imports no SymPy: each symbol is created on first use (``Parameter.symbol``, and the
module attributes ``lam``, ``D``, ... through ``__getattr__``), so ``sgdfp mode --help`` builds its flags
from it without loading SymPy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import sympy as sp

__all__ = ["Parameter", "MODE_PARAMETERS", "PARAMETERS", "CURVATURE", "GRAD_NOISE", "LR", "CURVATURE_NOISE",
           "MEAN_GRAD", "CROSS", "MOMENTUM", "WEIGHT_DECAY", "OPTIMIZER_PARAMETERS",
           "lam", "D", "Gamma", "gbar", "rho", "y", "k_step", "horizon", "mean0",  # noqa: F822
           "var0", "v", "beta", "omega"]  # noqa: F822 -- the symbols are module attributes created on first use (__getattr__ below)

Domain = Literal["real", "nonnegative", "positive"]


@dataclass(frozen=True)
class Parameter:
    """One parameter of the mode theory.

    Attributes:
        keyword: the Python keyword and JSON key (``"curvature"``).
        symbol_name: the name of its SymPy symbol (:attr:`symbol`), which prints as ``latex``.
        flag: the ``sgdfp mode`` option (``"--curvature"``); ``metavar`` its placeholder.
        latex, unicode: how it prints in LaTeX and in prose (``\\lambda``, ``λ``).
        description: one line for help texts and tables.
        domain: ``"real"``, ``"nonnegative"`` (a variance) or ``"positive"`` (the learning rate).
        default: the value when omitted (``None``: required).
    """

    keyword: str
    symbol_name: str
    flag: str
    metavar: str
    latex: str
    unicode: str
    description: str
    domain: Domain
    default: float | None = None
    assumptions: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        for name in ("keyword", "symbol_name", "flag", "metavar", "latex", "unicode", "description"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"Parameter.{name} is text; got {getattr(self, name)!r}")
        if self.domain not in ("real", "nonnegative", "positive"):
            raise ValueError(f"Parameter.domain must be 'real', 'nonnegative' or 'positive'; got {self.domain!r}")
        if self.default is not None and (isinstance(self.default, (bool, str)) or not isinstance(self.default,
                                                                                                  (int, float))):
            raise TypeError(f"Parameter.default must be a number or None; got {self.default!r}")
        if not isinstance(self.assumptions, dict) or not all(isinstance(k, str) and isinstance(v, bool)
                                                             for k, v in self.assumptions.items()):
            raise TypeError(f"Parameter.assumptions maps SymPy assumption names to True/False; got {self.assumptions!r}")

    @property
    def symbol(self) -> sp.Symbol:
        """The SymPy symbol every formula is derived with (created on first use)."""
        return _symbol(self.symbol_name, tuple(sorted(self.assumptions.items())))

    def check(self, value: float) -> float:
        """``value`` as a float, or a ``ValueError`` that says what is allowed.

        Raises:
            TypeError: text (the command line converts its strings to numbers first) or a non-number.
            ValueError: a value outside the domain, NaN or infinity.
        """
        if isinstance(value, (str, bytes, bool)) or not hasattr(value, "__float__"):
            raise TypeError(f"{self.keyword} must be a number; got {type(value).__name__} {value!r}")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{self.keyword} must be a finite real number; got {value!r}")
        if self.domain == "nonnegative" and number < 0:
            raise ValueError(f"{self.keyword} is a variance and cannot be negative; got {value!r}")
        if self.domain == "positive" and number <= 0:
            raise ValueError(f"{self.keyword} must be positive; got {value!r}")
        return number

    def admits(self, value: Any) -> bool:
        """False when a numeric ``value`` lies outside the domain (symbolic values are admitted).

        Raises:
            TypeError: text (never parsed) or anything that is not a number or SymPy expression.
        """
        if not hasattr(value, "is_number"):  # a Python or numpy number
            from sgdfp.derive.inputs import as_expr

            value = as_expr(value, self.keyword)
        if not value.is_number:
            return True
        if self.domain == "nonnegative":
            return bool(value >= 0)
        if self.domain == "positive":
            return bool(value > 0)
        return True


_REAL = {"real": True}
_NONNEGATIVE = {"nonnegative": True}

CURVATURE = Parameter("curvature", "lambda", "--curvature", "L", r"\lambda", "λ",
                      "curvature λ = E h (the Hessian eigenvalue)", "real", assumptions=_REAL)
GRAD_NOISE = Parameter("grad_noise", "D", "--grad-noise", "D", "D", "D",
                       "gradient noise D = Var g per step (minibatch size included)", "nonnegative",
                       assumptions=_NONNEGATIVE)
LR = Parameter("lr", "eta", "--lr", "ETA", r"\eta", "η", "learning rate η", "positive",
               assumptions={"positive": True})
CURVATURE_NOISE = Parameter("curvature_noise", "Gamma", "--curvature-noise", "G", r"\Gamma", "Γ",
                            "curvature noise Γ = Var h", "nonnegative", 0.0, _NONNEGATIVE)
MEAN_GRAD = Parameter("mean_grad", "gbar", "--mean-grad", "M", r"\bar{g}", "ḡ", "mean gradient ḡ = E g", "real", 0.0,
                      _REAL)
CROSS = Parameter("cross", "rho", "--cross", "R", r"\rho", "ρ", "cross-covariance ρ = Cov(h, g)", "real", 0.0, _REAL)

#: In the order of :class:`~sgdfp.derive.Mode`'s arguments.
MODE_PARAMETERS: tuple[Parameter, ...] = (CURVATURE, GRAD_NOISE, LR, CURVATURE_NOISE, MEAN_GRAD, CROSS)
PARAMETERS: dict[str, Parameter] = {p.keyword: p for p in MODE_PARAMETERS}

#: The optimiser's own parameters (:mod:`sgdfp.derive.mode.momentum`): not parameters of the mode map, so they
#: are kept out of :data:`MODE_PARAMETERS` (whose six entries are :class:`~sgdfp.derive.Mode`'s arguments).
MOMENTUM = Parameter("momentum", "beta", "--momentum", "B", r"\beta", "β",
                     "heavy-ball (or Nesterov) momentum β, 0 <= β < 1", "nonnegative", 0.0, _NONNEGATIVE)
WEIGHT_DECAY = Parameter("weight_decay", "omega", "--weight-decay", "W", r"\omega", "ω",
                         "weight decay ω >= 0 (L2, coupled: the gradient gets + ω y)", "nonnegative", 0.0,
                         _NONNEGATIVE)
OPTIMIZER_PARAMETERS: tuple[Parameter, ...] = (MOMENTUM, WEIGHT_DECAY)

@cache
def _symbol(name: str, assumptions: tuple) -> sp.Symbol:
    import sympy

    return sympy.Symbol(name, **dict(assumptions))


#: The module's symbols by attribute name: the six parameters, the mode coordinate, the step, the horizon
#: (in steps) and the initial law.
_SYMBOLS = {"lam": ("lambda", _REAL), "D": ("D", _NONNEGATIVE), "Gamma": ("Gamma", _NONNEGATIVE),
            "gbar": ("gbar", _REAL), "rho": ("rho", _REAL), "y": ("y", _REAL), "k_step": ("k", {"nonnegative": True, "integer": True}),
            "horizon": ("T", {"positive": True}), "mean0": ("mean0", _REAL), "var0": ("var0", _NONNEGATIVE),
            "v": ("v", _REAL), "beta": ("beta", _NONNEGATIVE), "omega": ("omega", _NONNEGATIVE)}


def __getattr__(name: str):
    if name in _SYMBOLS:
        symbol_name, assumptions = _SYMBOLS[name]
        return _symbol(symbol_name, tuple(sorted(assumptions.items())))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
