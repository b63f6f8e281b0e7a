"""While a run goes on, and however it stops, the file on disk is a valid trajectory."""

from __future__ import annotations

import itertools
import os
import signal
import struct
import subprocess
import sys
import textwrap
import threading

import mdtraj
import numpy as np
import pytest
from conftest import PFAM40

from trajgen.engine.errors import TrajectoryWriteError
from trajgen.engine.trajio import open_writer, partial_path_for, topology_path_for

STRUCTURE = str(PFAM40 / "1GUU_A.pdb")
FORMATS = [".dcd", ".xtc", ".pdb"]


@pytest.fixture(scope="module")
def protein() -> tuple[mdtraj.Topology, np.ndarray]:
    """Heavy-atom topology of a real domain and 5 frames (5, n_atoms, 3) in Angstrom near it."""
    structure = mdtraj.load(STRUCTURE)
    heavy = structure.topology.select("not element H")
    xyz_angstrom = structure.xyz[0, heavy] * 10.0
    noise = np.random.default_rng(3).normal(scale=0.5, size=(5, *xyz_angstrom.shape))
    return structure.topology.subset(heavy), (xyz_angstrom + noise).astype(np.float32)


def load_any(path: str, topology_pdb: str | None) -> mdtraj.Trajectory:
    return mdtraj.load(path) if topology_pdb is None else mdtraj.load(path, top=topology_pdb)


@pytest.mark.parametrize("extension", FORMATS)
def test_partial_file_mid_run_holds_every_frame_appended_so_far(tmp_path, protein, extension):
    topology, frames = protein
    with open_writer(tmp_path / f"run{extension}", topology) as writer:
        writer.append(frames[:3])
        midway = load_any(writer.partial_path, writer.topology_path)
        assert midway.n_frames == 3
        np.testing.assert_allclose(midway.xyz * 10.0, frames[:3], atol=5.1e-3)


def test_partial_file_is_hidden_beside_the_output_and_keeps_the_extension(tmp_path):
    assert partial_path_for(str(tmp_path / "run.dcd")) == str(tmp_path / ".run.part.dcd")


def test_output_name_appears_only_at_close(tmp_path, protein):
    topology, frames = protein
    writer = open_writer(tmp_path / "run.xtc", topology)
    writer.append(frames)
    assert not (tmp_path / "run.xtc").exists()
    writer.close()
    assert (tmp_path / "run.xtc").exists()
    assert not os.path.exists(writer.partial_path)


def test_dcd_header_frame_count_matches_the_frames_present_after_each_append(tmp_path, protein):
    topology, frames = protein
    with open_writer(tmp_path / "run.dcd", topology) as writer:
        header_size = os.path.getsize(writer.partial_path)
        frame_size = 3 * (4 * topology.n_atoms + 8)
        for count in range(1, 4):
            writer.append(frames[count])
            data = open(writer.partial_path, "rb").read()
            (nset,) = struct.unpack("<i", data[8:12])
            assert nset == count
            assert len(data) == header_size + count * frame_size


@pytest.mark.parametrize("extension", FORMATS)
def test_exception_inside_with_keeps_the_frames_written_so_far(tmp_path, protein, extension):
    topology, frames = protein
    path = tmp_path / f"run{extension}"
    with pytest.raises(RuntimeError, match="model diverged"):
        with open_writer(path, topology) as writer:
            writer.append(frames[:2])
            raise RuntimeError("model diverged")
    trajectory = load_any(str(path), topology_path_for(path))
    assert trajectory.n_frames == 2


def test_ctrl_c_inside_with_keeps_the_frames_written_so_far(tmp_path, protein):
    topology, frames = protein
    path = tmp_path / "run.dcd"
    with pytest.raises(KeyboardInterrupt):
        with open_writer(path, topology) as writer:
            writer.append(frames[:4])
            raise KeyboardInterrupt
    assert load_any(str(path), str(tmp_path / "run.pdb")).n_frames == 4


@pytest.mark.parametrize("extension", FORMATS)
def test_killed_process_leaves_a_valid_partial_file(tmp_path, protein, extension):
    path = tmp_path / f"run{extension}"
    child = textwrap.dedent(f"""
        import sys, mdtraj, numpy as np
        from trajgen.engine.trajio import open_writer
        structure = mdtraj.load({STRUCTURE!r})
        heavy = structure.topology.select("not element H")
        writer = open_writer({str(path)!r}, structure.topology.subset(heavy))
        writer.append(np.repeat(structure.xyz[:1, heavy] * 10.0, 3, axis=0))
        print("appended", flush=True)
        sys.stdin.read()
    """)
    process = subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "appended"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    partial = load_any(partial_path_for(path), topology_path_for(path))
    assert partial.n_frames == 3
    assert not path.exists()


