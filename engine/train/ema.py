"""Exponential moving average of a model's weights, kept in float32 beside the trained model."""

from __future__ import annotations

import torch
from torch import nn


class EMA:
    """Shadow copy of every floating-point parameter and buffer of ``model``.

    After each optimizer step, ``update(model)`` moves the shadow towards the weights:
    ``shadow = d * shadow + (1 - d) * weight`` with ``d = min(decay, (1 + n) / (10 + n))`` at
    update ``n`` (0-based), so early, still-random weights are forgotten quickly.
    """

    def __init__(self, model: nn.Module, decay: float):
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"The EMA decay must lie in [0, 1), got {decay}.")
        self.decay = decay
        self.updates = 0
        self.shadow = {k: v.detach().float().clone() for k, v in model.state_dict().items()
                       if v.dtype.is_floating_point}

    def current_decay(self) -> float:
        """Decay used by the next update."""
        return min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """Fold the model's current weights into the average."""
        d = self.current_decay()
        state = model.state_dict()
        for key, avg in self.shadow.items():
            avg.mul_(d).add_(state[key].detach().float(), alpha=1.0 - d)
        self.updates += 1

    @torch.no_grad()
    def copy_to(self, model: nn.Module) -> None:
        """Load the averaged weights into ``model`` (same architecture); other entries are kept."""
        state = model.state_dict()
        for key, avg in self.shadow.items():
            state[key].copy_(avg.to(state[key].dtype))

    def state_dict(self) -> dict:
        return {"decay": self.decay, "updates": self.updates, "shadow": dict(self.shadow)}

    def load_state_dict(self, state: dict) -> None:
        if set(state["shadow"]) != set(self.shadow):
            raise ValueError("The saved EMA weights belong to a different model architecture.")
        self.decay, self.updates = float(state["decay"]), int(state["updates"])
        for key, value in state["shadow"].items():
            self.shadow[key].copy_(value)
