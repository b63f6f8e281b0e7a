"""Run configuration, explicit-solvent system building and the ``trajgen data simulate`` parser."""

from __future__ import annotations

import argparse
from pathlib import Path

import mdtraj
import pytest

from trajgen.engine.md.config import SimulationConfig
from conftest import SHARED

PFAM = SHARED / "data/structures/pfam40"


def test_run_id_names_protein_solvent_temperature_and_seed():
    config = SimulationConfig(pdb_path="x/1TEN_A.pdb", out_dir="o", temperature_K=348, seed=2)
    assert config.run_id == "1TEN_A_obc_348K_s2"


def test_frame_and_chunk_counts_follow_from_picoseconds():
    config = SimulationConfig(pdb_path="p.pdb", out_dir="o", production_ps=1000, report_interval_ps=10,
                              checkpoint_interval_ps=100)
    assert (config.report_steps, config.n_frames, config.frames_per_chunk) == (2500, 100, 10)


def test_unknown_solvent_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="obc, tip3p"):
        SimulationConfig(pdb_path="p.pdb", out_dir="o", solvent="gbn2")


def test_explicit_solvent_adds_water_ions_and_a_barostat(tmp_path):
    pytest.importorskip("openmm")
    pytest.importorskip("pdbfixer")
    from trajgen.engine.md.prepare import prepare_structure
    from trajgen.engine.md.system import create_system, solvate

    full = mdtraj.load(str(PFAM / "1GUU_A.pdb"))
    path = tmp_path / "pep.pdb"
    full.atom_slice(full.topology.select("resid 0 to 4")).save_pdb(str(path))
    config = SimulationConfig(pdb_path=path, out_dir=tmp_path, solvent="tip3p")
    topology, positions = solvate(*prepare_structure(path), config)
    names = {r.name for r in topology.residues()}
    assert {"HOH", "NA", "CL"} <= names
    system = create_system(topology, config)
    assert any(type(f).__name__ == "MonteCarloBarostat" for f in system.getForces())
    assert system.usesPeriodicBoundaryConditions()


def test_simulate_parser_builds_the_batch_options():
    from trajgen.engine.cli import data as cli_data

    parser = argparse.ArgumentParser(prog="trajgen")
    cli_data.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["data", "simulate", "a.pdb", "b.pdb", "--out", "md", "--temperatures", "300", "350",
                              "--workers", "2", "--solvent", "tip3p"])
    assert args.func is cli_data.simulate_command
    assert args.structures == [Path("a.pdb"), Path("b.pdb")] and args.temperatures == [300.0, 350.0]
    assert (args.workers, args.solvent, args.platform) == (2, "tip3p", "auto")


def test_gzipped_mmcif_is_prepared_with_hydrogens(tmp_path):
    pytest.importorskip("pdbfixer")
    import gzip

    from openmm.app import PDBFile, PDBxFile

    from trajgen.engine.md.prepare import prepare_structure

    full = mdtraj.load(str(PFAM / "1GUU_A.pdb"))
    pdb = tmp_path / "pep.pdb"
    full.atom_slice(full.topology.select("resid 0 to 4")).save_pdb(str(pdb))
    heavy = PDBFile(str(pdb))
    cif = tmp_path / "pep.cif.gz"
    with gzip.open(cif, "wt") as fh:
        PDBxFile.writeFile(heavy.topology, heavy.positions, fh)
    topology, _ = prepare_structure(cif)
    elements = [a.element.symbol for a in topology.atoms()]
    assert elements.count("H") > 30 and topology.getNumResidues() == 5
