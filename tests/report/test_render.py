"""Equations as SVG images through mathtext, from the equation's parts."""

import xml.etree.ElementTree as ElementTree

import sympy as sp

from sgdfp.derive import Equation
from sgdfp.report import theory
from sgdfp.report.render import mathtext_source, render_equation


def test_every_equation_of_the_theory_renders_to_an_svg(tmp_path):
    equations = [e for g in theory().groups for e in g.equations]
    for n, equation in enumerate(equations):
        path = tmp_path / f"{n}.svg"
        assert render_equation(equation, path), equation.name
        root = ElementTree.parse(path).getroot()
        assert root.tag.endswith("svg") and len(list(root.iter())) > 5  # drawn glyphs, not an empty picture


def test_the_mathtext_source_is_the_equation_in_mathtexts_spelling():
    x = sp.Symbol("x")
    equation = Equation("demo", "regimes", r"\text{confined}", x < 1, r"\iff", "a demo")
    assert mathtext_source(equation) == r"\text{confined} \Leftrightarrow x < 1"
    fraction = Equation("demo", "flat", r"\mathcal{D}_t", x / 2)
    assert mathtext_source(fraction) == r"\mathcal{D}_t = \dfrac{x}{2}"


def test_an_equation_mathtext_cannot_parse_is_not_written(tmp_path):
    broken = Equation("broken", "flat", r"\notamacro{", sp.Symbol("x"))
    assert not render_equation(broken, tmp_path / "broken.svg")
    assert not (tmp_path / "broken.svg").exists()
