"""The training loop: one process on a CPU, or one process per GPU under ``torchrun`` (DDP).

    from trajgen.engine.train import load_config, train
    result = train(load_config("docs/configs/tiny_cpu.toml"))
    result.best_checkpoint      # EMA weights at the lowest validation loss (.safetensors)

Each step: a batch of windows per rank -> flow-matching loss (bf16 autocast on GPU, fp32 on
CPU) -> gradients averaged over ranks -> global-norm clipping -> AdamW -> schedule -> EMA.
Validation runs the EMA weights on fixed held-out batches with a fixed noise seed, so
successive validation losses differ only through the weights.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from trajgen.engine.errors import TrainingError
from trajgen.engine.flow.loss import flow_matching_loss
from trajgen.engine.model.network import Denoiser, count_parameters
from trajgen.engine.train import checkpointing as ckpt
from trajgen.engine.train.config import TrainConfig, save_config
from trajgen.engine.train.data import (
    cache_files, check_temperatures, protein_of, split_cache, synthetic_files, to_device, train_loader,
    validation_batches, window_config,
)
from trajgen.engine.train.distributed import DistContext, gather_objects, init_distributed, shutdown, sum_across
from trajgen.engine.train.ema import EMA
from trajgen.engine.train.logs import RunLogger
from trajgen.engine.train.schedule import make_scheduler

log = logging.getLogger(__name__)


class Forward:
    """Calls the denoiser (``module``: a ``Denoiser`` or DDP around one) under optional bf16 autocast.

    ``flow_matching_loss`` calls it like the network itself; ``cfg`` is the network's ``ModelConfig``.
    """

    def __init__(self, module: nn.Module, cfg, bf16: bool):
        self.module, self.cfg, self.bf16 = module, cfg, bf16

    @property
    def denoiser(self) -> Denoiser:
        return getattr(self.module, "module", self.module)

    def __call__(self, inputs, context):
        device_type = self.denoiser.frame_head.weight.device.type
        with torch.autocast(device_type=device_type, dtype=torch.bfloat16, enabled=self.bf16):
            return self.module(inputs, context)         # outputs are float32 (Denoiser.forward)


@dataclass
class TrainResult:
    """Where a finished (or stopped) invocation left the run."""

    out_dir: Path
    step: int
    best_val_loss: float | None
    best_checkpoint: Path | None
    onnx: Path | None
    n_parameters: int
    model: Denoiser = field(repr=False)   # this process's trained (not averaged) weights, on its device


@dataclass
class _Run:
    """Everything the loop mutates, in one place."""

    model: Denoiser
    view: Forward
    ema: EMA
    ema_view: Forward
    optimizer: torch.optim.Optimizer
    scheduler: object
    step: int = 0
    best_val: float = math.inf
    best_step: int | None = None
    val_key: str = ""               # which validation windows best_val was measured on (validation_key)
    pending: list = field(default_factory=list)


def train(config: TrainConfig) -> TrainResult:
    """Run (or resume) training as configured; under ``torchrun`` every process calls this."""
    owns_group = not (dist.is_available() and dist.is_initialized())
    ctx = init_distributed(config.run.device)
    try:
        return _train(config, ctx)
    finally:
        if owns_group:
            shutdown(ctx)


def _train(config: TrainConfig, ctx: DistContext) -> TrainResult:
    precision = _precision(config, ctx)
    if config.run.threads:
        torch.set_num_threads(config.run.threads)
    if ctx.device.type == "cuda":
        torch.set_float32_matmul_precision("high")
    out_dir = Path(config.run.out_dir)
    if ctx.is_main:
        out_dir.mkdir(parents=True, exist_ok=True)
        save_config(config, out_dir / "config.json")
    from trajgen.engine.dataset.windows import WindowSampler

    train_paths, val_paths = split_cache(cache_files(config.data, ctx), config.data)
    check_temperatures(train_paths + val_paths, config.model)
    train_sampler = WindowSampler(train_paths, window_config(config.data)) if train_paths else None
    synthetic_paths = synthetic_files(config.data, {protein_of(p)[0] for p in val_paths}) if config.data.synthetic else []
    if synthetic_paths:
        check_temperatures(synthetic_paths, config.model)
    elif train_sampler is None:
        raise TrainingError("No MD trajectory trains and no synthetic file may: nothing to train on.")
    if ctx.is_main:
        write_run_info(out_dir / RUN_INFO_NAME, ctx, precision, train_paths, val_paths, synthetic_paths)
    synthetic_sampler = WindowSampler(synthetic_paths, window_config(config.data)) if synthetic_paths else None
    val_batches = validation_batches(WindowSampler(val_paths, window_config(config.data)), config, ctx)
    run = _build(config, ctx, precision == "bf16")
    run.val_key = validation_key(val_paths, config)
    resumed = _maybe_resume(run, config, ctx, out_dir, val_batches)
    logger = RunLogger(out_dir, ctx.is_main, resumed, config.optim.max_steps, config.run.progress,
                       config.run.tensorboard)
    stop = min(config.optim.max_steps, config.run.stop_after_steps or config.optim.max_steps)
    if ctx.is_main:
        log.info("training %d parameters on %d process(es) (%s, %s) from step %d to %d",
                 count_parameters(run.model), ctx.world_size, ctx.device, precision, run.step, stop)
    try:
        _loop(run, config, ctx, train_loader(train_sampler, config, ctx, run.step, stop, synthetic_sampler), val_batches, logger, stop)
    finally:
        logger.close()
    return _finish(run, config, ctx, out_dir)


def _precision(config: TrainConfig, ctx: DistContext) -> str:
    precision = config.run.precision
    if precision == "auto":
        return "bf16" if ctx.device.type == "cuda" and torch.cuda.is_bf16_supported() else "fp32"
    if precision == "bf16" and ctx.device.type != "cuda":
        raise TrainingError("bf16 autocast is for GPUs; train in fp32 on the CPU (run.precision = \"auto\").")
    return precision


def _build(config: TrainConfig, ctx: DistContext, bf16: bool) -> _Run:
    """Model (same initial weights on every rank), DDP wrapper, EMA, AdamW and the schedule."""
    torch.manual_seed(config.run.seed)
    model = Denoiser(config.model).to(ctx.device)
    module: nn.Module = model
    if ctx.distributed:
        ids = [ctx.device.index] if ctx.device.type == "cuda" else None
        module = nn.parallel.DistributedDataParallel(module, device_ids=ids)
    ema_model = Denoiser(config.model).to(ctx.device).eval()
    ema = EMA(model, config.optim.ema_decay)
    o = config.optim
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": o.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=o.lr, betas=o.betas)
    scheduler = make_scheduler(optimizer, o.warmup_steps, o.max_steps, o.min_lr_ratio)
    torch.manual_seed(_rank_seed(config.run.seed, ctx.rank))
    return _Run(model, Forward(module, config.model, bf16), ema, Forward(ema_model, config.model, bf16),
                optimizer, scheduler)


def _rank_seed(seed: int, rank: int, step: int = 0) -> int:
    """Seed of this rank's training noise (flow times, prior draws), distinct per rank."""
    return int(np.random.SeedSequence((seed, 3, rank, step)).generate_state(1)[0])


