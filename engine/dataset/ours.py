"""Loader for trajgen's own simulation folders (``trajgen data simulate --out DIR``).

Each manifest row names an XTC (nanometres, heavy atoms) and its topology PDB; frames are
``stride_ps`` apart at ``temperature_K``. Coordinates come back in Angstrom.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import mdtraj
import numpy as np

from trajgen.engine.dataset.trajectory import MDTrajectory, TrajectoryRef, file_stamp, strip_hydrogens
from trajgen.engine.errors import TrajgenError
from trajgen.engine.md.files import sha256_of
from trajgen.engine.md.manifest import read_manifest


def _load(folder: Path, row: dict, verify: bool) -> MDTrajectory:
    xtc, top = folder / row["xtc"], folder / row["topology"]
    if verify and sha256_of(xtc) != row["sha256"]:
        raise TrajgenError(f"{xtc} does not match the checksum in the manifest; the file changed or is damaged.")
    traj = mdtraj.load(str(xtc), top=str(top))
    topology, xyz = strip_hydrogens(traj.topology, traj.xyz * 10.0)
    return MDTrajectory(name=row["protein"], topology=topology, xyz=np.asarray(xyz, dtype=np.float32),
                        dt_ps=float(row["stride_ps"]), temperature_K=float(row["temperature_K"]),
                        source="trajgen", replica=f"s{row['seed']}")


def manifest_refs(folder: Path, verify_checksums: bool = True) -> list[TrajectoryRef]:
    """One reference per manifest row of a simulation folder, in manifest order."""
    folder = Path(folder)
    refs = []
    for row in read_manifest(folder):
        stamp = file_stamp(folder / row["xtc"])
        refs.append(TrajectoryRef(key=f"trajgen_{row['run_id']}_{stamp}", name=row["protein"],
                                  temperature_K=float(row["temperature_K"]),
                                  load=partial(_load, folder, row, verify_checksums)))
    return refs
