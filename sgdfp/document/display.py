r"""Numbered displays: rows ``lhs relation rhs`` rendered into one labelled ``equation`` or ``align`` environment.

A :class:`Row` holds a left side (LaTeX or SymPy), a relation and a right side (a SymPy expression, LaTeX,
lines already broken, or a list of terms). :func:`render` breaks each right side to the page with a
:class:`~sgdfp.document.layout.Printer` and writes the rows as one display with one number and one label
(``eq:<name>``): an ``equation`` for a single line, an ``align`` whose lines all but the last carry
``\notag`` otherwise. :func:`catalogue_rows` turns equations of the mode catalogue
(:class:`sgdfp.derive.Equation`) into rows, so the document prints the catalogue's objects as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sympy as sp

from sgdfp.document.layout import LINE_WIDTH, Lines, Printer, width

__all__ = ["Row", "Display", "Equation", "render", "catalogue_rows"]


@dataclass(frozen=True)
class Row:
    """One equation of a display: ``lhs relation rhs`` and an optional note after it.

    ``rhs`` is a SymPy expression or condition, LaTeX, :class:`~sgdfp.document.layout.Lines`, or a list of
    terms (a list of lists: groups that each start a new line).
    """

    lhs: object
    rhs: object
    relation: str = "="
    note: str = ""


@dataclass(frozen=True)
class Display:
    """One numbered, labelled display of the document: its LaTeX environment and where it came from.

    Attributes:
        name: the label without its ``eq:`` prefix, also the snippet's file name.
        tex: the ``equation`` or ``align`` environment.
        sources: the catalogue equations (:class:`sgdfp.derive.Equation`) it prints, in order; empty for
            displays of the engine (update, series, jump moments), which print derive results directly.
    """

    name: str
    tex: str
    sources: tuple = ()

    @property
    def label(self) -> str:
        return f"eq:{self.name}"

    @property
    def snippet_name(self) -> str:
        return f"{self.name}.tex"

    @property
    def notes(self) -> tuple[str, ...]:
        """The catalogue's one-line notes of the equations shown (plain text)."""
        return tuple(source.note for source in self.sources)


#: The rendered display under its earlier name (``sgdfp.document.Equation``).
Equation = Display


def _pieces(row: Row, printer: Printer, budget: float) -> list[tuple[int, str]]:
    rhs = row.rhs
    if isinstance(rhs, Lines):
        return list(rhs)
    if isinstance(rhs, list):
        groups = rhs if rhs and all(isinstance(g, list) for g in rhs) else [rhs]
        pieces = []
        for g, group in enumerate(groups):
            pieces += printer.sum(group, budget, leading=(g == 0))
        return pieces
    return printer.lines(rhs, budget)


def render(name: str, rows: Iterable[Row], printer: Printer | None = None, sources: Sequence = ()) -> Display:
    """The rows as one display labelled ``eq:<name>``, each right side broken to fit :data:`LINE_WIDTH`.

    Args:
        name: the label (without ``eq:``).
        rows: the equations of the display, in order.
        printer: prints SymPy sides (with its placeholder names); a plain one by default.
        sources: the catalogue equations the rows came from (kept on the display).
    """
    printer = printer or Printer()
    lines: list[tuple[str, str]] = []  # (lhs with relation, or the continuation indent; rhs text)
    for row in rows:
        lhs = printer.tex(row.lhs)
        budget = LINE_WIDTH - width(lhs) - 3.0 - width(row.note)
        pieces = _pieces(row, printer, budget)
        if row.note:
            level, text = pieces[-1]
            pieces[-1] = (level, f"{text} {row.note}")
        for i, (level, text) in enumerate(pieces):
            lines.append((f"{lhs} &{row.relation} " if i == 0 else "&" + r"\quad" * (level + 1) + " ", text))
    if not lines:
        raise AssertionError(f"display {name} has no rows")  # a bug in a section, not user input
    label = rf"\label{{eq:{name}}}"
    if len(lines) == 1:
        lead, text = lines[0]
        body = (lead.replace("&", "", 1) + text).strip()
        return Display(name, f"\\begin{{equation}}\n{body} {label}\n\\end{{equation}}", tuple(sources))
    body_lines = []
    for i, (lead, text) in enumerate(lines):
        end = f" {label}" if i == len(lines) - 1 else r" \notag \\"
        body_lines.append(f"{lead}{text}{end}")
    return Display(name, "\\begin{align}\n" + "\n".join(body_lines) + "\n\\end{align}", tuple(sources))


def catalogue_rows(equations: Iterable) -> tuple[list[Row], Printer]:
    r"""Rows for catalogue equations (:class:`sgdfp.derive.Equation`) and a printer that knows their names.

    The right side stays a SymPy object, so that a long one can be broken into lines; one that always
    holds (``sympy.true``, the last regime) prints as the catalogue prints it, ``\text{otherwise}``.
    """
    rows, names = [], {}
    for equation in equations:
        names.update(equation.names)
        rhs = equation.rhs_latex() if equation.rhs is sp.true else equation.rhs
        rows.append(Row(equation.lhs, rhs, equation.relation))
    return rows, Printer(names)
