"""``trajgen evaluate`` reads the frame interval trajgen writes (DCD header, XTC times) and refuses to
guess one: time-dependent metrics from a file without times need ``--gen-dt-ps`` / ``--ref-dt-ps``."""

from __future__ import annotations

import json

import mdtraj
import numpy as np
import pytest

from model_inputs import EXAMPLE_PDB
from trajgen.engine.cli import main
from trajgen.engine.evaluate.ensemble import frame_spacing_ps
from trajgen.engine.structure import load_protein
from trajgen.engine.trajio import open_writer
from trajgen.engine.trajio.dcd import read_timestep_ps


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """ENM runs of the example written by the CLI: 250 ps as DCD, XTC and PDB (31 frames each)."""
    folder = tmp_path_factory.mktemp("spacing")
    for name in ("gen.dcd", "ref.xtc", "gen_pdb.pdb"):
        assert main(["generate", str(EXAMPLE_PDB), "-o", str(folder / name), "--length", "7.5ns",
                     "--interval", "250ps", "--generator", "enm", "--seed", "3", "--quiet"]) == 0
    return folder


@pytest.mark.parametrize("name, spacing", [("gen.dcd", 250.0), ("ref.xtc", 250.0), ("gen_pdb.pdb", None)])
def test_the_interval_trajgen_wrote_is_read_back(runs, name, spacing):
    path = runs / name
    top = str(runs / name.replace(".dcd", ".pdb").replace(".xtc", ".pdb"))
    traj = mdtraj.load(str(path), top=top)
    found = frame_spacing_ps(str(path), traj)
    assert found == (pytest.approx(spacing, rel=1e-5) if spacing else None)


def test_a_dcd_without_a_time_step_has_unknown_spacing(tmp_path):
    protein = load_protein(EXAMPLE_PDB)
    xyz = protein.heavy_atom_xyz(protein.positions)
    with open_writer(tmp_path / "plain.dcd", protein.heavy_atom_topology()) as out:
        out.append(np.stack([xyz, xyz]))
    assert read_timestep_ps(tmp_path / "plain.dcd") is None


def test_evaluate_uses_the_files_own_spacing(runs, capsys):
    code = main(["evaluate", str(runs / "gen.dcd"), str(runs / "ref.xtc"), "--gen-top", str(runs / "gen.pdb"),
                 "--ref-top", str(runs / "ref.pdb"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["settings"]["gen_dt_ps"] == pytest.approx(250.0, rel=1e-5)
    assert report["settings"]["ref_dt_ps"] == pytest.approx(250.0)


def test_evaluate_refuses_to_guess_an_unknown_spacing(runs, capsys):
    code = main(["evaluate", str(runs / "gen_pdb.pdb"), str(runs / "ref.xtc"), "--ref-top", str(runs / "ref.pdb")])
    err = capsys.readouterr().err
    assert code == 1 and "does not record the time between its frames" in err and "--gen-dt-ps" in err
    code = main(["evaluate", str(runs / "gen_pdb.pdb"), str(runs / "ref.xtc"), "--ref-top", str(runs / "ref.pdb"),
                 "--gen-dt-ps", "250", "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["settings"]["gen_dt_ps"] == 250.0
