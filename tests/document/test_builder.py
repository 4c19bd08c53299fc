"""The body being assembled: sections, prose and displays in order, every label once."""

import pytest
import sympy as sp

from sgdfp.derive import Equation as CatalogueEquation
from sgdfp.document.builder import DocumentBuilder
from sgdfp.document.display import Row


def test_parts_come_in_the_order_they_were_written():
    b = DocumentBuilder()
    b.section("First", "first")
    b.text("  Some prose.  ")
    display = b.equation("x", [Row("x", sp.Integer(1))])
    assert b.body == "\n\\section{First}\\label{sec:first}\nSome prose.\n" + display.tex + "\n"
    assert b.displays == [display]


def test_a_label_is_used_once():
    b = DocumentBuilder()
    b.equation("x", [Row("x", sp.Integer(1))])
    with pytest.raises(AssertionError, match="duplicate equation label x"):
        b.equation("x", [Row("y", sp.Integer(2))])


def test_catalogue_equations_print_as_the_catalogue_prints_them():
    q = sp.Symbol("q", positive=True)
    equations = (CatalogueEquation("regime-confined", "regimes", r"\text{confined}", q < 1, r"\iff"),
                 CatalogueEquation("regime-unstable", "regimes", r"\text{unstable}", sp.true, r"\iff"))
    display = DocumentBuilder().catalogue("regimes", equations)
    assert display.sources == equations
    for equation in equations:
        assert f"{equation.lhs} &{equation.relation} {equation.rhs_latex()}" in display.tex
