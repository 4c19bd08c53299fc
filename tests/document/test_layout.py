"""The width estimate and the line-breaking printer of the document."""

import pytest
import sympy as sp

from sgdfp.derive import eta, latex
from sgdfp.document.layout import Printer, integral_lines, width, wrap


@pytest.mark.parametrize("tex, expected", [
    ("x", 1.0),
    ("x + y", 4.0),                          # a binary operator counts 2 (its spacing)
    ("x^{2}", 1.7),                          # a superscript counts 0.7
    (r"\frac{a}{bc}", 2.6),                  # the wider part of a fraction, and its rule
    (r"\left(x\right)", 3.0),                # sizing commands are invisible
    (r"x \label{eq:long-label-name}", 1.0),  # labels print nothing
    (r"\mathbb{E}", 1.0),
    (r"\quad", 2.0),
])
def test_width_counts_glyphs(tex, expected):
    assert width(tex) == pytest.approx(expected)


def test_long_sums_are_broken_into_lines_that_fit():
    printer = Printer()
    symbols = sp.symbols("a_1:41")
    expr = sp.Add(*[s * eta**2 for s in symbols])
    lines = printer.lines(expr, 40.0)
    assert len(lines) > 3
    assert all(width(text) <= 40.0 for _, text in lines)
    joined = " ".join(text for _, text in lines)
    assert all(latex(s) in joined for s in symbols)
    assert all(text.startswith("+ ") for _, text in lines[1:])  # continuation lines carry their sign
    short = printer.lines(eta * symbols[0], 40.0)
    assert short == [(0, latex(eta * symbols[0]))]


def test_a_product_with_a_long_sum_keeps_its_prefactor_outside_big_brackets():
    symbols = sp.symbols("b_1:31")
    expr = eta**2 * sp.Add(*symbols)
    lines = Printer().lines(expr, 30.0)
    assert lines[0][1].startswith(r"\eta^{2} \Bigl(") and lines[-1][1].endswith(r"\Bigr)")
    assert all(level >= 1 for level, _ in lines[1:])  # the sum indented inside the brackets
    assert all(width(text) <= 30.0 + 2 for _, text in lines)


def test_a_product_of_two_long_sums_parenthesises_both():
    """(x_1 + ... ) (y_1 + ...): printed without the first pair of parentheses it would read x_1 + ... + x_n y_1 ..."""
    x, y = sp.symbols("x_1:16"), sp.symbols("y_1:31")
    expr = sp.Mul(sp.Add(*x), sp.Add(*y), evaluate=False)
    text = " ".join(t for _, t in Printer().lines(expr, 40.0))
    assert text.startswith(r"\left(x_{1} +") and r"\right) \Bigl(" in text and text.endswith(r"\Bigr)")
    # one pair of each: the smaller sum in \left( \right), the larger broken inside \Bigl( \Bigr)
    assert text.count(r"\left(") == 1 and text.count(r"\Bigl(") == 1


def test_a_long_conjunction_breaks_at_its_wedges():
    conditions = [sp.Symbol(f"c_{i}") > i for i in range(1, 16)]
    lines = Printer().lines(sp.And(*conditions), 30.0)
    assert len(lines) > 1 and all(text.startswith(r"\wedge") for _, text in lines[1:])
    assert sum(text.count(">") for _, text in lines) == 15


def test_placeholder_names_print_as_given():
    placeholder = sp.Symbol("momentk_1")
    printer = Printer({placeholder: r"\mathbb{E}[y]_k"})
    assert printer.tex(2 * placeholder) == r"2 \mathbb{E}[y]_k"


def test_wrap_puts_a_short_inner_line_inside_the_brackets():
    assert wrap("a", r"\Bigl(", [(0, "b + c")], r"\Bigr)", 40.0) == [(0, r"a \Bigl( b + c \Bigr)")]
    lines = wrap("a", r"\Bigl(", [(0, "x" * 30), (0, "+ " + "y" * 30)], r"\Bigr)", 40.0)
    assert lines[0] == (0, r"a \Bigl( " + "x" * 30) and lines[-1] == (1, "+ " + "y" * 30 + r" \Bigr)")


def test_an_integral_of_many_factors_is_packed_into_lines_that_fit():
    variables = sp.symbols("t_1:5")
    integrand = sp.Mul(*[sp.DiracDelta(v - sp.Symbol(f"s_{i}") - eta * sp.Symbol(f"w_{i}"))
                         for i, v in enumerate(variables)]) * sp.Symbol("P")
    lines = integral_lines(sp.Integral(integrand, *variables), Printer(), r"\mathbb{E}", 30.0)
    assert len(lines) > 1
    assert lines[0][1].startswith(r"\mathbb{E} \iiiint") and all(text.startswith(r"\times") for _, text in lines[1:-1])
    assert all(width(text) <= 30.0 for _, text in lines)
    assert sum(text.count(r"\delta") for _, text in lines) == 4
