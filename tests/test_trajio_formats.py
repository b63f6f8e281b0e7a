"""Each trajectory format written by trajgen reads back in mdtraj with the format's precision."""

from __future__ import annotations

import os
import struct

import mdtraj
import numpy as np
import pytest
from conftest import PFAM40

from trajgen.engine.errors import TrajectoryWriteError
from trajgen.engine.trajio import SUPPORTED_FORMATS, open_writer, topology_path_for
from trajgen.engine.trajio.dcd import PS_PER_AKMA

STRUCTURE = str(PFAM40 / "1CTF_A.pdb")
# Largest reading error per format in Angstrom: DCD float32, XTC 1e-3 nm, PDB 1e-3 A (rounding).
TOLERANCE_ANGSTROM = {".dcd": 1e-4, ".xtc": 5.1e-3, ".pdb": 5.1e-4}


@pytest.fixture(scope="module")
def protein() -> tuple[mdtraj.Topology, np.ndarray]:
    """Heavy-atom topology of a real domain and 4 frames (4, n_atoms, 3) in Angstrom near it."""
    structure = mdtraj.load(STRUCTURE)
    heavy = structure.topology.select("not element H")
    xyz_angstrom = structure.xyz[0, heavy] * 10.0
    noise = np.random.default_rng(7).normal(scale=0.5, size=(4, *xyz_angstrom.shape))
    return structure.topology.subset(heavy), (xyz_angstrom + noise).astype(np.float32)


def read_back(path: str) -> mdtraj.Trajectory:
    topology_pdb = topology_path_for(path)
    return mdtraj.load(path) if topology_pdb is None else mdtraj.load(path, top=topology_pdb)


@pytest.mark.parametrize("extension", [".dcd", ".xtc", ".pdb"])
def test_frames_read_back_in_mdtraj_within_format_precision(tmp_path, protein, extension):
    topology, frames = protein
    path = tmp_path / f"out{extension}"
    with open_writer(path, topology) as writer:
        writer.append(frames)
    trajectory = read_back(str(path))
    assert trajectory.n_frames == 4
    assert trajectory.n_atoms == topology.n_atoms
    error = np.abs(trajectory.xyz * 10.0 - frames).max()
    assert error <= TOLERANCE_ANGSTROM[extension]


@pytest.mark.parametrize("extension", [".dcd", ".xtc", ".pdb"])
def test_written_file_keeps_atom_names_residues_and_chains(tmp_path, protein, extension):
    topology, frames = protein
    path = tmp_path / f"out{extension}"
    with open_writer(path, topology) as writer:
        writer.append(frames[0])
    written = read_back(str(path)).topology
    assert [a.name for a in written.atoms] == [a.name for a in topology.atoms]
    assert [(r.name, r.resSeq) for r in written.residues] == [(r.name, r.resSeq) for r in topology.residues]
    assert [c.chain_id for c in written.chains] == [c.chain_id for c in topology.chains]


def test_single_frames_and_batches_may_be_mixed(tmp_path, protein):
    topology, frames = protein
    path = tmp_path / "out.dcd"
    with open_writer(path, topology) as writer:
        writer.append(frames[0])
        writer.append(frames[1:3])
        writer.append(frames[3])
        assert writer.frames_written == 4
    np.testing.assert_allclose(read_back(str(path)).xyz * 10.0, frames, atol=1e-4)


def test_topology_pdb_beside_dcd_holds_the_first_frame(tmp_path, protein):
    topology, frames = protein
    with open_writer(tmp_path / "run.dcd", topology) as writer:
        writer.append(frames)
    assert writer.topology_path == str(tmp_path / "run.pdb")
    first = mdtraj.load(writer.topology_path)
    assert first.n_frames == 1
    np.testing.assert_allclose(first.xyz[0] * 10.0, frames[0], atol=5.1e-4)


def test_pdb_output_has_no_separate_topology_file(tmp_path, protein):
    topology, frames = protein
    with open_writer(tmp_path / "run.pdb", topology) as writer:
        writer.append(frames)
    assert writer.topology_path is None
    assert sorted(os.listdir(tmp_path)) == ["run.pdb"]


def test_topology_path_for_replaces_the_extension_with_pdb():
    assert topology_path_for("/data/OUT.dcd") == "/data/OUT.pdb"
    assert topology_path_for("/data/OUT.XTC") == "/data/OUT.pdb"
    assert topology_path_for("/data/OUT.pdb") is None


def test_multimodel_pdb_has_one_model_per_frame_and_ends_with_end(tmp_path, protein):
    topology, frames = protein
    path = tmp_path / "run.pdb"
    with open_writer(path, topology) as writer:
        writer.append(frames[:3])
    lines = path.read_text().splitlines()
    assert [line for line in lines if line.startswith("MODEL")] == [
        "MODEL        1", "MODEL        2", "MODEL        3"]
    assert sum(line == "ENDMDL" for line in lines) == 3
    assert lines[-1] == "END"


