"""The ChimeraX bundle inside a real ChimeraX 1.7 session (run by tests/test_chimerax.py).

These tests use the elastic-network baseline generator (real physics, no weights): trajgen
never runs a learned model from untrained weights. The one learned-model test passes an explicit
tiny ONNX checkpoint (exported by tests/test_chimerax.py, path in TRAJGEN_TEST_ONNX) to prove the
bundle generates on ONNX Runtime in ChimeraX's Python, where torch is not installed at all.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time

import mdtraj
import numpy as np
import pytest
from chimerax.core.commands import run
from chimerax.core.errors import UserError

from trajgen.engine.assets import example_structure

EXAMPLE = str(example_structure())


def open_example(session):
    return run(session, f"open {EXAMPLE}")[0]


def bond_lengths(model) -> np.ndarray:
    a, b = model.bonds.atoms
    return np.linalg.norm(a.coords - b.coords, axis=1)


def test_run_with_wait_makes_every_frame_as_a_coordinate_set(session):
    structure = open_example(session)
    out = run(session, f"trajgen run #{structure.id_string} length 1ns interval 100ps seed 1 generator enm wait true")
    assert out is not structure and out.num_coordsets == 11
    assert out.num_atoms == 433
    for cid in out.coordset_ids:
        out.active_coordset_id = int(cid)
        lengths = bond_lengths(out)
        assert lengths.min() > 1.0 and lengths.max() < 2.1


def test_a_learned_model_runs_on_onnx_runtime_where_torch_is_not_installed(session):
    assert importlib.util.find_spec("torch") is None, "ChimeraX's Python was expected to have no torch"
    checkpoint = os.environ["TRAJGEN_TEST_ONNX"]
    structure = open_example(session)
    out = run(session, f"trajgen run #{structure.id_string} length 500ps interval 100ps seed 2 generator model "
                       f"checkpoint {checkpoint} device cpu wait true")
    assert out.num_coordsets == 6 and out.num_atoms == 433
    coords = np.stack([out.coordset(int(cid)).xyzs for cid in out.coordset_ids])
    assert np.isfinite(coords).all() and np.abs(coords[1:] - coords[0]).max() > 0.01
    assert "torch" not in sys.modules


def test_frames_stream_in_order_while_running(session):
    structure = open_example(session)
    out = run(session, f"trajgen run #{structure.id_string} length 20ns interval 100ps generator enm wait false")
    from chimerax.trajgen.runs import run_for

    live = run_for(session, out).live
    seen, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline:
        run(session, "wait 1")  # frames reach the model when ChimeraX draws
        seen.append(out.num_coordsets)
        if not live.running and seen[-1] == live.total_frames:
            break
        time.sleep(0.02)
    assert seen == sorted(seen)
    assert seen[0] < live.total_frames and seen[-1] == live.total_frames == 201
    assert list(out.coordset_ids) == list(range(1, 202))


def test_stop_keeps_the_frames_made_so_far(session):
    structure = open_example(session)
    out = run(session, f"trajgen run #{structure.id_string} length 5us interval 100ps generator enm wait false")
    run(session, "wait 3")
    run(session, f"trajgen stop #{out.id_string}")
    from chimerax.trajgen.runs import run_for

    r = run_for(session, out)
    assert r.live.wait(60)
    run(session, "wait 2")
    assert r.live.state == "cancelled"
    assert 1 <= out.num_coordsets < r.live.total_frames


def test_export_dcd_reopens_in_chimerax_and_mdtraj_identically(session, tmp_path):
    structure = open_example(session)
    out = run(session, f"trajgen run #{structure.id_string} length 500ps interval 100ps generator enm")
    path = tmp_path / "traj.dcd"
    run(session, f"trajgen export #{out.id_string} {path}")
    traj = mdtraj.load(str(path), top=str(tmp_path / "traj.pdb"))
    assert traj.n_frames == 6 and traj.n_atoms == out.num_atoms
    from chimerax.trajgen.runs import run_for

    expected = run_for(session, out).coordinates()
    np.testing.assert_allclose(traj.xyz * 10, expected, atol=1e-3)
    reopened = run(session, f"open {tmp_path / 'traj.pdb'}")[0]
    run(session, f"open {path} structureModel #{reopened.id_string}")
    assert reopened.num_coordsets == 6
    reopened.active_coordset_id = 6
    out.active_coordset_id = 6
    by_key = {(a.residue.number, a.name): a.coord for a in out.atoms}
    for a in reopened.atoms:
        np.testing.assert_allclose(a.coord, by_key[(a.residue.number, a.name)], atol=1e-3)


def test_bad_input_gives_user_errors(session, tmp_path):
    with pytest.raises(UserError, match="No atomic structure is open"):
        run(session, "trajgen run")
    structure = open_example(session)
    open_example(session)
    with pytest.raises(UserError, match="exactly one structure"):
        run(session, "trajgen run")
    with pytest.raises(UserError, match="longer than the trajectory"):
        run(session, f"trajgen run #{structure.id_string} length 1ns interval 2ns generator enm")
    with pytest.raises(UserError, match="Cannot read the duration"):
        run(session, f"trajgen run #{structure.id_string} length 100 generator enm")
    with pytest.raises(UserError, match="never generates from untrained weights"):
        run(session, f"trajgen run #{structure.id_string} generator model")
    with pytest.raises(UserError, match="not a trajgen trajectory"):
        run(session, f"trajgen export #{structure.id_string} {tmp_path / 'x.dcd'}")


def test_second_run_on_a_running_structure_is_refused(session):
    structure = open_example(session)
    out = run(session, f"trajgen run #{structure.id_string} length 5us interval 100ps generator enm wait false")
    with pytest.raises(UserError, match="still going"):
        run(session, f"trajgen run #{structure.id_string} generator enm")
    run(session, "trajgen stop")
    from chimerax.trajgen.runs import run_for

    assert run_for(session, out).live.wait(60)


def test_closing_the_output_model_stops_the_run(session):
    structure = open_example(session)
    out = run(session, f"trajgen run #{structure.id_string} length 5us interval 100ps generator enm wait false")
    from chimerax.trajgen.runs import run_for

    live = run_for(session, out).live
    run(session, "wait 2")
    run(session, f"close #{out.id_string}")
    assert live.wait(60) and live.state == "cancelled"


def test_ligands_waters_and_hydrogens_are_set_aside_with_a_log(session, tmp_path):
    lines = [ln for ln in open(EXAMPLE).read().splitlines() if ln.startswith("ATOM")]
    lines.append("HETATM 9001  O   HOH A 501      10.000  10.000  10.000  1.00 20.00           O")
    path = tmp_path / "with_water.pdb"
    path.write_text("\n".join(lines) + "\nEND\n")
    structure = run(session, f"open {path}")[0]
    run(session, "addh")
    out = run(session, f"trajgen run #{structure.id_string} length 200ps interval 100ps generator enm")
    assert structure.num_atoms > 800  # hydrogens and the water are in the input model
    assert out.num_atoms == 433 and out.num_coordsets == 3  # heavy protein atoms only in the output
    assert set(out.atoms.element_names) <= {"C", "N", "O", "S"}


def test_info_and_usage_document_the_commands(session):
    open_example(session)
    run(session, "trajgen info")
    run(session, "usage trajgen")


def test_offscreen_image_of_a_generated_frame(session, tmp_path):
    structure = open_example(session)
    out = run(session, f"trajgen run #{structure.id_string} length 500ps interval 100ps generator enm")
    run(session, f"hide #{structure.id_string} models")
    run(session, f"show #{out.id_string} atoms")
    run(session, "windowsize 400 300")
    run(session, "view")
    run(session, f"coordset #{out.id_string} 6")
    png = tmp_path / "frame.png"
    run(session, f"save {png} width 400 height 300 supersample 1")
    from PIL import Image

    image = np.asarray(Image.open(png).convert("RGB"), dtype=float)
    assert image.shape == (300, 400, 3)
    assert image.std() > 5, "the rendered frame is blank"


def test_context_menu_entry_runs_a_logged_command_on_the_selected_structure(session):
    from chimerax.trajgen.menu import simulate_entry

    structure = open_example(session)
    entry = simulate_entry()
    assert not entry.criteria(session)
    run(session, f"select #{structure.id_string}:45")
    assert entry.criteria(session)
    assert entry.label(session) == f"Simulate dynamics of #{structure.id_string} (trajgen)"
    before = len(session.models)
    entry.callback(session)  # nogui: the command waits for the run
    from chimerax.trajgen.runs import run_for

    assert len(session.models) == before + 1
    assert run_for(session, structure).live.state == "finished"


def test_panel_adapter_builds_and_runs_logged_commands(session, tmp_path):
    from trajgen.ui.adapter import CommandError, RunOptions, ViewerAdapter

    from chimerax.trajgen.viewer import ChimeraXAdapter

    adapter = ChimeraXAdapter(session)
    assert isinstance(adapter, ViewerAdapter)
    structure = open_example(session)
    name = f"#{structure.id_string}"
    assert adapter.structures() == [name]
    command = adapter.run_command(RunOptions(name, 1000.0, 100.0, 310.0, 4, "cpu", "enm"))
    assert command == f"trajgen run {name} length 1ns interval 100ps temperature 310 seed 4 device cpu " \
                      "generator enm wait false"
    adapter.execute(command)
    view = adapter.run_view(name)
    assert view is not None and view.total == 11
    from chimerax.trajgen.runs import run_for

    run_for(session, structure).wait()
    view = adapter.run_view(name)
    assert view.state == "finished" and view.done == 11 and view.track.n_frames == 11
    assert adapter.structures() == [name]  # the output model is not offered as an input
    adapter.execute(adapter.export_command(name, str(tmp_path / "a b.xtc")))
    assert (tmp_path / "a b.xtc").exists()
    with pytest.raises(CommandError, match="longer than the trajectory"):
        adapter.execute(adapter.run_command(RunOptions(name, 100.0, 1000.0, generator="enm")))


def test_the_panel_tool_needs_a_window(session):
    from chimerax.trajgen.tool import show_tool

    with pytest.raises(UserError, match="needs the ChimeraX window"):
        show_tool(session)


def test_runs_over_the_limits_are_refused_before_a_model_is_made(session, monkeypatch):
    structure = open_example(session)
    spec = f"#{structure.id_string}"
    models = len(session.models.list())
    with pytest.raises(UserError, match="1,000,000,001 frames .*more than the limit of 100,000"):
        run(session, f"trajgen run {spec} length 1000us interval 1ps generator enm")
    with pytest.raises(UserError, match="-50 K is outside that range"):
        run(session, f"trajgen run {spec} temperature -50 generator enm")
    with pytest.raises(UserError, match="must be positive"):
        run(session, f"trajgen run {spec} length -5ns generator enm")
    monkeypatch.setenv("TRAJGEN_MAX_FRAMES", "2000000000")
    with pytest.raises(UserError, match="of memory in the viewer, but .* is free"):
        run(session, f"trajgen run {spec} length 1000us interval 1ps generator enm")
    assert len(session.models.list()) == models


def test_a_second_run_opens_a_new_model_and_keeps_the_first(session):
    structure = open_example(session)
    first = run(session, f"trajgen run #{structure.id_string} length 300ps generator enm wait true")
    second = run(session, f"trajgen run #{structure.id_string} length 500ps generator enm wait true")
    assert first is not second and not first.deleted
    assert first.num_coordsets == 4 and second.num_coordsets == 6


def test_an_earlier_output_model_can_still_be_exported(session, tmp_path):
    structure = open_example(session)
    first = run(session, f"trajgen run #{structure.id_string} length 300ps generator enm wait true")
    run(session, f"trajgen run #{structure.id_string} length 500ps generator enm wait true")
    run(session, f"trajgen export #{first.id_string} {tmp_path / 'first.xtc'}")
    assert mdtraj.load(str(tmp_path / "first.xtc"), top=str(tmp_path / "first.pdb")).n_frames == 4


def test_messages_use_chimerax_words(session, tmp_path):
    import os as _os

    from trajgen.engine.backends.select import shipped_checkpoint

    structure = open_example(session)
    with pytest.raises(UserError, match=r"do not exist or hold no atomic structure; the open structures are #"):
        run(session, "trajgen run #99")
    bad = tmp_path / "random.onnx"
    bad.write_bytes(_os.urandom(4096))
    with pytest.raises(UserError, match="is not an ONNX model"):
        run(session, f"trajgen run #{structure.id_string} checkpoint {bad}")
    if shipped_checkpoint() is None:
        with pytest.raises(UserError) as refused:
            run(session, f"trajgen run #{structure.id_string} generator model")
        assert "checkpoint PATH" in str(refused.value) and "--" not in str(refused.value)


def test_defaults_and_choices_are_the_shared_ones():
    from chimerax.trajgen.cmd import DEFAULTS, trajgen_run

    import inspect

    from trajgen.engine import run_choices as rc

    assert DEFAULTS == {"length": rc.DEFAULT_LENGTH, "interval": rc.DEFAULT_INTERVAL,
                        "temperature": rc.DEFAULT_TEMPERATURE_K}
    params = inspect.signature(trajgen_run).parameters
    assert (params["generator"].default, params["device"].default, params["seed"].default) == (
        rc.DEFAULT_GENERATOR, rc.DEFAULT_DEVICE, rc.DEFAULT_SEED)


def test_export_never_replaces_the_input_and_replaces_others_only_with_overwrite(session, tmp_path):
    source = tmp_path / "myprot.pdb"
    source.write_text(open(EXAMPLE).read())
    structure = run(session, f"open {source}")[0]
    out = run(session, f"trajgen run #{structure.id_string} length 300ps generator enm wait true")
    before = source.read_bytes()
    with pytest.raises(UserError, match="the input structure"):
        run(session, f"trajgen export #{out.id_string} {tmp_path / 'myprot.dcd'} overwrite true")
    assert source.read_bytes() == before and not (tmp_path / "myprot.dcd").exists()
    run(session, f"trajgen export #{out.id_string} {tmp_path / 'run.dcd'}")
    with pytest.raises(UserError, match="already exist.*add 'overwrite true'"):
        run(session, f"trajgen export #{out.id_string} {tmp_path / 'run.dcd'}")
    run(session, f"trajgen export #{out.id_string} {tmp_path / 'run.dcd'} overwrite true")
    assert mdtraj.load(str(tmp_path / "run.dcd"), top=str(tmp_path / "run.pdb")).n_frames == 4
