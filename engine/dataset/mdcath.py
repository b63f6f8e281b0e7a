"""Loader for mdCATH HDF5 files (one file per CATH domain; needs the optional ``h5py``).

Layout read: a group per domain holding ``pdbProteinAtoms`` (PDB text of the simulated protein
atoms, hydrogens included) and ``sims{T}K/{replica}/coords`` (n_frames, n_atoms, 3) in Angstrom,
frames 1 ns apart. A ``unit`` attribute of ``coords`` saying nm is honoured.
"""

from __future__ import annotations

import re
import tempfile
from functools import partial
from pathlib import Path

import mdtraj
import numpy as np

from trajgen.engine.dataset.trajectory import MDTrajectory, TrajectoryRef, file_stamp, strip_hydrogens
from trajgen.engine.errors import TrajgenError

MDCATH_FRAME_PS = 1000.0
_SIMS = re.compile(r"^sims(?P<temp>\d+(?:\.\d+)?)K$")


def _h5py():
    try:
        import h5py
    except ImportError as exc:
        raise TrajgenError("Reading mdCATH files needs h5py: pip install h5py") from exc
    return h5py


def _domain_group(handle, path: Path):
    if "pdbProteinAtoms" in handle:
        return handle
    groups = [handle[k] for k in handle if hasattr(handle[k], "keys") and "pdbProteinAtoms" in handle[k]]
    if len(groups) != 1:
        raise TrajgenError(f"{path} is not an mdCATH file: no single domain group with pdbProteinAtoms.")
    return groups[0]


def _topology(pdb_text: bytes | str) -> mdtraj.Topology:
    text = pdb_text.decode() if isinstance(pdb_text, bytes) else str(pdb_text)
    with tempfile.NamedTemporaryFile("w", suffix=".pdb") as fh:
        fh.write(text)
        fh.flush()
        return mdtraj.load_pdb(fh.name, standard_names=False).topology


def _load(path: Path, sims: str, replica: str, dt_ps: float) -> MDTrajectory:
    with _h5py().File(path, "r") as handle:
        group = _domain_group(handle, path)
        topology = _topology(group["pdbProteinAtoms"][()])
        coords = group[sims][replica]["coords"]
        xyz = np.asarray(coords[()], dtype=np.float32)
        if str(coords.attrs.get("unit", "Angstrom")).lower() in ("nm", "nanometer", "nanometers"):
            xyz *= 10.0
        name = group.name.strip("/") or path.stem
    if xyz.shape[1] != topology.n_atoms:
        raise TrajgenError(f"{path}: {sims}/{replica} has {xyz.shape[1]} atoms but pdbProteinAtoms has "
                           f"{topology.n_atoms}.")
    topology, xyz = strip_hydrogens(topology, xyz)
    temperature = float(_SIMS.match(sims)["temp"])
    return MDTrajectory(name=name, topology=topology, xyz=xyz, dt_ps=dt_ps, temperature_K=temperature,
                        source="mdcath", replica=replica)


def mdcath_refs(path: Path, temperatures_K: tuple[float, ...] | None = None,
                frame_ps: float = MDCATH_FRAME_PS) -> list[TrajectoryRef]:
    """References to every (temperature, replica) of one mdCATH file, optionally only some temperatures."""
    path = Path(path)
    refs = []
    with _h5py().File(path, "r") as handle:
        group = _domain_group(handle, path)
        name = group.name.strip("/") or path.stem
        for sims in sorted(k for k in group if _SIMS.match(k)):
            temperature = float(_SIMS.match(sims)["temp"])
            if temperatures_K is not None and temperature not in temperatures_K:
                continue
            for replica in sorted(group[sims], key=lambda r: (len(r), r)):
                refs.append(TrajectoryRef(
                    key=f"mdcath_{name}_{temperature:g}K_{replica}_{file_stamp(path)}", name=name,
                    temperature_K=temperature, load=partial(_load, path, sims, replica, frame_ps),
                ))
    return refs
