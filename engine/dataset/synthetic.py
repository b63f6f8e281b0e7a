"""Synthetic pretraining trajectories: the elastic-network baseline run on candidate structures.

The ENM (``trajgen.engine.baselines.enm``) makes unlimited, structure-specific motion at any
frame spacing: global, collective modes of the real fold and exact chain geometry, but rigid
side chains that clash in some frames. So a synthetic cache file keeps what the ENM gets right
and masks what it does not: backbone frames (rot, trans) and the backbone torsions omega, phi,
psi train; the side-chain torsions chi1..chi4 are masked out (``torsion_mask[:, 3:] = False``).

Each (structure, frame spacing, temperature, seed) becomes one cache file in the layout of
``features.featurize`` plus ``synthetic () bool`` = True and ``source`` = "synthetic-enm", so a
training config can mix or schedule synthetic and MD windows (``[data] synthetic``,
``synthetic_share``). Held-out relatives are refused, as for MD.

    trajgen data synthetic a.pdb b.pdb --out cache/synthetic --intervals-ps 1 10 100 1000 10000 \\
        --temperatures 300 350 --frames 64 --heldout heldout.fasta
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trajgen.engine.dataset.features import _save_atomic
from trajgen.engine.errors import TrajgenError
from trajgen.engine.geometry import backbone_frames, torsions_from_atoms

log = logging.getLogger(__name__)

SOURCE = "synthetic-enm"
BACKBONE_TORSIONS = 3     # omega, phi, psi: the columns a synthetic file trains


@dataclass(frozen=True)
class SyntheticConfig:
    """Which ENM trajectories to write: spacings in ps, temperatures in K, frames per file."""

    intervals_ps: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0, 10000.0)   # 10 ns frames: 10-50 ns strides
    temperatures_K: tuple[float, ...] = (300.0, 350.0)
    n_frames: int = 64
    seeds: tuple[int, ...] = (0,)
    max_residues: int = 400

    def __post_init__(self) -> None:
        if self.n_frames < 2:
            raise TrajgenError("A synthetic trajectory needs at least 2 frames.")
        if any(dt <= 0 for dt in self.intervals_ps):
            raise TrajgenError("Synthetic frame spacings must be positive (ps).")
        if any(not 200.0 <= t <= 500.0 for t in self.temperatures_K):
            raise TrajgenError("Synthetic temperatures must lie between 200 K and 500 K.")


def cache_key(name: str, interval_ps: float, temperature_K: float, seed: int) -> str:
    return f"synthetic_{name}_{interval_ps:g}ps_{temperature_K:g}K_s{seed}"


def synthetic_features(protein, name: str, interval_ps: float, temperature_K: float, n_frames: int,
                       seed: int = 0) -> dict[str, np.ndarray]:
    """One ENM trajectory of ``protein`` (a structure.Protein) as cache arrays (see module docstring)."""
    from trajgen.engine.baselines.enm import enm_trajectory

    positions = np.stack(list(enm_trajectory(protein, n_frames, interval_ps, temperature_K, seed)))  # (F, L, 15, 3)
    rot, trans = backbone_frames(positions)
    angles, torsion_mask = torsions_from_atoms(protein.aatype, positions, protein.mask, protein.segment_start)
    torsion_mask = np.asarray(torsion_mask, bool).copy()
    torsion_mask[:, BACKBONE_TORSIONS:] = False          # rigid ENM side chains do not teach chi angles
    return {
        "aatype": protein.aatype.astype(np.int64), "rot": rot.astype(np.float32), "trans": trans.astype(np.float32),
        "torsions": np.where(torsion_mask[None], angles, 0.0).astype(np.float32), "torsion_mask": torsion_mask,
        "atom_mask": protein.mask.astype(bool), "segment_start": protein.segment_start.astype(bool),
        "chain_end": protein.chain_end.astype(bool), "residue_index": protein.residue_numbers.astype(np.int64),
        "dt_ps": np.float64(interval_ps), "temperature_K": np.float64(temperature_K),
        "name": np.str_(name), "source": np.str_(SOURCE), "replica": np.str_(f"s{seed}"),
        "sequence": np.str_(protein.sequence), "n_frames": np.int64(n_frames), "synthetic": np.bool_(True),
    }


def write_synthetic(structures: list[Path], out_dir: Path, config: SyntheticConfig = SyntheticConfig(),
                    heldout_fasta: Path | None = None, identity_threshold: float = 0.40) -> tuple[list[Path], list[str]]:
    """Write every synthetic trajectory not yet in ``out_dir``; return (cache files, refusals).

    Structures are refused (with a sentence) when unreadable, larger than ``max_residues`` or,
    given ``heldout_fasta``, at least ``identity_threshold`` identical to a held-out protein.
    """
    from trajgen.engine.dataset.splits import SplitConfig, closest, read_fasta
    from trajgen.engine.structure import load_protein

    heldout = read_fasta(heldout_fasta) if heldout_fasta else {}
    split = SplitConfig(threshold=identity_threshold)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written, refused = [], []
    for path in structures:
        name = Path(path).name.split(".")[0]
        try:
            protein = load_protein(path)
        except TrajgenError as exc:
            refused.append(f"{path}: cannot be read ({str(exc).splitlines()[0]}).")
            continue
        if protein.n_residues > config.max_residues:
            refused.append(f"{path}: {protein.n_residues} residues, above the limit of {config.max_residues}.")
            continue
        if heldout:
            other, ident = closest(protein.sequence, heldout, split.alignment)
            if ident >= identity_threshold:
                refused.append(f"{path}: {ident:.0%} identical to held-out {other}; held-out relatives never train.")
                continue
        for dt in config.intervals_ps:
            for temperature in config.temperatures_K:
                for seed in config.seeds:
                    target = out_dir / f"{cache_key(name, dt, temperature, seed)}.npz"
                    if not target.exists():
                        log.info("synthetic %s", target.name)
                        _save_atomic(target, synthetic_features(protein, name, dt, temperature, config.n_frames, seed))
                    written.append(target)
    return written, refused


def is_synthetic(path: Path) -> bool:
    """True for cache files written by this module (reads one entry)."""
    with np.load(path, allow_pickle=False) as archive:
        return "synthetic" in archive.files and bool(archive["synthetic"])
