"""The trajgen_* PyMOL commands in a headless, isolated PyMOL (``pymol2.PyMOL()`` passed as ``_self``)."""

from __future__ import annotations

import time

import mdtraj
import numpy as np
import pytest

from conftest import require  # noqa: E402

pymol2 = require("pymol2", "pymol-open-source is not installed (pip install trajgen[pymol])")

from pymol import CmdException  # noqa: E402

from trajgen.engine.structure import load_protein  # noqa: E402
from trajgen.plugin.pymol import commands  # noqa: E402
from trajgen.plugin.pymol.commands import (  # noqa: E402
    trajgen_export, trajgen_info, trajgen_run, trajgen_stop, trajgen_wait)


@pytest.fixture
def pm(example_pdb):
    """A fresh PyMOL with the trajgen commands and the example protein loaded as object 'prot'."""
    instance = pymol2.PyMOL()
    instance.start()
    commands.register(instance.cmd)
    instance.cmd.load(str(example_pdb), "prot")
    yield instance.cmd
    for run in commands.delivery.registry_of(instance.cmd).runs():
        run.live.stop()
        run.live.wait(30)
    instance.stop()


@pytest.fixture(scope="module")
def protein(example_pdb):
    return load_protein(example_pdb)


def bond_lengths(xyz: np.ndarray, topology: mdtraj.Topology) -> np.ndarray:
    """Lengths (A) of every bond of ``topology`` in one frame ``xyz`` (n_atoms, 3) A."""
    pairs = np.array([(a.index, b.index) for a, b in topology.bonds])
    return np.linalg.norm(xyz[pairs[:, 0]] - xyz[pairs[:, 1]], axis=1)


def test_wait_1_adds_one_state_per_frame_with_the_input_first(pm, protein):
    target = trajgen_run("prot", length="2ns", interval="100ps", wait=1, _self=pm)
    assert target == "prot_traj"
    assert pm.count_states("prot_traj") == 21
    assert pm.count_atoms("prot_traj") == protein.n_atoms
    np.testing.assert_allclose(pm.get_coordset("prot_traj", state=1),
                               protein.heavy_atom_xyz(protein.positions), atol=1e-3)


def test_states_keep_the_bond_lengths_of_the_input(pm, protein):
    trajgen_run("prot", length="2ns", interval="100ps", wait=1, _self=pm)
    topology = protein.heavy_atom_topology()
    start = bond_lengths(pm.get_coordset("prot_traj", state=1), topology)
    for state in (2, 11, 21):
        lengths = bond_lengths(pm.get_coordset("prot_traj", state=state), topology)
        assert np.abs(lengths - start).max() < 0.15  # the baseline's worst: proline N-CD, about 0.09 A
        assert 1.15 < lengths.min() and lengths.max() < 1.95
    moved = pm.get_coordset("prot_traj", state=21) - pm.get_coordset("prot_traj", state=1)
    assert np.sqrt(np.mean(np.sum(moved**2, axis=1))) > 0.1  # the protein does move


def test_the_same_seed_repeats_the_run(pm):
    trajgen_run("prot", length="1ns", interval="100ps", seed=3, wait=1, _self=pm)
    first = pm.get_coordset("prot_traj", state=11)
    trajgen_run("prot", length="1ns", interval="100ps", seed=3, wait=1, _self=pm)
    np.testing.assert_allclose(pm.get_coordset("prot_traj", state=11), first, atol=1e-5)


@pytest.mark.parametrize("extension", ["dcd", "xtc", "pdb"])
def test_export_reopens_with_mdtraj_with_every_state(pm, tmp_path, extension):
    trajgen_run("prot", length="1ns", interval="100ps", wait=1, _self=pm)
    path = tmp_path / f"run.{extension}"
    assert trajgen_export("prot", str(path), _self=pm) == 11
    top = str(path) if extension == "pdb" else str(tmp_path / "run.pdb")
    traj = mdtraj.load(str(path), top=top)
    assert traj.n_frames == 11 and traj.n_atoms == pm.count_atoms("prot_traj")
    np.testing.assert_allclose(traj.xyz[10] * 10.0, pm.get_coordset("prot_traj", state=11), atol=0.02)


