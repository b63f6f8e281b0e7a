"""Streaming trajectory generation: one object, frames in time order as soon as each is final.

    gen = TrajectoryGenerator(protein, GenerationRequest(length_ps=10_000, interval_ps=100), backend)
    for frame in gen:              # frame.index, frame.time_ps, frame.positions (L, 15, 3) A, frame.xyz
        ...
    gen.progress()                 # Progress(done, total, elapsed_s, eta_s), thread-safe
    gen.cancel()                   # from any thread; iteration stops before the next frame

Frame 0 is the input structure (t = 0); frames 1..n follow every ``interval_ps`` up to
``length_ps``: n + 1 frames in all. Every frame is superposed on the input structure. The
``generator`` is the learned model (``"model"``, needs a backend) or the elastic-network
Langevin baseline (``"enm"``, ``trajgen.engine.baselines.enm``). Deterministic for a seed on a
given backend. No torch import here. Making the generator asks ``trajgen.engine.run_limits.check_run``
whether the run may go (frame limit, temperature, memory, and the ``sink``'s file or viewer memory),
so nothing is written or opened for a run that is refused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from trajgen.engine.errors import GenerationError
from trajgen.engine.rollout.hierarchical import HierarchicalRollout, HierarchyConfig
from trajgen.engine.run_choices import MODES  # noqa: F401 (re-exported)
from trajgen.engine.run_limits import RunLimits, Sink, check_memory, check_run, validate_request  # noqa: F401
from trajgen.engine.rollout.protein_state import frames_to_atoms, protein_context, superpose
from trajgen.engine.rollout.relax import RelaxConfig, Relaxer
from trajgen.engine.rollout.single import rollout
from trajgen.engine.rollout.stepper import FrameSampler

GENERATORS = ("model", "enm")  # what runs; "auto" (trajgen.engine.run_choices) is resolved by plan_run


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate: total length and output interval (ps), temperature (K), seed, method."""

    length_ps: float
    interval_ps: float
    temperature_K: float = 300.0
    seed: int = 0
    generator: str = "model"        # "model" or "enm"
    mode: str = "auto"              # "auto", "single" or "hierarchical" (model only)
    fine_per_coarse: int | None = None  # hierarchical: output frames per coarse stride (None: the model's
    #                                     max_offset = train_frames - 1, the goal distance training used)
    parallel_segments: int = 4      # hierarchical: fine segments sampled together
    levels: int | None = None       # hierarchical: levels, the output's included (None: as many as the
    #                                 model's stride range and the length allow; 2: one coarse level)
    relax: bool = True              # model: rigid-residue relaxation of every frame (rollout.relax)

    @property
    def n_steps(self) -> int:
        """Number of generated frames after the input (length / interval)."""
        return int(round(self.length_ps / self.interval_ps))


@dataclass(frozen=True)
class Progress:
    """Frames done out of total (input included), seconds since start, estimated seconds left."""

    done: int
    total: int
    elapsed_s: float
    eta_s: float | None


@dataclass(frozen=True)
class TrajectoryFrame:
    """One output frame: positions (L, 15, 3) float32 A in the Protein's slot layout, and
    xyz (n_atoms, 3) the same atoms flattened in ``Protein.heavy_atom_topology()`` order."""

    index: int
    time_ps: float
    positions: np.ndarray
    xyz: np.ndarray


