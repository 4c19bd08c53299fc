"""``report.html``: the report's content through ``templates/report.html.j2`` (styled by ``report.css``).

Autoescaping is on for the whole template, so a label, preset or path that holds markup is shown as text.
Numbers go through the ``html_number`` filter (``1.64×10<sup>−10</sup>``) and every table cell carries its
exact value in ``data-value`` (and, for numbers, as a tooltip).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from sgdfp.report.figures import FIGURES
from sgdfp.report.tables import REGIMES, source_spans
from sgdfp.report.values import data_value, format_value, html_number

if TYPE_CHECKING:
    import jinja2

    from sgdfp.report.content import ReportContent

__all__ = ["render_html", "html_environment", "REGIME_COLOURS"]

REGIME_COLOURS = {"confined": "#1f77b4", "diffusive": "#ff7f0e", "unstable": "#d62728", "escaping": "#9467bd"}


@cache
def html_environment() -> jinja2.Environment:
    """The jinja2 environment of the HTML template: autoescaping on, the value filters, strict undefined names."""
    import jinja2

    environment = jinja2.Environment(loader=jinja2.PackageLoader("sgdfp.report", "templates"),
                                     autoescape=jinja2.select_autoescape(["html", "html.j2"], default=True),
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(value=format_value, data_value=data_value,
                               html_number=lambda value, kind="g": html_number(format_value(value, kind)))
    environment.globals.update(spans=source_spans, regimes=REGIMES, colours=REGIME_COLOURS, captions=FIGURES)
    return environment


def render_html(content: ReportContent, images: dict[tuple[int, int], str], pdf: bool) -> str:
    """The HTML page.

    Args:
        content: what the report shows.
        images: (group index, equation index) -> the equation's SVG, relative to the report; an equation
            without one is shown as LaTeX code.
        pdf: link ``report.pdf`` (it was written).
    """
    context: dict[str, Any] = {"content": content, "images": images, "pdf": pdf}
    return html_environment().get_template("report.html.j2").render(context)
