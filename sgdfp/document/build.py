r"""The whole document: the preamble, the sections in order, and the displays they numbered.

:func:`build_document` derives everything for SGD in ``dim`` dimensions at truncation order ``eta_order``
(:class:`~sgdfp.document.gather.Derived`), lets each section of :data:`~sgdfp.document.sections.SECTIONS`
write into one :class:`~sgdfp.document.builder.DocumentBuilder`, and returns a :class:`Document`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sgdfp.document.builder import DocumentBuilder
from sgdfp.document.display import Display
from sgdfp.document.gather import Derived, check_sizes

__all__ = ["Document", "build_document", "SNIPPETS_DIR"]

#: The folder of the one-equation snippets, beside the document.
SNIPPETS_DIR = "equations"

TITLE = "Dynamics of SGD at finite learning rate: the derivations"


@dataclass(frozen=True)
class Document:
    """The document's LaTeX and its numbered displays, in order."""

    tex: str
    equations: tuple[Display, ...]
    dim: int
    eta_order: int


def _preamble(dim: int, eta_order: int) -> str:
    import sympy as sp

    import sgdfp

    return rf"""\documentclass[10pt]{{article}}
\usepackage[a4paper,margin=2cm]{{geometry}}
\usepackage{{amsmath}}
\usepackage{{amssymb}}
\usepackage[hidelinks]{{hyperref}}
\allowdisplaybreaks
\numberwithin{{equation}}{{section}}
\title{{{TITLE}}}
\author{{sgdfp {sgdfp.__version__} (SymPy {sp.__version__})}}
\date{{$d = {dim}$ parameters, truncation order $K = {eta_order}$ in $\eta$}}
\begin{{document}}
\maketitle
\noindent Every displayed equation below was derived by \texttt{{sgdfp.derive}} when this document was
written; none is typed in by hand. Each is numbered and labelled (\texttt{{eq:name}}), and each is also
in its own file, \texttt{{{SNIPPETS_DIR}/name.tex}}, ready to paste into a paper that loads
\texttt{{amsmath}}.
"""


def build_document(dim: int = 2, eta_order: int = 2) -> Document:
    """The LaTeX document (text and equations) for SGD in ``dim`` dimensions at truncation order ``eta_order``.

    Raises:
        ValueError: ``dim`` or ``eta_order`` is not a positive integer.
    """
    check_sizes(dim, eta_order)
    from sgdfp.document.sections import SECTIONS

    derived = Derived(dim, eta_order)
    builder = DocumentBuilder()
    for write in SECTIONS:
        write(builder, derived)
    tex = _preamble(dim, eta_order) + "\n" + builder.body + "\n\\end{document}\n"
    return Document(tex=tex, equations=tuple(builder.displays), dim=dim, eta_order=eta_order)
