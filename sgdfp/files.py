"""Writing an output directory all at once: one place for the rule that nothing is ever half written.

``sgdfp validate``, ``sgdfp latex`` and ``sgdfp report`` all build their output in a staging directory
beside the target and rename it into place at the end; a failure anywhere leaves the file system as
it was (including any parent directories that were created for the output).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_directory", "refuse_existing"]


def refuse_existing(out: str | os.PathLike, force: bool, what: str = "output directory") -> Path:
    """``out`` as a Path; a ValueError when it exists and ``force`` is false."""
    out = Path(out)
    if (out.exists() or out.is_symlink()) and not force:
        raise ValueError(f"{what} '{out}' exists; pass --force to replace it")
    return out


@contextmanager
def atomic_directory(out: str | os.PathLike, force: bool = False, what: str = "output directory") -> Iterator[Path]:
    """Yield an empty staging directory; when the block succeeds it becomes ``out``.

    An existing ``out`` (allowed only with ``force``) is moved aside first and removed only once the new
    one is in place. If the block raises, the staging directory and any parents created for ``out``
    are removed and ``out`` is untouched.

    Raises:
        ValueError: ``out`` exists and ``force`` is false.
    """
    out = refuse_existing(out, force, what)
    created = [p for p in [out.parent, *out.parent.parents] if not p.exists()]  # innermost first
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; results are to be shared
        yield staging
        _replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for directory in created:
            try:
                directory.rmdir()
            except OSError:
                break
        raise


def _replace(staging: Path, out: Path) -> None:
    """Rename ``staging`` to ``out``; an existing ``out`` is moved aside first and removed only afterwards."""
    if not (out.exists() or out.is_symlink()):
        staging.rename(out)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
    old = aside / "old"
    out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        old.rename(out)
        raise
    finally:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        elif old.exists() or old.is_symlink():
            old.unlink()
        shutil.rmtree(aside, ignore_errors=True)
