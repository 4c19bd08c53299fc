"""write_report: where it writes, links that survive a move, the PDF, nothing left behind on any error, the CLI."""

import os
import shutil
from pathlib import Path

import pytest

import sgdfp.report.build as build_module
import sgdfp.tex
from sgdfp.cli import main
from sgdfp.report import write_report
from sgdfp.tex import TexError, find_engine


def test_every_link_resolves_inside_the_report_even_after_moving_it(runs, tmp_path, page):
    sweep, digits = runs
    written = write_report([sweep, digits], tmp_path / "report", pdf=False)
    assert written.pdf is None and written.pdf_note is None and written.tex.name == "report.tex"
    moved = tmp_path / "elsewhere" / "moved"
    moved.parent.mkdir()
    shutil.move(str(tmp_path / "report"), moved)
    links = page(build_module.WrittenReport(moved / "report.html", None, None, moved / "report.tex", 0)).links
    images = [link for link in links if link.endswith((".png", ".svg"))]
    assert any(link.startswith("figures/") for link in images)
    assert any(link.startswith("theory/") for link in images)
    assert "data/1-sweep/modes.csv" in links and "data/2-digits/modes.csv" in links
    for link in links:
        assert not os.path.isabs(link) and ".." not in link
        assert (moved / link).is_file(), link
    # every figure each run wrote is in the report (a sweep's diffusion figure with its scaling section)
    for index, run_dir in enumerate((sweep, digits), start=1):
        for png in run_dir.glob("*.png"):
            assert any(link.endswith(png.name) and f"/{index}-" in link for link in images), png
    assert (moved / "data" / "1-sweep" / "modes.csv").read_bytes() == (sweep / "modes.csv").read_bytes()


@pytest.mark.skipif(find_engine() is None, reason="no TeX engine installed")
def test_pdf_is_compiled_when_tex_is_installed(runs, tmp_path, page):
    sweep, digits = runs
    written = write_report([sweep, digits], tmp_path / "pdf")
    assert written.pdf == tmp_path / "pdf" / "report.pdf"
    assert written.pdf.read_bytes()[:4] == b"%PDF"
    assert "report.pdf" in page(written).links
    assert not [p for p in (tmp_path / "pdf").iterdir() if p.suffix in (".aux", ".log")]


def test_without_tex_the_html_is_written_with_a_note(runs, tmp_path, monkeypatch, page):
    monkeypatch.setattr(sgdfp.tex, "find_engine", lambda *a, **k: None)
    written = write_report([runs[1]], tmp_path / "nopdf")
    assert written.pdf is None and written.html.is_file()
    assert isinstance(written.pdf_note, str) and "\n" not in written.pdf_note and "TeX" in written.pdf_note
    assert "report.pdf" not in page(written).links


def test_a_tex_failure_leaves_nothing(runs, tmp_path, monkeypatch, listing):
    def fail(*args, **kwargs):
        raise TexError("pdflatex failed on report.tex: Undefined control sequence (line 3)")

    monkeypatch.setattr(sgdfp.tex, "find_engine", lambda *a, **k: "/usr/bin/pdflatex")
    monkeypatch.setattr(sgdfp.tex, "compile_pdf", fail)
    with pytest.raises(TexError, match="Undefined control sequence"):
        write_report([runs[1]], tmp_path / "new" / "deeper" / "report")
    assert listing(tmp_path) == []  # not even the parent directories it created


@pytest.mark.skipif(find_engine() is None, reason="no TeX engine installed")
def test_a_real_tex_error_is_one_line_and_leaves_nothing(runs, tmp_path, monkeypatch, listing):
    monkeypatch.setattr(build_module, "render_tex", lambda *a, **k: "\\documentclass{article}\\begin{document}"
                                                                    "\\undefinedmacro\\end{document}\n")
    with pytest.raises(ValueError) as caught:
        write_report([runs[1]], tmp_path / "bad")
    assert "\n" not in str(caught.value) and "Undefined control sequence" in str(caught.value)
    assert listing(tmp_path) == []


