"""Torch twins of the noise process in ``process`` (for the training loss).

The same prior and path as the numpy sampler: noise drawn in each residue's own frame and
scaled by a level, and the geodesic / straight-line / shortest-arc path between two frames.
Frames are tuples (rot (..., L, 3, 3), trans (..., L, 3) Angstrom, torsions (..., L, 7) radians);
``tests/test_flow_parity.py`` checks that both sides give the same numbers for the same noise.
"""

from __future__ import annotations

import torch

from trajgen.engine.flow.process import FlowConfig
from trajgen.engine.flow.torch_so3 import exp_map, log_map, wrap_angle


def draw_noise(trans: torch.Tensor, tors: torch.Tensor) -> dict[str, torch.Tensor]:
    """Standard normal draws shaped like one set of frames: rot, trans (..., L, 3), torsions (..., L, 7)."""
    return {"rot": torch.randn_like(trans), "trans": torch.randn_like(trans), "torsions": torch.randn_like(tors)}


def perturb(rot, trans, tors, level, flow: FlowConfig, noise: dict[str, torch.Tensor] | None = None):
    """Frames moved by ``level`` (broadcast per frame, shape (...,)) times the prior noise, in each
    residue's own frame; ``noise`` (standard normal, ``draw_noise`` layout) is drawn when not given."""
    noise = draw_noise(trans, tors) if noise is None else noise
    lvl = level[..., None, None]
    rot_n = rot @ exp_map(lvl * flow.sigma_rot_rad * noise["rot"])
    trans_n = trans + (rot @ (lvl * flow.sigma_trans_A * noise["trans"])[..., None])[..., 0]
    tors_n = wrap_angle(tors + lvl * flow.sigma_torsion_rad * noise["torsions"])
    return rot_n, trans_n, tors_n


def interpolate(x0, x1, s):
    """Point at flow time s (...,) on the path from frames x0 to x1 (rot, trans, torsions tuples)."""
    frac = s[..., None, None]
    with torch.no_grad():
        delta = log_map(x0[0].transpose(-1, -2) @ x1[0])
    rot = x0[0] @ exp_map(frac * delta)
    trans = x0[1] + frac * (x1[1] - x0[1])
    tors = wrap_angle(x0[2] + frac * wrap_angle(x1[2] - x0[2]))
    return rot, trans, tors
