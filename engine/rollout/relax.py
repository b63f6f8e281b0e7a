"""Rigid-residue relaxation of a generated frame: rejoin the chain and push clashing atoms apart.

The network places every residue's rigid frame on its own, so small independent errors open
peptide bonds and let atoms of different residues overlap. ``Relaxer`` moves each residue as a
rigid body (its torsions, hence its side chain, unchanged but for chi1, below) to minimise

    E = w_link  * sum over chain links (d - d_start)^2             C(i)-N(i+1), CA(i)-N(i+1),
                                                                     C(i)-CA(i+1), CA(i)-CA(i+1),
                                                                     and disulfide SG-SG
      + w_clash * sum over non-bonded atom pairs (r0 - d)^2, d < r0  r0: ``clash_A``, ``ca_clash_A``
      + w_rama  * sum over residues of the depth of (phi, psi) in a   out of disallowed backbone regions
                  disallowed region of the training MD
      + w_stay  * sum over residues |t - t_generated|^2               stay where the network put it

(Angstrom^2) by FIRE descent on the residues' translations and rotations. Link lengths come from the start
structure (so cis peptides stay cis); pairs closer than ``bonded_A`` in the start structure are
bonded or 1-3 and never repel; pairs that sit closer than ``clash_A`` in the start (hydrogen
bonds, salt bridges) keep their start distance as r0, less ``neighbour_slack_A`` between chain
neighbours, whose 1-4 distances follow the network's torsions. p(phi, psi) is the training MD's
density (``rollout.dihedral_prior``), which exerts no force inside its allowed regions; chi1
angles in a disallowed region of their residue type move to the nearest allowed one first. The
prior holds for every residue, also one the start structure has in a disallowed region (on the
validation protein, letting such residues free, or near their start values, cost validity:
96% of frames valid against 73% and 82%). numpy and scipy only, the
same for the torch and ONNX backends; the rollout feeds relaxed frames back to the network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from trajgen.engine.flow.process import Frames
from trajgen.engine.flow.so3 import exp_map
from trajgen.engine.geometry import atoms_from_frames_torsions
from trajgen.engine.residue_constants import RESTYPES_3, slot_of
from trajgen.engine.rollout.dihedral_prior import CHI1, DihedralPrior, rama_class

N, CA, C = 0, 1, 2                                   # slot indices of the backbone atoms
SG = slot_of("CYS", "SG")
CYS = RESTYPES_3.index("CYS")
LINKS = ((C, N), (CA, N), (C, CA), (CA, CA))         # (atom of residue i, atom of residue i+1)
STALL = 20        # iterations over which the worst violation must shrink by 2%, else the descent stops
SKIN_A = 1.0      # pair lists reach this far beyond r0 and are rebuilt once an atom moved half of it


@dataclass(frozen=True)
class RelaxConfig:
    """Weights (per Angstrom^2), distances (Angstrom) and iterations of the relaxation."""

    enabled: bool = True
    w_link: float = 1.0
    w_clash: float = 1.0
    w_stay: float = 0.01
    w_rama: float = 0.2           # per bin (10 degrees) inside a disallowed (phi, psi) region
    clash_A: float = 3.0          # heavy atoms of different residues repel below this
    ca_clash_A: float = 3.8       # ... Calpha atoms of residues that are not chain neighbours below this
    neighbour_slack_A: float = 0.5   # chain neighbours' 1-4 pairs (O(i)-CA(i+1), ...) follow the torsions
    disulfide_A: float = 2.5      # SG-SG pairs this close in the start are disulfide links, kept like the chain
    bonded_A: float = 2.6         # pairs this close in the start structure are bonded or 1-3: no repulsion
    iterations: int = 200         # at most; it stops once within tolerance
    step: float = 0.3             # first FIRE time step (translation: gradient / atoms of the residue)
    max_step: float = 0.7         # largest FIRE time step
    tolerance_A: float = 0.2      # stop when no link deviates and no pair overlaps by more than this ...
    rama_tolerance: float = 0.5   # ... and no (phi, psi) lies deeper in a disallowed region (bins)
    guard_A: float = 0.5          # a link off by more than this (an overlap by twice it) after the first
                                  # descent gets a second one without the prior


class Relaxer:
    """Relaxes frames of one protein (aatype, chain_end, residue_index (L,)) against its start frame."""

    def __init__(self, aatype: np.ndarray, chain_end: np.ndarray, residue_index: np.ndarray, start: Frames,
                 config: RelaxConfig = RelaxConfig(), prior: DihedralPrior | None = None):
        """``prior`` None loads the shipped ``engine/assets/dihedral_prior.npz``."""
        self.aatype = np.asarray(aatype)
        self.prior = prior if prior is not None or not config.enabled else DihedralPrior.load()
        self.chain_end = np.asarray(chain_end, bool)
        self.config = config
        start_atoms, self.mask = atoms_from_frames_torsions(self.aatype, start.rot[0], start.trans[0],
                                                            start.torsions[0], self.chain_end)
        self.n_res = len(self.aatype)
        self.res_of, self.slot_of = np.nonzero(self.mask)         # atom k is slot slot_of[k] of residue res_of[k]
        self.start_xyz = start_atoms[self.res_of, self.slot_of]    # (A, 3)
        self.atom_index = np.full(self.mask.shape, -1, np.int64)
        self.atom_index[self.res_of, self.slot_of] = np.arange(len(self.res_of))
        linked = np.nonzero(np.diff(np.asarray(residue_index)) == 1)[0]
        pairs = [(self.atom_index[linked, a], self.atom_index[linked + 1, b]) for a, b in LINKS]
        i = np.concatenate([p[0] for p in pairs])
        j = np.concatenate([p[1] for p in pairs])
        keep = (i >= 0) & (j >= 0)
        i, j = i[keep], j[keep]
        bridge_i, bridge_j = self._disulfides(config.disulfide_A)
        self.link_i, self.link_j = np.concatenate([i, bridge_i]), np.concatenate([j, bridge_j])
        self.bridged = np.zeros(self.n_res, bool)                 # cysteines in a disulfide keep their chi1
        self.bridged[self.res_of[bridge_i]] = self.bridged[self.res_of[bridge_j]] = True
        self.link_d0 = np.linalg.norm(self.start_xyz[self.link_i] - self.start_xyz[self.link_j], axis=-1)
        self.linked_next = np.zeros(self.n_res, bool)              # residue r is chained to r + 1
        self.linked_next[linked] = True
        self.is_ca = self.slot_of == CA
        self.last_iterations = 0                                  # descent steps the last row took
        n_atoms = len(self.res_of)
        self.link_matrix = _pair_matrix(self.link_i, self.link_j, n_atoms)       # (A, links): +1 at i, -1 at j
        self.residue_sum = sparse.csr_matrix((np.ones(n_atoms), (self.res_of, np.arange(n_atoms))),
                                             shape=(self.n_res, n_atoms))       # (L, A)
        self.atoms_per_residue = np.maximum(np.bincount(self.res_of, minlength=self.n_res), 1)[:, None].astype(float)
        # residues with phi and psi (chained on both sides): atoms C(r-1), N, CA, C, N(r+1)
        inner = np.nonzero(np.r_[False, self.linked_next[:-1]] & self.linked_next)[0]
        quad = np.stack([self.atom_index[inner - 1, C], self.atom_index[inner, N], self.atom_index[inner, CA],
                         self.atom_index[inner, C], self.atom_index[inner + 1, N]], -1) if len(inner) else \
            np.zeros((0, 5), np.int64)
        keep = (quad >= 0).all(-1)
        self.rama_atoms, self.rama_cls = quad[keep], rama_class(self.aatype)[inner[keep]]
        q = self.rama_atoms                                       # phi on atoms 0-3, psi on atoms 1-4
        cols = np.concatenate([q[:, 0:4].T.ravel(), q[:, 1:5].T.ravel()])
        self.rama_matrix = sparse.csr_matrix((np.ones(len(cols)), (cols, np.arange(len(cols)))),
                                             shape=(n_atoms, len(cols)))  # (A, 8 R): sums dihedral gradients

    def _disulfides(self, cutoff_A: float) -> tuple[np.ndarray, np.ndarray]:
        """Atom indices (i, j) of the SG-SG pairs closer than ``cutoff_A`` in the start structure."""
        sg = self.atom_index[np.nonzero(self.aatype == CYS)[0], SG]
        sg = sg[sg >= 0]
        if len(sg) < 2:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        pairs = cKDTree(self.start_xyz[sg]).query_pairs(cutoff_A, output_type="ndarray").reshape(-1, 2)
        return sg[pairs[:, 0]], sg[pairs[:, 1]]

    def __call__(self, frames: Frames) -> Frames:
        """Relaxed copy of ``frames`` (B rows); torsions are kept but for disallowed chi1 angles."""
        if not self.config.enabled:
            return frames
        torsions = frames.torsions.copy()
        if self.prior is not None:
            for b in range(len(torsions)):
                snapped = self.prior.nearest_allowed_chi1(self.aatype, torsions[b, :, CHI1])
                torsions[b, :, CHI1] = np.where(self.bridged, torsions[b, :, CHI1], snapped)
        rows = [self._relax_row(frames.rot[b], frames.trans[b], torsions[b]) for b in range(len(frames.trans))]
        return Frames(np.stack([r[0] for r in rows]).astype(np.float32),
                      np.stack([r[1] for r in rows]).astype(np.float32), torsions.astype(np.float32))

    def _clash_pairs(self, xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate repelling pairs (i, j, r0) among atoms within reach of overlapping."""
        cfg = self.config
        ca = np.nonzero(self.is_ca)[0]
        near = cKDTree(xyz).query_pairs(cfg.clash_A + SKIN_A, output_type="ndarray").reshape(-1, 2)
        near = near[~(self.is_ca[near[:, 0]] & self.is_ca[near[:, 1]])]      # Calpha pairs: their own reach
        pairs = np.concatenate([near, ca[cKDTree(xyz[ca]).query_pairs(cfg.ca_clash_A + SKIN_A,
                                                                     output_type="ndarray").reshape(-1, 2)]])
        if len(pairs) == 0:
            return (np.zeros(0, np.int64),) * 2 + (np.zeros(0),)
        i, j = pairs[:, 0], pairs[:, 1]
        ri, rj = self.res_of[i], self.res_of[j]
        d_start = np.linalg.norm(self.start_xyz[i] - self.start_xyz[j], axis=-1)
        both_ca = self.is_ca[i] & self.is_ca[j]
        lo, hi = np.minimum(ri, rj), np.maximum(ri, rj)
        chained = (hi - lo == 1) & self.linked_next[lo]
        r0 = np.where(both_ca & ~chained, cfg.ca_clash_A, cfg.clash_A)
        r0 = np.minimum(r0, d_start) - np.where(chained, cfg.neighbour_slack_A, 0.0)
        keep = (ri != rj) & (d_start >= cfg.bonded_A)
        return i[keep], j[keep], r0[keep]

    def _rama_gradient(self, xyz: np.ndarray) -> tuple[np.ndarray, float]:
        """Gradient (A, 3) of the Ramachandran term and the largest excess below the limit."""
        q = self.rama_atoms
        phi, d_phi = dihedral_gradient(*(xyz[q[:, k]] for k in (0, 1, 2, 3)))
        psi, d_psi = dihedral_gradient(*(xyz[q[:, k]] for k in (1, 2, 3, 4)))
        excess, g_phi, g_psi = self.prior.rama_excess(self.rama_cls, phi, psi)
        w = self.config.w_rama
        parts = np.concatenate([(w * g_phi[:, None] * d_phi).reshape(-1, 3), (w * g_psi[:, None] * d_psi).reshape(-1, 3)])
        return self.rama_matrix @ parts, float(excess.max()) if len(excess) else 0.0

    def _relax_row(self, rot: np.ndarray, trans: np.ndarray, torsions: np.ndarray):
        """One frame: descend with every term until within tolerance or stalled; then, if a chain link
        is still off by more than ``guard_A`` or two atoms still overlap by more than twice that,
        with links and clashes alone (the Ramachandran term must never hold a bond open or atoms
        together)."""
        atoms, _ = atoms_from_frames_torsions(self.aatype, rot, trans, torsions, self.chain_end)
        xyz = atoms[self.res_of, self.slot_of].astype(np.float64)
        rot, trans = rot.astype(np.float64), trans.astype(np.float64)
        local = np.einsum("aji,aj->ai", rot[self.res_of], xyz - trans[self.res_of])   # R^T (x - t)
        state = _RowState(rot, trans, xyz, local, trans.copy())
        use_rama = self.prior is not None and self.config.w_rama > 0 and len(self.rama_atoms) > 0
        self.last_iterations, link, overlap = self._descend(state, use_rama)
        if use_rama and (link > self.config.guard_A or overlap > 2 * self.config.guard_A):
            self.last_iterations += self._descend(state, False)[0]
        return state.rot, state.trans

    def _descend(self, st: "_RowState", use_rama: bool) -> tuple[int, float, float]:
        """FIRE descent of E on the row state, in place. Returns the iterations taken and the largest
        link-length error and overlap below r0 (Angstrom) at the last evaluation."""
        cfg = self.config
        listed = st.xyz
        ci, cj, r0 = self._clash_pairs(st.xyz)
        clash_matrix = _pair_matrix(ci, cj, len(st.xyz))
        fire = _Fire(cfg.step, cfg.max_step, st.trans.shape)
        history: list[float] = []
        for it in range(cfg.iterations):
            if ((st.xyz - listed) ** 2).sum(-1).max() > (SKIN_A / 2) ** 2:      # Verlet list: refresh the pairs
                listed = st.xyz
                ci, cj, r0 = self._clash_pairs(st.xyz)
                clash_matrix = _pair_matrix(ci, cj, len(st.xyz))
            xyz = st.xyz
            diff = xyz[self.link_i] - xyz[self.link_j]
            d = np.sqrt((diff ** 2).sum(-1)) + 1e-9
            err = d - self.link_d0
            grad = self.link_matrix @ ((2 * cfg.w_link * err / d)[:, None] * diff)
            link = float(np.abs(err).max()) if len(err) else 0.0
            overlap = 0.0
            if len(ci):
                diff = xyz[ci] - xyz[cj]
                d = np.sqrt((diff ** 2).sum(-1)) + 1e-9
                over = np.maximum(r0 - d, 0.0)
                grad += clash_matrix @ ((-2 * cfg.w_clash * over / d)[:, None] * diff)
                overlap = float(over.max())
            worst = max(link, overlap)
            rama_worst = 0.0
            if use_rama:
                rama_grad, rama_worst = self._rama_gradient(xyz)
                grad += rama_grad
            if worst < cfg.tolerance_A and rama_worst < cfg.rama_tolerance:
                return it, link, overlap
            history.append(worst + rama_worst)
            if len(history) > STALL and history[-1] > 0.98 * history[-1 - STALL]:
                return it, link, overlap                          # frustrated: no more progress
            arm = xyz - st.trans[self.res_of]
            force_t = -(self.residue_sum @ grad + 2 * cfg.w_stay * (st.trans - st.generated)) / self.atoms_per_residue
            torque = -(self.residue_sum @ _cross(arm, grad)) / (self.residue_sum @ (arm ** 2).sum(-1) + 1e-6)[:, None]
            d_trans, d_rot = fire.step(force_t, torque)
            st.trans = st.trans + d_trans
            st.rot = exp_map(d_rot) @ st.rot
            st.xyz = np.einsum("aij,aj->ai", st.rot[self.res_of], st.local) + st.trans[self.res_of]
        return cfg.iterations, link, overlap


