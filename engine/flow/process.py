"""The noise process: flow matching from a noised copy of the previous frame to the next frame.

State of one frame per residue: rotation R (3x3, local to global), translation t (Angstrom,
the CA position) and 7 torsions (radians). The prior sample x0 is the previous frame moved by
Gaussian noise drawn *in each residue's previous local frame* (rotation vector, translation)
and wrapped Gaussian noise on the torsions, so the same seed gives the same relative noise
whatever the pose of the protein: sampling is SE(3)-equivariant by construction.
The path from x0 to the clean frame x1 is the geodesic (SO(3)), the straight line (R^3) and
the shortest arc (torus). The network predicts x1; Euler steps move along the geodesic
towards the prediction. numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trajgen.engine.flow.so3 import exp_map, geodesic, wrap_angle


@dataclass(frozen=True)
class FlowConfig:
    """Noise scales and sampler settings (saved with checkpoints beside ``ModelConfig``)."""

    sigma_trans_A: float = 1.0       # prior translation noise per axis, Angstrom
    sigma_rot_rad: float = 0.15      # prior rotation noise per axis, radians
    sigma_torsion_rad: float = 0.6   # prior torsion noise, radians
    n_steps: int = 3                 # Euler steps per frame at inference (+1 cache pass per frame)
    history_noise: float = 0.05      # diffusion-forcing noise level of history frames, in [0, 0.1]

    def step_times(self) -> np.ndarray:
        """Flow times s_0 = 0 < ... < s_n = 1 of the sampler (uniform grid)."""
        return np.linspace(0.0, 1.0, self.n_steps + 1)


@dataclass
class Frames:
    """A batch of frames: rot (B, L, 3, 3), trans (B, L, 3) Angstrom, torsions (B, L, 7) radians."""

    rot: np.ndarray
    trans: np.ndarray
    torsions: np.ndarray

    def index(self, sel) -> "Frames":
        """Frames of the batch rows ``sel`` (a slice or index array)."""
        return Frames(self.rot[sel], self.trans[sel], self.torsions[sel])

    @staticmethod
    def stack(items: list["Frames"]) -> "Frames":
        """Concatenate batches."""
        return Frames(np.concatenate([f.rot for f in items]), np.concatenate([f.trans for f in items]),
                      np.concatenate([f.torsions for f in items]))


def perturb(frames: Frames, noise: dict[str, np.ndarray], cfg: FlowConfig, level: float = 1.0) -> Frames:
    """Frames moved by ``level`` times the prior noise, drawn in each residue's own frame."""
    rot = frames.rot @ exp_map(level * cfg.sigma_rot_rad * noise["rot"])
    local = level * cfg.sigma_trans_A * noise["trans"]
    trans = frames.trans + np.einsum("blij,blj->bli", frames.rot, local)
    tors = wrap_angle(frames.torsions + level * cfg.sigma_torsion_rad * noise["torsions"])
    return Frames(rot.astype(np.float32), trans.astype(np.float32), tors.astype(np.float32))


def apply_update(frames: Frames, rot_update: np.ndarray, trans_update: np.ndarray,
                 torsions_out: np.ndarray) -> Frames:
    """The network's clean-frame prediction: noisy frame composed with its local SE(3) update.

    rot_update (B, L, 3) rotation vector, trans_update (B, L, 3) Angstrom, both in the noisy
    frame's local coordinates; torsions_out (B, L, 7, 2) sin/cos.
    """
    rot = frames.rot @ exp_map(rot_update)
    trans = frames.trans + np.einsum("blij,blj->bli", frames.rot, trans_update)
    tors = np.arctan2(torsions_out[..., 0], torsions_out[..., 1])
    return Frames(rot.astype(np.float32), trans.astype(np.float32), tors.astype(np.float32))


def interpolate(x: Frames, target: Frames, frac: float | np.ndarray) -> Frames:
    """Frames a fraction ``frac`` (scalar or (B,)) of the way from x to target along the geodesics."""
    frac = np.asarray(frac, dtype=np.float64)
    f_rot = np.broadcast_to(frac.reshape(frac.shape + (1,) * (2 - frac.ndim)), x.trans.shape[:2])
    rot = geodesic(x.rot, target.rot, f_rot)
    f = f_rot[..., None]
    trans = x.trans + f * (target.trans - x.trans)
    tors = wrap_angle(x.torsions + f * wrap_angle(target.torsions - x.torsions))
    return Frames(rot, trans.astype(np.float32), tors.astype(np.float32))


def euler_step(x: Frames, predicted_clean: Frames, s: float, s_next: float) -> Frames:
    """One Euler step of the flow from time s to s_next towards the predicted clean frame."""
    return interpolate(x, predicted_clean, (s_next - s) / max(1.0 - s, 1e-6))

