"""Training of the denoiser: ``trajgen train CONFIG`` on one CPU, one GPU or many (``torchrun``).

- ``config``: ``TrainConfig`` read from TOML/JSON (``load_config``); example files in docs/configs/.
- ``loop.train(config) -> TrainResult``: AdamW, warm-up + cosine, EMA, clipping, bf16 on GPU, DDP.
- ``data``: cache files, the validation split, batches seeded by (seed, rank, step).
- ``checkpointing``: last.pt (resume), best.safetensors (EMA, lowest validation loss), best.onnx.
- ``schedule``, ``ema``, ``distributed``, ``logs``: the parts, each testable alone.
"""

from trajgen.engine.train.config import TrainConfig, load_config
from trajgen.engine.train.loop import TrainResult, train

__all__ = ["TrainConfig", "TrainResult", "load_config", "train"]
