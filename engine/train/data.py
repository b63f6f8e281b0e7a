"""Training and validation windows for the loop: cache files, the split, per-rank seeded batches.

Every training batch is a pure function of (seed, rank, step): rank r at step s draws its
windows with ``numpy.random.default_rng((seed, 1, r, s))``. Ranks therefore see different
windows, a resumed run sees exactly the windows it would have seen, and DataLoader workers
need no shared state. Validation batches are fixed for the run and shared out over the ranks.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import torch

from trajgen.engine.dataset.windows import WindowConfig, WindowSampler
from trajgen.engine.errors import TrainingError
from trajgen.engine.rollout.protein_state import CHAIN_BREAK_GAP
from trajgen.engine.train.config import DataConfig, TrainConfig
from trajgen.engine.train.distributed import DistContext, barrier

log = logging.getLogger(__name__)

TRAIN_STREAM, VAL_STREAM, MIX_STREAM, FAR_STREAM = 1, 2, 3, 4  # first entries of the seed tuples: streams never share draws


def cache_files(data: DataConfig, ctx: DistContext) -> list[Path]:
    """Cache files to use: the featurized sources when any are named (rank 0 builds, others wait), else all."""
    refs = _source_refs(data)
    if refs:
        from trajgen.engine.dataset.features import FeatureConfig, build_cache

        if ctx.is_main:
            build_cache(refs, Path(data.cache_dir), FeatureConfig(max_frames=data.max_frames))
        barrier(ctx)
        return [Path(data.cache_dir) / f"{ref.key}.npz" for ref in refs]
    paths = sorted(p for p in Path(data.cache_dir).glob("*.npz") if not p.name.startswith("."))
    if not paths:
        raise TrainingError(f"No featurized trajectories (.npz) in {data.cache_dir}; run 'trajgen data featurize' "
                            "or name [data] manifests / atlas / mdcath / public_md sources.")
    return paths


def _source_refs(data: DataConfig) -> list:
    from trajgen.engine.dataset.atlas import atlas_refs
    from trajgen.engine.dataset.ours import manifest_refs

    refs = [r for folder in data.manifests for r in manifest_refs(Path(folder))]
    refs += [r for folder in data.atlas for r in atlas_refs(Path(folder))]
    if data.mdcath:
        from trajgen.engine.dataset.mdcath import mdcath_refs

        files = [f for p in map(Path, data.mdcath) for f in (sorted(p.glob("*.h5")) if p.is_dir() else [p])]
        temperatures = data.mdcath_temperatures_K or None
        refs += [r for path in files for r in mdcath_refs(path, temperatures_K=temperatures)]
    if data.public_md:
        from trajgen.engine.dataset.public_md import public_md_refs

        # screened against [data] heldout_fasta, else the heldout.fasta beside the folder (refused if absent)
        heldout = data.heldout_fasta or "auto"
        refs += [r for folder in data.public_md
                 for r in public_md_refs(Path(folder), heldout_fasta=heldout, threshold=data.identity_threshold)]
    return refs


def synthetic_files(data: DataConfig, val_names: set[str]) -> list[Path]:
    """Synthetic (ENM) cache files of ``[data] synthetic`` that may train.

    They only ever train: files of a validation protein are left out (the structure would leak),
    and so are held-out relatives when ``heldout_fasta`` is set (``write_synthetic`` refuses them
    too; this catches folders made without the screen). A folder holding non-synthetic files is refused.
    """
    from trajgen.engine.dataset.synthetic import is_synthetic

    paths = [p for folder in data.synthetic for p in sorted(Path(folder).glob("*.npz")) if not p.name.startswith(".")]
    if data.synthetic and not paths:
        raise TrainingError(f"No synthetic cache files in {', '.join(data.synthetic)}; run 'trajgen data synthetic'.")
    foreign = [p.name for p in paths if not is_synthetic(p)]
    if foreign:
        raise TrainingError(f"[data] synthetic folders must hold only 'trajgen data synthetic' files; "
                            f"{', '.join(foreign[:3])} are not synthetic.")
    proteins = {path: protein_of(path) for path in paths}
    excluded = {name for name, _ in proteins.values() if name in val_names}
    if data.heldout_fasta:
        from trajgen.engine.dataset.splits import SplitConfig, heldout_exclusions, read_fasta

        sequences = {name: seq for name, seq in proteins.values()}
        excluded |= set(heldout_exclusions(sequences, read_fasta(Path(data.heldout_fasta)),
                                           SplitConfig(threshold=data.identity_threshold)))
    kept = [p for p, (name, _) in proteins.items() if name not in excluded]
    log.info("synthetic: %d trajectories (%d proteins), %d left out (validation or held-out relatives)",
             len(kept), len({proteins[p][0] for p in kept}), len(paths) - len(kept))
    return kept


def protein_of(path: Path) -> tuple[str, str]:
    """(protein name, sequence) stored in a cache file (reads only those two entries)."""
    with np.load(path, allow_pickle=False) as archive:
        return str(archive["name"]), str(archive["sequence"])


def split_cache(paths: list[Path], data: DataConfig) -> tuple[list[Path], list[Path]]:
    """(train files, validation files); a protein's replicas always stay on one side."""
    proteins = {path: protein_of(path) for path in paths}
    names = {name: seq for name, seq in proteins.values()}
    train_names, val_names = _split_names(names, data)
    train = [p for p, (name, _) in proteins.items() if name in train_names]
    val = [p for p, (name, _) in proteins.items() if name in val_names]
    if not val or not (train or data.synthetic):
        raise TrainingError(f"The split leaves {len(train)} training and {len(val)} validation trajectories "
                            f"among proteins {', '.join(sorted(names))}; both need at least one "
                            "(training may start on synthetic data alone: [data] synthetic).")
    log.info("split: %d training trajectories (%d proteins), %d validation (%s)", len(train),
             len({proteins[p][0] for p in train}), len(val), ", ".join(sorted(val_names & set(names))))
    return train, val


