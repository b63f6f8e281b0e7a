"""trajgen's own exception classes.

Viewer adapters turn these into ChimeraX ``UserError`` or PyMOL ``CmdException``; the CLI
prints their message and exits non-zero. Every message is a sentence a scientist understands.
"""


class TrajgenError(Exception):
    """Base class of every error trajgen raises on purpose."""


class StructureError(TrajgenError):
    """The input structure cannot be read or holds no usable protein."""


class GeometryError(TrajgenError):
    """Frames, torsions or atoms are inconsistent (wrong shapes, missing backbone atoms)."""


class TrajectoryWriteError(TrajgenError):
    """A trajectory file could not be written (unknown format, disk full, permissions).

    The partial file named in ``path`` is still a valid trajectory of ``frames_written`` frames.
    """

    def __init__(self, message: str, path: str | None = None, frames_written: int = 0):
        super().__init__(message)
        self.path = path
        self.frames_written = frames_written


class DeviceError(TrajgenError):
    """The requested compute device or backend is not available on this machine."""


class GenerationError(TrajgenError):
    """A generation request cannot be run as asked (lengths, temperature, size, checkpoint)."""


class TrainingError(TrajgenError):
    """A training run cannot start or continue as configured (config file, data, split, checkpoint)."""
