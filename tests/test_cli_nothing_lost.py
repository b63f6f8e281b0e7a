"""``trajgen generate`` never writes over its input or an existing file, refuses absurd runs before
writing a byte, and says what it kept where (also after Ctrl-C); ``evaluate`` names a missing file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import mdtraj
import pytest

from model_inputs import EXAMPLE_PDB
from trajgen.engine.cli import main


@pytest.fixture
def myprot(tmp_path):
    """The example structure copied to tmp_path/myprot.pdb, with a line no topology PDB would write."""
    path = tmp_path / "myprot.pdb"
    path.write_text("REMARK   1 THE USER'S OWN FILE\n" + EXAMPLE_PDB.read_text())
    return path


def generate(*args: str) -> int:
    return main(["generate", *map(str, args), "--quiet"])


def test_the_topology_beside_the_output_never_replaces_the_input(myprot, capsys):
    before = myprot.read_bytes()
    assert generate(myprot, "-o", myprot.with_suffix(".dcd"), "--length", "300ps", "--generator", "enm") == 1
    assert "never writes over its input" in capsys.readouterr().err
    assert myprot.read_bytes() == before
    assert sorted(os.listdir(myprot.parent)) == ["myprot.pdb"]  # no trajectory, no hidden part file


def test_a_pdb_output_named_like_the_input_is_refused_even_with_overwrite(myprot, capsys):
    before = myprot.read_bytes()
    assert generate(myprot, "-o", myprot, "--length", "300ps", "--generator", "enm", "--overwrite") == 1
    assert "the input structure" in capsys.readouterr().err
    assert myprot.read_bytes() == before


def test_an_existing_output_is_kept_unless_overwrite_is_given(myprot, capsys):
    out = myprot.parent / "run.dcd"
    assert generate(myprot, "-o", out, "--length", "300ps", "--generator", "enm") == 0
    first = out.read_bytes()
    assert generate(myprot, "-o", out, "--length", "500ps", "--generator", "enm") == 1
    assert "--overwrite" in capsys.readouterr().err and out.read_bytes() == first
    assert generate(myprot, "-o", out, "--length", "500ps", "--generator", "enm", "--overwrite") == 0
    assert mdtraj.load(str(out), top=str(myprot.parent / "run.pdb")).n_frames == 6


def test_outputs_sharing_a_stem_do_not_replace_each_others_topology(myprot, capsys):
    assert generate(myprot, "-o", myprot.parent / "run.dcd", "--length", "300ps", "--generator", "enm") == 0
    topology = (myprot.parent / "run.pdb").read_bytes()
    assert generate(myprot, "-o", myprot.parent / "run.xtc", "--length", "300ps", "--generator", "enm") == 1
    assert "run.pdb already exists" in capsys.readouterr().err
    assert (myprot.parent / "run.pdb").read_bytes() == topology and not (myprot.parent / "run.xtc").exists()


@pytest.mark.parametrize("args, message", [
    (["--length", "1000us", "--interval", "1ps"], "1,000,000,001 frames (the input included), more than the limit "
                                                  "of 100,000"),
    (["--length", "1000us", "--interval", "1ps", "--max-frames", "2000000000"], "free"),
    (["--length", "1ns", "--max-frames", "5"], "limit of 5 frames"),
    (["--length", "-5ns"], "A duration must be positive, not -5ns"),
    (["--interval", "-1ps"], "A duration must be positive"),
    (["--temperature", "-50"], "runs between 200 K and 500 K"),
    (["--temperature", "-50"], "-50 K is outside that range"),
    (["--temperature", "0"], "0 K is outside"),
    (["--device", "gpu"], "Unknown device 'gpu'"),
    (["--max-frames", "0"], "frame limit of 0 is below 2"),
])
def test_absurd_runs_are_refused_with_numbers_before_any_byte_is_written(myprot, tmp_path, capsys, args, message):
    assert generate(myprot, "-o", tmp_path / "out.dcd", "--generator", "enm", *args) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == ["myprot.pdb"]


def test_the_disk_refusal_gives_the_estimate_and_the_free_space(myprot, tmp_path, capsys):
    generate(myprot, "-o", tmp_path / "out.dcd", "--generator", "enm", "--length", "1000us", "--interval", "1ps",
             "--max-frames", "2000000000")
    err = capsys.readouterr().err
    assert "need about 5.2 TB in" in err and "GB free" in err


@pytest.mark.parametrize("suffix, message", [
    (".onnx", "is not an ONNX model"),
    (".safetensors", "is not a safetensors file"),
])
def test_a_checkpoint_of_random_bytes_is_refused_with_a_sentence(myprot, tmp_path, capsys, suffix, message):
    bad = tmp_path / f"random{suffix}"
    bad.write_bytes(os.urandom(4096))
    assert generate(myprot, "-o", tmp_path / "out.dcd", "--checkpoint", bad, "--length", "1ns") == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out.dcd").exists()


def test_an_onnx_model_of_another_program_is_named_as_such(myprot, tmp_path, capsys):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "other",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    foreign = tmp_path / "foreign.onnx"
    onnx.save(helper.make_model(graph), str(foreign))
    assert generate(myprot, "-o", tmp_path / "out.dcd", "--checkpoint", foreign) == 1
    assert "is not a trajgen model" in capsys.readouterr().err


def test_a_truncated_checkpoint_is_refused(myprot, tmp_path, capsys):
    pytest.importorskip("torch")
    from model_inputs import tiny_torch_backend

    from trajgen.engine.checkpoint import save_checkpoint

    path = tmp_path / "tiny.safetensors"
    save_checkpoint(path, tiny_torch_backend(seed=1).model)
    path.write_bytes(path.read_bytes()[:40])
    assert generate(myprot, "-o", tmp_path / "out.dcd", "--checkpoint", path) == 1
    assert "holds only 40 bytes" in capsys.readouterr().err


def test_evaluate_names_a_missing_file(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "nothere.dcd"), str(EXAMPLE_PDB)]) == 1
    assert "No such file" in capsys.readouterr().err


def test_ctrl_c_keeps_the_frames_made_and_says_how_many_and_where(myprot, tmp_path):
    out = tmp_path / "long.dcd"
    # SIGINT back to its default in the child: a shell's background job (CI, `cmd &`) starts with it ignored,
    # and Python then installs no KeyboardInterrupt handler, so the interrupt would be lost
    proc = subprocess.Popen([sys.executable, "-m", "trajgen.engine.cli", "generate", str(myprot), "-o", str(out),
                             "--length", "5us", "--generator", "enm", "--quiet"],
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    topology = tmp_path / "long.pdb"  # written at the first frame
    deadline = time.monotonic() + 120
    while not topology.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    line = [ln for ln in err.splitlines() if ln.startswith("interrupted:")][-1]
    kept = int(line.split()[1])
    assert f"in {out}" in line and f"topology {topology}" in line
    assert 1 <= kept < 50_001 and mdtraj.load(str(out), top=str(topology)).n_frames == kept


def test_the_default_training_output_folder_is_ignored_by_git():
    import shutil as _shutil

    from conftest import REPO
    from trajgen.engine.train.config import RunConfig

    if _shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    out_dir = RunConfig.__dataclass_fields__["out_dir"].default
    probe = f"{out_dir}/run_info.json"
    result = subprocess.run(["git", "check-ignore", "-q", probe], cwd=REPO)
    assert result.returncode == 0, f"{probe} (a failed 'trajgen train' run's output) is not ignored by git"
