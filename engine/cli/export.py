"""``trajgen export-onnx MODEL.safetensors -o MODEL.onnx``: make a checkpoint runnable without PyTorch."""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "export-onnx", help="export a trained checkpoint to ONNX for generation with ONNX Runtime alone",
        description="Export the denoiser step of a .safetensors checkpoint (with its KV-cache inputs) to ONNX; "
                    "the file carries the model and sampler configuration, so it is all generation needs.")
    p.add_argument("checkpoint", help="trajgen checkpoint (.safetensors)")
    p.add_argument("-o", "--output", required=True, help="ONNX file to write (.onnx)")
    p.add_argument("--steps", type=int, help="override the number of flow steps per frame stored with the model")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from trajgen.engine.backends.export import export_onnx
    from trajgen.engine.checkpoint import load_model
    from trajgen.engine.errors import GenerationError

    if not args.output.endswith(".onnx"):
        raise GenerationError(f"The output {args.output} should end in .onnx.")
    model, info = load_model(args.checkpoint)
    flow = replace(info.flow, n_steps=args.steps) if args.steps else info.flow
    export_onnx(model, args.output, flow, step=info.step)
    print(f"wrote {args.output} ({info.model.n_blocks} blocks, width {info.model.d_model}, "
          f"{flow.n_steps} flow steps per frame, training step {info.step})")
    return 0
