"""Loader for the ATLAS layout: ``{name}.pdb`` with ``{name}_prod_R{1,2,3}_fit.xtc`` beside it.

ATLAS runs are 3 x 100 ns at 300 K (CHARMM36m, TIP3P), frames every 10 ps, protein atoms
superposed on the start. The XTC time field gives the frame spacing when it is usable.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import mdtraj
import numpy as np

from trajgen.engine.dataset.trajectory import (
    MDTrajectory, TrajectoryRef, file_stamp, frame_spacing_ps, strip_hydrogens,
)
from trajgen.engine.errors import TrajgenError

ATLAS_TEMPERATURE_K = 300.0
ATLAS_FRAME_PS = 10.0
_XTC = re.compile(r"^(?P<name>.+)_prod_R(?P<rep>\d+)_fit\.xtc$")


def _load(pdb: Path, xtc: Path, name: str, replica: str) -> MDTrajectory:
    traj = mdtraj.load(str(xtc), top=str(pdb))
    topology, xyz = strip_hydrogens(traj.topology, traj.xyz * 10.0)
    return MDTrajectory(name=name, topology=topology, xyz=np.asarray(xyz, dtype=np.float32),
                        dt_ps=frame_spacing_ps(traj.time, ATLAS_FRAME_PS), temperature_K=ATLAS_TEMPERATURE_K,
                        source="atlas", replica=f"R{replica}")


def atlas_refs(folder: Path, names: list[str] | None = None) -> list[TrajectoryRef]:
    """References to every replica in an ATLAS folder (optionally only ``names``), sorted by name and replica."""
    folder = Path(folder)
    refs = []
    for xtc in sorted(folder.glob("*_prod_R*_fit.xtc")):
        match = _XTC.match(xtc.name)
        if not match or (names is not None and match["name"] not in names):
            continue
        pdb = folder / f"{match['name']}.pdb"
        if not pdb.exists():
            raise TrajgenError(f"ATLAS trajectory {xtc.name} has no topology {pdb.name} beside it.")
        refs.append(TrajectoryRef(
            key=f"atlas_{match['name']}_R{match['rep']}_{file_stamp(pdb, xtc)}", name=match["name"],
            temperature_K=ATLAS_TEMPERATURE_K, load=partial(_load, pdb, xtc, match["name"], match["rep"]),
        ))
    return refs