def test_wait_0_without_a_window_adds_states_at_trajgen_wait(pm):
    trajgen_run("prot", length="1ns", interval="100ps", wait=0, _self=pm)
    trajgen_wait("prot", _self=pm)
    assert pm.count_states("prot_traj") == 11


def test_a_second_run_on_the_same_object_is_refused_while_one_is_going(pm):
    trajgen_run("prot", length="5us", interval="100ps", wait=0, _self=pm)
    with pytest.raises(CmdException, match="still going"):
        trajgen_run("prot", length="1ns", interval="100ps", _self=pm)


def test_stop_keeps_the_frames_made_so_far(pm):
    trajgen_run("prot", length="5us", interval="100ps", wait=0, _self=pm)
    run = commands.delivery.registry_of(pm).get("prot")
    deadline = time.monotonic() + 60
    while run.live.frames_made < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    trajgen_stop("prot", _self=pm)
    assert run.live.state == "cancelled"
    assert 3 <= pm.count_states("prot_traj") == run.delivered < run.live.total_frames


def test_deleting_the_trajectory_object_stops_its_run(pm, capsys):
    trajgen_run("prot", length="5us", interval="100ps", wait=0, _self=pm)
    pm.delete("prot_traj")
    trajgen_wait("prot", _self=pm)
    run = commands.delivery.registry_of(pm).get("prot")
    assert run.live.state == "cancelled" and not run.pending
    assert "prot_traj was deleted" in capsys.readouterr().out
    trajgen_run("prot", length="500ps", interval="100ps", wait=1, _self=pm)  # a new run is welcome
    assert pm.count_states("prot_traj") == 6


def test_commands_typed_as_text_run_the_same(pm, tmp_path):
    pm.do("trajgen_run prot, length=500ps, interval=100ps, temperature=320, seed=1, wait=1")
    pm.do(f"trajgen_export prot_traj, {tmp_path / 'typed.dcd'}")
    assert pm.count_states("prot_traj") == 6
    assert mdtraj.load(str(tmp_path / "typed.dcd"), top=str(tmp_path / "typed.pdb")).n_frames == 6


def test_pymol_atoms_give_the_same_protein_as_the_file_alternate_locations_included(pm):
    from conftest import PFAM40

    from trajgen.plugin.pymol.objects import protein_of

    path = PFAM40 / "1CZP_A.pdb"  # 37 atoms with a second location
    pm.load(str(path), "withalt")
    from_pymol, from_file = protein_of("withalt", pm), load_protein(path)
    assert from_pymol.sequence == from_file.sequence
    np.testing.assert_array_equal(from_pymol.mask, from_file.mask)
    np.testing.assert_allclose(from_pymol.positions, from_file.positions, atol=1e-3)
    assert "37 alternate-location atoms ignored" in " ".join(from_pymol.report.lines())


def test_hydrogens_and_water_are_set_aside_and_logged(pm, protein, capsys):
    pm.h_add("prot")
    pm.pseudoatom("wat", resn="HOH", elem="O", pos=[0.0, 0.0, 0.0])
    pm.create("complex", "prot or wat")
    trajgen_run("complex", length="500ps", interval="100ps", wait=1, _self=pm)
    out = capsys.readouterr().out
    assert "elastic-network" in out and "hydrogen atoms removed" in out and "water" in out
    assert pm.count_atoms("complex_traj and hydro") == 0
    assert pm.count_atoms("complex_traj") == protein.n_atoms


def test_info_describes_the_protein_and_the_run(pm, capsys):
    trajgen_run("prot", length="500ps", interval="100ps", wait=1, _self=pm)
    trajgen_info("prot", _self=pm)
    out = capsys.readouterr().out
    assert "50 residues" in out and "6 frames shown" in out


