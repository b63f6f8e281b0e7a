"""Backbone N and C atoms rebuilt from a Calpha trace, so Calpha-only models can be simulated.

Each residue's N and C are placed in a local frame of its Calpha neighbours, at coordinates
predicted by a linear model of the trace's local shape, fitted on real structures
(``fit_backbone_model``; the fit shipped in ``engine/assets/calpha_backbone.npz``).

Interior residue i: frame at CA_i with x along CA_{i+1} - CA_{i-1}, z along
(CA_i - CA_{i-1}) x (CA_{i+1} - CA_i), y = z x x. Features: 1, cos/sin of the virtual angle at
CA_i, cos/sin of the virtual dihedrals (i-2, i-1, i, i+1) and (i-1, i, i+1, i+2) (zero where the
chain ends). A chain's first (last) residue is placed in the frame of the residue after (before)
it, with its own coefficients. O, side chains and OXT then come from ``complete.py`` as for any
file with missing atoms. Typical error on held-apart structures: see ``fit_backbone_model``'s
``rmsd_A`` (recorded in the asset and the report note).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .atoms import AtomTable

CHAIN_BREAK_A = 4.3      # consecutive Calpha atoms farther apart than this start a new segment
KINDS = ("interior", "first", "last")


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-8)


def _dihedral(a, b, c, d) -> np.ndarray:
    b0, b1, b2 = a - b, c - b, d - c
    b1n = _unit(b1)
    v = b0 - (b0 * b1n).sum(-1, keepdims=True) * b1n
    w = b2 - (b2 * b1n).sum(-1, keepdims=True) * b1n
    x = (v * w).sum(-1)
    y = (np.cross(b1n, v) * w).sum(-1)
    return np.arctan2(y, x)


def _frames(ca: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local frames (n-2, 3, 3) (rows x, y, z) and features (n-2, 7) of the interior residues of one segment."""
    prev, mid, nxt = ca[:-2], ca[1:-1], ca[2:]
    x = _unit(nxt - prev)
    z = _unit(np.cross(mid - prev, nxt - mid))
    y = np.cross(z, x)
    a, b = _unit(prev - mid), _unit(nxt - mid)
    cos_t = (a * b).sum(-1)
    sin_t = np.linalg.norm(np.cross(a, b), axis=-1)
    n = len(mid)
    tau_before = np.zeros((n, 2))
    tau_after = np.zeros((n, 2))
    if len(ca) >= 4:
        t = _dihedral(ca[:-3], ca[1:-2], ca[2:-1], ca[3:])       # dihedral k spans residues k..k+3
        tau_before[1:] = np.stack([np.cos(t), np.sin(t)], -1)    # (i-2, i-1, i, i+1) for interior i >= 2
        tau_after[:-1] = np.stack([np.cos(t), np.sin(t)], -1)    # (i-1, i, i+1, i+2)
    feats = np.concatenate([np.ones((n, 1)), cos_t[:, None], sin_t[:, None], tau_before, tau_after], -1)
    return np.stack([x, y, z], axis=1), feats


def _targets(frames: np.ndarray, centre: np.ndarray, atoms: np.ndarray) -> np.ndarray:
    """atoms (k, 3) in the local frames (k, 3, 3) centred on ``centre`` (k, 3)."""
    return np.einsum("kij,kj->ki", frames, atoms - centre)


def _place(frames: np.ndarray, centre: np.ndarray, local: np.ndarray) -> np.ndarray:
    return centre + np.einsum("kji,kj->ki", frames, local)


