"""Loaders for ATLAS folders, mdCATH HDF5 files and trajgen's own simulation folders."""

from __future__ import annotations

from pathlib import Path

import mdtraj
import numpy as np
import pytest

from dataset_fixtures import NTL9_PDB, NTL9_XTC, PFAM, make_atlas_folder, make_mdcath_file
from trajgen.engine.dataset.atlas import atlas_refs
from trajgen.engine.dataset.slots import SlotMap
from trajgen.engine.errors import TrajgenError


@pytest.fixture(scope="module")
def atlas_dir(tmp_path_factory) -> Path:
    return make_atlas_folder(tmp_path_factory.mktemp("atlas"))


@pytest.fixture(scope="module")
def mdcath_file(tmp_path_factory) -> Path:
    pytest.importorskip("h5py")
    return make_mdcath_file(tmp_path_factory.mktemp("mdcath") / "mdcath_dataset_2hbaA00.h5")


def test_atlas_lists_three_replicas_at_300_kelvin(atlas_dir):
    refs = atlas_refs(atlas_dir)
    assert [r.key.split("_")[3] for r in refs] == ["R1", "R2", "R3"]
    assert {r.name for r in refs} == {"1guu_A"} and {r.temperature_K for r in refs} == {300.0}


def test_atlas_frames_come_back_in_angstrom_ten_ps_apart(atlas_dir):
    traj = atlas_refs(atlas_dir)[0].load()
    start = mdtraj.load(str(PFAM / "1GUU_A.pdb"))
    assert traj.xyz.shape == (30, start.n_atoms, 3) and traj.xyz.dtype == np.float32
    assert traj.dt_ps == pytest.approx(10.0)
    assert np.abs(traj.xyz - start.xyz * 10.0).mean() == pytest.approx(0.1 * np.sqrt(2 / np.pi), rel=0.1)


def test_atlas_trajectory_without_its_pdb_is_reported(tmp_path):
    folder = make_atlas_folder(tmp_path / "a")
    (folder / "1guu_A.pdb").unlink()
    with pytest.raises(TrajgenError, match="no topology 1guu_A.pdb"):
        atlas_refs(folder)


def test_mdcath_lists_every_temperature_and_replica(mdcath_file):
    from trajgen.engine.dataset.mdcath import mdcath_refs

    refs = mdcath_refs(mdcath_file)
    assert [(r.temperature_K, r.key.split("_")[3]) for r in refs] == [(320.0, "0"), (320.0, "1"), (348.0, "0")]
    assert [r.temperature_K for r in mdcath_refs(mdcath_file, temperatures_K=(348.0,))] == [348.0]


def test_mdcath_drops_hydrogens_and_keeps_angstrom_coordinates(mdcath_file):
    from trajgen.engine.dataset.mdcath import mdcath_refs

    traj = mdcath_refs(mdcath_file)[1].load()      # sims320K/1 = reference frames 10..15
    reference = mdtraj.load(str(NTL9_XTC), top=str(NTL9_PDB)).atom_slice(
        mdtraj.load(str(NTL9_PDB)).topology.select("not element H"))
    assert traj.xyz.shape == (6, reference.n_atoms, 3)
    np.testing.assert_allclose(traj.xyz, reference.xyz[10:16] * 10.0, atol=1e-4)
    assert (traj.dt_ps, traj.temperature_K, traj.name) == (1000.0, 320.0, "2hbaA00")


def test_slot_map_reads_charmm_names_of_mdcath(mdcath_file):
    from trajgen.engine.dataset.mdcath import mdcath_refs

    traj = mdcath_refs(mdcath_file)[0].load()
    slots = SlotMap.from_topology(traj.topology)
    assert slots.sequence == "MKVIFLKDVKGMGKKGEIKNVADGYANNFLFKQGLAIEATPANLKALEAQKQ"
    ile = int(np.flatnonzero(slots.aatype == 9)[0])
    assert slots.mask[ile, :8].all()           # N CA C O CB CG1 CG2 CD1 (CHARMM calls CD1 'CD')


def test_slot_positions_match_the_atoms_they_name(atlas_dir):
    traj = atlas_refs(atlas_dir)[0].load()
    slots = SlotMap.from_topology(traj.topology)
    positions = slots.to_slots(traj.xyz[:2])
    ca = traj.topology.select("name CA")
    np.testing.assert_array_equal(positions[:, :, 1], traj.xyz[:2, ca])
    deposited = slots.to_slots(mdtraj.load(str(PFAM / "1GUU_A.pdb")).xyz[0] * 10.0)
    assert slots.segment_start(deposited).sum() == 1 and slots.chain_end.sum() == 1 and slots.chain_end[-1]


def test_a_missing_residue_starts_a_new_segment():
    full = mdtraj.load(str(PFAM / "1GUU_A.pdb"))
    gapped = full.atom_slice(full.topology.select("not resid 20"))
    slots = SlotMap.from_topology(gapped.topology)
    assert np.flatnonzero(slots.segment_start(slots.to_slots(gapped.xyz[0] * 10.0))).tolist() == [0, 20]


def test_our_simulation_folder_loads_through_its_manifest(tmp_path):
    pytest.importorskip("openmm")
    from trajgen.engine.dataset.ours import manifest_refs
    from trajgen.engine.md import BatchConfig, run_batch

    pdb = tmp_path / "pep.pdb"
    full = mdtraj.load(str(PFAM / "1GUU_A.pdb"))
    full.atom_slice(full.topology.select("resid 0 to 5")).save_pdb(str(pdb))
    run_batch(BatchConfig(pdb_paths=[pdb], out_dir=tmp_path / "md", temperatures_K=(310.0,),
                          base=dict(equilibration_ps=0.2, production_ps=0.8, report_interval_ps=0.2)))
    (ref,) = manifest_refs(tmp_path / "md")
    traj = ref.load()
    assert (traj.name, traj.temperature_K, traj.dt_ps, traj.n_frames) == ("pep", 310.0, 0.2, 4)
    assert SlotMap.from_topology(traj.topology).sequence == "KTRWTR"
    assert np.abs(traj.xyz).max() < 100.0      # Angstrom, not nanometres x 100


def test_changed_trajectory_file_fails_its_checksum(tmp_path):
    pytest.importorskip("openmm")
    from trajgen.engine.dataset.ours import manifest_refs
    from trajgen.engine.md import BatchConfig, run_batch

    pdb = tmp_path / "pep.pdb"
    full = mdtraj.load(str(PFAM / "1GUU_A.pdb"))
    full.atom_slice(full.topology.select("resid 0 to 3")).save_pdb(str(pdb))
    rows, _ = run_batch(BatchConfig(pdb_paths=[pdb], out_dir=tmp_path / "md",
                                    base=dict(equilibration_ps=0.2, production_ps=0.4, report_interval_ps=0.2)))
    with open(tmp_path / "md" / rows[0]["xtc"], "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(TrajgenError, match="checksum"):
        manifest_refs(tmp_path / "md")[0].load()


def test_the_md_kept_in_the_repository_loads_with_verified_checksums():
    """data/md: trajgen's own OpenMM runs (made on CPU so far; data/make_dataset.sh makes the full set)."""
    from conftest import REPO

    from trajgen.engine.dataset.ours import manifest_refs

    refs = manifest_refs(REPO / "data" / "md", verify_checksums=True)
    temperatures = {ref.temperature_K for ref in refs}
    assert len(refs) >= 2 and len(temperatures) >= 2
    for ref in refs:
        traj = ref.load()
        assert traj.xyz.ndim == 3 and traj.xyz.shape[0] >= 10 and np.isfinite(traj.xyz).all()