def test_pdb_atom_lines_use_standard_columns(tmp_path, protein):
    topology, frames = protein
    path = tmp_path / "run.pdb"
    with open_writer(path, topology) as writer:
        writer.append(frames[0])
    first_atom = next(line for line in path.read_text().splitlines() if line.startswith("ATOM"))
    assert len(first_atom) == 80
    assert first_atom[12:16] == " N  "
    assert first_atom[17:20] == "GLU" and first_atom[21] == "A" and first_atom[22:26] == "  53"
    assert float(first_atom[30:38]) == pytest.approx(frames[0, 0, 0], abs=5e-4)
    assert first_atom[76:78] == " N"


def test_xtc_time_field_counts_picoseconds_of_the_timestep(tmp_path, protein):
    topology, frames = protein
    path = tmp_path / "run.xtc"
    with open_writer(path, topology, timestep_ps=2.5) as writer:
        writer.append(frames)
    np.testing.assert_allclose(read_back(str(path)).time, [0.0, 2.5, 5.0, 7.5])


def test_xtc_time_field_counts_frames_when_the_timestep_is_unknown(tmp_path, protein):
    topology, frames = protein
    path = tmp_path / "run.xtc"
    with open_writer(path, topology) as writer:
        writer.append(frames)
    np.testing.assert_allclose(read_back(str(path)).time, [0.0, 1.0, 2.0, 3.0])


def test_dcd_header_stores_the_timestep_in_akma_units(tmp_path, protein):
    topology, frames = protein
    path = tmp_path / "run.dcd"
    with open_writer(path, topology, timestep_ps=10.0) as writer:
        writer.append(frames)
    header = path.read_bytes()[:92]
    assert header[4:8] == b"CORD"
    (delta_akma,) = struct.unpack("<f", header[44:48])
    assert delta_akma * PS_PER_AKMA == pytest.approx(10.0, rel=1e-6)


def test_unknown_extension_error_lists_the_supported_formats(tmp_path, protein):
    topology, _ = protein
    with pytest.raises(TrajectoryWriteError, match=r"\.dcd, \.pdb, \.xtc"):
        open_writer(tmp_path / "run.trr", topology)
    assert SUPPORTED_FORMATS == (".dcd", ".pdb", ".xtc")


def test_extension_is_matched_case_insensitively(tmp_path, protein):
    topology, frames = protein
    with open_writer(tmp_path / "RUN.DCD", topology) as writer:
        writer.append(frames[0])
    assert mdtraj.load_dcd(str(tmp_path / "RUN.DCD"), top=str(tmp_path / "RUN.pdb")).n_frames == 1


def test_non_positive_timestep_is_refused(tmp_path, protein):
    topology, _ = protein
    with pytest.raises(TrajectoryWriteError, match="positive number of picoseconds"):
        open_writer(tmp_path / "run.xtc", topology, timestep_ps=0.0)


def test_frames_of_the_wrong_atom_count_are_refused(tmp_path, protein):
    topology, frames = protein
    with open_writer(tmp_path / "run.dcd", topology) as writer:
        with pytest.raises(TrajectoryWriteError, match=f"match the topology's {topology.n_atoms} atoms"):
            writer.append(frames[:, :-1])
        assert writer.frames_written == 0


def test_pdb_refuses_coordinates_that_do_not_fit_its_columns(tmp_path, protein):
    topology, frames = protein
    with open_writer(tmp_path / "run.pdb", topology) as writer:
        writer.append(frames[0])
        with pytest.raises(TrajectoryWriteError, match="PDB format cannot hold"):
            writer.append(frames[1] - 2000.0)
        assert writer.frames_written == 1
    assert read_back(str(tmp_path / "run.pdb")).n_frames == 1


def test_chains_without_ids_get_distinct_letters_and_ter_records(tmp_path, protein):
    topology, frames = protein
    two_chains = topology.join(topology)  # the joined copy's chain has no chain_id
    path = tmp_path / "dimer.pdb"
    with open_writer(path, two_chains) as writer:
        writer.append(np.concatenate([frames[0], frames[0] + 40.0]))
    written = mdtraj.load(str(path)).topology
    assert [chain.chain_id for chain in written.chains] == ["A", "B"]
    assert sum(line.startswith("TER") for line in path.read_text().splitlines()) == 2


def test_topology_of_a_loaded_protein_round_trips_through_dcd(tmp_path):
    from trajgen.engine.structure import load_protein

    protein = load_protein(STRUCTURE)
    topology = protein.heavy_atom_topology()
    xyz_angstrom = protein.heavy_atom_xyz(protein.positions)  # (n_atoms, 3)
    with open_writer(tmp_path / "run.dcd", topology, timestep_ps=1.0) as writer:
        writer.append(np.stack([xyz_angstrom, xyz_angstrom + 1.0]))
    trajectory = read_back(str(tmp_path / "run.dcd"))
    assert [a.name for a in trajectory.topology.atoms] == [a.name for a in topology.atoms]
    assert [c.chain_id for c in trajectory.topology.chains] == list(dict.fromkeys(protein.chain_ids))
    np.testing.assert_allclose(trajectory.xyz[1] * 10.0, xyz_angstrom + 1.0, atol=1e-4)