def _bad(tmp_path, runs, copy_run):
    sweep, digits = runs
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "results.json").write_text('{"config": {"preset": "mnist-mlp"}, "runs": [')
    empty = tmp_path / "empty"
    empty.mkdir()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "results.json").write_text('{"config": {"preset": "x"}, "runs": []}')
    listed = tmp_path / "listed"
    listed.mkdir()
    (listed / "results.json").write_text("[1, 2, 3]")
    copy = copy_run("copy")
    short = copy_run("short", lambda d: d["runs"][0].update(regimes=d["runs"][0]["regimes"][:-1]))
    existing = tmp_path / "existing"
    existing.mkdir()
    afile = tmp_path / "afile"
    afile.write_text("")
    return {
        "missing directory": (([tmp_path / "nope"], tmp_path / "out"), "does not exist"),
        "no results.json": (([empty], tmp_path / "out"), "has no results.json"),
        "corrupt JSON": (([broken], tmp_path / "out"), "is not valid JSON"),
        "missing fields": (([foreign], tmp_path / "out"), "missing field"),
        "not an object": (([listed], tmp_path / "out"), "expected a JSON object"),
        "wrong lengths": (([short], tmp_path / "out"), "entries for"),
        "same directory twice": (([digits, digits], tmp_path / "out"), "given twice"),
        "same directory, two spellings": (([digits, Path(str(digits) + "/.")], tmp_path / "out"), "given twice"),
        "identical copies": (([digits, copy], tmp_path / "out"), "identical results"),
        "several runs without out": (([sweep, digits], None), "--out"),
        "existing out": (([digits], existing), "exists"),
        "out is a file": (([digits], afile), "is not a directory"),
        "out is a run directory": (([digits], digits), "would replace run directory"),
        "out contains a run directory": (([digits], digits.parent), "would replace run directory"),
        "no runs": (([], tmp_path / "out"), "no run directories"),
    }


CASES = ["missing directory", "no results.json", "corrupt JSON", "missing fields", "not an object", "wrong lengths",
         "same directory twice", "same directory, two spellings", "identical copies", "several runs without out",
         "existing out", "out is a file", "out is a run directory", "out contains a run directory", "no runs"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_line_and_writes_nothing(runs, tmp_path, copy_run, listing, case):
    (run_dirs, out), message = _bad(tmp_path, runs, copy_run)[case]
    force = case in ("out is a file", "out is a run directory", "out contains a run directory")
    before = {d: listing(d) for d in [tmp_path, *runs]}
    with pytest.raises(ValueError) as caught:
        write_report(run_dirs, out, pdf=False, force=force)
    assert "\n" not in str(caught.value)
    assert message in str(caught.value)
    assert {d: listing(d) for d in before} == before


def test_force_replaces_an_existing_report_and_nothing_else(runs, tmp_path, listing):
    out = tmp_path / "out"
    write_report([runs[0]], out, pdf=False)
    (out / "old.txt").write_text("old")
    written = write_report([runs[1]], out, pdf=False, force=True)
    assert written.html.is_file() and not (out / "old.txt").exists()
    assert listing(tmp_path) == ["out"]  # no staging directory left beside it
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "thesis.txt").write_text("years of work")
    with pytest.raises(ValueError, match="not an sgdfp output"):
        write_report([runs[1]], thesis, pdf=False, force=True)
    assert (thesis / "thesis.txt").read_text() == "years of work"


def test_cli_report(runs, tmp_path, capsys):
    sweep, digits = runs
    assert main(["report", str(sweep), str(digits), "--out", str(tmp_path / "cli"), "--no-pdf"]) == 0
    assert (tmp_path / "cli" / "report.html").is_file()
    assert "report.html" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nope"), "--no-pdf"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "does not exist" in error
    assert main(["report", str(sweep), str(digits), "--no-pdf"]) == 2
    assert "--out" in capsys.readouterr().err
