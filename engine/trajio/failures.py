"""Plain-language descriptions of the operating-system errors a trajectory writer meets."""

from __future__ import annotations

import errno

_CAUSES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota of this account is used up",
    errno.EFBIG: "the file reached the largest size allowed by the file system or a process limit",
    errno.EACCES: "permission was denied",
    errno.EPERM: "the operation is not permitted",
    errno.EROFS: "the file system is read-only",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "the path is a folder",
    errno.EIO: "the storage device reported an input/output error",
}


def describe_os_error(error: Exception) -> str:
    """Say in words why ``error`` happened, e.g. ``"the disk is full (No space left on device)"``.

    Exceptions other than OSError (mdtraj's RuntimeError) are described by their own message.
    """
    detail = getattr(error, "strerror", None) or str(error)
    cause = _CAUSES.get(getattr(error, "errno", None))
    if cause is None:
        return detail
    return f"{cause} ({detail})"


def frames_phrase(count: int) -> str:
    """``"1 frame"``, ``"12 frames"``."""
    return f"{count} frame" if count == 1 else f"{count} frames"