def _split_names(sequences: dict[str, str], data: DataConfig) -> tuple[set[str], set[str]]:
    if data.split_file:
        split = json.loads(Path(data.split_file).read_text())
        return set(split["train"]), set(split["val"])
    if data.val_proteins:
        missing = set(data.val_proteins) - set(sequences)
        if missing:
            raise TrainingError(f"Validation protein(s) {', '.join(sorted(missing))} are not in the cache; "
                                f"it holds {', '.join(sorted(sequences))}.")
        return set(sequences) - set(data.val_proteins), set(data.val_proteins)
    if data.heldout_fasta:
        from trajgen.engine.dataset.splits import SplitConfig, read_fasta, split_by_identity

        config = SplitConfig(threshold=data.identity_threshold, val_fraction=data.val_fraction)
        split = split_by_identity(sequences, read_fasta(Path(data.heldout_fasta)), config)
        return set(split.train), set(split.val)
    raise TrainingError("The config names no validation split: set [data] split_file, val_proteins or "
                        "heldout_fasta.")


def check_temperatures(paths: list[Path], model) -> None:
    """Refuse trajectories simulated outside the temperature range the checkpoint will admit."""
    outside = {}
    for path in paths:
        with np.load(path, allow_pickle=False) as archive:
            temperature = float(archive["temperature_K"])
        if not model.temperature_min_K <= temperature <= model.temperature_max_K:
            outside[path.name] = temperature
    if outside:
        listed = ", ".join(f"{name} ({t:g} K)" for name, t in sorted(outside.items())[:5])
        raise TrainingError(f"{len(outside)} trajectories lie outside the model's temperature range "
                            f"{model.temperature_min_K:g}-{model.temperature_max_K:g} K: {listed}; widen [model] "
                            "temperature_min_K / temperature_max_K or leave them out.")


def window_config(data: DataConfig) -> WindowConfig:
    return WindowConfig(n_frames=data.n_frames, min_stride_ps=data.min_stride_ps,
                        max_stride_ps=data.max_stride_ps, crop_residues=data.crop_residues)


def model_inputs(window_batch: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """The loss's batch format (``flow.loss``) from a ``WindowSampler`` batch, as CPU tensors.

    residue_index jumps by ``CHAIN_BREAK_GAP`` at every chain start or break and chain_index
    counts chain ends, as the rollout does at inference (``rollout.protein_state``).
    """
    b = window_batch
    chain_end = b["chain_end"].astype(np.int64)
    arrays = {
        "aatype": b["aatype"].astype(np.int64),
        "residue_index": b["residue_index"] + CHAIN_BREAK_GAP * np.cumsum(b["segment_start"], axis=1),
        "chain_index": np.cumsum(chain_end, axis=1) - chain_end,
        "res_mask": b["residue_mask"].astype(np.float32),
        "torsion_mask": b["torsion_mask"].astype(np.float32),
        "rot": b["rot"], "trans": b["trans"], "torsions": b["torsions"],
        "dt_ps": b["dt_ps"].astype(np.float32), "temperature_K": b["temperature_K"].astype(np.float32),
        "anchor_far": np.asarray(b.get("anchor_far", np.zeros(len(b["aatype"]), bool)), bool),
    }
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}


