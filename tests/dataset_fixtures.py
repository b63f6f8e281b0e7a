"""Small files in the ATLAS and mdCATH layouts, made from real structures and trajectories.

ATLAS: the Myb domain 1GUU chain A (pfam40) with three 30-frame replicas of its deposited
coordinates plus 0.1 A Gaussian noise, frames 10 ps apart. mdCATH: the first frames of the
NTL9 mdCATH reference trajectory (shared/data/reference, CC-BY 4.0) in an HDF5 file laid out
as mdCATH distributes it. Used by the loader tests only, never for training.
"""

from __future__ import annotations

from pathlib import Path

import mdtraj
import numpy as np
from conftest import SHARED

DATA = SHARED / "data"
PFAM = DATA / "structures" / "pfam40"
NTL9_PDB = DATA / "reference" / "ntl9_2hbaA00_320K.pdb"
NTL9_XTC = DATA / "reference" / "ntl9_2hbaA00_320K.xtc"


def make_atlas_folder(folder: Path, name: str = "1guu_A", n_frames: int = 30, seed: int = 0) -> Path:
    """Write ``{name}.pdb`` and ``{name}_prod_R{1,2,3}_fit.xtc`` (heavy atoms, nm) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    start = mdtraj.load(str(PFAM / "1GUU_A.pdb"))
    start.save_pdb(str(folder / f"{name}.pdb"))
    rng = np.random.default_rng(seed)
    for rep in (1, 2, 3):
        xyz = start.xyz + rng.normal(0.0, 0.01, size=(n_frames, start.n_atoms, 3)).astype(np.float32)
        traj = mdtraj.Trajectory(xyz, start.topology, time=10.0 * np.arange(n_frames))
        traj.save_xtc(str(folder / f"{name}_prod_R{rep}_fit.xtc"))
    return folder


def make_mdcath_file(path: Path, domain: str = "2hbaA00", n_frames: int = 6) -> Path:
    """mdCATH-style HDF5: pdbProteinAtoms + sims320K/{0,1} and sims348K/0 coords in Angstrom."""
    import h5py

    traj = mdtraj.load(str(NTL9_XTC), top=str(NTL9_PDB))
    with h5py.File(path, "w") as fh:
        group = fh.create_group(domain)
        group.create_dataset("pdbProteinAtoms", data=NTL9_PDB.read_text().encode())
        for sims, replica, offset in (("sims320K", "0", 0), ("sims320K", "1", 10), ("sims348K", "0", 20)):
            coords = group.create_group(f"{sims}/{replica}").create_dataset(
                "coords", data=traj.xyz[offset:offset + n_frames] * 10.0)
            coords.attrs["unit"] = "Angstrom"
    return path
