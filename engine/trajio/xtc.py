"""GROMACS XTC writer built on mdtraj's XTC encoder.

An XTC file is a plain sequence of self-contained compressed frames (magic number, atom count,
step, time, box, coordinates at 1e-3 nm precision) with no header or frame count, so a file
made by concatenating frames is itself a valid XTC. Each frame is encoded by mdtraj into a
small scratch file in the system's temporary folder and its bytes are appended to the
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
    """Turns one frame into XTC bytes through a reusable scratch file; call ``close`` when done."""

    def __init__(self) -> None:
        self._directory = tempfile.mkdtemp(prefix="trajgen-xtc-")
        self._scratch = os.path.join(self._directory, "frame.xtc")

    def encode(self, xyz_angstrom: np.ndarray, step: int, time_ps: float) -> bytes:
        """XTC bytes of one frame; ``xyz_angstrom`` is (n_atoms, 3) in Angstrom."""
        xyz_nm = (xyz_angstrom * NM_PER_ANGSTROM).astype(np.float32)[None]
        with XTCTrajectoryFile(self._scratch, "w") as scratch:
            scratch.write(xyz_nm, time=np.array([time_ps], dtype=np.float32),
                          step=np.array([step], dtype=np.int32))
        with open(self._scratch, "rb") as scratch:
            return scratch.read()

    def close(self) -> None:
        shutil.rmtree(self._directory, ignore_errors=True)


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
        except OSError as error:
            raise TrajectoryWriteError(
                f"Compressing frame {index + 1} in the temporary folder {tempfile.gettempdir()} "
                f"failed: {describe_os_error(error)}. The trajectory keeps its "
                f"{frames_phrase(self.frames_written)}.",
                path=self.partial_path, frames_written=self.frames_written) from error

    def _release(self) -> None:
        self._encoder.close()
