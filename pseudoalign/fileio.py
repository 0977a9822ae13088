"""Writing files whole: the new text in a file of the same folder, then a rename over the old.

Owns: write_atomic. An interrupted write leaves the old file or the new one, never half, and
(on Linux) no temporary file either: the text is written to an unnamed file (``O_TMPFILE``)
that gets a name only once it is complete, just before the rename. Elsewhere, or on a file
system without unnamed files, a named ``.NAME.*.tmp`` file is used and removed on any error.
A file written over keeps its permission bits; a symbolic link is written through, so the
link stays a link. Imports only the standard library; raises OSError as the system gives it
(the command line says it in one line).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import tempfile
from pathlib import Path

_NO_TMPFILE = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT, errno.ENOSYS}


def _mode_for(target: Path) -> int:
    """The permission bits the written file gets: the existing file's, else those of a new file."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _write_all(fd: int, raw: bytes) -> None:
    view = memoryview(raw)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    os.fsync(fd)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: some systems cannot open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unnamed(folder: Path, mode: int) -> int | None:
    """An unnamed file in ``folder`` (Linux O_TMPFILE), or None where there is none."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, mode)
    except OSError as err:
        if err.errno in _NO_TMPFILE:
            return None
        raise


class _NoLink(Exception):
    """An unnamed file that cannot be given a name here: write through a named file instead."""


def _name(fd: int, path: Path) -> None:
    """Give the unnamed file ``fd`` the name ``path``: linkat of /proc/self/fd/N, following it.

    os.link follows a symbolic link only through linkat, which it calls when given a folder's
    descriptor; /proc/self/fd/N is such a link, to the unnamed file."""
    try:
        proc = os.open("/proc/self/fd", os.O_RDONLY)
    except OSError as err:
        raise _NoLink from err
    try:
        os.link(str(fd), path, src_dir_fd=proc, follow_symlinks=True)
    except OSError as err:
        if err.errno == errno.EXDEV:  # the link was not followed: no way to name the file here
            raise _NoLink from err
        raise
    finally:
        os.close(proc)


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (see the module's docstring)."""
    given = Path(path)
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    folder = target.parent if str(target.parent) else Path(".")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    mode = _mode_for(target)
    fd = _unnamed(folder, mode)
    if fd is None:
        _write_named(target, folder, raw, mode)
        return
    try:
        _write_unnamed(fd, target, raw, mode)
    except _NoLink:
        _write_named(target, folder, raw, mode)
        return
    _sync_folder(folder)


def _write_unnamed(fd: int, target: Path, raw: bytes, mode: int) -> None:
    """Fill the unnamed file ``fd`` and give it ``target``'s name (closing ``fd`` in any case)."""
    tmp: Path | None = None
    try:
        os.fchmod(fd, mode)  # the umask applied to O_TMPFILE's mode too; keep the file's own bits
        _write_all(fd, raw)
        try:
            _name(fd, target)  # no file yet: it appears whole, with no other name ever
        except FileExistsError:
            while True:
                tmp = _temp_name(target)
                try:
                    _name(fd, tmp)
                    break
                except FileExistsError:
                    continue
            os.replace(tmp, target)
            tmp = None
    except BaseException:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise
    finally:
        os.close(fd)


def _write_named(target: Path, folder: Path, raw: bytes, mode: int) -> None:
    """write_atomic where there are no unnamed files: a named temporary file, removed on error."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        try:
            os.fchmod(fd, mode)  # mkstemp makes it private; keep the old file's bits or a new file's
            _write_all(fd, raw)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _sync_folder(folder)
