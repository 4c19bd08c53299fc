r"""Printing in the notation of the field: LaTeX, and compact plain text for terminals.

Derivatives print as :math:`\partial_{\theta_1}\partial_{\theta_2}[\dots]`, undefined functions
(the loss :math:`L`, the density :math:`P`, covariance entries :math:`\Sigma_{12}`) print without
their argument lists, and symbols keep SymPy's Greek names (``eta`` -> :math:`\eta`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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


def latex(expr: sp.Basic, **settings) -> str:
    r"""LaTeX of a SymPy expression in sgdfp's notation (:math:`\partial_{\theta_i}`, bare :math:`L`)."""
    return SgdfpLatexPrinter(settings).doprint(expr)


def align(equations: Iterable[Sequence], starred: bool = True) -> str:
    r"""An ``align*`` block (``align`` with ``starred=False``).

    Args:
        equations: ``(lhs, rhs)`` pairs, or ``(lhs, relation, rhs)`` with a relation such as
            ``r"\propto"`` or ``r"\iff"`` instead of ``=``. Each side is LaTeX text or a SymPy
            expression; a ``rhs`` that is a list of terms is broken across lines, one term per line.

    Returns:
        The LaTeX block, e.g. ``\begin{align*} P_{k+1} - P_k &= ... \end{align*}``.
    """
    env = "align*" if starred else "align"

    def tex(side):
        return side if isinstance(side, str) else latex(side)

    lines = []
    for row in equations:
        lhs, relation, rhs = (row[0], "=", row[1]) if len(row) == 2 else row
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
    """Compact plain text of an expression: ``d_theta_1(eta*P*d_theta_1(L))``."""
    return SgdfpStrPrinter().doprint(expr)
