"""``sgdfp report``: hands the run directories to :func:`sgdfp.report.write_report` and says what it wrote."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from sgdfp.cli import main


@dataclass
class _Written:
    html: Path
    pdf: Path | None
    pdf_note: str


class _Calls(list):
    """The arguments ``write_report`` was called with, and what it is to return."""

    result: _Written | None = None


@pytest.fixture
def calls(monkeypatch):
    seen = _Calls()

    def write_report(run_dirs, out=None, pdf=True, force=False):
        seen.append({"run_dirs": list(run_dirs), "out": out, "pdf": pdf, "force": force})
        return seen.result

    monkeypatch.setattr("sgdfp.report.write_report", write_report)
    return seen


def test_the_flags_reach_the_writer_and_the_paths_are_printed(calls, capsys, tmp_path):
    calls.result = _Written(tmp_path / "r" / "report.html", tmp_path / "r" / "report.pdf", "")
    assert main(["report", "a", "b", "--out", str(tmp_path / "r"), "--force"]) == 0
    assert calls == [{"run_dirs": ["a", "b"], "out": str(tmp_path / "r"), "pdf": True, "force": True}]
    assert capsys.readouterr().out.splitlines() == [f"wrote {tmp_path / 'r' / 'report.html'}",
                                                    f"compiled {tmp_path / 'r' / 'report.pdf'}"]


def test_no_pdf_says_why(calls, capsys):
    calls.result = _Written(Path("run/report/report.html"), None, "no TeX engine found")
    assert main(["report", "run", "--no-pdf"]) == 0
    assert calls[0]["pdf"] is False and calls[0]["out"] is None
    assert capsys.readouterr().out.splitlines() == ["wrote run/report/report.html", "no PDF: no TeX engine found"]


def test_a_writer_error_is_one_line_and_exit_2(monkeypatch, capsys):
    from sgdfp.errors import InputError

    def refuse(run_dirs, out=None, pdf=True, force=False):
        raise InputError("run directory 'nope' does not exist")

    monkeypatch.setattr("sgdfp.report.write_report", refuse)
    assert main(["report", "nope"]) == 2
    err = capsys.readouterr().err
    assert err == "sgdfp: error: run directory 'nope' does not exist\n"


def test_report_needs_a_run(capsys):
    assert main(["report"]) == 2
    assert "the following arguments are required: DIR" in capsys.readouterr().err
