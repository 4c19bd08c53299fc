"""The run directories a report shows: their checked results, short labels, and the files it may copy.

Each directory is read with :meth:`sgdfp.validate.results.ValidationResults.read` (a
:class:`~sgdfp.validate.results.ResultError`, one line naming the file and the field, for malformed
input). The report adds its own checks across directories: the same directory twice, and two directories
holding identical results.

Only regular files that lie inside a run directory are copied into a report (its figures ``*.png``
and ``modes.csv``): a symbolic link, or anything that is not a regular file, is skipped with a one-line
warning on stderr, so a report never carries a file from elsewhere (``ln -s /etc/shadow run/modes.csv``).
Copies are written with the report's own permissions, not the source's mode bits.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sgdfp.errors import InputError
from sgdfp.report.figures import FIGURES
from sgdfp.validate.results import MODES_FILE, RESULTS_FILE, ValidationResults

__all__ = ["Source", "load_run", "load_sources", "copy_regular_file"]

_COPY_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


@dataclass
class Source:
    """One ``sgdfp validate`` output directory.

    Attributes:
        index: its number in the report, from 1.
        path: the resolved directory.
        results: its checked results.
        figures: its PNG figures that may be copied, in display order.
        modes_csv: its per-mode table, where it has one that may be copied.
        label: a short name that tells it apart from the other directories; ``slug`` the same for file names.
    """

    index: int
    path: Path
    results: ValidationResults
    figures: list[Path] = field(default_factory=list)
    modes_csv: Path | None = None
    label: str = ""
    slug: str = ""

    @property
    def preset(self) -> str:
        """The preset of the run (``"custom"`` for a user's own model)."""
        return self.results.config.preset or "custom"


def load_run(directory: str | os.PathLike) -> ValidationResults:
    """The checked ``results.json`` of one ``sgdfp validate`` directory.

    Raises:
        ValueError: (:class:`~sgdfp.validate.results.ResultError`) one line naming the directory or file
            and what is wrong with it.
    """
    return ValidationResults.read(directory)


def load_sources(run_dirs: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Source]:
    """The run directories, read and checked, with labels.

    Raises:
        ValueError: no directories, a directory that cannot be read (see :func:`load_run`), the same
            directory twice, or two directories with identical results.
    """
    if isinstance(run_dirs, (str, os.PathLike)):
        run_dirs = [run_dirs]
    run_dirs = list(run_dirs)
    if not run_dirs:
        raise InputError("no run directories given")
    sources: list[Source] = []
    seen: dict[Path, Path] = {}
    digests: dict[str, Path] = {}
    for index, directory in enumerate(map(Path, run_dirs), start=1):
        results = load_run(directory)
        resolved = directory.resolve()
        if resolved in seen:
            raise InputError(f"run directory '{directory}' is given twice (as '{seen[resolved]}')")
        seen[resolved] = directory
        digest = hashlib.sha256((directory / RESULTS_FILE).read_bytes()).hexdigest()
        if digest in digests:
            raise InputError(f"'{digests[digest]}' and '{directory}' hold identical results (the same run copied?); "
                             "give each run once")
        digests[digest] = directory
        figures = sorted((p for p in resolved.glob("*.png") if _copyable(p, resolved)), key=_figure_order)
        modes = resolved / MODES_FILE
        sources.append(Source(index, resolved, results, figures,
                              modes if (modes.exists() or modes.is_symlink()) and _copyable(modes, resolved) else None))
    _label(sources)
    return sources


def _figure_order(path: Path) -> tuple:
    order = list(FIGURES)
    return (order.index(path.stem) if path.stem in order else len(order)), path.name


def _copyable(path: Path, root: Path) -> bool:
    """True for a regular file directly inside ``root``; otherwise False, with a warning on stderr."""
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        reason = exc.strerror or str(exc)
    else:
        if stat.S_ISLNK(mode):
            reason = "a symbolic link"
        elif not stat.S_ISREG(mode):
            reason = "not a regular file"
        elif path.parent.resolve() != root:
            reason = "outside the run directory"
        else:
            return True
    print(f"sgdfp report: warning: skipping '{path}': {reason} (only regular files inside the run directory "
          "are copied)", file=sys.stderr)
    return False


def copy_regular_file(source: Path, target: Path) -> None:
    """Copy the contents of the regular file ``source`` to a new file ``target`` (permissions: the umask's).

    The file is opened without following a symbolic link, and checked again once open, so a file swapped
    for a link (or a pipe) after :func:`load_sources` looked at it is refused, not followed.

    Raises:
        ValueError: ``source`` is no longer a regular file.
    """
    try:
        descriptor = os.open(source, _COPY_FLAGS)
    except OSError as exc:
        raise InputError(f"cannot copy '{source}' into the report: {exc.strerror or exc}") from None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise InputError(f"cannot copy '{source}' into the report: not a regular file")
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as out:
            while chunk := handle.read(1 << 20):
                out.write(chunk)


def _label(sources: list[Source]) -> None:
    """Short unique labels: the directory name, with as many parent names as it takes to tell them apart."""
    depth = 1
    while True:
        labels = ["/".join(s.path.parts[-depth:]) for s in sources]
        if len(set(labels)) == len(labels) or depth >= max(len(s.path.parts) for s in sources):
            break
        depth += 1
    for source, label in zip(sources, labels):
        source.label = label
        source.slug = f"{source.index}-" + (re.sub(r"[^A-Za-z0-9]+", "-", source.path.name).strip("-") or "run")
