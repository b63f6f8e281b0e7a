"""Torch twins of the rotation helpers in ``so3`` (for the training loss)."""

from __future__ import annotations

import torch


def hat(v: torch.Tensor) -> torch.Tensor:
    """Skew-symmetric matrices (..., 3, 3) of vectors (..., 3)."""
    x, y, z = v.unbind(-1)
    zero = torch.zeros_like(x)
    return torch.stack([torch.stack([zero, -z, y], -1), torch.stack([z, zero, -x], -1),
                        torch.stack([-y, x, zero], -1)], -2)


def exp_map(v: torch.Tensor) -> torch.Tensor:
    """Rotation matrices (..., 3, 3) of rotation vectors (..., 3)."""
    theta = torch.sqrt((v * v).sum(-1) + 1e-12)[..., None, None]
    k = hat(v)
    a = torch.sin(theta) / theta
    b = (1.0 - torch.cos(theta)) / theta ** 2
    return torch.eye(3, dtype=v.dtype, device=v.device) + a * k + b * (k @ k)


def log_map(r: torch.Tensor) -> torch.Tensor:
    """Rotation vectors (..., 3) of rotation matrices; angles near pi lose accuracy (not used in gradients)."""
    skew = 0.5 * torch.stack([r[..., 2, 1] - r[..., 1, 2], r[..., 0, 2] - r[..., 2, 0],
                              r[..., 1, 0] - r[..., 0, 1]], -1)
    cos = ((r[..., 0, 0] + r[..., 1, 1] + r[..., 2, 2] - 1.0) / 2.0).clamp(-1.0, 1.0)
    sin = torch.sqrt((skew * skew).sum(-1) + 1e-12)
    theta = torch.atan2(sin, cos)
    return skew * (theta / sin)[..., None]


def wrap_angle(a: torch.Tensor) -> torch.Tensor:
    """Angles wrapped into [-pi, pi)."""
    return torch.remainder(a + torch.pi, 2.0 * torch.pi) - torch.pi