def test_closing_without_frames_leaves_no_files(tmp_path, protein):
    topology, _ = protein
    with open_writer(tmp_path / "run.dcd", topology):
        pass
    assert os.listdir(tmp_path) == []


def test_appending_after_close_is_refused(tmp_path, protein):
    topology, frames = protein
    writer = open_writer(tmp_path / "run.pdb", topology)
    writer.append(frames[0])
    writer.close()
    writer.close()
    with pytest.raises(TrajectoryWriteError, match="already closed"):
        writer.append(frames[1])
    assert writer.frames_written == 1


def test_batch_with_nan_is_refused_whole_and_earlier_frames_stay(tmp_path, protein):
    topology, frames = protein
    bad = frames[1:4].copy()
    bad[1, 5, 2] = np.nan
    with open_writer(tmp_path / "run.xtc", topology) as writer:
        writer.append(frames[0])
        with pytest.raises(TrajectoryWriteError, match="Frame 1 of this batch holds NaN"):
            writer.append(bad)
        assert writer.frames_written == 1
    assert load_any(str(tmp_path / "run.xtc"), str(tmp_path / "run.pdb")).n_frames == 1


def test_existing_output_is_refused_when_overwrite_is_false(tmp_path, protein):
    topology, _ = protein
    (tmp_path / "run.dcd").write_bytes(b"earlier result")
    with pytest.raises(TrajectoryWriteError, match="already exists"):
        open_writer(tmp_path / "run.dcd", topology, overwrite=False)
    assert (tmp_path / "run.dcd").read_bytes() == b"earlier result"


def test_existing_output_is_replaced_at_close_by_default(tmp_path, protein):
    topology, frames = protein
    (tmp_path / "run.pdb").write_text("earlier result\n")
    with open_writer(tmp_path / "run.pdb", topology) as writer:
        writer.append(frames[:2])
    assert mdtraj.load(str(tmp_path / "run.pdb")).n_frames == 2


def test_leftover_partial_file_of_an_earlier_run_is_replaced(tmp_path, protein):
    topology, frames = protein
    (tmp_path / ".run.part.dcd").write_bytes(b"left by a killed run")
    with open_writer(tmp_path / "run.dcd", topology) as writer:
        writer.append(frames[:2])
    assert load_any(str(tmp_path / "run.dcd"), str(tmp_path / "run.pdb")).n_frames == 2
    assert not (tmp_path / ".run.part.dcd").exists()


def test_close_from_another_thread_stops_a_worker_and_keeps_its_frames(tmp_path, protein):
    topology, frames = protein
    writer = open_writer(tmp_path / "run.dcd", topology)
    started, refused = threading.Event(), []

    def worker() -> None:
        for index in itertools.count():  # until the writer is closed
            try:
                writer.append(frames[index % 5])
            except TrajectoryWriteError:
                refused.append(index)
                return
            started.set()

    thread = threading.Thread(target=worker)
    thread.start()
    started.wait()
    writer.close()
    thread.join()
    assert refused and refused[0] == writer.frames_written
    assert load_any(str(tmp_path / "run.dcd"), str(tmp_path / "run.pdb")).n_frames == writer.frames_written


def test_a_folder_is_refused_as_output_name(tmp_path, protein):
    topology, _ = protein
    (tmp_path / "run.dcd").mkdir()
    with pytest.raises(TrajectoryWriteError, match="is a folder"):
        open_writer(tmp_path / "run.dcd", topology)


def test_result_path_follows_the_frames_from_partial_file_to_output(tmp_path, protein):
    topology, frames = protein
    writer = open_writer(tmp_path / "run.xtc", topology)
    writer.append(frames[0])
    assert writer.result_path == writer.partial_path
    writer.close()
    assert writer.result_path == writer.path == str(tmp_path / "run.xtc")


def test_result_path_is_none_when_no_frame_was_kept(tmp_path, protein):
    topology, _ = protein
    writer = open_writer(tmp_path / "run.xtc", topology)
    writer.close()
    assert writer.result_path is None
