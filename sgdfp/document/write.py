"""Writing the document: ``derivations.tex``, one snippet per display, and optionally the PDF, all at once.

Everything is staged in a temporary directory beside the output (:func:`sgdfp.files.atomic_directory`) and
compiled there (:mod:`sgdfp.tex`), then renamed into place: a failure leaves the output as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sgdfp.document import build
from sgdfp.document.build import SNIPPETS_DIR
from sgdfp.document.gather import check_sizes
from sgdfp.errors import check_bool

__all__ = ["TEX_NAME", "WrittenDocument", "write_document"]

#: The document's file name in the output directory.
TEX_NAME = "derivations.tex"


@dataclass(frozen=True)
class WrittenDocument:
    """What :func:`write_document` wrote (final paths)."""

    tex: Path
    equations: int
    snippets: list[Path] = field(hash=False)
    snippets_dir: Path
    pdf: Path | None


def write_document(out: str | os.PathLike, dim: int = 2, eta_order: int = 2, pdf: bool = False,
                   force: bool = False, engine: str | None = None) -> WrittenDocument:
    """Write ``out/derivations.tex`` and ``out/equations/<name>.tex`` (and ``derivations.pdf`` with ``pdf``).

    Args:
        out: the output directory (must not exist unless ``force``).
        dim, eta_order: the size of the derivations (see :func:`~sgdfp.document.build.build_document`).
        pdf: also compile the PDF.
        force: replace an existing ``out``.
        engine: the TeX engine to prefer (see :func:`sgdfp.tex.find_engine`).

    Raises:
        TypeError: ``pdf`` or ``force`` is not a bool.
        ValueError: ``out`` exists and ``force`` is false; bad ``dim`` or ``eta_order``.
        sgdfp.tex.TexError: ``pdf`` without a TeX engine, or the engine rejected the document.
    """
    from sgdfp.files import atomic_directory, refuse_existing
    from sgdfp.tex import ENGINES, TexError, compile_pdf, find_engine

    pdf, force = check_bool("pdf", pdf), check_bool("force", force)
    out = refuse_existing(out, force, kind="latex")
    check_sizes(dim, eta_order)
    if pdf and find_engine(engine) is None:  # say so before the derivations, not after
        raise TexError("no TeX engine found (looked for " + ", ".join(ENGINES) + "); install one, e.g. "
                       "'apt-get install texlive-latex-base texlive-latex-recommended', or leave out --pdf")
    document = build.build_document(dim, eta_order)
    with atomic_directory(out, force, kind="latex") as staging:
        (staging / TEX_NAME).write_text(document.tex)
        (staging / SNIPPETS_DIR).mkdir()
        for display in document.equations:
            (staging / SNIPPETS_DIR / display.snippet_name).write_text(display.tex + "\n")
        if pdf:
            compile_pdf(staging / TEX_NAME, engine)
    snippets_dir = out / SNIPPETS_DIR
    return WrittenDocument(tex=out / TEX_NAME, equations=len(document.equations),
                           snippets=[snippets_dir / d.snippet_name for d in document.equations],
                           snippets_dir=snippets_dir, pdf=(out / TEX_NAME).with_suffix(".pdf") if pdf else None)