class TrajectoryGenerator:
    """Iterable of ``TrajectoryFrame`` for one protein and request; progress and cancel are thread-safe.

    backend: a denoiser backend (``trajgen.engine.backends.select.load_backend``), required for the
    learned model and ignored by the ``enm`` baseline. sink: where the frames go (a file, a viewer's
    memory), checked with the run; limits: None reads ``RunLimits.from_env()``.
    """

    def __init__(self, protein, request: GenerationRequest, backend=None, sink: Sink = Sink(),
                 limits: RunLimits | None = None):
        config = backend.config if (backend is not None and request.generator == "model") else None
        if request.generator == "model" and backend is None:
            raise GenerationError("The learned model needs a backend (a loaded checkpoint); see load_backend.")
        self.protein, self.request, self.backend = protein, request, backend
        free = getattr(backend, "free_memory_bytes", lambda: None)() if config is not None else None
        self.estimate = check_run(protein, request, config, sink, limits, free, self._batch())
        self.total = request.n_steps + 1
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._done, self._started = 0, None
        self.seam_rmsd_A: list[float] = []

    def _hierarchy(self) -> HierarchyConfig | None:
        """The hierarchy's shape, or None for a single-level rollout (levels: ``level_strides_ps``)."""
        req, cfg = self.request, self.backend.config
        # default: the goal anchor as far ahead as training placed it (the window's last frame)
        fine = min(req.fine_per_coarse or max(2, cfg.max_offset), int(cfg.dt_max_ps // req.interval_ps))
        possible = fine >= 2 and req.n_steps >= 2 * fine
        if req.mode == "hierarchical" and not possible:
            raise GenerationError("A hierarchical rollout needs at least two coarse strides within the model's "
                                  f"stride range (up to {cfg.dt_max_ps:g} ps); use the single-level mode.")
        if req.mode == "single" or not possible:
            return None
        return HierarchyConfig(fine_per_coarse=fine, parallel_segments=req.parallel_segments)

    def level_strides_ps(self) -> list[float]:
        """Strides (ps) of the rollout's levels, finest (the output interval) first; one entry when single.

        A level k (stride interval * m^k) is added while it stays within the model's stride range
        and the level below it still spans at least two of its strides; ``request.levels`` caps it.
        """
        req, hierarchy = self.request, self._hierarchy()
        if hierarchy is None:
            return [req.interval_ps]
        m, cfg = hierarchy.fine_per_coarse, self.backend.config
        cap = req.levels if req.levels is not None else 1 << 30
        if cap < 2:
            raise GenerationError("A hierarchical rollout has at least two levels (the output and one coarse).")
        strides = [req.interval_ps, req.interval_ps * m]
        while (len(strides) < cap and strides[-1] * m <= cfg.dt_max_ps + 1e-9
               and req.n_steps >= 2 * m ** len(strides)):
            strides.append(strides[-1] * m)
        return strides

    def _batch(self) -> int:
        return self.request.parallel_segments if self.request.mode != "single" else 1

    def cancel(self) -> None:
        """Ask the generation to stop; the iteration ends before the next frame."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def progress(self) -> Progress:
        """Frames done / total, elapsed seconds and a linear ETA (None before the first model frame)."""
        with self._lock:
            done, started = self._done, self._started
        elapsed = 0.0 if started is None else time.monotonic() - started
        eta = elapsed / (done - 1) * (self.total - done) if done > 1 else None
        return Progress(done, self.total, elapsed, eta)

    def __iter__(self) -> Iterator[TrajectoryFrame]:
        with self._lock:
            self._started, self._done = time.monotonic(), 0
        source = self._enm_positions() if self.request.generator == "enm" else self._model_positions()
        for index, positions in enumerate(source):
            if self._cancel.is_set():
                return
            frame = TrajectoryFrame(index, index * self.request.interval_ps, positions,
                                    self.protein.heavy_atom_xyz(positions))
            with self._lock:
                self._done = index + 1
            yield frame
            if index + 1 >= self.total:
                return

    def _enm_positions(self) -> Iterator[np.ndarray]:
        from trajgen.engine.baselines.enm import enm_trajectory

        req = self.request
        yield from enm_trajectory(self.protein, self.total, req.interval_ps, req.temperature_K, req.seed)

    def _model_positions(self) -> Iterator[np.ndarray]:
        """Input positions, then model frames rebuilt to atoms and superposed on the input."""
        req, protein = self.request, self.protein
        context, start = protein_context(protein)
        reference = np.asarray(protein.positions, np.float32)
        yield reference.copy()
        relax = Relaxer(protein.aatype, protein.chain_end, context.residue_index, start,
                        RelaxConfig(enabled=req.relax))
        samplers = [FrameSampler(self.backend, context, self.backend.flow, dt, req.temperature_K, relax)
                    for dt in self.level_strides_ps()]
        if len(samplers) == 1:
            frames = rollout(samplers[0], start, req.n_steps, req.seed)
        else:
            hier = HierarchicalRollout.nested(samplers, self._hierarchy())
            self.seam_rmsd_A = hier.seam_rmsd_A
            frames = (f for _, f in hier.frames(start, req.n_steps, req.seed))
        mask = np.asarray(protein.mask, bool)
        for f in frames:
            yield superpose(frames_to_atoms(protein, f), reference, mask)[0]
