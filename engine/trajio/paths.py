"""File names that belong to one trajectory output: its extension, hidden partial file, topology PDB."""

from __future__ import annotations

import os


def extension_of(path: str | os.PathLike) -> str:
    """Lower-case extension with its dot: ``"run/OUT.DCD"`` -> ``".dcd"`` (``""`` if none)."""
    return os.path.splitext(os.fspath(path))[1].lower()


def partial_path_for(path: str | os.PathLike) -> str:
    """The hidden file that holds the frames while writing: ``run/OUT.dcd`` -> ``run/.OUT.part.dcd``.

    It keeps the real extension last, so tools that pick the format by extension (mdtraj, VMD,
    ChimeraX) can open it mid-run.
    """
    directory, name = os.path.split(os.fspath(path))
    stem, extension = os.path.splitext(name)
    return os.path.join(directory, f".{stem}.part{extension}")


def topology_path_for(path: str | os.PathLike) -> str | None:
    """The PDB written beside a coordinate-only trajectory: ``OUT.dcd`` -> ``OUT.pdb``.

    A ``.pdb`` trajectory carries its own topology, so for it the answer is ``None``.
    """
    text = os.fspath(path)
    root, extension = os.path.splitext(text)
    if extension.lower() == ".pdb":
        return None
    return root + ".pdb"
