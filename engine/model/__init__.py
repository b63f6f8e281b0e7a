"""The spatio-temporal SE(3) denoiser network.

Importing this package loads no torch: ``config`` is numpy-free and torch-free; the network
itself lives in ``trajgen.engine.model.network`` (import it only where PyTorch is wanted).
"""

from trajgen.engine.model.config import PRESETS, ModelConfig, preset

__all__ = ["ModelConfig", "PRESETS", "preset"]
