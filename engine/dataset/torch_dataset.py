"""A thin PyTorch wrapper over ``WindowSampler`` (importing this module imports torch).

Item ``i`` of epoch ``e`` is drawn with a generator seeded by (seed, e, i), so every worker of
a DataLoader produces the same windows for the same indices and runs are reproducible.
Items are dicts of tensors shaped as one window of ``trajgen.engine.dataset.windows`` (no
batch axis); the default collate stacks them into the batch format.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from trajgen.engine.dataset.windows import WindowConfig, WindowSampler


class WindowDataset(torch.utils.data.Dataset):
    """``epoch_size`` random windows per epoch from cached trajectories; call ``set_epoch`` each epoch."""

    def __init__(self, cache_paths: list[Path], config: WindowConfig = WindowConfig(), epoch_size: int = 1000,
                 seed: int = 0):
        self.sampler = WindowSampler(cache_paths, config)
        self.epoch_size = epoch_size
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.epoch_size

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not 0 <= index < self.epoch_size:
            raise IndexError(index)
        rng = np.random.default_rng((self.seed, self.epoch, index))
        return {key: torch.from_numpy(np.asarray(value)) for key, value in self.sampler.sample(rng).items()}
