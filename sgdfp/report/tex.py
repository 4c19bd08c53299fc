r"""``report.tex``: the report's content through ``templates/report.tex.j2``, for ``pdflatex``.

The TeX template has autoescaping off and LaTeX-friendly delimiters (``((* block *))``, ``((( value )))``,
``((= comment =))``). Every value it inserts goes through a filter that makes it TeX: ``tex`` (text,
:func:`~sgdfp.report.values.tex_escape`), ``tex_number`` (a formatted number), ``tex_value`` (a table
value), or ``latex`` (LaTeX source from the catalogue, inserted as it is). Anything else -- a plain string
that skipped the filters -- is refused when the template renders, so no text reaches TeX unescaped.
Only packages of texlive-latex-base/recommended are used.
"""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING, Any

from sgdfp.report.figures import FIGURES
from sgdfp.report.tables import source_spans
from sgdfp.report.values import TexText, format_value, tex_escape, tex_number, tex_value

if TYPE_CHECKING:
    import jinja2

    from sgdfp.report.content import ReportContent

__all__ = ["render_tex", "tex_environment", "chunks", "TEX_COLUMNS"]

TEX_COLUMNS = 3  # at most this many run columns per LaTeX table; more are split into balanced tables
CONFIG_COLUMNS = 4  # run directories per configuration table
_FILE_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./")


def chunks(items: list, most: int) -> list[list]:
    """``items`` in consecutive groups of at most ``most``, as even as possible (6 by 4: 3 + 3)."""
    count = max(1, math.ceil(len(items) / most))
    size = max(1, math.ceil(len(items) / count))
    return [items[i:i + size] for i in range(0, len(items), size)]


def tex_file(relative: str) -> TexText:
    """A path inside the report for ``\\includegraphics``: inserted as it is, so it may hold only the characters
    the report gives its own files."""
    if not relative or not set(relative) <= _FILE_CHARACTERS or ".." in relative or relative.startswith("/"):
        raise ValueError(f"not a file name of the report: {relative!r}")
    return TexText(relative)


def _only_tex(value: Any) -> Any:
    """Every ``((( value )))`` of the template: TeX already (a filter made it), or a number."""
    if isinstance(value, TexText) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    raise TypeError(f"the TeX template inserts {type(value).__name__} {str(value)[:40]!r} without the tex filter")


@cache
def tex_environment() -> jinja2.Environment:
    """The jinja2 environment of the TeX template (autoescape off, the TeX filters, strict undefined names)."""
    import jinja2

    environment = jinja2.Environment(loader=jinja2.PackageLoader("sgdfp.report", "templates"), autoescape=False,
                                     block_start_string="((*", block_end_string="*))",
                                     variable_start_string="(((", variable_end_string=")))",
                                     comment_start_string="((=", comment_end_string="=))",
                                     undefined=jinja2.StrictUndefined, finalize=_only_tex, trim_blocks=True,
                                     lstrip_blocks=True, keep_trailing_newline=True)
    environment.filters.update(
        tex=tex_escape, tex_file=tex_file, tex_path=lambda text: tex_escape(text, breakable=True),
        tex_number=lambda value, kind="g": tex_number(format_value(value, kind)),
        tex_value=tex_value, latex=TexText, value=format_value,
        run_number=lambda index: TexText(f"({int(index)})"))
    environment.globals.update(chunks=chunks, spans=source_spans, captions=FIGURES, TEX_COLUMNS=TEX_COLUMNS,
                               CONFIG_COLUMNS=CONFIG_COLUMNS)
    return environment


def render_tex(content: ReportContent) -> str:
    """The LaTeX document (figures and data relative to the report directory)."""
    return tex_environment().get_template("report.tex.j2").render(content=content)
