"""The flyer folder: the one place where Settings > Flyer file becomes the bytes of a file.

Whoever can edit the Sheet chooses the flyer's name, so the name is treated as hostile: it must
be a plain file name (``cells.parse_file_name``, checked again here), and the file it names must
lie inside the flyer folder once links are resolved, be a regular file outside /proc, /sys and
/dev, and be small enough for a draft. The file that is read is the file that was checked: it
is opened without following links and compared with what was checked before a byte is read.

A sync loads the flyer once, before planning (``service.load_flyer``), the same way in a dry
run and a real run; the planner gets the loaded flyer or the problem, and the mailbox adapters only
attach the bytes they are given. Problems name what is wrong and what is allowed, never the
name typed in the cell (the Sheet shows that already) nor a byte of any file.

Where the folder is: the workbook's folder on the local backend; on Google, the deployment's
``SHEETSYNC_FLYER_DIR`` (or the command line's ``--flyer-dir``), which ``for_deployment``
refuses when it would expose the system, the secrets or the program's own source.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from sheetsync.core.cells import parse_file_name
from sheetsync.core.plan import Attachment, FlyerProblem
from sheetsync.errors import ConfigError
from sheetsync.ports import Flyers

#: The largest flyer attached. Gmail takes 25 MB a message and base64 grows a file by a third,
#: so 10 MiB leaves room for the letter and for a second attachment added by hand.
MAX_FLYER_BYTES = 10 * 1024 * 1024

#: Never a flyer, whatever links lead there: files here are the system's, not the user's.
SYSTEM_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))
#: A deployment's flyer folder may be none of these, nor inside one (/etc holds the mounted
#: secrets, /etc/secrets on Cloud Functions).
REFUSED_FOLDERS = (Path("/etc"), *SYSTEM_ROOTS)

# Windows has none of these but O_BINARY; the folder and link checks above still apply there.
_OPEN_FLAGS = os.O_RDONLY
for _flag in ("O_NOFOLLOW", "O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC", "O_BINARY"):
    _OPEN_FLAGS |= getattr(os, _flag, 0)
del _flag

_SETTING = "SHEETSYNC_FLYER_DIR (or --flyer-dir)"


def source_folder() -> Path:
    """The folder holding the ``sheetsync`` package (and ``main.py`` on Cloud Functions)."""
    return Path(__file__).resolve().parents[2]


def check_flyer_dir(folder: Path) -> Path:
    """``folder`` resolved, or ``ConfigError`` if it must not be a deployment's flyer folder.

    The folder need not exist yet (a bucket mount may come up later); a sync whose Settings
    name a flyer then reports that the folder cannot be opened. Messages name the setting,
    not its value.
    """
    resolved = folder.expanduser().resolve()
    if resolved == Path(resolved.anchor):
        raise ConfigError(f"{_SETTING} must not be the root folder /; use a folder of its own")
    for refused in REFUSED_FOLDERS:
        if resolved.is_relative_to(refused):
            raise ConfigError(
                f"{_SETTING} must not be in {refused} (a system or secrets folder); "
                "use a folder of its own, such as /mnt/sheetsync-flyers"
            )
    source = source_folder()
    if source.is_relative_to(resolved):
        raise ConfigError(
            f"{_SETTING} must not be or contain the program's source folder; "
            "use a folder of its own, such as /mnt/sheetsync-flyers"
        )
    return resolved


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


class FlyerFolder(Flyers):
    """The folder the flyer named in Settings is read from, by plain file name only."""

    def __init__(self, folder: Path, where: str = "the flyer folder") -> None:
        self.folder = folder
        #: How problems name the folder to the user ("the workbook's folder"), never its path.
        self.where = where

    @classmethod
    def for_deployment(cls, folder: Path) -> FlyerFolder:
        """The Google backend's flyer folder, refused (``ConfigError``) per ``check_flyer_dir``."""
        return cls(check_flyer_dir(folder), "the flyer folder (SHEETSYNC_FLYER_DIR)")

    def load(self, name: str) -> Attachment | FlyerProblem:
        """The file ``name`` in this folder, or why it cannot be attached."""
        try:
            parse_file_name(name)
        except ValueError as error:
            return FlyerProblem(str(error))
        try:
            root = self.folder.resolve(strict=True)
        except (OSError, RuntimeError):
            return FlyerProblem(f"{self.where} cannot be opened")
        try:
            path = (root / name).resolve(strict=True)
        except FileNotFoundError:
            return FlyerProblem(f"there is no file of this name in {self.where}")
        except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
            return FlyerProblem("cannot be opened; put the flyer file itself in " + self.where)
        if not path.is_relative_to(root):
            return FlyerProblem(
                f"leads outside {self.where} (a link?); put the flyer file itself there"
            )
        if any(path.is_relative_to(system) for system in SYSTEM_ROOTS):
            return FlyerProblem("names a system file, not a flyer")
        return self._read(path, name)

    def _read(self, path: Path, name: str) -> Attachment | FlyerProblem:
        """``path`` (resolved and checked) as the attachment ``name``, if a small regular file."""
        try:
            checked = os.stat(path, follow_symlinks=False)
        except OSError:
            return FlyerProblem("cannot be read")
        problem = self._size_problem(checked)
        if problem:
            return FlyerProblem(problem)
        # Not following a link, not blocking on a pipe, never becoming a controlling terminal:
        # if the file was swapped since the check, the open fails or the identity differs.
        try:
            fd = os.open(path, _OPEN_FLAGS)
        except OSError as error:
            if error.errno == errno.ELOOP:
                return FlyerProblem("changed while it was read; the next sync tries again")
            return FlyerProblem("cannot be read (check the file's permissions)")
        try:
            opened = os.fstat(fd)
            if not _same_file(opened, checked):
                return FlyerProblem("changed while it was read; the next sync tries again")
            problem = self._size_problem(opened)
            if problem:
                return FlyerProblem(problem)
            content = _read_at_most(fd, MAX_FLYER_BYTES + 1)
        except OSError:
            return FlyerProblem("cannot be read (check the file's permissions)")
        finally:
            os.close(fd)
        if len(content) > MAX_FLYER_BYTES:  # it grew after the check
            return FlyerProblem(self._too_big())
        # Named as in Settings, which a link inside the folder may not be.
        return Attachment(name, content)

    def _size_problem(self, info: os.stat_result) -> str:
        if not stat.S_ISREG(info.st_mode):
            return (
                "is not a regular file (a folder, a device or a pipe); "
                f"put the flyer file itself in {self.where}"
            )
        if info.st_size > MAX_FLYER_BYTES:
            return self._too_big()
        if info.st_size == 0:
            return "is an empty file (0 bytes); save the flyer into it again"
        return ""

    @staticmethod
    def _too_big() -> str:
        return (
            f"is larger than {MAX_FLYER_BYTES // (1024 * 1024)} MiB, too big to attach to a "
            "draft; use a smaller file"
        )


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, min(1024 * 1024, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
