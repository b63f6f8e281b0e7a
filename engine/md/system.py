"""OpenMM system and integrator for a prepared protein.

Implicit solvent (default): amber99sbildn + built-in OBC GB, no cutoff. Explicit solvent:
amber99sbildn + TIP3P water box with ions, PME, 1 nm cutoff, Monte Carlo barostat at 1 bar.
Both constrain bonds to hydrogen and repartition hydrogen mass so 4 fs steps are stable.
"""

from __future__ import annotations

from trajgen.engine.md.config import EXPLICIT, SimulationConfig

FORCE_FIELDS = {
    "obc": ("amber99sbildn.xml", "amber99_obc.xml"),
    "tip3p": ("amber99sbildn.xml", "tip3p.xml"),
}


def force_field_label(solvent: str) -> str:
    """Human-readable force field name written to the manifest, e.g. 'amber99sbildn+amber99_obc'."""
    return "+".join(f.removesuffix(".xml") for f in FORCE_FIELDS[solvent])


def _forcefield(config: SimulationConfig):
    from openmm.app import ForceField

    return ForceField(*FORCE_FIELDS[config.solvent])


def solvate(topology, positions, config: SimulationConfig):
    """Explicit solvent: add a TIP3P box (``padding_nm``) with ions; implicit: return the input."""
    if config.solvent != EXPLICIT:
        return topology, positions
    from openmm import unit
    from openmm.app import Modeller

    modeller = Modeller(topology, positions)
    modeller.addSolvent(
        _forcefield(config), model="tip3p", padding=config.padding_nm * unit.nanometer,
        ionicStrength=config.ionic_strength_molar * unit.molar,
    )
    return modeller.topology, modeller.positions


def create_system(topology, config: SimulationConfig):
    """OpenMM System for an already solvated (or implicit-solvent) topology."""
    from openmm import MonteCarloBarostat, unit
    from openmm.app import PME, HBonds, NoCutoff

    common = dict(constraints=HBonds, hydrogenMass=config.hydrogen_mass_amu * unit.amu)
    if config.solvent == EXPLICIT:
        system = _forcefield(config).createSystem(
            topology, nonbondedMethod=PME, nonbondedCutoff=1.0 * unit.nanometer, **common
        )
        system.addForce(MonteCarloBarostat(1.0 * unit.bar, config.temperature_K * unit.kelvin))
        return system
    return _forcefield(config).createSystem(topology, nonbondedMethod=NoCutoff, **common)


def build_integrator(config: SimulationConfig):
    """Langevin middle integrator at the run's temperature, friction and time step, seeded."""
    from openmm import LangevinMiddleIntegrator, unit

    integrator = LangevinMiddleIntegrator(
        config.temperature_K * unit.kelvin,
        config.friction_per_ps / unit.picosecond,
        config.timestep_ps * unit.picoseconds,
    )
    integrator.setRandomNumberSeed(config.seed + 1)  # OpenMM treats 0 as "pick one at random"
    return integrator
