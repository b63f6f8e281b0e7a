"""Export the denoiser step (with its KV-cache inputs) to ONNX, carrying config and versions."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

from trajgen.engine import __version__
from trajgen.engine.checkpoint import CheckpointInfo
from trajgen.engine.flow.process import FlowConfig
from trajgen.engine.model.io_spec import INPUT_NAMES, OUTPUT_NAMES
from trajgen.engine.model.network import Denoiser, OneFrameStep

OPSET = 17


def example_inputs(cfg, batch: int = 1, n_res: int = 12) -> tuple[torch.Tensor, ...]:
    """Dummy inputs in ``io_spec`` order, used to trace the graph."""
    rot = torch.eye(3).expand(batch, n_res, 3, 3).contiguous()
    trans = torch.randn(batch, n_res, 3) * 5.0
    cache = torch.zeros(cfg.n_blocks, batch, cfg.n_slots, n_res, cfg.n_heads, cfg.d_head)
    ints = torch.arange(n_res).expand(batch, n_res).contiguous()
    values = {
        "aatype": ints % 20, "residue_index": ints, "chain_index": torch.zeros(batch, n_res, dtype=torch.long),
        "rot": rot, "trans": trans, "torsions": torch.tensor([0.0, 1.0]).expand(batch, n_res, 7, 2).contiguous(),
        "torsion_mask": torch.ones(batch, n_res, 7), "ref_rot": rot, "ref_trans": trans, "neighbor_trans": trans,
        "flow_time": torch.full((batch,), 0.5), "log_dt": torch.full((batch,), float(np.log(100.0))),
        "temperature": torch.full((batch,), 300.0), "cache_k": cache, "cache_v": cache.clone(),
        "slot_offset": torch.ones(batch, cfg.n_slots), "slot_mask": torch.ones(batch, cfg.n_slots)}
    return tuple(values[n] for n in INPUT_NAMES)


def dynamic_axes() -> dict[str, dict[int, str]]:
    """Batch and residue axes of every input and output are free."""
    axes: dict[str, dict[int, str]] = {}
    for name in INPUT_NAMES + OUTPUT_NAMES:
        cache_like = name in ("cache_k", "cache_v", "new_k", "new_v")
        slot_like = name in ("slot_offset", "slot_mask")
        axes[name] = {1: "batch", 3: "residues"} if cache_like and name.startswith("cache") else (
            {1: "batch", 2: "residues"} if cache_like else ({0: "batch"} if slot_like or name in (
                "flow_time", "log_dt", "temperature") else {0: "batch", 1: "residues"}))
    return axes


def export_onnx(model: Denoiser, path: str | Path, flow: FlowConfig = FlowConfig(), step: int = 0) -> Path:
    """Write the one-frame denoiser step as ONNX with ``CheckpointInfo`` metadata; returns the path."""
    import onnx

    path = Path(path)
    model = model.cpu().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(OneFrameStep(model), example_inputs(model.cfg), str(path), dynamo=False, opset_version=OPSET,
                          input_names=list(INPUT_NAMES), output_names=list(OUTPUT_NAMES),
                          dynamic_axes=dynamic_axes())
    proto = onnx.load(str(path))
    for key, value in CheckpointInfo(model.cfg, flow, __version__, step).to_metadata().items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(path))
    return path