@pytest.mark.parametrize("kwargs, message", [
    ({"obj": "nothing"}, "no molecular object named 'nothing'"),
    ({"obj": "prot", "length": "100"}, "with a unit"),
    ({"obj": "prot", "length": "1ns", "interval": "2ns"}, "longer than the trajectory"),
    ({"obj": "prot", "temperature": "warm"}, "temperature must be a number"),
    ({"obj": "prot", "length": "10us", "interval": "10ps"}, "1,000,001 frames .*more than the limit of 100,000"),
    ({"obj": "prot", "length": "-5ns"}, "must be positive"),
    ({"obj": "prot", "temperature": "-50"}, "-50 K is outside that range"),
    ({"obj": "prot", "temperature": "0"}, "0 K is outside"),
    ({"obj": "prot", "generator": "magic"}, "Unknown generator"),
    ({"obj": "prot", "device": "gpu"}, "Unknown device 'gpu'; choose auto, cpu, cuda"),
    ({"obj": "prot", "generator": "model", "checkpoint": "/no/such/model.onnx"}, "does not exist"),
])
def test_bad_input_raises_cmdexception_with_a_clear_message(pm, kwargs, message):
    with pytest.raises(CmdException, match=message):
        trajgen_run(**kwargs, _self=pm)
    assert "prot_traj" not in pm.get_names("objects")


def test_engine_advice_names_pymol_arguments_not_command_line_flags(pm, monkeypatch):
    from trajgen.engine.backends import select

    monkeypatch.setattr(select, "shipped_checkpoint", lambda: None)
    with pytest.raises(CmdException) as refused:
        trajgen_run("prot", generator="model", _self=pm)
    assert "checkpoint=" in str(refused.value) and "--" not in str(refused.value)


def test_the_baseline_on_a_gpu_request_says_it_runs_on_the_cpu(pm, capsys):
    trajgen_run("prot", length="300ps", interval="100ps", device="cuda", wait=1, _self=pm)
    assert "runs on the CPU" in capsys.readouterr().out
    assert pm.count_states("prot_traj") == 4


def test_an_object_of_the_users_is_never_overwritten(pm):
    pm.create("prot_traj", "prot")
    before = pm.count_atoms("prot_traj")
    assert trajgen_run("prot", length="1ns", interval="100ps", wait=1, _self=pm) == "prot_traj_2"
    assert pm.count_states("prot_traj") == 1 and pm.count_atoms("prot_traj") == before
    assert pm.count_states("prot_traj_2") == 11


def test_a_new_run_on_the_same_object_keeps_the_earlier_result(pm):
    trajgen_run("prot", length="1ns", interval="100ps", wait=1, _self=pm)
    first = pm.get_coordset("prot_traj", state=11).copy()
    with pytest.raises(CmdException):  # a run that fails keeps the earlier result too
        trajgen_run("prot", length="1ns", interval="100ps", temperature="-50", _self=pm)
    assert trajgen_run("prot", length="500ps", interval="100ps", seed=5, wait=1, _self=pm) == "prot_traj_2"
    assert pm.count_states("prot_traj") == 11 and np.array_equal(pm.get_coordset("prot_traj", state=11), first)
    assert pm.count_states("prot_traj_2") == 6
    assert commands.delivery.registry_of(pm).get("prot").target == "prot_traj_2"


def test_an_earlier_result_can_still_be_exported_by_its_name(pm, tmp_path):
    trajgen_run("prot", length="1ns", interval="100ps", wait=1, _self=pm)
    trajgen_run("prot", length="500ps", interval="100ps", wait=1, _self=pm)
    assert trajgen_export("prot_traj", str(tmp_path / "first.xtc"), _self=pm) == 11
    assert trajgen_export("prot", str(tmp_path / "latest.xtc"), _self=pm) == 6


def test_a_run_whose_frames_would_not_fit_in_memory_is_refused_before_any_object(pm, monkeypatch):
    monkeypatch.setenv("TRAJGEN_MAX_FRAMES", "2000000000")
    with pytest.raises(CmdException, match=r"of memory in the viewer, but .* is free"):
        trajgen_run("prot", length="1000us", interval="1ps", _self=pm)
    assert pm.get_names("objects") == ["prot"]


@pytest.mark.parametrize("suffix, message", [(".onnx", "is not an ONNX model"),
                                             (".safetensors", "is not a safetensors file")])
def test_a_checkpoint_of_random_bytes_is_refused_with_a_sentence(pm, tmp_path, suffix, message):
    import os

    bad = tmp_path / f"random{suffix}"
    bad.write_bytes(os.urandom(4096))
    with pytest.raises(CmdException, match=message):
        trajgen_run("prot", checkpoint=str(bad), _self=pm)
    assert pm.get_names("objects") == ["prot"]


