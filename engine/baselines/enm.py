"""Elastic-network baseline: overdamped Langevin dynamics of a Calpha network with rigid residues.

Physics. The Calpha atoms of the start structure are joined by harmonic springs: stiff ones
(``bonded_spring``) between chain neighbours i+1 and i+2 of the same segment (virtual bond and
angle) and soft ones (``spring``) between all other pairs within ``cutoff_A`` (the anisotropic
network model). The energy is E = 1/2 x^T H x for displacements x (Angstrom) from the start, H the
network Hessian (kcal/mol/A^2). Each residue is one bead with friction zeta_i = m_i * gamma
(m_i: the residue's heavy-atom mass in amu, gamma: a water-like collision rate in 1/ps) and
moves by overdamped Langevin dynamics Z dx/dt = -H x + sqrt(2 kT Z) eta at temperature T.
In friction-weighted normal modes (H~ = Z^-1/2 H Z^-1/2 = U diag(lambda) U^T, lambda in 1/ps)
every mode is an Ornstein-Uhlenbeck process, advanced exactly over any frame interval: the
relaxation time of mode k is 1/lambda_k ps and no integration step is involved. The six
rigid-body modes are left out, so frames stay superposed on the start. Linear mode motion
lengthens links that swing sideways (a second-order effect), so each output frame gets its
consecutive Calpha distances restored by a SHAKE-like projection; the mode state is untouched.

All other atoms move in rigid units anchored at a Calpha (``RigidUnitPlacer``): side chains
with their residue's Calpha triplet, each peptide plane C(i), O(i), N(i+1) with its Calpha pair.
Bond lengths inside residues and across the peptide bond stay exact. A heavy-atom network was
tried and rejected: linearized mode motion of loosely packed side-chain tips stretched their
bonds by angstroms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
from scipy.sparse import coo_matrix
from scipy.spatial import cKDTree

from trajgen.engine.geometry.superpose import kabsch_rotation

BOLTZMANN_KCAL_PER_MOL_K = 0.0019872043
AMU_A2_PER_PS2_IN_KCAL_PER_MOL = 0.0023900574  # 1 amu A^2 / ps^2 per molecule, as kcal/mol
ELEMENT_MASS_AMU = {"C": 12.011, "N": 14.007, "O": 15.999, "S": 32.06, "SE": 78.97}


@dataclass(frozen=True)
class EnmConfig:
    """Network and friction parameters of the Calpha network (defaults: classic ANM cutoff)."""

    cutoff_A: float = 15.0               # soft springs between Calpha atoms closer than this
    spring: float = 0.2                  # soft spring constant, kcal/mol/A^2
    bonded_A: float = 4.2                # without a chain: Calpha pairs closer than this ...
    bonded_spring: float = 50.0          # ... get this stiff spring, kcal/mol/A^2; with a chain:
                                         # neighbours i+1 and i+2 (bond and virtual angle) get it
    collision_rate_per_ps: float = 50.0  # friction zeta_i = m_i * rate


def chain_pairs(segment_start: np.ndarray, max_separation: int = 2) -> np.ndarray:
    """(K, 2) residue pairs (i, i+s), s = 1..max_separation, inside the same chain segment."""
    segment = np.cumsum(np.asarray(segment_start, bool))
    n = len(segment)
    pairs = [(i, i + s) for s in range(1, max_separation + 1) for i in range(n - s) if segment[i] == segment[i + s]]
    return np.array(pairs, np.int64).reshape(-1, 2)


def segments_from_calpha(ca_xyz: np.ndarray, max_link_A: float = 4.2) -> np.ndarray:
    """(L,) segment_start flags for Calpha positions (L, 3) A in sequence order: a gap opens a segment."""
    gaps = np.linalg.norm(np.diff(ca_xyz, axis=0), axis=-1) >= max_link_A
    return np.concatenate([[True], gaps])


def network_hessian(xyz: np.ndarray, config: EnmConfig, chain: np.ndarray | None = None) -> np.ndarray:
    """Hessian (3N, 3N) kcal/mol/A^2 of the spring network on positions xyz (N, 3) Angstrom.

    ``chain`` (K, 2): node pairs held by stiff springs (chain neighbours, at any distance); without
    it, pairs closer than ``bonded_A`` are the stiff ones. Other pairs within the cutoff are soft.
    """
    n = len(xyz)
    near = {tuple(p) for p in cKDTree(xyz).query_pairs(config.cutoff_A)}
    stiff = {tuple(sorted(map(int, p))) for p in chain} if chain is not None else set()
    pairs = np.array(sorted(near | stiff), dtype=np.int64).reshape(-1, 2)
    d = xyz[pairs[:, 1]] - xyz[pairs[:, 0]]
    r2 = (d * d).sum(-1)
    if chain is not None:
        is_stiff = np.array([tuple(p) in stiff for p in pairs.tolist()], dtype=bool)
    else:
        is_stiff = r2 < config.bonded_A ** 2
    k = np.where(is_stiff, config.bonded_spring, config.spring)
    blocks = -(k / r2)[:, None, None] * d[:, :, None] * d[:, None, :]  # (P, 3, 3) off-diagonal
    comp = np.arange(3)
    rows, cols, vals = [], [], []
    for a, b, sign in ((pairs[:, 0], pairs[:, 1], 1.0), (pairs[:, 1], pairs[:, 0], 1.0),
                       (pairs[:, 0], pairs[:, 0], -1.0), (pairs[:, 1], pairs[:, 1], -1.0)):
        rows.append((3 * a[:, None, None] + comp[None, :, None]).repeat(3, axis=2).ravel())
        cols.append((3 * b[:, None, None] + comp[None, None, :]).repeat(3, axis=1).ravel())
        vals.append(sign * blocks.ravel())
    hess = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(3 * n, 3 * n))
    return hess.toarray()  # duplicate entries are summed


DENSE_COPIES = 6  # (3N, 3N) float64 arrays alive at the peak: Hessian, its weighted copy and a temporary,
#                   eigenvectors and LAPACK's workspace (about two more), modes


def dense_mode_bytes(n_residues: int) -> int:
    """Peak bytes of the dense normal-mode analysis of an ``n_residues`` Calpha network.

    The Hessian is (3N, 3N) float64 and ``numpy.linalg.eigh`` keeps about ``DENSE_COPIES`` arrays of
    that size at once, so memory grows as N^2 (and time as N^3).
    """
    return DENSE_COPIES * (3 * int(n_residues)) ** 2 * 8


class ElasticNetworkLangevin:
    """Exact overdamped Langevin propagation of an elastic network around ``xyz`` (N, 3) A.

    masses_amu: (N,) atom masses. ``modes`` (3N, M) map mode amplitudes to Cartesian
    displacements (A per sqrt(kcal/mol ps)); ``rates`` (M,) are the mode relaxation rates in 1/ps.
    """

    def __init__(self, xyz: np.ndarray, masses_amu: np.ndarray, config: EnmConfig = EnmConfig(),
                 chain: np.ndarray | None = None):
        self.start = np.asarray(xyz, np.float64)
        zeta = np.repeat(np.asarray(masses_amu, np.float64) * config.collision_rate_per_ps, 3)
        zeta *= AMU_A2_PER_PS2_IN_KCAL_PER_MOL  # kcal/mol ps/A^2
        inv_root = 1.0 / np.sqrt(zeta)
        hess = network_hessian(self.start, config, chain)
        rates, vectors = np.linalg.eigh(inv_root[:, None] * hess * inv_root[None, :])
        keep = rates > 1e-6 * rates.max()  # drop the six rigid-body modes
        self.rates = rates[keep]
        self.modes = inv_root[:, None] * vectors[:, keep]
        links = chain[np.abs(chain[:, 1] - chain[:, 0]) == 1] if chain is not None else np.zeros((0, 2), np.int64)
        self.links = links
        self.link_lengths = np.linalg.norm(self.start[links[:, 1]] - self.start[links[:, 0]], axis=-1)

    def restore_links(self, xyz: np.ndarray, n_iter: int = 50) -> np.ndarray:
        """Move linked nodes along their links until each link has its start length again.

        Linear normal-mode motion lengthens links that swing sideways (a second-order effect);
        this SHAKE-like projection undoes that for the chain neighbours given as ``chain``.
        """
        if len(self.links) == 0:
            return xyz
        xyz = xyz.copy()
        i, j = self.links[:, 0], self.links[:, 1]
        for _ in range(n_iter):
            v = xyz[j] - xyz[i]
            length = np.linalg.norm(v, axis=-1)
            shift = (0.25 * (length - self.link_lengths) / length)[:, None] * v  # half to each side, damped
            np.add.at(xyz, i, shift)
            np.add.at(xyz, j, -shift)
        return xyz

    def rmsf(self, temperature_K: float) -> np.ndarray:
        """Equilibrium root-mean-square fluctuation of each atom (N,) Angstrom."""
        kt = BOLTZMANN_KCAL_PER_MOL_K * temperature_K
        var = (self.modes ** 2 * (kt / self.rates)).sum(axis=1).reshape(-1, 3).sum(axis=1)
        return np.sqrt(var)

    def frames(self, n_frames: int, interval_ps: float, temperature_K: float,
               seed: int) -> Iterator[np.ndarray]:
        """Yield ``n_frames`` positions (N, 3) float32 A, ``interval_ps`` apart; the first is the start."""
        rng = np.random.default_rng(seed)
        kt = BOLTZMANN_KCAL_PER_MOL_K * temperature_K
        decay = np.exp(-self.rates * interval_ps)
        kick = np.sqrt(kt / self.rates * (1.0 - decay ** 2))
        amplitude = np.zeros_like(self.rates)
        for _ in range(n_frames):
            yield self.restore_links(self.start + (self.modes @ amplitude).reshape(-1, 3)).astype(np.float32)
            amplitude = decay * amplitude + kick * rng.standard_normal(len(amplitude))


def slot_masses(protein) -> np.ndarray:
    """(L, 15) element masses (amu) of the slot layout of a ``Protein``; 0 where no atom."""
    from trajgen.engine.structure.residue_constants import ATOM_NAMES, OXT_SLOT, RESTYPES_3

    masses = np.zeros(protein.mask.shape)
    for r, aa in enumerate(protein.aatype):
        for s, name in enumerate(ATOM_NAMES[RESTYPES_3[int(aa)]]):
            masses[r, s] = ELEMENT_MASS_AMU["SE" if name == "SE" else name[0]]
        masses[r, OXT_SLOT] = ELEMENT_MASS_AMU["O"]
    return np.where(protein.mask, masses, 0.0)


def calpha_triplets(segment_start: np.ndarray) -> np.ndarray:
    """(L, 3) residue indices whose Calpha atoms orient each residue, within its chain segment.

    Interior residues use (i-1, i, i+1); segment ends shift the window inward; residues of
    segments shorter than three use their own index three times (no rotation).
    """
    n = len(segment_start)
    starts = list(np.flatnonzero(segment_start)) + [n]
    out = np.repeat(np.arange(n)[:, None], 3, axis=1)
    for a, b in zip(starts[:-1], starts[1:]):
        if b - a < 3:
            continue
        centre = np.clip(np.arange(a, b), a + 1, b - 2)
        out[a:b] = np.stack([centre - 1, centre, centre + 1], axis=1)
    return out


def fit_rotations(start_ca: np.ndarray, ca: np.ndarray, windows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(K, 3, 3) rotations (acting on row vectors) best mapping each window of start Calpha onto ``ca``.

    windows: (K, m) residue indices; weights: (m,) weights of the window positions (Kabsch).
    """
    return kabsch_rotation(start_ca[windows], ca[windows], weights)


