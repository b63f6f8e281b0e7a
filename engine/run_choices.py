"""Defaults and choice lists of a generation run, written once for every front door.

The CLI (``trajgen generate``), the ChimeraX ``trajgen run`` command, PyMOL's ``trajgen_run`` and
the Qt panel read their defaults and their lists of choices from here, so a run started with no
options is the same run in each of them. What a run may *not* do (frame limit, temperature range,
disk and memory) is decided in ``trajgen.engine.run_limits``.
"""

from __future__ import annotations

import re

from trajgen.engine.errors import DeviceError

DEFAULT_LENGTH = "10ns"          # simulated time of a run started without a length
DEFAULT_INTERVAL = "100ps"       # simulated time between saved frames
DEFAULT_TEMPERATURE_K = 300.0    # kelvin
DEFAULT_SEED = 0

GENERATORS = ("auto", "model", "enm")  # auto: the trained model if one is installed or given, else enm
DEFAULT_GENERATOR = "auto"
DEVICES = ("auto", "cpu", "cuda")      # "cuda:N" picks one GPU
DEFAULT_DEVICE = "auto"
BACKENDS = ("auto", "torch", "onnx")   # auto follows the checkpoint: .onnx -> ONNX Runtime, .safetensors -> torch
MODES = ("auto", "single", "hierarchical")
PRECISIONS = ("fp32", "bf16", "fp16")  # network precision; reduced ones only with torch on CUDA

# Output intervals a control may offer (the panel's list), shortest first; the ones a loaded model
# cannot run are left out by ``trajgen.engine.run_limits.offered_intervals``.
INTERVAL_CHOICES = ("1ps", "10ps", "20ps", "50ps", "100ps", "200ps", "500ps", "1ns", "10ns")

_DEVICE_PATTERN = re.compile(r"auto|cpu|cuda(:\d+)?")


def check_device(text: str) -> str:
    """``text`` if it names a device trajgen knows (auto, cpu, cuda, cuda:N); else DeviceError."""
    if not _DEVICE_PATTERN.fullmatch(text):
        raise DeviceError(f"Unknown device {text!r}; choose auto, cpu, cuda or cuda:N.")
    return text
