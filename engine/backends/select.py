"""Pick and load a denoiser backend for a checkpoint, device and backend name (imports no torch itself)."""

from __future__ import annotations

import importlib.util
from importlib import resources
from pathlib import Path

from trajgen.engine.errors import GenerationError
from trajgen.engine.run_choices import BACKENDS, check_device

SHIPPED_NAMES = ("trajgen_default.onnx", "trajgen_default.safetensors")


def shipped_checkpoint() -> Path | None:
    """Trained weights installed with trajgen (in ``trajgen.engine.assets``), if any."""
    assets = resources.files("trajgen.engine.assets")
    for name in SHIPPED_NAMES:
        candidate = assets / name
        if candidate.is_file():
            return Path(str(candidate))
    return None


def resolve_checkpoint(checkpoint: str | Path | None) -> Path:
    """The checkpoint to use, its file checked (size, header, trajgen metadata) before anything loads it;
    refuses to go on without trained weights."""
    from trajgen.engine.checkpoint import read_info

    if checkpoint is None:
        found = shipped_checkpoint()
        if found is None:
            raise GenerationError(
                "No trained model is installed and no checkpoint was given. Pass --checkpoint PATH to a "
                "trajgen model (.onnx or .safetensors), or use the elastic-network baseline (generator 'enm'); "
                "trajgen never generates from untrained weights.")
        path = found
    else:
        path = Path(checkpoint)
    read_info(path)  # raises GenerationError saying what is wrong with the file
    return path


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def _torch_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def _onnx_device(device: str) -> str:
    import onnxruntime as ort

    if device == "auto":
        return "cuda" if "CUDAExecutionProvider" in ort.get_available_providers() else "cpu"
    return device


def load_backend(checkpoint: str | Path | None = None, backend: str = "auto", device: str = "auto",
                 threads: int | None = None, precision: str = "fp32"):
    """A ready backend: ``.onnx`` files run on ONNX Runtime, ``.safetensors`` on PyTorch.

    backend "auto" follows the file type; device "auto" takes a GPU when there is one.
    """
    if backend not in BACKENDS:
        raise GenerationError(f"Unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}.")
    check_device(device)
    path = resolve_checkpoint(checkpoint)
    if path.suffix == ".onnx":
        if backend == "torch":
            raise GenerationError(f"{path} is an ONNX model: run it with --backend onnx (or auto), or pass the "
                                  ".safetensors checkpoint to use PyTorch.")
        if precision != "fp32":
            raise GenerationError(f"Precision {precision} is only available with the PyTorch backend; ONNX models "
                                  "run in the precision they were exported in.")
        from trajgen.engine.backends.onnx_backend import OnnxBackend

        return OnnxBackend(path, _onnx_device(device), threads)
    if backend == "onnx":
        raise GenerationError(f"{path} holds PyTorch weights: export it to ONNX first "
                              "(trajgen.engine.backends.export.export_onnx) or use --backend torch.")
    if not torch_available():
        raise GenerationError(f"{path} holds PyTorch weights but PyTorch is not installed: install torch, or "
                              "use the checkpoint's .onnx export with ONNX Runtime.")
    from trajgen.engine.backends.torch_backend import TorchBackend, TorchOptions
    from trajgen.engine.checkpoint import load_model

    model, info = load_model(path)
    return TorchBackend(model, info.flow, TorchOptions(device=_torch_device(device), precision=precision,
                                                        threads=threads))
