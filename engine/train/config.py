"""``TrainConfig``: everything a training run needs, read from a TOML or JSON file (never executed).

The file has one table per section; every key is a field of that section's dataclass:

    [data]   cache_dir, sources to featurize first, the validation split, window shape
    [model]  preset = "tiny" | "small" | "default" | "large", plus any ``ModelConfig`` field
    [flow]   ``FlowConfig`` fields (noise scales, saved with the checkpoint)
    [loss]   ``LossConfig`` fields (term weights, history noise, goal share)
    [optim]  batch size, steps, AdamW, warm-up + cosine schedule, clipping, EMA
    [run]    output folder, seed, device, precision, logging/validation/checkpoint intervals, resume

Units: times in picoseconds, lengths in Angstrom, temperatures in kelvin. Unknown keys and
wrong types are refused with a message naming the key, so a typo never trains silently with
a default. Relative paths in the file are taken relative to the file's folder.
"""

from __future__ import annotations

import json
import tomllib
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from trajgen.engine.errors import TrainingError
from trajgen.engine.flow.loss import LossConfig
from trajgen.engine.flow.process import FlowConfig
from trajgen.engine.model.config import PRESETS, ModelConfig

PATH_FIELDS = {"cache_dir", "manifests", "atlas", "mdcath", "public_md", "synthetic", "split_file", "heldout_fasta",
               "out_dir"}


@dataclass(frozen=True)
class DataConfig:
    """Where the windows come from and which proteins validate.

    The split is the first of: ``split_file`` (JSON of ``trajgen data split``: "train" and "val"
    protein names), ``val_proteins`` (these validate, every other protein trains), or an identity
    split of the cached sequences against ``heldout_fasta`` (``splits.split_by_identity``).
    """

    cache_dir: str = "cache"                  # featurized trajectories (.npz), see docs/data.md
    manifests: tuple[str, ...] = ()           # trajgen simulation folders to featurize into cache_dir first
    atlas: tuple[str, ...] = ()               # ATLAS folders to featurize first
    mdcath: tuple[str, ...] = ()              # mdCATH .h5 files, or folders of them, to featurize first
    mdcath_temperatures_K: tuple[float, ...] = ()   # mdCATH temperatures to use (empty: all)
    public_md: tuple[str, ...] = ()           # shared/data/public_md folders (all-atom systems) to featurize first
    max_frames: int | None = None             # frames kept per replica when featurizing
    split_file: str | None = None
    val_proteins: tuple[str, ...] = ()
    heldout_fasta: str | None = None
    identity_threshold: float = 0.40
    val_fraction: float = 0.10
    n_frames: int = 8                         # frames per training window (the first is context only)
    crop_residues: int = 256                  # longer proteins are cropped to a random stretch
    min_stride_ps: float = 10.0               # window strides drawn log-uniformly in this range
    max_stride_ps: float = 10_000.0
    num_workers: int = 2                      # DataLoader worker processes per training process
    synthetic: tuple[str, ...] = ()           # folders of ENM cache files (trajgen data synthetic); train only
    synthetic_share: float = 0.0              # share of training windows drawn from them at step 0 ...
    synthetic_share_final: float | None = None   # ... moving linearly to this (None: stays) ...
    synthetic_schedule_steps: int = 0         # ... over this many steps (pretrain, then fine-tune on MD)
    far_anchor_share: float = 0.0             # share of steps whose windows start at the trajectory's first
                                              # frame, far before the rest (a long rollout's anchor)

    def synthetic_share_at(self, step: int) -> float:
        """Share of synthetic windows in the training batch of ``step`` (0 without synthetic folders)."""
        if not self.synthetic:
            return 0.0
        if self.synthetic_share_final is None or self.synthetic_schedule_steps <= 0:
            return self.synthetic_share
        frac = min(max(step / self.synthetic_schedule_steps, 0.0), 1.0)
        return self.synthetic_share + frac * (self.synthetic_share_final - self.synthetic_share)


