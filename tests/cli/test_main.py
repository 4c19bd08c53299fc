"""``sgdfp`` itself: one command per run, user mistakes as one line and exit status 2, and a fast ``--help``."""

import subprocess
import sys

import pytest

from sgdfp.cli import UsageError, build_parser, derive_report, main, mode_report
from sgdfp.document import build


@pytest.mark.parametrize("argv, message", [
    (["derive", "--dim", "0"], "--dim: expected an integer from 1 to 6"),
    (["derive", "--dim", "two"], "--dim: expected an integer"),
    (["derive", "--eta-ordr", "2"], "unrecognized arguments"),
    (["derive", "--latex", "--json"], "not allowed with"),
    (["derivee"], "invalid choice"),
    ([], "required"),
])
def test_user_mistakes_exit_2_with_one_line(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_every_command_is_there_and_knows_how_to_run():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert list(commands) == ["derive", "mode", "validate", "sweep", "latex", "report"]
    args = parser.parse_args(["mode", "--curvature", "1", "--grad-noise", "1", "--lr", "0.1"])
    assert callable(args.run) and args.command == "mode"
    with pytest.raises(UsageError):
        parser.parse_args(["latex"])
    assert callable(derive_report) and callable(mode_report)


def test_an_output_that_cannot_be_made_is_refused_before_the_work(tmp_path, capsys, monkeypatch):
    def never(dim, eta_order):
        raise AssertionError("the document was built although its output cannot be written")

    monkeypatch.setattr(build, "build_document", never)
    blocker = tmp_path / "file"
    blocker.write_text("")  # the output's parent is a file: the directory cannot be made
    assert main(["latex", "--out", str(blocker / "doc"), "--dim", "1", "--eta-order", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sgdfp: error: cannot create") and err.count("\n") == 1


def test_a_bug_is_one_line_and_exit_1_and_the_traceback_comes_with_debug(tmp_path, capsys, monkeypatch):
    def broken(dim, eta_order):
        raise ValueError("a value no user gave")

    monkeypatch.setattr(build, "build_document", broken)
    assert main(["latex", "--out", str(tmp_path / "doc"), "--dim", "1", "--eta-order", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sgdfp: internal error: ValueError: a value no user gave") and "--debug" in err
    assert err.count("\n") == 1 and not (tmp_path / "doc").exists()
    with pytest.raises(ValueError, match="no user gave"):
        main(["latex", "--out", str(tmp_path / "doc"), "--dim", "1", "--debug", "--eta-order", "1"])


def test_module_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "sgdfp", "derive", "--dim", "1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "P_{k+1} - P_k = d_theta_1(eta*P*d_theta_1(L))" in done.stdout


@pytest.mark.parametrize("argv", [["--help"], ["mode", "--help"], ["validate", "--help"]])
def test_help_loads_neither_sympy_nor_torch(argv):
    code = (f"import sys\nfrom sgdfp.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sympy', 'torch', 'numpy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage: sgdfp" in done.stdout and done.stdout.strip().endswith("[]")
