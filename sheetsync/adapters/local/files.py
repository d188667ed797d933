"""The local backend's files: atomic writes that keep the user's file as it was, and clear errors.

Owns three things every local adapter needs:

* :func:`write_atomically`: a crash leaves the old file or the new one, never half of one. The
  new content goes to a temporary file beside the old one, which is then renamed over it; the
  temporary file gets the old file's mode and owner first (where the process may set them), so
  a sync never turns a shared 0644 workbook into a private 0600 one. A new file gets the
  ordinary mode the umask allows, as any program's would.
* :func:`check_replaceable` and :func:`check_folder`: before a sync changes anything, refuse
  a file or folder that is read-only. Replacing by rename needs only the folder's permission,
  so without this check a read-only file would be silently replaced.
* :func:`file_error`: an ``OSError`` as a :class:`BackendError` naming the file and the reason
  in plain words (never the file's contents).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from sheetsync.errors import BackendError

#: What a new file is created with before the umask applies (the umask makes it 0644 usually).
NEW_FILE_MODE = 0o666

_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the disk is read-only",
    errno.ENOSPC: "the disk is full",
    errno.ENOENT: "it does not exist",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOTDIR: "part of its path is a file, not a folder",
    errno.EEXIST: "a file of that name is in the way",
    errno.ENAMETOOLONG: "the name is too long",
}


def reason(error: OSError) -> str:
    """Why an operation on a file failed, in plain words (no path, no contents)."""
    if error.errno in _REASONS:
        return _REASONS[error.errno]
    return os.strerror(error.errno) if error.errno else type(error).__name__


def file_error(action: str, path: Path, error: OSError) -> BackendError:
    """``cannot ACTION NAME in FOLDER: REASON``, as the one error type of the local backend."""
    return BackendError(f"cannot {action} {path.name} in {path.parent}: {reason(error)}")


def read_only(path: Path) -> bool:
    """True if ``path`` (a file or a folder) may not be changed.

    Write permission is checked for this process, and the mode is read as well: a file with no
    write bit at all was made read-only on purpose, and a process that may write anyway (root)
    should respect that too.
    """
    mode = path.stat().st_mode
    wanted = os.W_OK | (os.X_OK if stat.S_ISDIR(mode) else 0)
    return not os.access(path, wanted) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def check_replaceable(path: Path, what: str) -> None:
    """Raise a ``BackendError`` unless :func:`write_atomically` can replace (or create) ``path``.

    ``what`` names the file for the user ("the workbook", "the calendar file"). Nothing is
    created or changed.
    """
    try:
        if path.is_dir():
            raise BackendError(f"{what} {path} is a folder, not a file")
        if path.exists() and read_only(path):
            raise BackendError(f"{what} {path} is read-only: make it writable, then sync again")
    except OSError as error:
        raise file_error("check", path, error) from None
    check_folder(path.parent, path.name)


def check_folder(folder: Path, name: str) -> None:
    """Raise a ``BackendError`` unless files called ``name`` can be created in ``folder``.

    A folder that does not exist yet is created on the first write: then the nearest folder
    above it that exists must be writable.
    """
    try:
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            raise BackendError(f"cannot write {name} in {folder}: {existing} is a file")
        if read_only(existing):
            raise BackendError(f"cannot write {name} in {folder}: the folder is read-only")
    except OSError as error:
        raise BackendError(f"cannot write {name} in {folder}: {reason(error)}") from None


def _create_temp(path: Path) -> tuple[int, Path]:
    """A new, empty temporary file beside ``path``: (open descriptor, its path)."""
    for _ in range(100):
        temp = path.with_name(f".{path.name}-{secrets.token_hex(4)}.tmp")
        try:
            # Not tempfile.mkstemp: it creates 0600 whatever the umask, and a new file should
            # get the mode any program would give it.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            return os.open(temp, flags, NEW_FILE_MODE), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path.parent))


def _keep_owner_and_mode(temp: Path, old: os.stat_result) -> None:
    """Give ``temp`` the owner and mode of the file it replaces, as far as this process may.

    What may not be set is left as created: some disks (a FAT USB stick) have no owners or
    modes to set, and a sync must not fail for that.
    """
    if hasattr(os, "chown"):
        now = temp.stat()
        if (now.st_uid, now.st_gid) != (old.st_uid, old.st_gid):
            # Only root may give a file away; anyone may set a group they belong to. Owner
            # first: changing the owner can clear set-id bits that the mode then puts back.
            for uid in (old.st_uid, -1):
                try:
                    os.chown(temp, uid, old.st_gid)
                    break
                except OSError:
                    continue
    with contextlib.suppress(PermissionError):
        os.chmod(temp, stat.S_IMODE(old.st_mode))


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to a temporary file beside ``path``, then rename it over ``path``.

    The replaced file's mode and owner are kept; failures raise a ``BackendError`` naming the
    file and the reason.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackendError(f"cannot create the folder {folder}: {reason(error)}") from None
    try:
        old: os.stat_result | None = path.stat()
    except FileNotFoundError:
        old = None
    except OSError as error:
        raise file_error("write", path, error) from None
    try:
        handle, temp = _create_temp(path)
    except PermissionError:
        raise BackendError(
            f"cannot write {path.name} in {folder}: the folder is read-only"
        ) from None
    except OSError as error:
        raise file_error("write", path, error) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        if old is not None:
            _keep_owner_and_mode(temp, old)
        os.replace(temp, path)
    except OSError as error:
        raise file_error("write", path, error) from None
    finally:
        with contextlib.suppress(OSError):  # gone already once renamed
            temp.unlink()
