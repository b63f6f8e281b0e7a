"""Unbuffered append-only file used while a trajectory is being written.

Every byte goes straight to the operating system (``os.write``), so what a reader or a
later process sees is exactly what the writer has handed over, with no Python buffer in
between. The file tracks its own size, so a failed or interrupted write can be cut back to
the end of the last complete frame with :meth:`PartFile.truncate`.
"""

from __future__ import annotations

import os

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


class PartFile:
    """A binary file opened for writing, with an exact byte count.

    ``path`` is created fresh (a stale file of the same name, left by a run that was killed,
    is removed first). Raises ``OSError`` as the operating system reports it.
    """

    def __init__(self, path: str):
        self.path = path
        if os.path.lexists(path):
            os.unlink(path)
        self._fd: int | None = os.open(path, _OPEN_FLAGS, 0o666)
        self.size = 0

    @property
    def closed(self) -> bool:
        return self._fd is None

    def append(self, data: bytes) -> None:
        """Write ``data`` at the end of the file; ``size`` counts every byte that landed."""
        self._write_at(self.size, data)

    def overwrite(self, offset: int, data: bytes) -> None:
        """Replace bytes already in the file (a header field), without growing it."""
        if offset + len(data) > self.size:
            raise ValueError("overwrite() may only replace bytes that are already written.")
        self._write_at(offset, data)

    def truncate(self, size: int) -> None:
        """Cut the file back to ``size`` bytes (the end of the last complete frame)."""
        os.ftruncate(self._require_fd(), size)
        self.size = size

    def sync_and_close(self) -> None:
        """Force the bytes to the storage device, then close the descriptor."""
        fd = self._require_fd()
        try:
            os.fsync(fd)
        finally:
            self._fd = None
            os.close(fd)

    def discard(self) -> None:
        """Close (if open) and delete the file; errors while doing so are ignored."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def _write_at(self, offset: int, data: bytes) -> None:
        fd = self._require_fd()
        os.lseek(fd, offset, os.SEEK_SET)
        view = memoryview(data)
        while view:
            count = os.write(fd, view)
            view = view[count:]
            offset += count
            self.size = max(self.size, offset)

    def _require_fd(self) -> int:
        if self._fd is None:
            raise ValueError(f"The file {self.path} is already closed.")
        return self._fd


def write_file_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a hidden temporary file and an atomic rename.

    Readers see either the old file or the complete new one, never half of it. Raises
    ``OSError``; on failure the temporary file is removed and ``path`` is untouched.
    """
    directory, name = os.path.split(path)
    temporary = os.path.join(directory, f".{name}.part")
    part = PartFile(temporary)
    try:
        part.append(data)
        part.sync_and_close()
        os.replace(temporary, path)
    except BaseException:
        part.discard()
        raise
