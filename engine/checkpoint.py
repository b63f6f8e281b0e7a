"""Self-describing checkpoints: safetensors weights whose header carries config and versions.

Metadata keys (all strings, also written into exported ONNX models): ``format``
(``trajgen-denoiser``), ``format_version``, ``trajgen_version``, ``model_config`` and
``flow_config`` (JSON), ``step`` (training step). Reading the metadata needs no torch, no
safetensors and no onnx package: a safetensors header is JSON behind an 8-byte length, and an
ONNX model's ``metadata_props`` are read by walking the top level of its protobuf.

``read_info(path)`` checks a file before anything loads it (size, header, trajgen metadata) and
says in a sentence what is wrong with a damaged, truncated or foreign file.
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
        try:
            flow = FlowConfig(**{k: v for k, v in json.loads(meta["flow_config"]).items() if k in flow_names})
            model = ModelConfig.from_dict(json.loads(meta["model_config"]))
            step = int(meta.get("step", 0))
        except (KeyError, TypeError, ValueError) as err:
            raise GenerationError(f"{source} names the trajgen format but its model description is unreadable "
                                  f"({type(err).__name__}: {err}); re-export the model.") from None
        return CheckpointInfo(model, flow, meta.get("trajgen_version", "unknown"), step)


MIN_CHECKPOINT_BYTES = 64          # smaller than any header trajgen writes
MAX_SAFETENSORS_HEADER_BYTES = 100 * 2**20  # the safetensors library's own limit
_ONNX_METADATA_FIELD = 14          # ModelProto.metadata_props (repeated StringStringEntryProto)


def read_info(path: str | Path) -> CheckpointInfo:
    """Config and versions of a ``.safetensors`` or ``.onnx`` checkpoint, without loading weights.

    Raises GenerationError saying what is wrong: a missing, empty or truncated file, a header that
    is not the format's, or a model without trajgen's metadata (another program's model).
    """
    path = Path(path)
    if not path.is_file():
        raise GenerationError(f"The checkpoint {path} does not exist.")
    size = path.stat().st_size
    if size < MIN_CHECKPOINT_BYTES:
        raise GenerationError(f"The checkpoint {path} holds only {size} bytes: it is empty or cut short, "
                              "not a trained model.")
    if path.suffix == ".onnx":
        meta = _onnx_metadata(path, size)
    elif path.suffix == ".safetensors":
        meta = _safetensors_metadata(path, size)
    else:
        raise GenerationError(f"The checkpoint {path} is neither .onnx nor .safetensors.")
    return CheckpointInfo.from_metadata(meta, str(path))


def _safetensors_metadata(path: Path, size: int) -> dict[str, str]:
    with open(path, "rb") as fh:
        (header_size,) = struct.unpack("<Q", fh.read(8))
        if header_size > min(size - 8, MAX_SAFETENSORS_HEADER_BYTES):
            raise GenerationError(f"{path} is not a safetensors file: its first 8 bytes announce a "
                                  f"{header_size:,}-byte header in a {size:,}-byte file (damaged or another "
                                  "format).")
        raw = fh.read(header_size)
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise GenerationError(f"{path} is not a safetensors file: its header is not JSON (damaged or another "
                              "format).") from None
    if not isinstance(header, dict):
        raise GenerationError(f"{path} is not a safetensors file: its header is not a JSON object.")
    meta = header.get("__metadata__") or {}
    return meta if isinstance(meta, dict) else {}


def _varint(fh) -> int | None:
    """One protobuf varint read from ``fh``; None at the end of the file."""
    value, shift = 0, 0
    while True:
        byte = fh.read(1)
        if not byte:
            return None
        value |= (byte[0] & 0x7F) << shift
        if byte[0] < 0x80:
            return value
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _entry(raw: bytes) -> tuple[str, str]:
    """Key and value of a StringStringEntryProto (fields 1 and 2, both strings)."""
    import io

    fh, out = io.BytesIO(raw), {1: "", 2: ""}
    while (tag := _varint(fh)) is not None:
        if tag & 7 != 2:
            raise ValueError("metadata entry is not two strings")
        length = _varint(fh)
        out[tag >> 3] = fh.read(length).decode("utf-8")
    return out[1], out[2]


def _onnx_metadata(path: Path, size: int) -> dict[str, str]:
    """``metadata_props`` of an ONNX ModelProto: the top-level fields are walked, big ones skipped."""
    meta: dict[str, str] = {}
    try:
        with open(path, "rb") as fh:
            while (tag := _varint(fh)) is not None:
                field, wire = tag >> 3, tag & 7
                if field == 0 or wire not in (0, 1, 2, 5):
                    raise ValueError(f"wire type {wire} of field {field}")
                if wire == 0:
                    _varint(fh)
                elif wire in (1, 5):
                    fh.seek(8 if wire == 1 else 4, 1)
                else:
                    length = _varint(fh)
                    if length is None or fh.tell() + length > size:
                        raise ValueError("a field runs past the end of the file")
                    if field == _ONNX_METADATA_FIELD:
                        key, value = _entry(fh.read(length))
                        meta[key] = value
                    else:
                        fh.seek(length, 1)
    except (ValueError, UnicodeDecodeError) as err:
        raise GenerationError(f"{path} is not an ONNX model ({err}): the file is damaged, cut short or another "
                              "format.") from None
    if not meta:
        raise GenerationError(f"{path} is not a trajgen model: it carries none of the metadata trajgen writes "
                              "into the models it exports (an ONNX model from another program, or damaged).")
    return meta


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
