"""Atomic output directories: nothing half written, nothing left behind, an old output replaced only at the end."""

import os
import stat

import pytest

from sgdfp.files import MARKER, atomic_directory, refuse_existing


def test_the_directory_appears_only_when_the_block_succeeds(tmp_path):
    out = tmp_path / "a" / "b" / "run"
    with atomic_directory(out) as staging:
        (staging / "x.txt").write_text("1")
        assert not out.exists() and staging.parent == out.parent
    assert (out / "x.txt").read_text() == "1"
    mode = stat.S_IMODE(os.stat(out).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o777 & ~umask  # not mkdtemp's private 0700


def test_a_failure_leaves_the_file_system_as_it_was(tmp_path):
    out = tmp_path / "new" / "deeper" / "run"
    with pytest.raises(RuntimeError):
        with atomic_directory(out) as staging:
            (staging / "half.txt").write_text("half")
            raise RuntimeError("interrupted")
    assert not (tmp_path / "new").exists() and list(tmp_path.iterdir()) == []


def test_an_existing_output_needs_force_and_is_replaced_whole(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    with atomic_directory(out, kind="validate") as staging:
        (staging / "old.txt").write_text("old")
    with pytest.raises(ValueError, match="exists; pass --force"):
        refuse_existing(out, force=False)
    with pytest.raises(ValueError, match="exists"):
        with atomic_directory(out, kind="validate"):
            pass
    with atomic_directory(out, force=True, kind="validate") as staging:
        (staging / "new.txt").write_text("new")
        assert (out / "old.txt").exists()  # the old one stays until the new one is complete
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_force_never_replaces_a_users_directory_or_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "thesis.txt").write_text("years of work")
    (tmp_path / "notes.txt").write_text("notes")
    for out in (docs, tmp_path / "notes.txt"):
        with pytest.raises(ValueError, match="replaces only a previous sgdfp"):
            with atomic_directory(out, force=True, kind="latex"):
                pass
    report = tmp_path / "report"
    with atomic_directory(report, kind="report"):
        pass
    with pytest.raises(ValueError, match="is an sgdfp report output"):  # another kind is refused too
        with atomic_directory(report, force=True, kind="validate"):
            pass
    assert (docs / "thesis.txt").read_text() == "years of work" and (tmp_path / "notes.txt").exists()


def test_a_directory_that_appears_meanwhile_is_not_replaced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    with pytest.raises(ValueError, match="appeared while this run was writing"):
        with atomic_directory(out, kind="validate") as staging:
            (staging / "mine.txt").write_text("mine")
            out.mkdir()  # another run (or a user) got there first
            (out / "theirs.txt").write_text("theirs")
    assert [p.name for p in out.iterdir()] == ["theirs.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no staging directory or lock left


def test_a_second_run_to_the_same_output_is_refused_while_the_first_writes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    with atomic_directory(out, kind="validate"):
        with pytest.raises(ValueError, match="another sgdfp run is writing"):
            with atomic_directory(out, kind="validate"):
                pass
    assert out.is_dir()


def test_the_working_directory_and_its_parents_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for out in (".", "", tmp_path, ".."):
        with pytest.raises(ValueError, match="working directory"):
            with atomic_directory(out, force=True, kind="validate"):
                pass


_WRITER = """
import os, sys, time
from sgdfp.files import atomic_directory
with atomic_directory(sys.argv[1], kind="validate") as staging:
    (staging / "partial.txt").write_text("half")
    print("staged", flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGKILL"])
def test_a_killed_run_leaves_nothing_that_survives_the_next_run(tmp_path, signal_name):
    import signal
    import subprocess
    import sys

    out = tmp_path / "run"
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(out)], stdout=subprocess.PIPE, text=True,
                              cwd=tmp_path)
    assert writer.stdout.readline().strip() == "staged"
    writer.send_signal(getattr(signal, signal_name))
    writer.wait(timeout=30)
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    if signal_name == "SIGTERM":  # cleaned up at once
        assert leftovers == []
    else:  # SIGKILL: nothing can run; the next run finds and removes what the dead one left
        assert leftovers and not out.exists()
    with atomic_directory(out, kind="validate") as staging:
        (staging / "done.txt").write_text("done")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
