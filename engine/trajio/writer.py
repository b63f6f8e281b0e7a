"""TrajectoryWriter: the streaming, crash-safe part shared by every trajectory format.

Frames go to a hidden file beside the output (``.OUT.part.dcd``) as they arrive, one
unbuffered write per frame, so memory stays constant and the file on disk always ends at a
frame boundary once ``append`` returns. ``close()`` forces the bytes to disk and renames the
file to its final name in one atomic step. A format subclass only says how to encode its
header, one frame, and its footer.
"""

from __future__ import annotations

import abc
import math
import os
import threading
from typing import ClassVar

import mdtraj
import numpy as np

from trajgen.engine.errors import TrajectoryWriteError
from trajgen.engine.trajio.failures import describe_os_error, frames_phrase
from trajgen.engine.trajio.paths import partial_path_for, topology_path_for
from trajgen.engine.trajio.part_file import PartFile, write_file_atomically
from trajgen.engine.trajio.pdb_records import single_structure_pdb


class TrajectoryWriter(abc.ABC):
    """Streams frames of one topology into a trajectory file.

    Attributes: ``path`` (final file, absolute), ``partial_path`` (the hidden file that holds
    the frames until ``close``), ``topology_path`` (the PDB written beside a DCD/XTC at the
    first frame; ``None`` for PDB output), ``frames_written``, ``timestep_ps``, and
    ``result_path`` (where the frames are now).

    Use as a context manager: leaving the ``with`` block, also by an exception or Ctrl-C,
    closes the writer and keeps every frame appended so far under ``path``.
    """

    extension: ClassVar[str]
    writes_topology_pdb: ClassVar[bool] = True

    def __init__(self, path: str | os.PathLike, topology: mdtraj.Topology, *,
                 timestep_ps: float | None = None, overwrite: bool = True):
        self.path = os.path.abspath(os.fspath(path))
        self.topology = topology
        self.n_atoms = topology.n_atoms
        self.timestep_ps = _checked_timestep(timestep_ps)
        self.partial_path = partial_path_for(self.path)
        self.topology_path = topology_path_for(self.path) if self.writes_topology_pdb else None
        self.frames_written = 0
        self._closed = False
        self._kept_at: str | None = self.partial_path
        self._lock = threading.RLock()
        if self.n_atoms == 0:
            raise TrajectoryWriteError("The topology holds no atoms, so there is nothing to write.")
        if os.path.isdir(self.path):
            raise TrajectoryWriteError(f"{self.path} is a folder; give a trajectory file name.")
        if not overwrite:
            self._refuse_existing()
        self._file = self._create_partial_file()

    # ----- format hooks -------------------------------------------------------------------
    def _header_bytes(self) -> bytes:
        """Bytes at the start of the file, written when the writer opens."""
        return b""

    @abc.abstractmethod
    def _encode_frame(self, xyz_angstrom: np.ndarray, index: int) -> bytes:
        """One frame, (n_atoms, 3) float32 Angstrom, frame ``index`` counted from 0."""

    def _record_frame_count(self, count: int) -> None:
        """Make the file's own bookkeeping (a header count) say ``count`` frames."""

    def _footer_bytes(self) -> bytes:
        """Bytes that end the file, written at ``close``."""
        return b""

    def _release(self) -> None:
        """Free format resources (scratch files) when the writer closes."""

    # ----- public API ---------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def result_path(self) -> str | None:
        """Where the frames are now: ``partial_path`` while open, ``path`` after ``close``,
        ``partial_path`` if the final rename failed, ``None`` if no frame was kept."""
        return self._kept_at

    def frame_time_ps(self, index: int) -> float:
        """Time stamp of frame ``index`` (0-based): ``index * timestep_ps``, or ``index`` if unknown."""
        return float(index) * (self.timestep_ps if self.timestep_ps is not None else 1.0)

    def append(self, xyz_angstrom: np.ndarray) -> None:
        """Write frames now: ``xyz_angstrom`` is (n_atoms, 3) or (n_frames, n_atoms, 3), Angstrom.

        Each frame is on disk (in ``partial_path``) when this returns. On an operating-system
        error (disk full, file too large, permission) the file is cut back to the last complete
        frame, the writer closes, and TrajectoryWriteError says which file holds how many frames.
        """
        frames = self._checked_frames(xyz_angstrom)
        with self._lock:
            if self._closed:
                raise TrajectoryWriteError(
                    f"The trajectory {self.path} is already closed; no more frames can be added.",
                    path=self._kept_at, frames_written=self.frames_written)
            for frame in frames:
                if self.frames_written == 0 and self.topology_path is not None:
                    self._write_topology_pdb(frame)
                self._append_frame(frame)

    def close(self) -> None:
        """Finish the file and move it to ``path``; calling it again does nothing.

        With no frames written nothing is kept: the hidden partial file is removed.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._finish()
            except OSError as error:
                raise TrajectoryWriteError(
                    f"Finishing the trajectory {self.path} failed: {describe_os_error(error)}. "
                    f"Its {frames_phrase(self.frames_written)} remain in {self.partial_path}, "
                    "a valid trajectory file.",
                    path=self.partial_path, frames_written=self.frames_written) from error
            finally:
                self._release()

    def __enter__(self) -> TrajectoryWriter:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<{type(self).__name__} {self.path} {frames_phrase(self.frames_written)}, {state}>"

    # ----- internals ----------------------------------------------------------------------
    def _checked_frames(self, xyz_angstrom: np.ndarray) -> np.ndarray:
        xyz = np.asarray(xyz_angstrom, dtype=np.float32)
        if xyz.ndim == 2:
            xyz = xyz[None]
        if xyz.ndim != 3 or xyz.shape[1:] != (self.n_atoms, 3):
            raise TrajectoryWriteError(
                f"Frames must have shape ({self.n_atoms}, 3) or (n_frames, {self.n_atoms}, 3) to "
                f"match the topology's {self.n_atoms} atoms; got {np.shape(xyz_angstrom)}.",
                path=self.partial_path, frames_written=self.frames_written)
        finite = np.isfinite(xyz).all(axis=(1, 2))
        if not finite.all():
            bad = int(np.flatnonzero(~finite)[0])
            raise TrajectoryWriteError(
                f"Frame {bad} of this batch holds NaN or infinite coordinates, so none of the batch "
                f"was written; the trajectory keeps its {frames_phrase(self.frames_written)}.",
                path=self.partial_path, frames_written=self.frames_written)
        return xyz

    def _append_frame(self, frame: np.ndarray) -> None:
        data = self._encode_frame(frame, self.frames_written)
        start = self._file.size
        try:
            self._file.append(data)
            self._record_frame_count(self.frames_written + 1)
        except BaseException as error:
            self._roll_back(start)
            if isinstance(error, OSError):
                self._fail(error, f"Writing frame {self.frames_written + 1} to {self.path}")
            raise
        self.frames_written += 1

    def _roll_back(self, size: int) -> None:
        """Cut a half-written frame off and make the header count match again."""
        try:
            self._file.truncate(size)
            self._record_frame_count(self.frames_written)
        except OSError:
            pass  # nothing more to do; in a DCD the header count still excludes the frame

    def _fail(self, error: OSError, action: str):
        """Close what was written and raise the error that names where the frames are."""
        try:
            self.close()
        except TrajectoryWriteError:
            pass  # the frames stay in the partial file, which result_path names
        where = self._kept_at
        if where is None:
            held = "No frames were written, so no trajectory file was kept."
        else:
            held = (f"{where} holds the {frames_phrase(self.frames_written)} written before, "
                    "as a valid trajectory.")
        raise TrajectoryWriteError(f"{action} failed: {describe_os_error(error)}. {held}",
                                   path=where, frames_written=self.frames_written) from error

    def _write_topology_pdb(self, frame: np.ndarray) -> None:
        try:
            write_file_atomically(self.topology_path, single_structure_pdb(self.topology, frame))
        except OSError as error:
            self._fail(error, f"Writing the topology file {self.topology_path}")

    def _finish(self) -> None:
        if self.frames_written == 0:
            self._file.discard()
            self._kept_at = None
            return
        end = self._file.size
        try:
            self._file.append(self._footer_bytes())
        except OSError:
            self._file.truncate(end)  # the footer is optional in every format we write
        self._file.sync_and_close()
        os.replace(self.partial_path, self.path)
        self._kept_at = self.path

    def _create_partial_file(self) -> PartFile:
        try:
            part = PartFile(self.partial_path)
        except OSError as error:
            raise TrajectoryWriteError(
                f"Cannot create the trajectory file {self.path}: {describe_os_error(error)}. "
                "No frames were written.", path=None, frames_written=0) from error
        try:
            part.append(self._header_bytes())
        except BaseException as error:
            part.discard()
            if isinstance(error, OSError):
                raise TrajectoryWriteError(
                    f"Cannot write the header of {self.path}: {describe_os_error(error)}. "
                    "No frames were written.", path=None, frames_written=0) from error
            raise
        return part

    def _refuse_existing(self) -> None:
        for existing in (self.path, self.topology_path):
            if existing is not None and os.path.exists(existing):
                raise TrajectoryWriteError(
                    f"{existing} already exists; choose another output name or allow overwriting.",
                    path=None, frames_written=0)


def _checked_timestep(timestep_ps: float | None) -> float | None:
    if timestep_ps is None:
        return None
    value = float(timestep_ps)
    if not math.isfinite(value) or value <= 0.0:
        raise TrajectoryWriteError(
            f"The time step must be a positive number of picoseconds; got {timestep_ps!r}.")
    return value
