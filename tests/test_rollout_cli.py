"""``trajgen generate``: units, output files, progress bar, refusals, and running without torch."""

import subprocess
import sys
import textwrap

import mdtraj
import pytest

from model_inputs import EXAMPLE_PDB, tiny_torch_backend
from trajgen.engine.backends import select
from trajgen.engine.backends.export import export_onnx
from trajgen.engine.cli import main
from trajgen.engine.units import parse_time_ps
from trajgen.engine.errors import GenerationError
from trajgen.engine.flow.process import FlowConfig


@pytest.fixture(scope="module")
def onnx_model(tmp_path_factory):
    backend = tiny_torch_backend(seed=8)
    return export_onnx(backend.model, tmp_path_factory.mktemp("cli") / "tiny.onnx", FlowConfig(n_steps=2))


@pytest.mark.parametrize("text, ps", [("100ns", 1e5), ("2.5 us", 2.5e6), ("500ps", 500.0), ("250fs", 0.25)])
def test_durations_are_read_with_their_units(text, ps):
    assert parse_time_ps(text) == pytest.approx(ps)


def test_a_duration_without_a_unit_is_refused():
    with pytest.raises(GenerationError, match="with a unit"):
        parse_time_ps("100")


def test_generate_writes_the_trajectory_and_its_topology_with_a_progress_bar(onnx_model, tmp_path, capsys):
    out = tmp_path / "run.dcd"
    code = main(["generate", str(EXAMPLE_PDB), "-o", str(out), "--length", "1ns", "--interval", "200ps",
                 "--checkpoint", str(onnx_model), "--device", "cpu", "--threads", "1"])
    assert code == 0
    traj = mdtraj.load(str(out), top=str(tmp_path / "run.pdb"))
    assert traj.n_frames == 6
    assert "6/6 frames" in capsys.readouterr().err


def test_generate_without_any_trained_model_stops_with_advice(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(select, "shipped_checkpoint", lambda: None)
    code = main(["generate", str(EXAMPLE_PDB), "-o", str(tmp_path / "x.dcd"), "--length", "1ns",
                 "--interval", "100ps", "--generator", "model"])
    assert code == 1 and "--checkpoint" in capsys.readouterr().err
    assert not (tmp_path / "x.dcd").exists()


def test_generator_auto_without_weights_runs_the_baseline_and_the_summary_says_so(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(select, "shipped_checkpoint", lambda: None)
    out = tmp_path / "auto.xtc"
    assert main(["generate", str(EXAMPLE_PDB), "-o", str(out), "--length", "300ps", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "elastic-network" in err
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("done: 4 frames (enm generator") and str(out) in summary
    assert str(tmp_path / "auto.pdb") in summary


def test_the_elastic_network_baseline_needs_no_checkpoint(tmp_path):
    out = tmp_path / "enm.pdb"
    assert main(["generate", str(EXAMPLE_PDB), "-o", str(out), "--length", "300ps", "--interval", "100ps",
                 "--generator", "enm", "--quiet"]) == 0
    assert mdtraj.load(str(out)).n_frames == 4


def test_the_command_runs_with_torch_unimportable(onnx_model, tmp_path):
    script = textwrap.dedent(f"""
        import sys
        class _NoTorch:
            def find_spec(self, name, path=None, target=None):
                if name == "torch" or name.startswith("torch."):
                    raise ImportError("torch is blocked in this test")
        sys.meta_path.insert(0, _NoTorch())
        from trajgen.engine.cli import main
        code = main(["generate", {str(EXAMPLE_PDB)!r}, "-o", {str(tmp_path / 'x.xtc')!r}, "--length", "300ps",
                     "--interval", "100ps", "--checkpoint", {str(onnx_model)!r}, "--quiet", "--threads", "1"])
        assert code == 0 and "torch" not in sys.modules
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x.xtc").exists()


def test_the_models_trained_temperature_range_is_checked_before_a_file_is_written(onnx_model, tmp_path, capsys):
    code = main(["generate", str(EXAMPLE_PDB), "-o", str(tmp_path / "hot.dcd"), "--checkpoint", str(onnx_model),
                 "--temperature", "500", "--length", "1ns", "--quiet"])
    assert code == 1 and "trained between 280 K and 450 K; 500 K is outside" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_cli_offers_the_shared_defaults_and_choices():
    from trajgen.engine import run_choices as rc
    from trajgen.engine.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["generate", "x.pdb", "-o", "x.dcd"])
    assert (args.length, args.interval, args.temperature, args.seed, args.generator, args.device) == (
        rc.DEFAULT_LENGTH, rc.DEFAULT_INTERVAL, rc.DEFAULT_TEMPERATURE_K, rc.DEFAULT_SEED, rc.DEFAULT_GENERATOR,
        rc.DEFAULT_DEVICE)
    generate = parser._subparsers._group_actions[0].choices["generate"]
    choices = {a.dest: tuple(a.choices) for a in generate._actions if a.choices}
    assert choices["generator"] == rc.GENERATORS == ("auto", "model", "enm")
    assert choices["backend"] == rc.BACKENDS and choices["mode"] == rc.MODES
