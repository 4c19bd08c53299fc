"""The document being assembled: prose, section headings and numbered displays, in order.

The sections (:mod:`sgdfp.document.sections`) write into a :class:`DocumentBuilder`; :meth:`~DocumentBuilder.equation`
renders rows of derive results, :meth:`~DocumentBuilder.catalogue` renders equations of the mode catalogue as
they are. Every display gets a unique label.
"""

from __future__ import annotations

from collections.abc import Iterable

from sgdfp.document.display import Display, Row, catalogue_rows, render
from sgdfp.document.layout import Printer

__all__ = ["DocumentBuilder"]


class DocumentBuilder:
    """Collects the body of the document: LaTeX paragraphs and :class:`~sgdfp.document.display.Display` objects."""

    def __init__(self):
        self.parts: list[str] = []
        self.displays: list[Display] = []

    def text(self, *paragraphs: str) -> None:
        """Prose (LaTeX), each paragraph stripped and ended with a newline."""
        self.parts.extend(p.strip() + "\n" for p in paragraphs)

    def section(self, title: str, label: str) -> None:
        r"""A ``\section`` labelled ``sec:<label>``."""
        self.parts.append(f"\n\\section{{{title}}}\\label{{sec:{label}}}\n")

    def equation(self, name: str, rows: Iterable[Row], printer: Printer | None = None,
                 sources: Iterable = ()) -> Display:
        """A numbered display ``eq:<name>`` of ``rows``, appended to the body."""
        if any(d.name == name for d in self.displays):
            raise AssertionError(f"duplicate equation label {name}")  # a bug in a section, not user input
        display = render(name, list(rows), printer, tuple(sources))
        self.displays.append(display)
        self.parts.append(display.tex + "\n")
        return display

    def catalogue(self, name: str, equations: Iterable) -> Display:
        """A numbered display ``eq:<name>`` of catalogue equations (:class:`sgdfp.derive.Equation`), as they are."""
        equations = tuple(equations)
        rows, printer = catalogue_rows(equations)
        return self.equation(name, rows, printer, equations)

    @property
    def body(self) -> str:
        return "".join(self.parts)
