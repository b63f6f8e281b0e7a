"""Disk full, file too large, read-only and permission errors, produced for real in a child process.

Each case runs a small writer script in a subprocess under a real limit: a file-size rlimit
(EFBIG), a tiny tmpfs in a private mount namespace (ENOSPC, EROFS), or a folder without write
permission with root's override capability dropped (EACCES). The parent then re-opens what
was left with mdtraj. Cases whose mechanism this machine does not allow are skipped, saying why.
"""

from __future__ import annotations

import errno
import json
import os
import shlex
import shutil
import subprocess
import sys

import mdtraj
import numpy as np
import pytest
from conftest import PFAM40

from trajgen.engine.trajio import partial_path_for, topology_path_for
from trajgen.engine.trajio.failures import describe_os_error

STRUCTURE = str(PFAM40 / "1GUU_A.pdb")
N_RESIDUES = 10  # a small topology keeps every file a few kilobytes

CHILD = """
import json, os, resource, signal, sys
import mdtraj, numpy as np
from trajgen.engine.errors import TrajectoryWriteError
from trajgen.engine.trajio import open_writer
from trajgen.engine.trajio.xtc import XTCFrameEncoder

job = json.loads(sys.argv[1])
structure = mdtraj.load(job["structure"])
atoms = structure.topology.select(f"not element H and resid < {job['n_residues']}")
xyz = structure.xyz[0, atoms] * 10.0
frames = xyz + np.arange(job["n_frames"], dtype=np.float32)[:, None, None] * 0.01
XTCFrameEncoder.SCRATCH_LIMIT_BYTES = job.get("xtc_scratch_limit", 1_000_000)
if job.get("file_size_limit"):
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (job["file_size_limit"],) * 2)
result = {"error": None}
try:
    with open_writer(job["path"], structure.topology.subset(atoms)) as writer:
        for index, frame in enumerate(frames):
            writer.append(frame)
            if index == 0 and job.get("lock_folder_after_first_frame"):
                os.chmod(os.path.dirname(job["path"]), 0o555)
except TrajectoryWriteError as error:
    result = {"error": str(error), "path": error.path, "frames_written": error.frames_written}
print(json.dumps(result))
"""


