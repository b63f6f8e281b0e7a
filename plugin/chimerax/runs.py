"""ChimeraX side of a trajgen run: the output model, frames streamed in as coordinate sets.

A `ChimeraXRun` is the shared `trajgen.ui.runs.ViewerRun` (LiveRun worker, delivery bookkeeping,
the panel's plot numbers) plus the new AtomicStructure it fills. The worker wakes the main
thread with ``session.ui.thread_safe``; frames become coordinate sets there, in time order.
Closing the input or output model stops the run; stopping keeps every frame made so far.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from trajgen.ui.runs import RunRegistry, ViewerRun


def registry(session) -> RunRegistry:
    """The session's runs, keyed by input model ("#1"); `RunRegistry.get` also finds the output."""
    if not hasattr(session, "_trajgen_runs"):
        session._trajgen_runs = RunRegistry()
    return session._trajgen_runs


def run_for(session, structure) -> ChimeraXRun | None:
    """The run whose output is ``structure``, or the last run whose input it is; None if neither."""
    runs = registry(session).every_run()
    for run in runs:
        if structure is run.output:
            return run
    for run in runs:
        if structure in (run.input, run.output):
            return run
    return None


class ChimeraXRun(ViewerRun):
    """One generation: input structure, output model, and the LiveRun feeding it.

    Args:
        session: ChimeraX session.
        structure: the input AtomicStructure.
        protein: the trajgen Protein made from it.
        request, backend, notes: from `trajgen.engine.live.plan_run` (validated before any model opens).
    """

    def __init__(self, session, structure, protein, request, backend, notes=()):
        from trajgen.engine.live import LiveRun

        live = LiveRun(protein, request, backend, on_frame=lambda: session.ui.thread_safe(self.drain),
                       on_end=lambda: session.ui.thread_safe(self.drain))
        super().__init__(f"#{structure.id_string}", "", protein, live, list(notes))
        self.session, self.input = session, structure
        self.output = _new_output_model(session, structure, protein, self.topology)
        self.target = f"#{self.output.id_string}"
        self.order = _atom_order(self.output, protein)  # topology index of each ChimeraX atom
        self._handler = session.triggers.add_handler("remove models", self._models_removed)
        registry(session).add(self)

    def start(self) -> ChimeraXRun:
        self.live.start()
        return self

    def drain(self) -> int:
        """Add the frames made so far as coordinate sets (main thread); log the end once."""
        frames = []
        n = self.deliver(frames.append)
        new = [f for f in frames if f.index > 0]  # frame 0 is the model itself
        if new and not self.output.deleted:
            xyz = np.stack([f.xyz for f in new])[:, self.order].astype(np.float64)
            self.output.add_coordsets(xyz, replace=False)
            self.output.active_coordset_id = int(self.output.coordset_ids[-1])
        message = self.end_message()
        if message is not None:
            self.session.triggers.remove_handler(self._handler)
            log = self.session.logger.error if self.live.state == "failed" else self.session.logger.info
            log(f"trajgen: {message}")
        return n

    def stop(self) -> None:
        self.live.stop()

    def wait(self) -> None:
        """Block until the run ends, then add its frames (nogui scripts: ``wait true``)."""
        self.live.wait()
        self.drain()

    def _models_removed(self, _trigger, models):
        if self.output in models:
            self.abandon(f"its model {self.target} was closed")
        elif self.input in models:
            self.abandon(f"its input {self.structure} was closed")

    def coordinates(self) -> np.ndarray:
        """All frames of the output model in trajgen topology order, (n_frames, n_atoms, 3) Angstrom."""
        xyz = np.stack([self.output.coordset(int(i)).xyzs for i in self.output.coordset_ids])
        out = np.empty_like(xyz)
        out[:, self.order] = xyz
        return out


def _new_output_model(session, structure, protein, topology):
    """A new model beside the input holding the protein heavy atoms (frame 0 = input coordinates)."""
    from chimerax.pdb import open_pdb

    from trajgen.engine.trajio import open_writer

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "frame0.pdb")
        with open_writer(path, topology) as writer:
            writer.append(protein.heavy_atom_xyz(protein.positions))
        with open(path, "rb") as stream:
            models, _status = open_pdb(session, stream, f"{structure.name} trajgen", log_info=False)
    model = models[0]
    model.position = structure.scene_position
    session.models.add([model])
    return model


def _atom_order(model, protein) -> np.ndarray:
    """For each atom of the ChimeraX model, its index in the trajgen topology (residues in order)."""
    names = [protein.atom_names(i) for i in range(protein.n_residues)]
    starts = np.cumsum([0] + [len(n) for n in names])
    index = {(i, name): starts[i] + k for i, residue in enumerate(names) for k, name in enumerate(residue)}
    residue_index = {r: i for i, r in enumerate(model.residues)}
    return np.array([index[(residue_index[a.residue], a.name)] for a in model.atoms], dtype=np.int64)
