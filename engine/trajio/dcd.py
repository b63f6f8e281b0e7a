"""CHARMM/NAMD DCD writer (little-endian, 32-bit record markers, no unit cell).

File layout, each record framed by its byte length as int32 before and after:
  1. 84 bytes: ``b"CORD"`` + 20 int32 control words. Word 0 NSET (frames in the file),
     1 ISTART (0), 2 NSAVC (1 step per frame), 3 NSTEP (= NSET), 9 DELTA as float32 in
     AKMA time units, 10 unit-cell flag (0), 19 CHARMM version (24).
  2. Title: int32 count + 80-byte lines.
  3. int32 number of atoms.
  Then per frame three records: all x, all y, all z as float32 Angstrom.

Time stamp: DELTA = timestep_ps / 0.0488882129 (ps per AKMA unit); 0 when the time step is
unknown. ``read_timestep_ps`` reads it back (DELTA x NSAVC), also from other programs' DCD files. Every frame has the same size, so after each frame the header's NSET and NSTEP are
rewritten, after the frame's bytes: a reader trusting the header never sees a half frame,
and a reader counting from the file size (VMD) rounds a half frame away.
"""

from __future__ import annotations

import struct

import numpy as np

from trajgen.engine.trajio.writer import TrajectoryWriter

PS_PER_AKMA = 0.0488882129  # CHARMM's TIMFAC: one AKMA time unit in picoseconds
CHARMM_VERSION = 24
_NSET_OFFSET = 8  # bytes: int32 marker, b"CORD", then NSET, ISTART, NSAVC, NSTEP
_TITLE_LINES = (
    "Written by trajgen (generated trajectory, coordinates in Angstrom)",
    "Frames are streamed; NSET is updated after every complete frame",
)


def _record(payload: bytes) -> bytes:
    marker = struct.pack("<i", len(payload))
    return marker + payload + marker


def dcd_header(n_atoms: int, timestep_ps: float | None) -> bytes:
    """Header of a DCD that holds no frames yet, for ``n_atoms`` atoms."""
    control = np.zeros(20, dtype="<i4")
    control[2] = 1  # NSAVC: one integration step per saved frame
    delta_akma = 0.0 if timestep_ps is None else timestep_ps / PS_PER_AKMA
    control[9:10] = np.array([delta_akma], dtype="<f4").view("<i4")
    control[19] = CHARMM_VERSION
    titles = b"".join(line.ljust(80)[:80].encode("ascii") for line in _TITLE_LINES)
    return (
        _record(b"CORD" + control.tobytes())
        + _record(struct.pack("<i", len(_TITLE_LINES)) + titles)
        + _record(struct.pack("<i", n_atoms))
    )


def dcd_frame(xyz_angstrom: np.ndarray) -> bytes:
    """One frame's x, y and z records; ``xyz_angstrom`` is (n_atoms, 3) in Angstrom."""
    n_atoms = xyz_angstrom.shape[0]
    records = np.empty((3, n_atoms + 2), dtype="<f4")
    records[:, 1:-1] = xyz_angstrom.T
    markers = records.view("<i4")
    markers[:, 0] = markers[:, -1] = 4 * n_atoms
    return records.tobytes()


def dcd_counts(n_frames: int) -> bytes:
    """NSET, ISTART, NSAVC, NSTEP words for a file of ``n_frames`` frames."""
    return struct.pack("<4i", n_frames, 0, 1, n_frames)


class DCDWriter(TrajectoryWriter):
    """Streams frames into a ``.dcd`` file (float32 Angstrom) plus a topology PDB beside it."""

    extension = ".dcd"

    def _header_bytes(self) -> bytes:
        return dcd_header(self.n_atoms, self.timestep_ps)

    def _encode_frame(self, xyz_angstrom: np.ndarray, index: int) -> bytes:
        return dcd_frame(xyz_angstrom)

    def _record_frame_count(self, count: int) -> None:
        self._file.overwrite(_NSET_OFFSET, dcd_counts(count))


def read_timestep_ps(path) -> float | None:
    """Time between frames (ps) written in a DCD header: DELTA x NSAVC in AKMA units; None when the
    header says 0 or the file is not a little-endian CHARMM/X-PLOR DCD.

    CHARMM files (control word 19 != 0) store DELTA as float32 in word 9; X-PLOR files as float64
    in words 9-10.
    """
    with open(path, "rb") as fh:
        head = fh.read(92)
    if len(head) < 92 or struct.unpack("<i", head[:4])[0] != 84 or head[4:8] != b"CORD":
        return None
    words = np.frombuffer(head[8:88], dtype="<i4")
    if words[19] != 0:
        delta = float(np.frombuffer(head[8 + 36:8 + 40], dtype="<f4")[0])
    else:
        delta = float(np.frombuffer(head[8 + 36:8 + 44], dtype="<f8")[0])
    step = delta * max(int(words[2]), 1) * PS_PER_AKMA
    return step if np.isfinite(step) and step > 0 else None
