"""Rows rendered into one numbered, labelled display; catalogue equations turned into rows."""

import re

import pytest
import sympy as sp

from sgdfp.derive import Equation as CatalogueEquation
from sgdfp.derive import eta, latex
from sgdfp.document import Display, Equation
from sgdfp.document.display import Row, catalogue_rows, render
from sgdfp.document.layout import LINE_WIDTH, Printer, width

x, y = sp.symbols("x y")


def test_one_row_is_an_equation_with_its_label():
    display = render("one", [Row("x", eta * y)])
    assert display.tex == f"\\begin{{equation}}\nx = {latex(eta * y)} \\label{{eq:one}}\n\\end{{equation}}"
    assert display.label == "eq:one" and display.snippet_name == "one.tex" and display.sources == ()


def test_several_rows_are_one_align_with_one_number_on_the_last_line():
    display = render("two", [Row("a", x), Row("b", y, relation=r"\propto")])
    lines = display.tex.split("\n")
    assert lines[0] == r"\begin{align}" and lines[-1] == r"\end{align}"
    assert lines[1] == r"a &= x \notag \\" and lines[2] == r"b &\propto y \label{eq:two}"


def test_a_long_row_continues_on_indented_lines_that_fit_the_page():
    terms = sp.Add(*[s * eta for s in sp.symbols("c_1:60")])
    display = render("long", [Row(r"\Delta", terms)])
    body = display.tex.split("\n")[1:-1]
    assert len(body) > 2 and body[0].startswith(r"\Delta &= ")
    assert all(line.startswith(r"&\quad ") for line in body[1:])
    for line in body:
        text = re.sub(r"\\(notag|label\{[^}]*\})|\\\\$", "", line)
        assert width(text.replace("&", "")) <= LINE_WIDTH + 1
    assert display.tex.count(r"\label{") == 1 and display.tex.count(r"\notag") == len(body) - 1


def test_a_note_follows_its_row_and_groups_start_new_lines():
    display = render("noted", [Row("k", [[x], [y]], note=r"\quad\text{(a note)}")])
    body = display.tex.split("\n")[1:-1]
    assert body[0].startswith("k &= x") and body[1].startswith(r"&\quad + y \quad\text{(a note)}")


def test_an_empty_display_is_a_bug():
    with pytest.raises(AssertionError, match="no rows"):
        render("empty", [])


def test_catalogue_rows_keep_sides_relation_and_names():
    placeholder = sp.Symbol("momentk_1")
    equations = [
        CatalogueEquation("a", "map", r"\mathbb{E}[y]_{k+1}", (1 - eta) * placeholder,
                          names={placeholder: r"\mathbb{E}[y]_k"}),
        CatalogueEquation("b", "regimes", r"\text{unstable}", sp.true, r"\iff"),
    ]
    rows, printer = catalogue_rows(equations)
    assert [(r.lhs, r.relation) for r in rows] == [(r"\mathbb{E}[y]_{k+1}", "="), (r"\text{unstable}", r"\iff")]
    assert rows[0].rhs == equations[0].rhs  # a SymPy object, so that a long one can be broken
    assert rows[1].rhs == r"\text{otherwise}"  # a condition that always holds
    assert isinstance(printer, Printer) and printer.tex(rows[0].rhs) == equations[0].rhs_latex()


def test_a_display_keeps_the_catalogue_notes_and_the_old_name_still_works():
    source = CatalogueEquation("c", "map", "q", eta, note="a note")
    display = render("c", [Row("q", eta)], sources=[source])
    assert display.notes == ("a note",) and display.sources == (source,)
    assert Equation is Display
