"""Self-describing checkpoints: safetensors weights whose header carries config and versions.

Metadata keys (all strings, also written into exported ONNX models): ``format``
(``trajgen-denoiser``), ``format_version``, ``trajgen_version``, ``model_config`` and
``flow_config`` (JSON), ``step`` (training step). Reading the metadata needs no torch and no
safetensors package: the header is JSON behind an 8-byte length.
"""

from __future__ import annotations

import json
import struct
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from trajgen.engine import __version__
from trajgen.engine.errors import GenerationError
from trajgen.engine.flow.process import FlowConfig
from trajgen.engine.model.config import ModelConfig

FORMAT = "trajgen-denoiser"
FORMAT_VERSION = "1"


@dataclass(frozen=True)
class CheckpointInfo:
    """What a checkpoint says about itself."""

    model: ModelConfig
    flow: FlowConfig
    trajgen_version: str
    step: int

    def to_metadata(self) -> dict[str, str]:
        """String metadata for safetensors headers and ONNX ``metadata_props``."""
        return {"format": FORMAT, "format_version": FORMAT_VERSION, "trajgen_version": self.trajgen_version,
                "model_config": json.dumps(self.model.to_dict()), "flow_config": json.dumps(asdict(self.flow)),
                "step": str(self.step)}

    @staticmethod
    def from_metadata(meta: dict[str, str], source: str) -> "CheckpointInfo":
        """Parse metadata; a file that is not a trajgen checkpoint raises ``GenerationError``."""
        if meta.get("format") != FORMAT:
            raise GenerationError(f"{source} is not a trajgen model checkpoint (its metadata names no "
                                  f"'{FORMAT}' format).")
        if meta.get("format_version") != FORMAT_VERSION:
            raise GenerationError(f"{source} has checkpoint format {meta.get('format_version')}, this trajgen "
                                  f"reads format {FORMAT_VERSION}; update trajgen or re-export the model.")
        flow_names = {f.name for f in fields(FlowConfig)}
        flow = FlowConfig(**{k: v for k, v in json.loads(meta["flow_config"]).items() if k in flow_names})
        return CheckpointInfo(ModelConfig.from_dict(json.loads(meta["model_config"])), flow,
                              meta.get("trajgen_version", "unknown"), int(meta.get("step", 0)))


def read_info(path: str | Path) -> CheckpointInfo:
    """Config and versions of a ``.safetensors`` checkpoint, without loading the weights."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            (size,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(size))
    except (OSError, struct.error, ValueError) as err:
        raise GenerationError(f"Cannot read the checkpoint {path}: {err}.") from err
    return CheckpointInfo.from_metadata(header.get("__metadata__", {}), str(path))


def save_checkpoint(path: str | Path, model, flow: FlowConfig = FlowConfig(), step: int = 0) -> None:
    """Write a ``Denoiser``'s weights with its config (needs torch and safetensors)."""
    from safetensors.torch import save_file

    info = CheckpointInfo(model.cfg, flow, __version__, step)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(path), metadata=info.to_metadata())


def load_model(path: str | Path):
    """Rebuild the ``Denoiser`` described by a checkpoint and load its weights: (model, info)."""
    from safetensors.torch import load_file

    from trajgen.engine.model.network import Denoiser

    info = read_info(path)
    model = Denoiser(info.model)
    model.load_state_dict(load_file(str(path)))
    return model.eval(), info
