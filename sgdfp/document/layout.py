r"""Layout of displayed equations: a width estimate for LaTeX math and a printer that breaks long ones into lines.

The page (A4, 2 cm margins, 10 pt) holds about :data:`LINE_WIDTH` italic letters of display math beside the
equation number. :func:`width` estimates the printed width of a LaTeX string; :class:`Printer` prints derive
results with :func:`sgdfp.derive.latex` and, where one is wider than the budget, splits it: a sum into its
terms (packed greedily into lines), a product with a long sum into its prefactor and the bracketed sum, a
derivative of such a product inside big brackets, a long conjunction at its :math:`\wedge`. A broken
right-hand side is a list of :data:`Line` pairs ``(indent level, LaTeX)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sympy as sp

__all__ = ["LINE_WIDTH", "INDENT", "Line", "Lines", "Printer", "width", "wrap", "integral_lines"]

#: Display-line budget in rough glyph widths (see :func:`width`), leaving room for the equation number.
LINE_WIDTH = 74.0
#: The width of one continuation indent (``\quad``).
INDENT = 2.0

Line = tuple[int, str]  # (indent level, LaTeX)

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}_^]|[^\s]")
_INVISIBLE = {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "big", "Big", "bigg",
              "displaystyle", "notag", "nonumber", "limits", "label"}
_TEXT = {"mathrm", "text", "operatorname", "mathbb", "mathcal", "mathbf", "mathit", "tilde", "bar", "hat"}
_SPACES = {"quad": 2.0, "qquad": 4.0, ",": 0.3, ";": 0.5, ":": 0.4, " ": 0.5, "!": 0.0, "\\": 0.0}


def width(tex: str) -> float:
    """Rough printed width of a LaTeX math string, in widths of an italic letter.

    Sub- and superscripts count 0.7, a fraction the wider of its parts, relations and binary operators 2
    (their spacing), sizing commands and labels nothing.
    """
    tokens = _TOKEN.findall(tex)
    pos = 0

    def item() -> float:
        nonlocal pos
        if pos >= len(tokens):
            return 0.0
        token = tokens[pos]
        pos += 1
        if token == "{":
            total = 0.0
            while pos < len(tokens) and tokens[pos] != "}":
                total += item()
            pos += 1
            return total
        if token == "}":
            return 0.0
        if token in "_^":
            return 0.7 * item()
        if token.startswith("\\"):
            name = token[1:]
            if name in ("frac", "dfrac", "tfrac"):
                return max(item(), item()) + 0.6
            if name == "label":
                item()
                return 0.0
            if name in _TEXT:
                return item()
            if name in _INVISIBLE:
                return 0.0
            if name in _SPACES:
                return _SPACES[name]
            if name in ("iint", "iiint"):
                return 1.5 * len(name) - 3
            return 1.0
        if token in "+-=<>":
            return 2.0
        if token in ",&":
            return 0.5 if token == "," else 0.0
        return 1.0

    total = 0.0
    while pos < len(tokens):
        total += item()
    return total


class Lines(tuple):
    """A right-hand side already broken into lines: ``(indent, LaTeX)`` pairs, printed as they are."""


class Printer:
    """LaTeX of derive results, with display names for placeholder symbols, and line breaking.

    Args:
        names: ``{symbol: LaTeX}`` for placeholder symbols (the moments at step k, a primed coordinate).

    Short expressions print exactly as :func:`sgdfp.derive.latex` prints them.
    """

    def __init__(self, names: dict | None = None):
        from sgdfp.derive.printing import SgdfpLatexPrinter

        self.names = dict(names or {})
        self._printer = SgdfpLatexPrinter({"symbol_names": self.names})

    def tex(self, expr) -> str:
        """``expr`` in LaTeX (a string is already LaTeX)."""
        return expr if isinstance(expr, str) else self._printer.doprint(expr)

    def terms(self, expr: sp.Expr) -> list[sp.Expr]:
        """The terms of a sum in the order the LaTeX printer writes them."""
        return list(self._printer._as_ordered_terms(expr, order=None))

    def lines(self, expr, budget: float) -> list[Line]:
        """``expr`` in lines of at most ``budget`` where it can be broken (one line where it fits)."""
        text = self.tex(expr)
        if isinstance(expr, str) or width(text) <= budget:
            return [(0, text)]
        if isinstance(expr, sp.Add):
            return self.sum(self.terms(expr), budget)
        if isinstance(expr, sp.Derivative):
            return self._derivative(expr, budget)
        if isinstance(expr, sp.Mul):
            return self._product(expr, budget) or [(0, text)]
        if isinstance(expr, (sp.And, sp.Or)):
            return self._logical(expr, budget)
        return [(0, text)]

    def sum(self, terms: Sequence, budget: float, leading: bool = True) -> list[Line]:
        """Terms joined with their signs into lines of at most ``budget``; ``leading=False`` signs the first too."""
        out: list[Line] = []
        current: str | None = None
        for k, term in enumerate(terms):
            pieces = self.lines(term, budget - INDENT)
            head = pieces[0][1].strip()
            if k or not leading:
                head = f"- {head[1:].lstrip()}" if head.startswith("-") else f"+ {head}"
            if len(pieces) == 1 and current is not None and width(current) + width(head) <= budget:
                current += " " + head
                continue
            if current is not None:
                out.append((0, current))
            if len(pieces) == 1:
                current = head
            else:
                out.append((pieces[0][0], head))
                out.extend(pieces[1:])
                current = None
        if current is not None:
            out.append((0, current))
        return out

    def _logical(self, expr: sp.Basic, budget: float) -> list[Line]:
        joiner = r"\wedge" if isinstance(expr, sp.And) else r"\vee"
        parts = [self.tex(a) for a in expr.args]
        out, current = [], parts[0]
        for part in parts[1:]:
            if width(current) + width(part) + 2 > budget:
                out.append((0, current))
                current = f"{joiner} {part}"
            else:
                current += f" {joiner} {part}"
        return out + [(0, current)]

    def _product(self, expr: sp.Mul, budget: float) -> list[Line] | None:
        sums = [a for a in expr.args if isinstance(a, sp.Add)]
        if not sums:
            return None
        big = max(sums, key=lambda a: width(self.tex(a)))
        rest = sp.Mul(*[a for a in expr.args if a is not big])
        prefix = "-" if rest == -1 else "" if rest == 1 else self.tex(rest)
        if isinstance(rest, sp.Add):  # the other factor is a sum too: it needs its own parentheses
            prefix = rf"\left({prefix}\right)"
        inner = self.sum(self.terms(big), budget - INDENT)
        return wrap(prefix, r"\Bigl(", inner, r"\Bigr)", budget)

    def _derivative(self, expr: sp.Derivative, budget: float) -> list[Line]:
        marker = sp.Dummy("marker")
        ops = self._printer.doprint(sp.Derivative(marker, *expr.variable_count, evaluate=False))
        ops = ops[: ops.rindex(" ")]  # the operators without the marker
        body = expr.expr
        inner = (self._product(body, budget - INDENT) if isinstance(body, sp.Mul) else None) \
            or self.lines(body, budget - INDENT)
        return wrap(ops, r"\biggl[", inner, r"\biggr]", budget)


def wrap(prefix: str, opening: str, inner: list[Line], closing: str, budget: float) -> list[Line]:
    """``prefix opening inner closing``, the inner lines indented one level (on one line where it fits)."""
    first = f"{prefix} {opening}".strip()
    if len(inner) == 1 and width(first) + width(inner[0][1]) <= budget:
        return [(0, f"{first} {inner[0][1]} {closing}")]
    lines = [(level + 1, text) for level, text in inner]
    if width(first) + width(lines[0][1]) <= budget:
        lines[0] = (0, f"{first} {lines[0][1]}")
    else:
        lines.insert(0, (0, first))
    level, text = lines[-1]
    lines[-1] = (level, f"{text} {closing}")
    return lines


def integral_lines(integral: sp.Integral, printer: Printer, prefix: str, budget: float) -> Lines:
    r"""``prefix`` and an integral of a product, the factors packed into lines (continued with ``\times``)."""
    marker = sp.Symbol("integrandmarker")
    shell = Printer({**printer.names, marker: "@"}).tex(sp.Integral(marker, *integral.limits))
    opening, closing = (part.strip() for part in shell.split("@"))
    factors = [printer.tex(f) for f in sp.Mul.make_args(integral.function)]
    lines, current = [], f"{prefix} {opening} {factors[0]}"
    for factor in factors[1:]:
        if width(current) + width(factor) > budget:
            lines.append((0, current))
            current = rf"\times {factor}"
        else:
            current += f" {factor}"
    if width(current) + width(closing) > budget:
        lines.append((0, current))
        current = closing
    else:
        current += closing
    return Lines(lines + [(0, current)])
