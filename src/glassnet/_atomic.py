"""Writing a file atomically: a temporary file in the same folder, then a rename.

An interrupted write leaves the previous file intact. The new file gets the mode that the
umask gives a new file (``mkstemp`` alone would make it 0600), and a write removes the
temporaries that killed writes of the same target left behind (``.NAME.XXXXXXXX.tmp``): a
write in progress holds an advisory lock on its temporary, so only abandoned ones go.

``NAME`` is the target's name cut to ``NAME_BYTES`` bytes, so that the temporary's name is
legal for any legal target name (most file systems allow 255 bytes per name).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

__all__ = ["atomic_write"]

STALE_AGE = 3600  # seconds: without advisory locks, an older temporary is taken as stale
NAME_BYTES = 64  # the most of the target's name a temporary's name repeats


def atomic_write(path: Path, write, replace: bool = True) -> Path:
    """Call ``write(binary file)`` on a temporary next to ``path``, then rename it to ``path``.

    The folder must exist. Returns ``path``. With ``replace=False`` an existing ``path``
    is never overwritten: ``FileExistsError`` is raised instead (the temporary is linked
    to ``path``, which fails if ``path`` exists, even if it appeared during the write).
    """
    folder = path.parent if str(path.parent) else Path(".")
    stem = _short(path.name)
    _remove_stale_temporaries(folder, stem)
    fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            # the lock, held until closed, tells a later write that this temporary is alive
            locked = _lock(fd)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; follow the umask
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
            if locked is not None:  # POSIX renames an open file; Windows cannot
                _place(tmp, path, replace)
        if locked is None:
            _place(tmp, path, replace)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def _place(tmp: str, path: Path, replace: bool) -> None:
    """Give the finished temporary the name ``path``: a rename, or, when ``path`` must not
    be replaced, a hard link (refused if ``path`` exists) and the temporary's removal."""
    if replace:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: claim the name, then fill it
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def _short(name: str) -> str:
    """``name`` cut to at most ``NAME_BYTES`` bytes in the file system's encoding (a
    character cut in two stays as its bytes): ``.{_short(name)}.XXXXXXXX.tmp`` is then
    at most 78 bytes long, whatever the length of ``name``."""
    return os.fsdecode(os.fsencode(name)[:NAME_BYTES])


def _umask() -> int:
    """The process's umask: from ``/proc`` on Linux (no change, so no race with other
    threads), elsewhere by setting it and putting it back."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _lock(fd: int, blocking: bool = True) -> bool | None:
    """An advisory lock on an open file: ``True`` when taken, ``False`` when another
    process holds it, ``None`` where there are no such locks (Windows)."""
    try:
        import fcntl
    except ImportError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except OSError:
        return False
    return True


def _remove_stale_temporaries(folder: Path, name: str) -> None:
    """Delete ``.NAME.XXXXXXXX.tmp`` files that a killed save of the same target left
    (``name``: the target's name as ``_short`` cuts it).

    A save in progress holds a lock on its temporary, so only abandoned ones are removed
    (where locks do not exist, those untouched for an hour).
    """
    pattern = re.compile(rf"\.{re.escape(name)}\.[A-Za-z0-9_]{{8}}\.tmp")
    try:
        candidates = [p for p in folder.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return
    for tmp in candidates:
        try:
            fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            stale = _lock(fd, blocking=False)
            if stale is None:
                stale = time.time() - os.fstat(fd).st_mtime > STALE_AGE
            if stale:
                os.unlink(tmp)
        except OSError:
            pass
        finally:
            os.close(fd)
