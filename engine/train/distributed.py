"""One process or many (``torchrun``): device choice, process group, and reductions across ranks.

``torchrun`` sets RANK, WORLD_SIZE and LOCAL_RANK; without them the run is a single process.
Each process drives one device: ``cuda:LOCAL_RANK`` when GPUs are used, else the CPU. The
process group uses NCCL between GPUs and Gloo on CPUs. Nothing here calls ``.cuda()``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from trajgen.engine.errors import DeviceError


@dataclass(frozen=True)
class DistContext:
    """Where this process stands: rank among world_size processes, its device, whether it writes files."""

    rank: int
    local_rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """Rank 0 alone writes checkpoints, logs and the progress bar."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def pick_device(request: str, local_rank: int) -> torch.device:
    """``auto``: the GPU of this local rank if CUDA is usable, else the CPU; ``cuda`` always takes local_rank."""
    if request == "auto":
        request = "cuda" if torch.cuda.is_available() else "cpu"
    if request.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError("The training config asks for a CUDA device, but PyTorch sees no GPU here; "
                              "set run.device = \"cpu\" or \"auto\".")
        index = int(request.split(":")[1]) if ":" in request else local_rank
        if index >= torch.cuda.device_count():
            raise DeviceError(f"GPU {index} was asked for, but only {torch.cuda.device_count()} are visible.")
        torch.cuda.set_device(index)
        return torch.device("cuda", index)
    return torch.device("cpu")


def init_distributed(device_request: str = "auto") -> DistContext:
    """Join the process group when launched by ``torchrun`` (or any launcher setting the same variables)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(device_request, local_rank)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo", rank=rank, world_size=world,
                                device_id=device if device.type == "cuda" else None)
    return DistContext(rank=rank, local_rank=local_rank, world_size=world, device=device)


def shutdown(ctx: DistContext) -> None:
    """Leave the process group (no-op for a single process)."""
    if ctx.distributed and dist.is_initialized():
        dist.destroy_process_group()


def barrier(ctx: DistContext) -> None:
    if ctx.distributed:
        dist.barrier()


def sum_across(ctx: DistContext, values: list[float]) -> list[float]:
    """Element-wise sum of a list of floats over all ranks (float64 on this rank's device)."""
    if not ctx.distributed:
        return list(values)
    tensor = torch.tensor(values, dtype=torch.float64, device=ctx.device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor.tolist()


def gather_objects(ctx: DistContext, obj) -> list:
    """Every rank's ``obj`` (picklable), in rank order, on every rank."""
    if not ctx.distributed:
        return [obj]
    out: list = [None] * ctx.world_size
    dist.all_gather_object(out, obj)
    return out
