"""Rigid-residue relaxation of generated frames (rollout.relax)."""

from __future__ import annotations

import numpy as np

from model_inputs import example_protein
from trajgen.engine.flow.process import FlowConfig, Frames, perturb
from trajgen.engine.geometry import atoms_from_frames_torsions
from trajgen.engine.rollout.protein_state import protein_context
from trajgen.engine.rollout.relax import RelaxConfig, Relaxer


def setup(config: RelaxConfig = RelaxConfig()):
    protein = example_protein()
    context, start = protein_context(protein)
    return protein, start, Relaxer(protein.aatype, protein.chain_end, context.residue_index, start, config)


def geometry(relaxer: Relaxer, protein, frames: Frames) -> tuple[float, float, float]:
    """(worst link-length error, worst overlap below r0, closest non-neighbour Calpha pair), Angstrom."""
    atoms, _ = atoms_from_frames_torsions(protein.aatype, frames.rot[0], frames.trans[0], frames.torsions[0],
                                          protein.chain_end)
    xyz = atoms[relaxer.res_of, relaxer.slot_of]
    link = np.abs(np.linalg.norm(xyz[relaxer.link_i] - xyz[relaxer.link_j], axis=-1) - relaxer.link_d0).max()
    i, j, r0 = relaxer._clash_pairs(xyz)
    overlap = np.maximum(r0 - np.linalg.norm(xyz[i] - xyz[j], axis=-1), 0.0).max()
    ca = frames.trans[0]
    d = np.linalg.norm(ca[:, None] - ca[None], axis=-1) + np.eye(len(ca)) * 99 + np.eye(len(ca), k=1) * 99 \
        + np.eye(len(ca), k=-1) * 99
    return float(link), float(overlap), float(d.min())


def broken(start: Frames, level: float = 0.5, seed: int = 0) -> Frames:
    """The start frame with every residue moved at random (as a network's independent errors do),
    and residue 20 pushed onto residue 23."""
    rng = np.random.default_rng(seed)
    shape = start.trans.shape
    x = perturb(start, {"rot": rng.standard_normal(shape), "trans": rng.standard_normal(shape),
                        "torsions": np.zeros(start.torsions.shape)}, FlowConfig(), level)
    trans = x.trans.copy()
    trans[0, 20] = trans[0, 23] + np.array([1.0, 0.5, 0.0], np.float32)
    return Frames(x.rot, trans, x.torsions)


def test_relaxation_rejoins_the_chain_and_separates_clashing_residues():
    protein, start, relaxer = setup(RelaxConfig(iterations=400))
    x = broken(start)
    link0, overlap0, ca0 = geometry(relaxer, protein, x)
    assert link0 > 2.0 and overlap0 > 1.5 and ca0 < 1.5          # broken bonds, a Calpha on another
    y = relaxer(x)
    link, overlap, ca = geometry(relaxer, protein, y)
    assert link < 0.3 and overlap < 0.3 and ca > 3.0             # within the suite's chain-break and clash limits
    np.testing.assert_array_equal(np.delete(y.torsions, 3, -1), np.delete(x.torsions, 3, -1))   # chi1 may snap
    np.testing.assert_allclose(y.rot @ np.swapaxes(y.rot, -1, -2), np.broadcast_to(np.eye(3), y.rot.shape),
                               atol=1e-5)
    before = np.linalg.norm(x.trans[0] - start.trans[0], axis=-1)
    after = np.linalg.norm(y.trans[0] - start.trans[0], axis=-1)
    assert np.median(after) < 0.7 * np.median(before)             # a local repair towards an intact chain


def test_the_start_structure_is_left_as_it_is():
    protein, start, relaxer = setup()
    y = relaxer(start)
    np.testing.assert_allclose(y.trans, start.trans, atol=1e-4)
    np.testing.assert_allclose(y.rot, start.rot, atol=1e-5)


def test_a_disabled_relaxation_returns_the_frames_unchanged():
    protein, start, relaxer = setup(RelaxConfig(enabled=False))
    x = broken(start)
    assert relaxer(x) is x


def test_rows_of_a_batch_are_relaxed_independently():
    protein, start, relaxer = setup()
    a, b = broken(start, seed=1), broken(start, seed=2)
    both = relaxer(Frames.stack([a, b]))
    np.testing.assert_allclose(both.trans[1:], relaxer(b).trans, atol=1e-5)
    np.testing.assert_allclose(both.trans[:1], relaxer(a).trans, atol=1e-5)


