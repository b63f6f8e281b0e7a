"""Elastic-network baseline: overdamped Langevin dynamics on an anisotropic network model.

Physics. Heavy atoms (or Calpha atoms only) of the start structure are joined by harmonic
springs: stiff ones (``bonded_spring``) between atoms closer than ``bonded_A`` (covalent bonds
and 1-3 pairs, so local geometry stays chemical) and soft ones (``spring``) between all other
pairs within ``cutoff_A``. The energy is E = 1/2 x^T H x for displacements x (Angstrom) from
the start, H the network Hessian (kcal/mol/A^2). Each atom feels a friction
zeta_i = m_i * gamma (element mass in amu, collision rate gamma in 1/ps, water-like by default),
and moves by overdamped Langevin dynamics Z dx/dt = -H x + sqrt(2 kT Z) eta at temperature T.
In mass-weighted normal modes (H~ = Z^-1/2 H Z^-1/2 = U diag(lambda) U^T, lambda in 1/ps) every
mode is an Ornstein-Uhlenbeck process, advanced exactly over any frame interval, so the time
scale is physical (the relaxation time of mode k is 1/lambda_k ps) and no step size is involved.
The six rigid-body modes are left out: frames stay superposed on the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
from scipy.sparse import coo_matrix
from scipy.spatial import cKDTree

BOLTZMANN_KCAL_PER_MOL_K = 0.0019872043
AMU_A2_PER_PS2_IN_KCAL_PER_MOL = 0.0023900574  # 1 amu A^2 / ps^2 per molecule, as kcal/mol
ELEMENT_MASS_AMU = {"C": 12.011, "N": 14.007, "O": 15.999, "S": 32.06, "SE": 78.97}


@dataclass(frozen=True)
class EnmConfig:
    """Network and friction parameters (defaults: heavy-atom network, water-like friction)."""

    cutoff_A: float = 7.0                # soft springs between atoms closer than this in the start
    spring: float = 0.1                  # soft spring constant, kcal/mol/A^2
    bonded_A: float = 2.6                # atoms closer than this are bonded or 1-3: stiff spring
    bonded_spring: float = 300.0         # stiff spring constant, kcal/mol/A^2 (bond-like)
    collision_rate_per_ps: float = 50.0  # friction zeta_i = m_i * rate

    @staticmethod
    def calpha() -> "EnmConfig":
        """Calpha-only network (classic ANM cutoff 15 A; consecutive Calpha at 3.8 A are stiff)."""
        return EnmConfig(cutoff_A=15.0, spring=1.0, bonded_A=4.2, bonded_spring=50.0)


def network_hessian(xyz: np.ndarray, config: EnmConfig) -> np.ndarray:
    """Hessian (3N, 3N) kcal/mol/A^2 of the spring network on positions xyz (N, 3) Angstrom."""
    n = len(xyz)
    pairs = np.array(sorted(cKDTree(xyz).query_pairs(config.cutoff_A)), dtype=np.int64).reshape(-1, 2)
    d = xyz[pairs[:, 1]] - xyz[pairs[:, 0]]
    r2 = (d * d).sum(-1)
    k = np.where(r2 < config.bonded_A ** 2, config.bonded_spring, config.spring)
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


class ElasticNetworkLangevin:
    """Exact overdamped Langevin propagation of an elastic network around ``xyz`` (N, 3) A.

    masses_amu: (N,) atom masses. ``modes`` (3N, M) map mode amplitudes to Cartesian
    displacements (A per sqrt(kcal/mol ps)); ``rates`` (M,) are the mode relaxation rates in 1/ps.
    """

    def __init__(self, xyz: np.ndarray, masses_amu: np.ndarray, config: EnmConfig = EnmConfig()):
        self.start = np.asarray(xyz, np.float64)
        zeta = np.repeat(np.asarray(masses_amu, np.float64) * config.collision_rate_per_ps, 3)
        zeta *= AMU_A2_PER_PS2_IN_KCAL_PER_MOL  # kcal/mol ps/A^2
        inv_root = 1.0 / np.sqrt(zeta)
        hess = network_hessian(self.start, config)
        rates, vectors = np.linalg.eigh(inv_root[:, None] * hess * inv_root[None, :])
        keep = rates > 1e-6 * rates.max()  # drop the six rigid-body modes
        self.rates = rates[keep]
        self.modes = inv_root[:, None] * vectors[:, keep]

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
            yield (self.start + (self.modes @ amplitude).reshape(-1, 3)).astype(np.float32)
            amplitude = decay * amplitude + kick * rng.standard_normal(len(amplitude))


def slot_masses(protein) -> np.ndarray:
    """(L, 15) element masses (amu) of the slot layout of a ``Protein``; 0 where no atom."""
    from trajgen.engine.structure.residue_constants import ATOM_NAMES, OXT_SLOT, RESTYPES_3

    masses = np.zeros(protein.mask.shape)
    for r, aa in enumerate(protein.aatype):
        names = ATOM_NAMES[RESTYPES_3[int(aa)]]
        for s, name in enumerate(names):
            masses[r, s] = ELEMENT_MASS_AMU["SE" if name == "SE" else name[0]]
        masses[r, OXT_SLOT] = ELEMENT_MASS_AMU["O"]
    return np.where(protein.mask, masses, 0.0)


def enm_trajectory(protein, n_frames: int, interval_ps: float, temperature_K: float = 300.0,
                   seed: int = 0, config: EnmConfig | None = None) -> Iterator[np.ndarray]:
    """Stream an elastic-network Langevin trajectory of ``protein`` (a structure.Protein).

    Yields ``n_frames`` arrays (L, 15, 3) float32 Angstrom in the slot layout (atoms outside
    ``protein.mask`` stay at their input values), ``interval_ps`` ps apart, the first one the
    input structure. Deterministic for a seed. A Calpha-only protein uses ``EnmConfig.calpha()``.
    """
    mask = np.asarray(protein.mask, bool)
    only_ca = not mask[:, [0, 2]].any()
    config = config or (EnmConfig.calpha() if only_ca else EnmConfig())
    model = ElasticNetworkLangevin(np.asarray(protein.positions)[mask], slot_masses(protein)[mask], config)
    template = np.array(protein.positions, dtype=np.float32, copy=True)
    for xyz in model.frames(n_frames, interval_ps, temperature_K, seed):
        frame = template.copy()
        frame[mask] = xyz
        yield frame
