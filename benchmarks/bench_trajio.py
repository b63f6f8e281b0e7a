"""Throughput of trajgen's streaming trajectory writers, one frame per append().

Usage: python benchmarks/bench_trajio.py [--frames 500] [STRUCTURE.pdb ...]
Prints a Markdown table: format, atoms, frames, microseconds per frame, MB written per second.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import mdtraj
import numpy as np

from trajgen.engine.trajio import open_writer

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")
DEFAULT_STRUCTURES = [
    os.path.join(SHARED, "structures", "pfam40", "1CTF_A.pdb"),
    os.path.join(SHARED, "reference", "lambda_lysozyme_1am7.pdb"),
]


def heavy_atoms(path: str) -> tuple[mdtraj.Topology, np.ndarray]:
    """Heavy-atom topology and coordinates (n_atoms, 3) in Angstrom of the first model."""
    structure = mdtraj.load(path)
    heavy = structure.topology.select("not element H")
    return structure.topology.subset(heavy), structure.xyz[0, heavy] * 10.0


def time_format(extension: str, topology: mdtraj.Topology, xyz: np.ndarray, n_frames: int) -> tuple[float, float]:
    """(microseconds per appended frame including close, MB per second) for one format."""
    frames = xyz + np.random.default_rng(0).normal(scale=0.3, size=(n_frames, *xyz.shape)).astype(np.float32)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"bench{extension}")
        start = time.perf_counter()
        with open_writer(path, topology, timestep_ps=10.0) as writer:
            for frame in frames:
                writer.append(frame)
        elapsed = time.perf_counter() - start
        size_mb = os.path.getsize(path) / 1e6
    return 1e6 * elapsed / n_frames, size_mb / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("structures", nargs="*", default=DEFAULT_STRUCTURES)
    parser.add_argument("--frames", type=int, default=500)
    options = parser.parse_args()
    print("| format | atoms | frames | us/frame | MB/s |")
    print("|---|---|---|---|---|")
    for structure in options.structures:
        topology, xyz = heavy_atoms(structure)
        for extension in (".dcd", ".xtc", ".pdb"):
            per_frame, rate = time_format(extension, topology, xyz, options.frames)
            print(f"| {extension} | {topology.n_atoms} | {options.frames} | {per_frame:.0f} | {rate:.1f} |")


if __name__ == "__main__":
    main()