@dataclass(frozen=True)
class OptimConfig:
    """AdamW with linear warm-up then cosine decay to ``min_lr_ratio * lr``; EMA of the weights."""

    batch_size: int = 8                       # windows per step per process (global: x world size)
    max_steps: int = 100_000                  # length of the schedule
    lr: float = 3e-4
    min_lr_ratio: float = 0.1
    warmup_steps: int = 1000
    weight_decay: float = 0.01                # on weight matrices only, not on biases and norms
    betas: tuple[float, float] = (0.9, 0.99)
    grad_clip: float = 1.0                    # max global gradient norm (0: no clipping)
    ema_decay: float = 0.999


@dataclass(frozen=True)
class RunConfig:
    """Output, devices and bookkeeping of one run."""

    out_dir: str = "runs/trajgen"
    seed: int = 0
    device: str = "auto"                      # auto (GPU if any), cpu or cuda; torchrun: cuda:LOCAL_RANK
    precision: str = "auto"                   # auto (bf16 autocast on GPU, fp32 on CPU), fp32 or bf16
    threads: int | None = None                # CPU threads per process (None: torch's choice)
    log_every: int = 10                       # steps between CSV log rows
    val_every: int = 1000                     # steps between validations (and best.safetensors updates)
    val_batches: int = 16                     # fixed validation batches, split over the processes
    checkpoint_every: int = 1000              # steps between last.pt resume states
    resume: str = "auto"                      # auto (out_dir/last.pt if present), never, or a last.pt path
    stop_after_steps: int | None = None       # end this invocation at this step (time-limited jobs)
    stop_after_hours: float | None = None     # ... or after this much wall time (checkpoint, then stop)
    export_onnx: bool = True                  # best.onnx from best.safetensors at the end
    progress: bool = True                     # one-line progress bar on stderr (rank 0)
    tensorboard: bool = False                 # also log to out_dir/tensorboard when installed


