"""Configuration of one molecular-dynamics run (one protein, one temperature, one seed).

Times are in picoseconds, temperatures in kelvin, lengths in nanometres only where OpenMM
needs them (solvent padding). Every choice that changes the physics lives here, so a run is
fully described by its config and the manifest row it writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

IMPLICIT = "obc"        # amber99sbildn.xml + amber99_obc.xml, no cutoff
EXPLICIT = "tip3p"      # amber99sbildn.xml + tip3p.xml, PME, Monte Carlo barostat
SOLVENTS = (IMPLICIT, EXPLICIT)
PLATFORMS = ("auto", "CUDA", "OpenCL", "CPU", "Reference")


@dataclass(frozen=True)
class SimulationConfig:
    """Everything that defines one run.

    ``timestep_fs`` of 4 needs ``hydrogen_mass_amu`` near 3-4 (hydrogen-mass repartitioning)
    and bonds to hydrogen constrained. ``report_interval_ps`` is the stride of the saved
    heavy-atom trajectory; ``checkpoint_interval_ps`` how much work a crash can lose.
    """

    pdb_path: Path
    out_dir: Path
    temperature_K: float = 300.0
    seed: int = 0
    solvent: str = IMPLICIT
    timestep_fs: float = 4.0
    hydrogen_mass_amu: float = 4.0
    friction_per_ps: float = 1.0
    minimize_max_iterations: int = 0          # 0: until converged
    equilibration_ps: float = 100.0
    production_ps: float = 1000.0
    report_interval_ps: float = 10.0
    checkpoint_interval_ps: float = 100.0
    padding_nm: float = 1.0                   # explicit solvent only
    ionic_strength_molar: float = 0.15        # explicit solvent only
    ph: float = 7.0
    platform: str = "auto"
    cpu_threads: int = 1                      # per process; several runs go side by side
    device_index: int | None = None           # GPU index for CUDA/OpenCL
    name: str | None = None                   # protein name; default: the PDB file stem
    label: str = ""                           # run-id suffix telling apart plans of one protein ("short", "long")

    def __post_init__(self) -> None:
        object.__setattr__(self, "pdb_path", Path(self.pdb_path))
        object.__setattr__(self, "out_dir", Path(self.out_dir))
        if self.solvent not in SOLVENTS:
            raise ValueError(f"Solvent must be one of {', '.join(SOLVENTS)}, not {self.solvent!r}.")
        if self.platform not in PLATFORMS:
            raise ValueError(f"Platform must be one of {', '.join(PLATFORMS)}, not {self.platform!r}.")
        for label in ("report_interval_ps", "checkpoint_interval_ps", "production_ps"):
            if getattr(self, label) <= 0:
                raise ValueError(f"{label} must be positive, got {getattr(self, label)}.")
        if self.report_steps < 1:
            raise ValueError("The report interval is shorter than one time step.")

    @property
    def protein(self) -> str:
        return self.name or self.pdb_path.name.split(".")[0]

    @property
    def run_id(self) -> str:
        """File-name-safe identifier, unique per protein, solvent, temperature and seed."""
        base = re.sub(r"[^A-Za-z0-9_.-]", "_", self.protein)
        suffix = f"_{re.sub(r'[^A-Za-z0-9]', '_', self.label)}" if self.label else ""
        return f"{base}_{self.solvent}_{self.temperature_K:g}K_s{self.seed}{suffix}"

    @property
    def timestep_ps(self) -> float:
        return self.timestep_fs / 1000.0

    def steps(self, ps: float) -> int:
        """Number of integrator steps covering ``ps`` picoseconds (rounded)."""
        return int(round(ps / self.timestep_ps))

    @property
    def report_steps(self) -> int:
        return self.steps(self.report_interval_ps)

    @property
    def n_frames(self) -> int:
        """Frames in the finished production trajectory."""
        return self.steps(self.production_ps) // self.report_steps

    @property
    def frames_per_chunk(self) -> int:
        """Frames written between two checkpoints (at least one)."""
        return max(1, self.steps(self.checkpoint_interval_ps) // self.report_steps)


@dataclass
class BatchConfig:
    """Many runs side by side: proteins x temperatures x seeds, ``workers`` processes."""

    pdb_paths: list[Path]
    out_dir: Path
    temperatures_K: tuple[float, ...] = (300.0,)
    seeds: tuple[int, ...] = (0,)
    workers: int = 1
    base: dict = field(default_factory=dict)   # other SimulationConfig fields

    def runs(self) -> list[SimulationConfig]:
        return [
            SimulationConfig(pdb_path=Path(p), out_dir=Path(self.out_dir), temperature_K=t, seed=s, **self.base)
            for p in self.pdb_paths for t in self.temperatures_K for s in self.seeds
        ]