def test_a_random_model_breaks_the_chain_and_relaxed_generation_does_not():
    from model_inputs import tiny_torch_backend
    from trajgen.engine.evaluate.ensemble import Ensemble
    from trajgen.engine.evaluate.validity import frame_validity
    from trajgen.engine.generate import GenerationRequest, TrajectoryGenerator

    protein = example_protein()
    backend = tiny_torch_backend(seed=0)
    shares = {}
    for relax in (False, True):
        request = GenerationRequest(length_ps=600, interval_ps=100, mode="single", relax=relax)
        xyz = np.stack([f.xyz for f in TrajectoryGenerator(protein, request, backend)])
        v = frame_validity(Ensemble(xyz, protein.heavy_atom_topology(), 100.0, "gen"), xyz[0])
        shares[relax] = (v.chain_break[1:].mean(), v.ca_clash[1:].mean(), v.heavy_clash[1:].mean())
    assert max(shares[False]) == 1.0 and max(shares[True]) == 0.0, shares


def test_dihedral_gradients_match_finite_differences_and_mdtraj_signs():
    import mdtraj as md

    from trajgen.engine.rollout.relax import dihedral_gradient

    p = np.random.default_rng(0).normal(size=(4, 6, 3)) * 1.5
    angle, grad = dihedral_gradient(*p)
    numeric = np.zeros_like(grad)
    for k in range(4):
        for axis in range(3):
            q = p.copy()
            q[k, :, axis] += 1e-6
            numeric[k, :, axis] = (dihedral_gradient(*q)[0] - angle) / 1e-6
    np.testing.assert_allclose(grad, numeric, atol=1e-4)
    top = md.Topology()
    residue = top.add_residue("ALA", top.add_chain())
    for name in ("A", "B", "C", "D"):
        top.add_atom(name, md.element.carbon, residue)
    np.testing.assert_allclose(md.compute_dihedrals(md.Trajectory(p.transpose(1, 0, 2) / 10, top), [[0, 1, 2, 3]])[:, 0],
                               angle, atol=1e-5)


def test_a_residue_in_a_disallowed_backbone_region_is_moved_out_and_the_chain_stays_joined():
    from trajgen.engine.rollout.dihedral_prior import DihedralPrior
    from trajgen.engine.rollout.relax import dihedral_gradient

    protein, start, _ = setup()
    prior = DihedralPrior.load()
    relaxer = Relaxer(protein.aatype, protein.chain_end, protein_context(protein)[0].residue_index, start,
                      RelaxConfig(iterations=400), prior)

    def rama(frames):
        atoms, _ = atoms_from_frames_torsions(protein.aatype, frames.rot[0], frames.trans[0], frames.torsions[0],
                                              protein.chain_end)
        xyz = atoms[relaxer.res_of, relaxer.slot_of].astype(np.float64)
        q = relaxer.rama_atoms
        phi = dihedral_gradient(*(xyz[q[:, k]] for k in (0, 1, 2, 3)))[0]
        psi = dihedral_gradient(*(xyz[q[:, k]] for k in (1, 2, 3, 4)))[0]
        return prior.rama_excess(relaxer.rama_cls, phi, psi)[0]

    x = broken(start, level=0.3, seed=4)
    assert (rama(x) > 0).sum() >= 3                               # random residue errors leave the allowed basins
    y = relaxer(x)
    assert (rama(y) > 0.5).sum() == 0 and geometry(relaxer, protein, y)[0] < 0.3


def test_the_prior_funnels_disallowed_dihedrals_to_the_nearest_allowed_region(tmp_path):
    from trajgen.engine.rollout.dihedral_prior import BINS, CHI1, PHI, PSI, DihedralPrior, rama_class

    assert rama_class(np.array([0, 7, 3, 14, 5])).tolist() == [0, 1, 3, 2, 0]     # ALA GLY ASP(pre-PRO) PRO SER
    rng = np.random.default_rng(0)
    n_frames, n_res = 400, 5
    tors = np.zeros((n_frames, n_res, 7))
    tors[..., PHI] = np.radians(-63 + rng.normal(0, 8, (n_frames, n_res)))          # a helix, nothing else
    tors[..., PSI] = np.radians(-43 + rng.normal(0, 8, (n_frames, n_res)))
    tors[..., CHI1] = np.radians(-65 + rng.normal(0, 8, (n_frames, n_res)))
    mask = np.ones((n_res, 7))
    prior = DihedralPrior.build([np.zeros(n_res, np.int64)], [tors], [mask])
    prior.save(tmp_path / "p.npz")
    prior = DihedralPrior.load(tmp_path / "p.npz")
    cls = np.zeros(3, np.int64)
    excess, g_phi, g_psi = prior.rama_excess(cls, np.radians([-63.0, -120.0, -63.0]), np.radians([-43.0, 130.0, 40.0]))
    assert excess[0] == 0 and excess[1] > 3 and excess[2] > 2           # beta and beyond the helix: disallowed
    assert g_phi[1] < 0 < g_psi[2] and g_psi[1] > 0                     # descent moves them back towards the helix
    assert prior.rama_n[1] == 0 and np.all(prior.rama_excess(np.ones(1, np.int64), [2.0], [2.0])[0] == 0)  # no data
    chi = prior.nearest_allowed_chi1(np.zeros(2, np.int64), np.radians([-65.0, 170.0]))
    assert abs(np.degrees(chi[0]) + 65) < 1e-9 and -90 < np.degrees(chi[1]) < -40
    assert BINS == 36


