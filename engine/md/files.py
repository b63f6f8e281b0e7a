"""Atomic file writes and the per-run file names of a simulation output folder."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunFiles:
    """Paths of one run inside the output folder, all named after ``run_id``."""

    out_dir: Path
    run_id: str

    def _p(self, suffix: str) -> Path:
        return self.out_dir / f"{self.run_id}{suffix}"

    @property
    def prepared_cif(self) -> Path:      # full system after PDBFixer (+ solvent), all atoms, PDBx/mmCIF
        return self._p(".prepared.cif")

    @property
    def topology_pdb(self) -> Path:      # heavy protein atoms, the trajectory's topology
        return self._p(".pdb")

    @property
    def state_xml(self) -> Path:         # checkpoint: OpenMM state after the last finished chunk
        return self._p(".state.xml")

    @property
    def progress_json(self) -> Path:     # chunks done and production wall time so far
        return self._p(".progress.json")

    @property
    def xtc(self) -> Path:               # finished production trajectory (heavy atoms, nm)
        return self._p(".xtc")

    @property
    def row_json(self) -> Path:          # manifest row; its presence marks a finished run
        return self._p(".row.json")

    def part(self, index: int) -> Path:
        return self._p(f".part{index:05d}.xtc")


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so readers never see half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(tmp, mode) as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_json_atomic(path: Path, obj: dict) -> None:
    write_atomic(path, json.dumps(obj, indent=1, sort_keys=True) + "\n")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
