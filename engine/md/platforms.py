"""Choosing the OpenMM platform: CUDA when a GPU works, otherwise the CPU platform."""

from __future__ import annotations

from functools import lru_cache

from trajgen.engine.errors import TrajgenError


@lru_cache(maxsize=None)
def platform_works(name: str) -> bool:
    """True when OpenMM can create a context on platform ``name`` (a driver and device exist)."""
    import openmm

    try:
        platform = openmm.Platform.getPlatformByName(name)
        system = openmm.System()
        system.addParticle(1.0)
        openmm.Context(system, openmm.VerletIntegrator(0.001), platform)
    except Exception:  # noqa: BLE001 - OpenMM raises a plain Exception for a missing device
        return False
    return True


def resolve_platform(requested: str) -> str:
    """Turn 'auto' into 'CUDA' or 'CPU'; check that an explicitly requested platform works."""
    if requested == "auto":
        return "CUDA" if platform_works("CUDA") else "CPU"
    if not platform_works(requested):
        raise TrajgenError(f"The OpenMM platform {requested!r} is not usable on this machine.")
    return requested


def platform_properties(name: str, cpu_threads: int, device_index: int | None) -> dict[str, str]:
    """Platform properties: thread count on CPU, device and mixed precision on GPUs."""
    if name == "CPU":
        return {"Threads": str(max(1, cpu_threads))}
    if name in ("CUDA", "OpenCL"):
        props = {"Precision": "mixed"}
        if device_index is not None:
            props["DeviceIndex"] = str(device_index)
        return props
    return {}
