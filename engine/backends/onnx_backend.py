"""ONNX Runtime backend: runs the exported denoiser step on CPU or CUDA, no torch needed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trajgen.engine.checkpoint import CheckpointInfo
from trajgen.engine.errors import DeviceError, GenerationError
from trajgen.engine.model.io_spec import INPUT_NAMES, OUTPUT_NAMES

PROVIDERS = {"cpu": ["CPUExecutionProvider"], "cuda": ["CUDAExecutionProvider", "CPUExecutionProvider"]}


class OnnxBackend:
    """Callable denoiser over numpy arrays, backed by an ``onnxruntime.InferenceSession``."""

    name = "onnx"

    def __init__(self, path: str | Path, device: str = "cpu", threads: int | None = None):
        import onnxruntime as ort

        kind = device.split(":")[0]
        if kind not in PROVIDERS:
            raise DeviceError(f"Unknown device {device!r} for ONNX Runtime; use cpu or cuda.")
        if kind == "cuda" and "CUDAExecutionProvider" not in ort.get_available_providers():
            raise DeviceError("A CUDA device was asked for, but this ONNX Runtime has no CUDA support or sees no "
                              "GPU; install onnxruntime-gpu or use --device cpu.")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        providers = PROVIDERS[kind]
        if kind == "cuda" and ":" in device:
            providers = [("CUDAExecutionProvider", {"device_id": int(device.split(":")[1])}), "CPUExecutionProvider"]
        try:
            self.session = ort.InferenceSession(str(path), options, providers=providers)
        except Exception as err:  # ONNX Runtime raises its own classes (InvalidProtobuf, Fail, ...)
            raise GenerationError(f"ONNX Runtime cannot load the model {path}: {str(err).strip()}. The file "
                                  "may be damaged; export it again.") from None
        info = CheckpointInfo.from_metadata(self.session.get_modelmeta().custom_metadata_map, str(path))
        self.info, self.config, self.flow, self.device = info, info.model, info.flow, device
        self._graph_inputs = {i.name for i in self.session.get_inputs()}

    def free_memory_bytes(self) -> int | None:
        """None: ONNX Runtime does not report free GPU memory, so the host's memory is checked."""
        return None

    def __call__(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        # the exporter drops inputs a model does not use (neighbor_trans of an all-pairs model)
        feed = {n: np.ascontiguousarray(inputs[n]) for n in INPUT_NAMES if n in self._graph_inputs}
        return dict(zip(OUTPUT_NAMES, self.session.run(list(OUTPUT_NAMES), feed)))
