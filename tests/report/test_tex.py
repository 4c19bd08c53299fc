"""report.tex: the TeX template lets no text through without the escape filter; tables, figures and theory."""

import re

import jinja2
import pytest

from sgdfp.report import theory, write_report
from sgdfp.report.tex import chunks, tex_environment, tex_file

SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "^": r"\^{}",
            "_": r"\_", "%": r"\%", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}", "|": r"$|$"}


def test_the_tex_filter_escapes_every_special_character():
    template = tex_environment().from_string("((( text|tex )))")
    for character, escaped in SPECIALS.items():
        assert template.render(text=f"x{character}y") == f"x{escaped}y", character
    assert template.render(text="".join(SPECIALS)) == "".join(SPECIALS.values())


def test_text_that_skips_the_filters_is_refused():
    environment = tex_environment()
    with pytest.raises(TypeError, match="without the tex filter"):
        environment.from_string("((( text )))").render(text="50% of $x$")
    assert environment.from_string("((( n )))").render(n=3) == "3"  # numbers need no escaping
    assert environment.from_string(r"\(( '%d' % 2 ))").render() == r"\(( '%d' % 2 ))"  # LaTeX braces are literal
    with pytest.raises(jinja2.UndefinedError):
        environment.from_string("((( missing|tex )))").render()


def test_figure_paths_are_inserted_only_when_they_are_the_reports_own_file_names():
    assert tex_file("figures/1-run/variance_vs_step.png") == "figures/1-run/variance_vs_step.png"
    for bad in ("../x.png", "/etc/x.png", "a b.png", r"x}\input{y", ""):
        with pytest.raises(ValueError, match="not a file name"):
            tex_file(bad)


def test_chunks_are_balanced():
    assert [len(c) for c in chunks(list(range(6)), 4)] == [3, 3]
    assert [len(c) for c in chunks(list(range(7)), 3)] == [3, 3, 1]
    assert chunks([1], 3) == [[1]]


def test_report_tex_holds_the_tables_figures_and_the_theory(runs, tmp_path):
    sweep, digits = runs
    written = write_report([sweep, digits], tmp_path / "r", pdf=False)
    tex = written.tex.read_text()
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    assert tex.count(r"\begin{tabular}") == tex.count(r"\end{tabular}") > 3
    for tabular in re.findall(r"\\begin\{tabular\}.*?\\end\{tabular\}", tex, flags=re.S):
        assert "\n\n" not in tabular  # a blank line inside a tabular is a TeX error
    for group in theory().groups:  # every group's align* block, as derived
        assert group.latex in tex
    for figure in re.findall(r"\\includegraphics\[[^]]*\]\{([^}]*)\}", tex):
        assert (tmp_path / "r" / figure).is_file(), figure
    assert r"\section{Diffusion against the learning rate}" in tex and r"\propto \eta^{1}" in tex


def test_markup_and_tex_in_a_preset_reach_the_document_escaped(copy_run, tmp_path):
    attack = r"<b>50% \input{/etc/passwd} & $x_1$"
    run = copy_run("tex_attack", lambda d: d["config"].update(preset=attack))
    tex = write_report([run], tmp_path / "r", pdf=False).tex.read_text()
    assert r"\input{/etc/passwd}" not in tex
    assert (r"\textless{}b\textgreater{}50\% \textbackslash{}input\{/etc/passwd\} \& \$x\_1\$" in tex)
