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
given backend. No torch import here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from trajgen.engine.errors import GenerationError
from trajgen.engine.rollout.hierarchical import HierarchicalRollout, HierarchyConfig
from trajgen.engine.rollout.memory import available_host_bytes, max_residues, rollout_bytes
from trajgen.engine.rollout.protein_state import frames_to_atoms, protein_context, superpose
from trajgen.engine.rollout.single import rollout
from trajgen.engine.rollout.stepper import FrameSampler

GENERATORS = ("model", "enm")
MODES = ("auto", "single", "hierarchical")


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
    #                                     window - 1, the goal distance a window of window frames trains)
    parallel_segments: int = 4      # hierarchical: fine segments sampled together

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


def validate_request(request: GenerationRequest, config=None) -> None:
    """Raise ``GenerationError`` for requests that cannot run (``config``: the model's ModelConfig)."""
    if request.generator not in GENERATORS:
        raise GenerationError(f"Unknown generator {request.generator!r}; choose one of {', '.join(GENERATORS)}.")
    if request.mode not in MODES:
        raise GenerationError(f"Unknown rollout mode {request.mode!r}; choose one of {', '.join(MODES)}.")
    if not (request.interval_ps > 0 and request.length_ps > 0):
        raise GenerationError("Length and output interval must both be positive.")
    if request.interval_ps > request.length_ps:
        raise GenerationError(f"The output interval ({request.interval_ps:g} ps) is longer than the trajectory "
                              f"({request.length_ps:g} ps); choose an interval no longer than the length.")
    ratio = request.length_ps / request.interval_ps
    if abs(ratio - round(ratio)) > 1e-6 * ratio:
        raise GenerationError(f"The length ({request.length_ps:g} ps) is not a whole number of output intervals "
                              f"({request.interval_ps:g} ps); adjust one of them.")
    if config is None:
        return
    if not config.temperature_min_K <= request.temperature_K <= config.temperature_max_K:
        raise GenerationError(f"The model was trained between {config.temperature_min_K:g} K and "
                              f"{config.temperature_max_K:g} K; {request.temperature_K:g} K is outside that range.")
    if not config.dt_min_ps <= request.interval_ps <= config.dt_max_ps:
        raise GenerationError(f"The model was trained on strides between {config.dt_min_ps:g} ps and "
                              f"{config.dt_max_ps:g} ps; an output interval of {request.interval_ps:g} ps is "
                              "outside that range.")


def check_memory(config, n_res: int, batch: int, available: int | None = None) -> None:
    """Refuse, before starting, a protein whose rollout would not fit in free memory.

    ``available``: free bytes of the compute device (a GPU); None checks the host's free memory.
    """
    available = available_host_bytes() if available is None else available
    if available is None:
        return
    need = rollout_bytes(config, n_res, batch)
    if need > available:
        raise GenerationError(
            f"A {n_res}-residue protein needs about {need / 2**30:.1f} GiB for generation, but only "
            f"{available / 2**30:.1f} GiB is free; the largest protein that fits is about "
            f"{max_residues(config, batch, available)} residues (fewer parallel segments lower the need).")


class TrajectoryGenerator:
    """Iterable of ``TrajectoryFrame`` for one protein and request; progress and cancel are thread-safe.

    backend: a denoiser backend (``trajgen.engine.backends.select.load_backend``), required for the
    learned model and ignored by the ``enm`` baseline.
    """

    def __init__(self, protein, request: GenerationRequest, backend=None):
        config = backend.config if (backend is not None and request.generator == "model") else None
        if request.generator == "model" and backend is None:
            raise GenerationError("The learned model needs a backend (a loaded checkpoint); see load_backend.")
        validate_request(request, config)
        self.protein, self.request, self.backend = protein, request, backend
        self.total = request.n_steps + 1
        if config is not None:
            free = getattr(backend, "free_memory_bytes", lambda: None)()
            check_memory(config, len(protein.aatype), self._batch(), free)
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._done, self._started = 0, None
        self.seam_rmsd_A: list[float] = []

    def _hierarchy(self) -> HierarchyConfig | None:
        """The hierarchy used, or None for a single-level rollout."""
        req, cfg = self.request, self.backend.config
        fine = min(req.fine_per_coarse or max(2, cfg.window - 1), int(cfg.dt_max_ps // req.interval_ps))
        possible = fine >= 2 and req.n_steps >= 2 * fine
        if req.mode == "hierarchical" and not possible:
            raise GenerationError("A hierarchical rollout needs at least two coarse strides within the model's "
                                  f"stride range (up to {cfg.dt_max_ps:g} ps); use the single-level mode.")
        if req.mode == "single" or not possible:
            return None
        return HierarchyConfig(fine_per_coarse=fine, parallel_segments=req.parallel_segments)

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
        fine = FrameSampler(self.backend, context, self.backend.flow, req.interval_ps, req.temperature_K)
        hierarchy = self._hierarchy()
        if hierarchy is None:
            frames = rollout(fine, start, req.n_steps, req.seed)
        else:
            coarse = FrameSampler(self.backend, context, self.backend.flow,
                                  req.interval_ps * hierarchy.fine_per_coarse, req.temperature_K)
            hier = HierarchicalRollout(coarse, fine, hierarchy)
            self.seam_rmsd_A = hier.seam_rmsd_A
            frames = (f for _, f in hier.frames(start, req.n_steps, req.seed))
        mask = np.asarray(protein.mask, bool)
        for f in frames:
            yield superpose(frames_to_atoms(protein, f), reference, mask)[0]
