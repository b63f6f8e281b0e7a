"""Learning-rate schedule: linear warm-up from 0, then cosine decay to a floor (a multiplier of lr)."""

from __future__ import annotations

import math


def lr_factor(step: int, warmup_steps: int, max_steps: int, min_ratio: float) -> float:
    """Multiplier of the base learning rate for optimizer step ``step`` (0-based).

    Rises linearly to 1 over the first ``warmup_steps`` steps (step 0 gets 1 / warmup_steps, so
    no step is wasted at zero), then follows half a cosine from 1 down to ``min_ratio`` at
    ``max_steps``; past ``max_steps`` it stays at ``min_ratio``.
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    decay_steps = max(max_steps - warmup_steps, 1)
    progress = min((step - warmup_steps) / decay_steps, 1.0)
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


def make_scheduler(optimizer, warmup_steps: int, max_steps: int, min_ratio: float):
    """A ``torch.optim.lr_scheduler.LambdaLR`` following ``lr_factor`` (call ``.step()`` after each step)."""
    from torch.optim.lr_scheduler import LambdaLR

    return LambdaLR(optimizer, lambda step: lr_factor(step, warmup_steps, max_steps, min_ratio))