def to_device(batch: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    return {k: v.to(device, non_blocking=True) for k, v in batch.items()}


def synthetic_count(batch_size: int, share: float, rng: np.random.Generator) -> int:
    """Windows of a batch drawn from synthetic data: ``share * batch_size`` on average, rounded at random."""
    expected = share * batch_size
    return min(batch_size, int(expected) + int(rng.random() < expected - int(expected)))


class StepBatches(torch.utils.data.Dataset):
    """Item ``step`` is this rank's training batch of that step (a dict of CPU tensors).

    With a ``synthetic`` sampler, ``synthetic_count(batch_size, share(step))`` of the windows come
    from it (after the MD windows); ``share`` maps a step to a fraction (``DataConfig.synthetic_share_at``).
    ``sampler`` None (no MD trains yet): every window is synthetic. A share ``far_share`` of the
    steps draw far-anchor windows only (``WindowSampler.sample``; a batch is all far or all near,
    as the loss gives one offset table per batch), when every sampler it draws from has some.
    """

    def __init__(self, sampler: WindowSampler | None, batch_size: int, seed: int, rank: int,
                 synthetic: WindowSampler | None = None, share=None, far_share: float = 0.0):
        self.sampler, self.batch_size, self.seed, self.rank = sampler, batch_size, seed, rank
        self.synthetic, self.share, self.far_share = synthetic, share, far_share

    def __len__(self) -> int:
        return 2 ** 62

    def __getitem__(self, step: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng((self.seed, TRAIN_STREAM, self.rank, int(step)))
        n_syn = 0
        if self.sampler is None:                      # no MD trains yet: synthetic pretraining only
            n_syn = self.batch_size
        elif self.synthetic is not None and self.share is not None:
            mix = np.random.default_rng((self.seed, MIX_STREAM, self.rank, int(step)))
            n_syn = synthetic_count(self.batch_size, float(self.share(int(step))), mix)
        used = ([self.sampler] if n_syn < self.batch_size else []) + ([self.synthetic] if n_syn else [])
        far = (self.far_share > 0 and all(s.far_usable for s in used)
               and np.random.default_rng((self.seed, FAR_STREAM, self.rank, int(step))).random() < self.far_share)
        parts = []
        if n_syn < self.batch_size:
            parts.append(self.sampler.batch(self.batch_size - n_syn, rng, far))
        if n_syn:
            parts.append(self.synthetic.batch(n_syn, rng, far))
        batch = parts[0] if len(parts) == 1 else {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        return model_inputs(batch)


def train_loader(sampler: WindowSampler, config: TrainConfig, ctx: DistContext, start: int, stop: int,
                 synthetic: WindowSampler | None = None):
    """Batches of steps start .. stop-1 in order (workers prefetch; ``num_workers`` 0 loads in-process)."""
    dataset = StepBatches(sampler, config.optim.batch_size, config.run.seed, ctx.rank,
                          synthetic=synthetic, share=config.data.synthetic_share_at if synthetic else None,
                          far_share=config.data.far_anchor_share)
    workers = config.data.num_workers
    # its own generator: creating the iterator then draws nothing from the global torch RNG (resume)
    generator = torch.Generator().manual_seed(config.run.seed)
    return torch.utils.data.DataLoader(dataset, batch_size=None, sampler=range(start, stop), num_workers=workers,
                                       pin_memory=ctx.device.type == "cuda", persistent_workers=False,
                                       prefetch_factor=4 if workers > 0 else None, generator=generator)


def validation_batches(sampler: WindowSampler, config: TrainConfig,
                       ctx: DistContext) -> list[tuple[int, dict[str, torch.Tensor]]]:
    """This rank's share of the run's fixed validation batches, as (global index, batch)."""
    return [(i, model_inputs(sampler.batch(config.optim.batch_size,
                                           np.random.default_rng((config.run.seed, VAL_STREAM, i)))))
            for i in range(config.run.val_batches) if i % ctx.world_size == ctx.rank]
