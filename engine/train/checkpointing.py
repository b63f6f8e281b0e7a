"""What a run leaves in its output folder, all written atomically (temporary file, then rename).

    last.pt            resume state: model, EMA, optimizer, scheduler, step, best validation loss,
                       every rank's RNG state, and the config (JSON); read by ``run.resume``
    best.safetensors   EMA weights at the lowest validation loss (``trajgen.engine.checkpoint``
                       format: loads with ``load_model`` and ``trajgen generate --checkpoint``)
    best.onnx          ONNX export of best.safetensors at the end of the schedule
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from trajgen.engine.errors import TrainingError
from trajgen.engine.flow.process import FlowConfig

RESUME_NAME = "last.pt"
BEST_NAME = "best.safetensors"
ONNX_NAME = "best.onnx"


def _replace_from_temp(path: Path, write) -> None:
    """Call ``write(temp_path)`` then rename over ``path``, so readers never see half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def capture_rng(device: torch.device) -> dict:
    """Torch RNG state of this process (CPU, and the current GPU when training on one)."""
    state = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def restore_rng(state: dict, device: torch.device) -> None:
    torch.set_rng_state(state["cpu"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def save_resume_state(path: Path, state: dict) -> None:
    """Write ``state`` (tensors, numbers, strings, nested dicts/lists) with ``torch.save``."""
    _replace_from_temp(path, lambda tmp: torch.save(state, tmp))


# ModelConfig fields that only say which requests the checkpoint admits (what its data covers), not
# the network: a resumed run may widen or narrow them with its data, the weights stay the same.
ADMISSION_FIELDS = ("dt_min_ps", "dt_max_ps", "temperature_min_K", "temperature_max_K")


def load_resume_state(path: Path, model_config: dict) -> dict:
    """Read a ``last.pt`` onto the CPU; refuses one written for a different network (the
    ``ADMISSION_FIELDS`` may differ: they follow the resumed run's data)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError) as err:
        raise TrainingError(f"Cannot read the resume state {path}: {err}.") from err
    saved = json.loads(state["config"])["model"]
    changed = sorted(k for k in set(saved) | set(model_config)
                     if saved.get(k) != model_config.get(k) and k not in ADMISSION_FIELDS)
    if changed:
        raise TrainingError(f"{path} was trained with a different model ({', '.join(changed)} differ); "
                            "start a new out_dir or set run.resume = \"never\".")
    return state


def save_best(path: Path, model, flow: FlowConfig, step: int) -> None:
    """EMA weights as a self-describing safetensors checkpoint."""
    from trajgen.engine.checkpoint import save_checkpoint

    _replace_from_temp(path, lambda tmp: save_checkpoint(tmp, model, flow, step))


def export_best(best: Path, onnx_path: Path) -> Path:
    """ONNX export of a safetensors checkpoint, with the same config and step metadata."""
    from trajgen.engine.backends.export import export_onnx
    from trajgen.engine.checkpoint import load_model

    model, info = load_model(best)
    _replace_from_temp(onnx_path, lambda tmp: export_onnx(model, tmp, info.flow, info.step))
    return onnx_path


def resume_path(resume: str, out_dir: Path) -> Path | None:
    """The resume state to start from: ``auto`` takes out_dir/last.pt if it exists, ``never`` none."""
    if resume == "never":
        return None
    if resume == "auto":
        candidate = Path(out_dir) / RESUME_NAME
        return candidate if candidate.exists() else None
    path = Path(resume)
    if not path.is_file():
        raise TrainingError(f"The resume state {path} does not exist (run.resume takes auto, never or a path).")
    return path