def test_defaults_and_the_documented_limit_are_the_shared_ones():
    import inspect

    from trajgen.engine import run_choices as rc
    from trajgen.engine.run_limits import MAX_FRAMES

    defaults = {k: p.default for k, p in inspect.signature(trajgen_run).parameters.items()}
    assert (defaults["length"], defaults["interval"], defaults["temperature"], defaults["seed"],
            defaults["generator"], defaults["device"]) == (rc.DEFAULT_LENGTH, rc.DEFAULT_INTERVAL,
                                                           rc.DEFAULT_TEMPERATURE_K, rc.DEFAULT_SEED,
                                                           rc.DEFAULT_GENERATOR, rc.DEFAULT_DEVICE)
    assert f"{MAX_FRAMES:,} frames" in trajgen_run.__doc__
    assert f"{{default: {rc.DEFAULT_LENGTH}}}" in trajgen_run.__doc__


def test_an_object_without_protein_is_refused(pm):
    pm.pseudoatom("ion", resn="ZN", elem="ZN", pos=[1.0, 2.0, 3.0])
    with pytest.raises(CmdException, match="protein"):
        trajgen_run("ion", length="1ns", interval="100ps", _self=pm)


def test_export_replaces_existing_files_only_with_overwrite(pm, tmp_path):
    trajgen_run("prot", length="500ps", interval="100ps", wait=1, _self=pm)
    path, topology = tmp_path / "run.dcd", tmp_path / "run.pdb"
    topology.write_text("REMARK the user's own structure\n")
    with pytest.raises(CmdException, match="run.pdb already exists; .* add overwrite=1 to replace it"):
        trajgen_export("prot", str(path), _self=pm)
    assert topology.read_text() == "REMARK the user's own structure\n" and not path.exists()
    assert trajgen_export("prot", str(path), overwrite=1, _self=pm) == 6
    assert mdtraj.load(str(path), top=str(topology)).n_frames == 6


def test_export_without_a_run_says_how_to_start_one(pm, tmp_path):
    with pytest.raises(CmdException, match="trajgen_run prot"):
        trajgen_export("prot", str(tmp_path / "x.dcd"), _self=pm)


def test_export_to_an_unknown_format_lists_the_supported_ones(pm, tmp_path):
    trajgen_run("prot", length="500ps", interval="100ps", wait=1, _self=pm)
    with pytest.raises(CmdException, match="dcd"):
        trajgen_export("prot", str(tmp_path / "x.mp4"), _self=pm)


def test_a_checkpoint_runs_the_learned_model(pm, protein, tmp_path):
    pytest.importorskip("torch")
    from model_inputs import tiny_torch_backend

    from trajgen.engine.checkpoint import save_checkpoint
    from trajgen.engine.flow.process import FlowConfig

    path = tmp_path / "tiny.safetensors"  # randomly initialised: checks the plumbing, not the physics
    save_checkpoint(path, tiny_torch_backend(seed=2).model, FlowConfig(n_steps=2), step=1)
    trajgen_run("prot", length="300ps", interval="100ps", generator="model", checkpoint=str(path),
                device="cpu", wait=1, _self=pm)
    assert pm.count_states("prot_traj") == 4
    assert np.isfinite(pm.get_coordset("prot_traj", state=4)).all()
    assert commands.delivery.registry_of(pm).get("prot").live.request.generator == "model"


@pytest.mark.parametrize("name", sorted(commands.COMMANDS))
def test_help_explains_every_command(pm, capsys, name):
    pm.do(f"help {name}")
    out = capsys.readouterr().out
    assert "DESCRIPTION" in out and f"USAGE\n\n    {name}" in out


def test_a_calpha_trace_runs_on_its_rebuilt_backbone_and_the_trace_is_left_as_it_was(pm, capsys):
    from conftest import REFERENCE

    pm.load(str(REFERENCE / "bpti_ca.pdb"), "trace")
    target = trajgen_run("trace", length="300ps", interval="100ps", wait=1, _self=pm)
    rebuilt = load_protein(REFERENCE / "bpti_ca.pdb")
    assert pm.count_atoms("trace") == 58 and pm.count_states(target) == 4
    assert pm.count_atoms(target) == rebuilt.heavy_atom_topology().n_atoms
    assert "rebuilt from the Calpha trace" in capsys.readouterr().out
