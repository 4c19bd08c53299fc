"""Compiling LaTeX: engine discovery, one-line errors from the log, only a finished PDF published (with a stand-in
engine, so these run without TeX; the real engine is exercised by the document and report tests)."""

import os
import stat

import pytest

from sgdfp.tex import TexError, compile_pdf, find_engine


def _engine(directory, body):
    path = directory / "pdflatex"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_no_engine_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_engine() is None
    tex = tmp_path / "doc.tex"
    tex.write_text("x")
    with pytest.raises(TexError, match="no TeX engine found .*apt-get install texlive"):
        compile_pdf(tex)


def test_the_first_error_of_the_log_with_its_line(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = "This is TeX\\n! Undefined control sequence.\\nl.7 \\\\foo\\n"
    engine = _engine(bin_dir, f'for a; do case $a in -output-directory=*) out="${{a#*=}}";; esac; done\n'
                              f'printf "{log}" > "$out/doc.log"; exit 1\n')
    tex = tmp_path / "doc.tex"
    tex.write_text("\\foo")
    with pytest.raises(TexError) as error:
        compile_pdf(tex, engine)
    assert str(error.value) == "pdflatex failed on doc.tex: Undefined control sequence. (line 7)"
    assert not (tmp_path / "doc.pdf").exists() and sorted(os.listdir(tmp_path)) == ["bin", "doc.tex"]


def test_a_finished_pdf_is_moved_into_place_and_nothing_else(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    engine = _engine(bin_dir, 'for a; do case $a in -output-directory=*) out="${a#*=}";; esac; done\n'
                              'echo "%PDF-1.5" > "$out/doc.pdf"; echo log > "$out/doc.log"; echo aux > "$out/doc.aux"\n')
    tex = tmp_path / "doc.tex"
    tex.write_text("ok")
    assert compile_pdf(tex, engine) == tex.with_suffix(".pdf").resolve()
    assert sorted(os.listdir(tmp_path)) == ["bin", "doc.pdf", "doc.tex"]
