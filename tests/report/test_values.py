"""Values as plain, HTML and TeX text: rounding rules, exact values, and TeX escaping of every special character."""

import json
import math

import pytest

from sgdfp.report.values import (
    TEX_SPECIAL,
    TexText,
    data_value,
    format_value,
    html_number,
    is_missing,
    tex_escape,
    tex_number,
    tex_value,
)


@pytest.mark.parametrize("value, kind, text", [
    (0.123456, "g", "0.123"), (123456.0, "g", "1.23e+05"), (1.6449e-10, "g", "1.64e-10"), (42, "g", "42"),
    (0.98765, "r", "0.988"), (0.0512, "pct", "5.1 %"), (3.14159, "s", "3.1 s"), (1.049, "x", "1.05×"),
    (True, "g", "yes"), (False, "g", "no"), ([0.025, 0.05], "g", "0.025, 0.05"), ("mnist-mlp", "g", "mnist-mlp"),
    (None, "g", "—"), (math.nan, "g", "—"), (math.inf, "pct", "—"), (7, "path", "7"),
])
def test_format_value_rounds_by_kind_and_shows_undefined_as_a_dash(value, kind, text):
    assert format_value(value, kind) == text


def test_missing_is_none_or_not_finite():
    assert is_missing(None) and is_missing(math.nan) and is_missing(-math.inf)
    assert not is_missing(0.0) and not is_missing(0) and not is_missing("")


def test_data_value_is_the_exact_value():
    for value in (0.1 + 0.2, 1e-300, -3, [0.025, 0.05], "a\"b", None, True):
        assert json.loads(data_value(value)) == value
    assert data_value(math.nan) == "NaN" and data_value(math.inf) == "Infinity" and data_value(-math.inf) == "-Infinity"


def test_html_number_writes_powers_of_ten_and_escapes_text():
    assert html_number("1.64e-10") == "1.64×10<sup>−10</sup>"
    assert html_number("-2e+05") == "-2×10<sup>5</sup>"
    assert html_number("0.5") == "0.5"
    assert html_number("<b>") == "&lt;b&gt;"


# every character TeX treats specially, and what it must become (independent of the module's table)
SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "^": r"\^{}",
            "_": r"\_", "%": r"\%", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}", "|": r"$|$"}


@pytest.mark.parametrize("character", list(SPECIALS))
def test_tex_escape_escapes_every_special_character(character):
    assert tex_escape(f"a{character}b") == f"a{SPECIALS[character]}b"
    assert isinstance(tex_escape(character), TexText)


def test_tex_escape_writes_the_prose_symbols_as_math_and_drops_what_pdflatex_lacks():
    assert tex_escape("η ≥ 0.2, 𝒟 ∝ η") == r"$\eta$ $\ge$ 0.2, $\mathcal{D}$ $\propto$ $\eta$"
    assert tex_escape("Fokker–Planck — ḡ") == r"Fokker--Planck --- $\bar g$"
    assert tex_escape("café") == "café"  # Latin-1 letters are in T1
    assert tex_escape("日本") == "??"
    # every symbol of the table is balanced math or text: an even number of unescaped dollars
    for character, tex in TEX_SPECIAL.items():
        assert tex.replace(r"\$", "").count("$") % 2 == 0, character


def test_tex_escape_breakable_allows_breaks_after_separators_only():
    assert tex_escape("/a_b.c-d", breakable=True) == r"/\allowbreak{}a\_\allowbreak{}b.\allowbreak{}c-\allowbreak{}d"
    assert tex_escape("/a_b", breakable=False) == r"/a\_b"


def test_tex_number_and_value():
    assert tex_number("1.64e-10") == r"$1.64\times10^{-10}$"
    assert tex_number("—") == "---"
    assert tex_number("1.05×") == r"1.05$\times$"
    assert tex_value(0.0512, "pct") == r"5.1 \%"
    assert tex_value("/data/x_y", "path") == r"\texttt{\footnotesize /\allowbreak{}data/\allowbreak{}x\_\allowbreak{}y}"
    assert tex_value("mnist-mlp") == "mnist-mlp"
    assert tex_value("mnist-mlp", breakable=True) == r"mnist-\allowbreak{}mlp"
