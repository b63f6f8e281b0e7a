"""RunTrack: the numbers the panel's live plot shows, accumulated frame by frame (numpy only).

While a run goes: Calpha RMSD to the start structure (A) against simulated time (ps).
When it ends: Calpha RMSF per residue (A) over all frames seen. Each frame is superposed on the
start structure by its Calpha atoms (Kabsch) before either number is taken, so the numbers do not
depend on how the generator placed the frame. Memory stays O(residues): no frame is kept.
"""

from __future__ import annotations

import threading

import numpy as np

from trajgen.engine.geometry.superpose import superpose


class RunTrack:
    """RMSD-vs-time and RMSF-per-residue accumulators for one run.

    Args:
        ca_index: (n_res,) indices of the Calpha atoms in a frame's (n_atoms, 3) xyz.
        residue_labels: (n_res,) labels for the plot's residue axis, e.g. "A:42".
    """

    def __init__(self, ca_index: np.ndarray, residue_labels: list[str]):
        self.ca_index = np.asarray(ca_index, dtype=np.int64)
        self.residue_labels = list(residue_labels)
        self._lock = threading.Lock()
        self._start: np.ndarray | None = None
        self._times: list[float] = []
        self._rmsd: list[float] = []
        self._mean = np.zeros((len(self.ca_index), 3))
        self._m2 = np.zeros(len(self.ca_index))

    @classmethod
    def for_protein(cls, protein, topology=None) -> RunTrack:
        """A track over the Calpha atoms of a `Protein` (frames in ``heavy_atom_topology()`` order).

        Labels are chain:number(insertion code), e.g. "A:52" or "B:100A".
        """
        topology = protein.heavy_atom_topology() if topology is None else topology
        ca_index = np.array([atom.index for atom in topology.atoms if atom.name == "CA"], dtype=np.int64)
        labels = [f"{c}:{n}{i}" for c, n, i in zip(protein.chain_ids, protein.residue_numbers,
                                                   protein.insertion_codes)]
        if len(ca_index) != len(labels):
            raise ValueError(f"{len(ca_index)} Calpha atoms for {len(labels)} residues; every residue needs one.")
        return cls(ca_index, labels)

    def add(self, time_ps: float, xyz: np.ndarray) -> None:
        """Take one frame: ``xyz`` (n_atoms, 3) Angstrom, ``time_ps`` its simulated time."""
        ca = np.asarray(xyz, dtype=np.float64)[self.ca_index]
        with self._lock:
            if self._start is None:
                self._start = ca
            fitted = superpose(ca, self._start) if len(ca) >= 3 else ca
            self._times.append(float(time_ps))
            self._rmsd.append(float(np.sqrt(np.mean(np.sum((fitted - self._start) ** 2, axis=1)))))
            n = len(self._times)
            delta = fitted - self._mean
            self._mean += delta / n
            self._m2 += np.sum(delta * (fitted - self._mean), axis=1)

    @property
    def n_frames(self) -> int:
        return len(self._times)

    def rmsd_series(self) -> tuple[np.ndarray, np.ndarray]:
        """(times (n_frames,) ps, Calpha RMSD to the start (n_frames,) A), copies."""
        with self._lock:
            return np.array(self._times), np.array(self._rmsd)

    def rmsf(self) -> np.ndarray:
        """Calpha RMSF per residue (n_res,) in A over the frames seen (zeros before two frames)."""
        with self._lock:
            n = len(self._times)
            return np.sqrt(self._m2 / n) if n >= 2 else np.zeros(len(self.ca_index))
