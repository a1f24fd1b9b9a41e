"""The base of every error whose message is written for the user, not for a developer, and the
words for what the operating system refuses (a folder you cannot write, a name too long)."""

from __future__ import annotations

import errno
import os


class CsmError(Exception):
    """Raised with a message that says what went wrong and what to do; shown without traceback."""


#: Longer paths are cut in the middle in messages: one ENAMETOOLONG path can be 4,000 characters.
_PATH_SHOWN = 240

_REASONS = {
    errno.EACCES: "permission denied (check its permissions and its folder's)",
    errno.EPERM: "permission denied (check its permissions and its folder's)",
    errno.EROFS: "the file system is read-only",
    errno.ENAMETOOLONG: (
        "the name is too long for the file system (at most 255 bytes for each folder or file "
        "name); name a shorter path"
    ),
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOENT: "no such file or folder",
    errno.ELOOP: "too many symbolic links in the path",
    errno.ENOSPC: "the disk is full: free some space and try again",
    errno.EDQUOT: "over your disk quota: free some space and try again",
}


def shown_path(path: object) -> str:
    """A path as a message shows it: cut in the middle when it would flood the terminal."""
    text = os.fsdecode(path) if isinstance(path, bytes | os.PathLike) else str(path)
    if len(text) <= _PATH_SHOWN:
        return text
    return f"{text[: _PATH_SHOWN - 40]}…{text[-39:]}"


def os_reason(error: OSError) -> str:
    """What the operating system said, in words a user can act on (no errno, no traceback)."""
    reason = _REASONS.get(error.errno or 0)
    return reason or (error.strerror or str(error)).lower()


def os_problem(error: OSError) -> str:
    """One line for an OSError nobody closer to it explained: the path and the reason."""
    if error.filename is None:
        return os_reason(error)
    return f"{shown_path(error.filename)}: {os_reason(error)}"