@dataclass
class _RowState:
    """One frame during relaxation: rot (L, 3, 3), trans (L, 3), atoms xyz (A, 3) and their local
    coordinates (A, 3) in their residue's frame, and the network's translations (L, 3)."""

    rot: np.ndarray
    trans: np.ndarray
    xyz: np.ndarray
    local: np.ndarray
    generated: np.ndarray


class _Fire:
    """FIRE descent (Bitzek et al., PRL 97, 170201, 2006) on per-residue translations and rotation
    vectors with unit masses; forces come preconditioned (per atom, per inertia)."""

    def __init__(self, dt: float, dt_max: float, shape: tuple[int, ...]):
        self.dt, self.dt_max = dt, dt_max
        self.alpha, self.n_positive = 0.1, 0
        self.v = np.zeros((2,) + tuple(shape))

    def step(self, force_t: np.ndarray, torque: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Displacements (translation (L, 3), rotation vector (L, 3)) of one step."""
        f = np.stack([force_t, torque])
        if float((f * self.v).sum()) > 0:
            norm_v, norm_f = np.sqrt((self.v ** 2).sum()), np.sqrt((f ** 2).sum()) + 1e-12
            self.v = (1 - self.alpha) * self.v + self.alpha * norm_v * f / norm_f
            self.n_positive += 1
            if self.n_positive > 5:
                self.dt, self.alpha = min(self.dt * 1.1, self.dt_max), self.alpha * 0.99
        else:
            self.v[:] = 0.0
            self.n_positive, self.dt, self.alpha = 0, self.dt * 0.5, 0.1
        self.v = self.v + self.dt * f
        move = self.dt * self.v
        return move[0], move[1]


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of (N, 3) arrays (np.cross's axis handling costs more than the product)."""
    return np.stack([a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1], a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
                     a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]], -1)


