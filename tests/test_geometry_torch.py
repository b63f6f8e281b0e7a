"""The torch twin agrees with numpy, keeps gradients and works on any device."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from conftest import PFAM40  # noqa: E402
from trajgen.engine import geometry  # noqa: E402
from trajgen.engine.geometry import torch_ops  # noqa: E402
from trajgen.engine.structure import load_protein  # noqa: E402

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(scope="module")
def protein():
    return load_protein(PFAM40 / "1JL3_A.pdb")  # 137 residues, all 20 residue types, 5 prolines


def _numpy_rebuild(protein):
    rot, trans = geometry.backbone_frames(protein.positions)
    angles, mask = geometry.torsions_from_atoms(protein.aatype, protein.positions, protein.mask, protein.segment_start)
    positions, atom_mask = geometry.atoms_from_frames_torsions(protein.aatype, rot, trans, angles, protein.chain_end)
    return rot, trans, angles, mask, positions, atom_mask


@pytest.mark.parametrize("device", DEVICES)
def test_torch_rebuild_matches_numpy_to_a_ten_thousandth_of_an_angstrom(protein, device):
    *_, expected, expected_mask = _numpy_rebuild(protein)
    positions = torch.tensor(protein.positions, device=device)
    rot, trans = torch_ops.backbone_frames(positions)
    torsions, _ = torch_ops.torsions_from_atoms(protein.aatype, positions, protein.mask, protein.segment_start)
    rebuilt, mask = torch_ops.atoms_from_frames_torsions(protein.aatype, rot, trans, torsions, protein.chain_end)
    assert rebuilt.dtype == torch.float32 and rebuilt.device.type == device
    np.testing.assert_array_equal(mask.cpu().numpy(), expected_mask)
    assert np.abs(rebuilt.detach().cpu().numpy() - expected).max() < 1e-4


def test_torch_torsions_are_the_sine_and_cosine_of_the_numpy_angles(protein):
    _, _, angles, mask, _, _ = _numpy_rebuild(protein)
    torsions, torch_mask = torch_ops.torsions_from_atoms(protein.aatype, torch.tensor(protein.positions), protein.mask, protein.segment_start)
    np.testing.assert_array_equal(torch_mask.numpy(), mask)
    np.testing.assert_allclose(torsions[..., 0].numpy(), np.sin(angles), atol=1e-5)
    np.testing.assert_allclose(torsions[..., 1].numpy(), np.cos(angles), atol=1e-5)


def test_torch_rebuild_normalizes_unnormalized_sine_cosine_pairs(protein):
    rot, trans, angles, _, expected, _ = _numpy_rebuild(protein)
    scaled = 3.0 * torch.stack([torch.sin(torch.tensor(angles)), torch.cos(torch.tensor(angles))], dim=-1)
    rebuilt, _ = torch_ops.atoms_from_frames_torsions(protein.aatype, torch.tensor(rot), torch.tensor(trans), scaled, protein.chain_end)
    assert np.abs(rebuilt.numpy() - expected).max() < 1e-4


def test_torch_rebuild_handles_frame_batches(protein):
    rot, trans, angles, _, expected, _ = _numpy_rebuild(protein)
    torsions = torch.stack([torch.sin(torch.tensor(angles)), torch.cos(torch.tensor(angles))], dim=-1)
    batch = lambda x: torch.tensor(x).expand((2, 3) + x.shape)  # noqa: E731
    rebuilt, _ = torch_ops.atoms_from_frames_torsions(protein.aatype, batch(rot), batch(trans), torsions, protein.chain_end)
    assert rebuilt.shape == (2, 3, protein.n_residues, 15, 3)
    assert np.abs(rebuilt[1, 2].numpy() - expected).max() < 1e-4


def test_gradients_flow_from_rebuilt_atoms_to_frames_and_torsions(protein):
    rot, trans, angles, mask, _, _ = _numpy_rebuild(protein)
    torsions = torch.stack([torch.sin(torch.tensor(angles)), torch.cos(torch.tensor(angles))], dim=-1).requires_grad_()
    rot_t, trans_t = torch.tensor(rot, requires_grad=True), torch.tensor(trans, requires_grad=True)
    rebuilt, atom_mask = torch_ops.atoms_from_frames_torsions(protein.aatype, rot_t, trans_t, torsions, protein.chain_end)
    target = torch.tensor(protein.positions) + 0.1
    loss = (((rebuilt - target) ** 2).sum(-1) * atom_mask).sum()
    loss.backward()
    for grad in (torsions.grad, rot_t.grad, trans_t.grad):
        assert torch.isfinite(grad).all()
    chi_grad = torsions.grad[..., 3:, :].norm(dim=-1)
    assert (chi_grad[torch.tensor(mask[:, 3:])] > 0).all()  # every existing chi moves some atom
    assert (torsions.grad[:, :2] == 0).all()  # omega and phi do not place atoms


def test_gradients_flow_from_torsions_back_to_atom_positions(protein):
    positions = torch.tensor(protein.positions, requires_grad=True)
    torsions, mask = torch_ops.torsions_from_atoms(protein.aatype, positions, protein.mask, protein.segment_start)
    torsions[..., 0][mask].sum().backward()
    assert torch.isfinite(positions.grad).all() and positions.grad.abs().sum() > 0
