"""Writing a report: read the runs, derive the theory, copy the figures, render the HTML and the TeX,
compile the PDF -- all into a staging directory that becomes the report only when everything succeeded."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sgdfp.tex
from sgdfp.errors import InputError, check_bool
from sgdfp.files import atomic_directory, check_output
from sgdfp.report.content import build_content
from sgdfp.report.figures import figure_entries
from sgdfp.report.formulas import Theory, theory
from sgdfp.report.html import render_html
from sgdfp.report.render import render_equation
from sgdfp.report.sources import Source, copy_regular_file, load_sources
from sgdfp.report.tables import columns_of
from sgdfp.report.tex import render_tex
from sgdfp.validate.results import MODES_FILE

__all__ = ["WrittenReport", "write_report", "resolve_out"]

NO_ENGINE = "no TeX engine (pdflatex, lualatex or xelatex) is installed; the HTML report was written alone"


@dataclass(frozen=True)
class WrittenReport:
    """What :func:`write_report` wrote.

    Attributes:
        html, tex: ``report.html`` and ``report.tex``.
        pdf: ``report.pdf``, or ``None`` when it was not compiled; ``pdf_note`` then says why (``None`` when
            it was not asked for).
        seconds: how long writing took.
    """

    html: Path
    pdf: Path | None
    pdf_note: str | None
    tex: Path
    seconds: float


def resolve_out(sources: list[Source], out: str | os.PathLike | None, force: bool) -> Path:
    """The report directory: ``DIR/report`` by default for a single run.

    Raises:
        InputError: several runs without ``out``; ``out`` is or contains a run directory; ``out`` exists
            (without ``force``) or is not a previous report (see :func:`sgdfp.files.check_output`).
    """
    if out is None:
        if len(sources) > 1:
            raise InputError(f"{len(sources)} runs need an output directory for their report: pass --out DIR")
        out = sources[0].path / "report"
    out = Path(out)
    target = out.resolve()
    for source in sources:
        if target == source.path or source.path.is_relative_to(target):
            raise InputError(f"report directory '{out}' would replace run directory '{source.path}'; "
                             "choose another --out")
    return check_output(out, force, kind="report", what="report directory")


def _copy_run_files(sources: list[Source], staging: Path) -> dict[tuple[str, str], str]:
    """Copy each run's figures to ``figures/<slug>/`` and its ``modes.csv`` to ``data/<slug>/``.

    Returns:
        (slug, figure stem) -> the copy's path relative to the report.
    """
    figure_paths = {}
    for source in sources:
        for figure in source.figures:
            relative = f"figures/{source.slug}/" + re.sub(r"[^A-Za-z0-9_-]+", "-", figure.stem) + ".png"
            copy_regular_file(figure, staging / relative)
            figure_paths[(source.slug, figure.stem)] = relative
        if source.modes_csv is not None:
            copy_regular_file(source.modes_csv, staging / "data" / source.slug / MODES_FILE)
    return figure_paths


def _render_theory(theory_: Theory, staging: Path) -> dict[tuple[int, int], str]:
    """Each equation as ``theory/eq-GG-EE.svg``; (group, equation) -> path, for those mathtext could typeset."""
    (staging / "theory").mkdir()
    images = {}
    for g, group in enumerate(theory_.groups):
        for e, equation in enumerate(group.equations):
            relative = f"theory/eq-{g + 1:02d}-{e + 1:02d}.svg"
            if render_equation(equation, staging / relative):
                images[(g, e)] = relative
    return images


def write_report(run_dirs: str | os.PathLike | Iterable[str | os.PathLike], out: str | os.PathLike | None = None,
                 pdf: bool = True, force: bool = False) -> WrittenReport:
    """Write the report of one or more ``sgdfp validate`` directories (see :mod:`sgdfp.report`).

    Args:
        run_dirs: output directories of ``sgdfp validate`` (one path or several).
        out: the report directory; default ``DIR/report`` for a single run, required for several.
        pdf: also compile ``report.pdf`` when a TeX engine is installed.
        force: replace an existing ``out``.

    Raises:
        TypeError: ``pdf`` or ``force`` is not a bool.
        ValueError: bad input or output (one line); :class:`sgdfp.tex.TexError` (a ``ValueError``) when TeX
            fails. Nothing is written in either case.
    """
    pdf, force = check_bool("pdf", pdf), check_bool("force", force)
    start = time.perf_counter()
    sources = load_sources(run_dirs)
    out = resolve_out(sources, out, force)
    columns = columns_of(sources)
    theory_ = theory()
    generated = datetime.now().strftime("%Y-%m-%d %H:%M")
    with atomic_directory(out, force, what="report directory", kind="report") as staging:
        figure_paths = _copy_run_files(sources, staging)
        images = _render_theory(theory_, staging)
        content = build_content(sources, columns, theory_, figure_entries(sources, figure_paths, staging),
                                figure_paths, generated)
        tex_path = staging / "report.tex"
        tex_path.write_text(render_tex(content), encoding="utf-8")
        pdf_path, note = None, None
        if pdf:
            if sgdfp.tex.find_engine() is None:
                note = NO_ENGINE
            else:
                pdf_path = sgdfp.tex.compile_pdf(tex_path)
        (staging / "report.html").write_text(render_html(content, images, pdf=pdf_path is not None),
                                             encoding="utf-8")
    return WrittenReport(html=out / "report.html", pdf=out / "report.pdf" if pdf_path is not None else None,
                         pdf_note=note, tex=out / "report.tex", seconds=time.perf_counter() - start)
