"""Network configuration: one dataclass and named size presets.

This module imports no torch, so the numpy-side sampler and the ONNX Runtime backend can read
a checkpoint's configuration on machines without PyTorch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any


TEMPORAL_KINDS = ("factorized", "joint")


@dataclass(frozen=True)
class ModelConfig:
    """Size and conditioning ranges of the spatio-temporal denoiser.

    Attributes are grouped: widths, attention, geometry features, temporal context, and the
    physical ranges the model was trained on (checked by the streaming API before sampling).
    """

    # widths
    d_model: int = 256          # per-residue token width
    n_blocks: int = 4           # (IPA in frame -> attention over past frames -> transition) blocks
    n_heads: int = 8            # heads of both attentions
    d_cond: int = 128           # width of the (diffusion time, log stride, temperature) embedding
    transition_mult: int = 2    # hidden width of the per-residue MLP, in units of d_model
    # invariant point attention
    n_query_points: int = 4     # query/key points per head
    n_value_points: int = 4     # value points per head
    # pair features from the current geometry
    d_pair: int = 32            # pair-feature width (RBF of CA distances, directions, sequence offset)
    n_rbf: int = 16             # radial basis functions between 2 and 22 Angstrom
    max_rel_pos: int = 32       # sequence offsets are clipped to +-max_rel_pos
    # space: which residues attend to which
    neighbors: int = 0          # 0: all pairs (cost ~ L^2); K > 0: the K nearest by CA (cost ~ L K)
    temporal: str = "factorized"  # "factorized": a residue attends to itself in other frames;
                                # "joint": to its spatial neighbours in other frames (needs neighbors > 0)
    temporal_neighbors: int = 8   # joint: the nearest this many of the ``neighbors`` (itself first)
    # temporal context (KV cache)
    window: int = 8             # past frames kept in the sliding window (at most what training showed)
    n_anchor: int = 1           # earliest frames kept for good (the input structure)
    train_frames: int = 8       # frames per training window (DataConfig.n_frames), written by training
    # scales of the state (Angstrom)
    trans_scale_A: float = 4.0  # local translations are divided by this before entering the network
    # ranges seen in training, for input validation
    dt_min_ps: float = 10.0
    dt_max_ps: float = 10000.0
    temperature_min_K: float = 280.0
    temperature_max_K: float = 450.0

    @property
    def d_head(self) -> int:
        """Width of one attention head."""
        return self.d_model // self.n_heads

    def __post_init__(self) -> None:
        if self.temporal not in TEMPORAL_KINDS:
            raise ValueError(f"temporal must be one of {', '.join(TEMPORAL_KINDS)}, not {self.temporal!r}.")
        if self.temporal == "joint" and not 1 <= self.temporal_neighbors <= self.neighbors:
            raise ValueError("Joint spatio-temporal attention needs 1 <= temporal_neighbors <= neighbors.")
        if self.train_frames < 2:
            raise ValueError("train_frames must be at least 2.")

    @property
    def context_window(self) -> int:
        """Past frames the cache keeps besides the anchors: never more than a training window showed.

        The last frame of a ``train_frames`` window sees ``train_frames - 1`` earlier frames, the
        anchors among them; inference keeps the same number (``n_anchor + context_window``).
        """
        return max(1, min(self.window, self.train_frames - 1 - self.n_anchor))

    @property
    def max_offset(self) -> int:
        """Largest frame offset (query - key) of a training window; larger offsets are clamped to it."""
        return self.train_frames - 1

    @property
    def n_slots(self) -> int:
        """Temporal context slots: anchors + sliding window + one goal anchor (hierarchical rollout)."""
        return self.n_anchor + self.context_window + 1

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON-serialisable) of every field."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "ModelConfig":
        """Rebuild from ``to_dict`` output; unknown keys (from newer versions) are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


PRESETS: dict[str, ModelConfig] = {
    # unit tests: a few thousand parameters, runs in milliseconds
    "tiny": ModelConfig(d_model=32, n_blocks=2, n_heads=4, d_cond=16, d_pair=8, n_rbf=8,
                        n_query_points=2, n_value_points=2, max_rel_pos=8, window=4),
    # quick experiments
    "small": ModelConfig(d_model=128, n_blocks=3, n_heads=8, d_cond=64, d_pair=16),
    # trained on one CPU core (docs/configs/cpu.toml): 6-frame windows, so the cache holds the
    # anchor + 4 past frames, exactly what a training window shows its last frame. Joint
    # attention: IPA over the 24 nearest residues, time attention over the 8 nearest in every
    # visible frame (joint spatio-temporal); cost linear in protein size.
    "cpu": ModelConfig(d_model=128, n_blocks=3, n_heads=4, d_cond=64, d_pair=16, n_rbf=16, window=4,
                       neighbors=24, temporal="joint", train_frames=6, dt_min_ps=1.0, dt_max_ps=1000.0),
    # the same widths with all-pairs IPA and per-residue time attention: the comparison baseline
    "cpu-factorized": ModelConfig(d_model=128, n_blocks=3, n_heads=4, d_cond=64, d_pair=16, n_rbf=16, window=4,
                                  train_frames=6, dt_min_ps=1.0, dt_max_ps=1000.0),
    # the shipped size, picked for >= 5 frames/s at 100 residues on 2 CPU cores
    "default": ModelConfig(),
    # closer to STAR-MD's width, for GPUs
    "large": ModelConfig(d_model=384, n_blocks=6, n_heads=12, d_cond=128, d_pair=48, window=12),
}


def preset(name: str, **overrides: Any) -> ModelConfig:
    """A named preset (``tiny``, ``small``, ``default``, ``large``) with optional field overrides."""
    if name not in PRESETS:
        raise KeyError(f"Unknown model preset {name!r}; choose one of {', '.join(PRESETS)}.")
    return replace(PRESETS[name], **overrides)
