"""Streaming trajectory writers: DCD, XTC and multi-model PDB, safe against early stops.

    with open_writer("run/OUT.dcd", protein.heavy_atom_topology(), timestep_ps=10.0) as out:
        for xyz in frames:          # (n_atoms, 3) or (n_frames, n_atoms, 3), Angstrom
            out.append(xyz)

Files on disk while a run is going (``OUT.dcd`` as example):
  - ``run/.OUT.part.dcd`` holds the frames appended so far. Each frame is handed to the
    operating system in full before ``append`` returns, so a run that stops (exception,
    cancel, Ctrl-C, even a killed process) leaves a valid trajectory of every appended frame.
    Leaving a ``with`` block, also by an exception, closes the writer: the partial file is
    synced to disk and renamed atomically to ``run/OUT.dcd``. A killed process cannot rename
    it, so its frames stay in the hidden ``.part`` file (valid; rename it by hand). A new run
    to the same output replaces a leftover ``.part`` file.
  - ``run/OUT.pdb`` (DCD and XTC only; see ``topology_path_for``) is written atomically at the
    first frame with that frame's coordinates, so ``mdtraj.load(part, top=OUT.pdb)``, VMD,
    ChimeraX or PyMOL can open the pair, also mid-run.
  - ``run/OUT.dcd`` itself appears only at ``close`` (an older file of that name stays until then).

What a reader of the ``.part`` file sees mid-run, while a frame may be in the middle of
being written:
  - DCD: the header's frame count (NSET) is raised only after a frame is complete, so readers
    that trust it (mdtraj, MDAnalysis) see complete frames only; VMD counts frames from the file
    size and rounds a half-written frame away.
  - XTC: there is no frame count; a reader may meet an incomplete last frame and report an
    error or stop early. Re-read after the next ``append``; the file is whole between appends.
  - PDB: models end with ``ENDMDL``; the closing ``END`` is written at ``close``. A reader may
    meet an incomplete last model (mdtraj then complains that models differ in atom count).

Errors: an operating-system error while writing (disk full, file too large, permission,
read-only file system) cuts the file back to its last complete frame, closes the writer and
raises TrajectoryWriteError whose message, ``.path`` and ``.frames_written`` say which valid
file holds how many frames. Nothing is fsync'ed per frame (only at close), so a power cut,
unlike a process crash, can lose the most recent frames.

XTC frames are compressed by mdtraj through a scratch file of at most ~1 MB in the system's
temporary folder; if that fails, append raises TrajectoryWriteError and the writer stays open.

Threads: ``append`` and ``close`` take a lock, so a GUI thread may ``close`` (cancel) while a
worker appends; the worker's next ``append`` then raises TrajectoryWriteError.

Time stamps: XTC time = frame index * timestep_ps (ps; the frame index if unknown), XTC step =
frame index; DCD DELTA = timestep_ps in AKMA units (0 if unknown); PDB has no time field.
Coordinates in: Angstrom float32. Precision on disk: DCD float32, XTC 1e-3 nm, PDB 1e-3 A.
"""

from trajgen.engine.trajio.paths import partial_path_for, topology_path_for
from trajgen.engine.trajio.registry import SUPPORTED_FORMATS, WRITERS, open_writer, writer_class_for
from trajgen.engine.trajio.writer import TrajectoryWriter

__all__ = [
    "SUPPORTED_FORMATS",
    "WRITERS",
    "TrajectoryWriter",
    "open_writer",
    "partial_path_for",
    "topology_path_for",
    "writer_class_for",
]