def run_child(job: dict, prefix: list[str] | None = None, shell_around: str | None = None) -> dict:
    """Run the writer script; ``shell_around`` is a sh command with ``{run}`` where it goes."""
    job = {"structure": STRUCTURE, "n_residues": N_RESIDUES, **job}
    command = [*(prefix or []), sys.executable, "-c", CHILD, json.dumps(job)]
    if shell_around is not None:
        runner = shlex.join(command)
        command = ["unshare", "-m", "sh", "-c", shell_around.format(run=runner)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def expected_frames(n_frames: int) -> np.ndarray:
    """The child's frames (n_frames, n_atoms, 3) in Angstrom."""
    structure = mdtraj.load(STRUCTURE)
    atoms = structure.topology.select(f"not element H and resid < {N_RESIDUES}")
    steps = np.arange(n_frames, dtype=np.float32)[:, None, None] * 0.01
    return structure.xyz[0, atoms] * 10.0 + steps


def load_pair(path: str) -> mdtraj.Trajectory:
    topology_pdb = topology_path_for(path)
    return mdtraj.load(path) if topology_pdb is None else mdtraj.load(path, top=topology_pdb)


def mount_namespaces_work(tmp_path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    done = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=4k tmpfs {probe}"],
                          capture_output=True)
    probe.rmdir()
    return shutil.which("unshare") is not None and done.returncode == 0


def unprivileged_prefix(tmp_path) -> list[str] | None:
    """A command prefix under which a folder's missing write permission is enforced, or None."""
    prefix = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            return None
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    locked = tmp_path / "probe"
    locked.mkdir()
    locked.chmod(0o555)
    done = subprocess.run([*prefix, sys.executable, "-c", f"open({str(locked / 'x')!r}, 'w')"],
                          capture_output=True, text=True)
    locked.chmod(0o755)
    locked.rmdir()
    return prefix if "PermissionError" in done.stderr else None


@pytest.mark.parametrize("extension", [".dcd", ".xtc", ".pdb"])
def test_file_size_limit_leaves_a_valid_file_of_the_complete_frames(tmp_path, extension):
    path = str(tmp_path / f"run{extension}")
    job = {"path": path, "n_frames": 100, "file_size_limit": 16384, "xtc_scratch_limit": 4096}
    result = run_child(job)
    assert "largest size allowed" in result["error"]
    assert result["path"] == path
    assert 0 < result["frames_written"] < 100
    assert f"holds the {result['frames_written']} frames written before" in result["error"]
    trajectory = load_pair(path)
    assert trajectory.n_frames == result["frames_written"]
    expected = expected_frames(trajectory.n_frames)
    np.testing.assert_allclose(trajectory.xyz * 10.0, expected, atol=5.1e-3)


def test_file_size_limit_cuts_a_dcd_back_to_its_last_complete_frame(tmp_path):
    path = str(tmp_path / "run.dcd")
    result = run_child({"path": path, "n_frames": 40, "file_size_limit": 16384})
    n_atoms = load_pair(path).n_atoms
    header_size, frame_size = 276, 3 * (4 * n_atoms + 8)
    assert result["frames_written"] == (16384 - header_size) // frame_size
    assert os.path.getsize(path) == header_size + result["frames_written"] * frame_size


def test_failing_xtc_scratch_file_is_reported_and_keeps_the_written_frames(tmp_path):
    path = str(tmp_path / "run.xtc")
    job = {"path": path, "n_frames": 100, "file_size_limit": 16384, "xtc_scratch_limit": 10**6}
    result = run_child(job)
    assert "in the temporary folder" in result["error"]
    assert 0 < result["frames_written"] < 100
    assert load_pair(path).n_frames == result["frames_written"]


@pytest.mark.parametrize("extension", [".dcd", ".xtc", ".pdb"])
def test_full_disk_leaves_a_valid_file_of_the_complete_frames(tmp_path, extension):
    if not mount_namespaces_work(tmp_path):
        pytest.skip("this machine does not allow a private tmpfs mount (needs CAP_SYS_ADMIN)")
    disk, kept = tmp_path / "disk", tmp_path / "kept"
    disk.mkdir()
    kept.mkdir()
    shell = f"mount -t tmpfs -o size=32k tmpfs {disk} && {{run}} && cp -a {disk}/. {kept}/"
    result = run_child({"path": str(disk / f"run{extension}"), "n_frames": 200}, shell_around=shell)
    assert "the disk is full" in result["error"]
    assert 0 < result["frames_written"] < 200
    trajectory = load_pair(str(kept / f"run{extension}"))
    assert trajectory.n_frames == result["frames_written"]
    np.testing.assert_allclose(trajectory.xyz * 10.0, expected_frames(trajectory.n_frames), atol=5.1e-3)


def test_read_only_file_system_is_reported_before_any_frame(tmp_path):
    if not mount_namespaces_work(tmp_path):
        pytest.skip("this machine does not allow a private tmpfs mount (needs CAP_SYS_ADMIN)")
    disk = tmp_path / "disk"
    disk.mkdir()
    shell = f"mount -t tmpfs -o ro,size=16k tmpfs {disk} && {{run}}"
    result = run_child({"path": str(disk / "run.xtc"), "n_frames": 3}, shell_around=shell)
    assert "Cannot create the trajectory file" in result["error"]
    assert "the file system is read-only" in result["error"]
    assert result["path"] is None and result["frames_written"] == 0


def test_folder_without_write_permission_is_reported_before_any_frame(tmp_path):
    prefix = unprivileged_prefix(tmp_path)
    if prefix is None:
        pytest.skip("folder permissions are not enforced for this user (root without setpriv)")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = run_child({"path": str(locked / "run.dcd"), "n_frames": 3}, prefix=prefix)
    finally:
        locked.chmod(0o755)
    assert "permission was denied" in result["error"]
    assert result["frames_written"] == 0
    assert os.listdir(locked) == []


def test_failed_rename_at_close_names_the_partial_file_that_holds_the_frames(tmp_path):
    prefix = unprivileged_prefix(tmp_path)
    if prefix is None:
        pytest.skip("folder permissions are not enforced for this user (root without setpriv)")
    folder = tmp_path / "run"
    folder.mkdir()
    path = str(folder / "run.dcd")
    try:
        result = run_child({"path": path, "n_frames": 4, "lock_folder_after_first_frame": True},
                           prefix=prefix)
    finally:
        folder.chmod(0o755)
    assert "Finishing the trajectory" in result["error"] and "permission was denied" in result["error"]
    assert result["path"] == partial_path_for(path) and result["frames_written"] == 4
    assert mdtraj.load(result["path"], top=topology_path_for(path)).n_frames == 4


def test_os_errors_are_described_in_words():
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert describe_os_error(full) == f"the disk is full ({os.strerror(errno.ENOSPC)})"
    odd = OSError(errno.ENXIO, os.strerror(errno.ENXIO))
    assert describe_os_error(odd) == os.strerror(errno.ENXIO)
