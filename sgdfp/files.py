"""Writing an output directory all at once: one place for the rules that nothing is ever half written,
nothing is clobbered, and nothing is left behind.

``sgdfp validate``, ``sgdfp latex`` and ``sgdfp report`` build their output in a staging directory beside
the target and rename it into place at the end:

- a failure anywhere -- an exception, Ctrl-C, SIGTERM -- removes the staging directory and any parent
  directories created for the output; the file system is as it was;
- the output carries a marker (:data:`MARKER`) naming its kind; ``force`` replaces only a previous sgdfp
  output of the same kind (older outputs without a marker are recognised by their files), never a user's
  directory or file;
- the target is checked before any work: it must not be ``.`` or a directory above the working directory,
  its parent must be writable, and no other sgdfp run may be writing it (a lock beside it, holding the
  writer's pid); at the end the rename refuses to replace a directory that appeared meanwhile, unless
  ``force`` was given;
- staging directories and locks left by runs that were killed (SIGKILL) are found by their owner's pid
  and removed the next time the same output is written.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sgdfp.errors import InputError

__all__ = ["atomic_directory", "refuse_existing", "check_output", "terminate_as_interrupt", "pid_alive", "pid_lock", "MARKER", "KINDS"]

#: The marker file every sgdfp output directory carries: ``{"kind": ..., "format": 1}``.
MARKER = ".sgdfp-output.json"
#: Output kinds, and the files that identify an output of that kind written before markers existed.
KINDS = {"validate": ("results.json", "modes.csv"), "latex": ("derivations.tex", "equations"),
         "report": ("report.html", "report.tex"), "sweep": ("grid.json", "runs")}
_STAGING = ".sgdfp-staging"
_LOCK = ".sgdfp-lock"


def _kind_of(directory: Path) -> str | None:
    """The kind of sgdfp output ``directory`` is, or None for anything else."""
    marker = directory / MARKER
    if marker.is_file() and not marker.is_symlink():
        try:
            kind = json.loads(marker.read_text(encoding="utf-8")).get("kind")
        except (OSError, ValueError, AttributeError):
            return None
        return kind if kind in KINDS else None
    for kind, files in KINDS.items():  # outputs of earlier versions
        if all((directory / name).exists() for name in files):
            return kind
    return None


def pid_alive(pid: int) -> bool:
    """True while a process of this id exists (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(out: Path) -> None:
    """Staging directories and locks of earlier runs for ``out`` whose process is gone."""
    prefix = f".{out.name}{_STAGING}-"
    if not out.parent.is_dir():
        return
    for entry in out.parent.iterdir():
        if not entry.name.startswith(prefix) and entry.name != f".{out.name}{_LOCK}":
            continue
        try:
            pid = int(entry.read_text().strip()) if entry.is_file() else int(entry.name[len(prefix):].split("-")[0])
        except (ValueError, OSError, IndexError):
            continue
        if pid != os.getpid() and not pid_alive(pid):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()


def check_output(out: str | os.PathLike, force: bool, kind: str | None = None, what: str = "output directory") -> Path:
    """``out`` as a Path, after every check that can be made before the work starts.

    Raises:
        InputError: ``out`` is ``.`` or above the working directory; it exists and ``force`` is false; with
            ``force``, it is not a previous sgdfp output of the same ``kind``; its parent is not a writable
            directory.
    """
    out = Path(out)
    resolved = out.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents or str(out).strip() in ("", "."):
        raise InputError(f"{what} '{out}' is the working directory or above it; choose a new directory")
    if out.exists() or out.is_symlink():
        if not force:
            raise InputError(f"{what} '{out}' exists; pass --force to replace it")
        if out.is_symlink() or not out.is_dir():
            raise InputError(f"'{out}' exists and is not a directory; --force replaces only a previous sgdfp output")
        found = _kind_of(out)
        if found is None or (kind is not None and found != kind):
            shown = f"an sgdfp {found} output" if found else "not an sgdfp output"
            raise InputError(f"'{out}' is {shown}; --force replaces only a previous sgdfp "
                             f"{kind or 'output'} directory (remove it yourself or choose another --out)")
    parent = next((p for p in [resolved.parent, *resolved.parent.parents] if p.exists()), None)
    if parent is None or not parent.is_dir():
        raise InputError(f"cannot create '{out}': '{parent}' is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot write '{out}': '{parent}' is not writable")
    return out


def refuse_existing(out: str | os.PathLike, force: bool, what: str = "output directory",
                    kind: str | None = None) -> Path:
    """:func:`check_output` (kept under its earlier name)."""
    return check_output(out, force, kind, what)


_NOREPLACE = 1  # RENAME_NOREPLACE of renameat2(2)


def _rename_no_replace(source: Path, target: Path) -> None:
    """Rename, failing with FileExistsError if ``target`` exists (renameat2 where the kernel has it)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        at_fdcwd = -100
        result = renameat2(at_fdcwd, os.fsencode(source), at_fdcwd, os.fsencode(target), _NOREPLACE)
        if result == 0:
            return
        code = ctypes.get_errno()
        if code == errno.EEXIST:
            raise FileExistsError(code, os.strerror(code), str(target))
        if code not in (errno.ENOSYS, errno.EINVAL):
            raise OSError(code, os.strerror(code), str(target))
    if target.exists() or target.is_symlink():
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
    source.rename(target)


def _holder_alive(lock: Path) -> bool:
    """Whether the process whose id ``lock`` holds is alive (an empty lock is being written: alive)."""
    try:
        text = lock.read_text().strip()
    except OSError:
        return False
    if not text:
        return True  # its holder is writing its id this instant
    try:
        pid = int(text)
    except ValueError:
        return False  # not one of ours: stale
    return pid == os.getpid() or pid_alive(pid)


@contextmanager
def pid_lock(path: Path, busy: str) -> Iterator[None]:
    """Hold ``path`` as a lock file with this process's id; one left by a process that is gone is taken over.

    Raises:
        InputError: ``busy``, while a live process holds the lock.
    """
    for _ in range(2):
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileExistsError:
            if _holder_alive(path):
                raise InputError(busy) from None
            with contextlib.suppress(OSError):
                path.unlink()
    else:
        raise InputError(f"cannot take the lock {path}")
    try:
        os.write(descriptor, str(os.getpid()).encode())
        os.close(descriptor)
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


@contextmanager
def _lock(out: Path, what: str) -> Iterator[None]:
    path = out.parent / f".{out.name}{_LOCK}"
    with pid_lock(path, f"another sgdfp run is writing {what} '{out}' (lock {path}); wait for it or choose "
                        f"another --out"):
        yield


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises in the main thread (as Ctrl-C does), so that the cleanup below runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt("terminated")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def atomic_directory(out: str | os.PathLike, force: bool = False, what: str = "output directory",
                     kind: str | None = None) -> Iterator[Path]:
    """Yield an empty staging directory; when the block succeeds it becomes ``out`` (with its marker).

    An existing ``out`` (allowed only with ``force``, and only a previous sgdfp output of the same ``kind``)
    is moved aside first and removed only once the new one is in place. If the block raises (or the process
    gets SIGTERM), the staging directory and any parents created for ``out`` are removed and ``out`` is
    untouched.

    Raises:
        InputError: see :func:`check_output`; another run is writing ``out``; without ``force``, a directory
            appeared at ``out`` while the block ran.
    """
    out = check_output(out, force, kind, what)
    created = [p for p in [out.parent, *out.parent.parents] if not p.exists()]  # innermost first
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out)
    try:
        with _lock(out, what), terminate_as_interrupt():
            staging = Path(tempfile.mkdtemp(prefix=f".{out.name}{_STAGING}-{os.getpid()}-", dir=out.parent))
            try:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; results are to be shared
                yield staging
                if kind is not None:
                    (staging / MARKER).write_text(json.dumps({"kind": kind, "format": 1}) + "\n", encoding="utf-8")
                _replace(staging, out, force, kind, what)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except BaseException:
        for directory in created:
            try:
                directory.rmdir()
            except OSError:
                break
        raise


def _replace(staging: Path, out: Path, force: bool, kind: str | None, what: str) -> None:
    """Rename ``staging`` to ``out``; with ``force`` an existing ``out`` (checked again) is moved aside first and
    removed only afterwards; without it, an ``out`` that appeared meanwhile is refused."""
    if not (out.exists() or out.is_symlink()):
        try:
            _rename_no_replace(staging, out)
            return
        except FileExistsError:
            if not force:
                raise InputError(f"{what} '{out}' appeared while this run was writing it (another run?); "
                                 f"nothing was replaced, pass --force to replace it") from None
    if not force:
        raise InputError(f"{what} '{out}' appeared while this run was writing it (another run?); nothing was "
                         f"replaced, pass --force to replace it")
    check_output(out, force, kind, what)
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}{_STAGING}-{os.getpid()}-old-", dir=out.parent))
    old = aside / "old"
    out.rename(old)
    try:
        _rename_no_replace(staging, out)
    except BaseException:
        old.rename(out)
        raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)
