"""PyTorch backend: runs the ``Denoiser`` module on CPU or CUDA (optionally bf16/fp16, compiled)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from trajgen.engine.errors import DeviceError
from trajgen.engine.flow.process import FlowConfig
from trajgen.engine.model.io_spec import INPUT_NAMES, OUTPUT_NAMES
from trajgen.engine.model.network import Denoiser, OneFrameStep


@dataclass(frozen=True)
class TorchOptions:
    """How to run the module: device ("cpu", "cuda", "cuda:1"), precision, torch.compile."""

    device: str = "cpu"
    precision: str = "fp32"   # "fp32", "bf16" or "fp16" (reduced precision only on CUDA)
    compile: bool = False     # torch.compile the module (pays off on long CUDA rollouts)
    threads: int | None = None  # CPU threads for torch (None: leave torch's setting)


class TorchBackend:
    """Callable denoiser over numpy arrays, backed by a torch module in eval mode."""

    name = "torch"

    def __init__(self, model: Denoiser, flow: FlowConfig | None = None, options: TorchOptions = TorchOptions()):
        if options.device.startswith("cuda") and not torch.cuda.is_available():
            raise DeviceError("A CUDA device was asked for, but PyTorch sees no GPU on this machine; "
                              "use --device cpu.")
        if options.precision != "fp32" and not options.device.startswith("cuda"):
            raise DeviceError(f"Precision {options.precision} is only supported on CUDA; use fp32 on CPU.")
        if options.threads:
            torch.set_num_threads(options.threads)
        self.options = options
        self.device = options.device
        self.config = model.cfg
        self.flow = flow or FlowConfig()
        self.model = model.to(options.device).eval()
        step = OneFrameStep(self.model)
        self._run = torch.compile(step) if options.compile else step
        self._dtype = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[options.precision]

    def free_memory_bytes(self) -> int | None:
        """Free memory of the GPU this backend runs on, or None on CPU (the host's memory applies)."""
        if not self.device.startswith("cuda"):
            return None
        free, _ = torch.cuda.mem_get_info(torch.device(self.device))
        return int(free)

    @torch.inference_mode()
    def __call__(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        args = [torch.from_numpy(np.ascontiguousarray(inputs[n])).to(self.device) for n in INPUT_NAMES]
        if self._dtype is None:
            outs = self._run(*args)
        else:
            with torch.autocast(device_type="cuda", dtype=self._dtype):
                outs = self._run(*args)
        return {n: o.float().cpu().numpy() for n, o in zip(OUTPUT_NAMES, outs)}
