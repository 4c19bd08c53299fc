"""Atomic output directories: nothing half written, nothing left behind, an old output replaced only at the end."""

import os
import stat

import pytest

from sgdfp.files import atomic_directory, refuse_existing


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


def test_an_existing_output_needs_force_and_is_replaced_whole(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(ValueError, match="exists; pass --force"):
        refuse_existing(out, force=False)
    with pytest.raises(ValueError, match="exists"):
        with atomic_directory(out):
            pass
    with atomic_directory(out, force=True) as staging:
        (staging / "new.txt").write_text("new")
        assert (out / "old.txt").exists()  # the old one stays until the new one is complete
    assert [p.name for p in out.iterdir()] == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