def segments(ca: np.ndarray) -> list[slice]:
    """Runs of consecutive residues whose Calpha atoms are within CHAIN_BREAK_A of each other."""
    gaps = np.flatnonzero(np.linalg.norm(np.diff(ca, axis=0), axis=-1) > CHAIN_BREAK_A) + 1
    bounds = [0, *gaps.tolist(), len(ca)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def _design(ca: np.ndarray):
    """Per kind: (frames, centres, features, residue indices) of one segment (>= 3 residues)."""
    frames, feats = _frames(ca)
    return {
        "interior": (frames, ca[1:-1], feats, np.arange(1, len(ca) - 1)),
        "first": (frames[:1], ca[1:2], feats[:1], np.array([0])),
        "last": (frames[-1:], ca[-2:-1], feats[-1:], np.array([len(ca) - 1])),
    }


def rebuild_backbone(ca: np.ndarray, model: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """N and C positions (n, 3) Angstrom for Calpha positions ca (n, 3) of one chain.

    model: coefficients per kind (7, 6) (``load_backbone_model``). Segments of fewer than three
    residues cannot be framed and raise ValueError.
    """
    n_pos, c_pos = np.zeros_like(ca), np.zeros_like(ca)
    for seg in segments(ca):
        part = ca[seg]
        if len(part) < 3:
            raise ValueError(f"a Calpha segment of {len(part)} residue(s) (from residue index {seg.start}) is too "
                             "short to rebuild its backbone; at least three consecutive residues are needed.")
        for kind, (frames, centre, feats, idx) in _design(part).items():
            local = feats @ model[kind]                               # (k, 6)
            n_pos[seg][idx] = _place(frames, centre, local[:, :3])
            c_pos[seg][idx] = _place(frames, centre, local[:, 3:])
    return n_pos, c_pos


def fit_backbone_model(chains: list[tuple[np.ndarray, np.ndarray, np.ndarray]], holdout_every: int = 5):
    """Least-squares coefficients from chains of (N, CA, C) positions (n, 3) each.

    Every ``holdout_every``-th chain is held apart to measure the error; the returned model is
    refitted on all chains. Returns (model {kind: (7, 6)}, rmsd_A of N and C on the held-apart chains).
    """
    def stack(items):
        rows = {k: ([], []) for k in KINDS}
        for n, ca, c in items:
            for seg in segments(ca):
                if seg.stop - seg.start < 3:
                    continue
                for kind, (frames, centre, feats, idx) in _design(ca[seg]).items():
                    off = seg.start + idx
                    y = np.concatenate([_targets(frames, centre, n[off]), _targets(frames, centre, c[off])], -1)
                    rows[kind][0].append(feats)
                    rows[kind][1].append(y)
        return {k: (np.concatenate(x), np.concatenate(y)) for k, (x, y) in rows.items()}

    def solve(data):
        return {k: np.linalg.lstsq(x, y, rcond=None)[0] for k, (x, y) in data.items()}

    test = [c for i, c in enumerate(chains) if i % holdout_every == 0]
    train = [c for i, c in enumerate(chains) if i % holdout_every != 0]
    if not train:                                                # too few chains to hold one apart
        return solve(stack(chains)), float("nan")
    model = solve(stack(train))
    errs = []
    for n, ca, c in test:
        try:
            n_hat, c_hat = rebuild_backbone(ca, model)
        except ValueError:
            continue
        errs.append(np.concatenate([((n_hat - n) ** 2).sum(-1), ((c_hat - c) ** 2).sum(-1)]))
    rmsd = float(np.sqrt(np.concatenate(errs).mean())) if errs else float("nan")
    return solve(stack(chains)), rmsd


def asset_path() -> Path:
    return Path(__file__).resolve().parents[1] / "assets" / "calpha_backbone.npz"


def load_backbone_model(path: str | Path | None = None) -> tuple[dict[str, np.ndarray], float]:
    """(coefficients per kind, held-apart rmsd_A) of the shipped fit (or ``path``)."""
    with np.load(path or asset_path()) as data:
        return {k: data[k] for k in KINDS}, float(data["rmsd_A"])


def add_backbone(table: AtomTable, ca_rows: np.ndarray) -> tuple[AtomTable, str]:
    """The table with N and C rebuilt around the Calpha atoms at ``ca_rows`` (the protein residues',
    chain by chain, in file order), and a note for the report."""
    model, rmsd = load_backbone_model()
    new_rows: dict[int, list[tuple[str, np.ndarray]]] = {}
    for chain in dict.fromkeys(table.chain_ids[ca_rows].tolist()):
        rows = ca_rows[table.chain_ids[ca_rows] == chain]
        try:
            n_pos, c_pos = rebuild_backbone(table.xyz[rows], model)
        except ValueError as err:
            raise ValueError(f"chain {chain or '(blank)'}: {err}") from None
        for r, n, c in zip(rows, n_pos, c_pos):
            new_rows[int(r)] = [("N", n), ("CA", table.xyz[r]), ("C", c)]
    order, names, xyz, elements = [], [], [], []
    for i in range(len(table)):
        for name, pos in new_rows.get(i, [(str(table.names[i]), table.xyz[i])]):
            order.append(i)
            names.append(name)
            xyz.append(pos)
            elements.append(name[0] if i in new_rows else str(table.elements[i]))
    idx = np.array(order)
    rebuilt = AtomTable(np.array(names, dtype=str), table.resnames[idx], table.chain_ids[idx],
                        table.residue_numbers[idx], table.insertion_codes[idx], np.array(elements, dtype=str),
                        table.hetero[idx], np.array(xyz, dtype=np.float64), table.source, list(table.notes))
    note = (f"backbone N and C rebuilt from the Calpha trace for {len(new_rows)} residues (fitted local geometry, "
            f"about {rmsd:.2f} A RMS error on real structures); O and side chains then rebuilt as missing atoms")
    return rebuilt, note


def fit_from_files(paths: list[str], heldout: dict[str, str]) -> tuple[dict[str, np.ndarray], float, int, dict]:
    """Fit on the protein chains of structure files, leaving out relatives of ``heldout`` proteins.

    Returns (model, held-apart rmsd_A, residues used, {left-out file: (held-out name, identity)}).
    """
    from trajgen.engine.dataset.splits import heldout_exclusions
    from trajgen.engine.errors import StructureError

    from . import load_protein

    proteins = {}
    for path in paths:
        try:
            proteins[str(path)] = load_protein(path, complete=False)
        except StructureError:
            continue                                             # Calpha-only or non-protein files teach nothing
    excluded = heldout_exclusions({name: p.sequence.replace("/", "") for name, p in proteins.items()}, heldout)
    chains, count = [], 0
    for name, protein in proteins.items():
        if name in excluded:
            continue
        pos = np.asarray(protein.positions, np.float64)          # (L, 15, 3): N, CA, C first
        ids = np.asarray(protein.chain_ids)
        for chain in dict.fromkeys(ids.tolist()):
            sel = ids == chain
            chains.append((pos[sel, 0], pos[sel, 1], pos[sel, 2]))
            count += int(sel.sum())
    if not chains:
        raise ValueError("no usable protein chain to fit the backbone model on")
    model, rmsd = fit_backbone_model(chains)
    return model, rmsd, count, excluded


def save_backbone_model(path: str | Path, model: dict[str, np.ndarray], rmsd_A: float, n_residues: int) -> None:
    np.savez(path, rmsd_A=np.float64(rmsd_A), n_residues=np.int64(n_residues), **model)
