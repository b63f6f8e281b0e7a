"""Reading structures into the Protein model, odd input included (each case from a real structure)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from conftest import PFAM40, REFERENCE, pfam40_files
from pdbtext import atom_lines, hetatm, set_field, to_mmcif
from trajgen.engine.errors import StructureError
from trajgen.engine.geometry import bond_length_deviations
from trajgen.engine.structure import load_protein, read_atoms
from trajgen.engine import residue_constants as rc

ONE = PFAM40 / "1GUU_A.pdb"   # 50 residues, complete
TWO = PFAM40 / "1BXY_A.pdb"   # 60 residues


def write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\nEND\n")
    return path


def test_every_pfam40_structure_loads_with_its_residue_count():
    for path in pfam40_files():
        protein = load_protein(path)
        n_ca = len({ln[17:27] for ln in atom_lines(path) if ln[12:16] == " CA "})
        assert protein.n_residues in (n_ca, n_ca - 1), path.name  # 1TEN/1UNQ: one terminal residue trimmed
        assert protein.positions.shape == (protein.n_residues, rc.MAX_SLOTS, 3)
        assert protein.mask[:, :3].all()


def test_slot_layout_holds_each_atom_at_its_named_slot():
    protein = load_protein(ONE)
    lines = atom_lines(ONE)
    first = [ln for ln in lines if int(ln[22:26]) == protein.residue_numbers[0]]
    resname = protein.output_resname(0)
    for ln in first:
        slot = rc.ATOM_NAMES[resname].index(ln[12:16].strip())
        np.testing.assert_allclose(protein.positions[0, slot], [float(ln[30:38]), float(ln[38:46]),
                                                                float(ln[46:54])], atol=1e-3)


def test_mmcif_and_pdb_give_the_same_protein(tmp_path):
    cif = tmp_path / "one.cif"
    cif.write_text(to_mmcif(atom_lines(ONE)))
    a, b = load_protein(ONE), load_protein(cif)
    np.testing.assert_array_equal(a.aatype, b.aatype)
    np.testing.assert_allclose(a.positions, b.positions, atol=1e-4)


def test_gzipped_pdb_and_mmcif_are_read(tmp_path):
    gz = tmp_path / "one.pdb.gz"
    gz.write_bytes(gzip.compress(ONE.read_bytes()))
    cifgz = tmp_path / "one.cif.gz"
    cifgz.write_bytes(gzip.compress(to_mmcif(atom_lines(ONE)).encode()))
    assert load_protein(gz).n_residues == load_protein(cifgz).n_residues == 50


def test_hydrogens_are_removed_and_counted():
    protein = load_protein(REFERENCE / "trpcage_1l2y.pdb")
    assert protein.report.hydrogens_removed == 150
    assert protein.n_atoms == 154
    assert any("hydrogen" in line for line in protein.report.lines())


def test_waters_ions_and_ligands_are_set_aside_and_reported(tmp_path):
    lines = atom_lines(ONE)
    ca = np.array([float(lines[1][30:38]), float(lines[1][38:46]), float(lines[1][46:54])])
    extra = [hetatm(900 + i, "O", "HOH", "A", 201 + i, ca + 8 + i, "O") for i in range(3)]
    extra += [hetatm(910, "ZN", "ZN", "A", 301, ca + 12, "ZN")]
    extra += [hetatm(920 + i, f"C{i}", "LIG", "B", 401, ca + 15 + i, "C") for i in range(5)]
    protein = load_protein(write(tmp_path, "mixed.pdb", lines + extra))
    assert protein.n_residues == 50
    summary = "\n".join(protein.report.set_aside_lines())
    assert "3 water residues HOH" in summary
    assert "1 ion residue ZN" in summary
    assert "1 ligand residue LIG" in summary


def test_modified_residue_is_mapped_to_its_parent_with_a_warning(tmp_path):
    lines = atom_lines(TWO)
    resseq = next(ln[22:26] for ln in lines if ln[17:20] == "MET")
    changed = []
    for ln in lines:
        if ln[22:26] == resseq:
            ln = set_field(ln, 0, 6, "HETATM")
            ln = set_field(ln, 17, 20, "MSE")
            if ln[12:16] == " SD ":
                ln = set_field(set_field(ln, 12, 16, "SE  "), 76, 78, "SE", right=True)
        changed.append(ln)
    protein = load_protein(write(tmp_path, "mse.pdb", changed))
    reference = load_protein(TWO)
    assert protein.n_residues == reference.n_residues
    np.testing.assert_array_equal(protein.aatype, reference.aatype)
    np.testing.assert_allclose(protein.positions, reference.positions)
    assert any("MSE treated as MET" in w for w in protein.report.warnings)


def test_unknown_amino_acid_in_the_chain_is_kept_backbone_only(tmp_path):
    lines = atom_lines(ONE)
    resseq = lines[40][22:26]
    changed = [set_field(set_field(ln, 17, 20, "NLE"), 0, 6, "HETATM") if ln[22:26] == resseq else ln
               for ln in lines]
    protein = load_protein(write(tmp_path, "nle.pdb", changed))
    i = int(np.flatnonzero(protein.residue_numbers == int(resseq))[0])
    assert protein.aatype[i] == rc.UNK_INDEX
    assert protein.mask[i].sum() == 4
    assert protein.output_resname(i) == "NLE"
    assert any("backbone only" in w for w in protein.report.warnings)


def test_free_amino_acid_ligand_is_not_part_of_the_chain(tmp_path):
    lines = atom_lines(ONE)
    far = [set_field(set_field(set_field(ln, 0, 6, "HETATM"), 22, 26, "500", right=True), 30, 38,
                     f"{float(ln[30:38]) + 40:8.3f}") for ln in lines if ln[22:26] == lines[0][22:26]]
    protein = load_protein(write(tmp_path, "freeaa.pdb", lines + far))
    assert protein.n_residues == 50
    assert any(k[0] == "ligand" for k in protein.report.set_aside)


def test_chain_break_is_detected_and_marks_a_segment_start(tmp_path):
    lines = atom_lines(ONE)
    kept = [ln for ln in lines if int(ln[22:26]) not in (60, 61)]
    assert len(kept) < len(lines)
    protein = load_protein(write(tmp_path, "gap.pdb", kept))
    starts = np.flatnonzero(protein.segment_start)
    assert len(starts) == 2 and protein.residue_numbers[starts[1]] == 62
    assert protein.report.chain_breaks and "C-N" in protein.report.chain_breaks[0]


def test_real_chain_break_in_3gqs_is_found():
    protein = load_protein(PFAM40 / "3GQS_A.pdb")
    assert protein.segment_start.sum() == 2


def test_multi_chain_complex_keeps_both_chains_in_order(tmp_path):
    second = [set_field(ln, 21, 22, "B") for ln in atom_lines(TWO)]
    path = write(tmp_path, "complex.pdb", atom_lines(ONE) + ["TER"] + second)
    protein = load_protein(path)
    assert protein.n_residues == 110
    assert list(dict.fromkeys(protein.chain_ids)) == ["A", "B"]
    assert protein.segment_start.sum() == 2 and protein.chain_end.sum() == 2
    assert "/" in protein.sequence
    only_b = load_protein(path, chains=["B"])
    assert only_b.n_residues == 60
    with pytest.raises(StructureError, match="no protein chain C"):
        load_protein(path, chains=["C"])


def test_nmr_file_uses_model_one_unless_told(tmp_path):
    lines = atom_lines(ONE)
    shifted = [set_field(ln, 30, 38, f"{float(ln[30:38]) + 5:8.3f}") for ln in lines]
    path = write(tmp_path, "nmr.pdb", ["MODEL        1"] + lines + ["ENDMDL", "MODEL        2"] + shifted
                 + ["ENDMDL"])
    first, second = load_protein(path), load_protein(path, model=2)
    np.testing.assert_allclose(second.positions[..., 0] - first.positions[..., 0],
                               5 * first.mask, atol=1e-3)
    assert any("2 models" in n for n in first.report.notes)
    with pytest.raises(StructureError, match="model 3 does not exist"):
        load_protein(path, model=3)


def test_nmr_mmcif_models(tmp_path):
    cif = tmp_path / "nmr.cif"
    cif.write_text(to_mmcif(atom_lines(ONE), models=2))
    shift = load_protein(cif, model=2).positions[..., 0] - load_protein(cif).positions[..., 0]
    np.testing.assert_allclose(shift, load_protein(cif).mask * 1.0, atol=1e-3)


def test_altloc_takes_the_first_location(tmp_path):
    lines = atom_lines(ONE)
    a = set_field(lines[5], 16, 17, "A")
    b = set_field(set_field(lines[5], 16, 17, "B"), 30, 38, "  99.000")
    protein = load_protein(write(tmp_path, "alt.pdb", lines[:5] + [a, b] + lines[6:]))
    np.testing.assert_allclose(protein.positions, load_protein(ONE).positions)
    assert any("alternate-location" in n for n in protein.report.notes)


def test_missing_backbone_atom_names_the_residue(tmp_path):
    lines = atom_lines(ONE)
    victim = lines[100]
    resname, resseq = victim[17:20], victim[22:26].strip()
    dropped = [ln for ln in lines if not (ln[22:26] == victim[22:26] and ln[12:16] == " CA ")]
    with pytest.raises(StructureError, match=rf"A:{resseq} {resname} lacks backbone atom CA"):
        load_protein(write(tmp_path, "noca.pdb", dropped))


def test_missing_side_chain_atoms_are_named_and_rebuilt_with_ideal_bonds():
    protein = load_protein(PFAM40 / "1PTF_A.pdb")
    assert protein.report.missing_atoms == ["A:83 LYS (CG, CD, CE, NZ)"]
    i = int(np.flatnonzero(protein.residue_numbers == 83)[0])
    assert protein.mask[i].sum() == 9
    deviations, valid = bond_length_deviations(protein.aatype[i:i + 1], protein.positions[i:i + 1],
                                               protein.mask[i:i + 1])
    assert valid.sum() >= 8 and np.abs(deviations[valid]).max() < 0.05
    as_read = load_protein(PFAM40 / "1PTF_A.pdb", complete=False)
    assert as_read.mask[i].sum() == 5
    kept = as_read.mask
    np.testing.assert_allclose(protein.positions[kept], as_read.positions[kept], atol=1e-5)


def test_completion_adds_terminal_oxt_and_keeps_complete_residues_exactly(tmp_path):
    path = write(tmp_path, "nooxt.pdb", [ln for ln in atom_lines(ONE) if ln[12:16] != " OXT"])
    as_read = load_protein(path, complete=False)
    protein = load_protein(path)
    assert not as_read.mask[-1, rc.OXT_SLOT] and protein.mask[-1, rc.OXT_SLOT]
    assert protein.mask[:, rc.OXT_SLOT].sum() == 1
    c_oxt = np.linalg.norm(protein.positions[-1, rc.OXT_SLOT] - protein.positions[-1, 2])
    assert abs(c_oxt - 1.25) < 0.05
    symmetric = np.isin(protein.aatype, [rc.RESTYPE_INDEX[n] for n in ("ASP", "GLU", "PHE", "TYR", "ARG")])
    same = as_read.mask & ~symmetric[:, None]
    np.testing.assert_allclose(protein.positions[same], as_read.positions[same], atol=1e-5)


def test_missing_carbonyl_oxygen_is_placed_in_the_peptide_plane(tmp_path):
    lines = atom_lines(ONE)
    victim = lines[100][22:26]
    dropped = [ln for ln in lines if not (ln[22:26] == victim and ln[12:16] == " O  ")]
    protein = load_protein(write(tmp_path, "noO.pdb", dropped))
    reference = load_protein(ONE)
    i = int(np.flatnonzero(protein.residue_numbers == int(victim))[0])
    assert any("(O)" in m for m in protein.report.missing_atoms)
    assert np.linalg.norm(protein.positions[i, 3] - reference.positions[i, 3]) < 0.35


def test_force_field_atom_names_are_understood():
    protein = load_protein(REFERENCE / "lambda_lysozyme_1am7.pdb")  # ILE CD, not CD1
    assert not protein.report.missing_atoms


def test_file_without_protein_says_what_it_holds(tmp_path):
    waters = [hetatm(i, "O", "HOH", "W", i, (i, 0.0, 0.0), "O") for i in range(1, 4)]
    with pytest.raises(StructureError, match=r"no protein residues .*3 water \(HOH\)"):
        load_protein(write(tmp_path, "water.pdb", waters))


def test_a_calpha_only_model_gets_a_rebuilt_backbone_and_says_so():
    protein = load_protein(REFERENCE / "bpti_ca.pdb")
    assert protein.n_residues == 58 and protein.heavy_atom_topology().n_atoms > 58 * 6   # side chains completed
    assert any("rebuilt from the Calpha trace for 58 residues" in note for note in protein.report.notes)
    pos = np.asarray(protein.positions, np.float64)
    peptide = np.linalg.norm(pos[1:, 0] - pos[:-1, 2], axis=-1)
    assert 1.2 < np.median(peptide) < 1.45 and 0.9 < peptide.min() and peptide.max() < 1.7  # C-N: 1.33 A
    with pytest.raises(StructureError, match="Calpha-only models are rebuilt when loaded with completion"):
        load_protein(REFERENCE / "bpti_ca.pdb", complete=False)


def test_a_calpha_trace_too_short_to_frame_is_refused_clearly(tmp_path):
    atoms = [hetatm(i, "CA", "ALA", "A", i, (3.8 * i, 0.0, 0.0), "C").replace("HETATM", "ATOM  ")
             for i in range(1, 3)]
    with pytest.raises(StructureError, match="too short to rebuild its backbone"):
        load_protein(write(tmp_path, "two.pdb", atoms))


def test_corrupt_coordinates_give_the_line_and_reason(tmp_path):
    lines = atom_lines(ONE)
    lines[7] = set_field(lines[7], 30, 38, "  12.x45")
    with pytest.raises(StructureError, match=r"line 8: .*malformed"):
        read_atoms(write(tmp_path, "bad.pdb", lines))


def test_corrupt_gzip_and_non_structure_files_are_refused(tmp_path):
    bad = tmp_path / "x.pdb.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(StructureError, match="not a valid gzip"):
        read_atoms(bad)
    text = tmp_path / "notes.txt"
    text.write_text("hello\nworld\n")
    with pytest.raises(StructureError, match="neither a PDB nor an mmCIF"):
        read_atoms(text)
    with pytest.raises(StructureError, match="no such file"):
        read_atoms(tmp_path / "absent.pdb")


def test_malformed_mmcif_table_is_reported(tmp_path):
    cif = tmp_path / "bad.cif"
    cif.write_text(to_mmcif(atom_lines(ONE)).replace("ATOM 3 ", "ATOM 3 extra "))
    with pytest.raises(StructureError, match="malformed"):
        read_atoms(cif)


def test_heavy_atom_topology_matches_flattened_coordinates():
    protein = load_protein(ONE)
    top = protein.heavy_atom_topology()
    xyz = protein.heavy_atom_xyz(protein.positions)
    assert top.n_atoms == xyz.shape[0] == protein.n_atoms
    assert top.n_residues == 50
    ca = [a.index for a in top.atoms if a.name == "CA"]
    np.testing.assert_allclose(xyz[ca], protein.positions[:, 1])
    # peptide bonds connect consecutive residues
    assert sum(1 for a, b in top.bonds if {a.name, b.name} == {"C", "N"}) >= 49


def test_c_terminal_amide_caps_get_no_oxt(tmp_path):
    ntl9 = load_protein(REFERENCE / "ntl9_2hbaA00_320K.pdb")  # CHARMM cap atoms NT, CAT in GLN 52
    assert not ntl9.chain_end[-1] and not ntl9.mask[-1, rc.OXT_SLOT]
    assert any("capped" in n for n in ntl9.report.notes)
    lines = [ln for ln in atom_lines(ONE) if ln[12:16] != " OXT"]
    last = lines[-1]
    c = next(ln for ln in lines if ln[22:26] == last[22:26] and ln[12:16] == " C  ")
    n_xyz = np.array([float(c[30:38]) + 1.33, float(c[38:46]), float(c[46:54])])
    cap = hetatm(990, "N", "NH2", "A", int(last[22:26]) + 1, n_xyz, "N")
    protein = load_protein(write(tmp_path, "capped.pdb", lines + [cap]))
    assert not protein.mask[-1, rc.OXT_SLOT]
    assert ("terminal cap", "NH2") in protein.report.set_aside
