"""GROMACS XTC writer built on mdtraj's XTC encoder.

An XTC file is a plain sequence of self-contained compressed frames (magic number, atom count,
step, time, box, coordinates at 1e-3 nm precision) with no header or frame count, so a file
made by concatenating frames is itself a valid XTC. Each frame is encoded by mdtraj into a
scratch file in the system's temporary folder and its bytes are appended to the
trajectory with the same unbuffered, roll-back-on-error path as every other format.

Time stamps: the XTC step field is the frame index (0, 1, 2, ...) and the time field is
``index * timestep_ps`` in picoseconds, or the frame index when the time step is unknown.
The box is written as zeros (no periodic cell).
"""

from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np
from mdtraj.formats import XTCTrajectoryFile

from trajgen.engine.errors import TrajectoryWriteError
from trajgen.engine.trajio.failures import describe_os_error, frames_phrase
from trajgen.engine.trajio.writer import TrajectoryWriter

NM_PER_ANGSTROM = 0.1


class XTCFrameEncoder:
    """Turns one frame at a time into XTC bytes; call ``close`` when done.

    mdtraj writes into a scratch file that stays open (opening one costs ~1.5 ms); after each
    frame the new bytes are read back. The scratch file starts over once it passes
    ``SCRATCH_LIMIT_BYTES``, so it never holds much more than that.
    """

    SCRATCH_LIMIT_BYTES = 1_000_000

    def __init__(self) -> None:
        self._directory = tempfile.mkdtemp(prefix="trajgen-xtc-")
        self._scratch_path = os.path.join(self._directory, "frames.xtc")
        self._scratch: XTCTrajectoryFile | None = None
        self._reader = None
        self._offset = 0

    def encode(self, xyz_angstrom: np.ndarray, step: int, time_ps: float) -> bytes:
        """XTC bytes of one frame; ``xyz_angstrom`` is (n_atoms, 3) in Angstrom."""
        if self._scratch is None or self._offset > self.SCRATCH_LIMIT_BYTES:
            self._start_scratch()
        xyz_nm = (xyz_angstrom * NM_PER_ANGSTROM).astype(np.float32)[None]
        try:
            self._scratch.write(xyz_nm, time=np.array([time_ps], dtype=np.float32),
                                step=np.array([step], dtype=np.int32))
            self._scratch.flush()
            self._reader.seek(self._offset)
            data = self._reader.readall()
        except BaseException:
            self._close_scratch()  # start clean at the next frame
            raise
        self._offset += len(data)
        return data

    def close(self) -> None:
        self._close_scratch()
        shutil.rmtree(self._directory, ignore_errors=True)

    def _start_scratch(self) -> None:
        self._close_scratch()
        self._scratch = XTCTrajectoryFile(self._scratch_path, "w")
        self._reader = open(self._scratch_path, "rb", buffering=0)
        self._offset = 0

    def _close_scratch(self) -> None:
        for handle in (self._scratch, self._reader):
            if handle is not None:
                try:
                    handle.close()
                except Exception:
                    pass
        self._scratch = self._reader = None


class XTCWriter(TrajectoryWriter):
    """Streams frames into a ``.xtc`` file (1e-3 nm precision) plus a topology PDB beside it."""

    extension = ".xtc"

    def __init__(self, *args, **kwargs):
        self._encoder = XTCFrameEncoder()
        try:
            super().__init__(*args, **kwargs)
        except BaseException:
            self._encoder.close()
            raise

    def _encode_frame(self, xyz_angstrom: np.ndarray, index: int) -> bytes:
        try:
            return self._encoder.encode(xyz_angstrom, index, self.frame_time_ps(index))
        except (OSError, RuntimeError) as error:  # mdtraj reports its C-level failures as RuntimeError
            raise TrajectoryWriteError(
                f"Compressing frame {index + 1} in the temporary folder {tempfile.gettempdir()} "
                f"failed: {describe_os_error(error)}. The trajectory keeps its "
                f"{frames_phrase(self.frames_written)}.",
                path=self.partial_path, frames_written=self.frames_written) from error

    def _release(self) -> None:
        self._encoder.close()
