r"""Values as text: plain (:func:`format_value`), HTML (:func:`html_number`) and TeX (:func:`tex_escape`,
:func:`tex_number`, :func:`tex_value`), and the exact value a table cell carries (:func:`data_value`).

Numbers are shown to three significant digits (correlations to three decimals, fractions as
percentages); an undefined value (``None``, NaN) is a dash. The TeX forms escape every character TeX
treats specially and write the Unicode symbols the report's prose uses (η, λ, ≥, ...) as math, so
any text can be put into the document.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from markupsafe import Markup, escape

__all__ = ["format_value", "is_missing", "data_value", "html_number", "tex_escape", "tex_number", "tex_value",
           "TexText", "TEX_SPECIAL"]

_SCIENTIFIC = re.compile(r"(-?[0-9.]+)e([+-])0*([0-9]+)")  # the exponent form of format_value's "%.3g"


def is_missing(value: Any) -> bool:
    """True for ``None`` and for a float that is not finite (an undefined metric)."""
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def format_value(value: Any, kind: str = "g") -> str:
    """Plain-text value.

    Args:
        value: a number, a bool, a string, a list of them, or ``None``.
        kind: ``g`` three significant digits (integers whole), ``r`` three decimals (correlations), ``pct`` a
            percentage, ``s`` seconds, ``x`` a ratio, ``path`` as ``g``.

    Returns:
        The text; ``"—"`` for an undefined value, ``yes``/``no`` for a bool, a list joined by commas.
    """
    if is_missing(value):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v, kind) for v in value)
    if isinstance(value, int) and kind in ("g", "path"):
        return str(value)
    if isinstance(value, (int, float)):
        return {"pct": f"{100 * value:.1f} %", "s": f"{value:.1f} s", "x": f"{value:.2f}×",
                "r": f"{value:.3f}"}.get(kind, f"{value:.3g}")
    return str(value)


def data_value(value: Any) -> str:
    """The exact value as JSON, for a cell's ``data-value`` attribute (non-finite floats by name)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return json.dumps(value)


def html_number(text: str) -> Markup:
    """``1.64e-10`` -> ``1.64×10<sup>−10</sup>``; other text escaped."""
    match = _SCIENTIFIC.fullmatch(text)
    if match:
        sign = "−" if match.group(2) == "-" else ""
        return Markup(f"{escape(match.group(1))}×10<sup>{sign}{escape(match.group(3))}</sup>")
    return escape(text)


class TexText(str):
    """Text that is already TeX (escaped text or LaTeX source); the TeX template inserts nothing else."""


#: How each character TeX treats specially, and each Unicode symbol of the report's prose, is written in TeX.
TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
               "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}",
               "|": r"$|$", "η": r"$\eta$", "λ": r"$\lambda$", "Γ": r"$\Gamma$", "ρ": r"$\rho$", "α": r"$\alpha$",
               "ḡ": r"$\bar g$", "𝒟": r"$\mathcal{D}$", "÷": r"$\div$", "×": r"$\times$", "≥": r"$\ge$",
               "≤": r"$\le$", "≈": r"$\approx$", "→": r"$\to$", "∝": r"$\propto$", "∞": r"$\infty$",
               "·": r"$\cdot$", "²": r"$^2$", "—": "---", "–": "--", "−": "-", "‐": "-", "…": r"\dots{}"}
_BREAK_AFTER = frozenset("/-_.")  # where a long path or platform string may break


def tex_escape(text: Any, breakable: bool = False) -> TexText:
    """Text for LaTeX: specials escaped, the known symbols as math, other characters beyond ASCII and the
    Latin-1 letters (which T1-encoded pdflatex may lack) as ``?``.

    Args:
        text: any value (written with ``str``).
        breakable: allow line breaks after ``/ - _ .`` (long paths and platform strings).
    """
    out = []
    for character in str(text):
        if character in TEX_SPECIAL:
            out.append(TEX_SPECIAL[character])
        elif ord(character) < 128 or (character.isalpha() and ord(character) < 256):
            out.append(character)
        else:
            out.append("?")
        if breakable and character in _BREAK_AFTER:
            out.append(r"\allowbreak{}")
    return TexText("".join(out))


def tex_number(text: str) -> TexText:
    r"""A formatted value in TeX: ``1.64e-10`` -> ``$1.64\times10^{-10}$``, the dash of an undefined value
    as ``---``, other text escaped."""
    match = _SCIENTIFIC.fullmatch(text)
    if match:
        sign = "-" if match.group(2) == "-" else ""
        return TexText(f"${match.group(1)}\\times10^{{{sign}{match.group(3)}}}$")
    return tex_escape(text)


def tex_value(value: Any, kind: str = "g", breakable: bool = False) -> TexText:
    """A table value in TeX: a path in small typewriter type that may break, text (breakable where asked),
    numbers formatted (see :func:`format_value`)."""
    if kind == "path":
        return TexText(r"\texttt{\footnotesize " + tex_escape(format_value(value), breakable=True) + "}")
    if isinstance(value, str):
        return tex_escape(value, breakable)
    return tex_number(format_value(value, kind))