def _loop(run: _Run, config: TrainConfig, ctx: DistContext, loader, val_batches, logger: RunLogger,
          stop: int) -> None:
    tick, windows = time.monotonic(), 0
    started = tick
    hours = config.run.stop_after_hours
    for batch in loader:
        run.pending.append(_train_step(run, to_device(batch, ctx.device), config))
        run.step += 1
        windows += config.optim.batch_size * ctx.world_size
        if run.step % config.run.log_every == 0 or run.step == stop:
            now = time.monotonic()
            logger.log_train(_log_row(run, ctx, windows / max(now - tick, 1e-9), now - started))
            tick, windows = now, 0
        if run.step % config.run.val_every == 0 or run.step == config.optim.max_steps:
            _validate_and_select(run, config, ctx, val_batches, logger)
        if run.step % config.run.checkpoint_every == 0 or run.step == stop:
            _save_resume(run, config, ctx)
        if hours is not None and run.step % config.run.log_every == 0:
            late = float(time.monotonic() - started > 3600.0 * hours)
            if sum_across(ctx, [late])[0] > 0:            # every rank stops at the same step
                if run.step % config.run.checkpoint_every:
                    _save_resume(run, config, ctx)
                if ctx.is_main:
                    log.info("stop_after_hours reached at step %d; resume later from last.pt", run.step)
                return


