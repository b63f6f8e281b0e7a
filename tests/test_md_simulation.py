"""OpenMM simulation runs: real few-picosecond runs of a 10-residue fragment of a real domain."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import mdtraj
import numpy as np
import pytest

pytest.importorskip("openmm")
pytest.importorskip("pdbfixer")

from trajgen.engine.md import BatchConfig, SimulationConfig, run_batch, run_simulation  # noqa: E402
from trajgen.engine.md.files import RunFiles  # noqa: E402
from trajgen.engine.md.manifest import read_manifest  # noqa: E402
from conftest import SHARED

PFAM = SHARED / "data/structures/pfam40"
SHORT = dict(equilibration_ps=0.2, production_ps=1.6, report_interval_ps=0.2, checkpoint_interval_ps=0.4)


@pytest.fixture(scope="module")
def peptide(tmp_path_factory) -> Path:
    """First 10 residues (KTRWTREEDE) of the Myb domain 1GUU chain A, heavy atoms as deposited."""
    full = mdtraj.load(str(PFAM / "1GUU_A.pdb"))
    path = tmp_path_factory.mktemp("structures") / "pep10.pdb"
    full.atom_slice(full.topology.select("resid 0 to 9")).save_pdb(str(path))
    return path


def test_run_writes_heavy_atom_trajectory_with_requested_frames(peptide, tmp_path):
    config = SimulationConfig(pdb_path=peptide, out_dir=tmp_path, **SHORT)
    row = run_simulation(config)
    traj = mdtraj.load(str(tmp_path / row["xtc"]), top=str(tmp_path / row["topology"]))
    assert traj.n_frames == config.n_frames == 8
    assert all(a.element.symbol != "H" for a in traj.topology.atoms)
    assert np.allclose(traj.time, 0.2 * np.arange(1, 9), atol=1e-3)
    assert row["sequence"] == "KTRWTREEDE" and row["n_heavy_atoms"] == traj.n_atoms


def test_manifest_row_describes_the_run(peptide, tmp_path):
    row = run_simulation(SimulationConfig(pdb_path=peptide, out_dir=tmp_path, temperature_K=350.0, seed=3, **SHORT))
    assert row["force_field"] == "amber99sbildn+amber99_obc" and row["solvent"] == "obc"
    assert (row["temperature_K"], row["seed"], row["stride_ps"], row["length_ps"]) == (350.0, 3, 0.2, 1.6)
    assert row["platform"] == "CPU" and row["ns_per_day"] > 0
    assert len(row["sha256"]) == 64


def test_finished_run_is_skipped(peptide, tmp_path):
    config = SimulationConfig(pdb_path=peptide, out_dir=tmp_path, **SHORT)
    first = run_simulation(config)
    mtime = (tmp_path / first["xtc"]).stat().st_mtime_ns
    assert run_simulation(config) == first
    assert (tmp_path / first["xtc"]).stat().st_mtime_ns == mtime


def test_interrupted_run_resumes_from_its_checkpoint(peptide, tmp_path):
    config = SimulationConfig(pdb_path=peptide, out_dir=tmp_path, equilibration_ps=0.2, production_ps=12.0,
                              report_interval_ps=0.4, checkpoint_interval_ps=0.8)
    files = RunFiles(tmp_path, config.run_id)
    code = (f"from trajgen.engine.md import SimulationConfig, run_simulation\n"
            f"run_simulation(SimulationConfig(pdb_path={str(peptide)!r}, out_dir={str(tmp_path)!r}, "
            f"equilibration_ps=0.2, production_ps=12.0, report_interval_ps=0.4, checkpoint_interval_ps=0.8))\n")
    child = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 120
    while not files.part(1).exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    child.kill()
    child.wait()
    assert files.part(0).exists() and not files.row_json.exists(), "the child should die mid-production"
    first_chunk = mdtraj.load(str(files.part(0)), top=str(files.topology_pdb)).xyz
    row = run_simulation(config)
    traj = mdtraj.load(str(tmp_path / row["xtc"]), top=str(files.topology_pdb))
    assert traj.n_frames == 30
    np.testing.assert_array_equal(traj.xyz[: len(first_chunk)], first_chunk)
    assert np.allclose(np.diff(traj.time), 0.4, atol=1e-3)


def test_batch_runs_temperatures_side_by_side_into_one_manifest(peptide, tmp_path):
    batch = BatchConfig(pdb_paths=[peptide], out_dir=tmp_path, temperatures_K=(300.0, 400.0), workers=2, base=SHORT)
    rows, failures = run_batch(batch)
    assert failures == {}
    manifest = read_manifest(tmp_path)
    assert [r["temperature_K"] for r in manifest] == [300.0, 400.0]
    assert {r["run_id"] for r in manifest} == {r["run_id"] for r in rows}


def test_batch_reports_a_broken_structure_and_finishes_the_rest(peptide, tmp_path):
    broken = tmp_path / "empty.pdb"
    broken.write_text("HETATM    1  O   HOH A   1       0.000   0.000   0.000  1.00  0.00           O\nEND\n")
    rows, failures = run_batch(BatchConfig(pdb_paths=[broken, peptide], out_dir=tmp_path / "out", base=SHORT))
    assert len(rows) == 1 and list(failures) == ["empty_obc_300K_s0"]
    assert "no protein residues" in failures["empty_obc_300K_s0"]
    assert json.loads((tmp_path / "out" / "manifest.jsonl").read_text())["protein"] == "pep10"


def test_manifest_sequence_separates_chains_and_skips_water():
    from trajgen.engine.md.runner import sequence_of

    full = mdtraj.load(str(PFAM / "1GUU_A.pdb"))
    two_chains = full.atom_slice(full.topology.select("resid 0 to 4")).stack(
        full.atom_slice(full.topology.select("resid 20 to 24")))
    assert sequence_of(two_chains.topology) == "KTRWT/TDDWK"


def test_finished_run_with_other_settings_is_not_silently_reused(peptide, tmp_path):
    from trajgen.engine.errors import TrajgenError

    run_simulation(SimulationConfig(pdb_path=peptide, out_dir=tmp_path, **SHORT))
    longer = dict(SHORT, production_ps=3.2)
    with pytest.raises(TrajgenError, match="other settings"):
        run_simulation(SimulationConfig(pdb_path=peptide, out_dir=tmp_path, **longer))
