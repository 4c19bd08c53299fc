r"""Printing in the notation of the field: LaTeX, and compact plain text for terminals.

Derivatives print as :math:`\partial_{\theta_1}\partial_{\theta_2}[\dots]`, undefined functions
(the loss :math:`L`, the density :math:`P`, covariance entries :math:`\Sigma_{12}`) print without
their argument lists, and symbols keep SymPy's Greek names (``eta`` -> :math:`\eta`).

:func:`latex` and :func:`text` print SymPy objects and refuse text (a string is never parsed: that would
be ``eval``); the sides of :func:`align` may be LaTeX text, which is copied into the block as it is.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

__all__ = ["latex", "align", "text"]


class SgdfpLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with compact derivatives and argument-free undefined functions."""

    printmethod = "_sgdfp_latex"

    def _print(self, expr, **kwargs):
        # SymPy's own objects print themselves through ``_latex`` (infinity as \infty); with our printmethod
        # that hook would be skipped, so it is honoured here unless an object has its own sgdfp form
        if not isinstance(expr, type) and not hasattr(expr, self.printmethod) and hasattr(expr, "_latex"):
            return expr._latex(self, **kwargs)
        return super()._print(expr, **kwargs)

    def _as_ordered_terms(self, expr, order=None):
        r"""SymPy's order, but a sum leads with a positive term where it has one (``1 - \eta\lambda``)."""
        terms = list(super()._as_ordered_terms(expr, order=order))
        return _positive_first_terms(terms)

    def _print_And(self, expr):
        r"""Conjuncts from the simplest (``\lambda > 0``) to the most involved, not in SymPy's sort order."""
        return self._print_LogOp(sorted(expr.args, key=_complexity), r"\wedge")

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        ops = []
        for var, count in expr.variable_count:
            op = rf"\partial_{{{self._print(var)}}}"
            ops.append(op if count == 1 else rf"{op}^{{{count}}}")
        inner = expr.expr
        body = self._print(inner)
        if not (isinstance(inner, (AppliedUndef, sp.Symbol))):
            body = rf"\left[{body}\right]"
        return "".join(ops) + " " + body

    def _print_Function(self, expr, exp=None):
        if isinstance(expr, AppliedUndef):
            name = self._print(sp.Symbol(expr.func.__name__))
            return name if exp is None else rf"{name}^{{{exp}}}"
        return super()._print_Function(expr, exp)


def _positive_first_terms(terms: list) -> list:
    if len(terms) > 1 and terms[0].could_extract_minus_sign():
        for i, term in enumerate(terms):
            if not term.could_extract_minus_sign():
                return [term] + terms[:i] + terms[i + 1:]
    return terms


def _complexity(expr: sp.Basic) -> tuple:
    return len(expr.free_symbols), sp.count_ops(expr), sp.default_sort_key(expr)


def _printable(expr, what: str):
    """A SymPy object or number to print; text is refused (printing it as \\texttt would hide a mistake)."""
    if isinstance(expr, (str, bytes, bytearray)):
        raise TypeError(f"{what}() prints SymPy expressions, not text ({expr!r}); build the expression with "
                        f"sympy.Symbol (LaTeX text goes into align() as a side as it is)")
    if not isinstance(expr, (sp.Basic, sp.MatrixBase, sp.NDimArray, numbers.Number)):
        raise TypeError(f"{what}() prints SymPy expressions; got {type(expr).__name__}")
    return expr


def latex(expr: sp.Basic, **settings) -> str:
    r"""LaTeX of a SymPy expression in sgdfp's notation (:math:`\partial_{\theta_i}`, bare :math:`L`).

    Args:
        expr: a SymPy object (or a number).
        settings: SymPy's LaTeX printer settings (``symbol_names={symbol: "LaTeX"}``, ...).

    Raises:
        TypeError: text, or an object that is not a SymPy object or number; an unknown setting.
    """
    names = settings.get("symbol_names")
    if names is not None and not (isinstance(names, Mapping) and all(isinstance(v, str) for v in names.values())):
        raise TypeError(f"symbol_names maps SymPy symbols to their LaTeX (text); got {type(names).__name__}")
    return SgdfpLatexPrinter(settings).doprint(_printable(expr, "latex"))


def align(equations: Iterable[Sequence], starred: bool = True) -> str:
    r"""An ``align*`` block (``align`` with ``starred=False``).

    Args:
        equations: ``(lhs, rhs)`` pairs, or ``(lhs, relation, rhs)`` with a relation such as
            ``r"\propto"`` or ``r"\iff"`` instead of ``=``. Each side is LaTeX text or a SymPy
            expression; a ``rhs`` that is a list of terms is broken across lines, one term per line.

    Returns:
        The LaTeX block, e.g. ``\begin{align*} P_{k+1} - P_k &= ... \end{align*}``.

    Raises:
        TypeError: ``equations`` or a row given as text, a relation that is not text, a side that is
            neither text nor a SymPy object.
        ValueError: a row of other than two or three entries.
    """
    if isinstance(equations, (str, bytes)) or not isinstance(equations, Iterable):
        raise TypeError("equations must be an iterable of (lhs, rhs) or (lhs, relation, rhs) rows")
    if not isinstance(starred, bool):
        raise TypeError(f"starred must be True or False; got {starred!r}")
    env = "align*" if starred else "align"

    def tex(side):
        return side if isinstance(side, str) else latex(side)  # text is LaTeX already; never parsed

    lines = []
    for row in equations:
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
            raise TypeError(f"each row of align() is (lhs, rhs) or (lhs, relation, rhs); got {row!r}")
        if len(row) not in (2, 3):
            raise ValueError(f"each row of align() is (lhs, rhs) or (lhs, relation, rhs); got {len(row)} entries")
        lhs, relation, rhs = (row[0], "=", row[1]) if len(row) == 2 else row
        if not isinstance(relation, str):
            raise TypeError(f"the relation of a row is LaTeX text such as '=' or r'\\propto'; got {relation!r}")
        if isinstance(rhs, (list, tuple)):
            parts = [tex(t) for t in rhs] or ["0"]
            line = f"{tex(lhs)} &{relation} {parts[0]}"
            for term in parts[1:]:
                sign = "" if term.lstrip().startswith("-") else "+ "
                line += f" \\\\\n  &\\quad {sign}{term}"
            lines.append(line)
        else:
            lines.append(f"{tex(lhs)} &{relation} {tex(rhs)}")
    body = " \\\\\n".join(lines)
    return f"\\begin{{{env}}}\n{body}\n\\end{{{env}}}"


class SgdfpStrPrinter(StrPrinter):
    """Plain text: ``d_theta_1^2(...)`` for derivatives (always parenthesised), undefined functions without arguments."""

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        ops = "".join(f"d_{self._print(v)}" + (f"^{c}" if c != 1 else "") for v, c in expr.variable_count)
        inner = expr.expr
        body = self._print(inner)
        return f"{ops}({body})"

    def _print_Function(self, expr):
        if isinstance(expr, AppliedUndef):
            return expr.func.__name__
        return super()._print_Function(expr)


def text(expr: sp.Basic) -> str:
    """Compact plain text of an expression: ``d_theta_1(eta*P*d_theta_1(L))``.

    Raises:
        TypeError: text, or an object that is not a SymPy object or number.
    """
    return SgdfpStrPrinter().doprint(_printable(expr, "text"))