def _train_step(run: _Run, batch: dict[str, torch.Tensor], config: TrainConfig) -> list[float]:
    """One optimizer step; returns [loss, trans, rot, torsion, grad_norm, lr] of this rank."""
    run.model.train()
    loss, parts = flow_matching_loss(run.view, batch, config.flow, config.loss)
    run.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    clip = config.optim.grad_clip if config.optim.grad_clip > 0 else math.inf
    norm = float(nn.utils.clip_grad_norm_(run.model.parameters(), clip))
    if not math.isfinite(norm):
        raise TrainingError(f"The gradients became non-finite at step {run.step + 1}; lower optim.lr or "
                            "tighten optim.grad_clip, then resume from the last checkpoint.")
    lr = run.optimizer.param_groups[0]["lr"]
    run.optimizer.step()
    run.scheduler.step()
    run.ema.update(run.model)
    return [float(loss.detach()), parts["trans"], parts["rot"], parts["torsion"], norm, lr]


RUN_INFO_NAME = "run_info.json"


def write_run_info(path: Path, ctx: DistContext, precision: str, train_paths: list[Path],
                   val_paths: list[Path], synthetic_paths: list[Path] = ()) -> None:
    """What the model card needs beside the logs: processes, devices, precision and the proteins on each side."""
    device_name = torch.cuda.get_device_name(ctx.device) if ctx.device.type == "cuda" else "cpu"
    info = {"world_size": ctx.world_size, "device_type": ctx.device.type, "device_name": device_name,
            "precision": precision, "torch": torch.__version__,
            "train_proteins": sorted({protein_of(p)[0] for p in train_paths}),
            "val_proteins": sorted({protein_of(p)[0] for p in val_paths}),
            "train_trajectories": len(train_paths), "val_trajectories": len(val_paths),
            "synthetic_proteins": sorted({protein_of(p)[0] for p in synthetic_paths}),
            "synthetic_trajectories": len(synthetic_paths)}
    path.write_text(json.dumps(info, indent=1) + "\n")


def _log_row(run: _Run, ctx: DistContext, windows_per_s: float, elapsed: float) -> dict:
    """Means of the pending per-step values over steps and ranks (a collective: all ranks call it)."""
    sums = sum_across(ctx, list(np.sum(run.pending, axis=0)) + [len(run.pending)])
    mean = [float(s / sums[-1]) for s in sums[:-1]]
    run.pending = []
    return {"step": run.step, "loss": mean[0], "trans": mean[1], "rot": mean[2], "torsion": mean[3],
            "grad_norm": mean[4], "lr": mean[5], "windows_per_s": windows_per_s,
            "elapsed_s": elapsed}


@torch.no_grad()
def validate(view: Forward, batches, config: TrainConfig, ctx: DistContext) -> float:
    """Mean loss over the run's validation batches (all ranks), noise seeded per batch."""
    total, count = 0.0, 0
    for index, batch in batches:
        with torch.random.fork_rng(devices=[ctx.device] if ctx.device.type == "cuda" else []):
            torch.manual_seed(int(np.random.SeedSequence((config.run.seed, 4, index)).generate_state(1)[0]))
            loss, _ = flow_matching_loss(view, to_device(batch, ctx.device), config.flow, config.loss)
        total, count = total + float(loss), count + 1
    total, count = sum_across(ctx, [total, count])
    return total / count


def _validate_and_select(run: _Run, config: TrainConfig, ctx: DistContext, val_batches, logger: RunLogger) -> None:
    """Validation loss of the EMA weights; a new best is written to best.safetensors (rank 0)."""
    ema_model = run.ema_view.denoiser
    run.ema.copy_to(ema_model)
    val = validate(run.ema_view, val_batches, config, ctx)
    if val < run.best_val:
        run.best_val, run.best_step = val, run.step
        if ctx.is_main:
            ckpt.save_best(Path(config.run.out_dir) / ckpt.BEST_NAME, ema_model, config.flow, run.step)
    logger.log_val(run.step, val, run.best_val)


