"""Between PyMOL objects and the trajgen engine: atoms in, trajectory states out.

The trajectory object is created from the protein's heavy-atom topology (PDB serial = topology
index + 1). PyMOL keeps that file order for ``load_coordset`` / ``get_coordset`` (its *sorted*
order is only used by ``iterate`` and ``get_coords``), so a frame's (n_atoms, 3) xyz goes in
and comes out unpermuted.
"""

from __future__ import annotations

import numpy as np
from pymol import CmdException

from trajgen.engine.errors import TrajgenError
from trajgen.engine.structure import AtomTable, Protein, protein_from_atoms
from trajgen.engine.trajio.pdb_records import single_structure_pdb

_FIELDS = "rows.append((name, resn, chain, resi, resv, elem, type))"


def check_molecule(name: str, _self) -> None:
    """Raise CmdException unless ``name`` is a molecular object of this PyMOL session."""
    if name in _self.get_names_of_type("object:molecule"):
        return
    known = ", ".join(_self.get_names_of_type("object:molecule")) or "none is loaded"
    raise CmdException(f"There is no molecular object named {name!r} (molecular objects: {known}).")


def atom_table(name: str, state: int, _self) -> AtomTable:
    """The atoms of object ``name`` in ``state`` (1-based) as an AtomTable; first alternate location only.

    Coordinates are the object's coordinates (Angstrom), untransformed by the camera.
    """
    selection = f"(%{name}) and (alt ''+A)"
    rows: list[tuple] = []
    _self.iterate(selection, _FIELDS, space={"rows": rows})
    xyz = _self.get_coords(selection, state=state)  # sorted order, like iterate
    if not rows or xyz is None:
        raise CmdException(f"Object {name!r} has no atoms in state {state}.")
    records = [(atom, resn, chain, resv, resi[len(str(resv)):].strip(), elem.upper(), kind == "HETATM")
               for atom, resn, chain, resi, resv, elem, kind in rows]
    skipped = _self.count_atoms(f"%{name}") - len(rows)
    notes = [f"{skipped} alternate-location atoms ignored (first location kept)"] if skipped else []
    return AtomTable.from_records(records, xyz, source=f"PyMOL object {name} (state {state})", notes=notes)


def protein_of(name: str, _self, state: int | None = None) -> Protein:
    """The trajgen Protein of object ``name`` in ``state`` (default: the state on display)."""
    check_molecule(name, _self)
    state = _self.get_state() if state is None else state
    state = min(max(1, state), max(1, _self.count_states(name)))
    try:
        return protein_from_atoms(atom_table(name, state, _self))
    except TrajgenError as err:
        raise CmdException(str(err)) from None


def create_trajectory_object(target: str, protein: Protein, _self) -> None:
    """(Re)create object ``target``: the protein's heavy atoms, its input coordinates as state 1."""
    xyz = protein.heavy_atom_xyz(protein.positions)  # (n_atoms, 3) A, topology order
    text = single_structure_pdb(protein.heavy_atom_topology(), xyz).decode("ascii")
    _self.delete(target)
    _self.read_pdbstr(text, target)
    if _self.count_atoms(f"%{target}") != len(xyz):
        raise CmdException(f"PyMOL read {_self.count_atoms(f'%{target}')} atoms for {target}, "
                           f"expected {len(xyz)}; the trajectory object cannot be built.")


def set_state(target: str, state: int, xyz: np.ndarray, _self) -> None:
    """Store ``xyz`` (n_atoms, 3) Angstrom, topology order, as state ``state`` (1-based) of ``target``."""
    _self.load_coordset(np.ascontiguousarray(xyz, dtype=np.float32), target, state=state)


def read_states(target: str, n_atoms: int, _self) -> np.ndarray:
    """All states of ``target`` as (n_states, n_atoms, 3) float32 Angstrom, topology order."""
    if target not in _self.get_names_of_type("object:molecule"):
        raise CmdException(f"The trajectory object {target!r} is gone; nothing to export.")
    n_states = _self.count_states(f"%{target}")
    frames = [_self.get_coordset(target, state=s) for s in range(1, n_states + 1)]
    if any(f is None or f.shape != (n_atoms, 3) for f in frames):
        raise CmdException(f"The trajectory object {target!r} no longer has the {n_atoms} atoms trajgen made "
                           "(atoms were removed or added); run trajgen_run again to export.")
    return np.stack(frames).astype(np.float32)