def test_the_prior_command_writes_a_prior_of_md_and_leaves_out_held_out_relatives(tmp_path, capsys):
    from dataset_fixtures import make_atlas_folder
    from trajgen.engine.cli import main
    from trajgen.engine.dataset.atlas import atlas_refs
    from trajgen.engine.dataset.features import build_cache
    from trajgen.engine.rollout.dihedral_prior import DihedralPrior

    cache = build_cache(atlas_refs(make_atlas_folder(tmp_path / "atlas", n_frames=20)), tmp_path / "cache")
    unrelated, relative = tmp_path / "other.fasta", tmp_path / "relative.fasta"
    unrelated.write_text(">x\nMKVLAAGIVGLLLAACSSEKKEEAPAAEAPAAEAPAA\n")
    relative.write_text(">guu\n" + str(np.load(cache[0])["sequence"]) + "\n")
    out = tmp_path / "prior.npz"
    assert main(["data", "dihedral-prior", *map(str, cache), "--heldout", str(unrelated), "--out", str(out)]) == 0
    assert DihedralPrior.load(out).rama_n[0] > 0 and "from 3 MD files" in capsys.readouterr().out
    assert main(["data", "dihedral-prior", *map(str, cache), "--heldout", str(relative), "--out", str(tmp_path / "b.npz")]) == 2
    assert "No MD file is left" in capsys.readouterr().out
    assert not (tmp_path / "b.npz").exists()


def test_a_disulfide_of_the_start_structure_stays_bonded(tmp_path):
    from trajgen.engine.structure import load_protein

    from model_inputs import EXAMPLE_PDB

    atoms = [l for l in EXAMPLE_PDB.read_text().splitlines() if l.startswith("ATOM")]
    sg = next(np.array([float(l[30:38]), float(l[38:46]), float(l[46:54])]) for l in atoms if l[12:16] == " SG ")
    cb = next(np.array([float(l[30:38]), float(l[38:46]), float(l[46:54])]) for l in atoms
              if l[12:16] == " CB " and l[17:20] == "CYS")
    # chain B: the same chain turned 180 degrees about an axis 1.025 A beyond the SG, perpendicular to CB->SG,
    # so its SG sits 2.05 A from chain A's
    axis = (sg - cb) / np.linalg.norm(sg - cb)
    pivot = sg + 1.025 * axis
    u = np.cross(axis, [1.0, 0.0, 0.0])
    u /= np.linalg.norm(u)
    turn = 2 * np.outer(u, u) - np.eye(3)
    lines = list(atoms) + ["TER"]
    for l in atoms:
        x = pivot + turn @ (np.array([float(l[30:38]), float(l[38:46]), float(l[46:54])]) - pivot)
        lines.append(f"{l[:21]}B{l[22:30]}{x[0]:8.3f}{x[1]:8.3f}{x[2]:8.3f}{l[54:]}")
    path = tmp_path / "bridged.pdb"
    path.write_text("\n".join(lines + ["TER", "END"]) + "\n")
    protein = load_protein(path)
    context, start = protein_context(protein)
    relaxer = Relaxer(protein.aatype, protein.chain_end, context.residue_index, start, RelaxConfig(iterations=300))
    assert len(relaxer.link_i) - 2 * 4 * 49 == 1                  # the chains' links and the one disulfide
    bond = relaxer.link_i[-1], relaxer.link_j[-1]
    x = broken(start, level=0.3, seed=3)

    def sg_sg(frames):
        atoms_, _ = atoms_from_frames_torsions(protein.aatype, frames.rot[0], frames.trans[0], frames.torsions[0],
                                               protein.chain_end)
        xyz = atoms_[relaxer.res_of, relaxer.slot_of]
        return float(np.linalg.norm(xyz[bond[0]] - xyz[bond[1]]))

    d0 = sg_sg(start)                                             # rebuilt with ideal geometry: about 2.1 A
    assert abs(d0 - 2.05) < 0.1 and abs(sg_sg(x) - d0) > 0.3
    assert abs(sg_sg(relaxer(x)) - d0) < 0.2
