"""Writing the document: snippets beside it, atomic replacement, and the PDF through sgdfp.tex."""

import re
import subprocess

import pytest

from sgdfp.document import TEX_NAME, Document, Equation, build, write_document
from sgdfp.tex import TexError, find_engine

ENGINE = find_engine()
needs_tex = pytest.mark.skipif(ENGINE is None, reason="no TeX engine installed")
ENVIRONMENT = re.compile(r"\\begin\{((?:equation|align)\*?)\}(.*?)\\end\{\1\}", re.DOTALL)


def test_one_snippet_per_equation_each_as_in_the_document(written):
    result, tex = written
    labels = re.findall(r"\\label\{eq:([^}]+)\}", tex)
    names = sorted(p.name for p in result.snippets_dir.iterdir())
    assert names == sorted(f"{label}.tex" for label in labels)
    assert sorted(p.name for p in result.snippets) == names and result.equations == len(labels)
    for path in result.snippets:
        snippet = path.read_text().strip()
        assert snippet.startswith(r"\begin{") and snippet.endswith("}")
        assert len(ENVIRONMENT.findall(snippet)) == 1  # just the environment, nothing else
        assert snippet in tex
        assert f"\\label{{eq:{path.stem}}}" in snippet
    assert result.tex.name == TEX_NAME


def _tiny_document(dim=1, eta_order=1):
    tex = "\\documentclass{article}\\usepackage{amsmath}\\begin{document}\n"
    eq = Equation("one", "\\begin{equation}\nx = 1 \\label{eq:one}\n\\end{equation}")
    return Document(tex=tex + eq.tex + "\n\\end{document}\n", equations=(eq,), dim=dim, eta_order=eta_order)


def test_an_existing_directory_is_an_error_unless_forced(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "build_document", _tiny_document)
    out = tmp_path / "doc"
    out.mkdir()
    (out / "old.txt").write_text("keep me")
    with pytest.raises(ValueError, match=r"^output directory '.*doc' exists; pass --force to replace it$"):
        write_document(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc"] and (out / "old.txt").exists()
    with pytest.raises(ValueError, match=r"is not an sgdfp output; --force replaces only a previous sgdfp latex"):
        write_document(out, force=True)  # --force never deletes a directory sgdfp did not write
    assert (out / "old.txt").read_text() == "keep me"
    (out / "old.txt").unlink()
    out.rmdir()
    write_document(out)
    (out / "old.txt").write_text("an earlier document's")
    result = write_document(out, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc"]  # no staging or backup left over
    assert not (out / "old.txt").exists()
    assert result.tex == out / "derivations.tex" and result.equations == 1 and result.pdf is None
    assert [p.name for p in result.snippets] == ["one.tex"]


def test_a_failed_compile_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "build_document", _tiny_document)
    monkeypatch.setattr("sgdfp.tex.find_engine", lambda engine=None: "/usr/bin/pdflatex")

    def fail(tex_file, engine=None):
        raise TexError("pdflatex failed on derivations.tex: Undefined control sequence (line 3)")

    monkeypatch.setattr("sgdfp.tex.compile_pdf", fail)
    with pytest.raises(TexError, match="Undefined control sequence"):
        write_document(tmp_path / "new" / "doc", pdf=True)
    assert list(tmp_path.iterdir()) == []  # not even the parent it made
    old = tmp_path / "doc"
    write_document(old)  # an earlier sgdfp document, which --force may replace
    (old / "old.txt").write_text("keep me")
    with pytest.raises(TexError):
        write_document(old, pdf=True, force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["doc"] and (old / "old.txt").read_text() == "keep me"


def test_no_engine_is_said_plainly_before_deriving(tmp_path, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("derived although the PDF cannot be made")

    monkeypatch.setattr(build, "build_document", never)
    monkeypatch.setattr("sgdfp.tex.find_engine", lambda engine=None: None)
    with pytest.raises(TexError, match="no TeX engine found"):
        write_document(tmp_path / "doc", pdf=True)
    assert list(tmp_path.iterdir()) == []


def test_bad_sizes_are_errors_before_anything_is_written(tmp_path):
    for dim, order in ((0, 2), (2, 0), (True, 2), (2, 1.5)):
        with pytest.raises(ValueError, match="must be a positive integer"):
            write_document(tmp_path / "doc", dim=dim, eta_order=order)
    assert list(tmp_path.iterdir()) == []


@needs_tex
def test_the_pdf_is_compiled(written):
    result, _ = written
    assert result.pdf == result.tex.with_suffix(".pdf")
    assert result.pdf.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in result.tex.parent.iterdir()) == [".sgdfp-output.json", "derivations.pdf", "derivations.tex", "equations"]


@needs_tex
def test_the_tex_log_has_no_undefined_reference_and_no_overfull_line(written, tmp_path):
    _, tex = written
    (tmp_path / "doc.tex").write_text(tex)
    for _ in range(2):
        run = subprocess.run([ENGINE, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                             check=False, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout[-2000:]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "undefined" not in log.lower()
    assert "Overfull \\hbox" not in log  # no equation runs off the page


@needs_tex
def test_a_tex_error_is_one_clear_line_and_nothing_is_written(tmp_path, monkeypatch):
    def broken(dim=1, eta_order=1):
        doc = _tiny_document(dim, eta_order)
        return Document(tex=doc.tex.replace("x = 1", r"x = \notacommand"), equations=doc.equations, dim=dim,
                        eta_order=eta_order)

    monkeypatch.setattr(build, "build_document", broken)
    with pytest.raises(TexError) as info:
        write_document(tmp_path / "doc", pdf=True)
    message = str(info.value)
    assert "\n" not in message and "Undefined control sequence" in message and "derivations.tex" in message
    assert list(tmp_path.iterdir()) == []
