"""Compiling LaTeX to PDF: one place that finds a TeX engine and turns its log into a clear error.

Used by ``sgdfp latex --pdf`` and ``sgdfp report``. Nothing here is needed to *write* LaTeX; only to
compile it, which is optional: :func:`find_engine` returns ``None`` when no engine is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sgdfp.errors import InputError

__all__ = ["ENGINES", "TexError", "find_engine", "compile_pdf"]

ENGINES = ("pdflatex", "lualatex", "xelatex")
# Two passes settle labels and references; a third is never needed for our documents.
PASSES = 2
TIMEOUT_SECONDS = 300


class TexError(InputError):
    """The TeX engine is missing or rejected the document; the message is one readable line."""


def find_engine(preferred: str | None = None) -> str | None:
    """Path of a TeX engine (``preferred`` first, then pdflatex, lualatex, xelatex), or ``None``."""
    for name in ((preferred,) if preferred else ()) + ENGINES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _first_error(log: str) -> str:
    """The first ``! ...`` error of a TeX log with its line number, as one line."""
    match = re.search(r"^! (.*)$", log, flags=re.MULTILINE)
    if not match:
        return "see the log for details"
    message = match.group(1).strip()
    line = re.search(r"^l\.(\d+)", log[match.end():], flags=re.MULTILINE)
    return f"{message} (line {line.group(1)})" if line else message


def compile_pdf(tex_file: str | os.PathLike, engine: str | None = None) -> Path:
    """Compile ``tex_file`` to a PDF beside it and return the PDF's path.

    The engine runs in a scratch directory, so auxiliary files never litter the output and a failed
    run leaves no half-written PDF; only a finished PDF is moved into place.

    Raises:
        TexError: no engine is installed, or the engine failed (the first TeX error, as one line).
    """
    tex_file = Path(tex_file).resolve()
    executable = find_engine(engine)
    if executable is None:
        raise TexError("no TeX engine found (looked for " + ", ".join(ENGINES) + "); install one, e.g. "
                       "'apt-get install texlive-latex-base texlive-latex-recommended', or leave out --pdf")
    with tempfile.TemporaryDirectory(prefix="sgdfp-tex-") as scratch:
        for _ in range(PASSES):
            try:
                result = subprocess.run(
                    [executable, "-interaction=nonstopmode", "-halt-on-error", "-file-line-error=no",
                     f"-output-directory={scratch}", tex_file.name],
                    cwd=tex_file.parent, capture_output=True, text=True, errors="replace", timeout=TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                raise TexError(f"{Path(executable).name} did not finish {tex_file.name} within "
                               f"{TIMEOUT_SECONDS} s") from None
            if result.returncode != 0:
                log_path = Path(scratch) / (tex_file.stem + ".log")
                log = log_path.read_text(errors="replace") if log_path.exists() else result.stdout
                raise TexError(f"{Path(executable).name} failed on {tex_file.name}: {_first_error(log)}")
        built = Path(scratch) / (tex_file.stem + ".pdf")
        if not built.exists():
            raise TexError(f"{Path(executable).name} produced no PDF for {tex_file.name}")
        target = tex_file.with_suffix(".pdf")
        partial = target.with_name(f".{target.name}.part")
        shutil.move(str(built), partial)  # possibly across file systems: not atomic, so
        os.replace(partial, target)       # only the final rename publishes the PDF
    return target