def validation_key(val_paths: list[Path], config: TrainConfig) -> str:
    """Fingerprint of the validation windows: the files and every setting that draws them. A best
    loss measured on other windows (a validation protein gained a run) cannot be compared."""
    d = config.data
    spec = {"files": sorted(Path(p).name for p in val_paths), "n_frames": d.n_frames, "crop": d.crop_residues,
            "strides": [d.min_stride_ps, d.max_stride_ps], "batches": config.run.val_batches,
            "batch_size": config.optim.batch_size, "seed": config.run.seed}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def _rescore_best(run: _Run, config: TrainConfig, ctx: DistContext, out_dir: Path, val_batches) -> None:
    """After the validation windows changed: the best checkpoint's loss on the new windows becomes
    the loss to beat (infinity when there is no best checkpoint yet)."""
    path = out_dir / ckpt.BEST_NAME
    old = run.best_val
    if not path.exists():
        run.best_val, run.best_step = math.inf, None
        return
    from trajgen.engine.checkpoint import load_model, read_info

    best, info = load_model(path)
    ema_model = run.ema_view.denoiser
    ema_model.load_state_dict(best.state_dict())
    run.best_val, run.best_step = validate(run.ema_view, val_batches, config, ctx), int(info.step)
    if ctx.is_main:
        log.warning("the validation windows changed since the resume state was written: %s (step %d) "
                    "rescored on them, %.4f (was %.4f on the old ones)", path.name, info.step, run.best_val, old)


def _save_resume(run: _Run, config: TrainConfig, ctx: DistContext) -> None:
    """Write last.pt (rank 0) with every rank's RNG state."""
    rng = gather_objects(ctx, ckpt.capture_rng(ctx.device))
    if not ctx.is_main:
        return
    state = {"step": run.step, "best_val": run.best_val, "best_step": -1 if run.best_step is None else run.best_step,
             "val_key": run.val_key,
             "model": run.model.state_dict(), "ema": run.ema.state_dict(), "optimizer": run.optimizer.state_dict(),
             "scheduler": run.scheduler.state_dict(), "rng": rng, "world_size": ctx.world_size,
             "config": json.dumps(config.to_dict())}
    ckpt.save_resume_state(Path(config.run.out_dir) / ckpt.RESUME_NAME, state)


def _maybe_resume(run: _Run, config: TrainConfig, ctx: DistContext, out_dir: Path, val_batches) -> int | None:
    """Load last.pt when ``run.resume`` says so; returns the resumed step (None: fresh start). A
    state whose best loss was measured on other validation windows has the best checkpoint rescored."""
    path = ckpt.resume_path(config.run.resume, out_dir)
    if path is None:
        return None
    state = ckpt.load_resume_state(path, config.model.to_dict())
    run.model.load_state_dict(state["model"])
    run.ema.load_state_dict(state["ema"])
    run.optimizer.load_state_dict(state["optimizer"])
    run.scheduler.load_state_dict(state["scheduler"])
    run.step, run.best_val = int(state["step"]), float(state["best_val"])
    run.best_step = None if int(state["best_step"]) < 0 else int(state["best_step"])
    if int(state["world_size"]) == ctx.world_size:
        ckpt.restore_rng(state["rng"][ctx.rank], ctx.device)
    else:
        torch.manual_seed(_rank_seed(config.run.seed, ctx.rank, run.step))
        if ctx.is_main:
            log.warning("%s was written by %d processes, this run has %d: training noise is reseeded "
                        "(windows still follow the step).", path, state["world_size"], ctx.world_size)
    if state.get("val_key", "") != run.val_key:
        _rescore_best(run, config, ctx, out_dir, val_batches)
    if ctx.is_main:
        log.info("resumed %s at step %d", path, run.step)
    return run.step


def _finish(run: _Run, config: TrainConfig, ctx: DistContext, out_dir: Path) -> TrainResult:
    """Export best.onnx once the schedule is complete (rank 0), and describe the outcome."""
    best = out_dir / ckpt.BEST_NAME
    onnx_path = None
    done = run.step >= config.optim.max_steps
    if done and config.run.export_onnx and best.exists():
        onnx_path = out_dir / ckpt.ONNX_NAME
        if ctx.is_main:
            ckpt.export_best(best, onnx_path)
    if ctx.distributed:
        dist.barrier()
    return TrainResult(out_dir=out_dir, step=run.step,
                       best_val_loss=None if math.isinf(run.best_val) else run.best_val,
                       best_checkpoint=best if best.exists() else None, onnx=onnx_path,
                       n_parameters=count_parameters(run.model), model=run.model)