@dataclass(frozen=True)
class TrainConfig:
    """One training run (see the module docstring for the file layout)."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    flow: FlowConfig = field(default_factory=FlowConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    run: RunConfig = field(default_factory=RunConfig)

    def __post_init__(self) -> None:
        check_config(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dictionary; ``from_dict`` of it gives the same config."""
        return {f.name: asdict(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, values: dict[str, Any], base_dir: Path | None = None) -> "TrainConfig":
        """Build from nested tables; relative paths are resolved against ``base_dir`` when given."""
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise TrainingError(f"Unknown config section(s) {', '.join(sorted(unknown))}; the sections are "
                                f"{', '.join(f.name for f in fields(cls))}.")
        sections = {}
        for f in fields(cls):
            table = dict(values.get(f.name, {}))
            if f.name == "model":
                sections["model"] = _model_config(table, values.get("data", {}))
            else:
                section_cls = typing.get_type_hints(cls)[f.name]
                sections[f.name] = _build(section_cls, table, f.name, base_dir)
        return cls(**sections)


def load_config(path: str | Path) -> TrainConfig:
    """Read a ``.toml`` or ``.json`` training config."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise TrainingError(f"Cannot read the training config {path}: {err.strerror or err}.") from err
    try:
        values = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as err:
        raise TrainingError(f"The training config {path} is not valid {path.suffix.lstrip('.').upper() or 'TOML'}: "
                            f"{err}.") from err
    return TrainConfig.from_dict(values, base_dir=path.resolve().parent)


def save_config(config: TrainConfig, path: str | Path) -> None:
    """Write the config as JSON (readable back with ``load_config``)."""
    Path(path).write_text(json.dumps(config.to_dict(), indent=1) + "\n")


def _model_config(table: dict[str, Any], data: dict[str, Any]) -> ModelConfig:
    """``preset`` (default "default") with the other keys as ``ModelConfig`` overrides.

    The stride range the checkpoint admits (``dt_min_ps``, ``dt_max_ps``) defaults to the
    window strides of [data], so generation accepts exactly the strides the model was trained on.
    """
    name = table.pop("preset", "default")
    if name not in PRESETS:
        raise TrainingError(f"Unknown model preset {name!r}; choose one of {', '.join(PRESETS)}.")
    base = asdict(PRESETS[name])
    base["dt_min_ps"] = data.get("min_stride_ps", DataConfig.min_stride_ps)
    base["dt_max_ps"] = data.get("max_stride_ps", DataConfig.max_stride_ps)
    base.update(table)
    n_frames = data.get("n_frames", DataConfig.n_frames)
    if table.get("train_frames", n_frames) != n_frames:
        raise TrainingError(f"[model] train_frames = {table['train_frames']} but [data] n_frames = {n_frames}; "
                            "leave train_frames out: training records its window length itself.")
    base["train_frames"] = n_frames
    return _build(ModelConfig, base, "model", None)


def _build(cls, table: dict[str, Any], section: str, base_dir: Path | None):
    """Instance of dataclass ``cls`` from a table, with type checks and path resolution."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    unknown = set(table) - set(names)
    if unknown:
        raise TrainingError(f"Unknown key(s) {', '.join(sorted(unknown))} in [{section}]; valid keys: "
                            f"{', '.join(names)}.")
    values = {}
    for key, value in table.items():
        value = _coerce(value, hints[key], f"{section}.{key}")
        if base_dir is not None and key in PATH_FIELDS and value is not None:
            value = tuple(_resolve(v, base_dir) for v in value) if isinstance(value, tuple) else _resolve(value, base_dir)
        values[key] = value
    try:
        return cls(**values)
    except ValueError as err:
        raise TrainingError(f"Invalid [{section}] settings: {err}") from err


def _resolve(value: str, base_dir: Path) -> str:
    return str(Path(value) if Path(value).is_absolute() else (base_dir / value))


def _coerce(value: Any, hint: Any, key: str) -> Any:
    """``value`` checked against the type hint (int, float, str, bool, Optional, tuple)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _coerce(value, inner, key)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise TrainingError(f"{key} must be a list, got {value!r}.")
        items = args[:1] * len(value) if len(args) == 2 and args[1] is Ellipsis else args
        if len(items) != len(value):
            raise TrainingError(f"{key} must hold {len(items)} values, got {len(value)}.")
        return tuple(_coerce(v, t, key) for v, t in zip(value, items))
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if hint in (int, str, bool) and type(value) is hint:
        return value
    raise TrainingError(f"{key} must be {getattr(hint, '__name__', hint)}, got {value!r}.")


def check_config(config: TrainConfig) -> None:
    """Refuse settings that cannot train, with the reason."""
    o, r, d = config.optim, config.run, config.data
    problems = []
    if o.batch_size < 1 or o.max_steps < 1:
        problems.append("optim.batch_size and optim.max_steps must be at least 1")
    if not 0.0 <= o.ema_decay < 1.0:
        problems.append("optim.ema_decay must lie in [0, 1)")
    if o.warmup_steps < 0 or not 0.0 <= o.min_lr_ratio <= 1.0 or o.lr <= 0:
        problems.append("optim.lr must be positive, warmup_steps >= 0 and min_lr_ratio in [0, 1]")
    if r.precision not in ("auto", "fp32", "bf16"):
        problems.append(f"run.precision must be auto, fp32 or bf16, not {r.precision!r}")
    if r.device.split(":")[0] not in ("auto", "cpu", "cuda"):
        problems.append(f"run.device must be auto, cpu, cuda or cuda:N, not {r.device!r}")
    if min(r.log_every, r.val_every, r.checkpoint_every, r.val_batches) < 1:
        problems.append("run.log_every, val_every, checkpoint_every and val_batches must be at least 1")
    if config.model.dt_min_ps < d.min_stride_ps or config.model.dt_max_ps > d.max_stride_ps:
        problems.append(f"the model would admit strides of {config.model.dt_min_ps:g}-{config.model.dt_max_ps:g} ps "
                        f"but trains on {d.min_stride_ps:g}-{d.max_stride_ps:g} ps; narrow [model] dt_min_ps/dt_max_ps")
    if d.n_frames < 2:
        problems.append("data.n_frames must be at least 2 (one context frame and one target)")
    shares = [d.synthetic_share] + ([d.synthetic_share_final] if d.synthetic_share_final is not None else [])
    if any(not 0.0 <= x <= 1.0 for x in shares):
        problems.append("data.synthetic_share and synthetic_share_final must lie in [0, 1]")
    if not 0.0 <= d.far_anchor_share <= 1.0:
        problems.append("data.far_anchor_share must lie in [0, 1]")
    if d.synthetic and max(shares) == 0.0:
        problems.append("data.synthetic names folders but synthetic_share is 0: set a share or drop the folders")
    if problems:
        raise TrainingError("The training config cannot run: " + "; ".join(problems) + ".")

