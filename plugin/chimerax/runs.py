"""ChimeraX side of a trajgen run: the output model, frames streamed in as coordinate sets.

A `ChimeraXRun` owns one `trajgen.engine.live.LiveRun` (generation in a worker thread) and the
new AtomicStructure it fills. The worker wakes the main thread with ``session.ui.thread_safe``;
frames become coordinate sets there, in time order. Closing the input or output model stops the
run; stopping keeps every frame made so far.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np


def runs(session) -> dict:
    """The session's runs: output model -> ChimeraXRun (most recent last)."""
    if not hasattr(session, "_trajgen_runs"):
        session._trajgen_runs = {}
    return session._trajgen_runs


def run_for(session, structure):
    """The run whose input or output is ``structure``, or None."""
    for r in runs(session).values():
        if structure in (r.input, r.output):
            return r
    return None


class ChimeraXRun:
    """One generation: input structure, output model, the LiveRun feeding it.

    Args:
        session: ChimeraX session.
        structure: the input AtomicStructure.
        protein: the trajgen Protein made from it.
        request, backend: from `trajgen.engine.live.plan_run` (validated here, before any model opens).
    """

    def __init__(self, session, structure, protein, request, backend):
        from trajgen.engine.live import LiveRun

        self.live = LiveRun(protein, request, backend,
                            on_frame=lambda: session.ui.thread_safe(self.drain),
                            on_end=lambda: session.ui.thread_safe(self.finish))
        self.session, self.input, self.protein = session, structure, protein
        self.output = _new_output_model(session, structure, protein)
        self.order = _atom_order(self.output, protein)      # topology index of each ChimeraX atom
        self.frames_shown = 1                               # the output model opens with frame 0
        self.interval_ps = request.interval_ps
        self._handler = session.triggers.add_handler("remove models", self._models_removed)
        self._ended = False
        runs(session)[self.output] = self

    def start(self):
        self.live.start()
        return self

    def drain(self) -> int:
        """Add every queued frame as a coordinate set (main thread); returns how many were added."""
        frames = [f for f in self.live.take_frames() if f.index > 0]  # frame 0 is the model itself
        if not frames or self.output.deleted:
            return 0
        xyz = np.stack([f.xyz for f in frames])[:, self.order].astype(np.float64)
        self.output.add_coordsets(xyz, replace=False)
        self.output.active_coordset_id = int(self.output.coordset_ids[-1])
        self.frames_shown += len(frames)
        return len(frames)

    def finish(self) -> None:
        """Called once the worker ends: take the last frames and log how the run ended."""
        if self._ended:
            return
        self._ended = True
        self.drain()
        self.session.triggers.remove_handler(self._handler)
        live, log = self.live, self.session.logger
        where = f"#{self.output.id_string}" if not self.output.deleted else "(closed model)"
        if live.state == "failed":
            log.error(f"trajgen run on #{self.input.id_string} failed after {self.frames_shown} frames: {live.error}")
        else:
            log.info(f"trajgen run {live.state}: {self.frames_shown} of {live.total_frames} frames in {where} "
                     f"({live.progress().elapsed_s:.1f} s)")

    def stop(self) -> None:
        self.live.stop()

    def wait(self) -> None:
        """Block until the run ends, then add its frames (nogui scripts: ``wait true``)."""
        self.live.wait()
        self.finish()

    def _models_removed(self, _trigger, models):
        if self.input in models or self.output in models:
            self.live.stop()

    def coordinates(self) -> np.ndarray:
        """All frames of the output model in trajgen topology order, (n_frames, n_atoms, 3) Angstrom."""
        ids = self.output.coordset_ids
        xyz = np.stack([self.output.coordset(int(i)).xyzs for i in ids])
        out = np.empty_like(xyz)
        out[:, self.order] = xyz
        return out


def _new_output_model(session, structure, protein):
    """A new model beside the input holding the protein heavy atoms (frame 0 = input coordinates)."""
    from chimerax.pdb import open_pdb

    from trajgen.engine.trajio import open_writer

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "frame0.pdb")
        with open_writer(path, protein.heavy_atom_topology()) as writer:
            writer.append(protein.heavy_atom_xyz(protein.positions))
        with open(path, "rb") as stream:
            models, _status = open_pdb(session, stream, f"{structure.name} trajgen", log_info=False)
    model = models[0]
    model.position = structure.scene_position
    session.models.add([model])
    return model


def _atom_order(model, protein) -> np.ndarray:
    """For each atom of the ChimeraX model, its index in the trajgen topology (residues in order)."""
    top_names = [protein.atom_names(i) for i in range(protein.n_residues)]
    starts = np.cumsum([0] + [len(n) for n in top_names])
    index = {}
    for i, names in enumerate(top_names):
        for k, name in enumerate(names):
            index[(i, name)] = starts[i] + k
    residue_index = {r: i for i, r in enumerate(model.residues)}
    atoms = model.atoms
    return np.array([index[(residue_index[a.residue], a.name)] for a in atoms], dtype=np.int64)