def peptide_windows(segment_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Calpha windows (i-1, i, i+1, i+2) of the peptide unit between residues i and i+1.

    Returns (windows (L, 4), has_next (L,) bool: residue i+1 is in the same segment). Windows
    are clipped to the segment; units without a next residue are not used.
    """
    n = len(segment_start)
    starts = list(np.flatnonzero(segment_start)) + [n]
    windows = np.repeat(np.arange(n)[:, None], 4, axis=1)
    has_next = np.zeros(n, bool)
    for a, b in zip(starts[:-1], starts[1:]):
        i = np.arange(a, b - 1)
        has_next[i] = True
        windows[i] = np.stack([np.maximum(i - 1, a), i, i + 1, np.minimum(i + 2, b - 1)], axis=1)
    return windows, has_next


class RigidUnitPlacer:
    """Places every heavy atom from moved Calpha positions, keeping chemistry rigid.

    Side chains (and terminal atoms) turn with their residue's Calpha triplet; the peptide
    unit C(i), O(i), N(i+1) turns as one rigid plane with the Calpha pair (i, i+1), fitted with
    the flanking Calpha atoms setting its twist. Each unit is anchored at Calpha(i), so bonds
    inside residues, Calpha(i)-C(i) and the peptide C-N bond keep their start lengths.
    """

    PEPTIDE_WEIGHTS = np.array([1.0, 100.0, 100.0, 1.0])

    def __init__(self, positions: np.ndarray, segment_start: np.ndarray):
        self.start = np.asarray(positions, np.float64)  # (L, 15, 3)
        self.start_ca = self.start[:, 1]
        self.triplets = calpha_triplets(segment_start)
        self.windows, self.has_next = peptide_windows(segment_start)

    def place(self, ca: np.ndarray) -> np.ndarray:
        """Calpha positions (L, 3) Angstrom -> slot positions (L, 15, 3) Angstrom."""
        ca = np.asarray(ca, np.float64)
        rot = fit_rotations(self.start_ca, ca, self.triplets, np.ones(3))
        out = np.einsum("lsi,lij->lsj", self.start - self.start_ca[:, None], rot) + ca[:, None]
        i = np.flatnonzero(self.has_next)
        pep = fit_rotations(self.start_ca, ca, self.windows[i], self.PEPTIDE_WEIGHTS)
        unit = np.concatenate([self.start[i][:, 2:4], self.start[i + 1][:, :1]], axis=1)  # C, O, N(i+1)
        moved = np.einsum("kai,kij->kaj", unit - self.start_ca[i][:, None], pep) + ca[i][:, None]
        out[i, 2:4] = moved[:, :2]
        out[i + 1, 0] = moved[:, 2]
        return out


def enm_trajectory(protein, n_frames: int, interval_ps: float, temperature_K: float = 300.0,
                   seed: int = 0, config: EnmConfig | None = None) -> Iterator[np.ndarray]:
    """Stream an elastic-network Langevin trajectory of ``protein`` (a structure.Protein).

    Yields ``n_frames`` arrays (L, 15, 3) float32 Angstrom in the slot layout (slots outside
    ``protein.mask`` stay at their input values), ``interval_ps`` ps apart, the first one the
    input structure. Deterministic for a seed.
    """
    positions = np.asarray(protein.positions, np.float64)
    mask = np.asarray(protein.mask, bool)
    segment_start = np.asarray(protein.segment_start, bool)
    model = ElasticNetworkLangevin(positions[:, 1], slot_masses(protein).sum(axis=1), config or EnmConfig(),
                                   chain=chain_pairs(segment_start))
    placer = RigidUnitPlacer(positions, segment_start)
    for ca in model.frames(n_frames, interval_ps, temperature_K, seed):
        yield np.where(mask[..., None], placer.place(ca), positions).astype(np.float32)
