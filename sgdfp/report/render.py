r"""An equation of the catalogue as an SVG image, with matplotlib's mathtext (no MathJax, no TeX needed).

The image is made from the equation's parts -- its left side, its relation and the LaTeX of its right
side -- in mathtext's dialect: relations mathtext lacks are written with the symbol it has (``\iff`` as
``\Leftrightarrow``), and fractions are set in display style as an equation would be. Where mathtext
cannot typeset an equation, :func:`render_equation` says so and the report shows the LaTeX as code.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sgdfp.derive import Equation

__all__ = ["render_equation", "mathtext_source"]

#: Relations of the catalogue that mathtext spells differently.
MATHTEXT_RELATIONS = {r"\iff": r"\Leftrightarrow"}
FONT_SIZE = 15


def mathtext_source(equation: Equation) -> str:
    """The equation in mathtext's dialect (the same formula)."""
    relation = MATHTEXT_RELATIONS.get(equation.relation, equation.relation)
    # mathtext sets \frac in text style inside a formula; \dfrac is how the equation is displayed
    right = equation.rhs_latex().replace(r"\frac{", r"\dfrac{")
    return f"{equation.lhs} {relation} {right}"


def render_equation(equation: Equation, path: Path) -> bool:
    """Write ``equation`` as an SVG to ``path``; False (nothing written) where mathtext cannot parse it."""
    image = _svg(mathtext_source(equation))
    if image is None:
        return False
    path.write_bytes(image)
    return True


@cache
def _svg(source: str) -> bytes | None:
    """The SVG of a mathtext formula (the same bytes every time: fixed hash salt), or None where it fails to parse.
    Kept for the process, so that writing several reports typesets each formula once."""
    from matplotlib import mathtext, rc_context
    from matplotlib.font_manager import FontProperties

    buffer = io.BytesIO()
    try:
        with rc_context({"mathtext.fontset": "cm", "svg.fonttype": "path", "svg.hashsalt": "sgdfp"}):
            mathtext.math_to_image(f"${source}$", buffer, prop=FontProperties(size=FONT_SIZE), format="svg")
    except Exception:  # mathtext's parser raises ValueError and friends; the LaTeX is shown as code instead
        return None
    return buffer.getvalue()
