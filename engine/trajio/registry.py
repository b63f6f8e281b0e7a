"""Trajectory formats keyed by file extension, and ``open_writer`` that picks one."""

from __future__ import annotations

import os

import mdtraj

from trajgen.engine.errors import TrajectoryWriteError
from trajgen.engine.trajio.dcd import DCDWriter
from trajgen.engine.trajio.paths import extension_of
from trajgen.engine.trajio.pdb import PDBWriter
from trajgen.engine.trajio.writer import TrajectoryWriter
from trajgen.engine.trajio.xtc import XTCWriter

WRITERS: dict[str, type[TrajectoryWriter]] = {
    writer.extension: writer for writer in (DCDWriter, XTCWriter, PDBWriter)
}
SUPPORTED_FORMATS: tuple[str, ...] = tuple(sorted(WRITERS))


def writer_class_for(path: str | os.PathLike) -> type[TrajectoryWriter]:
    """The writer class for ``path``'s extension (case-insensitive); TrajectoryWriteError if none."""
    extension = extension_of(path)
    try:
        return WRITERS[extension]
    except KeyError:
        shown = f"'{extension}'" if extension else "no extension"
        raise TrajectoryWriteError(
            f"Cannot write a trajectory to {os.fspath(path)}: {shown} is not a supported format. "
            f"Use one of {', '.join(SUPPORTED_FORMATS)}.") from None


def open_writer(path: str | os.PathLike, topology: mdtraj.Topology, *,
                timestep_ps: float | None = None, overwrite: bool = True) -> TrajectoryWriter:
    """Open a streaming writer for ``path``; the format follows the extension.

    ``topology`` fixes the atoms and their order (``Protein.heavy_atom_topology()``);
    ``timestep_ps`` is the time between frames in picoseconds, stored where the format has a
    place for it (XTC time field, DCD DELTA). With ``overwrite=False`` an existing output or
    topology PDB raises TrajectoryWriteError instead of being replaced at close.
    """
    writer_class = writer_class_for(path)
    return writer_class(path, topology, timestep_ps=timestep_ps, overwrite=overwrite)
