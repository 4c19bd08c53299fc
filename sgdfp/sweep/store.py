"""The sweep directory: its layout, which runs in it are done, and writing its files whole.

::

    OUT/
      .sgdfp-output.json   the marker: an sgdfp output of kind "sweep" (sgdfp.files)
      grid.json            the runs of the latest sweep into OUT: name, hash, grid point, configuration
      runs/NAME/           one ordinary 'sgdfp validate' run directory per run, each written atomically
      sweep.json           the combined summary (sgdfp.sweep.summary); runs.csv, the same table as CSV
      diffusion_vs_lr.png  the diffusion coefficient against eta (and diffusion_vs_batch_size.png)
      report/              'sgdfp report' over every run that succeeded

The directory is created whole (:func:`sgdfp.files.atomic_directory`, kind ``"sweep"``) and then filled as
runs finish, so an interrupted sweep leaves its finished runs; running the same sweep again continues: a
run whose directory holds a valid ``results.json`` of the same configuration hash is done
(:meth:`SweepDirectory.is_done`). A lock beside the summary keeps two sweeps from filling one directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sgdfp.errors import InputError, check_instance
from sgdfp.files import atomic_directory, check_output, pid_lock
from sgdfp.sweep.grid import SweepRun, check_runs, config_hash
from sgdfp.validate.results import ResultError, ValidationResults
from sgdfp.validate.typed_json import to_json

__all__ = ["SweepDirectory", "KIND", "GRID_FILE", "RUNS_DIR", "write_text_atomically"]

KIND = "sweep"
GRID_FILE = "grid.json"
RUNS_DIR = "runs"
_LOCK = ".sgdfp-sweep-lock"


def write_text_atomically(path: Path, text: str) -> None:
    """``text`` into ``path`` through a temporary file renamed into place: a reader sees the old or the new file."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; results are to be shared
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class SweepDirectory:
    """``OUT`` of ``sgdfp sweep``: created on the first sweep into it, continued by the next."""

    def __init__(self, out: str | os.PathLike):
        self.path = Path(out)

    @property
    def runs(self) -> Path:
        return self.path / RUNS_DIR

    def run_dir(self, run: SweepRun) -> Path:
        check_instance("run", run, SweepRun, "a SweepRun (an entry of Grid.runs())")
        return self.runs / run.name

    def prepare(self) -> bool:
        """Create the directory (with its marker and ``runs/``) or check that it is a sweep's.

        Returns:
            True when it existed (the sweep continues it).

        Raises:
            InputError: ``OUT`` exists and is not an sgdfp sweep directory, or cannot be created.
        """
        if self.path.exists() or self.path.is_symlink():
            resolved, cwd = self.path.resolve(), Path.cwd().resolve()
            if resolved == cwd or resolved in cwd.parents:
                raise InputError(f"sweep directory '{self.path}' is the working directory or above it; choose a new "
                                 f"directory")
            try:
                check_output(self.path, True, KIND, what="sweep directory")
            except InputError:
                raise InputError(f"--out '{self.path}' exists and is not an sgdfp sweep directory (a sweep "
                                 f"continues only in its own directory); choose another --out") from None
            self.runs.mkdir(exist_ok=True)
            return True
        with atomic_directory(self.path, kind=KIND, what="sweep directory") as staging:
            (staging / RUNS_DIR).mkdir()
            (staging / GRID_FILE).write_text(json.dumps({"runs": []}) + "\n", encoding="utf-8")
        return False

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the sweep's lock (a file holding this process's id; one left by a killed sweep is taken over).

        Raises:
            InputError: another live sweep holds it.
        """
        path = self.path / _LOCK
        with pid_lock(path, f"another sweep is filling '{self.path}' (lock {path}); wait for it to end"):
            yield

    def write_grid(self, runs: list[SweepRun]) -> None:
        """``grid.json``: the runs of this sweep (name, hash, grid point, configuration)."""
        runs = check_runs("runs", runs)
        entries = [{"name": run.name, "hash": run.hash, "point": run.point, "config": to_json(run.config)}
                   for run in runs]
        write_text_atomically(self.path / GRID_FILE, json.dumps({"runs": entries}, indent=1) + "\n")

    def is_done(self, run: SweepRun) -> bool:
        """True when ``runs/NAME`` holds a valid ``results.json`` whose configuration hashes as ``run``'s."""
        check_instance("run", run, SweepRun, "a SweepRun (an entry of Grid.runs())")
        try:
            results = ValidationResults.read(self.run_dir(run))
        except ResultError:
            return False
        return config_hash(results.config) == run.hash

