"""Per-frame physical validity of an ensemble.

A frame is valid when it has no Calpha clash, no chain break, no heavy-atom clash between
residues and no more Ramachandran or chi1 rotamer outliers than the reference MD itself shows
in 99% of its frames (``dihedrals``). Bond-length and bond-angle deviations from the start structure are reported beside.
Bonds are read from the start structure's geometry (heavy atoms closer than 1.9 A within a
residue, C-N and SG-SG links between residues), so any topology works, Calpha-only included.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from trajgen.engine.evaluate.dihedrals import DihedralOutlierModel
from trajgen.engine.evaluate.ensemble import Ensemble


@dataclass(frozen=True)
class ValidityConfig:
    """Thresholds in Angstrom (chain break and heavy-atom clash: BioEmu's physicality filter)."""

    ca_clash_A: float = 3.0          # non-consecutive Calpha pairs closer than this clash
    ca_break_A: float = 4.5          # consecutive Calpha at or beyond this: chain break
    cn_break_A: float = 2.0          # peptide C-N at or beyond this: chain break
    heavy_clash_A: float = 1.0       # heavy atoms of different residues closer than this clash
    intra_bond_A: float = 1.9        # bond detection within a residue (start structure)
    bonded_exclusion_A: float = 2.6  # inter-residue pairs this close in the start are bonded / 1-3


@dataclass
class FrameValidity:
    """Per-frame validity flags and deviations, each (T,). ``notes`` names checks skipped."""

    ca_clash: np.ndarray
    chain_break: np.ndarray
    heavy_clash: np.ndarray
    rama_outliers: np.ndarray
    rama_ok: np.ndarray
    rotamer_outliers: np.ndarray
    rotamer_ok: np.ndarray
    bond_rms_A: np.ndarray
    angle_rms_deg: np.ndarray
    notes: list[str] = field(default_factory=list)

    @property
    def valid(self) -> np.ndarray:
        """(T,) bool: no clash, no break, Ramachandran and rotamers within the reference's range."""
        return ~self.ca_clash & ~self.chain_break & ~self.heavy_clash & self.rama_ok & self.rotamer_ok

    def summary(self) -> dict[str, float]:
        """Shares of frames (0..1) and mean deviations."""
        return {
            "valid_fraction": float(self.valid.mean()),
            "ca_clash_fraction": float(self.ca_clash.mean()),
            "chain_break_fraction": float(self.chain_break.mean()),
            "heavy_clash_fraction": float(self.heavy_clash.mean()),
            "rama_fail_fraction": float((~self.rama_ok).mean()),
            "rotamer_fail_fraction": float((~self.rotamer_ok).mean()),
            "bond_rms_A": _finite_mean(self.bond_rms_A),
            "angle_rms_deg": _finite_mean(self.angle_rms_deg),
        }


def _finite_mean(values: np.ndarray) -> float:
    """Mean of the finite entries; nan when there are none (the check was skipped)."""
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")


@dataclass(frozen=True)
class Geometry:
    """Index sets derived once from the topology and start structure (all arrays of atom indices)."""

    ca: np.ndarray            # (n_CA,)
    ca_links: np.ndarray      # (n_links, 2) consecutive Calpha pairs connected in the start
    cn_links: np.ndarray      # (n_cn, 2) C(i), N(i+1) connected in the start
    bonds: np.ndarray         # (n_bonds, 2)
    angles: np.ndarray        # (n_angles, 3)
    residue_of: np.ndarray    # (N,) residue index of each atom
    excluded: frozenset       # inter-residue atom pairs (i < j) bonded or 1-3 in the start


def _dist(xyz: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    return np.linalg.norm(xyz[..., pairs[:, 0], :] - xyz[..., pairs[:, 1], :], axis=-1)


def build_geometry(ens: Ensemble, start: np.ndarray, config: ValidityConfig) -> Geometry:
    """Find Calpha links, peptide links, bonds and angles from the start structure (N, 3) A."""
    atoms = list(ens.topology.atoms)
    residue_of = np.array([a.residue.index for a in atoms])
    names = [a.name for a in atoms]
    by_res: dict[int, dict[str, int]] = {}
    for a in atoms:
        by_res.setdefault(a.residue.index, {})[a.name] = a.index
    residues = list(ens.topology.residues)
    ca_links, cn_links = [], []
    for r0, r1 in zip(residues[:-1], residues[1:]):
        a0, a1 = by_res.get(r0.index, {}), by_res.get(r1.index, {})
        if r0.chain.index != r1.chain.index or "CA" not in a0 or "CA" not in a1:
            continue
        if np.linalg.norm(start[a0["CA"]] - start[a1["CA"]]) < config.ca_break_A:
            ca_links.append((a0["CA"], a1["CA"]))
            if "C" in a0 and "N" in a1:
                cn_links.append((a0["C"], a1["N"]))
    tree = cKDTree(start)
    close = np.array(sorted(tree.query_pairs(config.bonded_exclusion_A)), dtype=np.int64).reshape(-1, 2)
    d = _dist(start, close) if len(close) else np.zeros(0)
    same = residue_of[close[:, 0]] == residue_of[close[:, 1]]
    intra = same & (d < config.intra_bond_A)
    cn_set = {tuple(sorted(p)) for p in cn_links}
    ss = np.array([names[i] == "SG" and names[j] == "SG" for i, j in close], dtype=bool)
    inter_bond = np.array([tuple(p) in cn_set for p in close.tolist()], dtype=bool) | (~same & ss)
    bonds = close[intra | inter_bond]
    excluded = frozenset(map(tuple, close[~same].tolist()))
    return Geometry(ens.ca_indices, np.array(ca_links, np.int64).reshape(-1, 2),
                    np.array(cn_links, np.int64).reshape(-1, 2), bonds, _angles(bonds, len(atoms)),
                    residue_of, excluded)


def _angles(bonds: np.ndarray, n_atoms: int) -> np.ndarray:
    """All (a, b, c) triples with bonds a-b and b-c, a < c."""
    neighbours: list[list[int]] = [[] for _ in range(n_atoms)]
    for i, j in bonds:
        neighbours[i].append(int(j))
        neighbours[j].append(int(i))
    triples = [(a, b, c) for b in range(n_atoms) for a in neighbours[b] for c in neighbours[b] if a < c]
    return np.array(triples, np.int64).reshape(-1, 3)


def _bond_angles_deg(xyz: np.ndarray, angles: np.ndarray) -> np.ndarray:
    u = xyz[..., angles[:, 0], :] - xyz[..., angles[:, 1], :]
    v = xyz[..., angles[:, 2], :] - xyz[..., angles[:, 1], :]
    cos = (u * v).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def ca_clashes(xyz: np.ndarray, geom: Geometry, config: ValidityConfig) -> np.ndarray:
    """(T,) True where two Calpha atoms that are not sequence neighbours come closer than the limit."""
    linked = {tuple(sorted(p)) for p in geom.ca_links.tolist()}
    out = np.zeros(len(xyz), bool)
    for t, frame in enumerate(xyz):
        pairs = cKDTree(frame[geom.ca]).query_pairs(config.ca_clash_A)
        out[t] = any(tuple(sorted((int(geom.ca[i]), int(geom.ca[j])))) not in linked for i, j in pairs)
    return out


def heavy_clashes(xyz: np.ndarray, geom: Geometry, config: ValidityConfig) -> np.ndarray:
    """(T,) True where atoms of different residues (not bonded in the start) are too close."""
    out = np.zeros(len(xyz), bool)
    for t, frame in enumerate(xyz):
        for i, j in cKDTree(frame).query_pairs(config.heavy_clash_A):
            if geom.residue_of[i] != geom.residue_of[j] and (min(i, j), max(i, j)) not in geom.excluded:
                out[t] = True
                break
    return out


def chain_breaks(xyz: np.ndarray, geom: Geometry, config: ValidityConfig) -> np.ndarray:
    """(T,) True where a link connected in the start is broken (Calpha or peptide C-N)."""
    out = np.zeros(len(xyz), bool)
    if len(geom.ca_links):
        out |= (_dist(xyz, geom.ca_links) >= config.ca_break_A).any(axis=-1)
    if len(geom.cn_links):
        out |= (_dist(xyz, geom.cn_links) >= config.cn_break_A).any(axis=-1)
    return out


def bond_deviations(xyz: np.ndarray, start: np.ndarray, geom: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame RMS deviation of bond lengths (A) and bond angles (degrees) from the start."""
    t = len(xyz)
    if len(geom.bonds) == 0:
        return np.full(t, np.nan), np.full(t, np.nan)
    bond = np.sqrt(((_dist(xyz, geom.bonds) - _dist(start, geom.bonds)) ** 2).mean(-1))
    if len(geom.angles) == 0:
        return bond, np.full(t, np.nan)
    diff = _bond_angles_deg(xyz, geom.angles) - _bond_angles_deg(start, geom.angles)
    return bond, np.sqrt((diff ** 2).mean(-1))


def _dihedral_check(ens: Ensemble, model: DihedralOutlierModel | None, skip_note: str,
                    notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    if model is None:
        notes.append(skip_note)
        return np.zeros(ens.n_frames, np.int64), np.ones(ens.n_frames, bool)
    return model.passes(ens)


def frame_validity(ens: Ensemble, start: np.ndarray, rama: DihedralOutlierModel | None = None,
                   rotamer: DihedralOutlierModel | None = None,
                   config: ValidityConfig = ValidityConfig()) -> FrameValidity:
    """Validity flags of every frame of ``ens`` against the start structure (N, 3) A.

    rama / rotamer: dihedral models of the reference (``dihedrals.ramachandran_model`` and
    ``rotamer_model``); None skips that check and says so in ``notes``.
    """
    geom = build_geometry(ens, start, config)
    notes: list[str] = []
    rama_out, rama_ok = _dihedral_check(ens, rama, "Ramachandran check skipped: the structure lacks "
                                        "backbone N/C atoms.", notes)
    rot_out, rot_ok = _dihedral_check(ens, rotamer, "Rotamer check skipped: no residue has chi1 atoms.", notes)
    if len(geom.cn_links) == 0:
        notes.append("Peptide C-N check skipped: no backbone C/N atoms; chain breaks use Calpha only.")
    bond, angle = bond_deviations(ens.xyz, start, geom)
    return FrameValidity(ca_clashes(ens.xyz, geom, config), chain_breaks(ens.xyz, geom, config),
                         heavy_clashes(ens.xyz, geom, config), rama_out, rama_ok, rot_out, rot_ok,
                         bond, angle, notes)


def validity_vs_time(valid: np.ndarray, n_windows: int = 10) -> np.ndarray:
    """Share of valid frames in ``n_windows`` consecutive equal windows, (n_windows,) in [0, 1]."""
    chunks = np.array_split(np.asarray(valid, float), min(n_windows, len(valid)))
    return np.array([c.mean() for c in chunks])