def dihedral_gradient(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, p3: np.ndarray):
    """Dihedral angles (N,) radians of (p0, p1, p2, p3) (N, 3) each, IUPAC sign as mdtraj's, and their
    gradients (4, N, 3) with respect to the four points (Blondel & Karplus, J. Comput. Chem. 17, 1132)."""
    f, g, h = p0 - p1, p1 - p2, p3 - p2
    a, b = _cross(f, g), _cross(h, g)
    gn = np.linalg.norm(g, axis=-1) + 1e-12
    aa, bb = (a ** 2).sum(-1) + 1e-12, (b ** 2).sum(-1) + 1e-12
    b1, b2, b3 = p1 - p0, p2 - p1, p3 - p2
    angle = np.arctan2(gn * (b1 * _cross(b2, b3)).sum(-1), (_cross(b1, b2) * _cross(b2, b3)).sum(-1))
    fg, hg = (f * g).sum(-1), (h * g).sum(-1)
    d0 = -(gn / aa)[:, None] * a
    d3 = (gn / bb)[:, None] * b
    d1 = -d0 + (fg / (aa * gn))[:, None] * a - (hg / (bb * gn))[:, None] * b
    d2 = -d3 - (fg / (aa * gn))[:, None] * a + (hg / (bb * gn))[:, None] * b
    return angle, np.stack([d0, d1, d2, d3])


def _pair_matrix(i: np.ndarray, j: np.ndarray, n_atoms: int) -> sparse.csr_matrix:
    """(A, P) sparse: column p adds a pair's gradient to atom i[p] and subtracts it from atom j[p]."""
    p = np.arange(len(i))
    return sparse.csr_matrix((np.concatenate([np.ones(len(i)), -np.ones(len(j))]),
                              (np.concatenate([i, j]), np.concatenate([p, p]))), shape=(n_atoms, len(i)))
