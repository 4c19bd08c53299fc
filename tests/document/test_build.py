"""The whole document: its sections in order, every display numbered once, every reference resolved."""

import re

import pytest

from sgdfp.document import SNIPPETS_DIR, Document, build_document

SECTIONS = [
    "The update and its noise",
    "Master equation and Kramers--Moyal expansion",
    "Discrete Fokker--Planck equation",
    "The Langevin form and what it misses",
    "Stochastic modified equation",
    "The random quadratic near a critical point",
    "Moment recursions",
    "Closed forms for one mode",
    "Regimes and thresholds",
    "Diffusion coefficient of a flat mode",
    "Stationary density",
    "The exact map's tail and higher moments",
    "Momentum and weight decay",
    "The moving frame",
]
# The equations the derivations issue asked for, by label.
REQUIRED = ["sgd-update", "gradient-noise", "master-equation", "kramers-moyal", "jump-moments-1", "jump-moments-2",
            "discrete-fokker-planck", "langevin-step", "step-difference", "flow-difference", "modified-equation",
            "quadratic-update", "quadratic-second-moment", "mode-update", "moment-recursion", "mode-mean",
            "mode-variance", "mode-stationary-variance", "stability-threshold", "regimes", "diffusion-coefficient",
            "stationary-density", "momentum-update", "momentum-jump-moments", "momentum-stability",
            "momentum-stationary-variance", "momentum-langevin-difference", "momentum-diffusion",
            "momentum-weight-decay", "frame-covariance-entries", "frame-covariance"]
ENVIRONMENT = re.compile(r"\\begin\{((?:equation|align|multline|gather|eqnarray)\*?)\}(.*?)\\end\{\1\}", re.DOTALL)


def _labels(tex: str) -> list[str]:
    return re.findall(r"\\label\{(eq:[^}]+)\}", tex)


def test_every_section_and_required_equation_is_there(document):
    assert isinstance(document, Document) and (document.dim, document.eta_order) == (2, 2)
    tex = document.tex
    assert re.findall(r"\\section\{([^}]*)\}", tex) == SECTIONS
    labels = _labels(tex)
    assert len(labels) == len(set(labels)) == len(document.equations)
    assert labels == [d.label for d in document.equations]  # in the order the document prints them
    assert {f"eq:{name}" for name in REQUIRED} <= set(labels)
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    packages = re.findall(r"\\usepackage(?:\[[^]]*\])?\{([^}]*)\}", tex)
    assert set(packages) <= {"geometry", "amsmath", "amssymb", "hyperref"}
    assert f"{SNIPPETS_DIR}/name.tex" in tex


def test_each_display_is_numbered_once_and_labelled(document):
    tex = document.tex
    body = tex[tex.index(r"\begin{document}"):]
    displays = ENVIRONMENT.findall(body)
    assert displays and all(env in ("equation", "align") for env, _ in displays)  # never starred
    assert len(displays) == len(_labels(tex))
    for env, content in displays:
        assert content.count(r"\label{") == 1
        if env == "align":
            lines = content.strip().split("\\\\\n")
            # every line but the one carrying the label is unnumbered: one number per equation
            assert [r"\notag" in line for line in lines] == [True] * (len(lines) - 1) + [False]
            assert r"\label{" in lines[-1]
    for display in document.equations:
        assert display.tex in body


def test_every_reference_resolves(document):
    refs = re.findall(r"\\(?:eq)?ref\{([^}]*)\}", document.tex)
    assert len(refs) >= 8
    assert set(refs) <= set(_labels(document.tex))


def test_nothing_unicode_reaches_the_tex(document):
    # the catalogue's notes are plain Unicode text: they must not leak into a file pdflatex reads
    assert document.tex.isascii()


@pytest.mark.parametrize("dim, order", [(0, 2), (2, 0), (True, 2), (2, 1.5)])
def test_bad_sizes_are_errors(dim, order):
    with pytest.raises(ValueError, match="must be a positive integer"):
        build_document(dim, order)
