"""``sgdfp latex``: writes the document and its snippets, and says what it wrote."""

import pytest

from sgdfp.cli import main


def test_cli_latex_writes_and_reports(tmp_path, capsys):
    out = tmp_path / "doc"
    assert main(["latex", "--out", str(out), "--dim", "1", "--eta-order", "1"]) == 0
    printed = capsys.readouterr().out
    snippets = sorted((out / "equations").iterdir())
    assert printed.strip() == (f"wrote {out / 'derivations.tex'} ({len(snippets)} numbered equations, "
                               f"{len(snippets)} snippets in {out / 'equations'})")
    assert (out / "equations" / "discrete-fokker-planck.tex").exists()
    assert main(["latex", "--out", str(out), "--dim", "1", "--eta-order", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists; pass --force to replace it" in err


def test_cli_latex_without_a_tex_engine_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sgdfp.tex.find_engine", lambda engine=None: None)
    assert main(["latex", "--out", str(tmp_path / "doc"), "--pdf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no TeX engine found" in err and "leave out --pdf" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, message", [
    (["latex", "--out", "x", "--dim", "9"], "--dim: expected an integer from 1 to 6"),
    (["latex", "--out", "x", "--eta-order", "0"], "--eta-order: expected an integer from 1 to 6"),
    (["latex", "--dim", "2"], "required: --out"),
    (["latex", "--out", "x", "--pfd"], "unrecognized arguments"),
])
def test_cli_latex_bad_flags(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_cli_latex_refuses_a_size_over_the_budget_before_writing(capsys, tmp_path):
    out = tmp_path / "doc"
    assert main(["latex", "--out", str(out), "--dim", "6", "--eta-order", "6"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sgdfp latex: --dim 6 --eta-order 6 would take an estimated ")
    assert "sizes that fit: --dim 1" in err
    assert list(tmp_path.iterdir()) == []
